//! The gallery: the program videos staff upload, the screens on its walls, and a showing staff
//! present to everyone in the gallery at once (「みんなで見る」), held by the server and followed
//! by each viewer's clock.

use serde::{Deserialize, Serialize};

use crate::{ParticipantId, PlaceId};

/// Longest video title, in characters.
pub const MAX_VIDEO_TITLE_CHARS: usize = 60;
/// Longest video description, in characters.
pub const MAX_VIDEO_DESCRIPTION_CHARS: usize = 400;
/// Slowest speed a showing may play at.
pub const MIN_SHOWING_RATE: f64 = 0.5;
/// Fastest speed a showing may play at.
pub const MAX_SHOWING_RATE: f64 = 2.0;
/// How far a viewer may drift from a showing before the client corrects it, in seconds.
pub const SHOWING_TOLERANCE_SECS: f64 = 0.3;

/// A video in the catalog.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct VideoId(pub i64);

/// One video, as the town shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VideoView {
    /// Its id.
    pub id: VideoId,
    /// Title.
    pub title: String,
    /// A short description.
    pub description: String,
    /// The program it introduces, if any (its title).
    pub program: Option<String>,
    /// Length in milliseconds.
    pub duration_ms: u64,
    /// Whether it has Japanese captions (WebVTT).
    pub captions: bool,
}

impl VideoView {
    /// Where the video is served (signed-in people only, with range requests).
    pub fn src(&self) -> String {
        format!("/media/videos/{}", self.id.0)
    }

    /// Where its poster image is served.
    pub fn poster_src(&self) -> String {
        format!("/media/videos/{}/poster", self.id.0)
    }

    /// Where its captions are served, if it has them.
    pub fn captions_src(&self) -> Option<String> {
        self.captions.then(|| format!("/media/videos/{}/captions", self.id.0))
    }
}

/// A showing presented to everyone in a gallery: the state the server holds, which each viewer
/// turns into a position with its measured clock offset.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Showing {
    /// The gallery it plays in.
    pub gallery: PlaceId,
    /// The screen it was presented at (index into the place's screens).
    pub screen: u32,
    /// The video.
    pub video: VideoId,
    /// Who presented it.
    pub presenter: ParticipantId,
    /// Playing or paused.
    pub playing: bool,
    /// Position at `set_at_ms`, in milliseconds.
    pub position_ms: u64,
    /// Speed (1.0 is normal).
    pub rate: f64,
    /// Server time the state was set, Unix milliseconds.
    pub set_at_ms: i64,
}

impl Showing {
    /// The position the showing is at when the server's clock reads `server_ms`, in seconds.
    pub fn position_at(&self, server_ms: f64) -> f64 {
        let since = if self.playing { (server_ms - self.set_at_ms as f64).max(0.0) } else { 0.0 };
        (self.position_ms as f64 + since * self.rate) / 1000.0
    }
}

/// What staff ask of a showing in the gallery they stand in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum GalleryRequest {
    /// 「みんなで見る」: presents a video at the screen one stands at, from its start, playing.
    Present {
        /// The screen.
        screen: u32,
        /// The video.
        video: VideoId,
    },
    /// Plays, pauses, seeks or changes speed (the whole new state).
    Control {
        /// Playing or paused.
        playing: bool,
        /// Position, in milliseconds.
        position_ms: u64,
        /// Speed, from [`MIN_SHOWING_RATE`] to [`MAX_SHOWING_RATE`].
        rate: f64,
    },
    /// Ends the showing.
    Stop,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_showing_moves_with_the_clock_only_while_playing() {
        let showing = Showing {
            gallery: PlaceId("gallery".into()),
            screen: 0,
            video: VideoId(1),
            presenter: ParticipantId(1),
            playing: true,
            position_ms: 10_000,
            rate: 1.5,
            set_at_ms: 1_000_000,
        };
        assert_eq!(showing.position_at(1_002_000.0), 13.0);
        assert_eq!(showing.position_at(999_000.0), 10.0, "never before it was set");
        assert_eq!(Showing { playing: false, ..showing }.position_at(1_002_000.0), 10.0);
    }
}
