//! The town's side of the gallery: the visible videos go to everyone, requests about a showing
//! go to the gallery's rules (`places::gallery`), and each person in a gallery is kept shown
//! its showing (nobody outside is sent anything of it). The server's clock answers viewers who
//! follow a showing.

use protocol::{GalleryRequest, ParticipantId, PlaceKind, RejectCode, ServerMessage, VideoView};

use super::{Town, send};
use crate::store::now_ms;

impl Town {
    /// The gallery's visible videos, in order (staff changed the catalog).
    pub fn set_videos(&mut self, videos: Vec<VideoView>) {
        if self.galleries.set_videos(videos) {
            self.broadcast(ServerMessage::Videos { videos: self.galleries.videos().to_vec() });
            self.follow_galleries();
        }
    }

    /// The visible videos, as a newcomer is sent them.
    pub(super) fn videos_message(&self) -> ServerMessage {
        ServerMessage::Videos { videos: self.galleries.videos().to_vec() }
    }

    /// A request about the showing in the gallery `from` stands in.
    pub(super) fn handle_gallery(&mut self, from: ParticipantId, request: GalleryRequest) -> Result<(), RejectCode> {
        let person = self.people.get(&from).map(|present| present.person.clone()).ok_or(RejectCode::UnknownPeer)?;
        let gallery = person
            .place
            .clone()
            .filter(|place| self.map.place(place).is_some_and(|place| place.kind == PlaceKind::Gallery))
            .ok_or(RejectCode::WrongPlace)?;
        let screen = self.map.screen_at(person.position);
        self.galleries.handle(&gallery, from, person.role, screen, request, now_ms())?;
        self.follow_galleries();
        Ok(())
    }

    /// Answers a viewer's clock question with the server's clock.
    pub(super) fn tell_clock(&self, from: ParticipantId, sent: f64) -> Result<(), RejectCode> {
        let present = self.people.get(&from).ok_or(RejectCode::UnknownPeer)?;
        if !sent.is_finite() {
            return Err(RejectCode::Malformed);
        }
        send(&present.outbox, ServerMessage::Clock { sent, server_ms: now_ms() });
        Ok(())
    }

    /// Sends a person coming back the showing of the gallery they stand in, or that there is
    /// none: what changed while they were away was not sent.
    pub(super) fn resend_showing(&mut self, id: ParticipantId) {
        let Some(present) = self.people.get_mut(&id) else { return };
        let showing = present.person.place.as_ref().and_then(|place| self.galleries.showing(place)).cloned();
        present.showing = showing.clone();
        send(&present.outbox, ServerMessage::Showing { showing });
    }

    /// Sends each person the showing of the gallery they stand in (or none) when it differs
    /// from what they were last sent; ends showings played to their end first.
    pub(super) fn follow_galleries(&mut self) {
        self.galleries.tick(now_ms());
        for present in self.people.values_mut() {
            let wanted = present.person.place.as_ref().and_then(|place| self.galleries.showing(place));
            if present.showing.as_ref() != wanted {
                present.showing = wanted.cloned();
                send(&present.outbox, ServerMessage::Showing { showing: present.showing.clone() });
            }
        }
    }
}
