//! The connection to the server as the person sees it. When it drops, the town stays on screen
//! with a calm 「つなぎなおしています…」 while the transport reconnects (backoff with jitter);
//! voice and chat with the people nearby keep flowing meanwhile, because they go peer to peer.
//! After too many failed attempts the banner says what to do and offers 「もう一度つなぐ」.

use bevy::prelude::*;
use bevy_egui::egui::{self, Align2, Color32, RichText};
use bevy_egui::{EguiContexts, EguiPrimaryContextPass};

use crate::locale::t;
use crate::screens::Screen;
use crate::ui::{ControlRects, UiSet};

/// Where the connection stands.
#[derive(Resource, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Connection {
    /// Connected.
    #[default]
    Open,
    /// Dropped; trying again (`attempt` counts from 1).
    Reconnecting {
        /// Which attempt is next.
        attempt: u32,
    },
    /// The server said it is restarting; waiting for it.
    Restarting,
    /// Too many attempts failed; waiting for the person to ask again.
    GaveUp,
}

impl Connection {
    /// The name tests read in the page's snapshot.
    pub fn name(self) -> &'static str {
        match self {
            Connection::Open => "open",
            Connection::Reconnecting { .. } => "reconnecting",
            Connection::Restarting => "restarting",
            Connection::GaveUp => "gave_up",
        }
    }
}

/// Reports from the transport (the browser's WebSocket) about the connection.
#[derive(Resource)]
pub struct ConnectionFeed(pub async_channel::Receiver<Connection>);

/// The person pressed 「もう一度つなぐ」.
#[derive(Message, Debug, Clone, Copy)]
pub struct TryAgain;

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<Connection>()
        .add_message::<TryAgain>()
        .add_systems(PreUpdate, follow_feed.run_if(resource_exists::<ConnectionFeed>));
}

/// The banner over the town.
pub(super) fn render_plugin(app: &mut App) {
    app.add_systems(EguiPrimaryContextPass, banner.after(UiSet).run_if(in_state(Screen::Town)));
}

fn follow_feed(feed: Res<ConnectionFeed>, mut connection: ResMut<Connection>) {
    while let Ok(state) = feed.0.try_recv() {
        if *connection != state {
            *connection = state;
        }
    }
}

fn banner(
    mut contexts: EguiContexts,
    connection: Res<Connection>,
    mut rects: ResMut<ControlRects>,
    mut try_again: MessageWriter<TryAgain>,
) -> Result {
    let (headline, detail) = match *connection {
        Connection::Open => return Ok(()),
        Connection::Reconnecting { .. } => (t("connection.reconnecting"), t("connection.reconnecting.detail")),
        Connection::Restarting => (t("connection.restarting"), t("connection.restarting.detail")),
        Connection::GaveUp => (t("connection.gave_up"), t("connection.gave_up.detail")),
    };
    let ctx = contexts.ctx_mut()?;
    let top = rects.below_top_bar();
    // The frame adds its margin (12) and stroke on each side; 16 more keeps it off the edges.
    let width = (ctx.content_rect().width() - 60.0).clamp(200.0, 460.0);
    let frame = egui::Frame::new()
        .corner_radius(8)
        .fill(Color32::from_rgb(255, 248, 225))
        .stroke(egui::Stroke::new(1.5, Color32::from_rgb(196, 160, 60)))
        .inner_margin(egui::Margin::same(12));
    let shown = egui::Area::new("connection".into()).anchor(Align2::CENTER_TOP, [0.0, top]).show(ctx, |ui| {
        frame.show(ui, |ui| {
            ui.set_width(width);
            ui.label(RichText::new(headline).size(18.0).strong().color(Color32::from_rgb(60, 45, 10)));
            ui.add_space(4.0);
            ui.label(RichText::new(detail).size(16.0).color(Color32::from_rgb(60, 45, 10)));
            if *connection == Connection::GaveUp {
                ui.add_space(8.0);
                let button = ui.button(RichText::new(t("connection.retry")).size(16.0));
                rects.note("connection-retry", button.rect);
                if button.clicked() {
                    try_again.write(TryAgain);
                }
            }
        })
    });
    rects.note("connection-banner", shown.response.rect);
    Ok(())
}
