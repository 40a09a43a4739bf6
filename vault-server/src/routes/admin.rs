//! Platform admin routes: organisations and auditors.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use secrecy::{ExposeSecret, SecretString};
use unicode_normalization::UnicodeNormalization as _;
use vault_core::api::{
    CreateAuditorRequest, CreateOrgRequest, CreateOrgResponse, Me, MemberStatus, OrgSummary,
};
use vault_core::ids::{OrgId, UserId};

use crate::auth::{self, Caller, Kind};
use crate::db::audit::{self, Event, Logged};
use crate::db::{now, Tx};
use crate::error::{ApiError, ApiJson, ApiResult};
use crate::state::AppState;
use crate::web::register::store::account_with;

/// `POST /v1/orgs`: a new organisation and its one-time invitation code.
#[tracing::instrument(name = "POST /v1/orgs", skip_all, fields(user.id = %caller.user_id))]
pub async fn create_org(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(req): ApiJson<CreateOrgRequest>,
) -> ApiResult<(StatusCode, Json<CreateOrgResponse>)> {
    caller.platform_admin()?;
    let name = crate::checks::label(
        &req.name,
        200,
        "an organisation name has 1 to 200 characters and no control or invisible formatting \
         characters",
    )?;
    let mut tx = state.db.begin().await?;
    if org_name_taken(&mut tx, name).await? {
        return Err(ApiError::Conflict(ORG_NAME_TAKEN));
    }
    let (org_id, code) = insert_org(&mut tx, caller.user_id, name).await?;
    crate::web::licence::insert_default(&mut tx, org_id).await?;
    tx.commit().await?;
    tracing::info!(org.id = %org_id, "organisation created");
    let org = OrgSummary {
        org_id,
        name: name.to_owned(),
        root_signing_key: None,
        org_key: None,
        org_key_version: None,
    };
    let invite_code = code.expose_secret().to_owned();
    Ok((
        StatusCode::CREATED,
        Json(CreateOrgResponse { org, invite_code }),
    ))
}

/// The API's answer (409) to an organisation name in use; the web form says the same.
pub const ORG_NAME_TAKEN: &str = "an organisation with this name exists already";

/// Whether an organisation has the name `name` already, compared as [`name_key`] puts names.
/// The API and the platform admin's form both ask this, so neither door lets two organisations
/// whose names look alike appear side by side in the share and offer lists.
pub async fn org_name_taken(tx: &mut Tx, name: &str) -> sqlx::Result<bool> {
    // Every name is compared here rather than in SQL, whose LOWER differs between the two
    // databases and knows nothing of look-alike spaces; a platform has few organisations.
    let names: Vec<(String,)> = sqlx::query_as("SELECT name FROM orgs")
        .fetch_all(&mut **tx)
        .await?;
    let key = name_key(name);
    Ok(names.iter().any(|(other,)| name_key(other) == key))
}

/// The form in which two organisation names are compared: compatibility-normalised (NFKC, so
/// a full-width or ligature letter counts as its plain one), lower-case, and every run of
/// white space (a no-break space, a tab) one space, none at either end. Names that differ only
/// there look alike in a list.
#[must_use]
pub fn name_key(name: &str) -> String {
    let folded = name.nfkc().collect::<String>().to_lowercase();
    folded.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Inserts organisation `name` with a fresh invitation code and records `org.created`, inside
/// `tx`; the caller adds its licence. Answers the id and the code, which is shown once and
/// never stored (only its hash is). The API and the platform admin's pages both create
/// organisations through this.
pub async fn insert_org(
    tx: &mut Tx,
    actor: UserId,
    name: &str,
) -> ApiResult<(OrgId, SecretString)> {
    let org_id = OrgId::new();
    let (code, hash) = auth::new_secret();
    sqlx::query("INSERT INTO orgs (id, name, invite_hash, created_at) VALUES ($1, $2, $3, $4)")
        .bind(org_id.to_string())
        .bind(name)
        .bind(hash)
        .bind(now())
        .execute(&mut **tx)
        .await?;
    let event = Event {
        actor: Some(actor),
        org_id: None,
        action: "org.created",
        object_kind: "org",
        object_id: org_id.to_string(),
        case_id: None,
    };
    audit::record_logged(tx, event, Logged::default()).await?;
    Ok((org_id, code))
}

/// `POST /v1/admin/auditors`: a platform-wide read-only account.
#[tracing::instrument(
    name = "POST /v1/admin/auditors",
    skip_all,
    fields(user.id = %caller.user_id),
)]
pub async fn create_auditor(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(req): ApiJson<CreateAuditorRequest>,
) -> ApiResult<(StatusCode, Json<Me>)> {
    caller.platform_admin()?;
    let password = SecretString::from(req.password);
    create_account(
        &state,
        Some(caller.user_id),
        req.user_id,
        &req.email,
        password,
        Kind::Auditor,
    )
    .await?;
    tracing::info!(auditor.id = %req.user_id, "auditor created");
    let me = Me {
        user_id: req.user_id,
        email: req.email,
        role: vault_core::api::AccountRole::Auditor,
        org_id: None,
        status: MemberStatus::Active,
    };
    Ok((StatusCode::CREATED, Json(me)))
}

/// Whether `email` looks like an address: at most 254 bytes, an `@`, and no spaces, control
/// or invisible formatting characters that could disguise it.
#[must_use]
pub fn email_is_valid(email: &str) -> bool {
    email.len() <= 254
        && email.contains('@')
        && !email.contains(|c: char| {
            c.is_whitespace() || c.is_control() || vault_core::text::is_hidden_format(c)
        })
}

/// Checks an e-mail address and password the way registration does.
pub fn check_credentials(email: &str, password: &SecretString) -> ApiResult<()> {
    if !email_is_valid(email) {
        return Err(ApiError::BadRequest("the e-mail address is not valid"));
    }
    if password.expose_secret().chars().count() < auth::MIN_PASSWORD_CHARS {
        return Err(ApiError::BadRequest(
            "a password has at least 12 characters",
        ));
    }
    Ok(())
}

/// The answer (409) to a platform admin or auditor whose address has an account already.
pub const EMAIL_TAKEN: &str =
    "an account with this e-mail address exists already (capital letters do not count)";

/// Creates a platform admin or auditor account with its audit record, unless the address has
/// an account already in any case of its letters.
pub async fn create_account(
    state: &AppState,
    actor: Option<UserId>,
    user_id: UserId,
    email: &str,
    password: SecretString,
    kind: Kind,
) -> ApiResult<UserId> {
    check_credentials(email, &password)?;
    let hash = auth::hash_password(password).await?;
    let (kind_text, action) = match kind {
        Kind::PlatformAdmin => ("platform_admin", "user.admin_created"),
        Kind::Auditor => ("auditor", "user.auditor_created"),
        Kind::Member => return Err(ApiError::internal(anyhow::anyhow!("members register"))),
    };
    let mut tx = state.db.begin().await?;
    if account_with(&mut tx, email).await?.is_some() {
        return Err(ApiError::Conflict(EMAIL_TAKEN));
    }
    sqlx::query(
        "INSERT INTO users (id, email, password_hash, kind, status, created_at) \
         VALUES ($1, $2, $3, $4, 'active', $5)",
    )
    .bind(user_id.to_string())
    .bind(email)
    .bind(hash)
    .bind(kind_text)
    .bind(now())
    .execute(&mut *tx)
    .await?;
    let event = Event {
        actor,
        org_id: None,
        action,
        object_kind: "user",
        object_id: user_id.to_string(),
        case_id: None,
    };
    audit::record(&mut tx, event).await?;
    tx.commit().await?;
    Ok(user_id)
}

#[cfg(test)]
mod tests {
    use super::{check_credentials, name_key};
    use secrecy::SecretString;

    #[test]
    fn organisation_names_that_look_alike_compare_equal() {
        let key = name_key("Harbour Fostering");
        for alike in [
            "harbour fostering",
            "  HARBOUR   Fostering ",
            "Harbour\u{a0}Fostering",
            "Harbour\u{2003}Fostering",
            "\u{ff28}arbour Fostering",
        ] {
            assert_eq!(name_key(alike), key, "{alike:?}");
        }
        assert_ne!(name_key("Harbour Fostering North"), key);
        assert_ne!(name_key("HarbourFostering"), key);
    }

    #[test]
    fn e_mail_addresses_refuse_what_would_disguise_them() {
        let password = SecretString::from("correct horse battery staple");
        assert!(check_credentials("eve@north.example", &password).is_ok());
        for email in [
            "ev\u{202e}il@north.example",
            "eve\u{200b}@north.example",
            "eve@north.example\u{2028}",
            "eve @north.example",
            "eve\u{1b}[2K@north.example",
            "no-at-sign.example",
        ] {
            assert!(check_credentials(email, &password).is_err(), "{email:?}");
        }
    }
}
