//! Registration with an organisation: practitioners, managers, adopters and foster carers ask
//! to join, and wait as pending until a manager approves them ([`super::members`]).
//!
//! The answer never tells whether an e-mail address already has an account: a taken address
//! gets the same "received" page as a new one, and the outbox tells the address's owner that
//! someone tried. The organisation's first manager may give the one-time invitation code the
//! platform admin received; while the organisation has no active manager, that person becomes
//! its manager at once. The code stays valid for `vaultctl register --invite`, which sets up
//! the organisation's vault keys and needs it.

use askama::Template;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect};
use axum::routing::get;
use axum::Router;
use secrecy::SecretString;
use serde::Deserialize;
use vault_core::ids::OrgId;

use super::form::{self, Form};
use super::page::{Chrome, FieldErrors, PageError, PageResult};
use super::session::{self, ClientAddress, Viewer};
use super::{throttle, visibility};
use crate::auth;
use crate::state::AppState;

/// The field message for a code that does not open this organisation, whatever the reason,
/// so the answer tells nothing about other organisations or whether one has a manager.
pub const INVITE_NOT_VALID: &str = "This invitation code is not valid for this organisation.";

/// Longest password accepted: more adds nothing and only costs hashing time.
const MAX_PASSWORD_CHARS: usize = 1000;

pub(crate) mod store;

use store::{account_with, insert_account, invite_opens, tell_taken};

/// The registration routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/register", get(register_page).post(register))
        .route("/register/received", get(received))
        .route("/register/first-manager", get(first_manager))
}

/// An organisation people may register with: one holding a current licence.
pub struct OrgChoice {
    id: String,
    name: String,
}

#[derive(Template)]
#[template(path = "register.html")]
struct RegisterPage {
    c: Chrome,
    orgs: Vec<OrgChoice>,
    org: String,
    name: String,
    email: String,
    kind: String,
    errors: FieldErrors,
}

/// The answer to an address that has registered too often this hour.
#[derive(Template)]
#[template(path = "register_busy.html")]
struct BusyPage {
    c: Chrome,
}

#[derive(Template)]
#[template(path = "register_done.html")]
struct DonePage {
    c: Chrome,
    first_manager: bool,
}

/// The registration form's fields.
#[derive(Deserialize, Default)]
struct RegisterForm {
    #[serde(default)]
    org: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    confirm: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    invite: String,
}

/// A registration that passed the field checks.
struct Checked {
    org: OrgId,
    org_name: String,
    name: String,
    email: String,
    password: SecretString,
    family: bool,
    invite: Option<SecretString>,
}

async fn licensed_orgs(state: &AppState) -> sqlx::Result<Vec<OrgChoice>> {
    let sql = format!(
        "SELECT o.id, o.name FROM orgs o WHERE {} ORDER BY o.name, o.id",
        visibility::licensed("o.id", "$1")
    );
    let rows: Vec<(String, String)> = sqlx::query_as(&sql)
        .bind(visibility::today())
        .fetch_all(state.db.reader())
        .await?;
    Ok(rows
        .into_iter()
        .map(|(id, name)| OrgChoice { id, name })
        .collect())
}

/// Renders a public page with the form token, setting the form cookie when the browser has
/// none yet.
pub(crate) fn public_answer(
    state: &AppState,
    headers: &HeaderMap,
    status: StatusCode,
    page: impl FnOnce(Chrome) -> Result<String, askama::Error>,
    title: &str,
) -> PageResult {
    let (csrf, set) = session::form_token(&state.settings, headers);
    let html = page(Chrome::public(title, csrf)).map_err(PageError::internal)?;
    let mut response = (status, Html(html)).into_response();
    if let Some(set) = set {
        response.headers_mut().append(header::SET_COOKIE, set);
    }
    Ok(response)
}

async fn form_answer(
    state: &AppState,
    headers: &HeaderMap,
    form: &RegisterForm,
    errors: FieldErrors,
) -> PageResult {
    let orgs = licensed_orgs(state).await?;
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = |c: Chrome| {
        RegisterPage {
            c: c.with_vault_script(),
            orgs,
            org: form.org.trim().to_owned(),
            name: form.name.clone(),
            email: form.email.trim().to_owned(),
            kind: form.kind.clone(),
            errors,
        }
        .render()
    };
    public_answer(state, headers, status, page, "Register")
}

#[tracing::instrument(name = "GET /register", skip_all)]
async fn register_page(
    State(state): State<AppState>,
    viewer: Option<Viewer>,
    headers: HeaderMap,
) -> PageResult {
    if viewer.is_some() {
        return Ok(Redirect::to("/dashboard").into_response());
    }
    let blank = RegisterForm::default();
    form_answer(&state, &headers, &blank, FieldErrors::new()).await
}

/// The page after a registration: the same for every waiting one, whether or not its
/// address was taken; another for a first manager.
fn done(state: &AppState, headers: &HeaderMap, first_manager: bool) -> PageResult {
    let title = if first_manager {
        "You are the manager"
    } else {
        "Registration received"
    };
    let page = |c| DonePage { c, first_manager }.render();
    public_answer(state, headers, StatusCode::OK, page, title)
}

async fn received(State(state): State<AppState>, headers: HeaderMap) -> PageResult {
    done(&state, &headers, false)
}

async fn first_manager(State(state): State<AppState>, headers: HeaderMap) -> PageResult {
    done(&state, &headers, true)
}

/// Checks every field; answers the registration or the errors to show beside the fields.
fn check(form: &RegisterForm, orgs: &[OrgChoice]) -> Result<Checked, FieldErrors> {
    let mut errors = FieldErrors::new();
    let org = orgs
        .iter()
        .find(|o| o.id == form.org.trim())
        .and_then(|o| Some((o.id.parse::<OrgId>().ok()?, o.name.clone())));
    if org.is_none() {
        errors.add("org", "Choose your organisation from the list.");
    }
    let name = form::required(&form.name, 200, false).unwrap_or_else(|m| {
        errors.add("name", m);
        String::new()
    });
    let email = form.email.trim().to_owned();
    if email.is_empty() {
        errors.add("email", "This field is required.");
    } else if !crate::routes::admin::email_is_valid(&email) {
        errors.add("email", "Enter an e-mail address such as name@example.org.");
    }
    let length = form.password.chars().count();
    if length < auth::MIN_PASSWORD_CHARS {
        let min = auth::MIN_PASSWORD_CHARS;
        errors.add("password", format!("Use at least {min} characters."));
    } else if length > MAX_PASSWORD_CHARS {
        errors.add(
            "password",
            format!("Use at most {MAX_PASSWORD_CHARS} characters."),
        );
    }
    if form.confirm != form.password {
        errors.add("confirm", "The two passwords are not the same.");
    }
    let family = match form.kind.as_str() {
        "staff" => false,
        "family" => true,
        _ => {
            errors.add("kind", "Choose who you are.");
            false
        }
    };
    let invite = form.invite.trim();
    if !invite.is_empty() && family {
        errors.add(
            "invite",
            "An invitation code makes the organisation's first manager: choose \
             \"practitioner or manager\", or leave the code out.",
        );
    }
    match org {
        Some((org, org_name)) if errors.is_empty() => Ok(Checked {
            org,
            org_name,
            name,
            email,
            password: SecretString::from(form.password.clone()),
            family,
            invite: (!invite.is_empty()).then(|| SecretString::from(invite.to_owned())),
        }),
        _ => Err(errors),
    }
}

#[tracing::instrument(name = "POST /register", skip_all)]
async fn register(
    State(state): State<AppState>,
    viewer: Option<Viewer>,
    headers: HeaderMap,
    ClientAddress(address): ClientAddress,
    Form(form): Form<RegisterForm>,
) -> PageResult {
    if viewer.is_some() {
        return Ok(Redirect::to("/dashboard").into_response());
    }
    // An organisation's first manager, with its invitation code, is not held up by others'
    // registrations from the same network; a wrong code is refused below and writes nothing.
    let with_code = !form.invite.trim().is_empty();
    if !with_code && throttle::registrations_exhausted(&state, &address).await? {
        tracing::warn!("registration refused: too many from one address this hour");
        let page = |c| BusyPage { c }.render();
        let status = StatusCode::TOO_MANY_REQUESTS;
        return public_answer(&state, &headers, status, page, "Too many registrations");
    }
    let orgs = licensed_orgs(&state).await?;
    let reg = match check(&form, &orgs) {
        Ok(reg) => reg,
        Err(errors) => return form_answer(&state, &headers, &form, errors).await,
    };
    // Hashed before the write transaction, which must not wait on argon2; and hashed for a
    // taken address too, so the answer's timing does not tell one from the other.
    let hash = auth::hash_password(reg.password.clone()).await?;
    let mut tx = state.db.begin().await?;
    let first_manager = match &reg.invite {
        Some(code) => {
            if !invite_opens(&mut tx, reg.org, code).await? {
                drop(tx);
                tracing::warn!(org.id = %reg.org, "registration with an invitation code refused");
                let mut errors = FieldErrors::new();
                errors.add("invite", INVITE_NOT_VALID);
                return form_answer(&state, &headers, &form, errors).await;
            }
            true
        }
        None => false,
    };
    if let Some(existing) = account_with(&mut tx, &reg.email).await? {
        tell_taken(&mut tx, &state, &existing, &reg.org_name).await?;
        throttle::record_registration(&mut tx, &address).await?;
        tx.commit().await?;
        tracing::info!(org.id = %reg.org, "registration with a taken address; owner told");
        return Ok(Redirect::to("/register/received").into_response());
    }
    let user = insert_account(&mut tx, &reg, &hash, first_manager).await?;
    throttle::record_registration(&mut tx, &address).await?;
    tx.commit().await?;
    tracing::info!(user.id = %user, org.id = %reg.org, first_manager, "registered");
    let to = if first_manager {
        "/register/first-manager"
    } else {
        "/register/received"
    };
    Ok(Redirect::to(to).into_response())
}
