//! The gallery on the client: the videos the server lists, the showing presented to the gallery
//! we stand in, the screen we stand in front of, what we chose to watch, and from these what the
//! page should play now — nothing, a video alone at a screen (never started by itself), or the
//! gallery's showing, followed with the server's clock. The panel is in `gallery_panel.rs`; the
//! page's `<video>` in `web/gallery_video.rs`.

use bevy::prelude::*;
use protocol::{ClientMessage, GalleryRequest, PlaceKind, RejectCode, Showing, VideoId, VideoView};

use crate::locale::t;
use crate::map::{Town, to_position};
use crate::movement::LocalPlayer;
use crate::presence::{PresenceSet, ServerLink};

/// News about the gallery from the server, handed on by presence.
#[derive(Message, Debug, Clone)]
pub enum GalleryNews {
    /// The visible videos, in order.
    Videos(Vec<VideoView>),
    /// The showing of the gallery we stand in (none: nothing, or we are elsewhere).
    Showing(Option<Showing>),
    /// The server's clock: what we sent, and its clock when it answered.
    Clock {
        /// Our clock when we asked, in milliseconds.
        sent: f64,
        /// The server's clock, Unix milliseconds.
        server_ms: i64,
    },
    /// A request was refused.
    Refused(RejectCode),
}

/// Something staff ask of the gallery's showing (from the panel).
#[derive(Message, Debug, Clone, PartialEq)]
pub struct AskGallery(pub GalleryRequest);

/// The gallery's visible videos, in order.
#[derive(Resource, Debug, Default, Clone, PartialEq)]
pub struct Videos(pub Vec<VideoView>);

impl Videos {
    /// A video by its id.
    pub fn get(&self, id: VideoId) -> Option<&VideoView> {
        self.0.iter().find(|video| video.id == id)
    }

    /// The video a screen shows until someone chooses another: the screens take the videos in
    /// the catalog's order.
    pub fn for_screen(&self, screen: u32) -> Option<&VideoView> {
        (!self.0.is_empty()).then(|| &self.0[screen as usize % self.0.len()])
    }
}

/// The showing of the gallery we stand in.
#[derive(Resource, Debug, Default, Clone, PartialEq)]
pub struct GalleryShowing(pub Option<Showing>);

/// How far the server's clock is ahead of ours, from the answers with the shortest round trip.
#[derive(Resource, Debug, Default, Clone, Copy, PartialEq)]
pub struct ServerClock {
    /// Server minus ours, in milliseconds (none: not measured yet).
    pub offset_ms: Option<f64>,
    /// The round trip of the sample it came from, in milliseconds.
    pub round_trip_ms: f64,
    /// Samples taken.
    pub samples: u32,
}

impl ServerClock {
    /// Takes an answer: asked at `sent`, answered at `received` (our clock), `server_ms` then.
    /// A sample with a shorter round trip is nearer the truth and replaces the one kept.
    pub fn add(&mut self, sent: f64, received: f64, server_ms: i64) {
        let round_trip = (received - sent).max(0.0);
        self.samples += 1;
        if self.offset_ms.is_none() || round_trip <= self.round_trip_ms {
            self.offset_ms = Some(server_ms as f64 - (sent + round_trip / 2.0));
            self.round_trip_ms = round_trip;
        }
    }

    /// The server's clock when ours reads `ours`, if measured.
    pub fn server_time(&self, ours: f64) -> Option<f64> {
        self.offset_ms.map(|offset| ours + offset)
    }
}

/// Where we stand in the gallery and what we chose there.
#[derive(Resource, Debug, Default, Clone, PartialEq)]
pub struct GallerySpot {
    /// We stand in a gallery.
    pub inside: bool,
    /// The screen we stand in front of.
    pub screen: Option<u32>,
    /// The video we chose to watch at this screen (none: the screen's own).
    pub chosen: Option<VideoId>,
    /// We stepped out of the showing to watch alone.
    pub stepped_out: bool,
}

/// What the page plays now.
#[derive(Resource, Debug, Default, Clone, PartialEq)]
pub enum Playback {
    /// Nothing: the panel is closed.
    #[default]
    Nothing,
    /// A video at a screen, for ourselves: it starts when we press play.
    Alone(VideoView),
    /// The gallery's showing, followed.
    Together(Showing, VideoView),
}

/// Why the last gallery request was refused, while the panel says so.
#[derive(Resource, Debug, Default, Clone, PartialEq)]
pub struct GalleryRefusal(pub Option<&'static str>);

/// What to tell staff whose gallery request was refused (Japanese).
fn refusal(code: RejectCode) -> Option<&'static str> {
    Some(match code {
        RejectCode::NoSuchVideo => t("gallery.refused.no_video"),
        RejectCode::NotAtScreen => t("gallery.refused.not_at_screen"),
        RejectCode::BadControl => t("gallery.refused.bad_control"),
        _ => return None,
    })
}

/// What the page should play, from where we stand, what we chose and the showing.
pub fn playback(videos: &Videos, spot: &GallerySpot, showing: Option<&Showing>) -> Playback {
    if !spot.inside {
        return Playback::Nothing;
    }
    if let Some(showing) = showing
        && let Some(video) = videos.get(showing.video)
    {
        if !spot.stepped_out {
            return Playback::Together(showing.clone(), video.clone());
        }
        // Stepped out: the same video (or another one chosen), for ourselves.
        let chosen = spot.chosen.and_then(|id| videos.get(id)).unwrap_or(video);
        return Playback::Alone(chosen.clone());
    }
    let Some(screen) = spot.screen else { return Playback::Nothing };
    let video = spot.chosen.and_then(|id| videos.get(id)).or_else(|| videos.for_screen(screen));
    video.map_or(Playback::Nothing, |video| Playback::Alone(video.clone()))
}

/// The gallery's logic (runs headless).
pub(super) fn plugin(app: &mut App) {
    app.init_resource::<Videos>()
        .init_resource::<GalleryShowing>()
        .init_resource::<ServerClock>()
        .init_resource::<GallerySpot>()
        .init_resource::<Playback>()
        .init_resource::<GalleryRefusal>()
        .add_message::<GalleryNews>()
        .add_message::<AskGallery>()
        .add_systems(
            Update,
            (apply_gallery_news, follow_spot, decide_playback)
                .chain()
                .after(PresenceSet)
                .run_if(resource_exists::<Town>),
        )
        .add_systems(Update, send_gallery_requests.run_if(resource_exists::<ServerLink>));
}

fn apply_gallery_news(
    mut news: MessageReader<GalleryNews>,
    mut videos: ResMut<Videos>,
    mut showing: ResMut<GalleryShowing>,
    mut clock: ResMut<ServerClock>,
    mut refused: ResMut<GalleryRefusal>,
    mut spot: ResMut<GallerySpot>,
) {
    for item in news.read() {
        match item {
            GalleryNews::Videos(list) => videos.0 = list.clone(),
            GalleryNews::Showing(new) => {
                // A new showing (not a change of the one we stepped out of) takes us back in.
                let another =
                    new.as_ref().map(|s| (s.video, s.presenter)) != showing.0.as_ref().map(|s| (s.video, s.presenter));
                if another {
                    spot.stepped_out = false;
                }
                showing.0 = new.clone();
                refused.0 = None;
            }
            GalleryNews::Clock { sent, server_ms } => clock.add(*sent, wall_clock_ms(), *server_ms),
            GalleryNews::Refused(code) => {
                if let Some(text) = refusal(*code) {
                    refused.0 = Some(text);
                }
            }
        }
    }
}

/// Follows where we stand: leaving the gallery or our screen forgets what we chose there.
fn follow_spot(town: Res<Town>, me: Query<&Transform, With<LocalPlayer>>, mut spot: ResMut<GallerySpot>) {
    let Ok(transform) = me.single() else { return };
    let at = to_position(transform.translation.truncate());
    let inside = town.0.place_at(at).is_some_and(|place| place.kind == PlaceKind::Gallery);
    let screen = if inside { town.0.screen_at(at) } else { None };
    let mut wanted = spot.clone();
    if screen != spot.screen {
        wanted.chosen = None;
    }
    if !inside {
        wanted.stepped_out = false;
    }
    wanted.inside = inside;
    wanted.screen = screen;
    if *spot != wanted {
        *spot = wanted;
    }
}

fn decide_playback(
    videos: Res<Videos>,
    spot: Res<GallerySpot>,
    showing: Res<GalleryShowing>,
    mut shown: ResMut<Playback>,
) {
    let wanted = playback(&videos, &spot, showing.0.as_ref());
    if *shown != wanted {
        *shown = wanted;
    }
}

fn send_gallery_requests(mut asks: MessageReader<AskGallery>, link: Res<ServerLink>) {
    for AskGallery(request) in asks.read() {
        let _ = link.outgoing.try_send(ClientMessage::Gallery { request: request.clone() });
    }
}

/// Our own clock, in milliseconds (the page's `Date.now()` in the browser).
pub fn wall_clock_ms() -> f64 {
    #[cfg(target_arch = "wasm32")]
    {
        js_sys::Date::now()
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0.0, |d| d.as_secs_f64() * 1000.0)
    }
}

#[cfg(test)]
mod tests {
    use protocol::{ParticipantId, PlaceId};

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

    fn showing(video: i64) -> Showing {
        Showing {
            gallery: PlaceId("gallery".into()),
            screen: 0,
            video: VideoId(video),
            presenter: ParticipantId(1),
            playing: true,
            position_ms: 0,
            rate: 1.0,
            set_at_ms: 0,
        }
    }

    #[test]
    fn the_clock_keeps_the_answer_with_the_shortest_round_trip() {
        let mut clock = ServerClock::default();
        clock.add(1_000.0, 1_200.0, 5_000);
        assert_eq!(clock.offset_ms, Some(3_900.0));
        clock.add(2_000.0, 2_020.0, 6_000);
        assert_eq!(clock.offset_ms, Some(3_990.0), "a shorter round trip wins");
        clock.add(3_000.0, 3_500.0, 9_000);
        assert_eq!(clock.offset_ms, Some(3_990.0), "a longer one does not");
        assert_eq!(clock.server_time(10.0), Some(4_000.0));
    }

    #[test]
    fn a_screen_plays_for_us_and_the_showing_for_everyone_inside() {
        let videos = Videos(vec![video(1), video(2), video(3)]);
        let at = |screen: Option<u32>| GallerySpot { inside: true, screen, ..GallerySpot::default() };
        assert_eq!(playback(&videos, &at(None), None), Playback::Nothing, "away from the screens");
        assert_eq!(playback(&videos, &at(Some(1)), None), Playback::Alone(video(2)));
        let chosen = GallerySpot { chosen: Some(VideoId(3)), ..at(Some(1)) };
        assert_eq!(playback(&videos, &chosen, None), Playback::Alone(video(3)));
        let presented = showing(1);
        assert_eq!(playback(&videos, &at(None), Some(&presented)), Playback::Together(presented.clone(), video(1)));
        let out = GallerySpot { stepped_out: true, ..at(Some(1)) };
        assert_eq!(playback(&videos, &out, Some(&presented)), Playback::Alone(video(1)), "stepped out: alone");
        let outside = GallerySpot::default();
        assert_eq!(playback(&videos, &outside, Some(&presented)), Playback::Nothing);
        assert_eq!(playback(&Videos::default(), &at(Some(0)), None), Playback::Nothing, "no videos yet");
    }
}
