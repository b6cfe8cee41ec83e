//! The participants' pages and messages in the person's language, over real HTTP on 127.0.0.1:0:
//! English for a browser that asks for it, Japanese otherwise; a kept choice (the `ibasho-lang`
//! cookie, set by `?lang=` or the town's switch) wins over the browser's list; worded answers
//! say they vary by both, so no cache serves one language for the other. Staff pages and their
//! live data follow the same choice.

mod common;

use common::TestServer;
use protocol::Role;
use serde_json::{Value, json};

async fn get(server: &TestServer, path: &str, headers: &[(&str, &str)]) -> reqwest::Response {
    let mut request = reqwest::Client::new().get(format!("{}{path}", server.base));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.send().await.expect("request")
}

#[tokio::test]
async fn pages_and_errors_speak_the_language_asked_for_and_a_kept_choice_wins() {
    let server = TestServer::start().await;
    let english = [("accept-language", "en-US,en;q=0.9")];

    let page = get(&server, "/invite/no-such-token", &english).await;
    assert_eq!(page.status(), 404);
    assert!(page.headers()["vary"].to_str().expect("vary").contains("cookie"), "varies by the kept choice");
    let text = page.text().await.expect("page");
    assert!(text.contains("<html lang=\"en\">") && text.contains("This invite link cannot be found"), "{text}");

    let kept = get(&server, "/invite/no-such-token", &[english[0], ("cookie", "ibasho-lang=ja")]).await;
    assert!(kept.text().await.expect("page").contains("この招待リンクは見つかりません"), "the kept choice wins");
    let french = get(&server, "/privacy", &[("accept-language", "fr-FR")]).await;
    assert!(
        french.text().await.expect("page").contains("プライバシーについて"),
        "Japanese for a language we do not speak"
    );

    // `?lang=en` on the registration page answers in English and keeps the choice.
    let token = server.invite_token(Role::Participant);
    let chosen = get(&server, &format!("/invite/{token}?lang=en"), &[]).await;
    let cookie = chosen.headers()["set-cookie"].to_str().expect("cookie").to_owned();
    assert!(cookie.starts_with("ibasho-lang=en;") && cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(chosen.text().await.expect("page").contains("Welcome to ibasho"));
    let back = get(&server, &format!("/invite/{token}?lang=ja"), &english).await;
    assert!(back.text().await.expect("page").contains("ibasho へようこそ"));
    let unknown = get(&server, &format!("/invite/{token}?lang=xx"), &english).await;
    assert!(unknown.headers().get("set-cookie").is_none(), "an unknown language keeps nothing");
    assert!(unknown.text().await.expect("page").contains("Welcome to ibasho"), "and the browser's list decides");

    // An API refusal's message too; its code stays the same in every language.
    let refused = reqwest::Client::new()
        .post(format!("{}/api/register", server.base))
        .header("accept-language", "en")
        .json(&json!({ "token": token, "nickname": "スタッフ", "avatar": 0 }))
        .send()
        .await
        .expect("request");
    assert_eq!(refused.status(), 400);
    let body: Value = refused.json().await.expect("json");
    assert_eq!(body["code"], "bad_nickname");
    assert!(body["message"].as_str().expect("message").contains("mistaken for the staff"), "{body}");
}

#[tokio::test]
async fn staff_pages_and_the_live_view_speak_the_staff_members_language() {
    let server = TestServer::start().await;
    let staff = server.register(Role::Staff, "すたっふ").await;
    let _a = common::enter(&server, "あお").await;

    // `?lang=en` (which a browser would keep in the cookie): the staff page, いまの様子 and its data.
    let page = staff.get("/staff?lang=en").await.text().await.expect("page");
    assert!(page.contains("<h1>Staff page</h1>") && page.contains("Create invite links"), "{page}");
    assert!(page.contains("Now in the town") && page.contains("\"staff.state.used\":\"Used\""), "{page}");
    let now = staff.get("/now?lang=en").await.text().await.expect("page");
    assert!(now.contains("Looking after people") && now.contains("\"now.hold\":\"Hold the voice\""), "{now}");
    let overview: Value = staff.get("/api/now?lang=en").await.json().await.expect("json");
    let row = overview["people"].as_array().and_then(|people| people.iter().find(|p| p["nickname"] == "あお"));
    let row = row.expect("あお listed");
    assert_eq!((row["place"].as_str(), row["role"].as_str()), (Some("Entrance"), Some("Participant")), "{row}");

    // Back to Japanese: the same data in Japanese.
    assert!(staff.get("/staff?lang=ja").await.text().await.expect("page").contains("招待リンクを作る"));
    let overview: Value = staff.get("/api/now").await.json().await.expect("json");
    let row = overview["people"].as_array().and_then(|people| people.iter().find(|p| p["nickname"] == "あお"));
    assert_eq!(row.expect("listed")["place"], "入口・案内");
}
