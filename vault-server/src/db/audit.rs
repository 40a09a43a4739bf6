//! Audit records: one row per action, inserted in the transaction that performs it; and, for
//! every grant, key or document change, the leaves of the Merkle log in that same transaction.
//!
//! The `audit_events` table is the managers' view of what happened; the Merkle log is what an
//! outsider can check. An action that changes a key, a grant or a document is logged as one
//! leaf carrying the statement its client signed (or the keys it published when it has none),
//! followed by one `key.wrapped` leaf per envelope it stores, each carrying that envelope's own
//! signed statement. Sign-ins, sign-outs and the platform's own accounts change none of those
//! and stay in `audit_events` only.

use vault_core::api::Envelope;
use vault_core::ids::{CaseId, OrgId, UserId};
use vault_core::leaf::{LogLeaf, PublishedKeys, LEAF_VERSION};
use vault_core::statement::SignedStatement;

use super::Tx;
use crate::error::ApiResult;

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

/// What the Merkle log keeps of an action besides its audit row.
#[derive(Default)]
pub struct Logged<'a> {
    /// The statement the client signed for the action itself.
    pub statement: Option<&'a SignedStatement>,
    /// Keys the action published without a statement of their own.
    pub keys: Option<PublishedKeys>,
    /// Every envelope the action stores, each logged as its own `key.wrapped` leaf.
    pub envelopes: Vec<&'a Envelope>,
}

impl<'a> Logged<'a> {
    /// An action whose client signed `statement`.
    #[must_use]
    pub fn statement(statement: &'a SignedStatement) -> Self {
        Self {
            statement: Some(statement),
            ..Self::default()
        }
    }

    /// These envelopes are stored too.
    #[must_use]
    pub fn with_envelopes(mut self, envelopes: impl IntoIterator<Item = &'a Envelope>) -> Self {
        self.envelopes.extend(envelopes);
        self
    }
}

/// Appends `event` to `audit_events` only, inside `tx`: for actions that change no key, grant
/// or document (signing in and out, platform accounts).
pub async fn record(tx: &mut Tx, event: Event<'_>) -> Result<(), sqlx::Error> {
    insert_row(tx, &event, super::now()).await
}

/// Appends `event` to `audit_events` and its leaves to the Merkle log, inside `tx`, so the
/// change, its record and its leaves commit together or not at all.
pub async fn record_logged(tx: &mut Tx, event: Event<'_>, logged: Logged<'_>) -> ApiResult<()> {
    let at = super::now();
    insert_row(tx, &event, at).await?;
    let leaf = |action: &str, object_kind: &str, object_id: String| LogLeaf {
        v: LEAF_VERSION,
        time: at,
        action: action.to_owned(),
        actor: event.actor,
        org_id: event.org_id,
        object_kind: object_kind.to_owned(),
        object_id,
        case_id: event.case_id,
        statement: None,
        keys: None,
    };
    let mut leaves = Vec::with_capacity(1 + logged.envelopes.len());
    leaves.push(LogLeaf {
        statement: logged.statement.cloned(),
        keys: logged.keys,
        ..leaf(event.action, event.object_kind, event.object_id.clone())
    });
    for envelope in logged.envelopes {
        let id = hex::encode(vault_core::sha256(&envelope.wrapped));
        leaves.push(LogLeaf {
            statement: Some(envelope.statement.clone()),
            ..leaf("key.wrapped", "envelope", id)
        });
    }
    super::log::append(tx, &leaves).await?;
    Ok(())
}

async fn insert_row(tx: &mut Tx, event: &Event<'_>, at: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO audit_events (at, actor, org_id, action, object_kind, object_id, case_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(at)
    .bind(event.actor.map(|u| u.to_string()))
    .bind(event.org_id.map(|o| o.to_string()))
    .bind(event.action)
    .bind(event.object_kind)
    .bind(&event.object_id)
    .bind(event.case_id.map(|c| c.to_string()))
    .execute(&mut **tx)
    .await?;
    Ok(())
}
