//! Sessions from cookies: the `SignedIn` and `StaffOnly` extractors and the cookie format.

use axum::extract::FromRequestParts;
use axum::http::HeaderMap;
use axum::http::request::Parts;
use protocol::Role;

use crate::AppState;
use crate::error::AppError;
use crate::store::Session;

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "ibasho_session";

/// The `Set-Cookie` value that signs a browser in for `max_age` seconds: HttpOnly,
/// SameSite=Strict, and Secure when the server is reached over TLS.
pub fn session_cookie(token: &str, secure: bool, max_age: i64) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{SESSION_COOKIE}={token}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Strict{secure}")
}

/// Middleware: a request carrying a live session writes down its use (at most once a minute)
/// and renews the cookie, so that sessions in use go on and unused ones end after the idle time.
pub async fn renew(
    axum::extract::State(state): axum::extract::State<AppState>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let token = cookie(request.headers(), SESSION_COOKIE).filter(|token| !token.is_empty()).map(str::to_owned);
    let mut response = next.run(request).await;
    let Some(token) = token else { return response };
    // Signing out answers with its own cookie; a revoked session is not renewed anyway.
    if response.headers().contains_key(axum::http::header::SET_COOKIE) {
        return response;
    }
    if let Ok(Some(max_age)) = state.store.renew_session(&token)
        && let Ok(value) = session_cookie(&token, state.config.secure_cookies, max_age).parse()
    {
        response.headers_mut().append(axum::http::header::SET_COOKIE, value);
    }
    response
}

/// The `Set-Cookie` value that signs a browser out.
pub fn cleared_cookie(secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{SESSION_COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict{secure}")
}

/// The value of cookie `name`, if the request carries it.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find_map(|(key, value)| (key == name).then_some(value))
}

/// The live session of the request, if any.
pub fn current_session(headers: &HeaderMap, state: &AppState) -> Result<Option<Session>, AppError> {
    match cookie(headers, SESSION_COOKIE) {
        Some(token) if !token.is_empty() => state.store.session(token),
        _ => Ok(None),
    }
}

/// A request from a signed-in browser.
pub struct SignedIn(pub Session);

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        current_session(&parts.headers, state)?.map(SignedIn).ok_or(AppError::NotSignedIn)
    }
}

/// A request from a signed-in staff member.
pub struct StaffOnly(pub Session);

impl FromRequestParts<AppState> for StaffOnly {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let SignedIn(session) = SignedIn::from_request_parts(parts, state).await?;
        if session.account.role != Role::Staff {
            return Err(AppError::Forbidden);
        }
        Ok(StaffOnly(session))
    }
}

/// A request from a signed-in counselor or staff member (the booths' times).
pub struct ReceiversOnly(pub Session);

impl FromRequestParts<AppState> for ReceiversOnly {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let SignedIn(session) = SignedIn::from_request_parts(parts, state).await?;
        if !matches!(session.account.role, Role::Counselor | Role::Staff) {
            return Err(AppError::Forbidden);
        }
        Ok(ReceiversOnly(session))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_cookie_among_others() {
        let mut headers = HeaderMap::new();
        headers.insert(axum::http::header::COOKIE, "a=1; ibasho_session=xyz; b=2".parse().expect("header"));
        assert_eq!(cookie(&headers, SESSION_COOKIE), Some("xyz"));
        assert_eq!(cookie(&headers, "missing"), None);
    }

    #[test]
    fn cookie_is_http_only_and_strict() {
        let value = session_cookie("t", false, 60);
        assert!(value.contains("HttpOnly") && value.contains("SameSite=Strict") && !value.contains("Secure"));
        assert!(value.contains("Max-Age=60"));
        assert!(session_cookie("t", true, 60).ends_with("; Secure"));
    }
}
