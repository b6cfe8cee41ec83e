//! The participation ladder: 見学 · 聞くだけ · 声で参加 · カメラも. Every entry starts at
//! 聞くだけ with microphone and camera off. Choosing voice or camera first asks the browser for
//! the device (the web media layer answers with `DevicesReady` or `DevicesFailed`); only then
//! does the step change and the server tell the others.

use bevy::prelude::*;
use protocol::{ClientMessage, Participation};

use crate::locale::tf;
use crate::movement::LocalPlayer;
use crate::presence::ServerLink;
use crate::screens::Screen;
use crate::voice::Taking;

/// The person picked a step of the ladder (top bar or entry dialog).
#[derive(Message, Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChooseParticipation(pub Participation);

/// A step waiting for the browser's microphone/camera permission.
#[derive(Resource, Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct DeviceRequest(pub Option<Participation>);

/// The devices for a step are on.
#[derive(Message, Debug, Clone, Copy)]
pub struct DevicesReady(pub Participation);

/// The devices could not be had; the message says why (Japanese).
#[derive(Message, Debug, Clone)]
pub struct DevicesFailed(pub String);

/// The entry dialog: how to take part this time, asked on every entry (pre-selected: 聞くだけ).
/// Any choice, there or in the top bar, answers it.
#[derive(Resource, Debug, Default)]
pub struct EntryChoice {
    /// Whether the dialog is open.
    pub open: bool,
    /// The step picked in it.
    pub picked: Participation,
}

/// A notice about devices or connections to show the person, if any (Japanese).
#[derive(Resource, Debug, Default, Clone)]
pub struct MediaNotice(pub Option<String>);

/// Staff hold our voice until this time (city time, e.g. 「14:30」), as the server last said.
#[derive(Resource, Debug, Default, Clone, PartialEq, Eq)]
pub struct VoiceHold(pub Option<String>);

/// What the page says while staff hold our voice.
pub fn voice_hold_text(until: &str) -> String {
    tf("hold.text", &[("until", &until)])
}

/// What the page says once the hold is over.
pub fn voice_back_text() -> &'static str {
    crate::locale::t("hold.over")
}

/// The person whose voice connection failed, offered a retry in the notice.
#[derive(Resource, Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct FailedConnection(pub Option<protocol::ParticipantId>);

/// Try the failed voice connection with this person again.
#[derive(Message, Debug, Clone, Copy)]
pub struct RetryConnection(pub protocol::ParticipantId);

pub(super) fn plugin(app: &mut App) {
    app.add_message::<ChooseParticipation>()
        .add_message::<DevicesReady>()
        .add_message::<DevicesFailed>()
        .init_resource::<DeviceRequest>()
        .init_resource::<MediaNotice>()
        .init_resource::<FailedConnection>()
        .add_message::<RetryConnection>()
        .init_resource::<EntryChoice>()
        .init_resource::<VoiceHold>()
        .add_systems(OnEnter(Screen::Town), |mut entry: ResMut<EntryChoice>| {
            *entry = EntryChoice { open: true, picked: Participation::default() };
        })
        .add_systems(
            Update,
            (follow_voice_hold, choose, devices_ready, devices_failed).chain().run_if(resource_exists::<ServerLink>),
        );
}

/// Staff held our voice (or the hold ended): a voice step goes down to 聞くだけ — the server has
/// already shown us so to everyone — and the notice says until when.
fn follow_voice_hold(
    hold: Res<VoiceHold>,
    mut request: ResMut<DeviceRequest>,
    mut notice: ResMut<MediaNotice>,
    link: Res<ServerLink>,
    mut me: Query<&mut Taking, With<LocalPlayer>>,
    mut last: Local<Option<String>>,
) {
    if hold.0 == *last {
        return;
    }
    let was_held = last.is_some();
    *last = hold.0.clone();
    match &hold.0 {
        Some(until) => {
            request.0 = None;
            notice.0 = Some(voice_hold_text(until));
            if let Ok(mut taking) = me.single_mut()
                && taking.0.sends_audio()
            {
                apply(&mut taking, Participation::Listening, &link);
            }
        }
        None if was_held => notice.0 = Some(voice_back_text().to_owned()),
        None => {}
    }
}

fn choose(
    mut choices: MessageReader<ChooseParticipation>,
    mut entry: ResMut<EntryChoice>,
    mut request: ResMut<DeviceRequest>,
    mut notice: ResMut<MediaNotice>,
    link: Res<ServerLink>,
    hold: Res<VoiceHold>,
    mut me: Query<&mut Taking, With<LocalPlayer>>,
) {
    let Some(ChooseParticipation(wanted)) = choices.read().last().copied() else { return };
    entry.open = false;
    let Ok(mut taking) = me.single_mut() else { return };
    notice.0 = None;
    if let Some(until) = hold.0.as_ref().filter(|_| wanted.sends_audio()) {
        notice.0 = Some(voice_hold_text(until));
        return;
    }
    if wanted.sends_audio() {
        // Ask for the devices first; the step changes only when they are on.
        request.0 = Some(wanted);
    } else {
        request.0 = None;
        apply(&mut taking, wanted, &link);
    }
}

fn devices_ready(
    mut ready: MessageReader<DevicesReady>,
    mut request: ResMut<DeviceRequest>,
    link: Res<ServerLink>,
    mut me: Query<&mut Taking, With<LocalPlayer>>,
) {
    for DevicesReady(participation) in ready.read() {
        if request.0 != Some(*participation) {
            continue;
        }
        request.0 = None;
        if let Ok(mut taking) = me.single_mut() {
            apply(&mut taking, *participation, &link);
        }
    }
}

fn devices_failed(
    mut failed: MessageReader<DevicesFailed>,
    mut request: ResMut<DeviceRequest>,
    mut notice: ResMut<MediaNotice>,
) {
    for DevicesFailed(message) in failed.read() {
        request.0 = None;
        notice.0 = Some(message.clone());
    }
}

fn apply(taking: &mut Taking, participation: Participation, link: &ServerLink) {
    if taking.0 != participation {
        taking.0 = participation;
        let _ = link.outgoing.try_send(ClientMessage::SetParticipation { participation });
    }
}
