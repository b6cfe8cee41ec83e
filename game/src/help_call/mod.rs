//! The private help signal 「スタッフに声をかけてほしい」 on the client: our own call and the
//! answers to it, and, for staff and counselors, the calls waiting. The server shows the calls
//! to staff and counselors only. The panels are in `panel.rs`.

mod panel;

use bevy::prelude::*;
use protocol::{ClientMessage, HelpCall, HelpRequest, HelpStatus, Role};

use crate::presence::{PresenceSet, ServerLink};

/// News about calls for help from the server, handed on by presence.
#[derive(Message, Debug, Clone)]
pub enum HelpNews {
    /// The calls waiting (staff and counselors only).
    Calls(Vec<HelpCall>),
    /// Where our own call stands.
    State(Option<HelpStatus>),
    /// Staff or a counselor wrote to us.
    Reply {
        /// Their nickname.
        from: String,
        /// What they wrote.
        text: String,
    },
}

/// Something we ask about calls for help (from the top bar and the panels).
#[derive(Message, Debug, Clone, PartialEq)]
pub struct AskHelp(pub HelpRequest);

/// Our own call for help and the answers that came to it (kept until we close them).
#[derive(Resource, Debug, Default, Clone, PartialEq)]
pub struct MyHelpCall {
    /// Where our call stands; none when we have no call.
    pub status: Option<HelpStatus>,
    /// Answers: (who, what), oldest first.
    pub replies: Vec<(String, String)>,
}

impl MyHelpCall {
    /// Whether there is anything to show: a call, or answers not yet closed.
    pub fn is_active(&self) -> bool {
        self.status.is_some() || !self.replies.is_empty()
    }
}

/// The calls for help waiting, as staff and counselors see them.
#[derive(Resource, Debug, Default, Clone, PartialEq)]
pub struct HelpCalls(pub Vec<HelpCall>);

/// The answer staff are typing (from the page's text field, so Japanese input works).
#[derive(Resource, Debug, Default, Clone, PartialEq, Eq)]
pub struct HelpReplyDraft(pub String);

/// Whether a role answers calls for help.
pub fn answers_calls(role: Role) -> bool {
    matches!(role, Role::Staff | Role::Counselor)
}

pub fn plugin(app: &mut App) {
    app.add_message::<HelpNews>()
        .add_message::<AskHelp>()
        .init_resource::<MyHelpCall>()
        .init_resource::<HelpCalls>()
        .init_resource::<HelpReplyDraft>()
        .add_systems(Update, (apply_help_news, send_help_requests).chain().after(PresenceSet));
}

/// The panels (egui).
pub fn render_plugin(app: &mut App) {
    app.add_plugins(panel::plugin);
}

/// The server sends the calls to staff and counselors only; the client takes what it gets.
fn apply_help_news(mut news: MessageReader<HelpNews>, mut mine: ResMut<MyHelpCall>, mut calls: ResMut<HelpCalls>) {
    for item in news.read() {
        match item {
            HelpNews::Calls(new) => calls.0 = new.clone(),
            HelpNews::State(status) => mine.status = status.clone(),
            HelpNews::Reply { from, text } => mine.replies.push((from.clone(), text.clone())),
        }
    }
}

fn send_help_requests(mut asks: MessageReader<AskHelp>, link: Option<Res<ServerLink>>) {
    let Some(link) = link else { return };
    for AskHelp(request) in asks.read() {
        let _ = link.outgoing.try_send(ClientMessage::Help { request: request.clone() });
    }
}
