//! What every page shares: the frame around it ([`Chrome`]), rendering, form field errors and
//! the error pages ([`PageError`]).
//!
//! Error pages say what happened in a sentence written here, never input echoed back. A page
//! the caller may not see is "not found", the same answer as one that does not exist, so ids
//! of other organisations' records tell nothing.

use askama::Template;
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};

use super::session::{Role, Viewer};

/// The frame of a page: title, who is signed in, the navigation and the CSRF token forms use.
pub struct Chrome {
    /// Page title, also the `<h1>`.
    pub title: String,
    /// Name, organisation and role of the person signed in; `None` on public pages.
    pub who: Option<Who>,
    /// Links in the navigation bar, for the viewer's role.
    pub nav: Vec<NavItem>,
    /// The token every form on the page sends back.
    pub csrf: String,
    /// Unread notifications, shown beside the bell.
    pub unread: i64,
    /// The path of this page, to mark the current navigation link.
    pub here: String,
    /// The session's token for the vault script's API calls (`<meta name="vault-csrf">`);
    /// `None` before sign-in.
    pub api_csrf: Option<String>,
    /// The vault script's `integrity` value, when the page loads the script.
    pub vault_script: Option<&'static str>,
    /// Whether the page has the vault's unlock panel (vault members signed in).
    pub vault_lock: bool,
}

/// The person signed in, as the frame shows them.
pub struct Who {
    /// Their name.
    pub name: String,
    /// Their organisation's name; empty for platform accounts.
    pub org: String,
    /// Their role in words.
    pub role: &'static str,
}

/// One navigation link.
pub struct NavItem {
    /// Where it goes.
    pub href: &'static str,
    /// What it says.
    pub label: &'static str,
}

impl Chrome {
    /// The frame of a page for someone signed in.
    pub fn new(viewer: &Viewer, title: impl Into<String>, here: impl Into<String>) -> Self {
        Self {
            title: title.into(),
            who: Some(Who {
                name: viewer.name.clone(),
                org: viewer.org_name.clone().unwrap_or_default(),
                role: viewer.role.words(),
            }),
            nav: nav_for(viewer.role, viewer.keys),
            csrf: viewer.csrf.clone(),
            unread: viewer.unread,
            here: here.into(),
            api_csrf: Some(viewer.csrf.clone()),
            vault_script: viewer.keys.then(super::assets::vault_integrity),
            vault_lock: viewer.keys,
        }
    }

    /// The frame of a public page (sign in, register), with the anonymous form token.
    pub fn public(title: impl Into<String>, csrf: String) -> Self {
        Self {
            title: title.into(),
            who: None,
            nav: Vec::new(),
            csrf,
            unread: 0,
            here: String::new(),
            api_csrf: None,
            vault_script: None,
            vault_lock: false,
        }
    }

    /// The same frame, loading the vault script (the registration page, where it makes keys).
    #[must_use]
    pub fn with_vault_script(mut self) -> Self {
        self.vault_script = Some(super::assets::vault_integrity());
        self
    }

    /// Whether `href` is the current section, for `aria-current`.
    #[must_use]
    pub fn is_here(&self, href: &str) -> bool {
        self.here == href || (href != "/dashboard" && self.here.starts_with(href))
    }
}

/// The navigation of a role; vault members (`keys`) also reach the documents other
/// organisations shared with theirs, next to the cases.
fn nav_for(role: Role, keys: bool) -> Vec<NavItem> {
    let item = |href, label| NavItem { href, label };
    let mut nav = match role {
        Role::PlatformAdmin => vec![
            item("/admin/orgs", "Organisations"),
            item("/admin/outbox", "Outbox"),
        ],
        Role::Auditor => vec![item("/dashboard", "Auditing")],
        Role::Manager => vec![
            item("/dashboard", "Dashboard"),
            item("/children", "Children"),
            item("/families", "Families"),
            item("/search", "Search"),
            item("/links", "Links"),
            item("/cases", "Cases"),
            item("/members", "Members"),
        ],
        Role::Practitioner => vec![
            item("/dashboard", "Dashboard"),
            item("/children", "Children"),
            item("/families", "Families"),
            item("/search", "Search"),
            item("/links", "Links"),
            item("/cases", "Cases"),
        ],
        Role::Family => vec![
            item("/dashboard", "Home"),
            item("/my/profile", "Our profile"),
            item("/links", "Links"),
        ],
    };
    if keys {
        if let Some(at) = nav.iter().position(|i| i.href == "/cases") {
            nav.insert(at + 1, item(super::shared::PATH, "Shared with us"));
        }
    }
    nav
}

/// Renders a template into an HTML answer.
pub fn render(template: &impl Template) -> Result<Response, PageError> {
    let html = template.render().map_err(PageError::internal)?;
    Ok(Html(html).into_response())
}

/// Renders a form page again with its errors, answering 422.
pub fn render_invalid(template: &impl Template) -> Result<Response, PageError> {
    let html = template.render().map_err(PageError::internal)?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response())
}

/// After a successful form post: go to `to` (303, so a reload does not post again).
#[must_use]
pub fn see_other(to: &str) -> Response {
    Redirect::to(to).into_response()
}

/// Messages for form fields, shown next to each field by the templates.
#[derive(Default)]
pub struct FieldErrors(Vec<(&'static str, String)>);

impl FieldErrors {
    /// No errors yet.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Records a message for `field`; the first message of a field is the one shown.
    pub fn add(&mut self, field: &'static str, message: impl Into<String>) {
        if self.get(field).is_none() {
            self.0.push((field, message.into()));
        }
    }

    /// The message for `field`, if any.
    #[must_use]
    pub fn get(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, m)| m.as_str())
    }

    /// Whether no field has an error.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// How many fields have errors, for the summary at the top of a form.
    #[must_use]
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Every (field, message), in the order found, for the summary's links to the fields.
    #[must_use]
    pub fn all(&self) -> &[(&'static str, String)] {
        &self.0
    }
}

/// Where a page sends a person whose session ended: the sign-in page, saying so.
pub const SESSION_ENDED_PATH: &str = "/login?ended=1";

/// Why a page could not be shown.
#[derive(Debug, thiserror::Error)]
pub enum PageError {
    /// 303 to the sign-in page: no session.
    #[error("sign in first")]
    SignIn,
    /// 303 to the sign-in page, which then says the session ended: the request carried a
    /// session cookie the server no longer knows (left idle, past its lifetime, signed out
    /// elsewhere, or the account closed).
    #[error("the session ended; sign in again")]
    SessionEnded,
    /// 403: signed in, but the role does not allow this page.
    #[error("{0}")]
    Forbidden(&'static str),
    /// 403: the form came without its token, or with another session's.
    #[error("the form expired or did not come from this app")]
    Csrf,
    /// 404: no such record, or one the caller's organisation may not see.
    #[error("not found")]
    NotFound,
    /// 405: the page exists but not with this method.
    #[error("this page cannot be used that way")]
    MethodNotAllowed,
    /// 409: the record changed meanwhile, or the action does not fit its state.
    #[error("{0}")]
    Conflict(&'static str),
    /// 413: the form or file is larger than accepted.
    #[error("{0}")]
    TooLarge(&'static str),
    /// 400: a request no page of the app sends.
    #[error("{0}")]
    BadRequest(&'static str),
    /// 500: our fault; the detail is logged, the page says only that something failed.
    #[error("something went wrong on our side")]
    Internal(#[source] anyhow::Error),
}

impl PageError {
    /// Wraps a server-side failure.
    pub fn internal(err: impl Into<anyhow::Error>) -> Self {
        Self::Internal(err.into())
    }

    fn status(&self) -> StatusCode {
        match self {
            Self::SignIn | Self::SessionEnded => StatusCode::SEE_OTHER,
            Self::Forbidden(_) | Self::Csrf => StatusCode::FORBIDDEN,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

/// The error page.
#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    title: &'a str,
    message: String,
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        match self {
            Self::SignIn => return Redirect::to("/login").into_response(),
            Self::SessionEnded => return Redirect::to(SESSION_ENDED_PATH).into_response(),
            _ => {}
        }
        if let Self::Internal(detail) = &self {
            tracing::error!(error = %format!("{detail:#}"), "page failed");
        }
        let status = self.status();
        let title = status.canonical_reason().unwrap_or("Error");
        let page = ErrorPage {
            title,
            message: self.to_string(),
        };
        let body = page
            .render()
            .unwrap_or_else(|_| String::from("<!doctype html><title>Error</title>Error"));
        (
            status,
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            body,
        )
            .into_response()
    }
}

impl From<sqlx::Error> for PageError {
    fn from(err: sqlx::Error) -> Self {
        match &err {
            sqlx::Error::RowNotFound => Self::NotFound,
            sqlx::Error::Database(db) if db.is_unique_violation() => {
                Self::Conflict("that record already exists")
            }
            _ => Self::internal(err),
        }
    }
}

impl From<crate::error::ApiError> for PageError {
    fn from(err: crate::error::ApiError) -> Self {
        use crate::error::ApiError as A;
        match err {
            A::NotFound | A::ObjectMissing => Self::NotFound,
            A::Forbidden(m) | A::TooManyRequests(m) => Self::Forbidden(m),
            A::Conflict(m) => Self::Conflict(m),
            A::DocumentDamaged => Self::Conflict(
                "this document's record on the platform was changed outside the vault; the \
                 platform admin can restore it from a backup",
            ),
            A::BadRequest(m) | A::Unprocessable(m) => Self::BadRequest(m),
            A::Unauthorized | A::WrongCredentials | A::SessionHeader => Self::SignIn,
            A::LoginThrottled { .. } => Self::Forbidden(
                "too many failed sign-ins for this account or from this network; try again later",
            ),
            A::PayloadTooLarge { .. } => Self::TooLarge("the request is too large"),
            A::MethodNotAllowed => Self::MethodNotAllowed,
            A::Internal(e) => Self::Internal(e),
            A::Unavailable(m) => Self::internal(anyhow::anyhow!(m)),
        }
    }
}

/// Shorthand for page handlers.
pub type PageResult<T = Response> = Result<T, PageError>;

/// Formats seconds since the epoch as a date and time people read (UTC).
#[must_use]
pub fn when(secs: i64) -> String {
    let format =
        time::macros::format_description!("[day] [month repr:short] [year], [hour]:[minute]");
    time::OffsetDateTime::from_unix_timestamp(secs)
        .ok()
        .and_then(|t| t.format(&format).ok())
        .unwrap_or_default()
}
