//! Routes for operators and their tools: readiness for a load balancer, metrics for Prometheus.
//!
//! Neither reveals anything about the data: readiness names only which dependency failed, and
//! metrics carry counts by route template. `/readyz` is open; `/metrics` is open unless a
//! metrics token is configured (see [`crate::settings::Settings::metrics_token`]).

use std::future::Future;
use std::time::Duration;

use axum::extract::State;
use axum::http::{header, HeaderMap};
use axum::response::IntoResponse;
use object_store::path::Path;
use secrecy::ExposeSecret as _;
use vault_core::seal::constant_time_eq;

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// How long each dependency has to answer a readiness check.
pub const CHECK_TIMEOUT: Duration = Duration::from_secs(2);

/// Object store prefix the readiness check lists: server-owned and empty, so the answer is one
/// small page whatever the store holds.
const PROBE_PREFIX: &str = "ops/readyz";

/// `GET /readyz`: 200 when the database and the object store both answer, else 503 naming
/// which did not. Both are asked at once, each within [`CHECK_TIMEOUT`].
#[tracing::instrument(name = "GET /readyz", skip_all, level = "debug")]
pub async fn ready(State(state): State<AppState>) -> ApiResult<&'static str> {
    let database = bounded("database", async {
        sqlx::query("SELECT 1").execute(state.db.reader()).await?;
        Ok::<_, sqlx::Error>(())
    });
    let store = bounded("object store", async {
        let prefix = Path::from(PROBE_PREFIX);
        state.store.list_with_delimiter(Some(&prefix)).await?;
        Ok::<_, object_store::Error>(())
    });
    match tokio::join!(database, store) {
        (true, true) => Ok("ok"),
        (false, true) => Err(ApiError::Unavailable("the database is not answering")),
        (true, false) => Err(ApiError::Unavailable("the object store is not answering")),
        (false, false) => Err(ApiError::Unavailable(
            "the database and the object store are not answering",
        )),
    }
}

/// Runs one check within [`CHECK_TIMEOUT`]; a failure is logged with its detail.
async fn bounded<E: std::fmt::Display>(
    dependency: &'static str,
    check: impl Future<Output = Result<(), E>>,
) -> bool {
    match tokio::time::timeout(CHECK_TIMEOUT, check).await {
        Ok(Ok(())) => true,
        Ok(Err(err)) => {
            tracing::warn!(dependency, error = %err, "readiness check failed");
            false
        }
        Err(_) => {
            tracing::warn!(dependency, "readiness check timed out");
            false
        }
    }
}

/// `GET /metrics`: every metric in the OpenMetrics text format.
#[tracing::instrument(name = "GET /metrics", skip_all, level = "debug")]
pub async fn metrics(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> ApiResult<impl IntoResponse> {
    if let Some(expected) = &state.settings.metrics_token {
        let given = crate::auth::bearer(&headers).unwrap_or_default();
        // Digests, so the comparison takes the same time whatever the lengths.
        let matches = constant_time_eq(
            &vault_core::sha256(given.as_bytes()),
            &vault_core::sha256(expected.expose_secret().as_bytes()),
        );
        if !matches {
            tracing::warn!("metrics scrape without the metrics token");
            return Err(ApiError::Unauthorized);
        }
    }
    Ok((
        [(header::CONTENT_TYPE, crate::metrics::CONTENT_TYPE)],
        state.metrics.render(),
    ))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use axum::response::IntoResponse as _;
    use object_store::local::LocalFileSystem;

    use super::*;
    use crate::settings::Settings;

    /// A server state on a fresh SQLite file, with a local store on `objects` (which the test
    /// may break afterwards).
    async fn state(dir: &std::path::Path) -> AppState {
        let settings = Settings::for_data_dir(dir);
        let url = format!("sqlite://{}", settings.default_database_path().display());
        let db = crate::db::Db::open(&url).await.unwrap();
        let objects = dir.join("objects");
        std::fs::create_dir_all(&objects).unwrap();
        let store = Arc::new(LocalFileSystem::new_with_prefix(&objects).unwrap());
        let log = crate::log_key::LogSigner::load_or_create("t.example/log", &dir.join("log.p8"));
        AppState::new(db, store, settings, log.unwrap())
    }

    /// Breaks the local store: its directory becomes a plain file, so listing fails.
    fn break_store(dir: &std::path::Path) {
        let objects = dir.join("objects");
        std::fs::remove_dir_all(&objects).unwrap();
        std::fs::write(&objects, b"not a directory").unwrap();
    }

    async fn answer(state: AppState) -> (u16, serde_json::Value) {
        let response = ready(State(state)).await.into_response();
        let status = response.status().as_u16();
        let body = axum::body::to_bytes(response.into_body(), 4096)
            .await
            .unwrap();
        let value = serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null);
        (status, value)
    }

    fn unavailable(message: &str) -> serde_json::Value {
        serde_json::json!({"error": {"code": "unavailable", "message": message}})
    }

    #[tokio::test]
    async fn readiness_names_the_dependency_that_fails() {
        let dir = tempfile::tempdir().unwrap();
        let healthy = state(dir.path()).await;
        let response = ready(State(healthy.clone())).await.into_response();
        assert_eq!(response.status().as_u16(), 200);

        break_store(dir.path());
        let expected = unavailable("the object store is not answering");
        assert_eq!(answer(healthy.clone()).await, (503, expected));

        healthy.db.reader().close().await;
        let expected = unavailable("the database and the object store are not answering");
        assert_eq!(answer(healthy).await, (503, expected));
    }

    #[tokio::test]
    async fn readiness_fails_on_the_database_alone() {
        let dir = tempfile::tempdir().unwrap();
        let state = state(dir.path()).await;
        state.db.reader().close().await;
        let expected = unavailable("the database is not answering");
        assert_eq!(answer(state).await, (503, expected));
    }
}
