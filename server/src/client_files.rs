//! The built client's files (Trunk's `dist/`): sent brotli-compressed to browsers that accept
//! it, and cached so that a second visit downloads nothing that did not change. Files whose
//! names carry Trunk's content hash (the wasm module and its JS glue) are kept by the browser for
//! a year without asking again; everything else (the font, the map, the sprites) is checked
//! with the server on each visit and answered `304 Not Modified` while unchanged.

use std::path::Path;

use axum::Router;
use axum::extract::Request;
use axum::http::header::CACHE_CONTROL;
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::{Next, from_fn};
use axum::response::Response;
use tower_http::services::ServeDir;

/// For files named by their content: a new build has new names, so they never change.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// For the rest: kept, but checked with the server before each use.
pub const REVALIDATE: &str = "no-cache";

/// The client's files in `dir`, for the router's fallback.
pub fn router(dir: &Path) -> Router {
    // Precompressed `.br` files (written by `cargo xtask` after building) go to browsers that
    // accept brotli: the wasm client shrinks about sevenfold.
    Router::new().fallback_service(ServeDir::new(dir).precompressed_br()).layer(from_fn(cache_headers))
}

async fn cache_headers(request: Request, next: Next) -> Response {
    let named_by_content = named_by_content(request.uri().path());
    let mut response = next.run(request).await;
    if response.status().is_success() || response.status() == StatusCode::NOT_MODIFIED {
        let policy = if named_by_content { IMMUTABLE } else { REVALIDATE };
        response.headers_mut().insert(CACHE_CONTROL, HeaderValue::from_static(policy));
    }
    response
}

/// Whether `path` names a file by its content, as Trunk names the client's build
/// (`ibasho-<16 hex digits>.js`, `ibasho-<16 hex digits>_bg.wasm`).
pub fn named_by_content(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or_default();
    let stem = [".js", "_bg.wasm", ".css"].iter().find_map(|suffix| name.strip_suffix(suffix));
    stem.and_then(|stem| stem.rsplit_once('-'))
        .is_some_and(|(_, hash)| hash.len() == 16 && hash.bytes().all(|byte| byte.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use super::named_by_content;

    #[test]
    fn only_trunks_hashed_names_are_named_by_content() {
        assert!(named_by_content("/ibasho-3f2a9c0d1e4b5a67_bg.wasm"));
        assert!(named_by_content("/ibasho-3f2a9c0d1e4b5a67.js"));
        assert!(!named_by_content("/assets/fonts/BIZUDPGothic-ibasho.ttf"));
        assert!(!named_by_content("/assets/maps/town.ron"));
        assert!(!named_by_content("/index.html"));
        assert!(!named_by_content("/ibasho-nothex0000000000.js"));
        assert!(!named_by_content("/ibasho-3f2a9c0d1e4b5a6_bg.wasm"), "15 digits");
        assert!(!named_by_content("/"));
    }
}
