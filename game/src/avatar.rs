//! Avatars: who an avatar is (look, nickname), which way it faces and whether it walks; and
//! (render plugin) its sprite sheet with a three-frame walk cycle.

use bevy::prelude::*;
use protocol::{AVATAR_COUNT, AvatarId};

use crate::assets::PendingAssets;

/// Side of one sprite frame in the sheets, in pixels.
pub const FRAME_SIZE: u32 = 32;
/// Drawn size of an avatar (frames are scaled up for readability).
pub const AVATAR_SCALE: f32 = 1.5;
/// Walk-cycle frames per second.
pub const WALK_FRAMES_PER_SECOND: f32 = 8.0;

/// An avatar in the town, the local player's or someone else's.
#[derive(Component, Debug, Clone)]
pub struct Avatar {
    /// Look.
    pub look: AvatarId,
    /// Nickname shown above it.
    pub nickname: String,
    /// Role: staff, counselors and facilitators carry a badge the client draws beside the
    /// name, which no nickname can imitate.
    pub role: protocol::Role,
}

/// Which way an avatar faces; also the row in its sprite sheet.
#[derive(Component, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Facing {
    /// Towards the viewer.
    #[default]
    Down,
    /// To the left.
    Left,
    /// To the right.
    Right,
    /// Away from the viewer.
    Up,
}

impl Facing {
    /// The facing that best matches a movement.
    pub fn from_motion(delta: Vec2) -> Option<Facing> {
        if delta.length_squared() < 1e-6 {
            return None;
        }
        Some(if delta.x.abs() > delta.y.abs() {
            if delta.x < 0.0 { Facing::Left } else { Facing::Right }
        } else if delta.y < 0.0 {
            Facing::Down
        } else {
            Facing::Up
        })
    }

    fn sheet_row(self) -> usize {
        match self {
            Facing::Down => 0,
            Facing::Left => 1,
            Facing::Right => 2,
            Facing::Up => 3,
        }
    }
}

/// Whether the avatar moved this frame (drives the walk cycle).
#[derive(Component, Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Walking(pub bool);

/// The avatar sheets, one per look.
#[derive(Resource, Debug, Clone)]
pub struct AvatarSheets {
    images: Vec<Handle<Image>>,
    layout: Handle<TextureAtlasLayout>,
}

/// Loads the sheets and draws avatars.
pub fn render_plugin(app: &mut App) {
    app.add_systems(Startup, load_sheets)
        .add_systems(Update, (attach_sprites, animate_avatars))
        .add_systems(OnEnter(crate::screens::Screen::Closed), hide_avatars);
}

/// A closed page shows only why it closed: nobody is drawn behind the message.
fn hide_avatars(mut avatars: Query<&mut Visibility, With<Avatar>>) {
    for mut visibility in &mut avatars {
        *visibility = Visibility::Hidden;
    }
}

fn load_sheets(
    mut commands: Commands,
    server: Res<AssetServer>,
    mut layouts: ResMut<Assets<TextureAtlasLayout>>,
    mut pending: ResMut<PendingAssets>,
) {
    let images: Vec<Handle<Image>> =
        (0..AVATAR_COUNT).map(|n| server.load(format!("avatars/avatar-{n}.png"))).collect();
    pending.0.extend(images.iter().map(|handle| handle.clone().untyped()));
    let layout = layouts.add(TextureAtlasLayout::from_grid(UVec2::splat(FRAME_SIZE), 3, 4, None, None));
    commands.insert_resource(AvatarSheets { images, layout });
}

fn attach_sprites(mut commands: Commands, sheets: Res<AvatarSheets>, added: Query<(Entity, &Avatar), Added<Avatar>>) {
    for (entity, avatar) in &added {
        let image = sheets.images.get(avatar.look.0 as usize).cloned().unwrap_or_default();
        let atlas = TextureAtlas { layout: sheets.layout.clone(), index: 1 };
        let mut sprite = Sprite::from_atlas_image(image, atlas);
        sprite.custom_size = Some(Vec2::splat(FRAME_SIZE as f32 * AVATAR_SCALE));
        commands.entity(entity).insert(sprite);
    }
}

fn animate_avatars(
    time: Res<Time>,
    comfort: Option<Res<crate::comfort::Comfort>>,
    mut avatars: Query<(&Facing, &Walking, &mut Sprite)>,
) {
    let cycle = [0, 1, 2, 1];
    let frame = (time.elapsed_secs() * WALK_FRAMES_PER_SECOND) as usize % cycle.len();
    // おだやかモード: avatars glide, without stepping.
    let stepping = !comfort.is_some_and(|comfort| comfort.calm);
    for (facing, walking, mut sprite) in &mut avatars {
        let column = if walking.0 && stepping { cycle[frame] } else { 1 };
        if let Some(atlas) = sprite.texture_atlas.as_mut() {
            atlas.index = facing.sheet_row() * 3 + column;
        }
    }
}
