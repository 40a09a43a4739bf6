//! A manager approves a pending member, or removes a member while rotating the org key.
//!
//! Each writes the organisation's activity entry in the same transaction, so the members page
//! shows approvals and removals made with vaultctl or the browser vault beside the web app's.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::http::StatusCode;
use vault_core::api::{ApproveRequest, Envelope, RemoveMemberRequest};
use vault_core::ids::{OrgId, UserId};
use vault_core::keys::{Fingerprint, PublicKey};
use vault_core::statement::{Claim, KeyScope};

use crate::auth::{Caller, Member};
use crate::checks::{self, mismatch, Expect};
use crate::db::audit::{self, Event, Logged};
use crate::db::codec::{parse, pk_parse, to_json};
use crate::db::{now, Tx};
use crate::error::{ApiError, ApiJson, ApiPath, ApiResult};
use crate::routes::orgs::current_key;
use crate::state::AppState;
use crate::web::activity;

/// A vault member as approving and removing need them.
struct Held {
    status: String,
    encryption_key: PublicKey,
    /// How the members page names them: their display name, or their address before the `@`.
    name: String,
}

/// A member of the manager's own organisation, or 404 (other organisations' people are not
/// the manager's to touch, and their existence is not confirmed).
async fn member_of(tx: &mut Tx, org: OrgId, user: UserId) -> ApiResult<Held> {
    let (status, enc, display, email): (String, String, Option<String>, String) = sqlx::query_as(
        "SELECT status, encryption_key, display_name, email FROM users \
             WHERE id = $1 AND org_id = $2 AND kind = 'member'",
    )
    .bind(user.to_string())
    .bind(org.to_string())
    .fetch_one(&mut **tx)
    .await?;
    let name = display.unwrap_or_else(|| email.split('@').next().unwrap_or("").to_owned());
    Ok(Held {
        status,
        encryption_key: pk_parse(&enc)?,
        name,
    })
}

/// `POST /v1/orgs/{org_id}/members/{user_id}/approve`.
#[tracing::instrument(
    name = "POST /v1/orgs/{org_id}/members/{user_id}/approve",
    skip_all,
    fields(user.id = %caller.user_id, org.id = %org_id, member.id = %user_id),
)]
pub async fn approve(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((org_id, user_id)): ApiPath<(OrgId, UserId)>,
    ApiJson(req): ApiJson<ApproveRequest>,
) -> ApiResult<StatusCode> {
    let manager = caller.manager()?;
    if manager.org_id != org_id {
        return Err(ApiError::NotFound);
    }
    let mut tx = state.db.begin().await?;
    let held = member_of(&mut tx, org_id, user_id).await?;
    let enc = held.encryption_key;
    if held.status != "pending" {
        return Err(ApiError::Conflict("the member is not pending"));
    }
    let (signing,): (String,) = sqlx::query_as("SELECT signing_key FROM users WHERE id = $1")
        .bind(user_id.to_string())
        .fetch_one(&mut *tx)
        .await?;
    let Claim::MemberCertified {
        org,
        user,
        role,
        encryption_key,
        signing_key,
    } = checks::signed_by(&req.certificate, &manager.signing_key)?
    else {
        return Err(mismatch("the certificate is not member-certified"));
    };
    let keys_match = encryption_key == enc && crate::db::codec::vk_text(&signing_key) == signing;
    if org != org_id || user != user_id || !keys_match {
        return Err(mismatch(
            "the certificate names other keys than the member published",
        ));
    }
    let (org_key, version) = current_key(&mut tx, org_id).await?;
    let expect = Expect {
        org: org_id,
        scope: KeyScope::Org(org_id),
        key: org_key.fingerprint(),
        recipient: enc.fingerprint(),
    };
    checks::envelope(&req.org_envelope, &manager.signing_key, &expect)?;
    sqlx::query(
        "UPDATE users SET status = 'active', member_role = $1, certificate = $2 WHERE id = $3",
    )
    .bind(role.as_str())
    .bind(to_json(&req.certificate)?)
    .bind(user_id.to_string())
    .execute(&mut *tx)
    .await?;
    insert_envelope(&mut tx, org_id, user_id, version, &req.org_envelope).await?;
    let event = member_event(&manager, user_id, "member.approved");
    let logged = Logged::statement(&req.certificate).with_envelopes([&req.org_envelope]);
    audit::record_logged(&mut tx, event, logged).await?;
    let summary = format!(
        "approved {} as a {}, certifying their vault keys",
        held.name,
        role.as_str()
    );
    activity::record_org(&mut tx, manager.user_id, org_id, &summary).await?;
    tx.commit().await?;
    tracing::info!(role = role.as_str(), "member approved");
    Ok(StatusCode::NO_CONTENT)
}

fn member_event(manager: &Member, user: UserId, action: &'static str) -> Event<'static> {
    manager.event(action, "user", user.to_string(), None)
}

async fn insert_envelope(
    tx: &mut Tx,
    org: OrgId,
    user: UserId,
    version: u32,
    envelope: &Envelope,
) -> ApiResult<()> {
    sqlx::query(
        "INSERT INTO member_envelopes (org_id, user_id, version, envelope) VALUES ($1, $2, $3, $4)",
    )
    .bind(org.to_string())
    .bind(user.to_string())
    .bind(i64::from(version))
    .bind(to_json(envelope)?)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// `POST /v1/orgs/{org_id}/members/{user_id}/remove`: removal and key rotation in one go.
#[tracing::instrument(
    name = "POST /v1/orgs/{org_id}/members/{user_id}/remove",
    skip_all,
    fields(user.id = %caller.user_id, org.id = %org_id, member.id = %user_id),
)]
pub async fn remove(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((org_id, user_id)): ApiPath<(OrgId, UserId)>,
    ApiJson(req): ApiJson<RemoveMemberRequest>,
) -> ApiResult<StatusCode> {
    let manager = caller.manager()?;
    if manager.org_id != org_id {
        return Err(ApiError::NotFound);
    }
    if user_id == manager.user_id {
        return Err(ApiError::Conflict("a manager cannot remove themselves"));
    }
    let removal = checks::signed_by(&req.removal, &manager.signing_key)?;
    if removal
        != (Claim::MemberRemoved {
            org: org_id,
            user: user_id,
        })
    {
        return Err(mismatch("the removal statement names another member"));
    }
    let mut tx = state.db.begin().await?;
    let held = member_of(&mut tx, org_id, user_id).await?;
    if held.status == "removed" {
        return Err(ApiError::Conflict("the member is already removed"));
    }
    // A removal on the log needs a member the log certified; a registration still waiting
    // holds no organisation key and is refused instead (the Members page), changing no key.
    if held.status == "pending" {
        return Err(ApiError::Conflict(
            "the member was never approved: refuse the registration on the Members page instead",
        ));
    }
    let plan = super::rotation::check(&mut tx, &manager, user_id, &req.rotation).await?;
    sqlx::query("UPDATE users SET status = 'removed' WHERE id = $1")
        .bind(user_id.to_string())
        .execute(&mut *tx)
        .await?;
    sqlx::query("UPDATE tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL")
        .bind(now())
        .bind(user_id.to_string())
        .execute(&mut *tx)
        .await?;
    super::rotation::apply(&mut tx, &manager, &req.rotation, &plan).await?;
    let event = member_event(&manager, user_id, "member.removed");
    audit::record_logged(&mut tx, event, Logged::statement(&req.removal)).await?;
    let summary = format!(
        "removed {} from the organisation and changed the organisation key to version {}",
        held.name, plan.version
    );
    activity::record_org(&mut tx, manager.user_id, org_id, &summary).await?;
    tx.commit().await?;
    tracing::info!(
        version = plan.version,
        "member removed and organisation key rotated"
    );
    Ok(StatusCode::NO_CONTENT)
}

/// Checks that `given` names exactly the ids of `held`, each once.
pub fn covers_exactly<K: Ord + Copy>(
    held: &BTreeMap<K, Fingerprint>,
    given: impl Iterator<Item = K>,
) -> bool {
    let mut seen = std::collections::BTreeSet::new();
    for id in given {
        if !held.contains_key(&id) || !seen.insert(id) {
            return false;
        }
    }
    seen.len() == held.len()
}

/// Loads `(id, key)` pairs into a map of id to key fingerprint.
pub fn fingerprints<K: Ord + std::str::FromStr>(
    rows: &[(String, String)],
) -> ApiResult<BTreeMap<K, Fingerprint>>
where
    K::Err: std::error::Error + Send + Sync + 'static,
{
    rows.iter()
        .map(|(id, key)| Ok((parse::<K>(id)?, pk_parse(key)?.fingerprint())))
        .collect()
}
