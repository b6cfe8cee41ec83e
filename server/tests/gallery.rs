//! The gallery over real HTTP and WebSocket on 127.0.0.1:0, with the real ffprobe and ffmpeg:
//! staff upload videos (streamed, size-limited, checked by their codecs; a refused or cancelled
//! upload leaves nothing behind), signed-in people fetch them with range requests, only staff
//! change the catalog; a showing (「みんなで見る」) is presented and controlled by staff only and
//! reaches the people in the gallery only, latecomers included.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{Browser, Person, TestServer, VIDEO_MAX_BYTES};
use protocol::{ClientMessage, GalleryRequest, RejectCode, Role, ServerMessage, Showing, VideoId, VideoView};
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

/// A short test video made with ffmpeg (`webm`: VP8 and Opus; `mp4`: H.264 and AAC).
fn make_video(dir: &Path, kind: &str, seconds: u32) -> PathBuf {
    let path = dir.join(format!("test.{kind}"));
    let codecs: &[&str] = if kind == "webm" {
        &["-c:v", "libvpx", "-b:v", "200k", "-c:a", "libopus"]
    } else {
        &["-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac"]
    };
    let status = Command::new("ffmpeg")
        .args(["-v", "error", "-y", "-f", "lavfi", "-i"])
        .arg(format!("testsrc=duration={seconds}:size=160x120:rate=15"))
        .args(["-f", "lavfi", "-i"])
        .arg(format!("sine=frequency=440:duration={seconds}"))
        .args(codecs)
        .arg("-shortest")
        .arg(&path)
        .status()
        .expect("ffmpeg (install Debian's ffmpeg)");
    assert!(status.success(), "ffmpeg made the test video");
    path
}

const CAPTIONS: &str = "WEBVTT\n\n00:00.000 --> 00:02.000\nようこそ、ギャラリーへ\n";

fn form(title: &str, video: Vec<u8>, captions: Option<&str>) -> Form {
    let mut form = Form::new()
        .text("title", title.to_owned())
        .text("description", "唄ごえカフェのようすです。")
        .text("program", "唄ごえカフェ");
    if let Some(captions) = captions {
        form = form.part("captions", Part::bytes(captions.as_bytes().to_vec()).file_name("ja.vtt"));
    }
    form.part("video", Part::bytes(video).file_name("video.bin"))
}

async fn upload(browser: &Browser, form: Form) -> reqwest::Response {
    let request = browser.client.post(format!("{}/api/videos", browser.base)).multipart(form);
    let request = match &browser.cookie {
        Some(cookie) => request.header("cookie", cookie),
        None => request,
    };
    request.send().await.expect("upload")
}

async fn message(response: reqwest::Response) -> String {
    response.json::<Value>().await.expect("json")["message"].as_str().expect("message").to_owned()
}

/// What is in the data folder's videos (the incoming folder's leftovers included).
fn stored(server: &TestServer) -> Vec<String> {
    let videos = server.state.config.data_dir.join("videos");
    let mut found = Vec::new();
    for dir in [videos.clone(), videos.join(".incoming")] {
        if let Ok(entries) = std::fs::read_dir(&dir) {
            found.extend(
                entries
                    .flatten()
                    .map(|entry| entry.file_name().to_string_lossy().into_owned())
                    .filter(|name| name != ".incoming"),
            );
        }
    }
    found
}

async fn ranged(browser: &Browser, path: &str, range: &str) -> reqwest::Response {
    let request = browser.client.get(format!("{}{path}", browser.base)).header("range", range);
    request.header("cookie", browser.cookie.as_deref().unwrap_or_default()).send().await.expect("get")
}

#[tokio::test]
async fn staff_upload_a_video_and_signed_in_people_fetch_it_with_ranges() {
    let server = TestServer::start().await;
    let staff = server.register(Role::Staff, "スタッフ").await;
    let participant = server.register(Role::Participant, "あおい").await;
    let stranger = Browser::new(&server.base);
    let dir = tempfile::tempdir().expect("tempdir");
    let webm = std::fs::read(make_video(dir.path(), "webm", 3)).expect("webm");
    let mp4 = std::fs::read(make_video(dir.path(), "mp4", 2)).expect("mp4");

    let created = upload(&staff, form("唄ごえカフェのようす", webm.clone(), Some(CAPTIONS))).await;
    assert_eq!(created.status(), 201);
    let id = created.json::<Value>().await.expect("json")["id"].as_i64().expect("id");
    assert_eq!(upload(&staff, form("ランチ", mp4, None)).await.status(), 201, "MP4 with H.264 and AAC");

    let listed: Vec<Value> = participant.get("/api/videos").await.json().await.expect("list");
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[0]["title"], "唄ごえカフェのようす");
    assert_eq!(listed[0]["container"], "webm");
    assert_eq!(listed[0]["captions"], true);
    assert_eq!(listed[0]["program"], "唄ごえカフェ");
    let duration = listed[0]["duration_ms"].as_u64().expect("duration");
    assert!((2_900..=3_200).contains(&duration), "ffprobe read its length: {duration} ms");
    assert_eq!(listed[1]["container"], "mp4");

    // The whole file, a range of it, the poster ffmpeg made and the captions.
    let whole = participant.get(&format!("/media/videos/{id}")).await;
    assert_eq!(whole.status(), 200);
    assert_eq!(whole.headers()["content-type"], "video/webm");
    assert_eq!(whole.headers()["accept-ranges"], "bytes");
    assert_eq!(whole.headers()["cache-control"], "private, max-age=86400");
    assert_eq!(whole.bytes().await.expect("body").as_ref(), webm.as_slice());
    let part = ranged(&participant, &format!("/media/videos/{id}"), "bytes=100-199").await;
    assert_eq!(part.status(), 206);
    assert_eq!(part.headers()["content-range"], format!("bytes 100-199/{}", webm.len()).as_str());
    assert_eq!(part.bytes().await.expect("body").as_ref(), &webm[100..200]);
    let poster = participant.get(&format!("/media/videos/{id}/poster")).await;
    assert_eq!(poster.status(), 200);
    assert_eq!(poster.headers()["content-type"], "image/jpeg");
    assert_eq!(&poster.bytes().await.expect("poster")[..2], &[0xff, 0xd8], "a JPEG");
    let captions = participant.get(&format!("/media/videos/{id}/captions")).await;
    assert_eq!(captions.headers()["content-type"], "text/vtt; charset=utf-8");
    assert_eq!(captions.text().await.expect("captions"), CAPTIONS);

    // Nobody without a session; no captions where none were given.
    for path in [format!("/media/videos/{id}"), format!("/media/videos/{id}/poster"), "/api/videos".into()] {
        assert_eq!(stranger.get(&path).await.status(), 401, "{path}");
    }
    assert_eq!(participant.get(&format!("/media/videos/{}/captions", id + 1)).await.status(), 404);
}

#[tokio::test]
async fn bad_large_and_cancelled_uploads_are_refused_and_leave_nothing() {
    let server = TestServer::start().await;
    let staff = server.register(Role::Staff, "スタッフ").await;
    let facilitator = server.register(Role::Facilitator, "ファシリ").await;
    let dir = tempfile::tempdir().expect("tempdir");
    let webm = std::fs::read(make_video(dir.path(), "webm", 2)).expect("webm");

    // Not a video, whatever its name says.
    let text = upload(&staff, form("メモ", b"just some text, named video.mp4".to_vec(), None)).await;
    assert_eq!(text.status(), 400);
    assert!(message(text).await.contains("この動画は使えません"));
    // An image is no video either.
    let png = std::fs::read(make_poster(dir.path())).expect("png");
    let image = upload(&staff, form("画像", png, None)).await;
    assert_eq!(image.status(), 400);
    // Too large: refused while it streams.
    let large = upload(&staff, form("大きい", vec![7u8; VIDEO_MAX_BYTES as usize + 1], None)).await;
    assert_eq!(large.status(), 413);
    assert!(message(large).await.contains("4MB"), "the limit is named");
    // Captions that are not WebVTT; no title.
    let captions = upload(&staff, form("字幕", webm.clone(), Some("1\n00:00:00,000 --> 00:00:01,000\nSRT\n"))).await;
    assert!(message(captions).await.contains("WebVTT"));
    assert!(message(upload(&staff, form(" ", webm.clone(), None)).await).await.contains("タイトル"));
    // Only staff upload.
    assert_eq!(upload(&facilitator, form("ファシリの動画", webm.clone(), None)).await.status(), 403);

    // Cancelled halfway: the body stops and the connection drops.
    let (sender, body) = tokio::sync::mpsc::channel::<Result<Vec<u8>, std::io::Error>>(4);
    let stream = tokio_stream_of(body);
    let part = Part::stream(reqwest::Body::wrap_stream(stream)).file_name("video.webm");
    let cancelled = Form::new().text("title", "途中まで").part("video", part);
    let request = staff.client.post(format!("{}/api/videos", staff.base)).multipart(cancelled);
    let request = request.header("cookie", staff.cookie.as_deref().expect("cookie"));
    let sending = tokio::spawn(request.send());
    sender.send(Ok(webm[..webm.len() / 2].to_vec())).await.expect("first half");
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(stored(&server).len(), 1, "the upload streams into a folder of its own");
    sending.abort();
    drop(sender);
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;

    assert!(stored(&server).is_empty(), "nothing left behind: {:?}", stored(&server));
    let listed: Vec<Value> = staff.get("/api/videos").await.json().await.expect("list");
    assert!(listed.is_empty(), "nothing in the catalog");
}

/// A stream of the chunks a channel receives.
fn tokio_stream_of(
    mut receiver: tokio::sync::mpsc::Receiver<Result<Vec<u8>, std::io::Error>>,
) -> impl futures_util::Stream<Item = Result<Vec<u8>, std::io::Error>> {
    futures_util::stream::poll_fn(move |context| receiver.poll_recv(context))
}

fn make_poster(dir: &Path) -> PathBuf {
    let path = dir.join("poster.png");
    let status = Command::new("ffmpeg")
        .args(["-v", "error", "-y", "-f", "lavfi", "-i", "color=c=teal:size=64x48", "-frames:v", "1"])
        .arg(&path)
        .status()
        .expect("ffmpeg");
    assert!(status.success());
    path
}

#[tokio::test]
async fn only_staff_change_the_catalog_and_hidden_videos_are_for_staff_only() {
    let server = TestServer::start().await;
    let staff = server.register(Role::Staff, "スタッフ").await;
    let participant = server.register(Role::Participant, "あおい").await;
    let dir = tempfile::tempdir().expect("tempdir");
    let webm = std::fs::read(make_video(dir.path(), "webm", 1)).expect("webm");
    let poster = std::fs::read(make_poster(dir.path())).expect("png");
    let with_poster = form("一本目", webm.clone(), None).part("poster", Part::bytes(poster).file_name("p.png"));
    let first = upload(&staff, with_poster).await.json::<Value>().await.expect("json")["id"].as_i64().expect("id");
    let second = upload(&staff, form("二本目", webm, None)).await.json::<Value>().await.expect("json")["id"]
        .as_i64()
        .expect("id");
    let titles =
        |videos: Vec<Value>| videos.iter().map(|v| v["title"].as_str().unwrap_or("").to_owned()).collect::<Vec<_>>();

    // Reordered, edited and hidden by staff only.
    assert_eq!(participant.post(&format!("/api/videos/{second}/move"), json!({"earlier": true})).await.status(), 403);
    assert_eq!(staff.post(&format!("/api/videos/{second}/move"), json!({"earlier": true})).await.status(), 204);
    assert_eq!(titles(participant.get("/api/videos").await.json().await.expect("list")), ["二本目", "一本目"]);
    let edit = json!({"title": "一本目（新）", "description": "説明", "program": "", "hidden": true});
    assert_eq!(participant.put(&format!("/api/videos/{first}"), edit.clone()).await.status(), 403);
    let bad = json!({"title": "あ".repeat(61), "description": "", "program": "", "hidden": false});
    assert!(message(staff.put(&format!("/api/videos/{first}"), bad).await).await.contains("60文字"));
    assert_eq!(staff.put(&format!("/api/videos/{first}"), edit).await.status(), 204);
    assert_eq!(titles(participant.get("/api/videos").await.json().await.expect("list")), ["二本目"]);
    assert_eq!(titles(staff.get("/api/videos").await.json().await.expect("list")), ["二本目", "一本目（新）"]);
    assert_eq!(participant.get(&format!("/media/videos/{first}")).await.status(), 404, "hidden from participants");
    assert_eq!(staff.get(&format!("/media/videos/{first}")).await.status(), 200);
    let page = staff.get("/gallery").await.text().await.expect("page");
    assert!(page.contains("一本目（新）") && page.contains("非公開"));
    assert_eq!(participant.get("/gallery").await.status(), 403);

    // Deleted: the row and the files go.
    assert_eq!(participant.delete(&format!("/api/videos/{second}")).await.status(), 403);
    assert_eq!(staff.delete(&format!("/api/videos/{second}")).await.status(), 204);
    assert_eq!(staff.get(&format!("/media/videos/{second}")).await.status(), 404);
    assert_eq!(stored(&server), [first.to_string()]);
}

/// A person in the town with their HTTP browser too.
async fn arrive(server: &TestServer, role: Role, nickname: &str) -> (Browser, Person) {
    let browser = server.register(role, nickname).await;
    let mut socket = browser.connect().await;
    let ServerMessage::Welcome { you, .. } = socket.welcome().await else { unreachable!() };
    (browser, Person { id: you.id, socket })
}

async fn shown(person: &mut Person, mut wanted: impl FnMut(&Option<Showing>) -> bool) -> Option<Option<Showing>> {
    person
        .until(|m| match m {
            ServerMessage::Showing { showing } if wanted(showing) => Some(showing.clone()),
            _ => None,
        })
        .await
}

async fn gallery(person: &mut Person, request: GalleryRequest) {
    person.send(&ClientMessage::Gallery { request }).await;
}

#[tokio::test]
async fn staff_present_to_the_gallery_only_and_nobody_else_controls_it() {
    let server = TestServer::start().await;
    let (staff_browser, mut staff) = arrive(&server, Role::Staff, "スタッフ").await;
    let dir = tempfile::tempdir().expect("tempdir");
    let webm = std::fs::read(make_video(dir.path(), "webm", 20)).expect("webm");
    assert_eq!(upload(&staff_browser, form("紹介", webm, None)).await.status(), 201);
    let videos = staff
        .until(|m| match m {
            ServerMessage::Videos { videos } if !videos.is_empty() => Some(videos.clone()),
            _ => None,
        })
        .await
        .expect("the town is told of the video");
    let video: VideoView = videos[0].clone();
    let (_, mut a) = arrive(&server, Role::Participant, "あおい").await;
    let (_, mut b) = arrive(&server, Role::Participant, "ひかり").await;
    let (_, mut outside) = arrive(&server, Role::Participant, "そと").await;
    a.move_to(server.at(5, 5)).await;
    b.move_to(server.at(8, 5)).await;
    outside.move_to(server.at(20, 12)).await;

    // Away from a screen, staff cannot present; at screen 0 they can.
    staff.move_to(server.at(5, 5)).await;
    gallery(&mut staff, GalleryRequest::Present { screen: 0, video: video.id }).await;
    assert_eq!(common::rejected(&mut staff).await, Some(RejectCode::NotAtScreen));
    staff.move_to(server.at(2, 2)).await;
    gallery(&mut staff, GalleryRequest::Present { screen: 0, video: video.id }).await;
    for person in [&mut a, &mut b, &mut staff] {
        let showing = shown(person, Option::is_some).await.expect("shown").expect("a showing");
        assert_eq!((showing.video, showing.screen, showing.playing), (video.id, 0, true));
    }
    assert!(outside.never(|m| matches!(m, ServerMessage::Showing { .. })).await, "nothing reaches outside");

    // A participant's control is refused with a typed error, and nothing changes.
    gallery(&mut a, GalleryRequest::Control { playing: false, position_ms: 0, rate: 1.0 }).await;
    assert_eq!(common::rejected(&mut a).await, Some(RejectCode::NotAllowed));
    gallery(&mut a, GalleryRequest::Stop).await;
    assert_eq!(common::rejected(&mut a).await, Some(RejectCode::NotAllowed));
    assert!(b.never(|m| matches!(m, ServerMessage::Showing { .. })).await, "nothing changed for B");
    gallery(&mut staff, GalleryRequest::Present { screen: 0, video: VideoId(999) }).await;
    assert_eq!(common::rejected(&mut staff).await, Some(RejectCode::NoSuchVideo));
    gallery(&mut staff, GalleryRequest::Control { playing: true, position_ms: 0, rate: 3.0 }).await;
    assert_eq!(common::rejected(&mut staff).await, Some(RejectCode::BadControl));

    // Staff pause at 7 s: everyone inside is told.
    gallery(&mut staff, GalleryRequest::Control { playing: false, position_ms: 7_000, rate: 1.0 }).await;
    for person in [&mut a, &mut b] {
        let showing =
            shown(person, |s| s.as_ref().is_some_and(|s| !s.playing)).await.expect("paused").expect("showing");
        assert_eq!(showing.position_ms, 7_000);
    }
    // Someone walking in late is given the showing as it is now.
    outside.move_to(server.at(6, 6)).await;
    let late = shown(&mut outside, Option::is_some).await.expect("shown on arrival").expect("showing");
    assert_eq!((late.playing, late.position_ms), (false, 7_000));
    // Leaving the gallery ends it for them at once.
    b.move_to(server.at(20, 12)).await;
    assert_eq!(shown(&mut b, Option::is_none).await, Some(None));

    // The server's clock answers.
    a.send(&ClientMessage::Clock { sent: 1234.5 }).await;
    let before = ibasho_server::store::now_ms();
    let (sent, server_ms) = a
        .until(|m| match m {
            ServerMessage::Clock { sent, server_ms } => Some((*sent, *server_ms)),
            _ => None,
        })
        .await
        .expect("clock");
    assert_eq!(sent, 1234.5);
    assert!((before - 1_000..=before + 1_000).contains(&server_ms));

    // Stopped by staff: everyone inside is told.
    gallery(&mut staff, GalleryRequest::Stop).await;
    assert_eq!(shown(&mut a, Option::is_none).await, Some(None));
    assert_eq!(shown(&mut outside, Option::is_none).await, Some(None));
}
