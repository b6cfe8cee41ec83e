//! 「話しかけないでください」: anyone may ask not to be spoken to. The server then introduces them
//! to nobody by nearness, so no voice or chat reaches them (and theirs reaches nobody near); the
//! stage of a hall and the gallery still do. Everyone, themselves included, sees a small sign
//! under their name.

use bevy::prelude::*;
use protocol::ClientMessage;

use crate::presence::ServerLink;

/// Whether a person (an avatar, ours included) asked not to be spoken to, as the server said.
#[derive(Component, Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DoNotDisturb(pub bool);

/// Ask the server to turn 「話しかけないでください」 on or off for us.
#[derive(Message, Debug, Clone, Copy)]
pub struct AskDoNotDisturb(pub bool);

/// What the sign under a name says.
pub fn sign() -> &'static str {
    crate::locale::t("dnd.sign")
}

pub(super) fn plugin(app: &mut App) {
    app.add_message::<AskDoNotDisturb>().add_systems(Update, send_asks.run_if(resource_exists::<ServerLink>));
}

fn send_asks(mut asks: MessageReader<AskDoNotDisturb>, link: Res<ServerLink>) {
    for ask in asks.read() {
        let _ = link.outgoing.try_send(ClientMessage::SetDoNotDisturb { on: ask.0 });
    }
}
