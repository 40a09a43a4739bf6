//! The matching web app: server-rendered pages for practitioners, managers, families and
//! platform admins, around the vault's JSON API.
//!
//! Pages are askama templates compiled into the binary (`vault-server/templates`); the one
//! stylesheet and script are embedded too ([`assets`]). Every page reads the caller from a
//! session cookie ([`session`]), every form carries a CSRF token ([`form`]), and every answer
//! carries a Content-Security-Policy that allows no inline script or style ([`headers`]).
//! The app reads the platform data it needs (profiles, links, messages); it never receives a
//! key that opens a sealed document, and case pages show sealed names as "sealed".

pub mod activity;
pub mod admin;
pub mod api_session;
pub mod assets;
pub mod cases;
pub mod children;
pub mod dashboard;
pub mod families;
pub mod form;
pub mod headers;
pub mod licence;
pub mod links;
pub mod login;
pub mod members;
pub mod my_profile;
pub mod notify;
pub mod origin;
pub mod outbox;
pub mod page;
pub mod paging;
pub mod photos;
pub mod profile_child;
pub mod profile_child_db;
pub mod profile_edit;
pub mod profile_family;
pub mod profile_family_db;
pub mod profile_fields;
pub mod profile_page;
pub mod profile_store;
pub mod profile_words;
pub mod register;
pub mod search;
pub mod session;
pub mod shared;
pub mod throttle;
pub mod vault_pages;
pub mod visibility;

use axum::Router;

use crate::state::AppState;

/// Largest form body the app reads (photos excepted, see [`form::MAX_PHOTO_BYTES`]).
pub const MAX_FORM_BYTES: usize = 64 * 1024;

/// Every page of the app. The API router merges it, so both share one listener.
pub fn router() -> Router<AppState> {
    Router::new()
        .merge(assets::routes())
        .merge(login::routes())
        .merge(dashboard::routes())
        .merge(register::routes())
        .merge(admin::routes())
        .merge(members::routes())
        .merge(children::routes())
        .merge(families::routes())
        .merge(photos::routes())
        .merge(my_profile::routes())
        .merge(search::routes())
        .merge(links::routes())
        .merge(cases::routes())
        .merge(shared::routes())
        .merge(notify::routes())
        .merge(vault_pages::routes())
}

/// Whether a path belongs to the JSON API (which answers errors in JSON) rather than the app.
#[must_use]
pub fn is_api_path(path: &str) -> bool {
    path.starts_with("/v1/") || path == "/v1" || matches!(path, "/healthz" | "/readyz" | "/metrics")
}
