//! The town's side of the program halls: requests go to the halls' rules (`places::hall`),
//! what each person inside is shown of their hall is kept up to date, and the plan of who
//! stands in each hall and who may publish there goes to the SFU.

use std::collections::BTreeMap;
use std::time::Instant;

use protocol::{HallRequest, ParticipantId, PlaceId, RejectCode, ServerMessage};

use super::{Town, send};
use crate::places::hall::HallEvent;
use crate::presence::help::bounded_text;
use crate::sfu::{HallMembers, HallPlan, Member, Sfu, SfuCommand};

impl Town {
    /// Gives the halls an SFU: from now on what the stage sends reaches the whole hall.
    pub fn set_sfu(&mut self, sfu: Sfu) {
        self.sfu = Some(sfu);
        self.plan_sent = None;
        self.send_plan();
        self.publish_halls();
    }

    /// The hall a person stands in, if any.
    pub(super) fn hall_of(&self, id: ParticipantId) -> Option<PlaceId> {
        let place = self.people.get(&id)?.person.place.clone()?;
        self.halls.is_hall(&place).then_some(place)
    }

    /// A request about the hall `from` stands in.
    pub(super) fn handle_hall(
        &mut self,
        from: ParticipantId,
        request: HallRequest,
        now: Instant,
    ) -> Result<(), RejectCode> {
        let hall = self.hall_of(from).ok_or(RejectCode::WrongPlace)?;
        let role = self.people.get(&from).map(|present| present.person.role).ok_or(RejectCode::UnknownPeer)?;
        // A held voice reaches no hall: no stage, no hand, no turn, nothing published.
        let wants_voice = matches!(
            request,
            HallRequest::TakeStage
                | HallRequest::RaiseHand
                | HallRequest::AnswerInvitation { accept: true }
                | HallRequest::Publish { .. }
        );
        if wants_voice && self.voice_held(from) {
            return Err(RejectCode::VoiceHeld);
        }
        if let HallRequest::Grant { person } = request
            && self.voice_held(person)
        {
            return Err(RejectCode::VoiceHeld);
        }
        match request {
            HallRequest::Publish { sdp, media: kind } => {
                if !self.halls.may_publish(&hall, from) {
                    return Err(RejectCode::NotAllowed);
                }
                let sfu = self.sfu.clone().ok_or(RejectCode::SfuUnavailable)?;
                // The plan that allows it goes first, on the same ordered channel.
                self.send_plan();
                sfu.send(SfuCommand::Publish { hall, person: from, kind, sdp });
                Ok(())
            }
            HallRequest::Unpublish { media: kind } => {
                let sfu = self.sfu.as_ref().ok_or(RejectCode::SfuUnavailable)?;
                sfu.send(SfuCommand::Unpublish { hall, person: from, kind });
                Ok(())
            }
            HallRequest::Say { text } => {
                let speaker = self.people.get(&from).map(|present| present.person.participation);
                if !speaker.is_some_and(|participation| participation.can_chat()) {
                    return Err(RejectCode::NotAllowed);
                }
                let text = bounded_text(&text, protocol::MAX_CHAT_CHARS)?;
                let inside = self.people.values().filter(|p| {
                    p.person.id != from
                        && p.person.place.as_ref() == Some(&hall)
                        && !self.blocks.between(from, p.person.id)
                });
                for present in inside {
                    send(&present.outbox, ServerMessage::HallSaid { person: from, text: text.clone() });
                }
                Ok(())
            }
            HallRequest::Receive { feed, sdp } => {
                let sfu = self.sfu.as_ref().ok_or(RejectCode::SfuUnavailable)?;
                sfu.send(SfuCommand::Receive { hall, person: from, feed, sdp });
                Ok(())
            }
            request => {
                let inside = |id: ParticipantId| {
                    self.people.get(&id).is_some_and(|present| present.person.place.as_ref() == Some(&hall))
                };
                let events = self.halls.handle(&hall, from, role, &request, inside, now)?;
                for event in events {
                    match event {
                        HallEvent::TurnEnded { person, why } => {
                            if let Some(present) = self.people.get(&person) {
                                send(&present.outbox, ServerMessage::HallTurnEnded { why });
                            }
                        }
                        HallEvent::Reacted { person, reaction } => {
                            for present in self.people.values().filter(|p| p.person.place.as_ref() == Some(&hall)) {
                                send(&present.outbox, ServerMessage::HallReaction { person, reaction });
                            }
                        }
                    }
                }
                self.send_plan();
                self.publish_halls();
                Ok(())
            }
        }
    }

    /// `id` is leaving `place` (walking out, or leaving the town): if it is a hall, their part in
    /// it ends.
    pub(super) fn leave_hall(&mut self, id: ParticipantId, place: Option<&PlaceId>) {
        if let Some(hall) = place.filter(|place| self.halls.is_hall(place)) {
            self.halls.left(hall, id);
        }
    }

    /// After a beat: when the halls' rules or who stands where (or through which connection)
    /// changed since the last one, views and the plan are brought up to date; otherwise
    /// nothing is computed.
    pub(super) fn follow_halls(&mut self) {
        let changed = self.halls.take_changed();
        if std::mem::take(&mut self.halls_dirty) || changed {
            self.publish_halls();
            self.send_plan();
        }
    }

    /// Sends each person the view of their hall when it changed (none once they are out).
    pub(super) fn publish_halls(&mut self) {
        let sfu = self.sfu.is_some();
        let nicknames: BTreeMap<ParticipantId, String> =
            self.people.values().map(|present| (present.person.id, present.person.nickname.clone())).collect();
        // Who sits at each hall's tables.
        let mut seated: BTreeMap<PlaceId, Vec<u32>> = BTreeMap::new();
        for present in self.people.values() {
            let person = &present.person;
            let (Some(hall), Some(table)) = (person.place.as_ref(), self.map.table_at(person.position)) else {
                continue;
            };
            let tables = self.map.place(hall).map_or(0, |place| place.tables.len());
            let counts = seated.entry(hall.clone()).or_insert_with(|| vec![0; tables]);
            if let Some(count) = counts.get_mut(table as usize) {
                *count += 1;
            }
        }
        let (halls, map) = (&self.halls, &self.map);
        for present in self.people.values_mut() {
            let person = &present.person;
            let view = person.place.as_ref().filter(|place| halls.is_hall(place)).and_then(|hall| {
                let counts = seated.get(hall).map_or(&[][..], Vec::as_slice);
                let my_table = map.table_at(person.position);
                halls.view(hall, person.id, person.role, sfu, |id| nicknames.get(&id).cloned(), counts, my_table)
            });
            if view != present.hall_view {
                present.hall_view = view.clone();
                send(&present.outbox, ServerMessage::Hall { view });
            }
        }
    }

    /// Tells the SFU who stands in each hall and who may publish there, when that changed.
    pub(super) fn send_plan(&mut self) {
        let Some(sfu) = self.sfu.clone() else { return };
        let mut plan = HallPlan::default();
        for present in self.people.values() {
            if let Some(hall) = present.person.place.as_ref().filter(|place| self.halls.is_hall(place)) {
                let member = Member { connection: present.connection.0, outbox: present.outbox.clone() };
                plan.halls
                    .entry(hall.clone())
                    .or_insert_with(HallMembers::default)
                    .members
                    .insert(present.person.id, member);
            }
        }
        for (hall, publishers) in self.halls.publishers() {
            if let Some(members) = plan.halls.get_mut(hall) {
                members.publishers = publishers.into_iter().filter(|id| !self.voice_held(*id)).collect();
            }
        }
        if self.plan_sent.as_ref() != Some(&plan) {
            self.plan_sent = Some(plan.clone());
            sfu.send(SfuCommand::Plan(plan));
        }
    }
}
