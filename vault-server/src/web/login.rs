//! Signing in and out, and the front door (`/`).

use askama::Template;
use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use secrecy::SecretString;
use serde::Deserialize;

use super::form::Form;
use super::page::{Chrome, PageError, PageResult};
use super::session::{self, ClientAddress, Viewer};
use super::throttle;
use super::vault_pages::Waiting;
use crate::auth;
use crate::error::minutes;
use crate::state::AppState;

/// The sign-in routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/login", get(login_page).post(login))
        .route("/logout", post(logout))
}

/// The sign-in page.
#[derive(Template)]
#[template(path = "login.html")]
pub struct LoginPage {
    c: Chrome,
    email: String,
    error: Option<String>,
    /// Said above the form, not as an error: why the person is asked to sign in again.
    notice: Option<&'static str>,
}

async fn home(viewer: Option<Viewer>, waiting: Option<Waiting>) -> Redirect {
    match (viewer, waiting) {
        (Some(_), _) => Redirect::to("/dashboard"),
        (None, Some(_)) => Redirect::to(super::vault_pages::WAITING_PATH),
        (None, None) => Redirect::to("/login"),
    }
}

fn login_answer(
    state: &AppState,
    headers: &HeaderMap,
    status: StatusCode,
    email: String,
    error: Option<String>,
) -> PageResult {
    sign_in_page(state, headers, status, email, error, None)
}

/// The sign-in page: the e-mail address typed, an error about it, and a notice above the form.
fn sign_in_page(
    state: &AppState,
    headers: &HeaderMap,
    status: StatusCode,
    email: String,
    error: Option<String>,
    notice: Option<&'static str>,
) -> PageResult {
    let (csrf, set) = session::form_token(&state.settings, headers);
    let page = LoginPage {
        c: Chrome::public("Sign in", csrf),
        email,
        error,
        notice,
    };
    let html = page.render().map_err(PageError::internal)?;
    let mut response = (status, Html(html)).into_response();
    if let Some(set) = set {
        response.headers_mut().append(header::SET_COOKIE, set);
    }
    Ok(response)
}

#[tracing::instrument(name = "GET /login", skip_all)]
async fn login_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> PageResult {
    // A page that found its session gone sent the person here with `ended=1`.
    if query.as_deref() == Some("ended=1") {
        let notice = Some(ENDED);
        return sign_in_page(
            &state,
            &headers,
            StatusCode::OK,
            String::new(),
            None,
            notice,
        );
    }
    login_answer(&state, &headers, StatusCode::OK, String::new(), None)
}

/// Why a page sent the person back to sign in, when their session had ended.
const ENDED: &str = "Your session ended: it was left idle too long or reached its time limit, \
                     or the account was closed. Sign in again to go on.";

/// The sign-in form's fields.
#[derive(Deserialize)]
struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
}

const WRONG: &str = "The e-mail address or the password is not right.";
const THROTTLED: &str = "Too many failed sign-ins for this account or from this network.";

#[tracing::instrument(name = "POST /login", skip_all)]
async fn login(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> PageResult {
    let email = form.email.trim().to_owned();
    let password = SecretString::from(form.password);
    if email.is_empty() || email.len() > 254 {
        return login_answer(
            &state,
            &headers,
            StatusCode::UNAUTHORIZED,
            email,
            Some(WRONG.to_owned()),
        );
    }
    if let Some(secs) = throttle::retry_after(&state, &email, &address).await? {
        tracing::warn!("sign-in refused: throttled");
        let text = format!("{THROTTLED} Wait {}, then try again.", minutes(secs));
        let mut page = login_answer(
            &state,
            &headers,
            StatusCode::TOO_MANY_REQUESTS,
            email,
            Some(text),
        )?;
        page.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        return Ok(page);
    }
    let row: Option<(String, String, String, String)> = sqlx::query_as(
        "SELECT id, password_hash, status, kind FROM users WHERE LOWER(email) = LOWER($1)",
    )
    .bind(&email)
    .fetch_optional(state.db.reader())
    .await?;
    let verified = if let Some((_, hash, _, _)) = &row {
        auth::verify_password(password, hash.clone()).await?
    } else {
        auth::verify_nothing(password).await?;
        false
    };
    let Some((user_id, _, status, kind)) = row.filter(|_| verified) else {
        throttle::record_failure(&state, &email, &address).await?;
        tracing::warn!("sign-in refused");
        return login_answer(
            &state,
            &headers,
            StatusCode::UNAUTHORIZED,
            email,
            Some(WRONG.to_owned()),
        );
    };
    // A vault member waiting for approval signs in to see the fingerprint their manager
    // compares; the session opens that page only.
    let to = match (status.as_str(), kind.as_str()) {
        ("active", _) => "/dashboard",
        ("pending", "member") => super::vault_pages::WAITING_PATH,
        ("pending", _) => return login_answer(
            &state,
            &headers,
            StatusCode::FORBIDDEN,
            email,
            Some(
                "Your registration is waiting for a manager of your organisation to approve it."
                    .to_owned(),
            ),
        ),
        _ => {
            return login_answer(
                &state,
                &headers,
                StatusCode::FORBIDDEN,
                email,
                Some("This account has been closed. Ask your organisation's manager.".to_owned()),
            )
        }
    };
    let cookie = session::start(&state, &user_id).await?;
    tracing::info!(user.id = %user_id, "signed in");
    let mut response = Redirect::to(to).into_response();
    response.headers_mut().append(header::SET_COOKIE, cookie);
    Ok(response)
}

#[derive(Deserialize)]
struct Empty {}

#[tracing::instrument(name = "POST /logout", skip_all)]
async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(Empty {}): Form<Empty>,
) -> PageResult<Response> {
    let cookie = session::end(&state, &headers).await?;
    let mut response = Redirect::to("/login").into_response();
    response.headers_mut().append(header::SET_COOKIE, cookie);
    Ok(response)
}
