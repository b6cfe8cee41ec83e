//! Security headers on every response: a strict Content-Security-Policy under which the only
//! inline scripts that run are the page's own (allowed by their SHA-256), no framing, no
//! referrer (invite links must never leak through `Referer`), no content sniffing, and camera,
//! microphone and screen capture for this site only.

use std::sync::Arc;

use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::header::{CONTENT_ENCODING, CONTENT_TYPE, HeaderName};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use sha2::{Digest, Sha256};

/// Largest HTML page whose inline scripts are hashed on the way out.
const MAX_HASHED_PAGE_BYTES: usize = 4 * 1024 * 1024;

/// Who may use the camera, the microphone and screen capture: this site only; nobody may use
/// the rest.
pub const PERMISSIONS_POLICY: &str =
    "camera=(self), microphone=(self), display-capture=(self), geolocation=(), payment=(), usb=(), interest-cohort=()";

/// The hashes of the built client's inline scripts (its `index.html`), for when that page is
/// served precompressed and cannot be read on the way out.
#[derive(Debug, Clone, Default)]
pub struct ClientScripts(pub Arc<Vec<String>>);

/// `'sha256-…'` for every inline `<script>` (one without `src`) in `html`, in order.
pub fn script_hashes(html: &str) -> Vec<String> {
    let mut hashes = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find("<script") {
        let after_tag = &rest[start..];
        let Some(tag_end) = after_tag.find('>') else { break };
        let tag = &after_tag[..tag_end];
        let body = &after_tag[tag_end + 1..];
        let Some(close) = body.find("</script>") else { break };
        if !tag.contains(" src=") {
            let digest = Sha256::digest(&body.as_bytes()[..close]);
            hashes.push(format!("'sha256-{}'", base64::engine::general_purpose::STANDARD.encode(digest)));
        }
        rest = &body[close..];
    }
    hashes
}

/// The policy for a page whose inline scripts have `hashes`.
pub fn content_security_policy(hashes: &[String]) -> String {
    let scripts = hashes.join(" ");
    format!(
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval' {scripts}; style-src 'self' 'unsafe-inline'; \
         img-src 'self' data: blob:; media-src 'self' blob:; connect-src 'self'; font-src 'self'; \
         object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
}

fn set(headers: &mut HeaderMap, name: &'static str, value: &str) {
    if let Ok(value) = HeaderValue::from_str(value) {
        headers.insert(HeaderName::from_static(name), value);
    }
}

/// Middleware adding the headers to every response. HTML pages are read on the way out and
/// their inline scripts hashed into the policy; the client's precompressed page uses the
/// hashes taken at start.
pub async fn secure(State(client): State<ClientScripts>, request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    let html = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("text/html"));
    let encoded = response.headers().contains_key(CONTENT_ENCODING);
    let (mut response, hashes) = if html && !encoded {
        let (parts, body) = response.into_parts();
        let Ok(bytes) = to_bytes(body, MAX_HASHED_PAGE_BYTES).await else {
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        };
        let hashes = script_hashes(&String::from_utf8_lossy(&bytes));
        (Response::from_parts(parts, Body::from(bytes)), hashes)
    } else if html {
        (response, client.0.to_vec())
    } else {
        (response, Vec::new())
    };
    let headers = response.headers_mut();
    set(headers, "content-security-policy", &content_security_policy(&hashes));
    set(headers, "referrer-policy", "no-referrer");
    set(headers, "x-content-type-options", "nosniff");
    set(headers, "x-frame-options", "DENY");
    set(headers, "permissions-policy", PERMISSIONS_POLICY);
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_scripts_are_hashed_and_external_ones_are_not() {
        let html = r#"<script src="/app.js"></script><p>x</p><script type="module">alert(1)</script><script>
go()
</script>"#;
        let hashes = script_hashes(html);
        assert_eq!(hashes.len(), 2);
        let expected = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(b"alert(1)"));
        assert_eq!(hashes[0], format!("'sha256-{expected}'"));
        let policy = content_security_policy(&hashes);
        assert!(policy.contains(&hashes[1]) && policy.contains("frame-ancestors 'none'"));
        assert!(!policy.contains("unsafe-eval'") || policy.contains("'wasm-unsafe-eval'"));
    }

    #[test]
    fn a_page_without_a_closing_tag_stops_the_scan() {
        assert!(script_hashes("<script>never closed").is_empty());
        assert!(script_hashes("<script").is_empty());
    }
}
