//! What a person sees of the gallery (egui, Japanese): at a screen, its video's title and
//! description, the other videos to choose from, and for staff 「みんなで見る」; during a showing,
//! what is shown and 「ひとりで見る」 (step out) or 「みんなの上映に戻る」, and for staff the
//! showing's controls (play, pause, ten seconds back or on, from the start, speed, end). The
//! video itself is the page's `<video>` beside the panel.

use bevy::prelude::*;
use bevy_egui::egui::{self, Align2, Color32, FontId, RichText, Stroke};
use bevy_egui::{EguiContexts, EguiPrimaryContextPass};
use protocol::{GalleryRequest, Role, Showing, VideoView};

use super::gallery::{
    AskGallery, GalleryRefusal, GalleryShowing, GallerySpot, Playback, ServerClock, Videos, wall_clock_ms,
};
use crate::camera::TownCamera;
use crate::locale::{t, tf};
use crate::map::{Town, to_vec2};
use crate::presence::Me;
use crate::screens::Screen;
use crate::ui::{ControlRects, side_panel};

/// The speeds staff may choose for a showing.
const RATES: [f64; 4] = [0.75, 1.0, 1.25, 1.5];

pub(super) fn plugin(app: &mut App) {
    app.add_systems(
        EguiPrimaryContextPass,
        (screens_on_walls, gallery_panel)
            .chain()
            .after(crate::ui::UiSet)
            .run_if(in_state(Screen::Town))
            .run_if(resource_exists::<Me>),
    );
}

/// Everything the panel reads of the gallery.
type GalleryShown<'w> =
    (Res<'w, Playback>, Res<'w, Videos>, Res<'w, GalleryShowing>, Res<'w, ServerClock>, Res<'w, GalleryRefusal>);

fn gallery_panel(
    mut contexts: EguiContexts,
    (playback, videos, showing, clock, refusal): GalleryShown,
    mut spot: ResMut<GallerySpot>,
    me: Res<Me>,
    mut asks: MessageWriter<AskGallery>,
    mut rects: ResMut<ControlRects>,
) -> Result {
    let stepped_out = spot.inside && spot.stepped_out && showing.0.is_some();
    let empty_screen = spot.screen.is_some() && videos.0.is_empty();
    if *playback == Playback::Nothing && !empty_screen {
        return Ok(());
    }
    let staff = me.role == Role::Staff;
    let mut asked = Vec::new();
    let shown = side_panel(t("gallery.title"), Align2::LEFT_TOP, &rects).show(contexts.ctx_mut()?, |ui| {
        match &*playback {
            Playback::Together(showing, video) => {
                ui.label(RichText::new(tf("gallery.watching_together", &[("title", &video.title)])).strong());
                describe(ui, video);
                ui.separator();
                if staff {
                    let now = clock.server_time(wall_clock_ms()).unwrap_or_else(wall_clock_ms);
                    controls(ui, showing, video, now, &mut rects, &mut asked);
                } else {
                    ui.label(t("gallery.staff_runs"));
                    if rects.button(ui, "gallery-step-out", t("gallery.step_out")) {
                        spot.stepped_out = true;
                    }
                }
            }
            Playback::Alone(video) => {
                ui.label(RichText::new(&video.title).strong());
                describe(ui, video);
                ui.label(t("gallery.press_play"));
                if stepped_out && rects.button(ui, "gallery-step-in", t("gallery.step_in")) {
                    spot.stepped_out = false;
                }
                if videos.0.len() > 1 {
                    ui.separator();
                    ui.label(t("gallery.other_videos"));
                    for other in videos.0.iter().filter(|other| other.id != video.id) {
                        if rects.button(ui, &format!("gallery-video:{}", other.id.0), &other.title) {
                            spot.chosen = Some(other.id);
                        }
                    }
                }
                if staff && let Some(screen) = spot.screen {
                    ui.separator();
                    ui.label(t("gallery.present.explain"));
                    if rects.button(ui, "gallery-present", t("gallery.present")) {
                        asked.push(GalleryRequest::Present { screen, video: video.id });
                    }
                }
            }
            Playback::Nothing => {
                ui.label(t("gallery.no_video"));
            }
        }
        if let Some(text) = refusal.0 {
            ui.add_space(4.0);
            ui.label(RichText::new(text).color(egui::Color32::from_rgb(150, 60, 40)));
        }
    });
    if let Some(shown) = shown {
        rects.note("gallery-panel", shown.response.rect);
    }
    for request in asked {
        asks.write(AskGallery(request));
    }
    Ok(())
}

/// The gallery's screens on its wall: dark panels over the wall tiles above the spots in front
/// of them, with the title of what they show (and 「上映中」 while it is presented there).
fn screens_on_walls(
    mut contexts: EguiContexts,
    town: Res<Town>,
    videos: Res<Videos>,
    showing: Res<GalleryShowing>,
    camera: Single<(&Camera, &GlobalTransform), With<TownCamera>>,
) -> Result {
    let ctx = contexts.ctx_mut()?;
    let painter = ctx.layer_painter(egui::LayerId::background());
    let (camera, camera_transform) = *camera;
    let map = &town.0;
    let galleries = map.places.iter().filter(|place| !place.screens.is_empty());
    for place in galleries {
        for (index, screen) in place.screens.iter().enumerate() {
            let index = index as u32;
            let Some(row) = screen.row.checked_sub(1) else { continue };
            let half = map.tile_size / 2.0;
            let left = to_vec2(map.tile_center(screen.col, row)) + Vec2::new(-half + 4.0, half - 6.0);
            let right =
                to_vec2(map.tile_center(screen.col + screen.width - 1, row)) + Vec2::new(half - 4.0, -half + 2.0);
            let (Ok(a), Ok(b)) = (
                camera.world_to_viewport(camera_transform, left.extend(0.0)),
                camera.world_to_viewport(camera_transform, right.extend(0.0)),
            ) else {
                continue;
            };
            let rect = egui::Rect::from_two_pos(egui::pos2(a.x, a.y), egui::pos2(b.x, b.y));
            let presented = showing.0.as_ref().filter(|s| s.gallery == place.id && s.screen == index);
            let title = match presented {
                Some(showing) => {
                    videos.get(showing.video).map(|video| tf("gallery.showing", &[("title", &video.title)]))
                }
                None => videos.for_screen(index).map(|video| video.title.clone()),
            };
            let fill = if presented.is_some() { Color32::from_rgb(30, 58, 48) } else { Color32::from_rgb(28, 32, 36) };
            painter.rect_filled(rect, 3.0, fill);
            painter.rect_stroke(
                rect,
                3.0,
                Stroke::new(2.0, Color32::from_rgb(120, 110, 96)),
                egui::StrokeKind::Outside,
            );
            let text = title.unwrap_or_else(|| t("gallery.screen").to_owned());
            let galley = painter.layout_no_wrap(text, FontId::proportional(12.0), Color32::from_rgb(236, 240, 232));
            let left = (rect.center().x - galley.size().x / 2.0).max(rect.left() + 3.0);
            let at = egui::pos2(left, rect.center().y - galley.size().y / 2.0);
            painter.with_clip_rect(rect.shrink(2.0)).galley(at, galley, Color32::WHITE);
        }
    }
    Ok(())
}

fn describe(ui: &mut egui::Ui, video: &VideoView) {
    if let Some(program) = &video.program {
        ui.label(tf("gallery.program", &[("program", &program)]));
    }
    if !video.description.is_empty() {
        ui.label(&video.description);
    }
    let seconds = video.duration_ms.div_ceil(1000);
    let length = tf("gallery.length", &[("minutes", &(seconds / 60)), ("seconds", &format!("{:02}", seconds % 60))]);
    ui.label(if video.captions { tf("gallery.length.captions", &[("length", &length)]) } else { length });
}

/// The showing's controls, for staff: each sends the whole new state.
fn controls(
    ui: &mut egui::Ui,
    showing: &Showing,
    video: &VideoView,
    server_now: f64,
    rects: &mut ControlRects,
    asked: &mut Vec<GalleryRequest>,
) {
    let at_ms = (showing.position_at(server_now) * 1000.0).clamp(0.0, video.duration_ms as f64) as u64;
    let state = |playing: bool, position_ms: u64, rate: f64| GalleryRequest::Control {
        playing,
        position_ms: position_ms.min(video.duration_ms),
        rate,
    };
    ui.label(format!(
        "{}　{}／{}",
        if showing.playing { t("gallery.playing") } else { t("gallery.paused") },
        clock_label(at_ms),
        clock_label(video.duration_ms)
    ));
    ui.horizontal_wrapped(|ui| {
        if showing.playing {
            if rects.button(ui, "gallery-pause", t("gallery.pause")) {
                asked.push(state(false, at_ms, showing.rate));
            }
        } else if rects.button(ui, "gallery-play", t("gallery.play")) {
            asked.push(state(true, at_ms, showing.rate));
        }
        if rects.button(ui, "gallery-back", t("gallery.back10")) {
            asked.push(state(showing.playing, at_ms.saturating_sub(10_000), showing.rate));
        }
        if rects.button(ui, "gallery-forward", t("gallery.forward10")) {
            asked.push(state(showing.playing, at_ms + 10_000, showing.rate));
        }
        if rects.button(ui, "gallery-restart", t("gallery.restart")) {
            asked.push(state(showing.playing, 0, showing.rate));
        }
    });
    ui.horizontal_wrapped(|ui| {
        ui.label(t("gallery.speed"));
        for rate in RATES {
            let times = tf("gallery.rate", &[("rate", &rate)]);
            let text = if (rate - showing.rate).abs() < 1e-6 { format!("[{times}]") } else { times };
            if rects.button(ui, &format!("gallery-rate:{rate}"), &text) {
                asked.push(state(showing.playing, at_ms, rate));
            }
        }
    });
    if rects.button(ui, "gallery-stop", t("gallery.stop")) {
        asked.push(GalleryRequest::Stop);
    }
}

/// 「1:05」.
fn clock_label(ms: u64) -> String {
    let seconds = ms / 1000;
    format!("{}:{:02}", seconds / 60, seconds % 60)
}
