//! The app's stylesheet and script, compiled into the binary and served with long caching.
//!
//! Both are files of their own so the Content-Security-Policy can forbid inline style and
//! script; the script only adds conveniences (confirming a destructive button), so every
//! page also works without it.

use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;

use crate::state::AppState;

const CSS: &str = include_str!("../../static/app.css");
const JS: &str = include_str!("../../static/app.js");
/// Browsers ask for `/favicon.ico` on every site; answering it keeps their consoles free of
/// 404s, which the browser tests treat as errors.
const ICON: &str = include_str!("../../static/favicon.svg");

/// The asset routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/static/app.css", get(css))
        .route("/static/app.js", get(js))
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

async fn icon() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        ICON,
    )
}
