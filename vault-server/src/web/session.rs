//! Browser sessions: the cookie, the [`Viewer`] every page receives, and the CSRF tokens.
//!
//! A session cookie holds 32 random bytes; the database keeps only their SHA-256
//! (`web_sessions`), so a copy of it signs no one in. The cookie is HttpOnly and
//! SameSite=Strict, and Secure with the `__Host-` prefix when the app is served over TLS. A
//! session ends at logout, after the idle limit, after the token lifetime, or when the account
//! stops being active.
//!
//! The CSRF token of a signed-in page is derived from the session secret (SHA-256 of a label
//! and the secret), so it is never stored and changes with every session. Forms shown before
//! sign-in (login, registration) use a double-submit token: a random cookie whose value the
//! form must repeat.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue};
use secrecy::{ExposeSecret, SecretString};
use vault_core::ids::{OrgId, UserId};

use super::page::PageError;
use crate::auth;
use crate::db::{codec, now};
use crate::settings::Settings;
use crate::state::AppState;

mod live;

pub(crate) use live::session_user;

/// What a signed-in person may do in the app.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// Runs the platform: organisations, licences, the outbox.
    PlatformAdmin,
    /// Checks the vault from outside; works with `vaultctl audit`.
    Auditor,
    /// Manages an organisation's members, and does everything a practitioner does.
    Manager,
    /// A social worker of an organisation: profiles, search, links, cases.
    Practitioner,
    /// A prospective adopter or foster carer: their own profile and links.
    Family,
}

impl Role {
    /// The role in words, as pages show it.
    #[must_use]
    pub fn words(self) -> &'static str {
        match self {
            Self::PlatformAdmin => "platform admin",
            Self::Auditor => "auditor",
            Self::Manager => "manager",
            Self::Practitioner => "practitioner",
            Self::Family => "adopter or foster carer",
        }
    }

    /// The role of an active account, from its stored kind and member role.
    #[must_use]
    pub fn of_account(kind: &str, member_role: Option<&str>) -> Option<Self> {
        match (kind, member_role) {
            ("platform_admin", _) => Some(Self::PlatformAdmin),
            ("auditor", _) => Some(Self::Auditor),
            ("member" | "staff", Some("manager")) => Some(Self::Manager),
            ("member" | "staff", Some("practitioner")) => Some(Self::Practitioner),
            ("family", _) => Some(Self::Family),
            _ => None,
        }
    }
}

/// The signed-in person behind a page request.
#[derive(Clone, Debug)]
pub struct Viewer {
    /// Their account.
    pub user_id: UserId,
    /// Their name as colleagues see it.
    pub name: String,
    /// Their e-mail address.
    pub email: String,
    /// What they may do.
    pub role: Role,
    /// Their organisation; `None` for platform admins and auditors.
    pub org_id: Option<OrgId>,
    /// Its name.
    pub org_name: Option<String>,
    /// The token this session's forms carry.
    pub csrf: String,
    /// Unread notifications.
    pub unread: i64,
    /// Whether the account is a vault member with keys (registered with `vaultctl` or the
    /// vault script), whose pages load the vault script and its unlock panel.
    pub keys: bool,
}

impl Viewer {
    /// The organisation of a manager or practitioner, or 403.
    pub fn staff_org(&self) -> Result<OrgId, PageError> {
        match (self.role, self.org_id) {
            (Role::Manager | Role::Practitioner, Some(org)) => Ok(org),
            _ => Err(PageError::Forbidden(
                "only an organisation's practitioners and managers may use this page",
            )),
        }
    }

    /// The organisation of a manager, or 403.
    pub fn manager_org(&self) -> Result<OrgId, PageError> {
        match (self.role, self.org_id) {
            (Role::Manager, Some(org)) => Ok(org),
            _ => Err(PageError::Forbidden("only a manager may use this page")),
        }
    }

    /// 403 unless a platform admin.
    pub fn platform_admin(&self) -> Result<(), PageError> {
        if self.role == Role::PlatformAdmin {
            Ok(())
        } else {
            Err(PageError::Forbidden(
                "only a platform admin may use this page",
            ))
        }
    }

    /// The organisation of an adopter or foster carer, or 403.
    pub fn family_org(&self) -> Result<OrgId, PageError> {
        match (self.role, self.org_id) {
            (Role::Family, Some(org)) => Ok(org),
            _ => Err(PageError::Forbidden(
                "only an adopter or foster carer may use this page",
            )),
        }
    }

    /// Whether `token` is this session's CSRF token.
    #[must_use]
    pub fn csrf_matches(&self, token: &str) -> bool {
        same_secret(&self.csrf, token)
    }
}

/// Compares two tokens without an early exit that would time how much of a guess was right:
/// both are hashed first, so the comparison runs over digests an attacker cannot steer.
#[must_use]
pub fn same_secret(a: &str, b: &str) -> bool {
    vault_core::sha256(a.as_bytes()) == vault_core::sha256(b.as_bytes())
}

/// The session cookie's name: `__Host-` prefixed when served over TLS, where browsers then
/// refuse it from any other origin or path.
#[must_use]
pub fn session_cookie_name(settings: &Settings) -> &'static str {
    if settings.served_over_tls() {
        "__Host-vault_session"
    } else {
        "vault_session"
    }
}

/// The name of the cookie holding the token of forms shown before sign-in.
#[must_use]
pub fn form_cookie_name(settings: &Settings) -> &'static str {
    if settings.served_over_tls() {
        "__Host-vault_form"
    } else {
        "vault_form"
    }
}

/// The value of cookie `name` in a request.
#[must_use]
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// A `Set-Cookie` value with the app's attributes; `max_age` 0 deletes the cookie.
#[must_use]
pub fn set_cookie(settings: &Settings, name: &str, value: &str, max_age: i64) -> HeaderValue {
    let secure = if settings.served_over_tls() {
        "; Secure"
    } else {
        ""
    };
    let text =
        format!("{name}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}{secure}");
    HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static("x=; Max-Age=0"))
}

/// The CSRF token of the session whose cookie holds `secret`.
pub(crate) fn csrf_of(secret: &str) -> String {
    hex::encode(vault_core::sha256(format!("csrf\n{secret}").as_bytes()))
}

/// Starts a session for `user_id` and records the login; answers the `Set-Cookie` value.
pub async fn start(state: &AppState, user_id: &str) -> Result<HeaderValue, PageError> {
    let (secret, hash) = auth::new_secret();
    let ttl = i64::try_from(state.settings.token_ttl_secs).unwrap_or(i64::MAX);
    let at = now();
    let mut tx = state.db.begin().await?;
    sqlx::query(
        "INSERT INTO web_sessions (session_hash, user_id, created_at, expires_at, last_seen_at) \
         VALUES ($1, $2, $3, $4, $3)",
    )
    .bind(hash)
    .bind(user_id)
    .bind(at)
    .bind(at.saturating_add(ttl))
    .execute(&mut *tx)
    .await?;
    sqlx::query("UPDATE users SET last_login_at = $1 WHERE id = $2")
        .bind(at)
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    let name = session_cookie_name(&state.settings);
    Ok(set_cookie(
        &state.settings,
        name,
        secret.expose_secret(),
        ttl,
    ))
}

/// Ends the session a request carries; answers the `Set-Cookie` value that deletes it.
pub async fn end(state: &AppState, headers: &HeaderMap) -> Result<HeaderValue, PageError> {
    let name = session_cookie_name(&state.settings);
    if let Some(secret) = cookie(headers, name) {
        let mut tx = state.db.begin().await?;
        sqlx::query(
            "UPDATE web_sessions SET revoked_at = $1 WHERE session_hash = $2 \
             AND revoked_at IS NULL",
        )
        .bind(now())
        .bind(auth::secret_hash(secret))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
    }
    Ok(set_cookie(&state.settings, name, "", 0))
}

/// The token of a form shown before sign-in, and the cookie to set when the browser has none.
#[must_use]
pub fn form_token(settings: &Settings, headers: &HeaderMap) -> (String, Option<HeaderValue>) {
    let name = form_cookie_name(settings);
    match cookie(headers, name) {
        Some(token) if token.len() == 64 && token.bytes().all(|b| b.is_ascii_hexdigit()) => {
            (token.to_owned(), None)
        }
        _ => {
            let (token, _) = auth::new_secret();
            let token = token.expose_secret().to_owned();
            let set = set_cookie(settings, name, &token, 2 * 60 * 60);
            (token, Some(set))
        }
    }
}

/// The client's address for login throttling: the configured proxy header's first address,
/// or the connection's own address.
#[must_use]
pub fn client_address(settings: &Settings, parts: &Parts) -> String {
    if let Some(name) = &settings.client_address_header {
        if let Some(first) = parts
            .headers
            .get(name.as_str())
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
        {
            return first.trim().to_owned();
        }
    }
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map_or_else(
            || "unknown".to_owned(),
            |ConnectInfo(addr)| addr.ip().to_string(),
        )
}

impl FromRequestParts<AppState> for Viewer {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, PageError> {
        if let Some(viewer) = parts.extensions.get::<Viewer>() {
            return Ok(viewer.clone());
        }
        let name = session_cookie_name(&state.settings);
        let secret = cookie(&parts.headers, name).ok_or(PageError::SignIn)?;
        let secret = SecretString::from(secret.to_owned());
        let user = session_user(state, secret.expose_secret())
            .await?
            .ok_or(PageError::SessionEnded)?;
        if user.status != "active" {
            return Err(PageError::SignIn);
        }
        let role =
            Role::of_account(&user.kind, user.member_role.as_deref()).ok_or(PageError::SignIn)?;
        let (unread,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL",
        )
        .bind(&user.id)
        .fetch_one(state.db.reader())
        .await?;
        let viewer = Viewer {
            user_id: codec::parse(&user.id)?,
            name: user.name(),
            role,
            org_id: user.org_id.as_deref().map(codec::parse).transpose()?,
            csrf: csrf_of(secret.expose_secret()),
            unread,
            keys: user.kind == "member",
            email: user.email,
            org_name: user.org_name,
        };
        parts.extensions.insert(viewer.clone());
        Ok(viewer)
    }
}

/// The client's address, as [`client_address`] finds it.
pub struct ClientAddress(pub String);

impl FromRequestParts<AppState> for ClientAddress {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, std::convert::Infallible> {
        Ok(Self(client_address(&state.settings, parts)))
    }
}

impl axum::extract::OptionalFromRequestParts<AppState> for Viewer {
    type Rejection = PageError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Option<Self>, PageError> {
        match <Viewer as FromRequestParts<AppState>>::from_request_parts(parts, state).await {
            Ok(viewer) => Ok(Some(viewer)),
            Err(PageError::SignIn | PageError::SessionEnded) => Ok(None),
            Err(err) => Err(err),
        }
    }
}
