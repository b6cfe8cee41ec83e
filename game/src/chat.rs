//! Nearby text chat: what we say goes to the peers the server introduced us to who stand
//! within [`CHAT_RADIUS`] (or share our booth), never through the server; what they say lands
//! in the chat log and as a speech bubble over their avatar for a few seconds. `PeerMail` is
//! the seam to the transport: the browser moves it over matchbox, tests move it between two
//! apps in memory. Inside a program hall the chat is the hall's text channel instead: the
//! server passes each line once to everyone in the hall (never stored), so people beyond the
//! nearest eight read it too.

use bevy::prelude::*;
use protocol::{MAX_CHAT_CHARS, ParticipantId, PeerId, PeerMessage};

use crate::avatar::Avatar;
use crate::map::Town;
use crate::places::booth::BoothSpot;
use crate::places::hall::{HallNews, MyHall};
use crate::presence::{Links, Me, People, ServerLink};
use crate::voice::Taking;

/// Seconds a speech bubble stays up.
pub const BUBBLE_SECONDS: f32 = 6.0;
/// Lines the chat log keeps.
pub const CHAT_LOG_LINES: usize = 100;
/// How far a line of nearby chat carries in open places (pixels, 6 tiles). The server
/// introduces people from further away, so that voice is ready when they come near; the
/// chat keeps to the near ones.
pub const CHAT_RADIUS: f32 = 192.0;
/// Lines are read from a little further (the sender saw us nearer a moment ago), as far as
/// the server always tells us where people are.
const CHAT_READ_RADIUS: f32 = protocol::TALK_REACH;

/// Whether a line said at `from` reaches `to` within `radius`: inside a booth or a hall only
/// the same place (the server introduces no one across), elsewhere by distance.
pub fn chat_reaches(town: &Town, from: Vec2, to: Vec2, radius: f32) -> bool {
    let (a, b) = (crate::voice::Spot::at(town, from), crate::voice::Spot::at(town, to));
    let enclosed = |spot: &crate::voice::Spot| spot.kind.is_some_and(protocol::PlaceKind::is_enclosed);
    if enclosed(&a) || enclosed(&b) {
        return a.place == b.place;
    }
    from.distance(to) <= radius
}

/// The person wants to say something (from the chat input).
#[derive(Message, Debug, Clone)]
pub struct Say(pub String);

/// Peer messages waiting to be sent, and those received, by link id.
#[derive(Resource, Debug, Default)]
pub struct PeerMail {
    /// To send: (link, message).
    pub outgoing: Vec<(PeerId, PeerMessage)>,
    /// Received: (link, message).
    pub incoming: Vec<(PeerId, PeerMessage)>,
}

/// One line of the chat log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatLine {
    /// Who said it.
    pub from: ParticipantId,
    /// Their nickname.
    pub nickname: String,
    /// What they said.
    pub text: String,
    /// Said inside a booth: forgotten when we leave it.
    pub private: bool,
}

/// The chat log, oldest first; `added` counts every line ever added (for the DOM to catch up),
/// `forgotten` how many times lines were taken out (the DOM then draws the log anew).
#[derive(Resource, Debug, Default)]
pub struct ChatLog {
    /// Latest lines.
    pub lines: Vec<ChatLine>,
    /// Lines added since the start.
    pub added: usize,
    /// Times lines were forgotten since the start.
    pub forgotten: usize,
}

impl ChatLog {
    /// Takes out every line said inside a booth.
    pub fn forget_private(&mut self) {
        if self.lines.iter().any(|line| line.private) {
            self.lines.retain(|line| !line.private);
            self.forgotten += 1;
        }
    }

    fn push(&mut self, line: ChatLine) {
        self.lines.push(line);
        self.added += 1;
        if self.lines.len() > CHAT_LOG_LINES {
            self.lines.remove(0);
        }
    }
}

/// A speech bubble over an avatar.
#[derive(Component, Debug, Clone)]
pub struct Bubble {
    /// The words.
    pub text: String,
    /// When it disappears (elapsed seconds).
    pub until: f32,
}

/// Trims a chat line and removes control characters; None when nothing is left. Long lines
/// are cut at [`MAX_CHAT_CHARS`].
pub fn clean_chat_text(raw: &str) -> Option<String> {
    let text: String = raw.chars().filter(|c| !c.is_control()).take(MAX_CHAT_CHARS).collect();
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_owned())
}

pub(super) fn plugin(app: &mut App) {
    app.add_message::<Say>().init_resource::<PeerMail>().init_resource::<ChatLog>().add_systems(
        Update,
        (say, receive_chat, receive_hall_lines, expire_bubbles).chain().run_if(resource_exists::<Me>),
    );
}

fn say(
    time: Res<Time>,
    me: Res<Me>,
    links: Res<Links>,
    people: Res<People>,
    mut requests: MessageReader<Say>,
    mut mail: ResMut<PeerMail>,
    mut log: ResMut<ChatLog>,
    mut commands: Commands,
    takings: Query<&Taking>,
    (spot, hall, link): (Res<BoothSpot>, Res<MyHall>, Option<Res<ServerLink>>),
    (town, places): (Option<Res<Town>>, Query<&Transform>),
) {
    let at = |person: &ParticipantId| {
        people.0.get(person).and_then(|entity| places.get(*entity).ok()).map(|t| t.translation.truncate())
    };
    let can_chat = people.0.get(&me.id).and_then(|entity| takings.get(*entity).ok()).is_none_or(|t| t.0.can_chat());
    for Say(raw) in requests.read() {
        // 見学 means watching only: nothing is sent.
        if !can_chat {
            continue;
        }
        let Some(text) = clean_chat_text(raw) else { continue };
        match (&hall.0, &link) {
            (Some(_), Some(link)) => {
                let request = protocol::HallRequest::Say { text: text.clone() };
                let _ = link.outgoing.try_send(protocol::ClientMessage::Hall { request });
            }
            _ => {
                let (Some(town), Some(here)) = (&town, at(&me.id)) else { continue };
                for (link, person) in &links.0 {
                    if at(person).is_some_and(|there| chat_reaches(town, here, there, CHAT_RADIUS)) {
                        mail.outgoing.push((*link, PeerMessage::Chat { text: text.clone() }));
                    }
                }
            }
        }
        if let Some(entity) = people.0.get(&me.id) {
            commands.entity(*entity).insert(Bubble { text: text.clone(), until: time.elapsed_secs() + BUBBLE_SECONDS });
        }
        log.push(ChatLine { from: me.id, nickname: me.nickname.clone(), text, private: spot.inside.is_some() });
    }
}

fn receive_chat(
    time: Res<Time>,
    (me, links, people, town): (Res<Me>, Res<Links>, Res<People>, Option<Res<Town>>),
    avatars: Query<(&Avatar, Option<&Taking>, &Transform)>,
    mut mail: ResMut<PeerMail>,
    mut log: ResMut<ChatLog>,
    mut commands: Commands,
    spot: Res<BoothSpot>,
) {
    let here =
        people.0.get(&me.id).and_then(|entity| avatars.get(*entity).ok()).map(|(_, _, t)| t.translation.truncate());
    for (link, message) in std::mem::take(&mut mail.incoming) {
        // Only peers we are introduced to right now, and near enough to chat, may speak to us.
        let Some(from) = links.0.get(&link) else { continue };
        let Some(entity) = people.0.get(from) else { continue };
        let Ok((avatar, taking, there)) = avatars.get(*entity) else { continue };
        let near = |town: &Town, here: Vec2| chat_reaches(town, there.translation.truncate(), here, CHAT_READ_RADIUS);
        if matches!(message, PeerMessage::Chat { .. })
            && !town.as_deref().zip(here).is_some_and(|(town, here)| near(town, here))
        {
            continue;
        }
        match message {
            // Someone watching only does not chat; a message claiming otherwise is dropped.
            PeerMessage::Chat { .. } if taking.is_some_and(|t| !t.0.can_chat()) => {}
            PeerMessage::Chat { text } => {
                let Some(text) = clean_chat_text(&text) else { continue };
                commands
                    .entity(*entity)
                    .insert(Bubble { text: text.clone(), until: time.elapsed_secs() + BUBBLE_SECONDS });
                let private = spot.inside.is_some();
                log.push(ChatLine { from: *from, nickname: avatar.nickname.clone(), text, private });
            }
            // Media negotiation is handled by the browser's media layer.
            PeerMessage::Media { .. } => {}
        }
    }
}

/// Lines of the hall's text channel, from anyone in the hall.
fn receive_hall_lines(
    time: Res<Time>,
    people: Res<People>,
    avatars: Query<&Avatar>,
    mut news: MessageReader<HallNews>,
    mut log: ResMut<ChatLog>,
    mut commands: Commands,
) {
    for item in news.read() {
        let HallNews::Said(from, text) = item else { continue };
        let Some(text) = clean_chat_text(text) else { continue };
        let Some(entity) = people.0.get(from) else { continue };
        let Ok(avatar) = avatars.get(*entity) else { continue };
        commands.entity(*entity).insert(Bubble { text: text.clone(), until: time.elapsed_secs() + BUBBLE_SECONDS });
        log.push(ChatLine { from: *from, nickname: avatar.nickname.clone(), text, private: false });
    }
}

fn expire_bubbles(time: Res<Time>, bubbles: Query<(Entity, &Bubble)>, mut commands: Commands) {
    for (entity, bubble) in &bubbles {
        if bubble.until <= time.elapsed_secs() {
            commands.entity(entity).remove::<Bubble>();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chat_text_is_trimmed_cleaned_and_bounded() {
        assert_eq!(clean_chat_text("  こんにちは\n "), Some("こんにちは".into()));
        assert_eq!(clean_chat_text(" \t "), None);
        assert_eq!(clean_chat_text(&"あ".repeat(500)).map(|t| t.chars().count()), Some(MAX_CHAT_CHARS));
    }
}
