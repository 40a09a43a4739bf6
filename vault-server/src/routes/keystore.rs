//! `GET` and `PUT /v1/me/keystore`: a vault member's keystore, locked with their vault
//! passphrase, kept so the web app can hand it to the page that unlocks it in the browser.
//!
//! The server cannot open it and does not try. It checks only that what it keeps is what the
//! clients write: an age v1 file whose one stanza is scrypt at a work factor the clients accept
//! (a weaker one would make a copy of the database cheaper to guess at), and small. The route
//! has no id in its path: a caller reads and replaces their own keystore and nobody else's.
//! Pending members may use it, since the page shows them their fingerprint from it.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use vault_core::api::{KeystoreBody, MemberStatus, StoredKeystore};
use vault_core::header::{check_header, HeaderCheck};
use vault_core::ids::UserId;

use crate::auth::{Caller, Kind};
use crate::db::{now, Tx};
use crate::error::{ApiError, ApiJson, ApiResult};
use crate::state::AppState;

/// Largest keystore kept; real ones are well under 2 KiB.
pub const MAX_KEYSTORE_BYTES: usize = 64 * 1024;
/// The scrypt work factors (log2 N) accepted, as `vaultctl` and the browser accept them.
pub const WORK_FACTORS: std::ops::RangeInclusive<u8> = 15..=22;

/// Why a keystore is refused; the sentences are the API's answers (422).
pub const NOT_BASE64: &str = "the keystore is not valid base64";
/// See [`NOT_BASE64`].
pub const TOO_LARGE: &str = "the keystore is larger than 64 KiB";
/// See [`NOT_BASE64`].
pub const NOT_AGE: &str = "the keystore is not an age v1 file";
/// See [`NOT_BASE64`].
pub const NOT_PASSPHRASE: &str =
    "the keystore must be locked with a passphrase alone (one scrypt stanza)";
/// See [`NOT_BASE64`].
pub const WORK_FACTOR: &str = "the keystore's scrypt work factor must be from 15 to 22";

/// The account whose keystore the caller may read and replace: their own, while they are a
/// pending or active member.
fn owner(caller: &Caller) -> ApiResult<UserId> {
    match (caller.kind, caller.status) {
        (Kind::Member, MemberStatus::Active | MemberStatus::Pending) => Ok(caller.user_id),
        (Kind::Member, MemberStatus::Removed) => Err(ApiError::NotFound),
        _ => Err(ApiError::Forbidden("only organisation members may do this")),
    }
}

/// Decodes and checks a keystore as sent (base64); see the module docs.
pub fn checked(text: &str) -> ApiResult<Vec<u8>> {
    // Base64 of 64 KiB is under 88 000 characters; anything longer is refused undecoded.
    if text.len() > MAX_KEYSTORE_BYTES / 3 * 4 + 8 {
        return Err(ApiError::Unprocessable(TOO_LARGE));
    }
    let bytes = vault_core::b64::decode(text).map_err(|_| ApiError::Unprocessable(NOT_BASE64))?;
    if bytes.len() > MAX_KEYSTORE_BYTES {
        return Err(ApiError::Unprocessable(TOO_LARGE));
    }
    let Ok(HeaderCheck::Valid(info)) = check_header(&bytes) else {
        return Err(ApiError::Unprocessable(NOT_AGE));
    };
    let [stanza] = info.stanzas.as_slice() else {
        return Err(ApiError::Unprocessable(NOT_PASSPHRASE));
    };
    if stanza.tag != "scrypt" {
        return Err(ApiError::Unprocessable(NOT_PASSPHRASE));
    }
    // A factor written any other way than age writes it cannot come from an honest client.
    let factor = info
        .scrypt_work_factor()
        .ok_or(ApiError::Unprocessable(WORK_FACTOR))?;
    if !WORK_FACTORS.contains(&factor) {
        return Err(ApiError::Unprocessable(WORK_FACTOR));
    }
    Ok(bytes)
}

/// Writes `user`'s keystore, replacing any earlier one, inside `tx`.
pub async fn store(tx: &mut Tx, user: UserId, keystore: &[u8]) -> ApiResult<()> {
    sqlx::query(
        "INSERT INTO keystores (user_id, keystore, updated_at) VALUES ($1, $2, $3) \
         ON CONFLICT (user_id) DO UPDATE SET keystore = excluded.keystore, \
         updated_at = excluded.updated_at",
    )
    .bind(user.to_string())
    .bind(keystore)
    .bind(now())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// `GET /v1/me/keystore`: `{"keystore": null}` when none is kept.
#[tracing::instrument(name = "GET /v1/me/keystore", skip_all, fields(user.id = %caller.user_id))]
pub async fn fetch(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<StoredKeystore>> {
    let user = owner(&caller)?;
    let row: Option<(Vec<u8>,)> =
        sqlx::query_as("SELECT keystore FROM keystores WHERE user_id = $1")
            .bind(user.to_string())
            .fetch_optional(state.db.reader())
            .await?;
    Ok(Json(StoredKeystore {
        keystore: row.map(|(bytes,)| vault_core::b64::encode(bytes)),
    }))
}

/// `PUT /v1/me/keystore`.
#[tracing::instrument(name = "PUT /v1/me/keystore", skip_all, fields(user.id = %caller.user_id))]
pub async fn replace(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<KeystoreBody>,
) -> ApiResult<StatusCode> {
    let user = owner(&caller)?;
    let bytes = checked(&body.keystore)?;
    let mut tx = state.db.begin().await?;
    store(&mut tx, user, &bytes).await?;
    tx.commit().await?;
    tracing::info!("keystore replaced");
    Ok(StatusCode::NO_CONTENT)
}
