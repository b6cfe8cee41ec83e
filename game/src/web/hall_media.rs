//! The browser's connections to the SFU for the hall we stand in (wasm32 only): while it is our
//! turn (or we are on the stage) one `RTCPeerConnection` publishes our microphone's track, the
//! same one the mesh uses, so self-mute and a change of microphone apply here too (with our
//! camera's, on カメラも, shown to the hall as a tile beside the town); another
//! publishes our shared screen (`getDisplayMedia`) while we share it; and one receives each
//! feed the SFU offers: voices played at full volume, a shared screen shown large over the town
//! (`#hall-screen`, with a full-screen button). Offers and answers carry their candidates (no
//! trickle), so they go through the server in one message each. The browser's own 「共有を
//! 停止」 ends our share like our button does. In 「音楽モード」 the stage publishes a microphone
//! track of its own, without echo cancellation, noise suppression or auto gain, in stereo, and
//! both its offer and the SFU's answer carry the music Opus settings (`places::hall::music_sdp`).
//!
//! `window.__ibashoHall` maps feed ids to their connections and `__ibashoHallPublication` is
//! ours, for the browser tests' `getStats()`.

use std::cell::RefCell;
use std::collections::HashMap;

use std::cell::Cell;

use bevy::prelude::*;
use protocol::{ClientMessage, FeedId, FeedKind, HallRequest, ParticipantId};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::{JsFuture, spawn_local};
use web_sys::{
    HtmlAudioElement, HtmlElement, HtmlVideoElement, MediaStream, MediaStreamTrack, RtcPeerConnection,
    RtcRtpTransceiverDirection, RtcRtpTransceiverInit, RtcSdpType, RtcTrackEvent,
};

use super::media::{camera_track, create, description, document, microphone_track, play, rtc_configuration, sdp_of};
use crate::avatar::Avatar;
use crate::devices::DeviceChoice;
use crate::locale::tf;
use crate::places::hall::{HallMedia, MusicMode, PublishToHall, ShareScreen, music_sdp};
use crate::presence::{IceServers, People, ServerLink};
use crate::voice::SelfMuted;

/// Longest wait for a connection's candidates before its offer or answer goes anyway (ms).
const GATHER_TIMEOUT_MS: i32 = 3_000;

struct Feed {
    pc: RtcPeerConnection,
    kind: FeedKind,
    audio: HtmlAudioElement,
    /// The tile showing the camera that came with a voice.
    tile: HtmlElement,
    _on_track: Closure<dyn FnMut(JsValue)>,
}

struct Publication {
    pc: RtcPeerConnection,
    track: MediaStreamTrack,
    /// The camera sent with the voice, if any.
    camera: Option<String>,
    /// Sent with the music settings.
    music: bool,
}

struct HallConnections {
    publications: HashMap<FeedKind, Publication>,
    feeds: HashMap<FeedId, Feed>,
    /// Whose screen `#hall-screen` shows.
    screen_of: Option<String>,
    /// How loud the voices from the hall play (softer while our table talks).
    stage_volume: f64,
}

impl Default for HallConnections {
    fn default() -> Self {
        HallConnections { publications: HashMap::new(), feeds: HashMap::new(), screen_of: None, stage_volume: 1.0 }
    }
}

thread_local! {
    static HALL: RefCell<HallConnections> = RefCell::new(HallConnections::default());
    /// A screen was asked for and not yet given (or refused).
    static SCREEN_ASKED: Cell<bool> = const { Cell::new(false) };
    /// Our share ended outside the game (the browser's stop button, or the screen was refused).
    static SCREEN_ENDED: Cell<bool> = const { Cell::new(false) };
    /// The music-mode microphone track, once the browser gave it.
    static MUSIC_TRACK: RefCell<Option<MediaStreamTrack>> = const { RefCell::new(None) };
    /// A music-mode microphone was asked for and not yet given.
    static MUSIC_ASKED: Cell<bool> = const { Cell::new(false) };
}

pub fn plugin(app: &mut App) {
    app.add_systems(Startup, offer_full_screen);
    app.add_systems(
        Update,
        (follow_publishing, follow_screen_share, apply_hall_media, apply_stage_volume)
            .run_if(resource_exists::<ServerLink>),
    );
}

/// The hall's voices play at the stage volume (softer at a table while it talks).
fn apply_stage_volume(volume: Res<crate::places::tables::StageVolume>) {
    if !volume.is_changed() {
        return;
    }
    HALL.with(|hall| {
        let mut hall = hall.borrow_mut();
        hall.stage_volume = f64::from(volume.0);
        for feed in hall.feeds.values() {
            feed.audio.set_volume(f64::from(volume.0));
        }
    });
}

/// 「全画面で見る」 enlarges the shared screen (a DOM button: the browser wants a real click).
fn offer_full_screen() {
    let Some(document) = document() else { return };
    let (Some(button), Some(video)) =
        (document.get_element_by_id("hall-screen-full"), document.get_element_by_id("hall-screen-video"))
    else {
        return;
    };
    let on_click = Closure::<dyn FnMut()>::new(move || {
        let _ = video.request_fullscreen();
    });
    let _ = button.add_event_listener_with_callback("click", on_click.as_ref().unchecked_ref());
    on_click.forget();
}

/// Whose shared screen the page shows now, if any (for the test snapshot).
pub fn screen_shown() -> Option<String> {
    HALL.with(|hall| hall.borrow().screen_of.clone())
}

fn publication_track(kind: FeedKind) -> Option<String> {
    HALL.with(|hall| hall.borrow().publications.get(&kind).map(|p| p.track.id()))
}

fn publication_camera() -> Option<String> {
    HALL.with(|hall| hall.borrow().publications.get(&FeedKind::Voice).and_then(|p| p.camera.clone()))
}

/// Starts or stops our publication as the rules say, and keeps it on the current microphone
/// (the music one in music mode).
fn follow_publishing(
    publish: Res<PublishToHall>,
    music: Res<MusicMode>,
    muted: Res<SelfMuted>,
    choice: Res<DeviceChoice>,
    link: Res<ServerLink>,
    ice: Option<Res<IceServers>>,
) {
    let music_track = follow_music_track(music.0 && publish.0, &choice);
    if let Some(track) = &music_track {
        track.set_enabled(!muted.0);
    }
    let track = match (publish.0, music.0) {
        (false, _) => None,
        (true, true) => music_track,
        (true, false) => microphone_track(),
    };
    let camera = track.as_ref().and_then(|_| camera_track());
    let same_camera = camera.as_ref().map(MediaStreamTrack::id) == publication_camera();
    match (track, publication_track(FeedKind::Voice)) {
        (None, None) => {}
        (None, Some(_)) => stop_publication(FeedKind::Voice),
        (Some(track), Some(id)) if track.id() == id && same_camera => {}
        (Some(track), _) => {
            stop_publication(FeedKind::Voice);
            let ice_servers = ice.map(|ice| ice.0.clone()).unwrap_or_default();
            let setup = (FeedKind::Voice, music.0);
            let tracks = (track, camera);
            if let Err(error) = start_publication(setup, tracks, &ice_servers, link.outgoing.clone()) {
                warn!("cannot publish to the hall: {error:?}");
            }
        }
    }
}

/// The music-mode microphone while it is wanted: asked for once, stopped when no longer wanted.
fn follow_music_track(wanted: bool, choice: &DeviceChoice) -> Option<MediaStreamTrack> {
    if !wanted {
        if let Some(track) = MUSIC_TRACK.with(|slot| slot.borrow_mut().take()) {
            track.stop();
        }
        return None;
    }
    let current = MUSIC_TRACK.with(|slot| slot.borrow().clone());
    if current.is_none() && !MUSIC_ASKED.with(|asked| asked.replace(true)) {
        let microphone = choice.microphone.clone();
        spawn_local(async move {
            match music_microphone(microphone).await {
                Ok(track) => MUSIC_TRACK.with(|slot| *slot.borrow_mut() = Some(track)),
                Err(error) => warn!("no microphone for music mode: {error:?}"),
            }
            MUSIC_ASKED.with(|asked| asked.set(false));
        });
    }
    current
}

/// The microphone as a musician wants it: nothing taken out, nothing levelled, two channels.
async fn music_microphone(microphone: Option<String>) -> Result<MediaStreamTrack, JsValue> {
    let devices = web_sys::window().ok_or("no window")?.navigator().media_devices()?;
    let audio = js_sys::Object::new();
    for key in ["echoCancellation", "noiseSuppression", "autoGainControl"] {
        js_sys::Reflect::set(&audio, &key.into(), &JsValue::FALSE)?;
    }
    js_sys::Reflect::set(&audio, &"channelCount".into(), &JsValue::from_f64(2.0))?;
    if let Some(id) = microphone {
        let exact = js_sys::Object::new();
        js_sys::Reflect::set(&exact, &"exact".into(), &JsValue::from_str(&id))?;
        js_sys::Reflect::set(&audio, &"deviceId".into(), &exact)?;
    }
    let constraints = web_sys::MediaStreamConstraints::new();
    constraints.set_audio(&audio);
    constraints.set_video(&JsValue::FALSE);
    let stream: MediaStream =
        JsFuture::from(devices.get_user_media_with_constraints(&constraints)?).await?.dyn_into()?;
    stream.get_audio_tracks().get(0).dyn_into()
}

/// Asks the browser for a screen when the person wants to share, publishes it, and ends the
/// publication (telling the server) when they stop, their turn ends or the browser stops it.
fn follow_screen_share(mut share: ResMut<ShareScreen>, link: Res<ServerLink>, ice: Option<Res<IceServers>>) {
    if SCREEN_ENDED.with(|ended| ended.replace(false)) && share.0 {
        share.0 = false;
    }
    let sharing = publication_track(FeedKind::Screen).is_some();
    let asked = SCREEN_ASKED.with(Cell::get);
    if share.0 && !sharing && !asked {
        SCREEN_ASKED.with(|asked| asked.set(true));
        let ice_servers = ice.map(|ice| ice.0.clone()).unwrap_or_default();
        let outgoing = link.outgoing.clone();
        spawn_local(async move {
            match display_track().await {
                Ok(track) => {
                    let setup = (FeedKind::Screen, false);
                    if let Err(error) = start_publication(setup, (track, None), &ice_servers, outgoing) {
                        warn!("cannot share the screen: {error:?}");
                        SCREEN_ENDED.with(|ended| ended.set(true));
                    }
                }
                Err(error) => {
                    warn!("no screen to share: {error:?}");
                    SCREEN_ENDED.with(|ended| ended.set(true));
                }
            }
            SCREEN_ASKED.with(|asked| asked.set(false));
        });
    } else if !share.0 && sharing {
        stop_publication(FeedKind::Screen);
        let request = HallRequest::Unpublish { media: FeedKind::Screen };
        let _ = link.outgoing.try_send(ClientMessage::Hall { request });
    }
}

/// A screen or window from the browser's picker; its stop button ends our share.
async fn display_track() -> Result<MediaStreamTrack, JsValue> {
    let devices = web_sys::window().ok_or("no window")?.navigator().media_devices()?;
    let stream: MediaStream = JsFuture::from(devices.get_display_media()?).await?.dyn_into()?;
    let track: MediaStreamTrack = stream.get_video_tracks().get(0).dyn_into()?;
    let on_ended = Closure::<dyn FnMut()>::new(|| SCREEN_ENDED.with(|ended| ended.set(true)));
    track.add_event_listener_with_callback("ended", on_ended.as_ref().unchecked_ref())?;
    on_ended.forget();
    Ok(track)
}

fn apply_hall_media(
    mut media: MessageReader<HallMedia>,
    link: Res<ServerLink>,
    ice: Option<Res<IceServers>>,
    people: Res<People>,
    avatars: Query<&Avatar>,
) {
    for item in media.read() {
        match item.clone() {
            HallMedia::Answer(kind, sdp) => {
                let publication =
                    HALL.with(|hall| hall.borrow().publications.get(&kind).map(|p| (p.pc.clone(), p.music)));
                let Some((pc, music)) = publication else { continue };
                spawn_local(async move {
                    let sdp = if music { music_sdp(&sdp) } else { sdp };
                    let answer = description(RtcSdpType::Answer, &sdp);
                    if let Err(error) = JsFuture::from(pc.set_remote_description(&answer)).await {
                        warn!("the SFU's answer did not apply: {error:?}");
                    }
                });
            }
            HallMedia::Offer { feed, person, kind, sdp } => {
                let ice_servers = ice.as_ref().map(|ice| ice.0.clone()).unwrap_or_default();
                let nickname = people
                    .0
                    .get(&person)
                    .and_then(|entity| avatars.get(*entity).ok())
                    .map_or_else(String::new, |avatar| avatar.nickname.clone());
                let whose = Whose { person, nickname, kind };
                if let Err(error) = receive_feed(feed, whose, &sdp, &ice_servers, link.outgoing.clone()) {
                    warn!("cannot receive a hall feed: {error:?}");
                }
            }
            HallMedia::End(feed) => end_feed(feed),
            HallMedia::PublishAgain => {
                let ice_servers = ice.as_ref().map(|ice| ice.0.clone()).unwrap_or_default();
                publish_again(&ice_servers, link.outgoing.clone());
            }
        }
    }
}

fn publication_name(kind: FeedKind) -> &'static str {
    match kind {
        FeedKind::Voice => "__ibashoHallPublication",
        FeedKind::Screen => "__ibashoHallScreen",
    }
}

fn start_publication(
    (kind, music): (FeedKind, bool),
    (track, camera): (MediaStreamTrack, Option<MediaStreamTrack>),
    ice_servers: &[protocol::IceServer],
    outgoing: async_channel::Sender<ClientMessage>,
) -> Result<(), JsValue> {
    let pc = RtcPeerConnection::new_with_configuration(&rtc_configuration(ice_servers, false))?;
    let init = RtcRtpTransceiverInit::new();
    init.set_direction(RtcRtpTransceiverDirection::Sendonly);
    pc.add_transceiver_with_media_stream_track_and_init(&track, &init);
    if let Some(camera) = &camera {
        pc.add_transceiver_with_media_stream_track_and_init(camera, &init);
    }
    expose(publication_name(kind), None, Some(&pc));
    let camera = camera.map(|camera| camera.id());
    HALL.with(|hall| hall.borrow_mut().publications.insert(kind, Publication { pc: pc.clone(), track, camera, music }));
    spawn_local(async move {
        let offered = async {
            let offer = sdp_of(&JsFuture::from(pc.create_offer()).await?);
            let offer = if music { music_sdp(&offer) } else { offer };
            JsFuture::from(pc.set_local_description(&description(RtcSdpType::Offer, &offer))).await?;
            let sdp = gathered_sdp(&pc).await;
            let _ = outgoing.try_send(ClientMessage::Hall { request: HallRequest::Publish { sdp, media: kind } });
            Ok::<_, JsValue>(())
        };
        if let Err(error) = offered.await {
            warn!("cannot offer to the hall: {error:?}");
        }
    });
    Ok(())
}

/// The server started anew, its SFU rooms with it: what we published is gone. Our voice is
/// offered again by `follow_publishing` (its publication is dropped here); our shared screen
/// is offered again at once with the same track, so the browser asks nothing again.
fn publish_again(ice_servers: &[protocol::IceServer], outgoing: async_channel::Sender<ClientMessage>) {
    let old: Vec<(FeedKind, Publication)> = HALL.with(|hall| hall.borrow_mut().publications.drain().collect());
    for (kind, publication) in old {
        publication.pc.close();
        expose(publication_name(kind), None, None);
        if kind == FeedKind::Screen
            && let Err(error) =
                start_publication((kind, false), (publication.track, None), ice_servers, outgoing.clone())
        {
            warn!("cannot share the screen again: {error:?}");
            SCREEN_ENDED.with(|ended| ended.set(true));
        }
    }
}

fn stop_publication(kind: FeedKind) {
    if let Some(publication) = HALL.with(|hall| hall.borrow_mut().publications.remove(&kind)) {
        publication.pc.close();
        if kind == FeedKind::Screen {
            publication.track.stop();
        }
        expose(publication_name(kind), None, None);
    }
}

/// Whose a feed is, and what it carries.
struct Whose {
    person: ParticipantId,
    nickname: String,
    kind: FeedKind,
}

/// Shows a shared screen in `#hall-screen` (or hides it with `None`).
fn show_screen(shown: Option<(&MediaStream, &str)>) {
    let Some(document) = document() else { return };
    let (Some(frame), Some(video), Some(who)) = (
        document.get_element_by_id("hall-screen").and_then(|e| e.dyn_into::<HtmlElement>().ok()),
        document.get_element_by_id("hall-screen-video").and_then(|e| e.dyn_into::<HtmlVideoElement>().ok()),
        document.get_element_by_id("hall-screen-who"),
    ) else {
        return;
    };
    match shown {
        Some((stream, nickname)) => {
            video.set_src_object(Some(stream));
            play(&video);
            who.set_text_content(Some(&tf("hall.screen_of", &[("name", &nickname)])));
            frame.set_hidden(false);
        }
        None => {
            video.set_src_object(None);
            frame.set_hidden(true);
        }
    }
    HALL.with(|hall| hall.borrow_mut().screen_of = shown.map(|(_, nickname)| nickname.to_owned()));
}

fn receive_feed(
    feed: FeedId,
    whose: Whose,
    offer: &str,
    ice_servers: &[protocol::IceServer],
    outgoing: async_channel::Sender<ClientMessage>,
) -> Result<(), JsValue> {
    end_feed(feed);
    let Whose { person, nickname, kind } = whose;
    let pc = RtcPeerConnection::new_with_configuration(&rtc_configuration(ice_servers, false))?;
    let audio: HtmlAudioElement = create("audio").ok_or("no audio element")?;
    audio.set_autoplay(true);
    audio.set_volume(HALL.with(|hall| hall.borrow().stage_volume));
    let _ = audio.set_attribute("data-hall-feed", &feed.0.to_string());
    let _ = audio.set_attribute("data-person", &person.0.to_string());
    if let Some(strip) = document().and_then(|d| d.get_element_by_id("camera-strip")) {
        strip.append_child(&audio)?;
    }
    // A camera that comes with a voice is a tile beside the town, like a nearby person's.
    let tile: HtmlElement = create("figure").ok_or("no figure")?;
    tile.set_class_name("camera-tile");
    tile.set_hidden(true);
    let _ = tile.set_attribute("data-hall-feed", &feed.0.to_string());
    let video: HtmlVideoElement = create("video").ok_or("no video")?;
    video.set_autoplay(true);
    video.set_muted(true);
    let _ = video.set_attribute("playsinline", "");
    let caption: HtmlElement = create("figcaption").ok_or("no figcaption")?;
    caption.set_text_content(Some(&tf("hall.on_stage_caption", &[("name", &nickname)])));
    tile.append_child(&video)?;
    tile.append_child(&caption)?;
    if let Some(strip) = document().and_then(|d| d.get_element_by_id("camera-strip")) {
        strip.append_child(&tile)?;
    }
    let (element, shown_tile) = (audio.clone(), tile.clone());
    let on_track = Closure::<dyn FnMut(JsValue)>::new(move |event: JsValue| {
        let track = event.unchecked_into::<RtcTrackEvent>().track();
        let Ok(stream) = MediaStream::new_with_tracks(&js_sys::Array::of1(&track)) else { return };
        if track.kind() == "video" && kind == FeedKind::Screen {
            show_screen(Some((&stream, &nickname)));
        } else if track.kind() == "video" {
            video.set_src_object(Some(&stream));
            play(&video);
            shown_tile.set_hidden(false);
        } else {
            element.set_src_object(Some(&stream));
            play(&element);
        }
    });
    pc.set_ontrack(Some(on_track.as_ref().unchecked_ref()));
    expose("__ibashoHall", Some(feed), Some(&pc));
    let entry = Feed { pc: pc.clone(), kind, audio, tile, _on_track: on_track };
    HALL.with(|hall| hall.borrow_mut().feeds.insert(feed, entry));
    let offer = offer.to_owned();
    spawn_local(async move {
        let answered = async {
            JsFuture::from(pc.set_remote_description(&description(RtcSdpType::Offer, &offer))).await?;
            let answer = JsFuture::from(pc.create_answer()).await?;
            JsFuture::from(pc.set_local_description(&description(RtcSdpType::Answer, &sdp_of(&answer)))).await?;
            let sdp = gathered_sdp(&pc).await;
            let _ = outgoing.try_send(ClientMessage::Hall { request: HallRequest::Receive { feed, sdp } });
            Ok::<_, JsValue>(())
        };
        if let Err(error) = answered.await {
            warn!("cannot answer a hall feed: {error:?}");
        }
    });
    Ok(())
}

fn end_feed(feed: FeedId) {
    if let Some(ended) = HALL.with(|hall| hall.borrow_mut().feeds.remove(&feed)) {
        ended.pc.close();
        ended.audio.remove();
        ended.tile.remove();
        if ended.kind == FeedKind::Screen {
            show_screen(None);
        }
        expose("__ibashoHall", Some(feed), None);
    }
}

/// Our side's SDP with all its candidates (or those gathered within [`GATHER_TIMEOUT_MS`]).
async fn gathered_sdp(pc: &RtcPeerConnection) -> String {
    gathered(pc).await;
    pc.local_description().map(|d| d.sdp()).unwrap_or_default()
}

/// Resolves once the connection has all its candidates, or after [`GATHER_TIMEOUT_MS`].
async fn gathered(pc: &RtcPeerConnection) {
    let state = |pc: &RtcPeerConnection| {
        js_sys::Reflect::get(pc, &"iceGatheringState".into()).ok().and_then(|s| s.as_string()).unwrap_or_default()
    };
    if state(pc) == "complete" {
        return;
    }
    let pc = pc.clone();
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        let watched = pc.clone();
        let done = resolve.clone();
        let on_change = Closure::<dyn FnMut(JsValue)>::new(move |_| {
            if state(&watched) == "complete" {
                let _ = done.call0(&JsValue::NULL);
            }
        });
        let _ = pc.add_event_listener_with_callback("icegatheringstatechange", on_change.as_ref().unchecked_ref());
        on_change.forget();
        if let Some(window) = web_sys::window() {
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, GATHER_TIMEOUT_MS);
        }
    });
    let _ = JsFuture::from(promise).await;
}

/// Puts a connection on `window` for the tests' `getStats()` (none removes it).
fn expose(name: &str, feed: Option<FeedId>, pc: Option<&RtcPeerConnection>) {
    let Some(window) = web_sys::window() else { return };
    let value: JsValue = pc.map_or(JsValue::UNDEFINED, |pc| pc.clone().into());
    match feed {
        None => {
            let _ = js_sys::Reflect::set(&window, &name.into(), &value);
        }
        Some(feed) => {
            let map = js_sys::Reflect::get(&window, &name.into()).ok().filter(|m| m.is_object()).unwrap_or_else(|| {
                let map: JsValue = js_sys::Object::new().into();
                let _ = js_sys::Reflect::set(&window, &name.into(), &map);
                map
            });
            let key = JsValue::from_str(&feed.0.to_string());
            if pc.is_some() {
                let _ = js_sys::Reflect::set(&map, &key, &value);
            } else {
                let _ = js_sys::Reflect::delete_property(map.unchecked_ref::<js_sys::Object>(), &key);
            }
        }
    }
}
