//! The town and the open hours (`crate::open_hours` works them out): everyone is told the
//! hours, and gently 15 and 5 minutes before closing; once closed, participants are thanked
//! and leave, except someone in a counseling session, who leaves when it ends. Staff,
//! counselors and facilitators stay.

use protocol::{CLOSING_NOTICE_MINUTES, CloseCode, HoursView, ParticipantId, ServerMessage};

use super::{Present, Town, send};

/// The hours as the town last heard them.
#[derive(Debug, Default)]
pub(crate) struct TownHours {
    view: HoursView,
    /// The closing notices already sent for the current opening's end.
    noticed: Vec<(i64, u32)>,
}

impl TownHours {
    /// No hours until told them.
    pub(crate) fn new() -> TownHours {
        TownHours { view: HoursView::default(), noticed: Vec::new() }
    }

    /// The hours everyone is sent.
    pub(crate) fn view(&self) -> &HoursView {
        &self.view
    }
}

impl Town {
    /// The hours now, `open` or not, at the clock `unix_now`: sent to everyone when they
    /// changed; the closing notices when their minute comes; participants leave once closed.
    pub fn set_hours(&mut self, view: HoursView, open: bool, unix_now: i64) {
        if view != self.hours.view {
            self.hours.view = view;
            self.broadcast(ServerMessage::Hours { hours: self.hours.view.clone() });
        }
        if let Some(closes_at) = self.hours.view.closes_at {
            for minutes in CLOSING_NOTICE_MINUTES {
                let due = closes_at - i64::from(minutes) * 60;
                let key = (closes_at, minutes);
                // A notice comes once, and only while it still says something true.
                if unix_now >= due && unix_now < closes_at && !self.hours.noticed.contains(&key) {
                    self.hours.noticed.push(key);
                    let at = crate::city_time::city_time(closes_at);
                    self.broadcast(ServerMessage::ClosingSoon { minutes, at });
                }
            }
            self.hours.noticed.retain(|(at, _)| *at == closes_at);
        }
        if !open {
            self.send_participants_home();
        }
    }

    /// Closed: participants are thanked and leave, except those in a counseling session.
    pub(super) fn send_participants_home(&mut self) {
        let leaving: Vec<ParticipantId> = self
            .people
            .values()
            .filter(|present| !crate::open_hours::presence_any_time(present.person.role) && !self.in_session(present))
            .map(|present| present.person.id)
            .collect();
        for id in leaving {
            if let Some(present) = self.people.get(&id) {
                send(&present.outbox, ServerMessage::Closing { code: CloseCode::OutsideHours });
            }
            tracing::info!(account = id.0, "outside open hours: left the town");
            self.remove(id);
        }
    }

    /// Whether this page of `id` may come back outside the open hours: it is the page of a
    /// person kept in a counseling session while its connection dropped (a session is never
    /// cut by the hours, nor by a network's hiccup after them).
    pub fn resumes_counseling(&self, id: ParticipantId, session_id: i64, page: Option<uuid::Uuid>) -> bool {
        self.people.get(&id).is_some_and(|present| {
            page.is_some() && present.page == page && present.session_id == session_id && self.in_session(present)
        })
    }

    /// Whether a person is in a booth where a counselor receives them.
    fn in_session(&self, present: &Present) -> bool {
        self.booth_of(&present.person).is_some_and(|booth| self.booths.in_session(booth))
    }
}
