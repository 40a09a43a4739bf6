//! Passwords, bearer tokens and the [`Caller`] every authenticated handler receives.
//!
//! Passwords are hashed with argon2id on the blocking pool. A token is 32 random bytes shown to
//! the client once; the database keeps only its SHA-256, so a copy of the database cannot be
//! used to log in. A page of the web app may call the API with its session cookie instead
//! ([`crate::web::api_session`]).

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use rand::RngCore as _;
use secrecy::{ExposeSecret, SecretString};
use vault_core::api::{AccountRole, MemberStatus};
use vault_core::ids::{OrgId, UserId};
use vault_core::keys::VerifyingKey;
use vault_core::statement::Role;

use crate::db::codec;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// Shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 12;

/// Each argon2 check takes 19 MiB and most of a core for a moment; this many at once at most,
/// so a burst of logins queues instead of exhausting memory.
static HASHING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(2);

/// Hashes a password with argon2id and a fresh salt, off the async threads.
pub async fn hash_password(password: SecretString) -> ApiResult<String> {
    let _permit = HASHING.acquire().await.map_err(ApiError::internal)?;
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut rand::rngs::OsRng);
        Argon2::default()
            .hash_password(password.expose_secret().as_bytes(), &salt)
            .map(|hash| hash.to_string())
            .map_err(|err| ApiError::internal(anyhow::anyhow!("hashing a password: {err}")))
    })
    .await
    .map_err(ApiError::internal)?
}

/// Spends the same argon2 work as a real check, for a login to an unknown account, so that the
/// answer's timing does not tell which e-mail addresses have accounts.
pub async fn verify_nothing(password: SecretString) -> ApiResult<()> {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let stored = if let Some(hash) = DUMMY.get() {
        hash.clone()
    } else {
        let (random, _) = new_secret();
        let hash = hash_password(random).await?;
        DUMMY.get_or_init(|| hash).clone()
    };
    verify_password(password, stored).await.map(|_| ())
}

/// Checks a password against a stored hash, off the async threads.
pub async fn verify_password(password: SecretString, stored: String) -> ApiResult<bool> {
    let _permit = HASHING.acquire().await.map_err(ApiError::internal)?;
    tokio::task::spawn_blocking(move || {
        let parsed = PasswordHash::new(&stored)
            .map_err(|err| ApiError::internal(anyhow::anyhow!("stored hash: {err}")))?;
        Ok(Argon2::default()
            .verify_password(password.expose_secret().as_bytes(), &parsed)
            .is_ok())
    })
    .await
    .map_err(ApiError::internal)?
}

/// A fresh random secret (token or invitation code) and the hash to store for it.
#[must_use]
pub fn new_secret() -> (SecretString, String) {
    let mut raw = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut raw);
    let text = hex::encode(raw);
    let hash = secret_hash(&text);
    (SecretString::from(text), hash)
}

/// An invitation code as typed: people copy it in groups of four (as the admin page shows it),
/// with spaces, line breaks or dashes, and in capitals; none of those are part of the code.
#[must_use]
pub fn typed_code(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// The code in groups of four, for reading out and typing in.
#[must_use]
pub fn grouped_code(code: &str) -> String {
    code.as_bytes()
        .chunks(4)
        .map(|chunk| String::from_utf8_lossy(chunk).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The stored form of a token or invitation code.
#[must_use]
pub fn secret_hash(secret: &str) -> String {
    hex::encode(vault_core::sha256(secret.as_bytes()))
}

/// What kind of account the caller has.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Creates organisations and auditors.
    PlatformAdmin,
    /// Reads audit records and the ciphertext inventory.
    Auditor,
    /// Belongs to one organisation.
    Member,
}

/// The authenticated account behind a request.
#[derive(Clone, Debug)]
pub struct Caller {
    /// The account.
    pub user_id: UserId,
    /// Its e-mail address.
    pub email: String,
    /// Its kind.
    pub kind: Kind,
    /// Its organisation, for members.
    pub org_id: Option<OrgId>,
    /// Its standing.
    pub status: MemberStatus,
    /// Its certified role, for active members.
    pub role: Option<Role>,
    /// Its published signing key, for members.
    pub signing_key: Option<VerifyingKey>,
}

/// An active member of an organisation: what most routes need.
#[derive(Clone, Copy, Debug)]
pub struct Member {
    /// The member.
    pub user_id: UserId,
    /// Their organisation.
    pub org_id: OrgId,
    /// Their certified role.
    pub role: Role,
    /// The key every statement they send must be signed with.
    pub signing_key: VerifyingKey,
}

impl Member {
    /// The audit record of something this member did to the object `object_kind`
    /// `object_id`, concerning `case_id` when a case is concerned.
    #[must_use]
    pub fn event(
        &self,
        action: &'static str,
        object_kind: &'static str,
        object_id: String,
        case_id: Option<vault_core::ids::CaseId>,
    ) -> crate::db::audit::Event<'static> {
        crate::db::audit::Event {
            actor: Some(self.user_id),
            org_id: Some(self.org_id),
            action,
            object_kind,
            object_id,
            case_id,
        }
    }
}

impl Caller {
    /// The role shown by `GET /v1/me`; a pending member shows as practitioner until certified.
    #[must_use]
    pub fn account_role(&self) -> AccountRole {
        match self.kind {
            Kind::PlatformAdmin => AccountRole::PlatformAdmin,
            Kind::Auditor => AccountRole::Auditor,
            Kind::Member => self
                .role
                .map_or(AccountRole::Practitioner, AccountRole::from),
        }
    }

    /// The caller as an active member, or 403.
    pub fn member(&self) -> ApiResult<Member> {
        match (
            self.kind,
            self.status,
            self.org_id,
            self.role,
            self.signing_key,
        ) {
            (Kind::Member, MemberStatus::Active, Some(org_id), Some(role), Some(signing_key)) => {
                Ok(Member {
                    user_id: self.user_id,
                    org_id,
                    role,
                    signing_key,
                })
            }
            (Kind::Member, MemberStatus::Pending, ..) => Err(ApiError::Forbidden(
                "a manager has not approved this account yet",
            )),
            // A removed member keeps their account but nothing of the organisation: every case,
            // document or transfer they saw before is, to them, not there.
            (Kind::Member, MemberStatus::Removed, ..) => Err(ApiError::NotFound),
            _ => Err(ApiError::Forbidden("only organisation members may do this")),
        }
    }

    /// The caller as an active manager, or 403.
    pub fn manager(&self) -> ApiResult<Member> {
        let member = self.member()?;
        if member.role == Role::Manager {
            Ok(member)
        } else {
            Err(ApiError::Forbidden("only a manager may do this"))
        }
    }

    /// 403 unless the caller is a platform admin.
    pub fn platform_admin(&self) -> ApiResult<()> {
        self.require(Kind::PlatformAdmin, "only a platform admin may do this")
    }

    /// 403 unless the caller is an auditor.
    pub fn auditor(&self) -> ApiResult<()> {
        self.require(Kind::Auditor, "only an auditor may do this")
    }

    fn require(&self, kind: Kind, message: &'static str) -> ApiResult<()> {
        if self.kind == kind {
            Ok(())
        } else {
            Err(ApiError::Forbidden(message))
        }
    }

    /// For an organisation's directory: 403 for a pending member, 404 for a removed one (who
    /// has no organisation any more, so not its members' addresses either, as every
    /// organisation route answers them); everyone else logged in may read it.
    pub fn directory_reader(&self) -> ApiResult<()> {
        if self.kind == Kind::Member && self.status == MemberStatus::Removed {
            return Err(ApiError::NotFound);
        }
        self.not_pending()
    }

    /// 403 for pending members; everyone else logged in may read the log and the list of
    /// organisations.
    pub fn not_pending(&self) -> ApiResult<()> {
        if self.status == MemberStatus::Pending {
            Err(ApiError::Forbidden(
                "a manager has not approved this account yet",
            ))
        } else {
            Ok(())
        }
    }
}

/// Parses a stored kind.
pub fn parse_kind(text: &str) -> ApiResult<Kind> {
    match text {
        "platform_admin" => Ok(Kind::PlatformAdmin),
        "auditor" => Ok(Kind::Auditor),
        "member" => Ok(Kind::Member),
        _ => Err(ApiError::internal(anyhow::anyhow!("unknown account kind"))),
    }
}

/// Parses a stored member status.
pub fn parse_status(text: &str) -> ApiResult<MemberStatus> {
    match text {
        "pending" => Ok(MemberStatus::Pending),
        "active" => Ok(MemberStatus::Active),
        "removed" => Ok(MemberStatus::Removed),
        _ => Err(ApiError::internal(anyhow::anyhow!("unknown member status"))),
    }
}

/// Text form of a member status.
#[must_use]
pub fn status_text(status: MemberStatus) -> &'static str {
    match status {
        MemberStatus::Pending => "pending",
        MemberStatus::Active => "active",
        MemberStatus::Removed => "removed",
    }
}

/// A user row as the callers' queries select it.
pub(crate) type UserRow = (
    String,
    String,
    String,
    Option<String>,
    String,
    Option<String>,
    Option<String>,
);

/// The bearer token of a request, if it carries one. The scheme's name is matched in any
/// case (`bearer`, `BEARER`), as HTTP's authentication schemes are (RFC 9110, section 11.1),
/// and one or more spaces may follow it.
pub fn bearer(headers: &axum::http::HeaderMap) -> Option<&str> {
    let value = headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim_start_matches(' ');
    (scheme.eq_ignore_ascii_case("Bearer") && !token.is_empty()).then_some(token)
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> ApiResult<Self> {
        // A browser page's own script calls the API with the session cookie instead.
        if !parts
            .headers
            .contains_key(axum::http::header::AUTHORIZATION)
        {
            return crate::web::api_session::caller(parts, state).await;
        }
        let token = bearer(&parts.headers).ok_or(ApiError::Unauthorized)?;
        let row: Option<UserRow> = sqlx::query_as(
            "SELECT u.id, u.email, u.kind, u.org_id, u.status, u.member_role, u.signing_key \
             FROM tokens t JOIN users u ON u.id = t.user_id \
             WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND t.expires_at > $2",
        )
        .bind(secret_hash(token))
        .bind(crate::db::now())
        .fetch_optional(state.db.reader())
        .await?;
        let row = row.ok_or(ApiError::Unauthorized)?;
        caller_from_row(row)
    }
}

/// The caller a user row describes.
pub(crate) fn caller_from_row(row: UserRow) -> ApiResult<Caller> {
    let (id, email, kind, org_id, status, role, signing_key) = row;
    Ok(Caller {
        user_id: codec::parse(&id)?,
        email,
        kind: parse_kind(&kind)?,
        org_id: org_id.as_deref().map(codec::parse).transpose()?,
        status: parse_status(&status)?,
        role: role.as_deref().and_then(Role::parse),
        signing_key: signing_key.as_deref().map(codec::vk_parse).transpose()?,
    })
}

/// Loads the account with this id (for login answers).
pub async fn load_caller(state: &AppState, user: &str) -> ApiResult<Caller> {
    let row: UserRow = sqlx::query_as(
        "SELECT id, email, kind, org_id, status, member_role, signing_key FROM users WHERE id = $1",
    )
    .bind(user)
    .fetch_one(state.db.reader())
    .await?;
    caller_from_row(row)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bearer_scheme_is_matched_in_any_case() {
        let with = |value: &'static str| {
            let mut headers = axum::http::HeaderMap::new();
            let value = axum::http::HeaderValue::from_static(value);
            headers.insert(axum::http::header::AUTHORIZATION, value);
            bearer(&headers).map(str::to_owned)
        };
        for value in ["Bearer abc", "bearer abc", "BEARER abc", "bEaReR  abc"] {
            assert_eq!(with(value).as_deref(), Some("abc"), "{value}");
        }
        for value in ["Basic abc", "Bearerabc", "Bearer ", "Bearer", "abc"] {
            assert_eq!(with(value), None, "{value}");
        }
    }

    #[test]
    fn a_code_typed_in_groups_is_the_code() {
        let code = "03a3cad16592f45f";
        assert_eq!(grouped_code(code), "03a3 cad1 6592 f45f");
        assert_eq!(typed_code(&grouped_code(code)), code);
        assert_eq!(typed_code(" 03A3-CAD1\n6592 f45f "), code);
    }
}
