//! matchbox peers: a custom `Signaller` over our WebSocket, the socket's message loop, and
//! moving `PeerMail` over the reliable data channel. Messages for a peer that is introduced
//! but not yet connected wait a little; messages from peers we are not introduced to are
//! dropped.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use bevy::prelude::*;
use matchbox_socket::{
    PeerEvent, PeerRequest, PeerState, RtcIceServerConfig, SignalingError, Signaller, SignallerBuilder, WebRtcSocket,
};
use protocol::{ClientMessage, PeerId, PeerMessage};

use super::media;
use super::socket::from_matchbox;
use super::voice::MediaOutbox;
use crate::chat::PeerMail;
use crate::presence::{IceServers, Links, PresenceSet};

/// Index of the reliable data channel.
const RELIABLE: usize = 0;
/// How long a chat line waits for its peer's connection to open, in seconds.
const PENDING_SECONDS: f32 = 10.0;
/// Largest peer message read, in bytes (an SDP with audio and video fits well inside).
const MAX_PEER_MESSAGE_BYTES: usize = 64 * 1024;

/// The matchbox socket.
#[derive(Resource)]
pub struct PeerSocket(WebRtcSocket);

/// Links whose data channel is open.
#[derive(Resource, Debug, Default)]
pub struct ConnectedPeers(pub HashSet<PeerId>);

/// Messages waiting for their peer's connection: (link, message, queued at).
#[derive(Resource, Debug, Default)]
struct WaitingMail(Vec<(PeerId, PeerMessage, f32)>);

/// The signaling channels, until the welcome tells us the TURN relay to build the socket with.
#[derive(Resource)]
struct PendingSignaller(Option<TownSignallerBuilder>);

pub fn plugin(
    app: &mut App,
    events: async_channel::Receiver<PeerEvent>,
    requests: async_channel::Sender<ClientMessage>,
) {
    let builder = TownSignallerBuilder { channels: Mutex::new(Some((events, requests))) };
    app.insert_resource(PendingSignaller(Some(builder)))
        .init_resource::<ConnectedPeers>()
        .init_resource::<WaitingMail>()
        .add_systems(Update, start_peer_socket.run_if(resource_exists::<IceServers>).after(PresenceSet))
        // After presence: a peer's first message must find the link its introduction added.
        .add_systems(
            Update,
            (track_peers, send_mail, receive_mail)
                .chain()
                .after(start_peer_socket)
                .run_if(resource_exists::<PeerSocket>),
        );
}

/// Builds the matchbox socket once the welcome gave the TURN relay: booth links pass relay
/// candidates only, so matchbox must gather them. Signaling events that came before wait in
/// their channel.
fn start_peer_socket(mut commands: Commands, mut pending: ResMut<PendingSignaller>, ice: Res<IceServers>) {
    let Some(builder) = pending.0.take() else { return };
    // Loopback and LAN need no ICE server; an unreachable one would delay every connection.
    let relay = ice.0.first().map_or(RtcIceServerConfig { urls: vec![], username: None, credential: None }, |server| {
        RtcIceServerConfig {
            urls: server.urls.clone(),
            username: Some(server.username.clone()),
            credential: Some(server.credential.clone()),
        }
    });
    let (socket, message_loop) = WebRtcSocket::builder("ibasho://town")
        .signaller_builder(Arc::new(builder))
        .ice_server(relay)
        .reconnect_attempts(Some(1))
        .signaling_keep_alive_interval(Some(Duration::from_secs(20)))
        .add_reliable_channel()
        .build();
    wasm_bindgen_futures::spawn_local(async move {
        if let Err(error) = message_loop.await {
            error!("peer connections stopped: {error}");
        }
    });
    commands.insert_resource(PeerSocket(socket));
}

fn track_peers(mut socket: ResMut<PeerSocket>, mut connected: ResMut<ConnectedPeers>) {
    let Ok(changes) = socket.0.try_update_peers() else { return };
    for (peer, state) in changes {
        let link = PeerId(peer.0);
        match state {
            PeerState::Connected => connected.0.insert(link),
            PeerState::Disconnected => connected.0.remove(&link),
        };
    }
}

fn send_mail(
    time: Res<Time>,
    links: Res<Links>,
    connected: Res<ConnectedPeers>,
    mut socket: ResMut<PeerSocket>,
    mut mail: ResMut<PeerMail>,
    mut waiting: ResMut<WaitingMail>,
    media_outbox: Res<MediaOutbox>,
) {
    let now = time.elapsed_secs();
    waiting.0.extend(mail.outgoing.drain(..).map(|(link, message)| (link, message, now)));
    while let Ok((link, message)) = media_outbox.0.try_recv() {
        waiting.0.push((link, message, now));
    }
    let Ok(channel) = socket.0.get_channel_mut(RELIABLE) else { return };
    waiting.0.retain(|(link, message, queued)| {
        // Chat goes stale; media negotiation must wait as long as the link lives.
        let stale = matches!(message, PeerMessage::Chat { .. }) && now - queued > PENDING_SECONDS;
        if !links.0.contains_key(link) || stale {
            return false;
        }
        if !connected.0.contains(link) {
            return true;
        }
        if let Ok(bytes) = serde_json::to_vec(message) {
            channel.send(bytes.into(), matchbox_socket::PeerId(link.0));
        }
        false
    });
}

fn receive_mail(links: Res<Links>, mut socket: ResMut<PeerSocket>, mut mail: ResMut<PeerMail>) {
    let Ok(channel) = socket.0.get_channel_mut(RELIABLE) else { return };
    for (peer, packet) in channel.receive() {
        let link = PeerId(peer.0);
        if packet.len() > MAX_PEER_MESSAGE_BYTES || !links.0.contains_key(&link) {
            continue;
        }
        match serde_json::from_slice::<PeerMessage>(&packet) {
            Ok(PeerMessage::Media { signal }) => media::receive_signal(link, signal),
            Ok(message) => mail.incoming.push((link, message)),
            Err(_) => {}
        }
    }
}

/// Hands matchbox a signaller over our WebSocket (once).
#[derive(Debug)]
struct TownSignallerBuilder {
    channels: Mutex<Option<(async_channel::Receiver<PeerEvent>, async_channel::Sender<ClientMessage>)>>,
}

#[async_trait(?Send)]
impl SignallerBuilder for TownSignallerBuilder {
    async fn new_signaller(&self, _: Option<u16>, _: String) -> Result<Box<dyn Signaller>, SignalingError> {
        let taken = self.channels.lock().map_err(|_| SignalingError::StreamExhausted)?.take();
        let (events, requests) = taken.ok_or(SignalingError::StreamExhausted)?;
        Ok(Box::new(TownSignaller { events, requests }))
    }
}

/// matchbox's view of our WebSocket.
struct TownSignaller {
    events: async_channel::Receiver<PeerEvent>,
    requests: async_channel::Sender<ClientMessage>,
}

#[async_trait(?Send)]
impl Signaller for TownSignaller {
    async fn send(&mut self, request: PeerRequest) -> Result<(), SignalingError> {
        let message = match request {
            PeerRequest::Signal { receiver, data } => {
                ClientMessage::Signal { to: PeerId(receiver.0), signal: from_matchbox(data) }
            }
            PeerRequest::KeepAlive => ClientMessage::KeepAlive,
        };
        self.requests.send(message).await.map_err(|_| SignalingError::StreamExhausted)
    }

    async fn next_message(&mut self) -> Result<PeerEvent, SignalingError> {
        self.events.recv().await.map_err(|_| SignalingError::StreamExhausted)
    }
}
