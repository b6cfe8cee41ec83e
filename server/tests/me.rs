//! わたしの設定 over real HTTP and WebSocket on 127.0.0.1:0: a person changes their nickname and
//! avatar (a bad one refused, nothing changed), sees and ends their own sessions only, and
//! deletes their account: their page closes, their cookie stops working, and no row of any
//! table keeps them (a booked time, a report, a record stay without them). Staff delete an
//! account too; the last staff account is never deleted.

mod common;

use common::{Person, TestServer};
use protocol::{ClientMessage, CloseCode, ParticipantId, Role, ServerMessage};
use serde_json::{Value, json};

async fn connected(browser: &common::Browser, id: ParticipantId) -> Person {
    let mut socket = browser.connect().await;
    socket.welcome().await;
    Person { id, socket }
}

/// Every value of every column of every table, as text, with the table and column it is in.
fn every_value(server: &TestServer) -> Vec<(String, String, String)> {
    let store = &server.state.store;
    let tables = store.column_texts("SELECT name FROM sqlite_master WHERE type = 'table'").expect("tables");
    let mut values = Vec::new();
    for table in tables {
        let columns = store.column_texts(&format!("SELECT name FROM pragma_table_info('{table}')")).expect("columns");
        for column in columns {
            let sql = format!("SELECT COALESCE(CAST(\"{column}\" AS TEXT), '') FROM \"{table}\"");
            for value in store.column_texts(&sql).expect("values") {
                values.push((table.clone(), column.clone(), value));
            }
        }
    }
    values
}

#[tokio::test]
async fn a_person_changes_their_name_and_deletes_their_account_leaving_nothing_behind() {
    let server = TestServer::start().await;
    let staff = server.register(Role::Staff, "受付係").await;
    let counselor = server.register(Role::Counselor, "けい").await;
    let a_browser = server.register(Role::Participant, "あおい").await;
    let b_browser = server.register(Role::Participant, "ひかり").await;
    let (a_id, b_id) = (a_browser.me().await, b_browser.me().await);

    // Name and avatar: bad ones refused with the reason, nothing changed; a good one kept.
    let bad = a_browser.put("/api/me/profile", json!({ "nickname": "", "avatar": 2 })).await;
    assert_eq!(bad.status(), 400);
    assert_eq!(a_browser.put("/api/me/profile", json!({ "nickname": "スタッフ", "avatar": 2 })).await.status(), 400);
    assert_eq!(a_browser.put("/api/me/profile", json!({ "nickname": "そら", "avatar": 99 })).await.status(), 400);
    assert_eq!(a_browser.get("/api/me").await.json::<Value>().await.expect("me")["nickname"], "あおい");
    assert_eq!(a_browser.put("/api/me/profile", json!({ "nickname": "みなと", "avatar": 2 })).await.status(), 204);
    let me: Value = a_browser.get("/api/me").await.json().await.expect("me");
    assert_eq!((me["nickname"].as_str(), me["avatar"].as_u64()), (Some("みなと"), Some(2)));
    assert!(a_browser.get("/me").await.text().await.expect("page").contains("value=\"みなと\""));

    // Own sessions only.
    let mine: Vec<Value> = a_browser.get("/api/me/sessions").await.json().await.expect("sessions");
    assert_eq!((mine.len(), mine[0]["this_browser"].as_bool()), (1, Some(true)));
    let b_sessions: Vec<Value> = b_browser.get("/api/me/sessions").await.json().await.expect("sessions");
    let b_session = b_sessions[0]["id"].as_i64().expect("id");
    assert_eq!(a_browser.delete(&format!("/api/me/sessions/{b_session}")).await.status(), 404, "not someone else's");

    // A leaves traces everywhere: a block each way, a booked time, a report each way, records.
    let starts_at = ibasho_server::store::now() + 3_600;
    let slot =
        counselor.post("/api/booth-slots", json!({ "booth": "booth-1", "starts_at": starts_at, "minutes": 30 })).await;
    let slot = slot.json::<Value>().await.expect("json")["id"].as_i64().expect("slot");
    assert_eq!(a_browser.post(&format!("/api/booth-slots/{slot}/book"), json!({})).await.status(), 204);
    let mut a = connected(&a_browser, a_id).await;
    let mut b = connected(&b_browser, b_id).await;
    a.send(&ClientMessage::SetBlock { person: b_id, blocked: true }).await;
    b.send(&ClientMessage::SetBlock { person: a_id, blocked: true }).await;
    a.send(&ClientMessage::Report { person: Some(b_id), note: "こわかった".into() }).await;
    b.send(&ClientMessage::Report { person: Some(a_id), note: "なし".into() }).await;
    assert!(a.until(|m| matches!(m, ServerMessage::Reported).then_some(())).await.is_some());
    assert!(b.until(|m| matches!(m, ServerMessage::Reported).then_some(())).await.is_some());
    let suspension = |on: bool| json!({ "suspended": on });
    assert_eq!(staff.post(&format!("/api/accounts/{}/suspension", b_id.0), suspension(true)).await.status(), 204);
    assert_eq!(staff.post(&format!("/api/accounts/{}/suspension", b_id.0), suspension(false)).await.status(), 204);
    let mut b = connected(&b_browser, b_id).await;
    let _ = &mut b;
    assert_eq!(staff.post(&format!("/api/accounts/{}/suspension", a_id.0), suspension(true)).await.status(), 204);
    assert_eq!(staff.post(&format!("/api/accounts/{}/suspension", a_id.0), suspension(false)).await.status(), 204);
    let mut a = connected(&a_browser, a_id).await;
    assert!(every_value(&server).iter().any(|(_, _, v)| v.contains("みなと")), "A is in the store before");

    // A deletes the account: A's page closes at once, the cookie stops working, nothing is left.
    assert_eq!(a_browser.delete("/api/me/account").await.status(), 204);
    let closed = a.until(|m| matches!(m, ServerMessage::Closing { code: CloseCode::AccountDeleted }).then_some(()));
    assert!(closed.await.is_some(), "A's page closes");
    assert_eq!(a_browser.get("/api/me").await.status(), 401);
    let accounts: Vec<Value> = staff.get("/api/accounts").await.json().await.expect("accounts");
    assert!(accounts.iter().all(|account| account["id"] != a_id.0), "gone from 参加者");
    let now: Value = staff.get("/api/now").await.json().await.expect("now");
    assert!(!now.to_string().contains("みなと"), "gone from いまの様子");
    let id_columns = [
        ("accounts", "id"),
        ("sessions", "account_id"),
        ("blocks", "blocker"),
        ("blocks", "blocked"),
        ("booth_slots", "booked_by"),
        ("reports", "reporter"),
        ("reports", "reported"),
        ("invites", "used_by"),
        ("audit_log", "actor"),
    ];
    for (table, column, value) in every_value(&server) {
        assert!(!value.contains("みなと") && !value.contains("あおい"), "{table}.{column} still names A: {value}");
        if id_columns.contains(&(table.as_str(), column.as_str())) {
            assert_ne!(value, a_id.0.to_string(), "{table}.{column} still points at A");
        }
        if table == "audit_log" && column == "target" {
            assert!(!value.ends_with(&format!("（#{}）", a_id.0)) || value.starts_with("削除されたアカウント"));
        }
    }
    let slots: Vec<Value> = counselor.get("/api/booth-slots").await.json().await.expect("slots");
    assert!(slots.iter().any(|s| s["id"] == slot && s["state"] == "free"), "the booked time is free again");
    let reports = server.state.store.column_texts("SELECT note FROM reports").expect("reports");
    assert_eq!(reports.len(), 2, "both reports stay, without A");

    // Staff delete B (never themselves, never the last staff account).
    assert_eq!(staff.delete(&format!("/api/accounts/{}", b_id.0)).await.status(), 204);
    assert_eq!(b_browser.get("/api/me").await.status(), 401);
    let me = staff.me().await;
    assert_eq!(staff.delete(&format!("/api/accounts/{}", me.0)).await.status(), 400);
    let last = staff.delete("/api/me/account").await;
    assert_eq!(last.status(), 409);
    assert!(last.text().await.expect("text").contains("最後のスタッフ"));
    assert_eq!(counselor.delete(&format!("/api/accounts/{}", me.0)).await.status(), 403);
    let log: Vec<Value> = staff.get("/api/audit").await.json().await.expect("log");
    assert_eq!(log[0]["action"], "アカウントを削除");
}
