//! Invites, registration and sessions over real HTTP on 127.0.0.1:0.

mod common;

use common::{Browser, TestServer};
use ibasho_server::tokens::hash_token;
use protocol::Role;
use serde_json::{Value, json};

async fn json_body(response: reqwest::Response) -> Value {
    response.json().await.expect("json body")
}

#[tokio::test]
async fn staff_invite_leads_to_an_account_with_a_strict_http_only_session() {
    let server = TestServer::start().await;
    let token = server.invite_token(Role::Staff);
    let page = Browser::new(&server.base).get(&format!("/invite/{token}")).await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.expect("html");
    assert!(html.contains("ニックネーム") && html.contains("スタッフ"));

    let browser = Browser::new(&server.base);
    let response = browser.post("/api/register", json!({ "token": token, "nickname": " 相談係 ", "avatar": 2 })).await;
    assert_eq!(response.status(), 200);
    let cookie = response.headers()["set-cookie"].to_str().expect("cookie").to_owned();
    assert!(cookie.starts_with("ibasho_session="));
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"));
    let body = json_body(response).await;
    assert_eq!(body["nickname"], "相談係");
    assert_eq!(body["role"], "staff");

    let signed_in = Browser { cookie: cookie.split(';').next().map(String::from), ..Browser::new(&server.base) };
    let me = json_body(signed_in.get("/api/me").await).await;
    assert_eq!(me["nickname"], "相談係");
    assert_eq!(me["avatar"], 2);
    // A returning browser enters the town without a new invite.
    let town = signed_in.get("/").await;
    assert_eq!(town.status(), 200);
    assert!(town.text().await.expect("html").contains("<title>town</title>"));
}

#[tokio::test]
async fn staff_create_participant_invites_and_others_cannot() {
    let server = TestServer::start().await;
    let staff = server.register(Role::Staff, "スタッフ").await;
    let created = staff.post("/api/invites", json!({ "role": "participant", "note": "Aさん" })).await;
    assert_eq!(created.status(), 201);
    let created = json_body(created).await;
    let url = created["url"].as_str().expect("url");
    assert!(url.starts_with(&format!("{}/invite/", server.base)));
    let token = url.rsplit('/').next().expect("token");
    assert!(token.len() >= 22, "at least 128 bits of base64");

    let participant = Browser::new(&server.base);
    let registered =
        participant.post("/api/register", json!({ "token": token, "nickname": "ゆき", "avatar": 0 })).await;
    assert_eq!(registered.status(), 200);
    assert_eq!(json_body(registered).await["role"], "participant");

    let list = json_body(staff.get("/api/invites").await).await;
    let listed = list.as_array().expect("list").iter().find(|i| i["id"] == created["id"]).expect("listed");
    assert!(listed["used_at"].is_i64());
    assert!(listed.get("token").is_none() && listed.get("token_hash").is_none());

    let someone = server.register(Role::Participant, "だれか").await;
    let refused = someone.post("/api/invites", json!({ "role": "staff" })).await;
    assert_eq!(refused.status(), 403);
    assert_eq!(json_body(refused).await["code"], "forbidden");
    let anonymous = Browser::new(&server.base).post("/api/invites", json!({ "role": "staff" })).await;
    assert_eq!(anonymous.status(), 401);
    let bad_hours = staff.post("/api/invites", json!({ "role": "participant", "expires_in_hours": 0 })).await;
    assert_eq!(bad_hours.status(), 400);
}

#[tokio::test]
async fn a_used_invite_cannot_be_used_again_and_creates_nothing() {
    let server = TestServer::start().await;
    let token = server.invite_token(Role::Participant);
    let first = Browser::new(&server.base)
        .post("/api/register", json!({ "token": token, "nickname": "一人目", "avatar": 0 }))
        .await;
    assert_eq!(first.status(), 200);
    let second = Browser::new(&server.base)
        .post("/api/register", json!({ "token": token, "nickname": "二人目", "avatar": 0 }))
        .await;
    assert_eq!(second.status(), 410);
    assert!(second.headers().get("set-cookie").is_none());
    let body = json_body(second).await;
    assert_eq!(body["code"], "invite_used");
    assert!(body["message"].as_str().expect("message").contains("すでに使われています"));
    let nicknames = server.state.store.column_texts("SELECT nickname FROM accounts").expect("accounts");
    assert_eq!(nicknames, vec!["一人目".to_owned()]);
    let page = Browser::new(&server.base).get(&format!("/invite/{token}")).await;
    assert_eq!(page.status(), 410);
    assert!(page.text().await.expect("html").contains("すでに使われています"));
}

#[tokio::test]
async fn expired_and_unknown_invites_show_a_clear_page_and_create_nothing() {
    let server = TestServer::start().await;
    let invite = server.state.store.create_invite(Role::Participant, "", None, 3600).expect("invite");
    server.state.store.set_invite_expiry(invite.id, 1).expect("expire");
    let page = Browser::new(&server.base).get(&format!("/invite/{}", invite.token)).await;
    assert_eq!(page.status(), 410);
    assert!(page.text().await.expect("html").contains("有効期限が切れています"));
    let register = Browser::new(&server.base)
        .post("/api/register", json!({ "token": invite.token, "nickname": "a", "avatar": 0 }))
        .await;
    assert_eq!(json_body(register).await["code"], "invite_expired");

    let unknown = Browser::new(&server.base).get("/invite/not-a-real-token").await;
    assert_eq!(unknown.status(), 404);
    assert!(unknown.text().await.expect("html").contains("見つかりません"));
    assert!(server.state.store.column_texts("SELECT nickname FROM accounts").expect("accounts").is_empty());
}

#[tokio::test]
async fn only_hashes_of_tokens_are_stored() {
    let server = TestServer::start().await;
    let token = server.invite_token(Role::Participant);
    let browser = Browser::new(&server.base);
    let response = browser.post("/api/register", json!({ "token": token, "nickname": "ハッシュ", "avatar": 0 })).await;
    let cookie = response.headers()["set-cookie"].to_str().expect("cookie").to_owned();
    let session_token =
        cookie.split(';').next().and_then(|c| c.split_once('=')).map(|(_, v)| v.to_owned()).expect("token");
    let invite_hashes = server.state.store.column_texts("SELECT token_hash FROM invites").expect("invites");
    let session_hashes = server.state.store.column_texts("SELECT token_hash FROM sessions").expect("sessions");
    assert_eq!(invite_hashes, vec![hash_token(&token)]);
    assert_eq!(session_hashes, vec![hash_token(&session_token)]);
    let everything = server
        .state
        .store
        .column_texts("SELECT group_concat(token_hash) FROM (SELECT token_hash FROM invites UNION ALL SELECT token_hash FROM sessions)")
        .expect("all");
    assert!(!everything[0].contains(&token) && !everything[0].contains(&session_token));
}

#[tokio::test]
async fn bad_registrations_are_refused_and_leave_the_invite_usable() {
    let server = TestServer::start().await;
    let token = server.invite_token(Role::Participant);
    let browser = Browser::new(&server.base);
    for (nickname, avatar, code) in [
        ("   ", 0, "bad_nickname"),
        ("あいうえおかきくけこさしすせそたちつてとな", 0, "bad_nickname"),
        ("改行\nあり", 0, "bad_nickname"),
        ("よい名前", 6, "bad_request"),
    ] {
        let response =
            browser.post("/api/register", json!({ "token": token, "nickname": nickname, "avatar": avatar })).await;
        assert_eq!(response.status(), 400, "{nickname:?}");
        let body = json_body(response).await;
        assert_eq!(body["code"], code);
        assert!(!body["message"].as_str().expect("message").is_empty());
    }
    let malformed = browser.post_raw("/api/register", "{not json").await;
    assert_eq!(malformed.status(), 400);
    assert_eq!(json_body(malformed).await["code"], "bad_request");
    let ok = browser
        .post(
            "/api/register",
            json!({ "token": token, "nickname": "ちょうど二十文字ちょうど二十文字ちょうど", "avatar": 5 }),
        )
        .await;
    assert_eq!(ok.status(), 200, "20 characters are allowed");
}

#[tokio::test]
async fn staff_revoke_a_session_and_the_browser_is_signed_out() {
    let server = TestServer::start().await;
    let staff = server.register(Role::Staff, "スタッフ").await;
    let participant = server.register(Role::Participant, "参加者").await;
    assert_eq!(participant.get("/api/me").await.status(), 200);
    let sessions = json_body(staff.get("/api/sessions").await).await;
    let session = sessions.as_array().expect("list").iter().find(|s| s["nickname"] == "参加者").expect("listed");
    let mut socket = participant.connect().await;
    socket.welcome().await;
    let revoked = staff.delete(&format!("/api/sessions/{}", session["id"])).await;
    assert_eq!(revoked.status(), 204);
    let closing =
        socket.until(common::WAIT, |m| matches!(m, protocol::ServerMessage::Closing { .. }).then(|| m.clone())).await;
    assert_eq!(closing, Some(protocol::ServerMessage::Closing { code: protocol::CloseCode::SessionRevoked }));
    assert_eq!(participant.get("/api/me").await.status(), 401);
    let page = participant.get("/").await;
    assert_eq!(page.status(), 401);
    assert!(page.text().await.expect("html").contains("招待リンクが必要です"));
    assert_eq!(staff.delete("/api/sessions/999999").await.status(), 404);
}

#[tokio::test]
async fn the_staff_page_is_for_staff_only() {
    let server = TestServer::start().await;
    let staff = server.register(Role::Staff, "スタッフ").await;
    let participant = server.register(Role::Participant, "参加者").await;
    let page = staff.get("/staff").await;
    assert_eq!(page.status(), 200);
    assert!(page.text().await.expect("html").contains("招待リンクを作る"));
    assert_eq!(participant.get("/staff").await.status(), 403);
    assert_eq!(Browser::new(&server.base).get("/staff").await.status(), 401);
}

#[tokio::test]
async fn the_staff_page_says_whether_booth_connections_are_relayed() {
    let server = TestServer::start().await;
    let staff = server.register(Role::Staff, "スタッフ").await;
    let page = staff.get("/staff").await.text().await.expect("page");
    assert!(page.contains("TURN サーバーが設定されていません"), "no relay configured in this test server");
    assert!(page.contains("href=\"/slots\""), "the reservations page is linked");
}

fn header<'a>(response: &'a reqwest::Response, name: &str) -> &'a str {
    response.headers().get(name).and_then(|value| value.to_str().ok()).unwrap_or_default()
}

/// The headers every response carries, whatever its kind.
fn assert_secure(response: &reqwest::Response) {
    let policy = header(response, "content-security-policy");
    assert!(policy.contains("frame-ancestors 'none'") && policy.contains("default-src 'self'"), "{policy}");
    assert_eq!(header(response, "referrer-policy"), "no-referrer");
    assert_eq!(header(response, "x-content-type-options"), "nosniff");
    assert_eq!(header(response, "x-frame-options"), "DENY");
    let permissions = header(response, "permissions-policy");
    assert!(permissions.contains("camera=(self)") && permissions.contains("display-capture=(self)"), "{permissions}");
}

#[tokio::test]
async fn every_response_carries_a_strict_policy_that_allows_only_the_pages_own_scripts() {
    let server = TestServer::start().await;
    let client = reqwest::Client::new();
    let index_hashes = ibasho_server::headers::script_hashes(common::INDEX_HTML);
    assert_eq!(index_hashes.len(), 1);
    let signed_in = server.register(Role::Participant, "さくら").await;
    let cookie = signed_in.cookie.clone().expect("cookie");
    // The client's page, plain and precompressed: its inline script is allowed by hash, nothing else.
    for (path, encoding) in [("/", "identity"), ("/index.html", "br")] {
        let response =
            client.get(format!("{}{path}", server.base)).header("accept-encoding", encoding).header("cookie", &cookie);
        let response = response.send().await.expect("get");
        assert_eq!(response.status(), 200);
        if encoding == "br" {
            assert_eq!(header(&response, "content-encoding"), "br", "the precompressed page");
        }
        assert_secure(&response);
        let policy = header(&response, "content-security-policy");
        assert!(policy.contains(&format!("script-src 'self' 'wasm-unsafe-eval' {}", index_hashes[0])), "{policy}");
        assert!(!policy.contains("'unsafe-eval'") && !policy.contains("script-src 'self' 'unsafe-inline'"));
    }
    // A server page whose script carries its own invite token: hashed as it is sent.
    let token = server.invite_token(Role::Participant);
    let page = client.get(format!("{}/invite/{token}", server.base)).send().await.expect("get");
    assert_secure(&page);
    let policy = header(&page, "content-security-policy").to_owned();
    let body = page.text().await.expect("body");
    let hashes = ibasho_server::headers::script_hashes(&body);
    assert!(!hashes.is_empty() && hashes.iter().all(|hash| policy.contains(hash)), "{policy}");
    // JSON answers and errors carry the headers too.
    let api = client.get(format!("{}/api/me", server.base)).send().await.expect("get");
    assert_eq!(api.status(), 401);
    assert_secure(&api);
}

#[tokio::test]
async fn nicknames_cannot_deceive_or_pose_as_staff() {
    let server = TestServer::start().await;
    server.register(Role::Staff, "やまだ").await;
    server.register(Role::Counselor, "Mori").await;
    let token = server.invite_token(Role::Participant);
    let browser = Browser::new(&server.base);
    for nickname in
        ["abc\u{202E}fed", "\u{200B}\u{200B}", "さ\u{200B}くら", "\u{3164}", "ｽﾀｯﾌ", "運営です", "や ま だ", "MORI"]
    {
        let response =
            browser.post("/api/register", json!({ "token": token, "nickname": nickname, "avatar": 0 })).await;
        assert_eq!(response.status(), 400, "{nickname:?}");
        let body = json_body(response).await;
        assert_eq!(body["code"], "bad_nickname", "{nickname:?}");
        assert!(!body["message"].as_str().expect("message").is_empty());
    }
    // Nothing was used up; an honest name in decomposed form is stored composed (NFC).
    let ok = browser.post("/api/register", json!({ "token": token, "nickname": "Jose\u{301}", "avatar": 0 })).await;
    assert_eq!(ok.status(), 200);
    assert_eq!(json_body(ok).await["nickname"], "José");
    // Staff may be called スタッフ: the rule is for participants.
    server.register(Role::Staff, "スタッフ").await;
}

#[tokio::test]
async fn probing_invite_tokens_is_slowed_down_with_a_clear_answer() {
    let server = TestServer::start().await;
    let good = server.invite_token(Role::Participant);
    let browser = Browser::new(&server.base);
    // Opening one's own link and registering never counts.
    for _ in 0..20 {
        assert_eq!(browser.get(&format!("/invite/{good}")).await.status(), 200);
    }
    // Guessing does: after a burst of unknown tokens (pages and registrations alike), 429.
    let burst = ibasho_server::limits::FAILED_ATTEMPTS_BURST as usize;
    for n in 0..burst {
        let status = if n % 2 == 0 {
            browser.get(&format!("/invite/guess{n}")).await.status()
        } else {
            let body = json!({ "token": format!("guess{n}"), "nickname": "さくら", "avatar": 0 });
            browser.post("/api/register", body).await.status()
        };
        assert_eq!(status, 404, "attempt {n}");
    }
    let page = browser.get("/invite/guess-more").await;
    assert_eq!(page.status(), 429);
    assert!(page.text().await.expect("text").contains("1 分ほど待って"));
    let refused = browser.post("/api/register", json!({ "token": good, "nickname": "さくら", "avatar": 0 })).await;
    assert_eq!(refused.status(), 429, "even a good token waits");
    let body = json_body(refused).await;
    assert_eq!(body["code"], "too_many_requests");
    assert!(body["message"].as_str().expect("message").contains("待って"));
    // Nothing was used up: once the address may try again, the good invite still works.
    let invites =
        server.state.store.column_texts("SELECT token_hash FROM invites WHERE used_at IS NULL").expect("query");
    assert_eq!(invites.len(), 1);
}

#[tokio::test]
async fn the_clients_build_is_cached_for_a_year_and_the_rest_is_checked_on_each_visit() {
    let server = TestServer::start().await;
    let dist = &server.state.config.static_dir;
    std::fs::write(dist.join("ibasho-0123456789abcdef_bg.wasm"), b"\0asm\x01\0\0\0").expect("wasm");
    std::fs::create_dir_all(dist.join("assets/maps")).expect("assets");
    std::fs::write(dist.join("assets/maps/town.ron"), "(tiles: [])").expect("map");
    let client = reqwest::Client::new();
    let get = |path: &str| client.get(format!("{}{path}", server.base));

    // The module, named by its content: a year, immutable, as application/wasm for streaming.
    let wasm = get("/ibasho-0123456789abcdef_bg.wasm").send().await.expect("get");
    assert_eq!(wasm.status(), 200);
    assert_eq!(header(&wasm, "cache-control"), ibasho_server::client_files::IMMUTABLE);
    assert_eq!(header(&wasm, "content-type"), "application/wasm");
    // An asset with a fixed name: kept, but checked; unchanged, it costs a 304 and no body.
    let map = get("/assets/maps/town.ron").send().await.expect("get");
    assert_eq!(map.status(), 200);
    assert_eq!(header(&map, "cache-control"), "no-cache");
    let modified = header(&map, "last-modified").to_owned();
    let again = get("/assets/maps/town.ron").header("if-modified-since", &modified).send().await.expect("get");
    assert_eq!(again.status(), 304);
    assert_eq!(header(&again, "cache-control"), "no-cache");
    assert!(again.bytes().await.expect("body").is_empty());
    // A file that is not there is not cached at all.
    let missing = get("/ibasho-fedcba9876543210.js").send().await.expect("get");
    assert_eq!(missing.status(), 404);
    assert!(missing.headers().get("cache-control").is_none());
}
