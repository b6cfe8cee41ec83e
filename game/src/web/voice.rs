//! Bevy's side of voice and camera in the browser: opens and closes media connections as the
//! server introduces and separates peers, applies the voice rules' volumes and sending every
//! frame, turns devices on and off with the participation ladder, and reports device and
//! connection problems in Japanese.

use std::collections::HashSet;

use bevy::prelude::*;
use protocol::{ParticipantId, PeerId, PeerMessage};

use super::media::{self, MediaEvent, PeerMix, PeerSetup};
use crate::avatar::Avatar;
use crate::devices::{DeviceChoice, Devices, InputLevel, PlayTestSound};
use crate::movement::LocalPlayer;
use crate::participation::{
    DeviceRequest, DevicesFailed, DevicesReady, FailedConnection, MediaNotice, RetryConnection,
};
use crate::presence::{IceServers, Links, OfferLinks, People, RelayLinks};
use crate::voice::{SelfMuted, Speaking, Taking, VoiceMix};

/// News from the media layer.
#[derive(Resource)]
struct MediaEvents(async_channel::Receiver<MediaEvent>);

/// Media signals waiting to go out over the matchbox channel.
#[derive(Resource)]
pub struct MediaOutbox(pub async_channel::Receiver<(PeerId, PeerMessage)>);

pub fn plugin(app: &mut App) {
    let (to_peers, outbox) = async_channel::unbounded();
    let (events_tx, events) = async_channel::unbounded();
    media::start(to_peers, events_tx);
    app.insert_resource(MediaEvents(events))
        .insert_resource(MediaOutbox(outbox))
        .add_systems(
            Update,
            (
                sync_connections,
                use_devices,
                read_media_events,
                apply_self_mute,
                update_speaking,
                apply_device_choice,
                measure_input_level,
                play_test_sounds,
                retry_connections,
            ),
        )
        .add_systems(Startup, || wasm_bindgen_futures::spawn_local(media::list_devices()))
        .add_systems(PostUpdate, apply_voice_mix.after(crate::voice::VoiceSet));
}

fn sync_connections(
    links: Res<Links>,
    offers: Res<OfferLinks>,
    relays: Res<RelayLinks>,
    ice: Option<Res<IceServers>>,
    people: Res<People>,
    avatars: Query<&Avatar>,
) {
    if !links.is_changed() {
        return;
    }
    let open: HashSet<PeerId> = media::open_links().into_iter().collect();
    for link in open.iter().filter(|link| !links.0.contains_key(link)) {
        media::close_peer(*link);
    }
    let ice_servers = ice.as_ref().map_or(&[][..], |ice| ice.0.as_slice());
    for (link, person) in links.0.iter().filter(|(link, _)| !open.contains(link)) {
        let nickname = people.0.get(person).and_then(|e| avatars.get(*e).ok()).map_or("", |a| a.nickname.as_str());
        let setup = PeerSetup {
            person: *person,
            nickname,
            offerer: offers.0.contains(link),
            relay_only: relays.0.contains(link),
            ice_servers,
        };
        if let Err(error) = media::open_peer(*link, setup) {
            warn!("cannot open a media connection: {error:?}");
        }
    }
}

fn apply_voice_mix(
    voice_mix: Res<VoiceMix>,
    links: Res<Links>,
    me: Single<&Taking, With<LocalPlayer>>,
    people: Res<People>,
    takings: Query<&Taking>,
) {
    for (link, person) in &links.0 {
        let gain = voice_mix.gains.get(person).copied().unwrap_or(0.0);
        let heard = voice_mix.heard_by.contains(person);
        let their_camera = people.0.get(person).and_then(|e| takings.get(*e).ok()).is_some_and(|t| t.0.sends_video());
        media::apply_mix(
            *link,
            PeerMix {
                volume: voice_mix.volumes.get(person).copied().unwrap_or(0.0),
                send_audio: me.0.sends_audio() && heard,
                send_video: me.0.sends_video() && heard,
                show_video: their_camera && gain > 0.0,
            },
        );
    }
}

fn use_devices(
    request: Res<DeviceRequest>,
    choice: Res<DeviceChoice>,
    me: Query<&Taking, (With<LocalPlayer>, Changed<Taking>)>,
) {
    if request.is_changed()
        && let Some(wanted) = request.0
    {
        media::use_devices(wanted, &choice);
        return;
    }
    // Stepping down to 聞くだけ or 見学 turns the devices off at once.
    if let Ok(taking) = me.single()
        && !taking.0.sends_audio()
        && request.0.is_none()
    {
        media::use_devices(taking.0, &choice);
    }
}

fn apply_device_choice(
    choice: Res<DeviceChoice>,
    mut previous: Local<DeviceChoice>,
    me: Query<&Taking, With<LocalPlayer>>,
) {
    if !choice.is_changed() || *choice == *previous {
        return;
    }
    if choice.speaker != previous.speaker {
        media::set_speaker(choice.speaker.clone());
    }
    let inputs_changed = choice.microphone != previous.microphone || choice.camera != previous.camera;
    if inputs_changed
        && let Ok(taking) = me.single()
        && taking.0.sends_audio()
    {
        // Switch to the chosen microphone or camera now; the new tracks go out on the next mix.
        media::use_devices(taking.0, &choice);
    }
    *previous = choice.clone();
}

fn measure_input_level(mut level: ResMut<InputLevel>) {
    let now = media::input_level();
    if (level.0 - now).abs() > f32::EPSILON {
        level.0 = now;
    }
}

fn play_test_sounds(mut requests: MessageReader<PlayTestSound>) {
    if requests.read().count() > 0 {
        media::play_test_sound();
    }
}

fn read_media_events(
    events: Res<MediaEvents>,
    people: Res<People>,
    avatars: Query<&Avatar>,
    mut ready: MessageWriter<DevicesReady>,
    mut failed: MessageWriter<DevicesFailed>,
    mut notice: ResMut<MediaNotice>,
    mut failed_connection: ResMut<FailedConnection>,
    mut devices: ResMut<Devices>,
) {
    while let Ok(event) = events.0.try_recv() {
        match event {
            MediaEvent::DevicesReady(participation) => {
                ready.write(DevicesReady(participation));
            }
            MediaEvent::DevicesFailed(message) => {
                failed.write(DevicesFailed(message));
            }
            MediaEvent::Devices(list) => {
                *devices = list;
            }
            MediaEvent::ConnectionFailed(person) => {
                let name = nickname(&people, &avatars, person);
                notice.0 = Some(crate::locale::tf("voice.failed", &[("name", &name)]));
                failed_connection.0 = Some(person);
            }
        }
    }
}

fn nickname(people: &People, avatars: &Query<&Avatar>, person: ParticipantId) -> String {
    people.0.get(&person).and_then(|e| avatars.get(*e).ok()).map_or_else(String::new, |a| a.nickname.clone())
}

fn apply_self_mute(muted: Res<SelfMuted>) {
    if muted.is_changed() {
        media::set_self_muted(muted.0);
    }
}

fn update_speaking(voice_mix: Res<VoiceMix>, mut speaking: ResMut<Speaking>) {
    let now: HashSet<ParticipantId> = media::figures()
        .into_iter()
        .filter(|(id, figures)| {
            figures.audio_level > media::SPEAKING_LEVEL && voice_mix.gains.get(id).is_some_and(|g| *g > 0.0)
        })
        .map(|(id, _)| id)
        .collect();
    if speaking.0 != now {
        speaking.0 = now;
    }
}

fn retry_connections(mut retries: MessageReader<RetryConnection>) {
    for RetryConnection(person) in retries.read() {
        media::retry(*person);
    }
}
