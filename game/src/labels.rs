//! Labels drawn over the world with egui: place names, name tags with role and participation
//! badges, speaking rings, speech bubbles, and the guide boards (read in full from nearby, their
//! title from further off; the text always inside the board, never over its reader).

use bevy::prelude::*;
use bevy_egui::EguiContexts;
use bevy_egui::egui::{self, Align2, Color32, FontId, Pos2, Stroke};

use crate::avatar::{AVATAR_SCALE, Avatar, FRAME_SIZE};
use crate::camera::TownCamera;
use crate::chat::Bubble;
use crate::comfort::Comfort;
use crate::do_not_disturb::DoNotDisturb;
use crate::locale::{current, tf};
use crate::map::{Town, to_vec2};
use crate::presence::RemotePerson;
use crate::voice::{Speaking, Taking};
use protocol::{Participation, PlaceKind, Role};

/// What the labels drew in the last frame (for the browser tests).
#[derive(Resource, Debug, Default, Clone, Copy)]
pub struct LabelFigures {
    /// Speaking rings drawn.
    pub rings: usize,
    /// Name tags drawn.
    pub names: usize,
}

/// Widest a speech bubble gets, in points.
const BUBBLE_WIDTH: f32 = 220.0;
/// Widest a guide board's text gets, in points (it fits a 390-point phone).
const BOARD_WIDTH: f32 = 300.0;
/// How near a guide board one stands to read it in full, in pixels (5 tiles).
const BOARD_READ_REACH: f32 = 160.0;
/// Text sizes, in points: the UI's 16 for what is read, a little less for the badges under a
/// name (they sit side by side under it).
const BOARD_TEXT: f32 = 16.0;
const NAME_TEXT: f32 = 16.0;
const BADGE_TEXT: f32 = 14.0;
const BUBBLE_TEXT: f32 = 16.0;
/// A staff member's or counselor's badge (white text on it reads at WCAG AA).
const ROLE_BADGE: Color32 = Color32::from_rgb(150, 102, 8);
/// The 「話しかけないで」 sign.
const QUIET_BADGE: Color32 = Color32::from_rgb(110, 84, 140);

/// Colours of the participation badge: (background, text).
fn badge_colors(participation: Participation) -> (Color32, Color32) {
    match participation {
        Participation::Watching => (Color32::from_rgb(100, 100, 112), Color32::WHITE),
        Participation::Listening => (Color32::from_rgb(230, 226, 214), Color32::from_rgb(60, 60, 60)),
        Participation::Voice => (Color32::from_rgb(61, 122, 92), Color32::WHITE),
        Participation::Camera => (Color32::from_rgb(52, 94, 160), Color32::WHITE),
    }
}

pub(crate) fn world_labels(
    mut contexts: EguiContexts,
    town: Res<Town>,
    camera: Single<(&Camera, &GlobalTransform), With<TownCamera>>,
    avatars: Query<
        (&Avatar, &Transform, Option<&Bubble>, Option<&Taking>, Option<&RemotePerson>, Option<&DoNotDisturb>),
        Without<crate::interest::OutOfView>,
    >,
    speaking: Res<Speaking>,
    me: Option<Single<&Transform, With<crate::movement::LocalPlayer>>>,
    (programs, hours): (Res<crate::programs::Programs>, Res<crate::hours::TownHours>),
    (comfort, mut figures, mut rects): (Res<Comfort>, ResMut<LabelFigures>, ResMut<crate::ui::ControlRects>),
) -> Result {
    let scale = comfort.text.scale();
    let strong = comfort.high_contrast;
    figures.rings = 0;
    figures.names = 0;
    let ctx = contexts.ctx_mut()?;
    let (camera, camera_transform) = *camera;
    let to_screen = |world: Vec2| -> Option<Pos2> {
        camera.world_to_viewport(camera_transform, world.extend(0.0)).ok().map(|p| Pos2::new(p.x, p.y))
    };
    let painter = ctx.layer_painter(egui::LayerId::background());
    let map = &town.0;
    for place in &map.places {
        let a = place.area;
        let top_left = to_vec2(map.tile_center(a.col, a.row));
        let center_x = top_left.x + (a.width as f32 - 1.0) * map.tile_size / 2.0;
        let Some(at) = to_screen(Vec2::new(center_x, top_left.y)) else { continue };
        let ink = if strong { Color32::BLACK } else { Color32::from_rgb(60, 50, 40) };
        painter.text(at, Align2::CENTER_CENTER, place.name_in(current()), FontId::proportional(18.0 * scale), ink);
    }
    let head = FRAME_SIZE as f32 * AVATAR_SCALE / 2.0;
    for (avatar, transform, bubble, taking, remote, do_not_disturb) in &avatars {
        let feet = transform.translation.truncate();
        // A ring while someone speaks; おだやかモード shows none (it comes and goes with each word).
        if !comfort.calm
            && remote.is_some_and(|r| speaking.0.contains(&r.0))
            && let Some(center) = to_screen(feet)
        {
            painter.circle_stroke(center, head + 4.0, Stroke::new(3.0, Color32::from_rgb(80, 200, 120)));
            figures.rings += 1;
        }
        if let Some(at) = to_screen(feet - Vec2::new(0.0, head + 2.0)) {
            let galley = painter.layout_no_wrap(
                avatar.nickname.clone(),
                FontId::proportional(NAME_TEXT * scale),
                Color32::WHITE,
            );
            let rect = Align2::CENTER_TOP.anchor_size(at, galley.size()).expand(3.0);
            figures.names += usize::from(ctx.viewport_rect().intersects(rect));
            let tag = if strong { Color32::BLACK } else { Color32::from_rgba_unmultiplied(30, 30, 40, 190) };
            painter.rect_filled(rect, 4.0, tag);
            painter.galley(rect.min + egui::vec2(3.0, 3.0), galley, Color32::WHITE);
            // Under the name, one row centred on it: the role badge (drawn from the account's role,
            // never from text) and the step of the ladder. Beside the name, a badge would cover
            // the name of someone standing next to them.
            let mut badges = Vec::new();
            if avatar.role != Role::Participant {
                badges.push((avatar.role.label(current()), ROLE_BADGE, Color32::WHITE, true));
            }
            if let Some(taking) = taking {
                let (fill, text) = badge_colors(taking.0);
                badges.push((taking.0.badge(current()), fill, text, false));
            }
            if do_not_disturb.is_some_and(|sign| sign.0) {
                badges.push((crate::do_not_disturb::sign(), QUIET_BADGE, Color32::WHITE, false));
            }
            let laid: Vec<_> = badges
                .into_iter()
                .map(|(label, fill, text, outlined)| {
                    (
                        painter.layout_no_wrap(label.to_owned(), FontId::proportional(BADGE_TEXT * scale), text),
                        fill,
                        text,
                        outlined,
                    )
                })
                .collect();
            const GAP: f32 = 4.0;
            let row_width: f32 = laid.iter().map(|(galley, ..)| galley.size().x + 4.0).sum::<f32>()
                + GAP * laid.len().saturating_sub(1) as f32;
            let mut x = rect.center().x - row_width / 2.0;
            for (galley, fill, text, outlined) in laid {
                let size = galley.size() + egui::vec2(4.0, 4.0);
                let badge_rect = egui::Rect::from_min_size(egui::pos2(x, rect.bottom() + 3.0), size);
                painter.rect_filled(badge_rect, if outlined { 3.0 } else { 6.0 }, fill);
                if outlined {
                    painter.rect_stroke(badge_rect, 3.0, Stroke::new(1.0, Color32::WHITE), egui::StrokeKind::Inside);
                }
                painter.galley(badge_rect.min + egui::vec2(2.0, 2.0), galley, text);
                x += size.x + GAP;
            }
        }
        if let (Some(bubble), Some(at)) = (bubble, to_screen(feet + Vec2::new(0.0, head + 4.0))) {
            let galley = painter.layout(
                bubble.text.clone(),
                FontId::proportional(BUBBLE_TEXT * scale),
                Color32::BLACK,
                BUBBLE_WIDTH * scale,
            );
            let rect = Align2::CENTER_BOTTOM.anchor_size(at, galley.size()).expand(7.0);
            painter.rect_filled(rect, 10.0, Color32::WHITE);
            painter.rect_stroke(rect, 10.0, Stroke::new(1.5, Color32::from_rgb(80, 80, 80)), egui::StrokeKind::Outside);
            painter.galley(rect.min + egui::vec2(7.0, 7.0), galley, Color32::BLACK);
        }
    }
    name_signs(&painter, &to_screen, map, &mut rects);
    // The guide boards last: read in full, a board is what its reader looks at, over the name tags.
    let me = me.map(|me| me.translation.truncate());
    let board_lines = if map.boards.iter().any(|board| board.programs) {
        hours.board_lines().into_iter().chain(programs.board_lines()).collect()
    } else {
        Vec::new()
    };
    let top = rects.top_bar_bottom() + 4.0;
    for board in &map.boards {
        let listed = if board.programs { board_lines.as_slice() } else { &[] };
        let Some(rect) =
            guide_board(&painter, ctx.viewport_rect(), &to_screen, map, board, listed, me, top, (scale, strong))
        else {
            continue;
        };
        rects.note(format!("board:{}", board.title), rect);
    }
    Ok(())
}

/// A sign with the place's name on the wall beside the door of the places that have no sign of
/// their own (booths show whether they are open, halls the program on), so that a place out of
/// sight — the garden beyond the free space's east door — can be found from outside.
fn name_signs(
    painter: &egui::Painter,
    to_screen: &dyn Fn(Vec2) -> Option<Pos2>,
    map: &protocol::map::TownMap,
    rects: &mut crate::ui::ControlRects,
) {
    let wall = |(col, row): (u32, u32)| (map.tile(col, row) == Some(protocol::map::WALL)).then_some((col, row));
    for place in map.places.iter().filter(|place| matches!(place.kind, PlaceKind::Gallery | PlaceKind::Garden)) {
        let doors = map.doors(place);
        let (Some(first), Some(last)) = (doors.first(), doors.last()) else { continue };
        // Right of a doorway in a wall that runs across, or above one in a wall that runs down.
        let Some(spot) = wall((last.inside.0 + 1, last.inside.1))
            .or_else(|| first.outside.1.checked_sub(1).and_then(|row| wall((first.outside.0, row))))
        else {
            continue;
        };
        let Some(at) = to_screen(to_vec2(map.tile_center(spot.0, spot.1))) else { continue };
        let rect = crate::ui::wall_sign(
            painter,
            at,
            place.name_in(current()).to_owned(),
            Color32::from_rgb(112, 80, 52),
            Color32::WHITE,
        );
        rects.note(format!("sign:{}", place.name), rect);
    }
}

/// Draws a guide board's text box and says where: its whole text to a reader within
/// [`BOARD_READ_REACH`], on the side away from them; its title alone to anyone further off (below
/// the board in the upper half of the screen, above it in the lower half, clear of the top bar and
/// the chat field). Never above `top` (the top bar's bottom edge).
fn guide_board(
    painter: &egui::Painter,
    viewport: egui::Rect,
    to_screen: &dyn Fn(Vec2) -> Option<Pos2>,
    map: &protocol::map::TownMap,
    board: &protocol::map::Board,
    listed: &[String],
    me: Option<Vec2>,
    top: f32,
    (scale, strong): (f32, bool),
) -> Option<egui::Rect> {
    let board_at = to_vec2(map.tile_center(board.col, board.row));
    let at = to_screen(board_at)?;
    let near = me.is_none_or(|me| me.distance(board_at) <= BOARD_READ_REACH);
    let (title, lines) = board.text_in(current());
    let text = if near {
        std::iter::once(title)
            .chain(lines.iter().map(String::as_str))
            .chain(listed.iter().map(String::as_str))
            .collect::<Vec<_>>()
            .join("\n")
    } else {
        tf("board.folded", &[("title", &title)])
    };
    let galley = painter.layout(
        text,
        FontId::proportional(BOARD_TEXT * scale),
        Color32::from_rgb(40, 30, 20),
        BOARD_WIDTH * scale,
    );
    let reader_below = me.and_then(to_screen).map(|reader| reader.y > at.y);
    let above = match reader_below {
        Some(below) if near => below,
        _ => at.y > viewport.center().y,
    };
    let mut rect = if above {
        Align2::CENTER_BOTTOM.anchor_size(at - egui::vec2(0.0, 24.0), galley.size()).expand(6.0)
    } else {
        Align2::CENTER_TOP.anchor_size(at + egui::vec2(0.0, 24.0), galley.size()).expand(6.0)
    };
    if rect.min.y < top {
        rect = rect.translate(egui::vec2(0.0, top - rect.min.y));
    }
    let (paper, edge) = if strong {
        (Color32::WHITE, Stroke::new(2.5, Color32::BLACK))
    } else {
        (Color32::from_rgba_unmultiplied(255, 248, 230, 235), Stroke::new(1.5, Color32::from_rgb(140, 100, 60)))
    };
    painter.rect_filled(rect, 6.0, paper);
    painter.rect_stroke(rect, 6.0, edge, egui::StrokeKind::Outside);
    painter.galley(rect.min + egui::vec2(6.0, 6.0), galley, Color32::BLACK);
    Some(rect)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::theme::contrast;

    #[test]
    fn every_badge_reads_at_wcag_aa() {
        for participation in Participation::ALL {
            let (fill, text) = badge_colors(participation);
            assert!(contrast(text, fill) >= 4.5, "{participation:?}: {:.2}", contrast(text, fill));
        }
        assert!(contrast(Color32::WHITE, ROLE_BADGE) >= 4.5 && contrast(Color32::WHITE, QUIET_BADGE) >= 4.5);
    }
}
