//! Blocks on the client: whom we block (the server's list), and asking to block or unblock
//! someone from their panel. The server enforces it: a blocked pair is never introduced, so no
//! voice, chat or bubble passes between them; the other person is not told.

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

/// Blocks' logic (runs headless).
pub fn plugin(app: &mut App) {
    app.init_resource::<MyBlocks>()
        .add_message::<AskBlock>()
        .add_systems(Update, send_block_requests.run_if(resource_exists::<ServerLink>));
}

fn send_block_requests(mut asks: MessageReader<AskBlock>, link: Res<ServerLink>) {
    for ask in asks.read() {
        let _ = link.outgoing.try_send(ClientMessage::SetBlock { person: ask.person, blocked: ask.blocked });
    }
}
