//! Voice and camera between introduced peers (wasm32 only): one `RTCPeerConnection` per peer,
//! created through web-sys and negotiated over the matchbox reliable channel (perfect
//! negotiation: the side that makes the matchbox offer is impolite). Everything here runs on
//! browser events, not on Bevy frames, so audio keeps flowing in a hidden tab; Bevy only sets
//! volumes and what is sent, from the voice rules.
//!
//! The microphone and camera are asked for only when the person picks 声で参加 or カメラも, and
//! released when they step back. Peers out of hearing get `replaceTrack(null)`: nothing is sent.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

use crate::locale::{t, tf};
use protocol::ice::relay_candidate;
use protocol::{IceServer, MediaSignal, ParticipantId, Participation, PeerId, PeerMessage};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::{JsFuture, spawn_local};
use web_sys::{
    DomException, HtmlAudioElement, HtmlElement, HtmlVideoElement, MediaStream, MediaStreamConstraints,
    MediaStreamTrack, RtcConfiguration, RtcIceServer, RtcIceTransportPolicy, RtcPeerConnection,
    RtcPeerConnectionIceEvent, RtcPeerConnectionState, RtcRtpSender, RtcRtpTransceiver, RtcRtpTransceiverDirection,
    RtcRtpTransceiverInit, RtcSdpType, RtcSessionDescriptionInit, RtcSignalingState, RtcTrackEvent,
};

/// How often the stats of every connection are read (milliseconds).
const STATS_INTERVAL_MS: i32 = 500;
/// Signals kept per link before its connection opens (an offer and its candidates).
const MAX_EARLY_SIGNALS: usize = 64;
/// How long a new connection may take to connect before the person is told, in milliseconds.
/// One that never gets going (no answer, no usable address) reports no failure of its own.
const CONNECT_TIMEOUT_MS: i32 = 20_000;
/// An inbound audio level above this counts as speaking.
pub const SPEAKING_LEVEL: f64 = 0.02;

/// What the media layer tells Bevy.
#[derive(Debug, Clone)]
pub enum MediaEvent {
    /// The devices for this step are on.
    DevicesReady(Participation),
    /// They could not be had (Japanese message).
    DevicesFailed(String),
    /// The connection to this person failed (Japanese message).
    ConnectionFailed(ParticipantId),
    /// The devices the browser offers.
    Devices(crate::devices::Devices),
}

/// Figures read from `getStats()` for one peer.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct PeerFigures {
    /// Inbound audio bytes so far.
    pub audio_bytes_received: f64,
    /// Inbound audio level (0 to 1): the louder of the latest and the mean since the last reading.
    pub audio_level: f64,
    /// Inbound audio energy so far (`totalAudioEnergy`).
    pub audio_energy: f64,
    /// Inbound audio seconds so far (`totalSamplesDuration`).
    pub audio_seconds: f64,
    /// Outbound audio bytes so far.
    pub audio_bytes_sent: f64,
    /// Video frames decoded so far.
    pub video_frames_decoded: f64,
    /// The connection's state.
    pub connection: String,
}

struct MediaPeer {
    link: PeerId,
    person: ParticipantId,
    pc: RtcPeerConnection,
    polite: bool,
    making_offer: Cell<bool>,
    ignore_offer: Cell<bool>,
    audio: HtmlAudioElement,
    tile: HtmlElement,
    /// The mix last applied; an unchanged mix is skipped. Cleared when the local tracks, the
    /// negotiated transceivers or the connection's state change, or a `replaceTrack` fails, so
    /// the next mix applies again.
    applied: Cell<Option<PeerMix>>,
    signals: async_channel::Sender<MediaSignal>,
    figures: RefCell<PeerFigures>,
    /// Event handlers, kept alive as long as the connection.
    _handlers: Vec<Closure<dyn FnMut(JsValue)>>,
}

struct Hub {
    to_peers: async_channel::Sender<(PeerId, PeerMessage)>,
    events: async_channel::Sender<MediaEvent>,
    local: Option<MediaStream>,
    self_muted: bool,
    peers: HashMap<PeerId, Rc<MediaPeer>>,
    /// Signals that arrived before their connection was opened here (the other side can be
    /// a frame ahead); handed over when it opens.
    early: HashMap<PeerId, Vec<MediaSignal>>,
    /// Chosen speaker (`setSinkId`), if not the default.
    speaker: Option<String>,
    /// Measures the microphone's level while it is on.
    analyser: Option<(web_sys::AudioContext, web_sys::AnalyserNode)>,
}

thread_local! {
    static HUB: RefCell<Option<Hub>> = const { RefCell::new(None) };
}

fn with_hub<R>(f: impl FnOnce(&mut Hub) -> R) -> Option<R> {
    HUB.with(|hub| hub.borrow_mut().as_mut().map(f))
}

/// Starts the media layer: signals for peers go to `to_peers`, news for Bevy to `events`.
pub fn start(to_peers: async_channel::Sender<(PeerId, PeerMessage)>, events: async_channel::Sender<MediaEvent>) {
    HUB.with(|hub| {
        *hub.borrow_mut() = Some(Hub {
            to_peers,
            events,
            local: None,
            self_muted: false,
            peers: HashMap::new(),
            early: HashMap::new(),
            speaker: None,
            analyser: None,
        })
    });
    let poll = Closure::<dyn FnMut()>::new(|| spawn_local(read_stats()));
    if let Some(window) = web_sys::window() {
        let _ = window
            .set_interval_with_callback_and_timeout_and_arguments_0(poll.as_ref().unchecked_ref(), STATS_INTERVAL_MS);
    }
    poll.forget();
}

pub(super) fn document() -> Option<web_sys::Document> {
    web_sys::window()?.document()
}

pub(super) fn create<T: JsCast>(tag: &str) -> Option<T> {
    document()?.create_element(tag).ok()?.dyn_into().ok()
}

/// How a new media connection is made.
pub struct PeerSetup<'a> {
    /// Who is behind the link.
    pub person: ParticipantId,
    /// Their nickname, for their camera tile.
    pub nickname: &'a str,
    /// Whether we make the offer (the impolite side).
    pub offerer: bool,
    /// A booth link: only through the TURN relay, so no address of ours reaches them.
    pub relay_only: bool,
    /// The TURN relays the server gave us.
    pub ice_servers: &'a [IceServer],
}

pub(super) fn rtc_configuration(ice_servers: &[IceServer], relay_only: bool) -> RtcConfiguration {
    let config = RtcConfiguration::new();
    let servers = js_sys::Array::new();
    // Loopback and LAN need no ICE server; the TURN relay is for booths.
    for server in ice_servers {
        let entry = RtcIceServer::new();
        let urls = js_sys::Array::new();
        for url in &server.urls {
            urls.push(&JsValue::from_str(url));
        }
        entry.set_urls(&urls);
        entry.set_username(&server.username);
        entry.set_credential(&server.credential);
        servers.push(&entry);
    }
    config.set_ice_servers(&servers);
    if relay_only {
        config.set_ice_transport_policy(RtcIceTransportPolicy::Relay);
    }
    config
}

/// Opens the media connection with a newly introduced peer.
pub fn open_peer(link: PeerId, setup: PeerSetup) -> Result<(), JsValue> {
    if with_hub(|hub| hub.peers.contains_key(&link)).unwrap_or(true) {
        return Ok(());
    }
    let PeerSetup { person, nickname, offerer, relay_only, ice_servers } = setup;
    let config = rtc_configuration(ice_servers, relay_only);
    let pc = RtcPeerConnection::new_with_configuration(&config)?;
    let audio: HtmlAudioElement = create("audio").ok_or("no audio element")?;
    audio.set_autoplay(true);
    audio.set_volume(0.0);
    // Whose voice it plays, for tests and for reading the page.
    let _ = audio.set_attribute("data-person", &person.0.to_string());
    if let Some(Some(speaker)) = with_hub(|hub| hub.speaker.clone()) {
        set_sink(&audio, &speaker);
    }
    let tile: HtmlElement = create("figure").ok_or("no figure")?;
    tile.set_class_name("camera-tile");
    tile.set_hidden(true);
    let video: HtmlVideoElement = create("video").ok_or("no video")?;
    video.set_autoplay(true);
    video.set_muted(true);
    let _ = video.set_attribute("playsinline", "");
    let caption: HtmlElement = create("figcaption").ok_or("no figcaption")?;
    caption.set_text_content(Some(nickname));
    tile.append_child(&video)?;
    tile.append_child(&caption)?;
    if let Some(strip) = document().and_then(|d| d.get_element_by_id("camera-strip")) {
        strip.append_child(&tile)?;
        strip.append_child(&audio)?;
    }

    let (signals, signal_queue) = async_channel::unbounded();
    let mut handlers: Vec<Closure<dyn FnMut(JsValue)>> = Vec::new();
    let on_candidate = Closure::<dyn FnMut(JsValue)>::new(move |event: JsValue| {
        let Some(candidate) = event.unchecked_into::<RtcPeerConnectionIceEvent>().candidate() else { return };
        let init = candidate.to_json();
        if relay_only {
            // Only relay candidates, without our own address in them, go to a booth peer.
            let Some(line) = relay_candidate(&candidate.candidate()) else { return };
            let _ = js_sys::Reflect::set(&init, &"candidate".into(), &JsValue::from_str(&line));
        }
        if let Ok(json) = js_sys::JSON::stringify(&init) {
            send_signal(link, MediaSignal::Candidate { json: json.into() });
        }
    });
    pc.set_onicecandidate(Some(on_candidate.as_ref().unchecked_ref()));
    handlers.push(on_candidate);

    let (audio_for_track, video_for_track) = (audio.clone(), video.clone());
    let on_track = Closure::<dyn FnMut(JsValue)>::new(move |event: JsValue| {
        let track = event.unchecked_into::<RtcTrackEvent>().track();
        let Ok(stream) = MediaStream::new_with_tracks(&js_sys::Array::of1(&track)) else { return };
        let element: &web_sys::HtmlMediaElement =
            if track.kind() == "audio" { &audio_for_track } else { &video_for_track };
        element.set_src_object(Some(&stream));
        play(element);
    });
    pc.set_ontrack(Some(on_track.as_ref().unchecked_ref()));
    handlers.push(on_track);

    let pc_for_state = pc.clone();
    let on_state = Closure::<dyn FnMut(JsValue)>::new(move |_| {
        // Whatever changed, the next frame checks the senders against the mix again.
        if let Some(peer) = peer(link) {
            peer.applied.set(None);
        }
        if pc_for_state.connection_state() == RtcPeerConnectionState::Failed {
            with_hub(|hub| hub.events.try_send(MediaEvent::ConnectionFailed(person)));
        }
    });
    pc.set_onconnectionstatechange(Some(on_state.as_ref().unchecked_ref()));
    handlers.push(on_state);
    report_if_never_connected(&pc, person);

    if offerer {
        let on_negotiation = Closure::<dyn FnMut(JsValue)>::new(move |_| spawn_local(make_offer(link)));
        pc.set_onnegotiationneeded(Some(on_negotiation.as_ref().unchecked_ref()));
        handlers.push(on_negotiation);
    }

    let peer = Rc::new(MediaPeer {
        link,
        person,
        pc: pc.clone(),
        polite: !offerer,
        making_offer: Cell::new(false),
        ignore_offer: Cell::new(false),
        audio,
        tile,
        applied: Cell::new(None),
        signals,
        figures: RefCell::default(),
        _handlers: handlers,
    });
    let early = with_hub(|hub| {
        hub.peers.insert(link, peer.clone());
        hub.early.remove(&link)
    });
    for signal in early.flatten().unwrap_or_default() {
        let _ = peer.signals.try_send(signal);
    }
    publish_connections();
    if offerer {
        // One audio and one video line, both ways, from the start: turning the microphone or
        // the camera on later is a `replaceTrack`, with no renegotiation.
        for kind in ["audio", "video"] {
            let init = RtcRtpTransceiverInit::new();
            init.set_direction(RtcRtpTransceiverDirection::Sendrecv);
            pc.add_transceiver_with_str_and_init(kind, &init);
        }
    }
    spawn_local(process_signals(peer, signal_queue));
    Ok(())
}

/// Tells Bevy when `pc` has not connected after [`CONNECT_TIMEOUT_MS`] (a closed one is left alone:
/// the person walked away).
fn report_if_never_connected(pc: &RtcPeerConnection, person: ParticipantId) {
    let pc = pc.clone();
    let check = Closure::once_into_js(move || {
        if matches!(pc.connection_state(), RtcPeerConnectionState::New | RtcPeerConnectionState::Connecting) {
            with_hub(|hub| hub.events.try_send(MediaEvent::ConnectionFailed(person)));
        }
    });
    if let Some(window) = web_sys::window() {
        let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(check.unchecked_ref(), CONNECT_TIMEOUT_MS);
    }
}

/// Closes the media connection with a peer who is no longer near.
pub fn close_peer(link: PeerId) {
    let Some(Some(peer)) = with_hub(|hub| {
        hub.early.remove(&link);
        hub.peers.remove(&link)
    }) else {
        return;
    };
    peer.pc.close();
    peer.audio.remove();
    peer.tile.remove();
    peer.signals.close();
    publish_connections();
}

/// The links that currently have a media connection.
pub fn open_links() -> Vec<PeerId> {
    with_hub(|hub| hub.peers.keys().copied().collect()).unwrap_or_default()
}

/// Hands a negotiation message from a peer to its connection, in order.
pub fn receive_signal(link: PeerId, signal: MediaSignal) {
    with_hub(|hub| match hub.peers.get(&link) {
        Some(peer) => {
            let _ = peer.signals.try_send(signal);
        }
        None => {
            let early = hub.early.entry(link).or_default();
            if early.len() < MAX_EARLY_SIGNALS {
                early.push(signal);
            }
        }
    });
}

fn send_signal(link: PeerId, signal: MediaSignal) {
    with_hub(|hub| hub.to_peers.try_send((link, PeerMessage::Media { signal })));
}

fn peer(link: PeerId) -> Option<Rc<MediaPeer>> {
    with_hub(|hub| hub.peers.get(&link).cloned()).flatten()
}

pub(super) fn sdp_of(description: &JsValue) -> String {
    js_sys::Reflect::get(description, &"sdp".into()).ok().and_then(|sdp| sdp.as_string()).unwrap_or_default()
}

pub(super) fn description(kind: RtcSdpType, sdp: &str) -> RtcSessionDescriptionInit {
    let init = RtcSessionDescriptionInit::new(kind);
    init.set_sdp(sdp);
    init
}

async fn make_offer(link: PeerId) {
    let Some(peer) = peer(link) else { return };
    peer.making_offer.set(true);
    let result: Result<(), JsValue> = async {
        let offer = JsFuture::from(peer.pc.create_offer()).await?;
        let sdp = sdp_of(&offer);
        JsFuture::from(peer.pc.set_local_description(&description(RtcSdpType::Offer, &sdp))).await?;
        send_signal(link, MediaSignal::Offer { sdp });
        Ok(())
    }
    .await;
    peer.making_offer.set(false);
    if let Err(error) = result {
        bevy::log::warn!("media offer failed: {error:?}");
    }
}

/// Applies one peer's negotiation messages strictly in order (a candidate must not overtake
/// the description it belongs to).
async fn process_signals(peer: Rc<MediaPeer>, queue: async_channel::Receiver<MediaSignal>) {
    while let Ok(signal) = queue.recv().await {
        if let Err(error) = apply_signal(&peer, signal).await {
            bevy::log::warn!("media negotiation with {:?} failed: {error:?}", peer.link);
        }
    }
}

async fn apply_signal(peer: &MediaPeer, signal: MediaSignal) -> Result<(), JsValue> {
    let pc = &peer.pc;
    match signal {
        MediaSignal::Offer { sdp } => {
            let collision = peer.making_offer.get() || pc.signaling_state() != RtcSignalingState::Stable;
            peer.ignore_offer.set(!peer.polite && collision);
            if peer.ignore_offer.get() {
                return Ok(());
            }
            JsFuture::from(pc.set_remote_description(&description(RtcSdpType::Offer, &sdp))).await?;
            // Answer with both lines open both ways, so either side can send later.
            for transceiver in pc.get_transceivers().iter() {
                transceiver.unchecked_into::<RtcRtpTransceiver>().set_direction(RtcRtpTransceiverDirection::Sendrecv);
            }
            let answer = JsFuture::from(pc.create_answer()).await?;
            let sdp = sdp_of(&answer);
            JsFuture::from(pc.set_local_description(&description(RtcSdpType::Answer, &sdp))).await?;
            send_signal(peer.link, MediaSignal::Answer { sdp });
            // Our senders exist now: apply the current mix to them.
            peer.applied.set(None);
        }
        MediaSignal::Answer { sdp } => {
            JsFuture::from(pc.set_remote_description(&description(RtcSdpType::Answer, &sdp))).await?;
        }
        MediaSignal::RestartIce => {
            if !peer.polite {
                restart_ice(pc);
            }
        }
        MediaSignal::Candidate { json } => {
            let init = js_sys::JSON::parse(&json)?.unchecked_into::<web_sys::RtcIceCandidateInit>();
            // Candidates of an offer we ignored (glare, impolite side) are expected to fail.
            let added = JsFuture::from(pc.add_ice_candidate_with_opt_rtc_ice_candidate_init(Some(&init))).await;
            if let Err(error) = added
                && !peer.ignore_offer.get()
            {
                return Err(error);
            }
        }
    }
    Ok(())
}

/// The microphone's track while it is on (the hall's publication sends the same one, so that
/// self-mute and a change of microphone apply there too).
pub fn microphone_track() -> Option<MediaStreamTrack> {
    with_hub(|hub| hub.local.as_ref().and_then(|s| s.get_audio_tracks().get(0).dyn_into::<MediaStreamTrack>().ok()))
        .flatten()
}

/// The camera's track while it is on (カメラも), for the stage's publication to the hall.
pub fn camera_track() -> Option<MediaStreamTrack> {
    with_hub(|hub| hub.local.as_ref().and_then(|s| s.get_video_tracks().get(0).dyn_into::<MediaStreamTrack>().ok()))
        .flatten()
}

pub(super) fn play(element: &web_sys::HtmlMediaElement) {
    if let Ok(promise) = element.play() {
        spawn_local(async move {
            let _ = JsFuture::from(promise).await;
        });
    }
}

/// What Bevy decided for one peer this frame.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PeerMix {
    /// Volume of their voice for us, 0 to 1 (already including our per-person setting).
    pub volume: f32,
    /// Whether our microphone goes to them.
    pub send_audio: bool,
    /// Whether our camera goes to them.
    pub send_video: bool,
    /// Whether their camera tile is shown.
    pub show_video: bool,
}

/// Applies volumes and what is sent. Nothing goes to a peer out of hearing.
pub fn apply_mix(link: PeerId, mix: PeerMix) {
    let Some(peer) = peer(link) else { return };
    if peer.applied.get() == Some(mix) {
        return;
    }
    peer.applied.set(Some(mix));
    peer.audio.set_volume(f64::from(mix.volume.clamp(0.0, 1.0)));
    peer.tile.set_hidden(!mix.show_video);
    let (audio_track, video_track) = with_hub(|hub| {
        let local = hub.local.as_ref();
        (
            local.and_then(|s| s.get_audio_tracks().get(0).dyn_into::<MediaStreamTrack>().ok()),
            local.and_then(|s| s.get_video_tracks().get(0).dyn_into::<MediaStreamTrack>().ok()),
        )
    })
    .unwrap_or((None, None));
    let senders: Vec<RtcRtpSender> =
        peer.pc.get_transceivers().iter().map(|t| t.unchecked_into::<RtcRtpTransceiver>().sender()).collect();
    // Transceivers come in the order they were negotiated: audio, then video. What a sender
    // carries is read from the sender itself, so nothing here can drift from what is sent.
    let wanted = [mix.send_audio.then_some(audio_track).flatten(), mix.send_video.then_some(video_track).flatten()];
    for (sender, track) in senders.iter().zip(wanted) {
        if sender.track().map(|t| t.id()) != track.as_ref().map(|t| t.id()) {
            spawn_local(replace(link, sender.clone(), track));
        }
    }
}

async fn replace(link: PeerId, sender: RtcRtpSender, track: Option<MediaStreamTrack>) {
    if let Err(error) = JsFuture::from(sender.replace_track(track.as_ref())).await {
        bevy::log::warn!("replaceTrack failed, trying again on the next frame: {error:?}");
    }
    // `sender.track` changes only now. A mix applied while this was under way compared against
    // the old track, so the next frame checks the senders against the mix again.
    if let Some(peer) = peer(link) {
        peer.applied.set(None);
    }
}

/// Turns the microphone (and camera) on for `participation`, or off for the steps without.
pub fn use_devices(participation: Participation, choice: &crate::devices::DeviceChoice) {
    stop_local();
    if !participation.sends_audio() {
        return;
    }
    let choice = choice.clone();
    spawn_local(async move {
        let event = match get_user_media(participation, &choice).await {
            Ok(stream) => {
                let muted = with_hub(|hub| hub.self_muted).unwrap_or(false);
                set_tracks_enabled(&stream, !muted);
                let analyser = level_meter(&stream).ok();
                with_hub(|hub| {
                    hub.analyser = analyser;
                    hub.local = Some(stream);
                    // Send the new tracks on the next mix.
                    for peer in hub.peers.values() {
                        peer.applied.set(None);
                    }
                });
                // Names of devices are only given once one was allowed.
                spawn_local(list_devices());
                MediaEvent::DevicesReady(participation)
            }
            Err(error) => MediaEvent::DevicesFailed(device_problem(&error, participation)),
        };
        with_hub(|hub| hub.events.try_send(event));
    });
}

fn stop_local() {
    if let Some(Some((context, _))) = with_hub(|hub| hub.analyser.take()) {
        let _ = context.close();
    }
    let Some(Some(stream)) = with_hub(|hub| hub.local.take()) else { return };
    for track in stream.get_tracks().iter() {
        track.unchecked_into::<MediaStreamTrack>().stop();
    }
    with_hub(|hub| {
        for peer in hub.peers.values() {
            for transceiver in peer.pc.get_transceivers().iter() {
                let sender = transceiver.unchecked_into::<RtcRtpTransceiver>().sender();
                spawn_local(replace(peer.link, sender, None));
            }
            peer.applied.set(None);
        }
    });
}

fn exact_device(constraints: &js_sys::Object, id: &str) -> Result<(), JsValue> {
    let exact = js_sys::Object::new();
    js_sys::Reflect::set(&exact, &"exact".into(), &id.into())?;
    js_sys::Reflect::set(constraints, &"deviceId".into(), &exact)?;
    Ok(())
}

async fn get_user_media(
    participation: Participation,
    choice: &crate::devices::DeviceChoice,
) -> Result<MediaStream, JsValue> {
    let devices = web_sys::window().ok_or("no window")?.navigator().media_devices()?;
    let constraints = MediaStreamConstraints::new();
    let audio = js_sys::Object::new();
    for key in ["echoCancellation", "noiseSuppression", "autoGainControl"] {
        js_sys::Reflect::set(&audio, &key.into(), &JsValue::TRUE)?;
    }
    if let Some(id) = &choice.microphone {
        exact_device(&audio, id)?;
    }
    constraints.set_audio(&audio);
    if participation.sends_video() {
        let video = js_sys::Object::new();
        if let Some(id) = &choice.camera {
            exact_device(&video, id)?;
        }
        constraints.set_video(&video);
    } else {
        constraints.set_video(&JsValue::FALSE);
    }
    let stream = JsFuture::from(devices.get_user_media_with_constraints(&constraints)?).await?;
    Ok(stream.unchecked_into())
}

/// The Japanese message for a failed getUserMedia.
fn device_problem(error: &JsValue, participation: Participation) -> String {
    let what = if participation.sends_video() { t("devices.mic_or_camera") } else { t("devices.microphone_word") };
    let name = error.dyn_ref::<DomException>().map(|e| e.name()).unwrap_or_default();
    match name.as_str() {
        "NotAllowedError" | "SecurityError" => tf("devices.denied", &[("what", &what)]),
        "NotFoundError" | "OverconstrainedError" => tf("devices.not_found", &[("what", &what)]),
        "NotReadableError" | "AbortError" => tf("devices.busy", &[("what", &what)]),
        _ => tf("devices.failed", &[("what", &what)]),
    }
}

/// Mutes or unmutes our microphone without stopping it.
pub fn set_self_muted(muted: bool) {
    with_hub(|hub| {
        hub.self_muted = muted;
        if let Some(stream) = &hub.local {
            for track in stream.get_audio_tracks().iter() {
                track.unchecked_into::<MediaStreamTrack>().set_enabled(!muted);
            }
        }
    });
}

fn set_tracks_enabled(stream: &MediaStream, audio_enabled: bool) {
    for track in stream.get_audio_tracks().iter() {
        track.unchecked_into::<MediaStreamTrack>().set_enabled(audio_enabled);
    }
}

/// The latest figures per person.
pub fn figures() -> HashMap<ParticipantId, PeerFigures> {
    with_hub(|hub| hub.peers.values().map(|p| (p.person, p.figures.borrow().clone())).collect()).unwrap_or_default()
}

/// Exposes the connections read-only for tests: `window.__ibashoMedia[personId]` is the
/// `RTCPeerConnection` with that person, so a test can call `getStats()` itself.
fn publish_connections() {
    let Some(window) = web_sys::window() else { return };
    let map = js_sys::Object::new();
    with_hub(|hub| {
        for peer in hub.peers.values() {
            let _ = js_sys::Reflect::set(&map, &JsValue::from_f64(peer.person.0 as f64), &peer.pc);
        }
    });
    let _ = js_sys::Reflect::set(&window, &"__ibashoMedia".into(), &map);
}

async fn read_stats() {
    let peers: Vec<Rc<MediaPeer>> = with_hub(|hub| hub.peers.values().cloned().collect()).unwrap_or_default();
    for peer in peers {
        let Ok(report) = JsFuture::from(peer.pc.get_stats()).await else { continue };
        let mut figures = PeerFigures { connection: format!("{:?}", peer.pc.connection_state()), ..Default::default() };
        let number =
            |entry: &JsValue, key: &str| js_sys::Reflect::get(entry, &key.into()).ok().and_then(|v| v.as_f64());
        let text =
            |entry: &JsValue, key: &str| js_sys::Reflect::get(entry, &key.into()).ok().and_then(|v| v.as_string());
        let Ok(values) = js_sys::Reflect::get(&report, &"values".into())
            .and_then(|f| f.unchecked_into::<js_sys::Function>().call0(&report))
        else {
            continue;
        };
        let Ok(Some(entries)) = js_sys::try_iter(&values) else { continue };
        for entry in entries.flatten() {
            match (text(&entry, "type").as_deref(), text(&entry, "kind").as_deref()) {
                (Some("inbound-rtp"), Some("audio")) => {
                    figures.audio_bytes_received = number(&entry, "bytesReceived").unwrap_or(0.0);
                    figures.audio_level = number(&entry, "audioLevel").unwrap_or(0.0);
                    figures.audio_energy = number(&entry, "totalAudioEnergy").unwrap_or(0.0);
                    figures.audio_seconds = number(&entry, "totalSamplesDuration").unwrap_or(0.0);
                }
                (Some("inbound-rtp"), Some("video")) => {
                    figures.video_frames_decoded = number(&entry, "framesDecoded").unwrap_or(0.0);
                }
                (Some("outbound-rtp"), Some("audio")) => {
                    figures.audio_bytes_sent = number(&entry, "bytesSent").unwrap_or(0.0);
                }
                _ => {}
            }
        }
        // The level over the whole interval since the last reading (root mean square), not only the
        // instant of this reading, so a short word between two readings still lights the ring.
        let previous = peer.figures.borrow().clone();
        let span = figures.audio_seconds - previous.audio_seconds;
        if span > 0.0 {
            let mean = ((figures.audio_energy - previous.audio_energy) / span).max(0.0).sqrt();
            figures.audio_level = figures.audio_level.max(mean);
        }
        *peer.figures.borrow_mut() = figures;
    }
}

/// Reads the devices the browser offers and reports them to Bevy.
pub async fn list_devices() {
    use crate::devices::{DeviceInfo, Devices};
    let Some(media_devices) = web_sys::window().and_then(|w| w.navigator().media_devices().ok()) else { return };
    let Ok(promise) = media_devices.enumerate_devices() else { return };
    let Ok(list) = JsFuture::from(promise).await else { return };
    let mut devices = Devices::default();
    for entry in js_sys::Array::from(&list).iter() {
        let info = entry.unchecked_into::<web_sys::MediaDeviceInfo>();
        let device = DeviceInfo { id: info.device_id(), label: info.label() };
        match info.kind() {
            web_sys::MediaDeviceKind::Audioinput => devices.microphones.push(device),
            web_sys::MediaDeviceKind::Videoinput => devices.cameras.push(device),
            web_sys::MediaDeviceKind::Audiooutput => devices.speakers.push(device),
            _ => {}
        }
    }
    with_hub(|hub| hub.events.try_send(MediaEvent::Devices(devices)));
}

fn set_sink(element: &web_sys::HtmlMediaElement, speaker: &str) {
    // `setSinkId` is not in every browser; without it the default speaker is used.
    let Ok(set_sink_id) = js_sys::Reflect::get(element, &"setSinkId".into()) else { return };
    if let Some(function) = set_sink_id.dyn_ref::<js_sys::Function>() {
        let _ = function.call1(element, &speaker.into());
    }
}

/// Plays voices on the chosen speaker.
pub fn set_speaker(speaker: Option<String>) {
    with_hub(|hub| {
        if let Some(speaker) = &speaker {
            for peer in hub.peers.values() {
                set_sink(&peer.audio, speaker);
            }
        }
        hub.speaker = speaker;
    });
}

fn level_meter(stream: &MediaStream) -> Result<(web_sys::AudioContext, web_sys::AnalyserNode), JsValue> {
    let context = web_sys::AudioContext::new()?;
    let source = context.create_media_stream_source(stream)?;
    let analyser = context.create_analyser()?;
    analyser.set_fft_size(512);
    source.connect_with_audio_node(&analyser)?;
    Ok((context, analyser))
}

/// The microphone's level now (RMS of the last samples, 0 to 1), or 0 while it is off.
pub fn input_level() -> f32 {
    with_hub(|hub| {
        let Some((_, analyser)) = &hub.analyser else { return 0.0 };
        let mut samples = vec![0.0f32; analyser.fft_size() as usize];
        analyser.get_float_time_domain_data(&mut samples);
        let mean_square = samples.iter().map(|s| s * s).sum::<f32>() / samples.len().max(1) as f32;
        (mean_square.sqrt() * 4.0).min(1.0)
    })
    .unwrap_or(0.0)
}

/// Plays a short, soft chime on the chosen speaker.
pub fn play_test_sound() {
    let Ok(context) = web_sys::AudioContext::new() else { return };
    if let Some(Some(speaker)) = with_hub(|hub| hub.speaker.clone())
        && let Ok(set_sink_id) = js_sys::Reflect::get(&context, &"setSinkId".into())
        && let Some(function) = set_sink_id.dyn_ref::<js_sys::Function>()
    {
        let _ = function.call1(&context, &speaker.into());
    }
    let (Ok(oscillator), Ok(gain)) = (context.create_oscillator(), context.create_gain()) else { return };
    oscillator.frequency().set_value(660.0);
    gain.gain().set_value(0.2);
    let now = context.current_time();
    let _ = gain.gain().linear_ramp_to_value_at_time(0.0, now + 0.6);
    // The context is closed when the chime ends: browsers allow only a few open at once.
    let context_to_close = context.clone();
    let on_ended = Closure::once_into_js(move || {
        let _ = context_to_close.close();
    });
    oscillator.set_onended(Some(on_ended.unchecked_ref()));
    if oscillator.connect_with_audio_node(&gain).is_ok() && gain.connect_with_audio_node(&context.destination()).is_ok()
    {
        let _ = oscillator.start();
        let _ = oscillator.stop_with_when(now + 0.6);
    } else {
        let _ = context.close();
    }
}

/// Restarts ICE on a connection (`restartIce()` is not in web-sys yet); the impolite side's
/// negotiationneeded handler then makes a fresh offer.
fn restart_ice(pc: &RtcPeerConnection) {
    if let Ok(function) = js_sys::Reflect::get(pc, &"restartIce".into())
        && let Some(function) = function.dyn_ref::<js_sys::Function>()
    {
        let _ = function.call0(pc);
    }
}

/// Tries a failed connection with `person` again: an ICE restart, asked of the side that
/// makes offers.
pub fn retry(person: ParticipantId) {
    let Some(Some(peer)) = with_hub(|hub| hub.peers.values().find(|p| p.person == person).cloned()) else { return };
    if peer.polite {
        send_signal(peer.link, MediaSignal::RestartIce);
    } else {
        restart_ice(&peer.pc);
    }
}
