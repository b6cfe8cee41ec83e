//! The one WebSocket to the server. Incoming messages go to Bevy (`ServerLink`) and, for the
//! signaling ones, straight to matchbox's signaller too, so peer handshakes never wait for a
//! frame to be drawn (hidden tabs get no frames).

use matchbox_socket::PeerEvent;
use protocol::{ClientMessage, ServerMessage, WEBSOCKET_PATH};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{MessageEvent, WebSocket};

use crate::presence::ServerLink;

/// Opens the WebSocket. Returns Bevy's link and the stream of matchbox signaling events.
pub fn open() -> Result<(ServerLink, async_channel::Receiver<PeerEvent>), String> {
    let window = web_sys::window().ok_or("no window")?;
    let location = window.location();
    let scheme = if location.protocol().map_err(describe)? == "https:" { "wss" } else { "ws" };
    let url = format!("{scheme}://{}{WEBSOCKET_PATH}", location.host().map_err(describe)?);
    let socket = WebSocket::new(&url).map_err(describe)?;

    let (incoming_tx, incoming_rx) = async_channel::unbounded::<ServerMessage>();
    let (events_tx, events_rx) = async_channel::unbounded::<PeerEvent>();
    let (outgoing_tx, outgoing_rx) = async_channel::unbounded::<ClientMessage>();
    let (opened_tx, opened_rx) = async_channel::bounded::<()>(1);

    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
        let Some(text) = event.data().as_string() else { return };
        let Ok(message) = serde_json::from_str::<ServerMessage>(&text) else {
            bevy::log::warn!("unreadable message from the server");
            return;
        };
        if let Some(event) = signaling_event(&message) {
            let _ = events_tx.try_send(event);
        }
        let _ = incoming_tx.try_send(message);
    });
    socket.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();

    let on_open = Closure::<dyn FnMut()>::new(move || {
        let _ = opened_tx.try_send(());
    });
    socket.set_onopen(Some(on_open.as_ref().unchecked_ref()));
    on_open.forget();

    // Closing the incoming channel tells Bevy the connection is gone.
    let incoming_for_close = incoming_rx.clone();
    let on_close = Closure::<dyn FnMut()>::new(move || {
        incoming_for_close.close();
    });
    socket.set_onclose(Some(on_close.as_ref().unchecked_ref()));
    on_close.forget();

    wasm_bindgen_futures::spawn_local(async move {
        if opened_rx.recv().await.is_err() {
            return;
        }
        while let Ok(message) = outgoing_rx.recv().await {
            let Ok(text) = serde_json::to_string(&message) else { continue };
            if socket.send_with_str(&text).is_err() {
                break;
            }
        }
    });

    Ok((ServerLink { outgoing: outgoing_tx, incoming: incoming_rx }, events_rx))
}

/// The matchbox event a server message stands for, if it is about signaling.
fn signaling_event(message: &ServerMessage) -> Option<PeerEvent> {
    let id = |peer: protocol::PeerId| matchbox_socket::PeerId(peer.0);
    Some(match message {
        ServerMessage::Welcome { peer_id, .. } => PeerEvent::IdAssigned(id(*peer_id)),
        ServerMessage::Introduce { link, offer: true, .. } => PeerEvent::NewPeer(id(*link)),
        ServerMessage::Separate { link } => PeerEvent::PeerLeft(id(*link)),
        ServerMessage::Signal { from, signal } => PeerEvent::Signal { sender: id(*from), data: to_matchbox(signal) },
        _ => return None,
    })
}

fn to_matchbox(signal: &protocol::PeerSignal) -> matchbox_socket::PeerSignal {
    use matchbox_socket::PeerSignal as M;
    use protocol::PeerSignal as P;
    match signal {
        P::IceCandidate(c) => M::IceCandidate(c.clone()),
        P::Offer(sdp) => M::Offer(sdp.clone()),
        P::Answer(sdp) => M::Answer(sdp.clone()),
    }
}

/// The protocol form of a matchbox signal.
pub fn from_matchbox(signal: matchbox_socket::PeerSignal) -> protocol::PeerSignal {
    use matchbox_socket::PeerSignal as M;
    use protocol::PeerSignal as P;
    match signal {
        M::IceCandidate(c) => P::IceCandidate(c),
        M::Offer(sdp) => P::Offer(sdp),
        M::Answer(sdp) => P::Answer(sdp),
    }
}

fn describe(error: JsValue) -> String {
    error.as_string().unwrap_or_else(|| format!("{error:?}"))
}
