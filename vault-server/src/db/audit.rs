//! Audit records: one row per action, inserted in the transaction that performs it.

use vault_core::ids::{CaseId, OrgId, UserId};

use super::Tx;

/// One action to record.
pub struct Event<'a> {
    /// Who acted, if a person did.
    pub actor: Option<UserId>,
    /// The actor's organisation.
    pub org_id: Option<OrgId>,
    /// Dotted action name (`case.created`).
    pub action: &'a str,
    /// Kind of object acted on (`case`, `document`, `org`, `user`, `transfer`).
    pub object_kind: &'a str,
    /// The object's id.
    pub object_id: String,
    /// The case concerned, so the record follows the case through transfers.
    pub case_id: Option<CaseId>,
}

/// Appends `event` inside `tx`, so the record and the change commit together or not at all.
pub async fn record(tx: &mut Tx, event: Event<'_>) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO audit_events (at, actor, org_id, action, object_kind, object_id, case_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(super::now())
    .bind(event.actor.map(|u| u.to_string()))
    .bind(event.org_id.map(|o| o.to_string()))
    .bind(event.action)
    .bind(event.object_kind)
    .bind(event.object_id)
    .bind(event.case_id.map(|c| c.to_string()))
    .execute(&mut **tx)
    .await?;
    Ok(())
}
