//! The app's stylesheet and scripts, compiled into the binary and served with long caching.
//!
//! They are files of their own so the Content-Security-Policy can forbid inline style and
//! script; `app.js` only adds conveniences (confirming a destructive button), so every page
//! also works without it. `vault.js` is the vault in the browser (built from `web/` by
//! `scripts/build-web.sh`): pages load it with its SHA-384 as subresource integrity, computed
//! here from the embedded bytes, so a copy altered on the way or in a cache is not run.

use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;

use crate::state::AppState;

const CSS: &str = include_str!("../../static/app.css");
const JS: &str = include_str!("../../static/app.js");
const VAULT_JS: &[u8] = include_bytes!("../../static/vault.js");
/// Browsers ask for `/favicon.ico` on every site; answering it keeps their consoles free of
/// 404s, which the browser tests treat as errors.
const ICON: &str = include_str!("../../static/favicon.svg");

/// The asset routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/static/app.css", get(css))
        .route("/static/app.js", get(js))
        .route("/static/vault.js", get(vault_js))
        .route("/favicon.ico", get(icon))
}

async fn css() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        CSS,
    )
}

async fn js() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        JS,
    )
}

async fn vault_js() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        VAULT_JS,
    )
}

/// The `integrity` value of the vault script tag: `sha384-` and the base64 of the SHA-384 of
/// the bytes served, computed once.
#[must_use]
pub fn vault_integrity() -> &'static str {
    static INTEGRITY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    INTEGRITY.get_or_init(|| {
        let digest = ring::digest::digest(&ring::digest::SHA384, VAULT_JS);
        format!("sha384-{}", vault_core::b64::encode(digest.as_ref()))
    })
}

async fn icon() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        ICON,
    )
}
