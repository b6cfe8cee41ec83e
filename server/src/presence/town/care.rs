//! What staff do about one person in the town, from いまの様子 (`crate::overview` takes the
//! requests): walk them to the entrance with a kind word, and hold their voice for a while.
//! While a voice is held the town shows the person to everyone as 聞くだけ — every page plays
//! only the voices of people the server has on a voice step, so a modified page sending sound
//! anyway is not heard — refuses them a voice step, a hall's stage, a raised hand and a turn to
//! speak, and leaves them out of the SFU's publishers. Chat and listening go on. Holds end by
//! the clock (or when staff lift them) and are kept across a restart.

use std::collections::HashMap;

use protocol::{ParticipantId, Participation, ServerMessage};

use super::{Town, send};

/// Most minutes a voice may be held at once.
pub const MAX_HOLD_MINUTES: u32 = 180;

/// Why staff's request about a person was not carried out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CareRefused {
    /// Nobody by that id is in the town, or they are in a counseling booth (which staff do
    /// not see into; the counselor looks after the people there).
    NotHere,
    /// The hold's length is not between 1 and [`MAX_HOLD_MINUTES`] minutes.
    BadLength,
}

/// Whose voice is held, until when (Unix seconds).
#[derive(Debug, Default)]
pub(crate) struct VoiceHolds(HashMap<ParticipantId, i64>);

impl VoiceHolds {
    /// Until when `id`'s voice is held, if it is at the clock `unix_now`.
    pub(crate) fn until(&self, id: ParticipantId, unix_now: i64) -> Option<i64> {
        self.0.get(&id).copied().filter(|until| *until > unix_now)
    }

    /// Every hold, to keep across a restart.
    pub(crate) fn save(&self) -> Vec<(ParticipantId, i64)> {
        let mut holds: Vec<_> = self.0.iter().map(|(id, until)| (*id, *until)).collect();
        holds.sort();
        holds
    }
}

impl Town {
    /// Whether `id`'s voice is held now.
    pub(super) fn voice_held(&self, id: ParticipantId) -> bool {
        self.voice_holds.until(id, crate::store::now()).is_some()
    }

    /// Until when `id`'s voice is held, in the city's time (いまの様子 shows it).
    pub(super) fn voice_held_label(&self, id: ParticipantId) -> Option<String> {
        self.voice_holds.until(id, crate::store::now()).map(crate::city_time::city_time)
    }

    /// Staff walk `id` to the entrance: they stand by the spawn again (out of any hall, off
    /// its stage), the others see them there, and they read `word` (or, with none, the
    /// town's usual kind word in their page's language).
    pub fn walk_to_entrance(&mut self, id: ParticipantId, word: Option<String>) -> Result<(), CareRefused> {
        let person = self.people.get(&id).map(|present| present.person.clone()).ok_or(CareRefused::NotHere)?;
        if self.booth_of(&person).is_some() {
            return Err(CareRefused::NotHere);
        }
        let position = self.arrival_position();
        self.move_person(id, position, false).map_err(|_| CareRefused::NotHere)?;
        // Out of a hall at once, not at the next beat: the hall's panel goes before the word comes.
        self.follow_halls();
        if let Some(present) = self.people.get(&id) {
            send(&present.outbox, ServerMessage::Placed { position });
            send(&present.outbox, ServerMessage::StaffWord { text: word });
        }
        Ok(())
    }

    /// Staff hold `id`'s voice for `minutes` (a new hold replaces the last): they step down to
    /// 聞くだけ, off any stage and turn, and are told until when. Returns that time.
    pub fn hold_voice(&mut self, id: ParticipantId, minutes: u32, unix_now: i64) -> Result<String, CareRefused> {
        if !(1..=MAX_HOLD_MINUTES).contains(&minutes) {
            return Err(CareRefused::BadLength);
        }
        let person = self.people.get(&id).map(|present| present.person.clone()).ok_or(CareRefused::NotHere)?;
        if self.booth_of(&person).is_some() {
            return Err(CareRefused::NotHere);
        }
        self.voice_holds.0.insert(id, unix_now + i64::from(minutes) * 60);
        if person.participation.sends_audio() {
            self.set_participation(id, Participation::Listening);
        }
        self.halls.hush(id);
        self.send_plan();
        self.publish_halls();
        self.send_voice_hold(id);
        Ok(crate::city_time::city_time(unix_now + i64::from(minutes) * 60))
    }

    /// Staff lift the hold on `id`'s voice: they may choose a voice step again.
    pub fn release_voice(&mut self, id: ParticipantId) {
        if self.voice_holds.0.remove(&id).is_some() {
            self.send_voice_hold(id);
        }
    }

    /// Holds whose time is over end, and their people are told.
    pub(super) fn expire_voice_holds(&mut self, unix_now: i64) {
        let over: Vec<ParticipantId> =
            self.voice_holds.0.iter().filter(|(_, until)| **until <= unix_now).map(|(id, _)| *id).collect();
        for id in over {
            self.voice_holds.0.remove(&id);
            self.send_voice_hold(id);
        }
    }

    /// Tells `id` whether (and until when) their voice is held.
    pub(super) fn send_voice_hold(&self, id: ParticipantId) {
        if let Some(present) = self.people.get(&id) {
            send(&present.outbox, ServerMessage::VoiceHeld { until: self.voice_held_label(id) });
        }
    }

    /// Holds as saved before a restart (those over by now are dropped).
    pub(super) fn restore_voice_holds(&mut self, holds: Vec<(ParticipantId, i64)>, unix_now: i64) {
        self.voice_holds = VoiceHolds(holds.into_iter().filter(|(_, until)| *until > unix_now).collect());
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::{Duration, Instant};

    use protocol::{AvatarId, ClientMessage, RejectCode, Role, TownMap};
    use tokio::sync::mpsc;

    use super::*;
    use crate::presence::TownOptions;
    use crate::store::Account;

    fn town_with(id: i64) -> (Town, mpsc::Receiver<crate::presence::Outgoing>) {
        let map = TownMap::from_ron(include_str!("../../../../assets/maps/town.ron")).expect("map");
        let mut town = Town::new(Arc::new(map), TownOptions::default());
        let (outbox, inbox) = mpsc::channel(256);
        let account =
            Account {
                id: ParticipantId(id), nickname: "あおい".into(), avatar: AvatarId(0), role: Role::Participant
            };
        let mailbox = crate::presence::Mailbox { messages: outbox, positions: mpsc::channel(4).0 };
        town.join(account, 1, None, mailbox, Vec::new());
        (town, inbox)
    }

    fn holds_told(inbox: &mut mpsc::Receiver<crate::presence::Outgoing>) -> Vec<Option<String>> {
        std::iter::from_fn(|| inbox.try_recv().ok())
            .filter_map(|outgoing| outgoing.message())
            .filter_map(|message| match message {
                ServerMessage::VoiceHeld { until } => Some(until),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn a_held_voice_refuses_voice_steps_and_ends_by_the_clock() {
        let (mut town, mut inbox) = town_with(7);
        let id = ParticipantId(7);
        assert_eq!(holds_told(&mut inbox), vec![None], "told on arrival: not held");
        let now = crate::store::now();
        assert_eq!(town.hold_voice(id, 0, now), Err(CareRefused::BadLength));
        assert_eq!(town.hold_voice(id, MAX_HOLD_MINUTES + 1, now), Err(CareRefused::BadLength));
        assert_eq!(town.hold_voice(ParticipantId(8), 10, now), Err(CareRefused::NotHere));

        let until = town.hold_voice(id, 10, now).expect("held");
        assert_eq!(holds_told(&mut inbox), vec![Some(until)]);
        let voice = ClientMessage::SetParticipation { participation: Participation::Voice };
        assert_eq!(town.handle(id, voice.clone()), Err(RejectCode::VoiceHeld));
        let listening = ClientMessage::SetParticipation { participation: Participation::Watching };
        assert_eq!(town.handle(id, listening), Ok(()), "steps without a voice stay free");

        // Held a minute, a minute and a second ago: the next second's beat ends it.
        town.hold_voice(id, 1, now - 61).expect("held again");
        holds_told(&mut inbox);
        let start = Instant::now();
        for beat in 0..protocol::POSITION_UPDATES_PER_SECOND as u64 {
            town.tick_at(start + Duration::from_millis(100 * beat));
        }
        assert_eq!(holds_told(&mut inbox), vec![None], "told once that it is over");
        assert_eq!(town.handle(id, voice), Ok(()));
        assert!(town.snapshot().voice_holds.is_empty());
    }

    #[test]
    fn holds_outlive_a_restart_by_the_clock() {
        let (mut town, _inbox) = town_with(7);
        let now = crate::store::now();
        town.hold_voice(ParticipantId(7), 30, now).expect("held");
        let snapshot = town.snapshot();
        assert_eq!(snapshot.voice_holds, vec![(ParticipantId(7), now + 30 * 60)]);
        let (mut restarted, _) = town_with(9);
        restarted.restore(snapshot.clone());
        assert!(restarted.voice_held(ParticipantId(7)));
        let mut old = snapshot;
        old.voice_holds = vec![(ParticipantId(7), now - 1)];
        let (mut later, _) = town_with(9);
        later.restore(old);
        assert!(!later.voice_held(ParticipantId(7)), "a hold over by now is dropped");
    }

    #[test]
    fn a_hold_counts_until_its_time_only() {
        let holds = VoiceHolds([(ParticipantId(1), 1_000)].into_iter().collect());
        assert_eq!(holds.until(ParticipantId(1), 999), Some(1_000));
        assert_eq!(holds.until(ParticipantId(1), 1_000), None, "over at its time");
        assert_eq!(holds.until(ParticipantId(2), 0), None);
        assert_eq!(holds.save(), vec![(ParticipantId(1), 1_000)]);
    }
}
