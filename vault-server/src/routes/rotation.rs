//! Organisation key rotation: a new key only if it re-wraps everything the old one opened.

use std::collections::BTreeMap;

use vault_core::api::OrgKeyRotation;
use vault_core::ids::{CaseId, DocumentId, UserId};
use vault_core::keys::{Fingerprint, PublicKey};
use vault_core::statement::{Claim, KeyScope};

use crate::auth::Member;
use crate::checks::{self, mismatch, Expect};
use crate::db::audit::{self, Logged};
use crate::db::codec::to_json;
use crate::db::{now, Tx};
use crate::error::{ApiError, ApiResult};
use crate::routes::members::{covers_exactly, fingerprints};
use crate::routes::orgs::current_key;

/// What a checked rotation will install.
pub struct Plan {
    /// The new version.
    pub version: u32,
    /// The new key.
    pub key: PublicKey,
}

const INCOMPLETE: ApiError =
    ApiError::Conflict("the rotation does not re-wrap exactly every key the organisation holds");

/// Checks a rotation against what the organisation holds right now, inside `tx`; `leaving` is
/// the member who gets no copy of the new key.
pub async fn check(
    tx: &mut Tx,
    manager: &Member,
    leaving: UserId,
    rotation: &OrgKeyRotation,
) -> ApiResult<Plan> {
    let org_id = manager.org_id;
    let (_, current) = current_key(tx, org_id).await?;
    let Claim::OrgKeyPublished { org, version, key } =
        checks::signed_by(&rotation.org_key_statement, &manager.signing_key)?
    else {
        return Err(mismatch("the rotation statement is not org-key-published"));
    };
    if org != org_id || version != current + 1 {
        return Err(ApiError::Conflict(
            "the rotation names another organisation or version",
        ));
    }
    let new_fp = key.fingerprint();
    let members: Vec<(String, String)> = sqlx::query_as(
        "SELECT id, encryption_key FROM users WHERE org_id = $1 AND status = 'active' AND id <> $2",
    )
    .bind(org_id.to_string())
    .bind(leaving.to_string())
    .fetch_all(&mut **tx)
    .await?;
    let members: BTreeMap<UserId, Fingerprint> = fingerprints(&members)?;
    if !covers_exactly(
        &members,
        rotation.member_envelopes.iter().map(|m| m.user_id),
    ) {
        return Err(INCOMPLETE);
    }
    for m in &rotation.member_envelopes {
        let expect = expect(manager, KeyScope::Org(org_id), new_fp, members[&m.user_id]);
        checks::envelope(&m.envelope, &manager.signing_key, &expect)?;
    }
    let cases: Vec<(String, String)> =
        sqlx::query_as("SELECT id, case_key FROM cases WHERE org_id = $1")
            .bind(org_id.to_string())
            .fetch_all(&mut **tx)
            .await?;
    let cases: BTreeMap<CaseId, Fingerprint> = fingerprints(&cases)?;
    if !covers_exactly(&cases, rotation.case_envelopes.iter().map(|c| c.case_id)) {
        return Err(INCOMPLETE);
    }
    for c in &rotation.case_envelopes {
        let expect = expect(
            manager,
            KeyScope::Case(c.case_id),
            cases[&c.case_id],
            new_fp,
        );
        checks::envelope(&c.envelope, &manager.signing_key, &expect)?;
    }
    check_shares(tx, manager, rotation, new_fp).await?;
    Ok(Plan { version, key })
}

fn expect(manager: &Member, scope: KeyScope, key: Fingerprint, recipient: Fingerprint) -> Expect {
    Expect {
        org: manager.org_id,
        scope,
        key,
        recipient,
    }
}

async fn check_shares(
    tx: &mut Tx,
    manager: &Member,
    rotation: &OrgKeyRotation,
    new_fp: Fingerprint,
) -> ApiResult<()> {
    let shares: Vec<(String, String)> = sqlx::query_as(
        "SELECT s.document_id, d.document_key FROM shares s \
         JOIN documents d ON d.id = s.document_id WHERE s.to_org = $1",
    )
    .bind(manager.org_id.to_string())
    .fetch_all(&mut **tx)
    .await?;
    let shares: BTreeMap<DocumentId, Fingerprint> = fingerprints(&shares)?;
    if !covers_exactly(
        &shares,
        rotation.share_envelopes.iter().map(|s| s.document_id),
    ) {
        return Err(INCOMPLETE);
    }
    for s in &rotation.share_envelopes {
        let scope = KeyScope::Document(s.document_id);
        let expect = expect(manager, scope, shares[&s.document_id], new_fp);
        checks::envelope(&s.envelope, &manager.signing_key, &expect)?;
    }
    Ok(())
}

/// Installs a checked rotation: new key, history entry, and every envelope replaced.
pub async fn apply(
    tx: &mut Tx,
    manager: &Member,
    rotation: &OrgKeyRotation,
    plan: &Plan,
) -> ApiResult<()> {
    let org = manager.org_id.to_string();
    let version = i64::from(plan.version);
    sqlx::query("UPDATE orgs SET org_key = $1, org_key_version = $2 WHERE id = $3")
        .bind(plan.key.as_str())
        .bind(version)
        .bind(&org)
        .execute(&mut **tx)
        .await?;
    sqlx::query(
        "INSERT INTO org_keys (org_id, version, public_key, statement, created_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&org)
    .bind(version)
    .bind(plan.key.as_str())
    .bind(to_json(&rotation.org_key_statement)?)
    .bind(now())
    .execute(&mut **tx)
    .await?;
    sqlx::query("DELETE FROM member_envelopes WHERE org_id = $1")
        .bind(&org)
        .execute(&mut **tx)
        .await?;
    for m in &rotation.member_envelopes {
        sqlx::query(
            "INSERT INTO member_envelopes (org_id, user_id, version, envelope) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(&org)
        .bind(m.user_id.to_string())
        .bind(version)
        .bind(to_json(&m.envelope)?)
        .execute(&mut **tx)
        .await?;
    }
    for c in &rotation.case_envelopes {
        sqlx::query("UPDATE cases SET envelope = $1 WHERE id = $2 AND org_id = $3")
            .bind(to_json(&c.envelope)?)
            .bind(c.case_id.to_string())
            .bind(&org)
            .execute(&mut **tx)
            .await?;
    }
    for s in &rotation.share_envelopes {
        sqlx::query("UPDATE shares SET envelope = $1 WHERE document_id = $2 AND to_org = $3")
            .bind(to_json(&s.envelope)?)
            .bind(s.document_id.to_string())
            .bind(&org)
            .execute(&mut **tx)
            .await?;
    }
    let event = manager.event("org.key_rotated", "org", org.clone(), None);
    let envelopes = (rotation.member_envelopes.iter().map(|m| &m.envelope))
        .chain(rotation.case_envelopes.iter().map(|c| &c.envelope))
        .chain(rotation.share_envelopes.iter().map(|s| &s.envelope));
    let logged = Logged::statement(&rotation.org_key_statement).with_envelopes(envelopes);
    audit::record_logged(tx, event, logged).await?;
    Ok(())
}
