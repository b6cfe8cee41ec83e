//! One warm, light look for everything egui draws in the town (top bar, dialogs, panels), the
//! same as the registration page: its cream paper, dark ink, green for what is chosen, and the
//! BIZ UDPGothic font at 16 px or more. Buttons look like buttons (a fill and a border), and on a
//! phone they grow to 44 px so that a thumb finds them.

use bevy::prelude::*;
use bevy_egui::egui::{self, Color32, CornerRadius, FontId, Stroke, TextStyle};
use bevy_egui::{EguiContexts, EguiPrimaryContextPass};

use crate::comfort::Comfort;

/// Below this viewport width (CSS pixels) the page counts as a phone or small tablet: the top
/// bar folds and touch targets grow.
pub const PHONE_WIDTH: f32 = 720.0;
/// Height of a button on a phone (the least a fingertip hits reliably).
pub const TOUCH_TARGET: f32 = 44.0;

/// The page's paper (registration page's `main`).
pub const PAPER: Color32 = Color32::from_rgb(255, 253, 248);
/// The page's background and quiet fills.
pub const SAND: Color32 = Color32::from_rgb(244, 239, 230);
/// Body text.
pub const INK: Color32 = Color32::from_rgb(43, 43, 43);
/// Secondary text (still 7:1 on paper).
pub const SOFT_INK: Color32 = Color32::from_rgb(85, 80, 72);
/// Chosen things and the main action (white text on it is 5.3:1).
pub const GREEN: Color32 = Color32::from_rgb(61, 122, 92);
/// A button's face.
pub const BUTTON: Color32 = Color32::from_rgb(240, 232, 216);
/// Lines and borders.
pub const LINE: Color32 = Color32::from_rgb(185, 174, 152);
/// What is chosen, in high contrast (white text on it is 8:1).
pub const DEEP_GREEN: Color32 = Color32::from_rgb(24, 80, 52);

pub(super) fn plugin(app: &mut App) {
    app.add_systems(EguiPrimaryContextPass, apply_theme);
}

/// Sets the theme on the first frame and again whenever the page crosses the phone width or the
/// person changes the text size or contrast.
fn apply_theme(
    mut contexts: EguiContexts,
    comfort: Res<Comfort>,
    mut applied: Local<Option<(bool, Comfort)>>,
) -> Result {
    let ctx = contexts.ctx_mut()?;
    let phone = ctx.viewport_rect().width() < PHONE_WIDTH;
    if *applied == Some((phone, *comfort)) {
        return Ok(());
    }
    let looks = Looks { phone, text_scale: comfort.text.scale(), high_contrast: comfort.high_contrast };
    ctx.all_styles_mut(|style| warm_style(style, looks));
    *applied = Some((phone, *comfort));
    Ok(())
}

/// What the style adapts to.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Looks {
    /// A phone or small tablet: 44 px touch targets.
    pub phone: bool,
    /// Text size relative to 16 px.
    pub text_scale: f32,
    /// Black on white with strong edges.
    pub high_contrast: bool,
}

impl Default for Looks {
    fn default() -> Self {
        Looks { phone: false, text_scale: 1.0, high_contrast: false }
    }
}

/// The warm, light style (or its high-contrast form), with text at 16 px times the person's scale.
pub fn warm_style(style: &mut egui::Style, looks: Looks) {
    let Looks { phone, text_scale, high_contrast } = looks;
    let text = 16.0 * text_scale;
    style.text_styles.insert(TextStyle::Small, FontId::proportional(text));
    style.text_styles.insert(TextStyle::Body, FontId::proportional(text));
    style.text_styles.insert(TextStyle::Button, FontId::proportional(text));
    style.text_styles.insert(TextStyle::Monospace, FontId::monospace(text));
    style.text_styles.insert(TextStyle::Heading, FontId::proportional(22.0 * text_scale));
    style.spacing.button_padding = if phone { egui::vec2(12.0, 14.0) } else { egui::vec2(10.0, 5.0) };
    style.spacing.interact_size.y = if phone { TOUCH_TARGET } else { 30.0 };
    style.spacing.item_spacing = egui::vec2(8.0, 6.0);
    style.spacing.window_margin = egui::Margin::same(12);

    let mut visuals = egui::Visuals::light();
    visuals.override_text_color = Some(INK);
    visuals.weak_text_color = Some(SOFT_INK);
    visuals.hyperlink_color = Color32::from_rgb(30, 90, 140);
    visuals.window_fill = PAPER;
    visuals.panel_fill = PAPER;
    visuals.faint_bg_color = SAND;
    visuals.extreme_bg_color = SAND;
    visuals.code_bg_color = SAND;
    visuals.window_stroke = Stroke::new(1.0, LINE);
    visuals.window_corner_radius = CornerRadius::same(10);
    visuals.menu_corner_radius = CornerRadius::same(8);
    visuals.window_shadow = egui::Shadow { offset: [0, 4], blur: 16, spread: 0, color: Color32::from_black_alpha(40) };
    visuals.popup_shadow = egui::Shadow { offset: [0, 2], blur: 8, spread: 0, color: Color32::from_black_alpha(30) };
    visuals.warn_fg_color = Color32::from_rgb(140, 80, 0);
    visuals.error_fg_color = Color32::from_rgb(170, 40, 40);
    visuals.selection.bg_fill = GREEN;
    visuals.selection.stroke = Stroke::new(1.0, Color32::WHITE);

    let radius = CornerRadius::same(6);
    let widgets = &mut visuals.widgets;
    widgets.noninteractive.bg_fill = PAPER;
    widgets.noninteractive.weak_bg_fill = PAPER;
    widgets.noninteractive.bg_stroke = Stroke::new(1.0, Color32::from_rgb(222, 212, 194));
    widgets.noninteractive.fg_stroke = Stroke::new(1.0, INK);
    for (state, fill) in [
        (&mut widgets.inactive, BUTTON),
        (&mut widgets.hovered, Color32::from_rgb(232, 220, 198)),
        (&mut widgets.active, Color32::from_rgb(220, 204, 176)),
        (&mut widgets.open, Color32::from_rgb(232, 220, 198)),
    ] {
        state.bg_fill = fill;
        state.weak_bg_fill = fill;
        state.bg_stroke = Stroke::new(1.0, LINE);
        state.fg_stroke = Stroke::new(1.5, INK);
        state.corner_radius = radius;
        state.expansion = 0.0;
    }
    widgets.hovered.bg_stroke = Stroke::new(1.5, GREEN);
    if high_contrast {
        visuals.override_text_color = Some(Color32::BLACK);
        visuals.weak_text_color = Some(Color32::BLACK);
        visuals.window_fill = Color32::WHITE;
        visuals.panel_fill = Color32::WHITE;
        visuals.window_stroke = Stroke::new(2.0, Color32::BLACK);
        visuals.selection.bg_fill = DEEP_GREEN;
        for state in [&mut visuals.widgets.inactive, &mut visuals.widgets.hovered, &mut visuals.widgets.active] {
            state.bg_fill = Color32::WHITE;
            state.weak_bg_fill = Color32::WHITE;
            state.bg_stroke = Stroke::new(2.0, Color32::BLACK);
            state.fg_stroke = Stroke::new(2.0, Color32::BLACK);
        }
        visuals.widgets.noninteractive.fg_stroke = Stroke::new(1.0, Color32::BLACK);
    }
    style.visuals = visuals;
}

/// WCAG's contrast ratio of two colours (4.5 and above is AA for text).
pub fn contrast(a: Color32, b: Color32) -> f32 {
    let luminance = |c: Color32| {
        let channel = |v: u8| {
            let v = v as f32 / 255.0;
            if v <= 0.03928 { v / 12.92 } else { ((v + 0.055) / 1.055).powf(2.4) }
        };
        0.2126 * channel(c.r()) + 0.7152 * channel(c.g()) + 0.0722 * channel(c.b())
    };
    let (x, y) = (luminance(a), luminance(b));
    (x.max(y) + 0.05) / (x.min(y) + 0.05)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_text_is_at_least_16_px_and_reads_at_wcag_aa() {
        let mut style = egui::Style::default();
        warm_style(&mut style, Looks::default());
        assert!(style.text_styles.values().all(|font| font.size >= 16.0));
        let visuals = &style.visuals;
        for (ink, ground, what) in [
            (INK, PAPER, "text on a dialog"),
            (SOFT_INK, PAPER, "secondary text"),
            (INK, visuals.widgets.inactive.weak_bg_fill, "a button"),
            (INK, visuals.widgets.hovered.weak_bg_fill, "a hovered button"),
            (INK, visuals.widgets.active.weak_bg_fill, "a pressed button"),
            (visuals.selection.stroke.color, visuals.selection.bg_fill, "a chosen button"),
            (visuals.error_fg_color, PAPER, "an error"),
            (visuals.warn_fg_color, PAPER, "a warning"),
        ] {
            assert!(contrast(ink, ground) >= 4.5, "{what}: {:.2}", contrast(ink, ground));
        }
    }

    #[test]
    fn a_phone_gets_44_px_touch_targets() {
        let mut style = egui::Style::default();
        warm_style(&mut style, Looks { phone: true, ..Looks::default() });
        let button = style.spacing.button_padding.y * 2.0 + 16.0;
        assert!(button >= TOUCH_TARGET && style.spacing.interact_size.y >= TOUCH_TARGET);
    }

    #[test]
    fn larger_text_and_high_contrast() {
        let mut style = egui::Style::default();
        warm_style(&mut style, Looks { text_scale: 1.5, high_contrast: true, ..Looks::default() });
        assert!(style.text_styles.values().all(|font| font.size >= 24.0), "特大 is 24 px and up");
        let visuals = &style.visuals;
        assert!(contrast(Color32::BLACK, visuals.widgets.inactive.weak_bg_fill) >= 7.0, "buttons at AAA");
        assert!(contrast(visuals.selection.stroke.color, visuals.selection.bg_fill) >= 7.0, "the chosen one at AAA");
    }
}
