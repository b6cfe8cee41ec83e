//! Safety on the client: whom we block (the server's list) and asking to block or unblock
//! someone from their panel — the server enforces it: a blocked pair is never introduced, so no
//! voice, chat or bubble passes between them, and the other person is not told — and telling
//! staff about someone (「スタッフに知らせる」) with a note typed in the page's own field.

use std::collections::HashSet;

use bevy::prelude::*;
use protocol::{ClientMessage, ParticipantId};

use crate::presence::ServerLink;

/// The people we block, as the server last told us.
#[derive(Resource, Debug, Default, Clone, PartialEq)]
pub struct MyBlocks(pub HashSet<ParticipantId>);

/// Block (or unblock) someone (from their panel).
#[derive(Message, Debug, Clone, Copy, PartialEq, Eq)]
pub struct AskBlock {
    /// Whom.
    pub person: ParticipantId,
    /// Blocked, or not any more.
    pub blocked: bool,
}

/// Tell staff about someone (from their panel), with the note typed.
#[derive(Message, Debug, Clone, PartialEq, Eq)]
pub struct AskReport {
    /// About whom.
    pub person: ParticipantId,
    /// The note (may be empty).
    pub note: String,
}

/// The note being typed for a report (the page's own field).
#[derive(Resource, Debug, Default, Clone, PartialEq, Eq)]
pub struct ReportNote(pub String);

/// The server said our last report reached staff.
#[derive(Resource, Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ReportSent(pub bool);

/// Safety's logic (runs headless).
pub fn plugin(app: &mut App) {
    app.init_resource::<MyBlocks>()
        .init_resource::<ReportNote>()
        .init_resource::<ReportSent>()
        .add_message::<AskBlock>()
        .add_message::<AskReport>()
        .add_systems(Update, (send_block_requests, send_reports).run_if(resource_exists::<ServerLink>));
}

fn send_reports(mut asks: MessageReader<AskReport>, link: Res<ServerLink>, mut sent: ResMut<ReportSent>) {
    for ask in asks.read() {
        sent.0 = false;
        let _ = link.outgoing.try_send(ClientMessage::Report { person: Some(ask.person), note: ask.note.clone() });
    }
}

fn send_block_requests(mut asks: MessageReader<AskBlock>, link: Res<ServerLink>) {
    for ask in asks.read() {
        let _ = link.outgoing.try_send(ClientMessage::SetBlock { person: ask.person, blocked: ask.blocked });
    }
}
