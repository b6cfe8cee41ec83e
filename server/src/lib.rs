//! The ibasho server as a library: `app(state) -> Router`, so tests run the real thing.

pub mod accounts;
pub mod announcements;
pub mod audit;
pub mod auth;
pub mod blocks;
pub mod care;
pub mod city_time;
pub mod client_files;
pub mod config;
pub mod error;
pub mod gallery;
pub mod headers;
pub mod invites;
pub mod json;
pub mod lang;
pub mod limits;
pub mod me;
pub mod open_hours;
pub mod overview;
pub mod pages;
pub mod places;
pub mod presence;
pub mod programs;
pub mod reports;
pub mod reservations;
pub mod sessions;
pub mod sfu;
pub mod staff_page;
pub mod store;
pub mod tokens;
pub mod turn;

use std::sync::Arc;

use axum::Router;

pub use config::Config;
pub use presence::{TownHandle, TownOptions};
pub use store::Store;

/// The log filter: `RUST_LOG` (or `info`) for everything, but the crates that would write what
/// people send (WebSocket frames with notes, answers and SDP; HTTP headers with cookies and
/// invite links) never below `info`, whatever `RUST_LOG` says.
pub fn log_filter(rust_log: Option<&str>) -> tracing_subscriber::EnvFilter {
    let mut filter = rust_log
        .and_then(|directives| tracing_subscriber::EnvFilter::try_new(directives).ok())
        .unwrap_or_else(|| tracing_subscriber::EnvFilter::new("info"));
    for quiet in
        ["tungstenite=info", "tokio_tungstenite=info", "hyper=info", "hyper_util=info", "h2=info", "reqwest=info"]
    {
        if let Ok(directive) = quiet.parse() {
            filter = filter.add_directive(directive);
        }
    }
    filter
}

/// Runs `job` every `period` while the server runs (a refresh of what the town is told, and a
/// purge of what is kept no longer); a failure is logged as `what` and tried again next time.
pub fn every(
    state: AppState,
    period: std::time::Duration,
    what: &'static str,
    job: fn(&AppState) -> Result<(), error::AppError>,
) {
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(period);
        loop {
            interval.tick().await;
            if let Err(error) = job(&state) {
                tracing::warn!(%error, "cannot {what}");
            }
        }
    });
}

/// Everything a request handler may use.
#[derive(Clone)]
pub struct AppState {
    /// The database.
    pub store: Store,
    /// The live town.
    pub town: TownHandle,
    /// Settings.
    pub config: Arc<Config>,
    /// Failed invite attempts per client address.
    pub limits: Arc<limits::RateLimiter>,
}

/// The whole HTTP and WebSocket surface; files of the built client are the fallback.
pub fn app(state: AppState) -> Router {
    let index = std::fs::read_to_string(state.config.static_dir.join("index.html")).unwrap_or_default();
    let client_scripts = headers::ClientScripts(Arc::new(headers::script_hashes(&index)));
    Router::new()
        .merge(pages::router())
        .merge(invites::router())
        .merge(sessions::router())
        .merge(presence::router())
        .merge(reservations::router())
        .merge(programs::router())
        .merge(gallery::router())
        .merge(announcements::router())
        .merge(accounts::router())
        .merge(reports::router())
        .merge(open_hours::router())
        .merge(overview::router())
        .merge(care::router())
        .merge(audit::router())
        .merge(me::router())
        .fallback_service(client_files::router(&state.config.static_dir))
        .layer(axum::middleware::from_fn(lang::choose))
        .layer(axum::middleware::from_fn_with_state(state.clone(), auth::renew))
        .layer(axum::middleware::from_fn_with_state(client_scripts, headers::secure))
        .with_state(state)
}
