//! Login throttling, per account and per client address.
//!
//! Failed sign-ins are counted in the database (`login_failures`), so every replica sees the
//! same counts. Within a window of [`WINDOW_SECS`], an account takes at most
//! [`PER_ACCOUNT`] failures and an address [`PER_ADDRESS`]; after that, sign-in for it is
//! refused without checking the password until the window moves on. Counting by the e-mail
//! address typed, whether or not an account has it, means the answer tells nobody which
//! addresses have accounts. Both subjects are stored hashed.
//!
//! The same table counts registrations per client address (scope `register`): at most
//! `Settings::registrations_per_hour` (10 unless set) in [`REGISTER_WINDOW_SECS`], so one
//! address cannot fill an organisation's members page with pending registrations.

use crate::auth;
use crate::db::{now, Tx};
use crate::state::AppState;

/// How far back failures count.
pub const WINDOW_SECS: i64 = 15 * 60;
/// Failures an account may have within the window.
pub const PER_ACCOUNT: i64 = 5;
/// Failures one address may have within the window, across accounts.
pub const PER_ADDRESS: i64 = 30;

/// How far back registrations count.
pub const REGISTER_WINDOW_SECS: i64 = 60 * 60;
/// The scope of registration rows, kept for the longer registration window.
const REGISTER: &str = "register";

fn subject(scope: &str, text: &str) -> String {
    auth::secret_hash(&format!("{scope}\n{}", text.trim().to_lowercase()))
}

/// Whether sign-in for this e-mail address or from this address is paused, and if so for how
/// many more seconds. A subject at its limit is let through again once its `limit`-th newest
/// failure leaves the window (failures are not counted while it is paused, so none come after
/// it); both must be under their limits, so the longer wait is the answer.
pub async fn retry_after(
    state: &AppState,
    email: &str,
    address: &str,
) -> sqlx::Result<Option<u64>> {
    let at = now();
    let mut wait = None;
    for (scope, text, limit) in [
        ("account", email, PER_ACCOUNT),
        ("address", address, PER_ADDRESS),
    ] {
        let freeing: Option<(i64,)> = sqlx::query_as(
            "SELECT at FROM login_failures \
             WHERE scope = $1 AND subject_hash = $2 AND at > $3 \
             ORDER BY at DESC LIMIT 1 OFFSET $4",
        )
        .bind(scope)
        .bind(subject(scope, text))
        .bind(at - WINDOW_SECS)
        .bind(limit - 1)
        .fetch_optional(state.db.reader())
        .await?;
        if let Some((failed_at,)) = freeing {
            // It counts while `failed_at > at - WINDOW_SECS`, so for one second at least.
            let secs = u64::try_from(failed_at + WINDOW_SECS - at).unwrap_or(1);
            wait = wait.max(Some(secs));
        }
    }
    Ok(wait)
}

/// Counts a failed sign-in against the e-mail address and the client address, and drops
/// failures older than the window.
pub async fn record_failure(state: &AppState, email: &str, address: &str) -> sqlx::Result<()> {
    let at = now();
    let mut tx = state.db.begin().await?;
    for (scope, text) in [("account", email), ("address", address)] {
        sqlx::query("INSERT INTO login_failures (scope, subject_hash, at) VALUES ($1, $2, $3)")
            .bind(scope)
            .bind(subject(scope, text))
            .bind(at)
            .execute(&mut *tx)
            .await?;
    }
    prune(&mut tx, at).await?;
    tx.commit().await
}

/// Drops rows that no longer count: failed sign-ins older than their window, registrations
/// older than theirs.
async fn prune(tx: &mut Tx, at: i64) -> sqlx::Result<()> {
    sqlx::query(
        "DELETE FROM login_failures WHERE (scope = $1 AND at <= $2) \
         OR (scope <> $1 AND at <= $3)",
    )
    .bind(REGISTER)
    .bind(at - REGISTER_WINDOW_SECS)
    .bind(at - WINDOW_SECS)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Whether this client address has made as many registrations as the window allows.
pub async fn registrations_exhausted(state: &AppState, address: &str) -> sqlx::Result<bool> {
    let (count,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM login_failures WHERE scope = $1 AND subject_hash = $2 AND at > $3",
    )
    .bind(REGISTER)
    .bind(subject(REGISTER, address))
    .bind(now() - REGISTER_WINDOW_SECS)
    .fetch_one(state.db.reader())
    .await?;
    Ok(count >= i64::from(state.settings.registrations_per_hour))
}

/// Counts one registration from `address`, in the registration's own transaction so a
/// registration that fails counts nothing.
pub async fn record_registration(tx: &mut Tx, address: &str) -> sqlx::Result<()> {
    let at = now();
    sqlx::query("INSERT INTO login_failures (scope, subject_hash, at) VALUES ($1, $2, $3)")
        .bind(REGISTER)
        .bind(subject(REGISTER, address))
        .bind(at)
        .execute(&mut **tx)
        .await?;
    prune(tx, at).await
}
