//! Screens of the client: loading, the town, and closed (connection lost or ended).

use bevy::prelude::*;

/// The screen the person sees.
#[derive(States, Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Screen {
    /// Assets are loading and the server connection is opening.
    #[default]
    Loading,
    /// Walking the town.
    Town,
    /// The connection ended; a message says why.
    Closed,
}

/// Why the town closed, shown on the closed screen (Japanese).
#[derive(Resource, Debug, Clone, PartialEq, Eq)]
pub struct ClosedReason(pub String);

pub(super) fn plugin(app: &mut App) {
    app.init_state::<Screen>();
}
