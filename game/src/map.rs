//! The town map in the world: the `Town` resource and wall collision (how it looks is
//! `town_look.rs`).

use std::collections::HashMap;
use std::sync::Arc;

use bevy::prelude::*;
use protocol::{Position, TownMap};

use crate::assets::{CoreAssets, TownMapAsset};

/// Half the side of an avatar's footprint, in pixels: what collides with walls.
pub const FOOTPRINT_HALF: f32 = 10.0;

/// The loaded town map.
#[derive(Resource, Debug, Clone)]
pub struct Town(pub Arc<TownMap>);

/// Tiles that are walls for us right now though the map has floor there (booths whose door is
/// closed to us), each with the tile to walk to instead when one is clicked (its door's front).
#[derive(Resource, Debug, Default, Clone, PartialEq, Eq)]
pub struct Barriers(pub HashMap<(u32, u32), (u32, u32)>);

impl Town {
    /// Whether a footprint centred at `center` overlaps a wall or leaves the map.
    pub fn blocked(&self, center: Vec2) -> bool {
        self.blocked_by(center, &Barriers::default())
    }

    /// Whether a footprint centred at `center` overlaps a wall, a barrier, or leaves the map.
    pub fn blocked_by(&self, center: Vec2, barriers: &Barriers) -> bool {
        let map = &self.0;
        let corners = [
            Vec2::new(-FOOTPRINT_HALF, -FOOTPRINT_HALF),
            Vec2::new(FOOTPRINT_HALF, -FOOTPRINT_HALF),
            Vec2::new(-FOOTPRINT_HALF, FOOTPRINT_HALF),
            Vec2::new(FOOTPRINT_HALF, FOOTPRINT_HALF),
        ];
        corners.iter().any(|corner| {
            let point = center + *corner;
            !map.tile_at(to_position(point))
                .is_some_and(|(col, row)| map.is_walkable(col, row) && !barriers.0.contains_key(&(col, row)))
        })
    }

    /// Moves from `from` by `delta`, sliding along walls and barriers: each axis is tried on its own.
    pub fn slide(&self, from: Vec2, delta: Vec2, barriers: &Barriers) -> Vec2 {
        let mut at = from;
        let along_x = Vec2::new(at.x + delta.x, at.y);
        if !self.blocked_by(along_x, barriers) {
            at = along_x;
        }
        let along_y = Vec2::new(at.x, at.y + delta.y);
        if !self.blocked_by(along_y, barriers) {
            at = along_y;
        }
        at
    }

    /// The name in `lang` of the place at `point`, if any.
    pub fn place_name(&self, point: Vec2, lang: protocol::locale::Lang) -> Option<&str> {
        self.0.place_at(to_position(point)).map(|place| place.name_in(lang))
    }
}

/// A protocol position from a world point.
pub fn to_position(point: Vec2) -> Position {
    Position::new(point.x, point.y)
}

/// A world point from a protocol position.
pub fn to_vec2(position: Position) -> Vec2 {
    Vec2::new(position.x, position.y)
}

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<Barriers>().add_systems(Update, insert_town.run_if(not(resource_exists::<Town>)));
}

fn insert_town(mut commands: Commands, core: Option<Res<CoreAssets>>, maps: Res<Assets<TownMapAsset>>) {
    let Some(map) = core.and_then(|core| maps.get(&core.map).cloned()) else { return };
    commands.insert_resource(Town(Arc::new(map.0)));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn town() -> Town {
        Town(Arc::new(TownMap::from_ron(include_str!("../../assets/maps/town.ron")).expect("map")))
    }

    #[test]
    fn walls_block_and_sliding_keeps_the_free_axis() {
        let town = town();
        let spawn = to_vec2(town.0.spawn_position());
        assert!(!town.blocked(spawn));
        // The outer wall is at column 0: walking left from column 1 stops before it.
        let near_wall = to_vec2(town.0.tile_center(1, 18));
        let moved = town.slide(near_wall, Vec2::new(-20.0, 5.0), &Barriers::default());
        assert!(moved.x >= 32.0 + FOOTPRINT_HALF, "stopped by the wall: {moved}");
        assert_eq!(moved.y, near_wall.y + 5.0, "slid along it");
    }
}
