//! TODO: being built.

use axum::Router;

use crate::state::AppState;

/// The routes of this part of the app.
pub fn routes() -> Router<AppState> {
    Router::new()
}
