//! Logging in and out, `GET /v1/me` and the health check.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use secrecy::{ExposeSecret, SecretString};
use vault_core::api::{LoginRequest, LoginResponse, Me};

use crate::auth::{self, Caller};
use crate::db::audit::{self, Event};
use crate::db::now;
use crate::error::{ApiError, ApiJson, ApiResult};
use crate::state::AppState;
use crate::web::session::ClientAddress;
use crate::web::throttle;

/// `GET /healthz`: the database answers.
#[tracing::instrument(name = "GET /healthz", skip_all, level = "debug")]
pub async fn health(State(state): State<AppState>) -> ApiResult<&'static str> {
    sqlx::query("SELECT 1").execute(state.db.reader()).await?;
    Ok("ok")
}

/// `POST /v1/auth/login`: a bearer token for an e-mail address and password.
#[tracing::instrument(name = "POST /v1/auth/login", skip_all)]
pub async fn login(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    ApiJson(req): ApiJson<LoginRequest>,
) -> ApiResult<Json<LoginResponse>> {
    let password = SecretString::from(req.password);
    // The same counts as the web app's sign-in, so neither door is a way round the other.
    if let Some(retry_after_secs) = throttle::retry_after(&state, &req.email, &address).await? {
        tracing::warn!(retry_after_secs, "login refused: throttled");
        return Err(ApiError::LoginThrottled { retry_after_secs });
    }
    let row: Option<(String, String, String)> =
        sqlx::query_as("SELECT id, password_hash, kind FROM users WHERE LOWER(email) = LOWER($1)")
            .bind(&req.email)
            .fetch_optional(state.db.reader())
            .await?;
    let Some((user_id, hash, kind)) = row else {
        auth::verify_nothing(password).await?;
        throttle::record_failure(&state, &req.email, &address).await?;
        tracing::warn!("login for an unknown account");
        return Err(ApiError::WrongCredentials);
    };
    if !auth::verify_password(password, hash).await? {
        throttle::record_failure(&state, &req.email, &address).await?;
        tracing::warn!(user.id = %user_id, "login refused");
        return Err(ApiError::WrongCredentials);
    }
    // Accounts made in the web app hold no vault keys until enrolled; the API has nothing
    // for them.
    if matches!(kind.as_str(), "staff" | "family") {
        return Err(ApiError::Forbidden(crate::web::api_session::WEB_ONLY));
    }
    let caller = auth::load_caller(&state, &user_id).await?;
    let (token, token_hash) = auth::new_secret();
    let ttl = i64::try_from(state.settings.token_ttl_secs).unwrap_or(i64::MAX);
    let expires_at = now().saturating_add(ttl);
    let mut tx = state.db.begin().await?;
    sqlx::query(
        "INSERT INTO tokens (token_hash, user_id, expires_at, created_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(token_hash)
    .bind(&user_id)
    .bind(expires_at)
    .bind(now())
    .execute(&mut *tx)
    .await?;
    audit::record(&mut tx, session_event(&caller, "user.logged_in")).await?;
    tx.commit().await?;
    tracing::info!(user.id = %user_id, "logged in");
    Ok(Json(LoginResponse {
        token: token.expose_secret().to_owned(),
        expires_at,
        me: me_of(&caller),
    }))
}

fn session_event(caller: &Caller, action: &'static str) -> Event<'static> {
    Event {
        actor: Some(caller.user_id),
        org_id: caller.org_id,
        action,
        object_kind: "user",
        object_id: caller.user_id.to_string(),
        case_id: None,
    }
}

/// `POST /v1/auth/logout`: revokes the token the request carries.
#[tracing::instrument(name = "POST /v1/auth/logout", skip_all, fields(user.id = %caller.user_id))]
pub async fn logout(
    State(state): State<AppState>,
    caller: Caller,
    headers: axum::http::HeaderMap,
) -> ApiResult<StatusCode> {
    let token = auth::bearer(&headers).ok_or(ApiError::Unauthorized)?;
    let mut tx = state.db.begin().await?;
    sqlx::query("UPDATE tokens SET revoked_at = $1 WHERE token_hash = $2")
        .bind(now())
        .bind(auth::secret_hash(token))
        .execute(&mut *tx)
        .await?;
    audit::record(&mut tx, session_event(&caller, "user.logged_out")).await?;
    tx.commit().await?;
    tracing::info!("logged out");
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /v1/me`: who the token belongs to; the one route pending members may use.
#[tracing::instrument(name = "GET /v1/me", skip_all, fields(user.id = %caller.user_id))]
pub async fn me(caller: Caller) -> Json<Me> {
    Json(me_of(&caller))
}

/// The `Me` answer for an account.
#[must_use]
pub fn me_of(caller: &Caller) -> Me {
    Me {
        user_id: caller.user_id,
        email: caller.email.clone(),
        role: caller.account_role(),
        org_id: caller.org_id,
        status: caller.status,
    }
}
