//! The gallery's rules: the visible videos, and the one showing each gallery may have
//! (「みんなで見る」). Only staff present and control a showing, only from in front of a screen
//! for a new one; a showing whose video is hidden or deleted ends, and so does one played to
//! its end.

use std::collections::BTreeMap;

use protocol::{
    GalleryRequest, MAX_SHOWING_RATE, MIN_SHOWING_RATE, ParticipantId, PlaceId, RejectCode, Role, Showing, VideoView,
};

/// A showing played past its end is ended this long after, in milliseconds.
const ENDED_AFTER_MS: f64 = 5_000.0;

/// The galleries' videos and showings.
#[derive(Debug, Default)]
pub struct Galleries {
    videos: Vec<VideoView>,
    showings: BTreeMap<PlaceId, Showing>,
}

impl Galleries {
    /// The visible videos, in order.
    pub fn videos(&self) -> &[VideoView] {
        &self.videos
    }

    /// Replaces the visible videos; showings of videos no longer among them end. Returns
    /// whether the list changed.
    pub fn set_videos(&mut self, videos: Vec<VideoView>) -> bool {
        if videos == self.videos {
            return false;
        }
        self.showings.retain(|_, showing| videos.iter().any(|video| video.id == showing.video));
        self.videos = videos;
        true
    }

    /// What a gallery is showing now.
    pub fn showing(&self, gallery: &PlaceId) -> Option<&Showing> {
        self.showings.get(gallery)
    }

    /// A request of `from` (with `role`, standing in `gallery` in front of `screen`) at the
    /// server's clock `now_ms`.
    pub fn handle(
        &mut self,
        gallery: &PlaceId,
        from: ParticipantId,
        role: Role,
        screen: Option<u32>,
        request: GalleryRequest,
        now_ms: i64,
    ) -> Result<(), RejectCode> {
        if !crate::gallery::manages(role) {
            return Err(RejectCode::NotAllowed);
        }
        match request {
            GalleryRequest::Present { screen: at, video } => {
                if screen != Some(at) {
                    return Err(RejectCode::NotAtScreen);
                }
                if !self.videos.iter().any(|known| known.id == video) {
                    return Err(RejectCode::NoSuchVideo);
                }
                let showing = Showing {
                    gallery: gallery.clone(),
                    screen: at,
                    video,
                    presenter: from,
                    playing: true,
                    position_ms: 0,
                    rate: 1.0,
                    set_at_ms: now_ms,
                };
                self.showings.insert(gallery.clone(), showing);
                Ok(())
            }
            GalleryRequest::Control { playing, position_ms, rate } => {
                let showing = self.showings.get_mut(gallery).ok_or(RejectCode::BadControl)?;
                let duration =
                    self.videos.iter().find(|video| video.id == showing.video).map(|video| video.duration_ms);
                let fits = duration.is_some_and(|duration| position_ms <= duration);
                if !fits || !rate.is_finite() || !(MIN_SHOWING_RATE..=MAX_SHOWING_RATE).contains(&rate) {
                    return Err(RejectCode::BadControl);
                }
                *showing = Showing { playing, position_ms, rate, set_at_ms: now_ms, ..showing.clone() };
                Ok(())
            }
            GalleryRequest::Stop => self.showings.remove(gallery).map(|_| ()).ok_or(RejectCode::BadControl),
        }
    }

    /// Ends showings played to their end; returns whether any ended.
    pub fn tick(&mut self, now_ms: i64) -> bool {
        let before = self.showings.len();
        let videos = &self.videos;
        self.showings.retain(|_, showing| {
            let duration = videos.iter().find(|video| video.id == showing.video).map_or(0, |video| video.duration_ms);
            showing.position_at(now_ms as f64) * 1000.0 <= duration as f64 + ENDED_AFTER_MS
        });
        self.showings.len() != before
    }
}

#[cfg(test)]
mod tests {
    use protocol::VideoId;

    use super::*;

    fn video(id: i64) -> VideoView {
        VideoView {
            id: VideoId(id),
            title: format!("動画{id}"),
            description: String::new(),
            program: None,
            duration_ms: 60_000,
            captions: false,
        }
    }

    fn gallery() -> (Galleries, PlaceId) {
        let mut galleries = Galleries::default();
        galleries.set_videos(vec![video(1), video(2)]);
        (galleries, PlaceId("gallery".into()))
    }

    const STAFF: ParticipantId = ParticipantId(1);

    #[test]
    fn staff_present_from_a_screen_and_control_the_showing() {
        let (mut galleries, place) = gallery();
        let present = GalleryRequest::Present { screen: 0, video: VideoId(1) };
        assert_eq!(
            galleries.handle(&place, STAFF, Role::Staff, None, present.clone(), 0),
            Err(RejectCode::NotAtScreen)
        );
        assert_eq!(
            galleries.handle(&place, STAFF, Role::Staff, Some(1), present.clone(), 0),
            Err(RejectCode::NotAtScreen)
        );
        galleries.handle(&place, STAFF, Role::Staff, Some(0), present, 1_000).expect("presented");
        let showing = galleries.showing(&place).expect("showing").clone();
        assert!(showing.playing && showing.position_ms == 0 && showing.set_at_ms == 1_000);
        let pause = GalleryRequest::Control { playing: false, position_ms: 12_000, rate: 1.0 };
        galleries.handle(&place, STAFF, Role::Staff, None, pause, 13_000).expect("paused from anywhere inside");
        assert_eq!(galleries.showing(&place).expect("showing").position_at(99_000.0), 12.0);
        for bad in [
            GalleryRequest::Control { playing: true, position_ms: 61_000, rate: 1.0 },
            GalleryRequest::Control { playing: true, position_ms: 0, rate: 4.0 },
            GalleryRequest::Control { playing: true, position_ms: 0, rate: f64::NAN },
        ] {
            assert_eq!(galleries.handle(&place, STAFF, Role::Staff, None, bad, 0), Err(RejectCode::BadControl));
        }
        assert_eq!(galleries.showing(&place).expect("unchanged").position_ms, 12_000);
        let missing = GalleryRequest::Present { screen: 0, video: VideoId(9) };
        assert_eq!(galleries.handle(&place, STAFF, Role::Staff, Some(0), missing, 0), Err(RejectCode::NoSuchVideo));
        galleries.handle(&place, STAFF, Role::Staff, None, GalleryRequest::Stop, 0).expect("stopped");
        assert_eq!(
            galleries.handle(&place, STAFF, Role::Staff, None, GalleryRequest::Stop, 0),
            Err(RejectCode::BadControl)
        );
    }

    #[test]
    fn nobody_but_staff_controls_a_showing() {
        let (mut galleries, place) = gallery();
        let present = GalleryRequest::Present { screen: 0, video: VideoId(1) };
        galleries.handle(&place, STAFF, Role::Staff, Some(0), present.clone(), 0).expect("presented");
        for role in [Role::Participant, Role::Facilitator, Role::Counselor] {
            for request in [
                present.clone(),
                GalleryRequest::Stop,
                GalleryRequest::Control { playing: false, position_ms: 0, rate: 1.0 },
            ] {
                assert_eq!(
                    galleries.handle(&place, ParticipantId(5), role, Some(0), request, 0),
                    Err(RejectCode::NotAllowed)
                );
            }
        }
        assert!(galleries.showing(&place).expect("still showing").playing);
    }

    #[test]
    fn a_showing_ends_with_its_video_or_at_its_end() {
        let (mut galleries, place) = gallery();
        let present = GalleryRequest::Present { screen: 0, video: VideoId(2) };
        galleries.handle(&place, STAFF, Role::Staff, Some(0), present.clone(), 0).expect("presented");
        assert!(!galleries.tick(60_000));
        assert!(galleries.tick(66_000), "ended a little after the video's end");
        galleries.handle(&place, STAFF, Role::Staff, Some(0), present, 0).expect("presented again");
        assert!(galleries.set_videos(vec![video(1)]));
        assert!(galleries.showing(&place).is_none(), "a hidden video's showing ends");
    }
}
