//! Registration: founding managers and pending members.
//!
//! A registration may carry the person's passphrase-locked keystore and display name (the web
//! app sends both), written in the same transaction as the account. An address that has an
//! account already gets the answer a new pending registration gets, as the web form does;
//! only a founder, who has proved the invitation code, is told (409) that it is taken.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use secrecy::SecretString;
use vault_core::api::{FoundingRequest, MemberStatus, RegisterRequest, RegisterResponse};
use vault_core::keys::PublicKey;
use vault_core::leaf::PublishedKeys;
use vault_core::statement::{Claim, KeyScope, Role};

use crate::auth;
use crate::checks::{self, mismatch, Expect};
use crate::db::audit::{self, Event, Logged};
use crate::db::codec::{to_json, vk_text};
use crate::db::{now, Tx};
use crate::error::{ApiError, ApiJson, ApiResult};
use crate::routes::admin::check_credentials;
use crate::routes::keystore;
use crate::state::AppState;
use crate::web::activity::{self, Entry, Subject};
use crate::web::register::store::{account_with, tell_taken};
use crate::web::session::ClientAddress;
use crate::web::throttle;

/// `POST /v1/register`: the first manager founds the organisation's keys; anyone else waits
/// as pending for a manager's approval.
#[tracing::instrument(
    name = "POST /v1/register",
    skip_all,
    fields(org.id = %req.org_id, user.id = %req.user_id),
)]
pub async fn register(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    ApiJson(req): ApiJson<RegisterRequest>,
) -> ApiResult<(StatusCode, Json<RegisterResponse>)> {
    // The web form's limit on pending registrations per address applies here too, so neither
    // door is a way round the other; founding with the invitation code is not held up.
    if req.founding.is_none() && throttle::registrations_exhausted(&state, &address).await? {
        tracing::warn!("registration refused: too many from one address this hour");
        return Err(ApiError::TooManyRequests(
            "too many registrations from this address; wait an hour",
        ));
    }
    let password = SecretString::from(req.password.clone());
    check_credentials(&req.email, &password)?;
    let extras = Extras::checked(&req)?;
    let org_key = req
        .founding
        .as_ref()
        .map(|f| check_founding(&req, f))
        .transpose()?;
    let hash = auth::hash_password(password).await?;
    let mut tx = state.db.begin().await?;
    let status = if let (Some(founding), Some(org_key)) = (&req.founding, org_key) {
        found_org(&mut tx, &req, founding, &org_key).await?;
        MemberStatus::Active
    } else {
        let (root,): (Option<String>,) =
            sqlx::query_as("SELECT root_signing_key FROM orgs WHERE id = $1")
                .bind(req.org_id.to_string())
                .fetch_one(&mut *tx)
                .await?;
        if root.is_none() {
            return Err(ApiError::Conflict(
                "the organisation has not been set up yet",
            ));
        }
        MemberStatus::Pending
    };
    if let Some(existing) = account_with(&mut tx, &req.email).await? {
        // The founding writes, if any, are rolled back with this transaction. Only the holder
        // of a valid invitation code learns that the address is taken.
        drop(tx);
        if req.founding.is_some() {
            return Err(ApiError::Conflict(
                "the request conflicts with existing data",
            ));
        }
        return taken(&state, &req, &existing, &address).await;
    }
    insert_user(&mut tx, &req, &hash, status, &extras).await?;
    throttle::record_registration(&mut tx, &address).await?;
    let event = Event {
        actor: Some(req.user_id),
        org_id: Some(req.org_id),
        action: "user.registered",
        object_kind: "user",
        object_id: req.user_id.to_string(),
        case_id: None,
    };
    audit::record_logged(&mut tx, event, registration(&req)).await?;
    let entry = Entry {
        actor: Some(req.user_id),
        org_id: req.org_id,
        other_org_id: None,
        subject: Subject::Org,
        subject_id: req.org_id.to_string(),
        summary: if req.founding.is_some() {
            FOUNDED
        } else {
            REGISTERED
        },
    };
    activity::record(&mut tx, entry).await?;
    tx.commit().await?;
    tracing::info!(status = auth::status_text(status), "registered");
    Ok((
        StatusCode::CREATED,
        Json(RegisterResponse {
            user_id: req.user_id,
            status,
        }),
    ))
}

/// The members page's trail entry of a founder's registration.
const FOUNDED: &str =
    "registered as the organisation's first manager with its invitation code and set up its \
     vault keys";
/// The members page's trail entry of a registration with vault keys that waits for approval.
const REGISTERED: &str = "registered with vault keys, waiting for approval";

/// What the log keeps of a registration: the keys the person published, and for a founder
/// the root key's certificate of them and the organisation key wrapped to them.
fn registration(req: &RegisterRequest) -> Logged<'_> {
    let keys = PublishedKeys {
        encryption_key: Some(req.encryption_key.clone()),
        signing_key: Some(req.signing_key),
        ..PublishedKeys::default()
    };
    let founding = req.founding.as_ref();
    Logged {
        statement: founding.map(|f| &f.certificate),
        keys: Some(keys),
        envelopes: founding.map(|f| &f.org_envelope).into_iter().collect(),
    }
}

/// Checks the founder's statements; returns the organisation key they publish.
fn check_founding(req: &RegisterRequest, f: &FoundingRequest) -> ApiResult<PublicKey> {
    let root = f.root_signing_key;
    let Claim::OrgKeyPublished { org, version, key } =
        checks::signed_by(&f.org_key_statement, &root)?
    else {
        return Err(mismatch(
            "the organisation key statement is not org-key-published",
        ));
    };
    if org != req.org_id || version != 1 {
        return Err(mismatch(
            "the organisation key statement names another org or version",
        ));
    }
    let certified = checks::signed_by(&f.certificate, &root)?;
    let expected = Claim::MemberCertified {
        org: req.org_id,
        user: req.user_id,
        role: Role::Manager,
        encryption_key: req.encryption_key.clone(),
        signing_key: req.signing_key,
    };
    if certified != expected {
        return Err(mismatch("the founder's certificate names other keys"));
    }
    let expect = Expect {
        org: req.org_id,
        scope: KeyScope::Org(req.org_id),
        key: key.fingerprint(),
        recipient: req.encryption_key.fingerprint(),
    };
    let by_founder = checks::envelope(&f.org_envelope, &req.signing_key, &expect);
    if by_founder.is_err() {
        checks::envelope(&f.org_envelope, &root, &expect)?;
    }
    Ok(key)
}

/// Sets the root key and organisation key v1, once, inside the registration transaction.
async fn found_org(
    tx: &mut Tx,
    req: &RegisterRequest,
    f: &FoundingRequest,
    org_key: &PublicKey,
) -> ApiResult<()> {
    let (invite_hash, root): (String, Option<String>) =
        sqlx::query_as("SELECT invite_hash, root_signing_key FROM orgs WHERE id = $1")
            .bind(req.org_id.to_string())
            .fetch_one(&mut **tx)
            .await?;
    let given = vault_core::sha256(auth::typed_code(&f.invite_code).as_bytes());
    let mut stored = [0u8; 32];
    let decoded = hex::decode_to_slice(&invite_hash, &mut stored).is_ok();
    if !decoded || !vault_core::seal::constant_time_eq(&given, &stored) {
        tracing::warn!("founding registration with a wrong invitation code");
        return Err(ApiError::Forbidden("the invitation code is not valid"));
    }
    if root.is_some() {
        // A code used once is spent: the same answer as a wrong one, as the web form gives.
        tracing::warn!("founding registration with an invitation code already used");
        return Err(ApiError::Forbidden("the invitation code is not valid"));
    }
    let at = now();
    sqlx::query(
        "UPDATE orgs SET root_signing_key = $1, org_key = $2, org_key_version = 1 \
         WHERE id = $3 AND root_signing_key IS NULL",
    )
    .bind(vk_text(&f.root_signing_key))
    .bind(org_key.as_str())
    .bind(req.org_id.to_string())
    .execute(&mut **tx)
    .await?;
    sqlx::query(
        "INSERT INTO org_keys (org_id, version, public_key, statement, created_at) \
         VALUES ($1, 1, $2, $3, $4)",
    )
    .bind(req.org_id.to_string())
    .bind(org_key.as_str())
    .bind(to_json(&f.org_key_statement)?)
    .bind(at)
    .execute(&mut **tx)
    .await?;
    let event = Event {
        actor: Some(req.user_id),
        org_id: Some(req.org_id),
        action: "org.founded",
        object_kind: "org",
        object_id: req.org_id.to_string(),
        case_id: None,
    };
    let logged = Logged {
        keys: Some(PublishedKeys {
            root_signing_key: Some(f.root_signing_key),
            ..PublishedKeys::default()
        }),
        ..Logged::statement(&f.org_key_statement)
    };
    audit::record_logged(tx, event, logged).await?;
    Ok(())
}

/// The optional parts of a registration the web app sends, checked.
struct Extras {
    keystore: Option<Vec<u8>>,
    display_name: Option<String>,
}

impl Extras {
    fn checked(req: &RegisterRequest) -> ApiResult<Self> {
        let keystore = req.keystore.as_deref().map(keystore::checked).transpose()?;
        let display_name = req
            .display_name
            .as_deref()
            .map(|name| crate::web::form::required(name, 200, false))
            .transpose()
            .map_err(|_| ApiError::Unprocessable(DISPLAY_NAME))?;
        Ok(Self {
            keystore,
            display_name,
        })
    }
}

/// The answer to a display name that is empty, too long or has characters a name cannot.
pub const DISPLAY_NAME: &str = "the display name must be 1 to 200 characters of plain text";

/// A registration with an address that has an account already: answered exactly as a new
/// pending one, so the API tells no more than the web form does, and the owner of the address
/// is told by e-mail (as the web form does). Nothing else is written.
async fn taken(
    state: &AppState,
    req: &RegisterRequest,
    existing: &str,
    address: &str,
) -> ApiResult<(StatusCode, Json<RegisterResponse>)> {
    let mut tx = state.db.begin().await?;
    let (org_name,): (String,) = sqlx::query_as("SELECT name FROM orgs WHERE id = $1")
        .bind(req.org_id.to_string())
        .fetch_one(&mut *tx)
        .await?;
    tell_taken(&mut tx, state, existing, &org_name).await?;
    throttle::record_registration(&mut tx, address).await?;
    tx.commit().await?;
    tracing::info!("registration with a taken address; owner told");
    Ok((
        StatusCode::CREATED,
        Json(RegisterResponse {
            user_id: req.user_id,
            status: MemberStatus::Pending,
        }),
    ))
}

async fn insert_user(
    tx: &mut Tx,
    req: &RegisterRequest,
    hash: &str,
    status: MemberStatus,
    extras: &Extras,
) -> ApiResult<()> {
    let founding = req.founding.as_ref();
    let certificate = founding.map(|f| to_json(&f.certificate)).transpose()?;
    sqlx::query(
        "INSERT INTO users (id, email, password_hash, kind, org_id, status, member_role, \
         encryption_key, signing_key, certificate, created_at, display_name) \
         VALUES ($1, $2, $3, 'member', $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(req.user_id.to_string())
    .bind(&req.email)
    .bind(hash)
    .bind(req.org_id.to_string())
    .bind(auth::status_text(status))
    .bind(founding.map(|_| Role::Manager.as_str()))
    .bind(req.encryption_key.as_str())
    .bind(vk_text(&req.signing_key))
    .bind(certificate)
    .bind(now())
    .bind(extras.display_name.as_deref())
    .execute(&mut **tx)
    .await?;
    if let Some(bytes) = &extras.keystore {
        keystore::store(tx, req.user_id, bytes).await?;
    }
    if let Some(f) = founding {
        sqlx::query(
            "INSERT INTO member_envelopes (org_id, user_id, version, envelope) \
             VALUES ($1, $2, 1, $3)",
        )
        .bind(req.org_id.to_string())
        .bind(req.user_id.to_string())
        .bind(to_json(&f.org_envelope)?)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}
