//! The JSON API called by the app's own pages: the vault script in the browser signs nothing
//! in by itself, it uses the session the person signed in with.
//!
//! A request without an `Authorization` header is taken as such a call. It needs three things
//! at once: the session cookie, a browser that does not say the request came from another site
//! (the same check as for form posts, for every method here), and the header
//! [`CSRF_HEADER`] equal to the session's CSRF token, which only the app's pages know (it is in
//! their `<meta name="vault-csrf">`). The cookie alone is never enough: another site cannot
//! set that header without a CORS preflight, which the app never answers with permission.
//!
//! Idle and absolute limits are those of pages. Pending vault members are let in (the API
//! itself refuses them everything but `/v1/me` and their own keystore); accounts made in the
//! web app hold no vault keys, so the API has nothing for them.

use axum::http::request::Parts;

use super::session::{self, same_secret};
use crate::auth::{self, Caller, UserRow};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// The header carrying the session's CSRF token on API calls from a page.
pub const CSRF_HEADER: &str = "x-vault-csrf";

/// The answer to a web-only account calling the API, as `POST /v1/auth/login` gives it.
pub const WEB_ONLY: &str = "this account signs in to the web app only";

/// The caller behind a session-authenticated API request; see the module docs.
pub async fn caller(parts: &Parts, state: &AppState) -> ApiResult<Caller> {
    let name = session::session_cookie_name(&state.settings);
    let secret = session::cookie(&parts.headers, name).ok_or(ApiError::Unauthorized)?;
    if super::origin::from_elsewhere(&parts.headers, state.settings.public_url.as_ref()) {
        tracing::warn!("refused an API call with the session cookie from another site");
        return Err(ApiError::Forbidden(
            "calls from another site may not use the session",
        ));
    }
    let given = parts
        .headers
        .get(CSRF_HEADER)
        .and_then(|v| v.to_str().ok())
        .ok_or(ApiError::SessionHeader)?;
    if !same_secret(&session::csrf_of(secret), given) {
        tracing::warn!("refused an API call with a wrong session token header");
        return Err(ApiError::SessionHeader);
    }
    let user = session::session_user(state, secret)
        .await?
        .filter(|user| user.status == "active" || user.status == "pending")
        .ok_or(ApiError::Unauthorized)?;
    if user.kind == "staff" || user.kind == "family" {
        return Err(ApiError::Forbidden(WEB_ONLY));
    }
    let row: UserRow = (
        user.id,
        user.email,
        user.kind,
        user.org_id,
        user.status,
        user.member_role,
        user.signing_key,
    );
    auth::caller_from_row(row)
}
