//! Calls for help 「スタッフに声をかけてほしい」: who called, since when, and who answered. Pure
//! state with time passed in; the town shows the calls to staff and counselors only and carries
//! their answers. Nothing of it is stored (only who called, kept across a restart while they are away): a call ends when its person withdraws it, staff mark
//! it done, or the person leaves.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use protocol::locale::Phrase;
use protocol::{HelpCall, HelpStatus, MAX_HELP_REPLY_CHARS, ParticipantId, RejectCode};

struct Call {
    since: Instant,
    answered_by: Option<String>,
}

/// The calls for help waiting now.
#[derive(Default)]
pub struct HelpCalls {
    calls: BTreeMap<ParticipantId, Call>,
    /// Whether anything shown changed since the last [`HelpCalls::take_changed`].
    changed: bool,
}

impl HelpCalls {
    /// `who` asks for staff; asking again keeps the first time.
    pub fn ask(&mut self, who: ParticipantId, now: Instant) {
        self.calls.entry(who).or_insert_with(|| {
            self.changed = true;
            Call { since: now, answered_by: None }
        });
    }

    /// `who`'s call ends (withdrawn, done, or they left).
    pub fn end(&mut self, who: ParticipantId) {
        self.changed |= self.calls.remove(&who).is_some();
    }

    /// Whether `who` has a call waiting.
    pub fn has_call(&self, who: ParticipantId) -> bool {
        self.calls.contains_key(&who)
    }

    /// `by` answered `who`'s call.
    pub fn answered(&mut self, who: ParticipantId, by: &str) -> Result<(), RejectCode> {
        let call = self.calls.get_mut(&who).ok_or(RejectCode::NoSuchCaller)?;
        call.answered_by = Some(by.to_owned());
        self.changed = true;
        Ok(())
    }

    /// Where `who`'s own call stands.
    pub fn status(&self, who: ParticipantId) -> Option<HelpStatus> {
        self.calls.get(&who).map(|call| match &call.answered_by {
            Some(by) => HelpStatus::Answered { by: by.clone() },
            None => HelpStatus::Waiting,
        })
    }

    /// Every call, oldest first, with each person's nickname and place from `describe`
    /// (people it does not know are left out).
    pub fn list(&self, now: Instant, describe: impl Fn(ParticipantId) -> Option<(String, Phrase)>) -> Vec<HelpCall> {
        let mut calls: Vec<(Instant, HelpCall)> = self
            .calls
            .iter()
            .filter_map(|(id, call)| {
                let (nickname, place) = describe(*id)?;
                let minutes =
                    u32::try_from(now.saturating_duration_since(call.since).as_secs() / 60).unwrap_or(u32::MAX);
                Some((
                    call.since,
                    HelpCall { person: *id, nickname, place, minutes, answered_by: call.answered_by.clone() },
                ))
            })
            .collect();
        calls.sort_by_key(|(since, call)| (*since, call.person));
        calls.into_iter().map(|(_, call)| call).collect()
    }

    /// Whether what the calls show changed since the last call; resets the flag.
    pub fn take_changed(&mut self) -> bool {
        std::mem::take(&mut self.changed)
    }

    /// The calls as kept across a restart: who, waiting for how long (ms), answered by whom.
    pub fn save(&self, now: Instant) -> Vec<(ParticipantId, u64, Option<String>)> {
        let age = |since: Instant| u64::try_from(now.saturating_duration_since(since).as_millis()).unwrap_or(u64::MAX);
        self.calls.iter().map(|(id, call)| (*id, age(call.since), call.answered_by.clone())).collect()
    }

    /// Puts back what [`HelpCalls::save`] kept, `downtime` later.
    pub fn restore(&mut self, saved: Vec<(ParticipantId, u64, Option<String>)>, now: Instant, downtime: Duration) {
        for (id, age, answered_by) in saved {
            let since = now.checked_sub(Duration::from_millis(age) + downtime).unwrap_or(now);
            self.calls.insert(id, Call { since, answered_by });
        }
        self.changed = true;
    }
}

/// An answer's text, cleaned of control characters and trimmed; empty or too long is refused.
pub fn reply_text(text: &str) -> Result<String, RejectCode> {
    bounded_text(text, MAX_HELP_REPLY_CHARS)
}

/// A text someone sends for others to read (an answer, a line for a hall): control characters
/// removed, trimmed; empty or longer than `max` characters is refused, not cut, so the person
/// sees it was not sent.
pub fn bounded_text(text: &str, max: usize) -> Result<String, RejectCode> {
    let text: String = text.chars().filter(|c| !c.is_control()).collect::<String>().trim().to_owned();
    if text.is_empty() || text.chars().count() > max {
        return Err(RejectCode::BadText);
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    const A: ParticipantId = ParticipantId(1);
    const B: ParticipantId = ParticipantId(2);

    fn describe(id: ParticipantId) -> Option<(String, Phrase)> {
        Some((format!("person-{}", id.0), Phrase::same("ひろば")))
    }

    #[test]
    fn calls_are_listed_oldest_first_and_end_when_withdrawn() {
        let now = Instant::now();
        let mut calls = HelpCalls::default();
        calls.ask(B, now);
        calls.ask(A, now + Duration::from_secs(1));
        calls.ask(B, now + Duration::from_secs(2));
        let later = now + Duration::from_secs(125);
        let list = calls.list(later, describe);
        assert_eq!(list.iter().map(|c| c.person).collect::<Vec<_>>(), vec![B, A]);
        assert_eq!(list[0].minutes, 2, "asking again keeps the first time");
        assert_eq!(calls.status(A), Some(HelpStatus::Waiting));
        calls.answered(A, "すたっふ").expect("answer");
        assert_eq!(calls.status(A), Some(HelpStatus::Answered { by: "すたっふ".into() }));
        calls.end(A);
        assert_eq!(calls.status(A), None);
        assert_eq!(calls.answered(A, "すたっふ"), Err(RejectCode::NoSuchCaller));
        assert_eq!(calls.list(later, describe).len(), 1);
    }

    #[test]
    fn replies_must_say_something_short() {
        assert_eq!(reply_text("  \u{0007} "), Err(RejectCode::BadText));
        assert_eq!(reply_text(&"あ".repeat(MAX_HELP_REPLY_CHARS + 1)), Err(RejectCode::BadText));
        assert_eq!(reply_text(" いま行きますね\n"), Ok("いま行きますね".into()));
    }
}
