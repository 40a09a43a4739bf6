//! What a registration writes: the checks that need the write transaction (the invitation
//! code, a taken address) and the new account with its audit row and activity entry.

use secrecy::{ExposeSecret, SecretString};
use vault_core::ids::{OrgId, UserId};

use super::Checked;
use crate::auth;
use crate::db::audit::{self, Event};
use crate::db::{now, Tx};
use crate::state::AppState;
use crate::web::activity::{self, Entry, Subject};
use crate::web::{notify, session};

/// Subject of the e-mail to an address someone tried to register with again.
const TAKEN_SUBJECT: &str = "Registration attempt with your e-mail address";
/// At most one such e-mail per address in this many seconds.
const TAKEN_MAIL_EVERY_SECS: i64 = 60 * 60;

/// Whether `code` is the invitation of `org` and the organisation has no active manager yet.
pub(super) async fn invite_opens(
    tx: &mut Tx,
    org: OrgId,
    code: &SecretString,
) -> sqlx::Result<bool> {
    let row: Option<(String,)> = sqlx::query_as("SELECT invite_hash FROM orgs WHERE id = $1")
        .bind(org.to_string())
        .fetch_optional(&mut **tx)
        .await?;
    let Some((stored,)) = row else {
        return Ok(false);
    };
    // Compared as hashes, through the comparison that hashes both sides again, so timing
    // tells nothing about the stored value.
    let typed = SecretString::from(auth::typed_code(code.expose_secret()));
    if !session::same_secret(&auth::secret_hash(typed.expose_secret()), &stored) {
        return Ok(false);
    }
    let (managers,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM users WHERE org_id = $1 AND status = 'active' \
         AND member_role = 'manager'",
    )
    .bind(org.to_string())
    .fetch_one(&mut **tx)
    .await?;
    Ok(managers == 0)
}

/// The stored address of the account that has `email` already, compared without case so
/// `Ana@…` and `ana@…` are one person.
pub(crate) async fn account_with(tx: &mut Tx, email: &str) -> sqlx::Result<Option<String>> {
    let row: Option<(String,)> =
        sqlx::query_as("SELECT email FROM users WHERE LOWER(email) = LOWER($1)")
            .bind(email)
            .fetch_optional(&mut **tx)
            .await?;
    Ok(row.map(|(address,)| address))
}

/// Tells the owner of a taken address that someone tried to register with it; at most one
/// such e-mail an hour, so the form cannot be used to flood someone's mailbox.
pub(crate) async fn tell_taken(
    tx: &mut Tx,
    state: &AppState,
    address: &str,
    org_name: &str,
) -> sqlx::Result<()> {
    let (recent,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM outbox WHERE to_address = $1 AND subject = $2 AND created_at > $3",
    )
    .bind(address)
    .bind(TAKEN_SUBJECT)
    .bind(now().saturating_sub(TAKEN_MAIL_EVERY_SECS))
    .fetch_one(&mut **tx)
    .await?;
    if recent > 0 {
        return Ok(());
    }
    let base = state.settings.base_url();
    let body = format!(
        "Someone asked to register with {org_name} in the case vault using this e-mail \
         address. It already has an account, so no account was made and nothing was \
         changed.\n\nIf that was you, sign in at {base}/login instead. If it was not, you \
         need not do anything.\n"
    );
    notify::email(tx, address, TAKEN_SUBJECT, &body).await
}

pub(super) async fn insert_account(
    tx: &mut Tx,
    reg: &Checked,
    hash: &str,
    first_manager: bool,
) -> sqlx::Result<UserId> {
    let user = UserId::new();
    let (kind, status, role, summary) = match (reg.family, first_manager) {
        (_, true) => (
            "staff",
            "active",
            Some("manager"),
            "registered as the organisation's first manager with its invitation code",
        ),
        (false, false) => (
            "staff",
            "pending",
            None,
            "registered as a practitioner or manager, waiting for approval",
        ),
        (true, false) => (
            "family",
            "pending",
            None,
            "registered as an adopter or foster carer, waiting for approval",
        ),
    };
    sqlx::query(
        "INSERT INTO users (id, email, password_hash, kind, org_id, status, member_role, \
                            display_name, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(user.to_string())
    .bind(&reg.email)
    .bind(hash)
    .bind(kind)
    .bind(reg.org.to_string())
    .bind(status)
    .bind(role)
    .bind(&reg.name)
    .bind(now())
    .execute(&mut **tx)
    .await?;
    let event = Event {
        actor: Some(user),
        org_id: Some(reg.org),
        action: "user.registered",
        object_kind: "user",
        object_id: user.to_string(),
        case_id: None,
    };
    audit::record(tx, event).await?;
    let entry = Entry {
        actor: Some(user),
        org_id: reg.org,
        other_org_id: None,
        subject: Subject::Org,
        subject_id: reg.org.to_string(),
        summary,
    };
    activity::record(tx, entry).await?;
    Ok(user)
}
