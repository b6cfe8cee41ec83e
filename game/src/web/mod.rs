//! The browser side of the client (wasm32 only): the WebSocket to the server, matchbox peers
//! signalled over it, and the DOM (chat input and log, loading overlay, test snapshot).

mod background;
mod comfort;
mod dom;
mod gallery_video;
mod hall_media;
mod list_view;
mod locale;
mod marks;
mod media;
mod peers;
mod slots;
mod socket;
mod voice;

use bevy::prelude::*;

use crate::locale::t;
use crate::screens::{ClosedReason, Screen};

/// Adds the web glue: opens the connection at start and pumps peers and the DOM every frame.
pub fn plugin(app: &mut App) {
    match socket::open() {
        Ok((link, signaling, status)) => {
            app.insert_resource(link.clone());
            app.insert_resource(crate::connection::ConnectionFeed(status));
            app.add_systems(Update, try_again);
            voice::plugin(app);
            hall_media::plugin(app);
            gallery_video::plugin(app);
            peers::plugin(app, signaling, link.outgoing);
        }
        Err(error) => {
            error!("cannot open the WebSocket: {error}");
            app.insert_resource(ClosedReason(t("closed.unreachable").into()));
            app.add_systems(Startup, |mut next: ResMut<NextState<Screen>>| next.set(Screen::Closed));
        }
    }
    dom::plugin(app);
    marks::plugin(app);
    comfort::plugin(app);
    list_view::plugin(app);
    locale::plugin(app);
    slots::plugin(app);
    background::plugin(app);
}

/// 「もう一度つなぐ」 pressed: the transport starts its attempts again.
fn try_again(mut pressed: MessageReader<crate::connection::TryAgain>) {
    if pressed.read().count() > 0 {
        socket::try_again();
    }
}

/// Leaves the town for one of the server's own pages (わたしの設定, プライバシー).
pub fn go_to(path: &str) {
    if let Some(window) = web_sys::window() {
        let _ = window.location().set_href(path);
    }
}

/// Reloads the page (the closed screen's button).
pub fn reload_page() {
    if let Some(window) = web_sys::window() {
        let _ = window.location().reload();
    }
}
