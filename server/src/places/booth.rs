//! The counseling booths' rules: who receives in which booth, knocks and their answers, the
//! queue, whom a door lets in, and what each person is shown (door signs, tickets, desks).
//! Pure state with time passed in; the town applies it to moves, visibility and introductions.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use protocol::{
    ADMISSION_SECS, BoothSign, BoothState, Caller, CounselorCard, Desk, HOST_GRACE_SECS, JobTitle, KNOCK_TIMEOUT_SECS,
    KnockAnswer, MAX_KNOCK_NOTE_CHARS, ParticipantId, PlaceId, PlaceKind, RESERVATION_EARLY_SECS, RejectCode, Role,
    Ticket, TownMap,
};

/// How long the booth rules wait for things; shortened in tests.
#[derive(Debug, Clone, Copy)]
pub struct BoothTimes {
    /// A knock with no answer ends after this.
    pub knock_timeout: Duration,
    /// A person let in may enter within this.
    pub admission: Duration,
    /// A counselor away from their booth stays its counselor this long.
    pub host_grace: Duration,
}

impl Default for BoothTimes {
    fn default() -> Self {
        BoothTimes {
            knock_timeout: Duration::from_secs(KNOCK_TIMEOUT_SECS),
            admission: Duration::from_secs(ADMISSION_SECS),
            host_grace: Duration::from_secs(HOST_GRACE_SECS),
        }
    }
}

struct Host {
    id: ParticipantId,
    nickname: String,
    title: JobTitle,
    /// Since when the counselor has been outside the booth (or gone), if they are.
    away_since: Option<Instant>,
}

struct Knock {
    caller: Caller,
    since: Instant,
}

struct Admission {
    caller: Caller,
    /// Until when the door lets them in; None once they are inside.
    until: Option<Instant>,
}

#[derive(Default)]
struct Booth {
    host: Option<Host>,
    knocks: Vec<Knock>,
    queue: Vec<Caller>,
    admitted: Vec<Admission>,
    inside: BTreeSet<ParticipantId>,
}

impl Booth {
    fn host_id(&self) -> Option<ParticipantId> {
        self.host.as_ref().map(|host| host.id)
    }

    fn state(&self) -> BoothState {
        match self.host_id() {
            None => BoothState::Preparing,
            Some(host) if self.inside.iter().any(|id| *id != host) => BoothState::InSession,
            Some(_) => BoothState::Open,
        }
    }

    /// Takes a person out of the knocks, the queue and the admissions not yet used.
    fn forget(&mut self, who: ParticipantId) -> bool {
        let before = (self.knocks.len(), self.queue.len(), self.admitted.len());
        self.knocks.retain(|knock| knock.caller.id != who);
        self.queue.retain(|caller| caller.id != who);
        self.admitted.retain(|admission| admission.caller.id != who || admission.until.is_none());
        before != (self.knocks.len(), self.queue.len(), self.admitted.len())
    }

    /// Ends receiving: whoever waits is told, with `Closed`.
    fn stop_receiving(&mut self, booth: &PlaceId, notices: &mut HashMap<ParticipantId, Ticket>) {
        self.host = None;
        let waiting = self.knocks.drain(..).map(|knock| knock.caller.id);
        let queued = self.queue.drain(..).map(|caller| caller.id);
        let mut on_the_way = Vec::new();
        self.admitted.retain(|admission| {
            if admission.until.is_some() {
                on_the_way.push(admission.caller.id);
            }
            admission.until.is_none()
        });
        for id in waiting.chain(queued).collect::<Vec<_>>().into_iter().chain(on_the_way) {
            notices.insert(id, Ticket::Closed { booth: booth.clone() });
        }
    }
}

/// A booked counseling time, as the door needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reservation {
    /// Which booth.
    pub booth: PlaceId,
    /// Who booked it.
    pub person: ParticipantId,
    /// Their nickname.
    pub nickname: String,
    /// Start and end, Unix seconds.
    pub starts_at: i64,
    /// End, Unix seconds.
    pub ends_at: i64,
    /// When, e.g. 「11月25日（水）14:00」, "Wed 25 Nov, 14:00".
    pub label: protocol::locale::Phrase,
    /// The start time alone, e.g. 「14:00」.
    pub time: String,
}

impl Reservation {
    /// Whether the door lets its person in at `unix_now` (from a few minutes before).
    fn open_at(&self, unix_now: i64) -> bool {
        self.starts_at - RESERVATION_EARLY_SECS <= unix_now && unix_now < self.ends_at
    }
}

/// 「家族と一緒に」: someone asked a person to come along to their booth.
struct FamilyInvite {
    booth: PlaceId,
    from: ParticipantId,
    from_nickname: String,
}

/// Every booth of the town.
pub struct Booths {
    booths: BTreeMap<PlaceId, Booth>,
    /// Invitations to come along as family, by the person invited.
    family: HashMap<ParticipantId, FamilyInvite>,
    /// Booked times from today on, earliest first.
    reservations: Vec<Reservation>,
    /// Notices waiting to be put away: declined, timed out, closed.
    notices: HashMap<ParticipantId, Ticket>,
    times: BoothTimes,
    /// Whether anything shown changed since the last [`Booths::take_changed`].
    changed: bool,
}

impl Booths {
    /// The booths of `map`, all 準備中.
    pub fn new(map: &TownMap, times: BoothTimes) -> Booths {
        let booths = map
            .places
            .iter()
            .filter(|place| place.kind == PlaceKind::Booth)
            .map(|place| (place.id.clone(), Booth::default()))
            .collect();
        Booths {
            booths,
            family: HashMap::new(),
            reservations: Vec::new(),
            notices: HashMap::new(),
            times,
            changed: true,
        }
    }

    /// The booked times, as the store has them now.
    pub fn set_reservations(&mut self, reservations: Vec<Reservation>) {
        if self.reservations != reservations {
            self.reservations = reservations;
            self.changed = true;
        }
    }

    /// The reservation letting `who` into `booth` at `unix_now`, if any, while nobody else
    /// than its counselor is inside (a talk that runs late is never walked in on).
    fn reservation_for(&self, booth: &PlaceId, who: ParticipantId, unix_now: i64) -> Option<&Reservation> {
        let state = self.booths.get(booth)?;
        let host = state.host_id();
        let busy = state.inside.iter().any(|id| Some(*id) != host && *id != who);
        if busy {
            return None;
        }
        self.reservations.iter().find(|r| &r.booth == booth && r.person == who && r.open_at(unix_now))
    }

    /// Whether what the booths show changed since the last call; resets the flag.
    pub fn take_changed(&mut self) -> bool {
        std::mem::take(&mut self.changed)
    }

    /// Whether the door of `booth` lets `who` in now: its counselor, people let in (while the
    /// admission lasts), and a counselor or staff member opening an empty booth nobody receives in.
    pub fn may_enter(&self, booth: &PlaceId, who: ParticipantId, role: Role, now: Instant, unix_now: i64) -> bool {
        let Some(state) = self.booths.get(booth) else { return false };
        if state.host_id() == Some(who) || state.inside.contains(&who) {
            return true;
        }
        if self.reservation_for(booth, who, unix_now).is_some() {
            return true;
        }
        let admitted = state
            .admitted
            .iter()
            .any(|admission| admission.caller.id == who && admission.until.is_none_or(|until| now <= until));
        if admitted {
            return true;
        }
        let receiver = matches!(role, Role::Counselor | Role::Staff);
        state.host.is_none() && state.inside.is_empty() && receiver && self.hosting(who).is_none()
    }

    /// `who` stepped into `booth`.
    pub fn entered(&mut self, booth: &PlaceId, who: ParticipantId) {
        let Some(state) = self.booths.get_mut(booth) else { return };
        state.inside.insert(who);
        if let Some(host) = state.host.as_mut().filter(|host| host.id == who) {
            host.away_since = None;
        }
        for admission in state.admitted.iter_mut().filter(|admission| admission.caller.id == who) {
            admission.until = None;
        }
        self.changed = true;
    }

    /// `who` stepped out of `booth` (or left the town from inside it). A person let in must
    /// knock again to come back; the counselor stays its counselor for the grace period.
    pub fn left(&mut self, booth: &PlaceId, who: ParticipantId, now: Instant) {
        let Some(state) = self.booths.get_mut(booth) else { return };
        state.inside.remove(&who);
        state.admitted.retain(|admission| admission.caller.id != who);
        match state.host.as_mut().filter(|host| host.id == who) {
            Some(host) => {
                host.away_since.get_or_insert(now);
            }
            None => self.forget_family_of(who),
        }
        self.changed = true;
    }

    /// `who` left the town: their knocks and places in queues end, and so do the invitations
    /// they made or received; a counselor's grace starts.
    pub fn gone(&mut self, who: ParticipantId, now: Instant) {
        self.withdraw(who);
        for state in self.booths.values_mut() {
            if let Some(host) = state.host.as_mut().filter(|host| host.id == who) {
                host.away_since.get_or_insert(now);
                self.changed = true;
            }
        }
    }

    /// The booth `who` receives in, if any.
    pub fn hosting(&self, who: ParticipantId) -> Option<&PlaceId> {
        self.booths.iter().find(|(_, state)| state.host_id() == Some(who)).map(|(id, _)| id)
    }

    /// 「相談を受け付ける」 in `booth` (where `who` stands).
    pub fn open(
        &mut self,
        who: ParticipantId,
        nickname: &str,
        role: Role,
        standing_in: Option<&PlaceId>,
        title: JobTitle,
    ) -> Result<(), RejectCode> {
        if !matches!(role, Role::Counselor | Role::Staff) {
            return Err(RejectCode::NotAllowed);
        }
        let booth = standing_in.filter(|id| self.booths.contains_key(*id)).ok_or(RejectCode::WrongPlace)?.clone();
        if self.hosting(who).is_some_and(|hosted| *hosted != booth) {
            return Err(RejectCode::AlreadyReceiving);
        }
        let state = self.booths.get_mut(&booth).ok_or(RejectCode::WrongPlace)?;
        match state.host.as_mut() {
            Some(host) if host.id == who => host.title = title,
            Some(_) => return Err(RejectCode::NotAllowed),
            None => state.host = Some(Host { id: who, nickname: nickname.to_owned(), title, away_since: None }),
        }
        self.changed = true;
        Ok(())
    }

    /// Stops receiving in whichever booth `who` receives in.
    pub fn close(&mut self, who: ParticipantId) -> Result<(), RejectCode> {
        let booth = self.hosting(who).cloned().ok_or(RejectCode::NotReceiving)?;
        if let Some(state) = self.booths.get_mut(&booth) {
            state.stop_receiving(&booth, &mut self.notices);
        }
        self.forget_family_of_closed_booths();
        self.changed = true;
        Ok(())
    }

    /// 「ノックする」: `who` knocks at `booth`, standing at its door or not (`at_door`).
    pub fn knock(
        &mut self,
        who: ParticipantId,
        nickname: &str,
        booth: &PlaceId,
        note: &str,
        at_door: bool,
        now: Instant,
    ) -> Result<(), RejectCode> {
        let note: String = note.chars().filter(|c| !c.is_control()).collect::<String>().trim().to_owned();
        if note.chars().count() > MAX_KNOCK_NOTE_CHARS {
            return Err(RejectCode::NoteTooLong);
        }
        let state = self.booths.get(booth).ok_or(RejectCode::WrongPlace)?;
        if !at_door || state.inside.contains(&who) {
            return Err(RejectCode::WrongPlace);
        }
        if state.host.is_none() {
            return Err(RejectCode::NotReceiving);
        }
        if self.hosting(who).is_some() {
            return Err(RejectCode::AlreadyReceiving);
        }
        self.withdraw(who);
        let caller = Caller { id: who, nickname: nickname.to_owned(), note, family_of: None };
        self.push_knock(booth, caller, now);
        Ok(())
    }

    fn push_knock(&mut self, booth: &PlaceId, caller: Caller, now: Instant) {
        if let Some(state) = self.booths.get_mut(booth) {
            state.knocks.push(Knock { caller, since: now });
        }
        self.changed = true;
    }

    /// The booth `who` has business with as a visitor: knocking, waiting, let in, inside, or
    /// their reserved time.
    fn visiting(&self, who: ParticipantId, unix_now: i64) -> Option<PlaceId> {
        self.booths.iter().find_map(|(booth, state)| {
            let business = state.host_id() != Some(who)
                && (state.inside.contains(&who)
                    || state.knocks.iter().any(|knock| knock.caller.id == who)
                    || state.queue.iter().any(|caller| caller.id == who)
                    || state.admitted.iter().any(|admission| admission.caller.id == who)
                    || self.reservations.iter().any(|r| &r.booth == booth && r.person == who && r.open_at(unix_now)));
            business.then(|| booth.clone())
        })
    }

    /// 「家族と一緒に」: `who` asks `person` (present in the town) to come along to the booth
    /// `who` visits. One invitation per person asking; a new one replaces it.
    pub fn bring_family(
        &mut self,
        who: ParticipantId,
        nickname: &str,
        person: ParticipantId,
        unix_now: i64,
    ) -> Result<(), RejectCode> {
        let booth = self.visiting(who, unix_now).ok_or(RejectCode::NotAllowed)?;
        let taken = person == who || self.hosting(person).is_some() || self.visiting(person, unix_now).is_some();
        if taken {
            return Err(RejectCode::NoSuchCaller);
        }
        if self.booths.get(&booth).is_none_or(|state| state.host.is_none()) {
            return Err(RejectCode::NotReceiving);
        }
        self.family.retain(|_, invite| invite.from != who);
        self.family.insert(person, FamilyInvite { booth, from: who, from_nickname: nickname.to_owned() });
        self.changed = true;
        Ok(())
    }

    /// 「一緒に行く」: `who` agrees to the invitation they hold; the counselor's desk shows them
    /// as a knock, as family of the person who asked.
    pub fn join_family(&mut self, who: ParticipantId, nickname: &str, now: Instant) -> Result<(), RejectCode> {
        let invite = self.family.remove(&who).ok_or(RejectCode::NoSuchCaller)?;
        self.changed = true;
        if self.booths.get(&invite.booth).is_none_or(|state| state.host.is_none()) {
            return Err(RejectCode::NotReceiving);
        }
        self.withdraw(who);
        let caller = Caller {
            id: who,
            nickname: nickname.to_owned(),
            note: String::new(),
            family_of: Some(invite.from_nickname),
        };
        self.push_knock(&invite.booth, caller, now);
        Ok(())
    }

    /// Invitations made by or to `who` end.
    fn forget_family_of(&mut self, who: ParticipantId) {
        let before = self.family.len();
        self.family.retain(|invited, invite| *invited != who && invite.from != who);
        self.changed |= before != self.family.len();
    }

    /// A counselor receiving in a booth lets `person` in directly (an answer to their call for
    /// help): the door admits them for a few minutes, and they may still say no.
    pub fn invite(
        &mut self,
        host: ParticipantId,
        person: ParticipantId,
        nickname: &str,
        now: Instant,
    ) -> Result<(), RejectCode> {
        let booth = self.hosting(host).cloned().ok_or(RejectCode::NotReceiving)?;
        if person == host || self.hosting(person).is_some() {
            return Err(RejectCode::NoSuchCaller);
        }
        self.withdraw(person);
        let admission = self.times.admission;
        let caller = Caller { id: person, nickname: nickname.to_owned(), note: String::new(), family_of: None };
        if let Some(state) = self.booths.get_mut(&booth) {
            state.admitted.push(Admission { caller, until: Some(now + admission) });
        }
        self.changed = true;
        Ok(())
    }

    /// Takes back whatever `who` has going at any booth (knock, queue, admission not yet used)
    /// and puts away their notice.
    pub fn withdraw(&mut self, who: ParticipantId) {
        for state in self.booths.values_mut() {
            self.changed |= state.forget(who);
        }
        self.changed |= self.notices.remove(&who).is_some();
        self.forget_family_of(who);
    }

    /// Invitations to booths nobody receives in any more end.
    fn forget_family_of_closed_booths(&mut self) {
        let before = self.family.len();
        let booths = &self.booths;
        self.family.retain(|_, invite| booths.get(&invite.booth).is_some_and(|state| state.host.is_some()));
        self.changed |= before != self.family.len();
    }

    /// The counselor `host` answers `person`, who knocks or waits at their booth.
    pub fn answer(
        &mut self,
        host: ParticipantId,
        person: ParticipantId,
        answer: KnockAnswer,
        now: Instant,
    ) -> Result<(), RejectCode> {
        let booth = self.hosting(host).cloned().ok_or(RejectCode::NotAllowed)?;
        let admission = self.times.admission;
        let state = self.booths.get_mut(&booth).ok_or(RejectCode::NotAllowed)?;
        let knocked = state.knocks.iter().position(|knock| knock.caller.id == person);
        let queued = state.queue.iter().position(|caller| caller.id == person);
        let caller = match (knocked, queued) {
            (Some(index), _) => state.knocks.remove(index).caller,
            (None, Some(index)) => state.queue.remove(index),
            (None, None) => return Err(RejectCode::NoSuchCaller),
        };
        match answer {
            KnockAnswer::Admit => state.admitted.push(Admission { caller, until: Some(now + admission) }),
            // Asked again to wait, a person keeps their place.
            KnockAnswer::Wait => state.queue.insert(queued.unwrap_or(state.queue.len()), caller),
            KnockAnswer::Decline => {
                self.notices.insert(person, Ticket::Declined { booth: booth.clone() });
            }
        }
        self.changed = true;
        Ok(())
    }

    /// Time passes: unanswered knocks end, unused admissions lapse, and a counselor away past the
    /// grace period stops receiving.
    pub fn tick(&mut self, now: Instant) {
        let times = self.times;
        for (booth, state) in &mut self.booths {
            let expired: Vec<ParticipantId> = state
                .knocks
                .iter()
                .filter(|knock| now.duration_since(knock.since) >= times.knock_timeout)
                .map(|knock| knock.caller.id)
                .collect();
            for id in expired {
                state.knocks.retain(|knock| knock.caller.id != id);
                self.notices.insert(id, Ticket::TimedOut { booth: booth.clone() });
                self.changed = true;
            }
            let before = state.admitted.len();
            state.admitted.retain(|admission| admission.until.is_none_or(|until| now <= until));
            self.changed |= before != state.admitted.len();
            let away_too_long = state
                .host
                .as_ref()
                .and_then(|host| host.away_since)
                .is_some_and(|since| now.duration_since(since) >= times.host_grace);
            if away_too_long {
                state.stop_receiving(booth, &mut self.notices);
                self.changed = true;
            }
        }
        self.forget_family_of_closed_booths();
    }

    /// Whether a counselor receives someone in `booth` now (相談中).
    pub fn in_session(&self, booth: &PlaceId) -> bool {
        self.booths.get(booth).is_some_and(|state| state.state() == BoothState::InSession)
    }

    /// Every booth's door sign.
    pub fn signs(&self) -> Vec<BoothSign> {
        self.booths
            .iter()
            .map(|(booth, state)| BoothSign {
                booth: booth.clone(),
                state: state.state(),
                counselor: state
                    .host
                    .as_ref()
                    .map(|host| CounselorCard { nickname: host.nickname.clone(), title: host.title }),
            })
            .collect()
    }

    /// What `who` is shown about their knock, wait, admission or reserved time, if anything.
    pub fn ticket(&self, who: ParticipantId, unix_now: i64) -> Option<Ticket> {
        for (booth, state) in &self.booths {
            if !state.inside.contains(&who)
                && let Some(reservation) = self.reservation_for(booth, who, unix_now)
            {
                return Some(Ticket::Reserved { booth: booth.clone(), label: reservation.label.clone() });
            }
            if state.knocks.iter().any(|knock| knock.caller.id == who) {
                return Some(Ticket::Knocking { booth: booth.clone() });
            }
            if let Some(index) = state.queue.iter().position(|caller| caller.id == who) {
                // Everyone let in comes first: on their way, or with the counselor now.
                let ahead = index + state.admitted.len();
                return Some(Ticket::Waiting { booth: booth.clone(), ahead: u32::try_from(ahead).unwrap_or(u32::MAX) });
            }
            if state.admitted.iter().any(|admission| admission.caller.id == who && admission.until.is_some()) {
                return Some(Ticket::Admitted { booth: booth.clone() });
            }
        }
        if let Some(invite) = self.family.get(&who) {
            return Some(Ticket::FamilyInvite { booth: invite.booth.clone(), by: invite.from_nickname.clone() });
        }
        self.notices.get(&who).cloned()
    }

    /// The desk of the counselor `who`, if they receive somewhere.
    pub fn desk(&self, who: ParticipantId, relayed: bool, unix_now: i64) -> Option<Desk> {
        let (booth, state) = self.booths.iter().find(|(_, state)| state.host_id() == Some(who))?;
        let host = state.host.as_ref()?;
        let next = self.reservations.iter().find(|r| &r.booth == booth && r.ends_at > unix_now);
        Some(Desk {
            next_reservation: next.map(|r| {
                protocol::locale::Phrase::each(|lang| {
                    lang.fill("booth.desk.next_reservation", &[("name", &r.nickname), ("time", &r.time)])
                })
            }),
            booth: booth.clone(),
            title: host.title,
            knocks: state.knocks.iter().map(|knock| knock.caller.clone()).collect(),
            queue: state.queue.clone(),
            admitted: state.admitted.iter().map(|admission| admission.caller.clone()).collect(),
            relayed,
        })
    }
}

/// The booths as kept across a server restart (`presence::snapshot`): who receives where, the
/// knocks, queues and admissions, who is inside and the family invitations. Times are ages in
/// milliseconds. Knock notes are left out: they live in memory only.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SavedBooths {
    booths: Vec<SavedBooth>,
    family: Vec<(ParticipantId, PlaceId, ParticipantId, String)>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct SavedBooth {
    id: PlaceId,
    /// Counselor, nickname, title, away for (ms).
    host: Option<(ParticipantId, String, JobTitle, Option<u64>)>,
    /// Caller and age (ms).
    knocks: Vec<(Caller, u64)>,
    queue: Vec<Caller>,
    /// Caller and how long the door still lets them in (ms); None once inside.
    admitted: Vec<(Caller, Option<u64>)>,
    inside: Vec<ParticipantId>,
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

fn without_note(caller: &Caller) -> Caller {
    Caller { note: String::new(), ..caller.clone() }
}

impl Booths {
    /// What to keep across a restart, as of `now`.
    pub fn save(&self, now: Instant) -> SavedBooths {
        let age = |since: Instant| millis(now.saturating_duration_since(since));
        let booths = self
            .booths
            .iter()
            .map(|(id, state)| SavedBooth {
                id: id.clone(),
                host: state
                    .host
                    .as_ref()
                    .map(|host| (host.id, host.nickname.clone(), host.title, host.away_since.map(age))),
                knocks: state.knocks.iter().map(|knock| (without_note(&knock.caller), age(knock.since))).collect(),
                queue: state.queue.iter().map(without_note).collect(),
                admitted: state
                    .admitted
                    .iter()
                    .map(|a| {
                        (without_note(&a.caller), a.until.map(|until| millis(until.saturating_duration_since(now))))
                    })
                    .collect(),
                inside: state.inside.iter().copied().collect(),
            })
            .collect();
        let family = self
            .family
            .iter()
            .map(|(invited, invite)| (*invited, invite.booth.clone(), invite.from, invite.from_nickname.clone()))
            .collect();
        SavedBooths { booths, family }
    }

    /// Puts back what [`Booths::save`] kept, `downtime` later: every age grows by it. Booths no
    /// longer on the map are left out.
    pub fn restore(&mut self, saved: SavedBooths, now: Instant, downtime: Duration) {
        let at = |age: u64| now.checked_sub(Duration::from_millis(age) + downtime).unwrap_or(now);
        for booth in saved.booths {
            let Some(state) = self.booths.get_mut(&booth.id) else { continue };
            state.host =
                booth.host.map(|(id, nickname, title, away)| Host { id, nickname, title, away_since: away.map(at) });
            state.knocks = booth.knocks.into_iter().map(|(caller, age)| Knock { caller, since: at(age) }).collect();
            state.queue = booth.queue;
            state.admitted = booth
                .admitted
                .into_iter()
                .map(|(caller, left)| Admission {
                    caller,
                    until: left.map(|left| (now + Duration::from_millis(left)).checked_sub(downtime).unwrap_or(now)),
                })
                .collect();
            state.inside = booth.inside.into_iter().collect();
        }
        self.family = saved
            .family
            .into_iter()
            .filter(|(_, booth, _, _)| self.booths.contains_key(booth))
            .map(|(invited, booth, from, from_nickname)| (invited, FamilyInvite { booth, from, from_nickname }))
            .collect();
        self.changed = true;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const K: ParticipantId = ParticipantId(1);
    const A: ParticipantId = ParticipantId(2);
    const B: ParticipantId = ParticipantId(3);
    const K2: ParticipantId = ParticipantId(4);

    fn booth(n: u32) -> PlaceId {
        PlaceId(format!("booth-{n}"))
    }

    fn town() -> TownMap {
        TownMap::from_ron(include_str!("../../../assets/maps/town.ron")).expect("town map")
    }

    /// Booth 1 with counselor K receiving inside it.
    fn receiving(now: Instant) -> Booths {
        let mut booths = Booths::new(&town(), BoothTimes::default());
        assert!(booths.may_enter(&booth(1), K, Role::Counselor, now, 0), "a counselor may enter an empty booth");
        booths.entered(&booth(1), K);
        booths.open(K, "けい", Role::Counselor, Some(&booth(1)), JobTitle::ClinicalPsychologist).expect("open");
        booths
    }

    fn state(booths: &Booths, n: u32) -> BoothState {
        booths.signs().into_iter().find(|sign| sign.booth == booth(n)).map(|sign| sign.state).expect("sign")
    }

    #[test]
    fn a_booth_admits_only_its_counselor_and_the_people_let_in() {
        let now = Instant::now();
        let mut booths = receiving(now);
        assert_eq!(state(&booths, 1), BoothState::Open);
        assert!(!booths.may_enter(&booth(1), A, Role::Participant, now, 0), "a participant who did not knock");
        assert!(!booths.may_enter(&booth(1), K2, Role::Counselor, now, 0), "another counselor");
        assert!(!booths.may_enter(&booth(1), K2, Role::Staff, now, 0), "staff");
        assert!(!booths.may_enter(&booth(2), A, Role::Participant, now, 0), "a participant, into an empty booth");
        booths.knock(A, "あお", &booth(1), "はじめてです", true, now).expect("knock");
        assert!(!booths.may_enter(&booth(1), A, Role::Participant, now, 0), "knocking is not being let in");
        booths.answer(K, A, KnockAnswer::Admit, now).expect("admit");
        assert!(booths.may_enter(&booth(1), A, Role::Participant, now, 0));
        let late = now + Duration::from_secs(ADMISSION_SECS + 1);
        assert!(!booths.may_enter(&booth(1), A, Role::Participant, late, 0), "the admission lapses");
        booths.entered(&booth(1), A);
        assert_eq!(state(&booths, 1), BoothState::InSession);
        assert!(booths.may_enter(&booth(1), A, Role::Participant, late, 0), "once inside, they belong");
        booths.left(&booth(1), A, now);
        assert!(!booths.may_enter(&booth(1), A, Role::Participant, now, 0), "leaving ends it: knock again");
        assert_eq!(state(&booths, 1), BoothState::Open);
    }

    #[test]
    fn only_counselors_open_and_only_one_booth_each() {
        let now = Instant::now();
        let mut booths = receiving(now);
        let title = JobTitle::SocialWorker;
        assert_eq!(booths.open(A, "あお", Role::Participant, Some(&booth(2)), title), Err(RejectCode::NotAllowed));
        assert_eq!(booths.open(K, "けい", Role::Counselor, Some(&booth(2)), title), Err(RejectCode::AlreadyReceiving));
        assert_eq!(booths.open(K2, "けに", Role::Counselor, None, title), Err(RejectCode::WrongPlace));
        assert_eq!(booths.open(K2, "けに", Role::Counselor, Some(&booth(1)), title), Err(RejectCode::NotAllowed));
        booths.entered(&booth(2), K2);
        booths.open(K2, "けに", Role::Staff, Some(&booth(2)), title).expect("staff may receive");
        assert!(!booths.may_enter(&booth(2), K, Role::Counselor, now, 0), "a counselor does not enter another's booth");
    }

    #[test]
    fn participants_cannot_answer_knocks() {
        let now = Instant::now();
        let mut booths = receiving(now);
        booths.knock(B, "びー", &booth(1), "", true, now).expect("knock");
        assert_eq!(booths.answer(A, B, KnockAnswer::Admit, now), Err(RejectCode::NotAllowed));
        assert_eq!(booths.answer(K, A, KnockAnswer::Admit, now), Err(RejectCode::NoSuchCaller));
        assert!(!booths.may_enter(&booth(1), B, Role::Participant, now, 0));
    }

    #[test]
    fn knocks_need_the_door_a_receiving_booth_and_a_short_note() {
        let now = Instant::now();
        let mut booths = receiving(now);
        assert_eq!(booths.knock(A, "あお", &booth(1), "", false, now), Err(RejectCode::WrongPlace));
        assert_eq!(booths.knock(A, "あお", &booth(2), "", true, now), Err(RejectCode::NotReceiving));
        let long = "あ".repeat(MAX_KNOCK_NOTE_CHARS + 1);
        assert_eq!(booths.knock(A, "あお", &booth(1), &long, true, now), Err(RejectCode::NoteTooLong));
        assert_eq!(booths.knock(A, "あお", &PlaceId("hall-1".into()), "", true, now), Err(RejectCode::WrongPlace));
        assert_eq!(booths.ticket(A, 0), None, "refused knocks leave nothing");
        booths.knock(A, "あお", &booth(1), &"あ".repeat(MAX_KNOCK_NOTE_CHARS), true, now).expect("100 characters");
        assert_eq!(booths.ticket(A, 0), Some(Ticket::Knocking { booth: booth(1) }));
    }

    #[test]
    fn the_queue_keeps_order_and_counts_who_comes_first() {
        let now = Instant::now();
        let mut booths = receiving(now);
        booths.knock(A, "あお", &booth(1), "", true, now).expect("knock");
        booths.answer(K, A, KnockAnswer::Admit, now).expect("admit");
        booths.entered(&booth(1), A);
        let c = ParticipantId(9);
        booths.knock(B, "びー", &booth(1), "", true, now).expect("knock");
        booths.knock(c, "しー", &booth(1), "", true, now).expect("knock");
        booths.answer(K, B, KnockAnswer::Wait, now).expect("wait");
        booths.answer(K, c, KnockAnswer::Wait, now).expect("wait");
        assert_eq!(booths.ticket(B, 0), Some(Ticket::Waiting { booth: booth(1), ahead: 1 }), "A is with K");
        assert_eq!(booths.ticket(c, 0), Some(Ticket::Waiting { booth: booth(1), ahead: 2 }));
        booths.withdraw(B);
        assert_eq!(booths.ticket(B, 0), None, "one click leaves the queue");
        assert_eq!(booths.ticket(c, 0), Some(Ticket::Waiting { booth: booth(1), ahead: 1 }));
        booths.left(&booth(1), A, now);
        assert_eq!(booths.ticket(c, 0), Some(Ticket::Waiting { booth: booth(1), ahead: 0 }));
        let desk = booths.desk(K, true, 0).expect("desk");
        assert_eq!(desk.queue.iter().map(|caller| caller.id).collect::<Vec<_>>(), vec![c]);
        booths.answer(K, c, KnockAnswer::Admit, now).expect("called from the queue");
        assert_eq!(booths.ticket(c, 0), Some(Ticket::Admitted { booth: booth(1) }));
    }

    #[test]
    fn unanswered_knocks_time_out_politely_and_declines_are_kind_notices() {
        let now = Instant::now();
        let mut booths = receiving(now);
        booths.knock(A, "あお", &booth(1), "", true, now).expect("knock");
        booths.knock(B, "びー", &booth(1), "", true, now).expect("knock");
        booths.answer(K, B, KnockAnswer::Decline, now).expect("decline");
        assert_eq!(booths.ticket(B, 0), Some(Ticket::Declined { booth: booth(1) }));
        booths.tick(now + Duration::from_secs(KNOCK_TIMEOUT_SECS - 1));
        assert_eq!(booths.ticket(A, 0), Some(Ticket::Knocking { booth: booth(1) }));
        booths.tick(now + Duration::from_secs(KNOCK_TIMEOUT_SECS));
        assert_eq!(booths.ticket(A, 0), Some(Ticket::TimedOut { booth: booth(1) }));
        assert!(booths.desk(K, true, 0).expect("desk").knocks.is_empty());
        booths.withdraw(A);
        assert_eq!(booths.ticket(A, 0), None, "the notice is put away");
    }

    #[test]
    fn a_counselor_away_past_the_grace_period_stops_receiving() {
        let now = Instant::now();
        let mut booths = receiving(now);
        booths.knock(A, "あお", &booth(1), "", true, now).expect("knock");
        booths.left(&booth(1), K, now);
        booths.tick(now + Duration::from_secs(HOST_GRACE_SECS - 1));
        assert_eq!(state(&booths, 1), BoothState::Open, "a short step outside does not end receiving");
        booths.entered(&booth(1), K);
        booths.gone(K, now + Duration::from_secs(10));
        booths.tick(now + Duration::from_secs(10 + HOST_GRACE_SECS));
        assert_eq!(state(&booths, 1), BoothState::Preparing);
        assert_eq!(booths.ticket(A, 0), Some(Ticket::Closed { booth: booth(1) }));
        assert!(booths.desk(K, true, 0).is_none());
    }

    #[test]
    fn a_reservation_opens_the_door_at_its_time_but_never_onto_another_talk() {
        let now = Instant::now();
        let mut booths = receiving(now);
        let at = 1_000_000;
        let reservation = Reservation {
            booth: booth(1),
            person: B,
            nickname: "びー".into(),
            starts_at: at,
            ends_at: at + 50 * 60,
            label: protocol::locale::Phrase::same("11月25日（水）14:00"),
            time: "14:00".into(),
        };
        booths.set_reservations(vec![reservation]);
        let early = at - RESERVATION_EARLY_SECS - 1;
        assert!(!booths.may_enter(&booth(1), B, Role::Participant, now, early), "not yet");
        assert_eq!(booths.ticket(B, early), None);
        assert!(booths.may_enter(&booth(1), B, Role::Participant, now, at - 60), "a few minutes early is fine");
        assert!(matches!(booths.ticket(B, at), Some(Ticket::Reserved { .. })));
        let next = booths.desk(K, true, at).and_then(|desk| desk.next_reservation).expect("next reservation");
        assert_eq!((next.ja.as_str(), next.en.as_str()), ("びーさん 14:00", "びー at 14:00"));
        assert!(!booths.may_enter(&booth(1), A, Role::Participant, now, at), "only the person who booked");
        // A walk-in talk runs late: the reserved person waits outside until it ends.
        booths.knock(A, "あお", &booth(1), "", true, now).expect("knock");
        booths.answer(K, A, KnockAnswer::Admit, now).expect("admit");
        booths.entered(&booth(1), A);
        assert!(!booths.may_enter(&booth(1), B, Role::Participant, now, at));
        booths.left(&booth(1), A, now);
        assert!(booths.may_enter(&booth(1), B, Role::Participant, now, at));
        assert!(!booths.may_enter(&booth(1), B, Role::Participant, now, at + 50 * 60), "over");
    }

    #[test]
    fn family_comes_along_only_when_both_agree_and_the_counselor_lets_them_in() {
        let now = Instant::now();
        let mut booths = receiving(now);
        let f = ParticipantId(7);
        assert_eq!(booths.bring_family(A, "あお", f, 0), Err(RejectCode::NotAllowed), "A has no business with a booth");
        booths.knock(A, "あお", &booth(1), "", true, now).expect("knock");
        assert_eq!(booths.bring_family(A, "あお", A, 0), Err(RejectCode::NoSuchCaller), "not oneself");
        assert_eq!(booths.bring_family(A, "あお", K, 0), Err(RejectCode::NoSuchCaller), "not the counselor");
        booths.bring_family(A, "あお", f, 0).expect("A asks F");
        assert_eq!(booths.ticket(f, 0), Some(Ticket::FamilyInvite { booth: booth(1), by: "あお".into() }));
        assert!(booths.desk(K, true, 0).expect("desk").knocks.iter().all(|c| c.id != f), "not before F agrees");
        assert!(!booths.may_enter(&booth(1), f, Role::Participant, now, 0));
        booths.join_family(f, "えふ", now).expect("F agrees");
        let desk = booths.desk(K, true, 0).expect("desk");
        let family = desk.knocks.iter().find(|c| c.id == f).expect("F knocks as family");
        assert_eq!(family.family_of.as_deref(), Some("あお"));
        assert!(!booths.may_enter(&booth(1), f, Role::Participant, now, 0), "the counselor still decides");
        booths.answer(K, A, KnockAnswer::Admit, now).expect("admit A");
        booths.answer(K, f, KnockAnswer::Admit, now).expect("admit F");
        assert!(booths.may_enter(&booth(1), f, Role::Participant, now, 0));
        assert_eq!(booths.join_family(f, "えふ", now), Err(RejectCode::NoSuchCaller), "the invitation is used");
    }

    #[test]
    fn a_family_invitation_can_be_declined_and_ends_with_the_person_who_asked() {
        let now = Instant::now();
        let mut booths = receiving(now);
        let f = ParticipantId(7);
        booths.knock(A, "あお", &booth(1), "", true, now).expect("knock");
        booths.bring_family(A, "あお", f, 0).expect("ask");
        booths.withdraw(f);
        assert_eq!(booths.ticket(f, 0), None, "今回はやめておく");
        assert_eq!(booths.join_family(f, "えふ", now), Err(RejectCode::NoSuchCaller));
        booths.bring_family(A, "あお", f, 0).expect("ask again");
        booths.withdraw(A);
        assert_eq!(booths.ticket(f, 0), None, "A left the queue: the invitation ends");
        booths.knock(A, "あお", &booth(1), "", true, now).expect("knock");
        booths.bring_family(A, "あお", f, 0).expect("ask");
        booths.close(K).expect("close");
        assert_eq!(booths.ticket(f, 0), None, "the booth closed: the invitation ends");
    }

    #[test]
    fn a_counselor_may_invite_someone_in_directly() {
        let now = Instant::now();
        let mut booths = receiving(now);
        assert_eq!(booths.invite(A, B, "びー", now), Err(RejectCode::NotReceiving), "only a counselor receiving");
        booths.invite(K, B, "びー", now).expect("invite");
        assert_eq!(booths.ticket(B, 0), Some(Ticket::Admitted { booth: booth(1) }));
        assert!(booths.may_enter(&booth(1), B, Role::Participant, now, 0));
        booths.withdraw(B);
        assert!(!booths.may_enter(&booth(1), B, Role::Participant, now, 0), "they may say no");
    }
}
