//! `GET /v1/log/key`: the log's public key, for a client meeting this server for the first time.
//!
//! The client pins the key and shows it once, so the person can compare it with what the
//! operator published (the server prints it at start); from then on every checkpoint must
//! verify under the pinned key. A client given the key in advance never needs this answer.

use axum::extract::State;
use axum::Json;
use vault_core::api::LogKey;

use crate::auth::Caller;
use crate::error::ApiResult;
use crate::state::AppState;

/// `GET /v1/log/key` (any account but a pending member, like the other log routes).
#[tracing::instrument(name = "GET /v1/log/key", skip_all, fields(user.id = %caller.user_id))]
pub async fn key(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<LogKey>> {
    caller.not_pending()?;
    Ok(Json(LogKey {
        vkey: state.log.vkey(),
    }))
}
