//! On-screen UI with egui, all in Japanese: the font, the top bar (current place, people in
//! town, help), the help overlay, labels drawn over the world (place names, the guide board,
//! nickname tags, speech bubbles), and the closed screen.

use bevy::prelude::*;
use bevy_egui::egui::{self, Align2, Color32, FontId, Pos2, Stroke};
use bevy_egui::{EguiContexts, EguiPrimaryContextPass};

use crate::assets::{CoreAssets, FontBytes};
use crate::avatar::{AVATAR_SCALE, Avatar, FRAME_SIZE};
use crate::camera::TownCamera;
use crate::chat::Bubble;
use crate::map::{Town, to_vec2};
use crate::movement::LocalPlayer;
use crate::presence::People;
use crate::screens::{ClosedReason, Screen};

/// Name under which the Japanese font is registered in egui.
const FONT_NAME: &str = "BIZ UDPGothic";
/// Widest a speech bubble gets, in points.
const BUBBLE_WIDTH: f32 = 220.0;

/// Whether the help overlay is open.
#[derive(Resource, Debug, Default)]
pub struct HelpOpen(pub bool);

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<HelpOpen>()
        .add_systems(Update, toggle_help_with_key.run_if(in_state(Screen::Town)))
        .add_systems(
            EguiPrimaryContextPass,
            (
                install_font,
                (world_labels, top_bar, help_overlay).chain().run_if(in_state(Screen::Town)),
                closed_screen.run_if(in_state(Screen::Closed)),
            ),
        );
}

fn install_font(
    mut contexts: EguiContexts,
    core: Option<Res<CoreAssets>>,
    fonts: Res<Assets<FontBytes>>,
    mut installed: Local<bool>,
) -> Result {
    if *installed {
        return Ok(());
    }
    let Some(bytes) = core.and_then(|core| fonts.get(&core.font).cloned()) else { return Ok(()) };
    let mut definitions = egui::FontDefinitions::empty();
    definitions.font_data.insert(FONT_NAME.into(), egui::FontData::from_owned(bytes.0).into());
    for family in [egui::FontFamily::Proportional, egui::FontFamily::Monospace] {
        definitions.families.entry(family).or_default().push(FONT_NAME.into());
    }
    let ctx = contexts.ctx_mut()?;
    ctx.set_fonts(definitions);
    ctx.all_styles_mut(|style| {
        style.text_styles.insert(egui::TextStyle::Body, FontId::proportional(16.0));
        style.text_styles.insert(egui::TextStyle::Button, FontId::proportional(16.0));
        style.text_styles.insert(egui::TextStyle::Heading, FontId::proportional(22.0));
    });
    *installed = true;
    Ok(())
}

fn toggle_help_with_key(keys: Res<ButtonInput<KeyCode>>, mut help: ResMut<HelpOpen>) {
    if keys.just_pressed(KeyCode::KeyH) || keys.just_pressed(KeyCode::F1) {
        help.0 = !help.0;
    }
}

fn top_bar(
    mut contexts: EguiContexts,
    town: Res<Town>,
    people: Res<People>,
    player: Single<&Transform, With<LocalPlayer>>,
    mut help: ResMut<HelpOpen>,
) -> Result {
    let place = town.place_name(player.translation.truncate()).unwrap_or("通路");
    let ctx = contexts.ctx_mut()?;
    let width = ctx.viewport_rect().width();
    egui::Area::new("top-bar".into()).anchor(Align2::LEFT_TOP, [0.0, 0.0]).show(ctx, |ui| {
        let frame = egui::Frame::new().fill(Color32::from_rgba_unmultiplied(255, 252, 244, 240)).inner_margin(8);
        frame.show(ui, |ui| {
            ui.set_width(width - 16.0);
            ui.horizontal(|ui| {
                ui.heading("ibasho");
                ui.separator();
                ui.label(format!("現在地：{place}"));
                ui.separator();
                ui.label(format!("町にいる人：{}人", people.0.len()));
                ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                    if ui.button("？ 使い方").clicked() {
                        help.0 = !help.0;
                    }
                });
            });
        });
    });
    Ok(())
}

fn help_overlay(mut contexts: EguiContexts, mut help: ResMut<HelpOpen>) -> Result {
    let mut open = help.0;
    egui::Window::new("使い方")
        .open(&mut open)
        .collapsible(false)
        .resizable(false)
        .anchor(Align2::CENTER_CENTER, [0.0, 0.0])
        .show(contexts.ctx_mut()?, |ui| {
            ui.label("・矢印キー または W A S D キーで歩きます。");
            ui.label("・行きたい場所をクリック（タップ）すると、そこまで歩きます。");
            ui.label("・近くにいる人とチャットで話せます。下の入力欄に書いて Enter で送ります。");
            ui.label("・離れている人には届きません。");
            ui.label("・見ているだけ、聞いているだけでも大丈夫です。");
            ui.label("・H キーでこの説明を開いたり閉じたりできます。");
        });
    help.0 = open;
    Ok(())
}

fn world_labels(
    mut contexts: EguiContexts,
    town: Res<Town>,
    camera: Single<(&Camera, &GlobalTransform), With<TownCamera>>,
    avatars: Query<(&Avatar, &Transform, Option<&Bubble>)>,
) -> Result {
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
        painter.text(at, Align2::CENTER_CENTER, &place.name, FontId::proportional(18.0), Color32::from_rgb(60, 50, 40));
    }
    for board in &map.boards {
        let Some(at) = to_screen(to_vec2(map.tile_center(board.col, board.row))) else { continue };
        let text = std::iter::once(board.title.as_str())
            .chain(board.lines.iter().map(String::as_str))
            .collect::<Vec<_>>()
            .join("\n");
        let galley = painter.layout(text, FontId::proportional(13.0), Color32::from_rgb(40, 30, 20), 260.0);
        let rect = Align2::CENTER_BOTTOM.anchor_size(at + egui::vec2(0.0, -20.0), galley.size()).expand(6.0);
        painter.rect_filled(rect, 6.0, Color32::from_rgba_unmultiplied(255, 248, 230, 235));
        painter.rect_stroke(rect, 6.0, Stroke::new(1.5, Color32::from_rgb(140, 100, 60)), egui::StrokeKind::Outside);
        painter.galley(rect.min + egui::vec2(6.0, 6.0), galley, Color32::BLACK);
    }
    let head = FRAME_SIZE as f32 * AVATAR_SCALE / 2.0;
    for (avatar, transform, bubble) in &avatars {
        let feet = transform.translation.truncate();
        if let Some(at) = to_screen(feet - Vec2::new(0.0, head + 2.0)) {
            let galley = painter.layout_no_wrap(avatar.nickname.clone(), FontId::proportional(14.0), Color32::WHITE);
            let rect = Align2::CENTER_TOP.anchor_size(at, galley.size()).expand(3.0);
            painter.rect_filled(rect, 4.0, Color32::from_rgba_unmultiplied(30, 30, 40, 190));
            painter.galley(rect.min + egui::vec2(3.0, 3.0), galley, Color32::WHITE);
        }
        if let (Some(bubble), Some(at)) = (bubble, to_screen(feet + Vec2::new(0.0, head + 4.0))) {
            let galley = painter.layout(bubble.text.clone(), FontId::proportional(15.0), Color32::BLACK, BUBBLE_WIDTH);
            let rect = Align2::CENTER_BOTTOM.anchor_size(at, galley.size()).expand(7.0);
            painter.rect_filled(rect, 10.0, Color32::WHITE);
            painter.rect_stroke(rect, 10.0, Stroke::new(1.5, Color32::from_rgb(80, 80, 80)), egui::StrokeKind::Outside);
            painter.galley(rect.min + egui::vec2(7.0, 7.0), galley, Color32::BLACK);
        }
    }
    Ok(())
}

fn closed_screen(mut contexts: EguiContexts, reason: Option<Res<ClosedReason>>) -> Result {
    let message = reason.map_or_else(|| "接続が終了しました。".to_owned(), |reason| reason.0.clone());
    egui::Area::new("closed".into()).anchor(Align2::CENTER_CENTER, [0.0, 0.0]).show(contexts.ctx_mut()?, |ui| {
        ui.vertical_centered(|ui| {
            ui.heading("ibasho");
            ui.add_space(20.0);
            ui.label(message);
            ui.add_space(20.0);
            if ui.button("ページを再読み込みする").clicked() {
                #[cfg(target_arch = "wasm32")]
                crate::web::reload_page();
            }
        });
    });
    Ok(())
}
