//! Nothing said reaches the logs: with the server's log filter asked for TRACE everywhere, a
//! visit with a knock note, a staff member's written answer, signals carrying SDP and ICE
//! candidates with addresses, and refused messages echoing text, leaves none of that text in
//! any line.

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};

use common::{TestServer, enter_as, introduced_to};
use protocol::{
    BoothRequest, ClientMessage, HelpRequest, JobTitle, KnockAnswer, PeerSignal, PlaceId, Role, ServerMessage,
};

/// Where the captured lines go.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

const NOTE: &str = "ひみつのメモ-NOTE-7731";
const REPLY: &str = "ひみつのへんじ-REPLY-5529";
const ADDRESS: &str = "203.0.113.77";
const SDP_MARK: &str = "ice-ufrag:SECRETUFRAG";

#[tokio::test]
async fn no_log_line_carries_notes_answers_sdp_or_addresses() {
    let captured = Captured::default();
    let writer = captured.clone();
    // The server's own filter, asked for everything.
    tracing_subscriber::fmt()
        .with_env_filter(ibasho_server::log_filter(Some("trace")))
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .init();

    let server = TestServer::start().await;
    let mut k = enter_as(&server, Role::Counselor, "けい").await;
    let mut s = enter_as(&server, Role::Staff, "すず").await;
    let mut a = enter_as(&server, Role::Participant, "あお").await;
    k.move_to(server.at(13, 7)).await;
    k.move_to(server.at(12, 3)).await;
    k.booth(BoothRequest::Open { title: JobTitle::ClinicalPsychologist }).await;
    let open = k.until(|m| matches!(m, ServerMessage::BoothDesk { desk: Some(_) }).then_some(()));
    assert!(open.await.is_some());
    a.move_to(server.at(13, 8)).await;
    a.booth(BoothRequest::Knock { booth: PlaceId("booth-1".into()), note: NOTE.into() }).await;
    let knocked = k.until(|m| match m {
        ServerMessage::BoothDesk { desk: Some(desk) } => desk.knocks.first().map(|c| c.note.clone()),
        _ => None,
    });
    assert_eq!(knocked.await.as_deref(), Some(NOTE), "the note reached the counselor");
    k.booth(BoothRequest::Answer { person: a.id, answer: KnockAnswer::Admit }).await;
    a.move_to(server.at(13, 7)).await;
    a.move_to(server.at(14, 3)).await;
    let (link, _) = introduced_to(&mut a, k.id).await.expect("introduced inside");
    let sdp = format!("v=0\r\no=- 1 2 IN IP4 {ADDRESS}\r\nc=IN IP4 {ADDRESS}\r\na={SDP_MARK}\r\n");
    a.send(&ClientMessage::Signal { to: link, signal: PeerSignal::Offer(sdp) }).await;
    let candidate = format!(r#"{{"candidate":"candidate:1 1 udp 2122260223 {ADDRESS} 50000 typ host","sdpMid":"0"}}"#);
    a.send(&ClientMessage::Signal { to: link, signal: PeerSignal::IceCandidate(candidate) }).await;
    let relayed = k.until(|m| matches!(m, ServerMessage::Signal { .. }).then_some(()));
    assert!(relayed.await.is_some(), "signals were carried");

    a.booth(BoothRequest::Leave).await;
    a.help(HelpRequest::Ask).await;
    let call = s.until(|m| matches!(m, ServerMessage::HelpCalls { calls } if !calls.is_empty()).then_some(()));
    assert!(call.await.is_some());
    s.help(HelpRequest::Reply { person: a.id, text: REPLY.into() }).await;
    let reply = a.until(|m| match m {
        ServerMessage::HelpReply { text, .. } => Some(text.clone()),
        _ => None,
    });
    assert_eq!(reply.await.as_deref(), Some(REPLY), "the answer reached A");
    // Refused messages that carry text: a note too long, an answer for nobody, broken JSON.
    let long = format!("{NOTE}{}", "あ".repeat(200));
    a.booth(BoothRequest::Knock { booth: PlaceId("booth-1".into()), note: long }).await;
    s.help(HelpRequest::Reply { person: protocol::ParticipantId(999), text: REPLY.into() }).await;
    a.socket.send_text(format!("{{\"type\":\"say\",\"text\":\"{NOTE}\"")).await;
    let _ = a.gather().await;
    let _ = s.gather().await;

    let text = String::from_utf8_lossy(&captured.0.lock().expect("lines")).into_owned();
    assert!(text.lines().count() > 5, "the logs were captured: {text}");
    for secret in [NOTE, REPLY, ADDRESS, SDP_MARK, "NOTE-7731", "REPLY-5529"] {
        let leaks: Vec<&str> = text.lines().filter(|line| line.contains(secret)).collect();
        assert!(leaks.is_empty(), "{secret} in the logs: {leaks:#?}");
    }
}
