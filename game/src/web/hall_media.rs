//! The browser's connections to the SFU for the hall we stand in (wasm32 only): while it is our
//! turn (or we are on the stage) one `RTCPeerConnection` publishes our microphone's track, the
//! same one the mesh uses, so self-mute and a change of microphone apply here too; and one
//! receives each feed the SFU offers, played at full volume. Offers and answers carry their
//! candidates (no trickle), so they go through the server in one message each.
//!
//! `window.__ibashoHall` maps feed ids to their connections and `__ibashoHallPublication` is
//! ours, for the browser tests' `getStats()`.

use std::cell::RefCell;
use std::collections::HashMap;

use bevy::prelude::*;
use protocol::{ClientMessage, FeedId, HallRequest, ParticipantId};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::{JsFuture, spawn_local};
use web_sys::{
    HtmlAudioElement, MediaStream, MediaStreamTrack, RtcPeerConnection, RtcRtpTransceiverDirection,
    RtcRtpTransceiverInit, RtcSdpType, RtcTrackEvent,
};

use super::media::{create, description, document, microphone_track, play, rtc_configuration, sdp_of};
use crate::places::hall::{HallMedia, PublishToHall};
use crate::presence::{IceServers, ServerLink};

/// Longest wait for a connection's candidates before its offer or answer goes anyway (ms).
const GATHER_TIMEOUT_MS: i32 = 3_000;

struct Feed {
    pc: RtcPeerConnection,
    audio: HtmlAudioElement,
    _on_track: Closure<dyn FnMut(JsValue)>,
}

struct Publication {
    pc: RtcPeerConnection,
    track: MediaStreamTrack,
}

#[derive(Default)]
struct HallConnections {
    publication: Option<Publication>,
    feeds: HashMap<FeedId, Feed>,
}

thread_local! {
    static HALL: RefCell<HallConnections> = RefCell::new(HallConnections::default());
}

pub fn plugin(app: &mut App) {
    app.add_systems(Update, (follow_publishing, apply_hall_media).run_if(resource_exists::<ServerLink>));
}

/// Starts or stops our publication as the rules say, and keeps it on the current microphone.
fn follow_publishing(publish: Res<PublishToHall>, link: Res<ServerLink>, ice: Option<Res<IceServers>>) {
    let track = if publish.0 { microphone_track() } else { None };
    let current = HALL.with(|hall| hall.borrow().publication.as_ref().map(|p| p.track.id()));
    match (track, current) {
        (None, None) => {}
        (None, Some(_)) => stop_publication(),
        (Some(track), Some(id)) if track.id() == id => {}
        (Some(track), _) => {
            stop_publication();
            let ice_servers = ice.map(|ice| ice.0.clone()).unwrap_or_default();
            if let Err(error) = start_publication(track, &ice_servers, link.outgoing.clone()) {
                warn!("cannot publish to the hall: {error:?}");
            }
        }
    }
}

fn apply_hall_media(mut media: MessageReader<HallMedia>, link: Res<ServerLink>, ice: Option<Res<IceServers>>) {
    for item in media.read() {
        match item.clone() {
            HallMedia::Answer(sdp) => {
                let Some(pc) = HALL.with(|hall| hall.borrow().publication.as_ref().map(|p| p.pc.clone())) else {
                    continue;
                };
                spawn_local(async move {
                    let answer = description(RtcSdpType::Answer, &sdp);
                    if let Err(error) = JsFuture::from(pc.set_remote_description(&answer)).await {
                        warn!("the SFU's answer did not apply: {error:?}");
                    }
                });
            }
            HallMedia::Offer { feed, person, sdp } => {
                let ice_servers = ice.as_ref().map(|ice| ice.0.clone()).unwrap_or_default();
                if let Err(error) = receive_feed(feed, person, &sdp, &ice_servers, link.outgoing.clone()) {
                    warn!("cannot receive a hall feed: {error:?}");
                }
            }
            HallMedia::End(feed) => end_feed(feed),
        }
    }
}

fn start_publication(
    track: MediaStreamTrack,
    ice_servers: &[protocol::IceServer],
    outgoing: async_channel::Sender<ClientMessage>,
) -> Result<(), JsValue> {
    let pc = RtcPeerConnection::new_with_configuration(&rtc_configuration(ice_servers, false))?;
    let init = RtcRtpTransceiverInit::new();
    init.set_direction(RtcRtpTransceiverDirection::Sendonly);
    pc.add_transceiver_with_media_stream_track_and_init(&track, &init);
    expose("__ibashoHallPublication", None, Some(&pc));
    HALL.with(|hall| hall.borrow_mut().publication = Some(Publication { pc: pc.clone(), track }));
    spawn_local(async move {
        let offered = async {
            let offer = JsFuture::from(pc.create_offer()).await?;
            JsFuture::from(pc.set_local_description(&description(RtcSdpType::Offer, &sdp_of(&offer)))).await?;
            gathered(&pc).await;
            let sdp = pc.local_description().map(|d| d.sdp()).unwrap_or_default();
            let _ = outgoing.try_send(ClientMessage::Hall { request: HallRequest::Publish { sdp } });
            Ok::<_, JsValue>(())
        };
        if let Err(error) = offered.await {
            warn!("cannot offer to the hall: {error:?}");
        }
    });
    Ok(())
}

fn stop_publication() {
    if let Some(publication) = HALL.with(|hall| hall.borrow_mut().publication.take()) {
        publication.pc.close();
        expose("__ibashoHallPublication", None, None);
    }
}

fn receive_feed(
    feed: FeedId,
    person: ParticipantId,
    offer: &str,
    ice_servers: &[protocol::IceServer],
    outgoing: async_channel::Sender<ClientMessage>,
) -> Result<(), JsValue> {
    end_feed(feed);
    let pc = RtcPeerConnection::new_with_configuration(&rtc_configuration(ice_servers, false))?;
    let audio: HtmlAudioElement = create("audio").ok_or("no audio element")?;
    audio.set_autoplay(true);
    let _ = audio.set_attribute("data-hall-feed", &feed.0.to_string());
    let _ = audio.set_attribute("data-person", &person.0.to_string());
    if let Some(strip) = document().and_then(|d| d.get_element_by_id("camera-strip")) {
        strip.append_child(&audio)?;
    }
    let element = audio.clone();
    let on_track = Closure::<dyn FnMut(JsValue)>::new(move |event: JsValue| {
        let track = event.unchecked_into::<RtcTrackEvent>().track();
        if track.kind() != "audio" {
            return;
        }
        if let Ok(stream) = MediaStream::new_with_tracks(&js_sys::Array::of1(&track)) {
            element.set_src_object(Some(&stream));
            play(&element);
        }
    });
    pc.set_ontrack(Some(on_track.as_ref().unchecked_ref()));
    expose("__ibashoHall", Some(feed), Some(&pc));
    HALL.with(|hall| hall.borrow_mut().feeds.insert(feed, Feed { pc: pc.clone(), audio, _on_track: on_track }));
    let offer = offer.to_owned();
    spawn_local(async move {
        let answered = async {
            JsFuture::from(pc.set_remote_description(&description(RtcSdpType::Offer, &offer))).await?;
            let answer = JsFuture::from(pc.create_answer()).await?;
            JsFuture::from(pc.set_local_description(&description(RtcSdpType::Answer, &sdp_of(&answer)))).await?;
            gathered(&pc).await;
            let sdp = pc.local_description().map(|d| d.sdp()).unwrap_or_default();
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
        expose("__ibashoHall", Some(feed), None);
    }
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
