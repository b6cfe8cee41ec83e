//! The program halls' rules: who is on the stage, raised hands and turns to speak, invitations
//! to speak, 「みなさんのマイクをオフにします」, reactions, the table groups' labels, and from
//! these, who may publish to the whole hall through the SFU. Pure state with time passed in;
//! the town applies it (and decides, from where people stand, who sits at which table).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use protocol::{
    HallPerson, HallRequest, HallView, MAX_GROUP_LABEL_CHARS, MAX_GROUPS, ParticipantId, PlaceId, PlaceKind, Reaction,
    RejectCode, Role, TableView, TownMap, Turn, TurnEnded,
};

/// One hall as kept across a restart: the stage, hands, invitations, turns and the groups.
/// Reactions (a count for the moment) and their pacing are not kept.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedHall {
    /// Which hall.
    pub id: PlaceId,
    /// Who was on its stage.
    pub stage: Option<ParticipantId>,
    /// Raised hands, in order.
    pub hands: Vec<ParticipantId>,
    /// Invited to speak, not yet answered.
    pub invited: Vec<ParticipantId>,
    /// Whose turn to speak it was.
    pub speakers: Vec<ParticipantId>,
    /// The groups' labels.
    pub groups: Vec<String>,
    /// Each table's label.
    pub table_labels: Vec<Option<String>>,
}

/// Least time between two reactions of one person: applause, not a flood.
pub const REACTION_EVERY: Duration = Duration::from_millis(400);

/// Whether a role may run a hall: take the stage, answer hands, mute everyone.
pub fn may_facilitate(role: Role) -> bool {
    matches!(role, Role::Facilitator | Role::Staff)
}

#[derive(Default)]
struct Hall {
    stage: Option<ParticipantId>,
    /// Raised hands, in the order they went up.
    hands: Vec<ParticipantId>,
    /// Invited to speak by a facilitator, not yet answered.
    invited: BTreeSet<ParticipantId>,
    /// Whose voice reaches the hall besides the stage.
    speakers: BTreeSet<ParticipantId>,
    /// Reactions since the stage was taken.
    reactions: BTreeMap<Reaction, u32>,
    /// The groups the facilitator set (当事者サロン: by age).
    groups: Vec<String>,
    /// Each table's label, one of the groups (as many as the map gives the hall tables).
    table_labels: Vec<Option<String>>,
}

impl Hall {
    fn forget(&mut self, person: ParticipantId) {
        self.hands.retain(|hand| *hand != person);
        self.invited.remove(&person);
        self.speakers.remove(&person);
    }
}

/// Something the town passes on after a hall request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HallEvent {
    /// This person's turn to speak ended: their publication stops, and they are told why.
    TurnEnded {
        /// Whose.
        person: ParticipantId,
        /// Why.
        why: TurnEnded,
    },
    /// Someone reacted: everyone in the hall sees it.
    Reacted {
        /// Who.
        person: ParticipantId,
        /// How.
        reaction: Reaction,
    },
}

/// Every hall of the map.
pub struct Halls {
    halls: BTreeMap<PlaceId, Hall>,
    last_reaction: HashMap<ParticipantId, Instant>,
    changed: bool,
}

impl Halls {
    /// The halls of `map`, all empty.
    pub fn new(map: &TownMap) -> Halls {
        let halls =
            map.places.iter().filter(|place| place.kind == PlaceKind::Hall).map(|place| {
                (place.id.clone(), Hall { table_labels: vec![None; place.tables.len()], ..Hall::default() })
            });
        Halls { halls: halls.collect(), last_reaction: HashMap::new(), changed: false }
    }

    /// What to keep across a restart.
    pub fn save(&self) -> Vec<SavedHall> {
        self.halls
            .iter()
            .map(|(id, hall)| SavedHall {
                id: id.clone(),
                stage: hall.stage,
                hands: hall.hands.clone(),
                invited: hall.invited.iter().copied().collect(),
                speakers: hall.speakers.iter().copied().collect(),
                groups: hall.groups.clone(),
                table_labels: hall.table_labels.clone(),
            })
            .collect()
    }

    /// Puts back what [`Halls::save`] kept. Only people `inside` the hall (restored, standing
    /// there) get their part back; halls and tables no longer on the map are left out, and a
    /// table keeps a label only if it is one of the groups.
    pub fn restore(&mut self, saved: Vec<SavedHall>, inside: impl Fn(ParticipantId, &PlaceId) -> bool) {
        for kept in saved {
            let Some(hall) = self.halls.get_mut(&kept.id) else { continue };
            let here = |id: &ParticipantId| inside(*id, &kept.id);
            hall.stage = kept.stage.filter(here);
            hall.hands = kept.hands.into_iter().filter(here).collect();
            hall.invited = kept.invited.into_iter().filter(here).collect();
            hall.speakers = kept.speakers.into_iter().filter(here).collect();
            hall.groups = kept.groups;
            for (slot, label) in hall.table_labels.iter_mut().zip(kept.table_labels) {
                *slot = label.filter(|label| hall.groups.contains(label));
            }
        }
        self.changed = true;
    }

    /// Whether `place` is a hall.
    pub fn is_hall(&self, place: &PlaceId) -> bool {
        self.halls.contains_key(place)
    }

    /// Whether anything changed since the last call.
    pub fn take_changed(&mut self) -> bool {
        std::mem::take(&mut self.changed)
    }

    /// A request from `who` (of `role`) standing in `hall`. `inside` tells whether someone
    /// stands in the same hall.
    pub fn handle(
        &mut self,
        hall_id: &PlaceId,
        who: ParticipantId,
        role: Role,
        request: &HallRequest,
        inside: impl Fn(ParticipantId) -> bool,
        now: Instant,
    ) -> Result<Vec<HallEvent>, RejectCode> {
        let hall = self.halls.get_mut(hall_id).ok_or(RejectCode::WrongPlace)?;
        let facilitating = may_facilitate(role);
        let mut events = Vec::new();
        match request {
            HallRequest::TakeStage => {
                if !facilitating {
                    return Err(RejectCode::NotAllowed);
                }
                if hall.stage.is_some_and(|on| on != who) {
                    return Err(RejectCode::StageTaken);
                }
                if hall.stage != Some(who) {
                    hall.forget(who);
                    hall.stage = Some(who);
                    hall.reactions.clear();
                }
            }
            HallRequest::LeaveStage => {
                if hall.stage != Some(who) {
                    return Err(RejectCode::NotAllowed);
                }
                hall.stage = None;
            }
            HallRequest::RaiseHand => {
                let busy = hall.stage == Some(who) || hall.speakers.contains(&who) || hall.invited.contains(&who);
                if !busy && !hall.hands.contains(&who) {
                    hall.hands.push(who);
                }
            }
            HallRequest::LowerHand => hall.forget(who),
            HallRequest::Grant { person } => {
                if !facilitating {
                    return Err(RejectCode::NotAllowed);
                }
                if !inside(*person) || hall.stage == Some(*person) {
                    return Err(RejectCode::NoSuchCaller);
                }
                if hall.hands.contains(person) {
                    // 「どうぞ」 to a raised hand: their turn starts.
                    hall.hands.retain(|hand| hand != person);
                    hall.speakers.insert(*person);
                } else if !hall.speakers.contains(person) {
                    // Asked without a hand up: they decide.
                    hall.invited.insert(*person);
                }
            }
            HallRequest::EndTurn { person } => {
                if !facilitating {
                    return Err(RejectCode::NotAllowed);
                }
                let known =
                    hall.speakers.contains(person) || hall.invited.contains(person) || hall.hands.contains(person);
                if !known {
                    return Err(RejectCode::NoSuchCaller);
                }
                if hall.speakers.contains(person) {
                    events.push(HallEvent::TurnEnded { person: *person, why: TurnEnded::ByFacilitator });
                }
                hall.forget(*person);
            }
            HallRequest::AnswerInvitation { accept } => {
                if !hall.invited.remove(&who) {
                    return Err(RejectCode::NoSuchCaller);
                }
                hall.hands.retain(|hand| *hand != who);
                if *accept {
                    hall.speakers.insert(who);
                }
            }
            HallRequest::MuteAll => {
                if !facilitating {
                    return Err(RejectCode::NotAllowed);
                }
                for person in std::mem::take(&mut hall.speakers) {
                    events.push(HallEvent::TurnEnded { person, why: TurnEnded::MutedAll });
                }
                hall.invited.clear();
            }
            HallRequest::React { reaction } => {
                if self.last_reaction.get(&who).is_some_and(|last| now.duration_since(*last) < REACTION_EVERY) {
                    return Err(RejectCode::TooFrequent);
                }
                self.last_reaction.insert(who, now);
                if hall.stage.is_some() {
                    *hall.reactions.entry(*reaction).or_default() += 1;
                }
                events.push(HallEvent::Reacted { person: who, reaction: *reaction });
            }
            HallRequest::SetGroups { labels } => {
                if !facilitating {
                    return Err(RejectCode::NotAllowed);
                }
                let labels = group_labels(labels)?;
                for label in &mut hall.table_labels {
                    if label.as_ref().is_some_and(|label| !labels.contains(label)) {
                        *label = None;
                    }
                }
                hall.groups = labels;
            }
            HallRequest::LabelTable { table, label } => {
                if !facilitating {
                    return Err(RejectCode::NotAllowed);
                }
                let known = label.as_ref().is_none_or(|label| hall.groups.contains(label));
                let slot = hall.table_labels.get_mut(*table as usize).ok_or(RejectCode::NoSuchTable)?;
                if !known {
                    return Err(RejectCode::BadText);
                }
                *slot = label.clone();
            }
            // Media requests are the SFU's; the town checks them with `may_publish`.
            // The text channel is the town's to pass on (it knows who may chat).
            HallRequest::Publish { .. }
            | HallRequest::Unpublish { .. }
            | HallRequest::Receive { .. }
            | HallRequest::Say { .. } => {
                return Ok(events);
            }
        }
        self.changed = true;
        Ok(events)
    }

    /// `who` left `hall` (walked out, or left the town): off the stage, hand down, turn over.
    pub fn left(&mut self, hall_id: &PlaceId, who: ParticipantId) {
        if let Some(hall) = self.halls.get_mut(hall_id) {
            if hall.stage == Some(who) {
                hall.stage = None;
            }
            hall.forget(who);
            self.changed = true;
        }
        self.last_reaction.remove(&who);
    }

    /// Staff hold `who`'s voice: off any hall's stage, hand down, turn over, invitation gone.
    pub fn hush(&mut self, who: ParticipantId) {
        for hall in self.halls.values_mut() {
            if hall.stage == Some(who) {
                hall.stage = None;
            }
            hall.forget(who);
        }
        self.changed = true;
    }

    /// Whether `who` may publish to the whole hall now: on its stage, or during their turn.
    pub fn may_publish(&self, hall_id: &PlaceId, who: ParticipantId) -> bool {
        self.halls.get(hall_id).is_some_and(|hall| hall.stage == Some(who) || hall.speakers.contains(&who))
    }

    /// Who may publish in each hall now.
    pub fn publishers(&self) -> impl Iterator<Item = (&PlaceId, Vec<ParticipantId>)> {
        self.halls.iter().map(|(id, hall)| (id, hall.stage.iter().chain(&hall.speakers).copied().collect()))
    }

    /// What `who` (of `role`) is shown of `hall`. `nickname` names people; `seated` is how
    /// many sit at each table, `my_table` where `who` sits.
    #[allow(clippy::too_many_arguments)]
    pub fn view(
        &self,
        hall_id: &PlaceId,
        who: ParticipantId,
        role: Role,
        sfu: bool,
        nickname: impl Fn(ParticipantId) -> Option<String>,
        seated: &[u32],
        my_table: Option<u32>,
    ) -> Option<HallView> {
        let hall = self.halls.get(hall_id)?;
        let person = |id: ParticipantId| nickname(id).map(|nickname| HallPerson { id, nickname });
        let facilitating = may_facilitate(role);
        let you = if hall.stage == Some(who) {
            Turn::OnStage
        } else if hall.speakers.contains(&who) {
            Turn::Speaking
        } else if hall.invited.contains(&who) {
            Turn::Invited
        } else if let Some(place) = hall.hands.iter().position(|hand| *hand == who) {
            Turn::HandRaised { ahead: place as u32 }
        } else {
            Turn::Listening
        };
        Some(HallView {
            hall: hall_id.clone(),
            stage: hall.stage.and_then(person),
            speakers: hall.speakers.iter().filter_map(|id| person(*id)).collect(),
            hands: hall.hands.len() as u32,
            queue: if facilitating { hall.hands.iter().filter_map(|id| person(*id)).collect() } else { Vec::new() },
            you,
            may_facilitate: facilitating,
            reactions: if facilitating { hall.reactions.iter().map(|(r, n)| (*r, *n)).collect() } else { Vec::new() },
            sfu,
            groups: hall.groups.clone(),
            tables: hall
                .table_labels
                .iter()
                .enumerate()
                .map(|(index, label)| TableView {
                    index: index as u32,
                    label: label.clone(),
                    people: seated.get(index).copied().unwrap_or(0),
                })
                .collect(),
            my_table,
        })
    }
}

/// The groups' labels as a facilitator wrote them, trimmed; refused when there are too many,
/// one is empty, too long, repeated or holds control characters.
fn group_labels(labels: &[String]) -> Result<Vec<String>, RejectCode> {
    if labels.len() > MAX_GROUPS {
        return Err(RejectCode::TooLarge);
    }
    let mut clean: Vec<String> = Vec::with_capacity(labels.len());
    for label in labels {
        let label = label.trim();
        let fits = !label.is_empty() && label.chars().count() <= MAX_GROUP_LABEL_CHARS;
        if !fits || label.chars().any(char::is_control) || clean.iter().any(|known| known == label) {
            return Err(RejectCode::BadText);
        }
        clean.push(label.to_owned());
    }
    Ok(clean)
}

#[cfg(test)]
mod tests {
    use super::*;

    const F: ParticipantId = ParticipantId(1);
    const A: ParticipantId = ParticipantId(2);
    const B: ParticipantId = ParticipantId(3);
    const G: ParticipantId = ParticipantId(4);

    fn halls() -> (Halls, PlaceId) {
        let map = TownMap::from_ron(include_str!("../../../assets/maps/town.ron")).expect("map");
        (Halls::new(&map), PlaceId("hall-1".into()))
    }

    fn ask(
        halls: &mut Halls,
        hall: &PlaceId,
        who: ParticipantId,
        role: Role,
        request: HallRequest,
    ) -> Result<Vec<HallEvent>, RejectCode> {
        halls.handle(hall, who, role, &request, |_| true, Instant::now())
    }

    fn turn(halls: &Halls, hall: &PlaceId, who: ParticipantId) -> Turn {
        halls.view(hall, who, Role::Participant, true, |_| Some("x".into()), &[], None).expect("a hall").you
    }

    #[test]
    fn only_facilitators_take_the_stage_and_only_one_at_a_time() {
        let (mut halls, hall) = halls();
        assert_eq!(ask(&mut halls, &hall, A, Role::Participant, HallRequest::TakeStage), Err(RejectCode::NotAllowed));
        assert_eq!(ask(&mut halls, &hall, A, Role::Counselor, HallRequest::TakeStage), Err(RejectCode::NotAllowed));
        assert!(ask(&mut halls, &hall, F, Role::Facilitator, HallRequest::TakeStage).is_ok());
        assert_eq!(ask(&mut halls, &hall, G, Role::Staff, HallRequest::TakeStage), Err(RejectCode::StageTaken));
        assert!(halls.may_publish(&hall, F));
        assert!(!halls.may_publish(&hall, A));
        assert_eq!(ask(&mut halls, &hall, G, Role::Staff, HallRequest::LeaveStage), Err(RejectCode::NotAllowed));
        assert!(ask(&mut halls, &hall, F, Role::Facilitator, HallRequest::LeaveStage).is_ok());
        assert!(!halls.may_publish(&hall, F));
        let free_space = PlaceId("free-space".into());
        assert_eq!(ask(&mut halls, &free_space, F, Role::Staff, HallRequest::TakeStage), Err(RejectCode::WrongPlace));
    }

    #[test]
    fn a_raised_hand_waits_in_order_until_a_facilitator_grants_it() {
        let (mut halls, hall) = halls();
        ask(&mut halls, &hall, F, Role::Facilitator, HallRequest::TakeStage).expect("stage");
        ask(&mut halls, &hall, A, Role::Participant, HallRequest::RaiseHand).expect("hand");
        ask(&mut halls, &hall, B, Role::Participant, HallRequest::RaiseHand).expect("hand");
        assert_eq!(turn(&halls, &hall, B), Turn::HandRaised { ahead: 1 });
        // Others see only a count; facilitators see the order.
        let seen = halls.view(&hall, B, Role::Participant, true, |_| Some("x".into()), &[], None).expect("view");
        assert_eq!((seen.hands, seen.queue.len()), (2, 0));
        let facilitator = halls.view(&hall, F, Role::Facilitator, true, |_| Some("x".into()), &[], None).expect("view");
        assert_eq!(facilitator.queue.iter().map(|p| p.id).collect::<Vec<_>>(), vec![A, B]);
        // A participant cannot grant, not even themselves.
        assert_eq!(
            ask(&mut halls, &hall, A, Role::Participant, HallRequest::Grant { person: A }),
            Err(RejectCode::NotAllowed)
        );
        assert!(!halls.may_publish(&hall, A));
        ask(&mut halls, &hall, F, Role::Facilitator, HallRequest::Grant { person: A }).expect("grant");
        assert!(halls.may_publish(&hall, A));
        assert_eq!(turn(&halls, &hall, A), Turn::Speaking);
        assert_eq!(turn(&halls, &hall, B), Turn::HandRaised { ahead: 0 });
        let ended = ask(&mut halls, &hall, F, Role::Facilitator, HallRequest::EndTurn { person: A }).expect("end");
        assert_eq!(ended, vec![HallEvent::TurnEnded { person: A, why: TurnEnded::ByFacilitator }]);
        assert!(!halls.may_publish(&hall, A));
        assert_eq!(
            ask(&mut halls, &hall, F, Role::Facilitator, HallRequest::EndTurn { person: A }),
            Err(RejectCode::NoSuchCaller)
        );
    }

    #[test]
    fn an_invitation_to_speak_is_the_persons_to_accept_or_decline() {
        let (mut halls, hall) = halls();
        ask(&mut halls, &hall, F, Role::Facilitator, HallRequest::Grant { person: A }).expect("invite");
        assert_eq!(turn(&halls, &hall, A), Turn::Invited);
        assert!(!halls.may_publish(&hall, A), "nobody is made to speak");
        ask(&mut halls, &hall, A, Role::Participant, HallRequest::AnswerInvitation { accept: false }).expect("no");
        assert_eq!(turn(&halls, &hall, A), Turn::Listening);
        assert_eq!(
            ask(&mut halls, &hall, A, Role::Participant, HallRequest::AnswerInvitation { accept: true }),
            Err(RejectCode::NoSuchCaller),
            "an answer needs an invitation"
        );
        ask(&mut halls, &hall, F, Role::Facilitator, HallRequest::Grant { person: A }).expect("invite");
        ask(&mut halls, &hall, A, Role::Participant, HallRequest::AnswerInvitation { accept: true }).expect("yes");
        assert!(halls.may_publish(&hall, A));
        // Someone outside the hall cannot be invited.
        let outside =
            halls.handle(&hall, F, Role::Facilitator, &HallRequest::Grant { person: G }, |id| id != G, Instant::now());
        assert_eq!(outside, Err(RejectCode::NoSuchCaller));
    }

    #[test]
    fn muting_everyone_ends_every_audience_turn_but_not_the_stage() {
        let (mut halls, hall) = halls();
        ask(&mut halls, &hall, F, Role::Facilitator, HallRequest::TakeStage).expect("stage");
        for who in [A, B] {
            ask(&mut halls, &hall, who, Role::Participant, HallRequest::RaiseHand).expect("hand");
            ask(&mut halls, &hall, F, Role::Facilitator, HallRequest::Grant { person: who }).expect("grant");
        }
        assert_eq!(ask(&mut halls, &hall, A, Role::Participant, HallRequest::MuteAll), Err(RejectCode::NotAllowed));
        let events = ask(&mut halls, &hall, F, Role::Facilitator, HallRequest::MuteAll).expect("mute all");
        assert_eq!(events.len(), 2);
        assert!(events.iter().all(|e| matches!(e, HallEvent::TurnEnded { why: TurnEnded::MutedAll, .. })));
        assert!(!halls.may_publish(&hall, A) && !halls.may_publish(&hall, B));
        assert!(halls.may_publish(&hall, F));
    }

    #[test]
    fn reactions_are_counted_for_the_stage_and_not_flooded() {
        let (mut halls, hall) = halls();
        ask(&mut halls, &hall, F, Role::Facilitator, HallRequest::TakeStage).expect("stage");
        let start = Instant::now();
        let clap = HallRequest::React { reaction: Reaction::Clap };
        let events = halls.handle(&hall, A, Role::Participant, &clap, |_| true, start).expect("clap");
        assert_eq!(events, vec![HallEvent::Reacted { person: A, reaction: Reaction::Clap }]);
        assert_eq!(halls.handle(&hall, A, Role::Participant, &clap, |_| true, start), Err(RejectCode::TooFrequent));
        halls.handle(&hall, A, Role::Participant, &clap, |_| true, start + REACTION_EVERY).expect("later");
        let view = halls.view(&hall, F, Role::Facilitator, true, |_| Some("x".into()), &[], None).expect("view");
        assert_eq!(view.reactions, vec![(Reaction::Clap, 2)]);
    }

    #[test]
    fn a_restart_keeps_the_stage_hands_turns_and_groups_of_the_people_who_come_back() {
        let (mut halls, hall) = halls();
        ask(&mut halls, &hall, F, Role::Facilitator, HallRequest::TakeStage).expect("stage");
        ask(&mut halls, &hall, A, Role::Participant, HallRequest::RaiseHand).expect("hand");
        ask(&mut halls, &hall, F, Role::Facilitator, HallRequest::Grant { person: A }).expect("grant");
        ask(&mut halls, &hall, B, Role::Participant, HallRequest::RaiseHand).expect("hand");
        ask(&mut halls, &hall, F, Role::Facilitator, HallRequest::Grant { person: G }).expect("invite");
        let tables = PlaceId("hall-2".into());
        let labels = vec!["10代・20代".to_owned(), "30代".to_owned()];
        ask(&mut halls, &tables, F, Role::Facilitator, HallRequest::SetGroups { labels }).expect("groups");
        let label = Some("30代".to_owned());
        ask(&mut halls, &tables, F, Role::Facilitator, HallRequest::LabelTable { table: 1, label }).expect("label");
        let saved = halls.save();

        let (mut restored, _) = super::tests::halls();
        // B does not come back (not restored); everyone else stands where they stood.
        restored.restore(saved, |id, place| id != B && (*place == hall || *place == tables));
        assert!(restored.may_publish(&hall, F), "F is on the stage again");
        assert!(restored.may_publish(&hall, A), "A's turn goes on");
        assert_eq!(turn(&restored, &hall, G), Turn::Invited);
        assert_eq!(turn(&restored, &hall, B), Turn::Listening, "B's hand went with B");
        let view = restored.view(&tables, A, Role::Participant, true, |_| Some("x".into()), &[], None).expect("view");
        assert_eq!(view.groups, vec!["10代・20代".to_owned(), "30代".to_owned()]);
        assert_eq!(view.tables[1].label.as_deref(), Some("30代"));
        // Someone who is not inside the hall any more gets nothing back.
        let (mut elsewhere, _) = super::tests::halls();
        elsewhere.restore(restored.save(), |_, place| *place != hall);
        assert!(!elsewhere.may_publish(&hall, F) && !elsewhere.may_publish(&hall, A));
    }

    #[test]
    fn leaving_the_hall_ends_everything_of_that_person_there() {
        let (mut halls, hall) = halls();
        ask(&mut halls, &hall, F, Role::Facilitator, HallRequest::TakeStage).expect("stage");
        ask(&mut halls, &hall, A, Role::Participant, HallRequest::RaiseHand).expect("hand");
        ask(&mut halls, &hall, F, Role::Facilitator, HallRequest::Grant { person: A }).expect("grant");
        halls.left(&hall, A);
        halls.left(&hall, F);
        assert!(!halls.may_publish(&hall, A) && !halls.may_publish(&hall, F));
        assert!(halls.publishers().all(|(_, publishers)| publishers.is_empty()));
    }
}
