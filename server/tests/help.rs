//! The private help signal over a real WebSocket on 127.0.0.1:0: a call reaches staff and
//! counselors present and nobody else, answers come only from them and only to waiting calls,
//! a counselor can invite the caller into their booth, and calls end when withdrawn or done.

mod common;

use common::{Person, TestServer, enter, enter_as, rejected};
use protocol::{
    BoothRequest, HelpCall, HelpRequest, HelpStatus, JobTitle, PlaceId, RejectCode, Role, ServerMessage, Ticket,
};

async fn calls(person: &mut Person) -> Option<Vec<HelpCall>> {
    person
        .until(|m| match m {
            ServerMessage::HelpCalls { calls } => Some(calls.clone()),
            _ => None,
        })
        .await
}

/// Whether `person`'s own call comes to stand as `wanted`.
async fn status_becomes(person: &mut Person, wanted: Option<HelpStatus>) -> bool {
    person
        .until(|m| matches!(m, ServerMessage::HelpState { status } if *status == wanted).then_some(()))
        .await
        .is_some()
}

#[tokio::test]
async fn a_call_for_help_reaches_staff_and_counselors_only_and_they_answer_it() {
    let server = TestServer::start().await;
    let mut s = enter_as(&server, Role::Staff, "すたっふ").await;
    let mut k = enter_as(&server, Role::Counselor, "けい").await;
    let mut a = enter(&server, "あお").await;
    let mut c = enter(&server, "しい").await;
    a.move_to(server.at(20, 12)).await;
    a.help(HelpRequest::Ask).await;
    assert!(status_becomes(&mut a, Some(HelpStatus::Waiting)).await);
    for receiver in [&mut s, &mut k] {
        let shown = calls(receiver).await.expect("staff see the call");
        assert_eq!(shown.len(), 1);
        assert_eq!(
            (shown[0].person, shown[0].nickname.as_str(), shown[0].place.ja.as_str(), shown[0].place.en.as_str()),
            (a.id, "あお", "フリースペース", "Free space")
        );
        assert_eq!(shown[0].answered_by, None);
    }
    assert!(c.never(|m| matches!(m, ServerMessage::HelpCalls { .. })).await, "another participant sees nothing");

    // Only staff and counselors answer, only waiting calls, and only with a short text.
    c.help(HelpRequest::Reply { person: a.id, text: "こんにちは".into() }).await;
    assert_eq!(rejected(&mut c).await, Some(RejectCode::NotAllowed));
    s.help(HelpRequest::Reply { person: c.id, text: "こんにちは".into() }).await;
    assert_eq!(rejected(&mut s).await, Some(RejectCode::NoSuchCaller), "C did not call");
    s.help(HelpRequest::Reply { person: a.id, text: "   ".into() }).await;
    assert_eq!(rejected(&mut s).await, Some(RejectCode::BadText));
    s.help(HelpRequest::Reply { person: a.id, text: "いま行きますね。".into() }).await;
    let reply = a.until(|m| match m {
        ServerMessage::HelpReply { from, text } => Some((from.clone(), text.clone())),
        _ => None,
    });
    assert_eq!(reply.await, Some(("すたっふ".into(), "いま行きますね。".into())));
    assert!(status_becomes(&mut a, Some(HelpStatus::Answered { by: "すたっふ".into() })).await);
    let answered = k.until(|m| match m {
        ServerMessage::HelpCalls { calls } => calls.first().and_then(|call| call.answered_by.clone()),
        _ => None,
    });
    assert_eq!(answered.await.as_deref(), Some("すたっふ"), "other staff see it was answered");

    // A counselor receiving in a booth invites A in: the door lets A in.
    k.move_to(server.at(13, 7)).await;
    k.move_to(server.at(12, 3)).await;
    k.help(HelpRequest::Invite { person: a.id }).await;
    k.booth(BoothRequest::Open { title: JobTitle::SocialWorker }).await;
    k.help(HelpRequest::Invite { person: a.id }).await;
    let invited = a.until(|m| match m {
        ServerMessage::BoothTicket { ticket: Some(Ticket::Admitted { booth }) } => Some(booth.clone()),
        _ => None,
    });
    assert_eq!(invited.await, Some(PlaceId("booth-1".into())));
    a.move_to(server.at(13, 7)).await;
    assert!(a.never(|m| matches!(m, ServerMessage::Rejected { .. })).await, "A walks in");

    // A withdraws the call: it leaves every list; staff cannot answer it any more.
    a.help(HelpRequest::Withdraw).await;
    assert!(status_becomes(&mut a, None).await);
    let emptied = s.until(|m| matches!(m, ServerMessage::HelpCalls { calls } if calls.is_empty()).then_some(()));
    assert!(emptied.await.is_some(), "the call left the staff list");
    s.help(HelpRequest::Done { person: a.id }).await;
    assert_eq!(rejected(&mut s).await, Some(RejectCode::NoSuchCaller));
}

#[tokio::test]
async fn staff_mark_a_call_done_and_a_call_ends_when_its_person_leaves() {
    let server = TestServer::start().await;
    let mut s = enter_as(&server, Role::Staff, "すたっふ").await;
    let mut a = enter(&server, "あお").await;
    let mut b = enter(&server, "びい").await;
    a.help(HelpRequest::Ask).await;
    b.help(HelpRequest::Ask).await;
    let both = s.until(|m| match m {
        ServerMessage::HelpCalls { calls } if calls.len() == 2 => {
            Some(calls.iter().map(|c| c.person).collect::<Vec<_>>())
        }
        _ => None,
    });
    assert_eq!(both.await, Some(vec![a.id, b.id]), "oldest first");
    s.help(HelpRequest::Done { person: a.id }).await;
    assert!(status_becomes(&mut a, None).await, "A's call is closed");
    b.socket.close().await;
    let none = s.until(|m| matches!(m, ServerMessage::HelpCalls { calls } if calls.is_empty()).then_some(()));
    assert!(none.await.is_some(), "B left: the call is gone");
}
