//! Pages of the vault in the browser that no other part of the app has: the answers after the
//! vault script registered someone, and the page of a vault member still waiting for approval.
//!
//! A vault member registered in the browser (or with `vaultctl`) may sign in while pending,
//! unlike a web account: the manager who approves them compares the fingerprint of their keys
//! with them, and the page computes it from their own keystore, unlocked in the page. Such a
//! session is not a [`Viewer`](super::session::Viewer): it opens the waiting page and the
//! API's `/v1/me` and `/v1/me/keystore`, nothing else.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{FromRequestParts, OptionalFromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::get;
use axum::Router;
use vault_core::ids::OrgId;
use vault_core::keys::Fingerprint;

use super::page::{Chrome, PageError, PageResult, Who};
use super::register::public_answer;
use super::session;
use crate::db::codec;
use crate::state::AppState;

/// Where the vault script goes after registering someone who now waits for approval.
pub const REGISTERED_PATH: &str = "/register/vault-waiting";
/// Where it goes after founding an organisation's vault.
pub const FOUNDED_PATH: &str = "/register/vault-founded";
/// The page of a signed-in vault member waiting for approval.
pub const WAITING_PATH: &str = "/waiting";

/// The routes of these pages.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(REGISTERED_PATH, get(registered))
        .route(FOUNDED_PATH, get(founded))
        .route(WAITING_PATH, get(waiting_page))
}

#[derive(Template)]
#[template(path = "register_vault_done.html")]
struct DonePage {
    c: Chrome,
    founded: bool,
}

async fn registered(State(state): State<AppState>, headers: HeaderMap) -> PageResult {
    let page = |c| DonePage { c, founded: false }.render();
    public_answer(
        &state,
        &headers,
        StatusCode::OK,
        page,
        "Registration received",
    )
}

async fn founded(State(state): State<AppState>, headers: HeaderMap) -> PageResult {
    let page = |c| DonePage { c, founded: true }.render();
    let title = "Your organisation's vault is set up";
    public_answer(&state, &headers, StatusCode::OK, page, title)
}

/// A signed-in vault member whose registration waits for a manager.
pub struct Waiting {
    name: String,
    org_name: String,
    /// The session's token, for the vault script's API calls.
    api_csrf: String,
}

impl FromRequestParts<AppState> for Waiting {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, PageError> {
        let name = session::session_cookie_name(&state.settings);
        let secret = session::cookie(&parts.headers, name).ok_or(PageError::SignIn)?;
        let user = session::session_user(state, secret)
            .await?
            .filter(|user| user.status == "pending" && user.kind == "member")
            .ok_or(PageError::SignIn)?;
        Ok(Self {
            name: user.name(),
            org_name: user.org_name.unwrap_or_default(),
            api_csrf: session::csrf_of(secret),
        })
    }
}

impl OptionalFromRequestParts<AppState> for Waiting {
    type Rejection = PageError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Option<Self>, PageError> {
        match <Self as FromRequestParts<AppState>>::from_request_parts(parts, state).await {
            Ok(waiting) => Ok(Some(waiting)),
            Err(PageError::SignIn) => Ok(None),
            Err(err) => Err(err),
        }
    }
}

#[derive(Template)]
#[template(path = "vault_waiting.html")]
struct WaitingPage {
    c: Chrome,
    org_name: String,
}

#[tracing::instrument(name = "GET /waiting", skip_all)]
async fn waiting_page(
    State(state): State<AppState>,
    waiting: Waiting,
    headers: HeaderMap,
) -> PageResult {
    let org_name = waiting.org_name.clone();
    // Signing out posts the token of forms shown before sign-in: the session is not a
    // viewer's, whose token the form check would take.
    let page = move |public: Chrome| {
        let c = Chrome {
            who: Some(Who {
                name: waiting.name,
                org: waiting.org_name,
                role: "waiting for approval",
            }),
            api_csrf: Some(waiting.api_csrf),
            vault_lock: true,
            here: WAITING_PATH.to_owned(),
            ..public.with_vault_script()
        };
        WaitingPage { c, org_name }.render()
    };
    public_answer(
        &state,
        &headers,
        StatusCode::OK,
        page,
        "Waiting for approval",
    )
}

/// The fingerprint the server computes from the keys each pending vault member of `org`
/// published (user id → fingerprint text). Pages do not show it (a manager must compare what
/// the person reads out, not copy a value); the vault script computes its own to compare.
pub async fn claimed_fingerprints(
    state: &AppState,
    org: OrgId,
) -> Result<HashMap<String, String>, PageError> {
    let rows: Vec<(String, Option<String>, Option<String>)> = sqlx::query_as(
        "SELECT id, encryption_key, signing_key FROM users \
         WHERE org_id = $1 AND kind = 'member' AND status = 'pending'",
    )
    .bind(org.to_string())
    .fetch_all(state.db.reader())
    .await?;
    let mut out = HashMap::new();
    for (id, encryption, signing) in rows {
        if let (Some(encryption), Some(signing)) = (encryption, signing) {
            let encryption = codec::pk_parse(&encryption)?;
            let signing = codec::vk_parse(&signing)?;
            let print = Fingerprint::of_member(&encryption, &signing);
            out.insert(id, print.to_string());
        }
    }
    Ok(out)
}
