//! The language of each request: `?lang=en` when a page's language link asks (kept in the
//! `ibasho-lang` cookie from then on), else the cookie the town's language switch also writes,
//! else the browser's `Accept-Language`; Japanese when none names a language we speak. Pages and
//! error messages word themselves with [`text`] and [`fill`] in it.

use std::fmt::Display;

use axum::extract::Request;
use axum::http::header::{ACCEPT_LANGUAGE, CONTENT_TYPE, COOKIE, SET_COOKIE, VARY};
use axum::http::{HeaderMap, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use protocol::locale::LANG_COOKIE;
pub use protocol::locale::Lang;

tokio::task_local! {
    static REQUEST_LANG: Lang;
}

/// The language `headers` ask for: the kept choice, else the browser's list.
pub fn of_headers(headers: &HeaderMap) -> Lang {
    let kept = headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|cookies| cookies.split(';'))
        .find_map(|pair| pair.trim().strip_prefix(LANG_COOKIE)?.strip_prefix('='))
        .and_then(Lang::from_tag);
    kept.unwrap_or_else(|| {
        let listed = headers.get(ACCEPT_LANGUAGE).and_then(|value| value.to_str().ok()).unwrap_or("");
        Lang::from_preferences(listed.split(','))
    })
}

/// Middleware: runs the request in its language, and keeps a choice made by `?lang=`.
pub async fn choose(request: Request, next: Next) -> Response {
    let asked = request
        .uri()
        .query()
        .and_then(|query| query.split('&').find_map(|pair| pair.strip_prefix("lang=")))
        .and_then(Lang::from_tag);
    let lang = asked.unwrap_or_else(|| of_headers(request.headers()));
    let mut response = REQUEST_LANG.scope(lang, next.run(request)).await;
    // Pages and messages differ by language: a browser's cache must not answer a page in the
    // language it was first fetched in (the client's files, the same in every language, stay
    // cacheable by everyone).
    let worded = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|kind| kind.starts_with("text/html") || kind.starts_with("application/json"));
    if worded {
        response.headers_mut().append(VARY, HeaderValue::from_static("cookie, accept-language"));
    }
    if let Some(lang) = asked {
        let cookie = format!("{LANG_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax", lang.code());
        if let Ok(value) = HeaderValue::from_str(&cookie) {
            response.headers_mut().append(SET_COOKIE, value);
        }
    }
    response
}

/// The language of the request being answered (Japanese outside one, e.g. in background tasks).
pub fn current() -> Lang {
    REQUEST_LANG.try_with(|lang| *lang).unwrap_or_default()
}

/// The text for `key` in the request's language.
pub fn text(key: &str) -> &'static str {
    current().text(key)
}

/// The text for `key` in the request's language, with each `{name}` filled in.
pub fn fill(key: &str, values: &[(&str, &dyn Display)]) -> String {
    current().fill(key, values)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(
                axum::http::HeaderName::from_bytes(name.as_bytes()).expect("header name"),
                HeaderValue::from_str(value).expect("header value"),
            );
        }
        map
    }

    #[test]
    fn the_kept_choice_wins_over_the_browser_list() {
        assert_eq!(of_headers(&headers(&[("accept-language", "en-US,en;q=0.9")])), Lang::En);
        assert_eq!(of_headers(&headers(&[("accept-language", "en-US"), ("cookie", "a=1; ibasho-lang=ja")])), Lang::Ja);
        assert_eq!(of_headers(&headers(&[("cookie", "ibasho-lang=en")])), Lang::En);
        assert_eq!(of_headers(&headers(&[("cookie", "ibasho-lang=xx"), ("accept-language", "fr")])), Lang::Ja);
        assert_eq!(of_headers(&HeaderMap::new()), Lang::Ja);
    }
}
