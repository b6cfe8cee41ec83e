//! What the server tells us positions of: our screen's view (told to the server when it
//! changes), and the area of interest each positions frame carries. Someone whose last known
//! position lies outside that area is out of view: their avatar is hidden until a position
//! inside comes, and then it appears where they are (no walk across the town).

use bevy::prelude::*;
use protocol::ClientMessage;
use protocol::positions::Area;

use crate::assets::Welcomed;
use crate::camera::TownCamera;
use crate::map::to_position;
use crate::presence::{PresenceSet, RemotePerson, RemoteTarget, ServerLink};
use crate::screens::Screen;

/// The area of interest of the latest positions frame (none before the first).
#[derive(Resource, Debug, Default, Clone, Copy, PartialEq)]
pub struct Interest(pub Option<Area>);

/// A remote avatar out of view: the server no longer tells us where they are.
#[derive(Component, Debug)]
pub struct OutOfView;

/// The view grows or shrinks by more than this (world pixels) before the server is told.
const VIEW_STEP: f32 = 32.0;
/// The server is told the view at most this often (seconds), so that a view that keeps changing
/// (a zoom, a panel folding) never spends the connection's message budget.
const VIEW_EVERY: f32 = 1.0;

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<Interest>().add_systems(Update, follow_interest.after(PresenceSet));
}

pub(super) fn render_plugin(app: &mut App) {
    app.add_systems(Update, tell_view.run_if(in_state(Screen::Town)));
}

/// Hides those whose last position lies outside the area, and shows those back inside where
/// they are now.
fn follow_interest(
    mut commands: Commands,
    interest: Res<Interest>,
    mut people: Query<(Entity, &RemoteTarget, &mut Transform, &mut Visibility, Has<OutOfView>), With<RemotePerson>>,
) {
    for (entity, target, mut transform, mut visibility, was_out) in &mut people {
        let out = interest.0.is_some_and(|area| !area.contains(to_position(target.0)));
        if out == was_out {
            continue;
        }
        if out {
            commands.entity(entity).insert(OutOfView);
            *visibility = Visibility::Hidden;
        } else {
            commands.entity(entity).remove::<OutOfView>();
            *visibility = Visibility::Inherited;
            transform.translation.x = target.0.x;
            transform.translation.y = target.0.y;
        }
    }
}

/// Tells the server how much of the town the screen shows, when it changes and after every
/// welcome (a new arrival starts with the server's default).
fn tell_view(
    time: Res<Time>,
    link: Res<ServerLink>,
    welcomed: Res<Welcomed>,
    window: Single<&Window>,
    camera: Single<&Projection, With<TownCamera>>,
    mut told: Local<Option<Vec2>>,
    mut last: Local<Option<f32>>,
) {
    let Projection::Orthographic(orthographic) = *camera else { return };
    let view = window.size() * orthographic.scale;
    if welcomed.is_changed() {
        *told = None;
    }
    let changed = told.is_none_or(|told| (told - view).abs().max_element() > VIEW_STEP);
    let now = time.elapsed_secs();
    let due = last.is_none_or(|last| now - last >= VIEW_EVERY);
    if welcomed.0 && changed && due && view.x > 0.0 && view.y > 0.0 {
        let _ = link.outgoing.try_send(ClientMessage::SetView { width: view.x, height: view.y });
        *told = Some(view);
        *last = Some(now);
    }
}
