//! The gallery's video in the page (`#gallery-screen`): a DOM `<video>` with the video's poster
//! and Japanese captions, its own volume and a full-screen button. Watched alone, it has the
//! browser's own controls and starts only when the person presses play. During a showing it
//! follows the server's state with the measured clock offset: small drifts are taken up by
//! playing a little faster or slower for a moment, large ones (a late arrival, a stall) by
//! seeking. When the browser refuses to start it with sound, 「▶ 再生する」 is shown instead.

use std::cell::RefCell;

use bevy::prelude::*;
use protocol::{ClientMessage, Showing, VideoId, VideoView};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::{JsFuture, spawn_local};
use web_sys::{HtmlElement, HtmlInputElement, HtmlVideoElement};

use super::media::{create, document};
use crate::places::gallery::{Playback, ServerClock, wall_clock_ms};
use crate::presence::ServerLink;

/// Drift (seconds) above which the video seeks rather than changes speed.
const SEEK_ABOVE_SECS: f64 = 0.5;
/// Drift (seconds) below which nothing is corrected.
const CLOSE_ENOUGH_SECS: f64 = 0.03;
/// At most this much faster or slower while catching up (a tenth).
const MAX_NUDGE: f64 = 0.1;
/// Clock questions asked quickly when a showing starts, then one every `CLOCK_EVERY_MS`.
const QUICK_CLOCK_SAMPLES: u32 = 5;
const CLOCK_EVERY_MS: f64 = 10_000.0;

/// What the page's video element is doing, between frames.
#[derive(Default)]
struct GalleryVideo {
    /// The video loaded in the element.
    loaded: Option<VideoId>,
    /// The browser refused to start it with sound: waiting for 「▶ 再生する」.
    blocked: bool,
    /// A `play()` not yet settled.
    starting: bool,
}

thread_local! {
    static VIDEO: RefCell<GalleryVideo> = RefCell::default();
}

/// What the page shows of the gallery's video, for the test snapshot.
#[derive(Debug, Clone, serde::Serialize)]
pub struct GalleryFigures {
    /// The video loaded.
    pub loaded: Option<i64>,
    /// Waiting for 「▶ 再生する」.
    pub blocked: bool,
    /// The element's position, in seconds.
    pub current_time: f64,
    /// Whether the element is paused.
    pub paused: bool,
    /// Its playback rate now.
    pub rate: f64,
}

/// The figures of the gallery's video now.
pub fn figures() -> GalleryFigures {
    let (loaded, blocked) = VIDEO.with(|state| {
        let state = state.borrow();
        (state.loaded.map(|id| id.0), state.blocked)
    });
    let element = video_element();
    GalleryFigures {
        loaded,
        blocked,
        current_time: element.as_ref().map_or(0.0, |video| video.current_time()),
        paused: element.as_ref().is_none_or(|video| video.paused()),
        rate: element.as_ref().map_or(1.0, |video| video.playback_rate()),
    }
}

pub(super) fn plugin(app: &mut App) {
    app.add_systems(Startup, wire_buttons)
        .add_systems(Update, (ask_the_clock, follow_playback).run_if(resource_exists::<ServerLink>));
}

fn video_element() -> Option<HtmlVideoElement> {
    document()?.get_element_by_id("gallery-video")?.dyn_into().ok()
}

fn element(id: &str) -> Option<HtmlElement> {
    document()?.get_element_by_id(id)?.dyn_into().ok()
}

/// The figure's own buttons: full screen, 「▶ 再生する」 and the volume (DOM: the browser wants
/// a real click to go full screen or start sound).
fn wire_buttons() {
    let (Some(video), Some(full), Some(play_button), Some(volume)) = (
        video_element(),
        element("gallery-full"),
        element("gallery-play"),
        document()
            .and_then(|d| d.get_element_by_id("gallery-volume"))
            .and_then(|e| e.dyn_into::<HtmlInputElement>().ok()),
    ) else {
        return;
    };
    let target = video.clone();
    let on_full = Closure::<dyn FnMut()>::new(move || {
        let _ = target.request_fullscreen();
    });
    let _ = full.add_event_listener_with_callback("click", on_full.as_ref().unchecked_ref());
    on_full.forget();
    let target = video.clone();
    let on_play = Closure::<dyn FnMut()>::new(move || {
        VIDEO.with(|state| state.borrow_mut().blocked = false);
        start(&target);
    });
    let _ = play_button.add_event_listener_with_callback("click", on_play.as_ref().unchecked_ref());
    on_play.forget();
    let input = volume.clone();
    let on_volume = Closure::<dyn FnMut()>::new(move || {
        if let Ok(level) = input.value().parse::<f64>() {
            video.set_volume(level.clamp(0.0, 1.0));
        }
    });
    let _ = volume.add_event_listener_with_callback("input", on_volume.as_ref().unchecked_ref());
    on_volume.forget();
}

/// Starts the video; a refusal (no sound before the person chooses) shows 「▶ 再生する」.
fn start(video: &HtmlVideoElement) {
    let Ok(promise) = video.play() else { return };
    VIDEO.with(|state| state.borrow_mut().starting = true);
    spawn_local(async move {
        let refused = JsFuture::from(promise).await.is_err_and(|error| {
            error.dyn_ref::<web_sys::DomException>().is_some_and(|error| error.name() == "NotAllowedError")
        });
        VIDEO.with(|state| {
            let mut state = state.borrow_mut();
            state.starting = false;
            state.blocked |= refused;
        });
    });
}

/// Asks the server's clock while a showing is followed: a few times at once, then now and then.
fn ask_the_clock(playback: Res<Playback>, clock: Res<ServerClock>, link: Res<ServerLink>, mut last_asked: Local<f64>) {
    if !matches!(*playback, Playback::Together(..)) {
        return;
    }
    let now = wall_clock_ms();
    let every = if clock.samples < QUICK_CLOCK_SAMPLES { 250.0 } else { CLOCK_EVERY_MS };
    if now - *last_asked >= every {
        *last_asked = now;
        let _ = link.outgoing.try_send(ClientMessage::Clock { sent: now });
    }
}

/// Shows, loads and steers the page's video as the gallery wants it.
fn follow_playback(playback: Res<Playback>, clock: Res<ServerClock>) {
    let (Some(video), Some(frame)) = (video_element(), element("gallery-screen")) else { return };
    let play_button = element("gallery-play");
    let blocked = VIDEO.with(|state| state.borrow().blocked);
    if let Some(button) = &play_button {
        let show = blocked && matches!(*playback, Playback::Together(..));
        if button.hidden() == show {
            button.set_hidden(!show);
        }
    }
    match &*playback {
        Playback::Nothing => {
            if !frame.hidden() {
                frame.set_hidden(true);
                let _ = video.pause();
                let _ = video.remove_attribute("src");
                video.load();
                VIDEO.with(|state| *state.borrow_mut() = GalleryVideo::default());
            }
        }
        Playback::Alone(shown) => {
            load(&video, shown);
            frame.set_hidden(false);
            if !video.controls() {
                video.set_controls(true);
                video.set_playback_rate(1.0);
            }
        }
        Playback::Together(showing, shown) => {
            load(&video, shown);
            frame.set_hidden(false);
            if video.controls() {
                video.set_controls(false);
            }
            if let Some(server_now) = clock.server_time(wall_clock_ms()) {
                steer(&video, showing, shown, server_now, blocked);
            }
        }
    }
}

/// Puts `shown` in the element (its poster, captions and title) unless it is there already.
fn load(video: &HtmlVideoElement, shown: &VideoView) {
    if VIDEO.with(|state| state.borrow().loaded) == Some(shown.id) {
        return;
    }
    VIDEO.with(|state| *state.borrow_mut() = GalleryVideo { loaded: Some(shown.id), ..GalleryVideo::default() });
    while let Some(child) = video.first_element_child() {
        child.remove();
    }
    video.set_poster(&shown.poster_src());
    video.set_src(&shown.src());
    if let Some(captions) = shown.captions_src()
        && let Some(track) = create::<web_sys::HtmlTrackElement>("track")
    {
        track.set_kind("captions");
        track.set_srclang("ja");
        track.set_label(protocol::locale::Lang::Ja.own_name());
        track.set_src(&captions);
        track.set_default(true);
        let _ = video.append_child(&track);
    }
    if let Some(title) = document().and_then(|d| d.get_element_by_id("gallery-title")) {
        title.set_text_content(Some(&shown.title));
    }
}

/// Keeps the element on the showing: paused where it is paused, and while it plays within
/// [`CLOSE_ENOUGH_SECS`] by speed, or by a seek past [`SEEK_ABOVE_SECS`].
fn steer(video: &HtmlVideoElement, showing: &Showing, shown: &VideoView, server_now: f64, blocked: bool) {
    let duration = shown.duration_ms as f64 / 1000.0;
    let expected = showing.position_at(server_now).clamp(0.0, duration);
    let at_end = expected >= duration - 0.05;
    let drift = video.current_time() - expected;
    if video.seeking() {
        return;
    }
    if !showing.playing || at_end {
        if !video.paused() {
            let _ = video.pause();
        }
        if drift.abs() > CLOSE_ENOUGH_SECS {
            video.set_current_time(expected);
        }
        return;
    }
    if drift.abs() > SEEK_ABOVE_SECS {
        video.set_current_time(expected);
        video.set_playback_rate(showing.rate);
    } else {
        let nudge = if drift.abs() > CLOSE_ENOUGH_SECS { (drift * 0.5).clamp(-MAX_NUDGE, MAX_NUDGE) } else { 0.0 };
        let rate = showing.rate * (1.0 - nudge);
        if (video.playback_rate() - rate).abs() > 1e-3 {
            video.set_playback_rate(rate);
        }
    }
    let starting = VIDEO.with(|state| state.borrow().starting);
    if video.paused() && !blocked && !starting {
        start(video);
    }
}
