//! Device settings: which microphone, camera and speaker to use, the microphone's input level,
//! and a test sound. The browser's media layer fills the lists and the level and acts on the
//! choices; the settings window (ui) shows them.

use bevy::prelude::*;

/// A microphone, camera or speaker the browser offers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceInfo {
    /// The browser's device id.
    pub id: String,
    /// Its name (empty until the browser was allowed to use a device once).
    pub label: String,
}

/// The devices the browser offers.
#[derive(Resource, Debug, Default, Clone, PartialEq, Eq)]
pub struct Devices {
    /// Microphones.
    pub microphones: Vec<DeviceInfo>,
    /// Cameras.
    pub cameras: Vec<DeviceInfo>,
    /// Speakers and headphones.
    pub speakers: Vec<DeviceInfo>,
}

/// The person's picks (None: the browser's default).
#[derive(Resource, Debug, Default, Clone, PartialEq, Eq)]
pub struct DeviceChoice {
    /// Microphone id.
    pub microphone: Option<String>,
    /// Camera id.
    pub camera: Option<String>,
    /// Speaker id.
    pub speaker: Option<String>,
}

/// The microphone's current input level, 0 to 1 (0 while it is off).
#[derive(Resource, Debug, Default, Clone, Copy, PartialEq)]
pub struct InputLevel(pub f32);

/// Play a short test sound on the chosen speaker.
#[derive(Message, Debug, Clone, Copy)]
pub struct PlayTestSound;

/// Whether the settings window is open.
#[derive(Resource, Debug, Default)]
pub struct SettingsOpen(pub bool);

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<Devices>()
        .init_resource::<DeviceChoice>()
        .init_resource::<InputLevel>()
        .init_resource::<SettingsOpen>()
        .add_message::<PlayTestSound>();
}
