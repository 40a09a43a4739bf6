//! Cases and what they hold, rebuilt as the live routes log them: creation, sealing,
//! shares in force, and transfer offers with their outcome.

use sqlx::any::AnyRow;
use sqlx::Row as _;
use vault_core::api::{DocumentEnvelope, Envelope};
use vault_core::ids::{CaseId, OrgId};
use vault_core::statement::{Claim, SignedStatement};

use super::{claim, leaf, rank, signed, Audited, Backfill, Head};
use crate::db::codec::{from_json, parse};
use crate::db::Tx;
use crate::error::ApiResult;

impl Backfill {
    /// Every transfer offer with its envelopes, and its acceptance, withdrawal or decline.
    pub(super) async fn transfers(&mut self, tx: &mut Tx) -> ApiResult<()> {
        let rows: Vec<AnyRow> = sqlx::query(
            "SELECT id, case_id, from_org, to_org, status, case_envelope, document_envelopes, \
             statement, accept_statement, created_at, accepted_at FROM transfers \
             ORDER BY created_at, id",
        )
        .fetch_all(&mut **tx)
        .await?;
        for row in rows {
            self.transfer(&row)?;
        }
        Ok(())
    }

    fn transfer(&mut self, row: &AnyRow) -> ApiResult<()> {
        let text = |column: &str| row.try_get::<String, _>(column);
        let id = text("id")?;
        let case: CaseId = parse(&text("case_id")?)?;
        let (from, to): (OrgId, OrgId) = (parse(&text("from_org")?)?, parse(&text("to_org")?)?);
        let created_at: i64 = row.try_get("created_at")?;
        self.first_owner.entry(case).or_insert(from);
        let statement: SignedStatement = from_json(&text("statement")?)?;
        let audited = self.audited("case.transfer_offered", &id, 0);
        let head = Head {
            org: Some(from),
            case: Some(case),
            ..self.head(audited, created_at, Some(&statement.signer))
        };
        let at = self.push(&head, audited, rank::OFFERED, 0);
        let offered = signed(
            &head,
            "case.transfer_offered",
            "transfer",
            id.clone(),
            statement,
        );
        self.actions[at].leaves.push(offered);
        let case_env: Envelope = from_json(&text("case_envelope")?)?;
        let doc_envs: Vec<DocumentEnvelope> = from_json(&text("document_envelopes")?)?;
        for env in std::iter::once(&case_env).chain(doc_envs.iter().map(|d| &d.envelope)) {
            self.offered.insert(vault_core::sha256(&env.wrapped));
            self.wrap(at, env);
        }
        let accept: Option<String> = row.try_get("accept_statement")?;
        let accepted_at: Option<i64> = row.try_get("accepted_at")?;
        let times = (created_at, accepted_at);
        self.outcome(&id, (case, from, to), &text("status")?, accept, times)
    }

    /// A transfer's acceptance, withdrawal or decline, if it has one.
    fn outcome(
        &mut self,
        id: &str,
        (case, from, to): (CaseId, OrgId, OrgId),
        status: &str,
        accept: Option<String>,
        (created_at, accepted_at): (i64, Option<i64>),
    ) -> ApiResult<()> {
        let closed = |action, org| (action, org, None, created_at, rank::CLOSED);
        let (action, org, statement, time, rank) = match (status, accept) {
            ("accepted", Some(st)) => {
                let st: SignedStatement = from_json(&st)?;
                let time = accepted_at.unwrap_or(created_at);
                ("case.transfer_accepted", to, Some(st), time, rank::ACCEPTED)
            }
            ("withdrawn", _) => closed("case.transfer_withdrawn", from),
            ("declined", _) => closed("case.transfer_declined", to),
            _ => return Ok(()),
        };
        let audited = self.audited(action, id, 0);
        let head = Head {
            org: Some(org),
            case: Some(case),
            ..self.head(audited, time, statement.as_ref().map(|s| &s.signer))
        };
        let at = self.push(&head, audited, rank, 0);
        let outcome = vault_core::leaf::LogLeaf {
            object_kind: "transfer".to_owned(),
            statement,
            ..leaf(&head, action, id.to_owned())
        };
        self.actions[at].leaves.push(outcome);
        Ok(())
    }

    /// Every case's creation, with its case envelope unless a transfer or rotation stored it.
    pub(super) async fn cases(&mut self, tx: &mut Tx) -> ApiResult<()> {
        let rows: Vec<(String, String, String, i64)> = sqlx::query_as(
            "SELECT id, org_id, envelope, created_at FROM cases ORDER BY created_at, id",
        )
        .fetch_all(&mut **tx)
        .await?;
        for (id, owner, envelope, created_at) in rows {
            let case: CaseId = parse(&id)?;
            let owner: OrgId = parse(&owner)?;
            let envelope: Envelope = from_json(&envelope)?;
            let audited = self.audited("case.created", &id, 0);
            let head = Head {
                org: Some(self.first_owner.get(&case).copied().unwrap_or(owner)),
                case: Some(case),
                ..self.head(audited, created_at, Some(&envelope.statement.signer))
            };
            let at = self.push(&head, audited, rank::CASE, 0);
            let created = vault_core::leaf::LogLeaf {
                object_kind: "case".to_owned(),
                ..leaf(&head, "case.created", id)
            };
            self.actions[at].leaves.push(created);
            if !self
                .offered
                .contains(&vault_core::sha256(&envelope.wrapped))
            {
                let at = self.place(owner, envelope.recipient, &envelope, at);
                self.wrap(at, &envelope);
            }
        }
        Ok(())
    }

    /// Every document's sealing, with its envelope unless a transfer offer stored it.
    pub(super) async fn documents(&mut self, tx: &mut Tx) -> ApiResult<()> {
        let rows: Vec<(String, String, String, String, String, i64)> = sqlx::query_as(
            "SELECT id, case_id, statement, envelope, sealed_by, created_at FROM documents \
             ORDER BY created_at, id",
        )
        .fetch_all(&mut **tx)
        .await?;
        for (id, case, statement, envelope, sealed_by, created_at) in rows {
            let statement: SignedStatement = from_json(&statement)?;
            let envelope: Envelope = from_json(&envelope)?;
            let org = match claim(&statement)? {
                Claim::DocumentSealed { org, .. } => Some(org),
                _ => None,
            };
            let audited = self.audited("document.sealed", &id, 0);
            let head = Head {
                actor: Some(audited.and_then(|a| a.actor).unwrap_or(parse(&sealed_by)?)),
                org,
                case: Some(parse(&case)?),
                ..self.head(audited, created_at, None)
            };
            let at = self.push(&head, audited, rank::SEALED, 0);
            let sealed = signed(&head, "document.sealed", "document", id, statement);
            self.actions[at].leaves.push(sealed);
            if !self
                .offered
                .contains(&vault_core::sha256(&envelope.wrapped))
            {
                self.wrap(at, &envelope);
            }
        }
        Ok(())
    }

    /// Every share in force, with its envelope (or the receiver's rotation that replaced it).
    pub(super) async fn shares(&mut self, tx: &mut Tx) -> ApiResult<()> {
        let rows: Vec<(String, String, String, String, String, String, i64)> = sqlx::query_as(
            "SELECT s.document_id, d.case_id, s.from_org, s.to_org, s.envelope, s.statement, \
             s.created_at FROM shares s JOIN documents d ON d.id = s.document_id \
             ORDER BY s.created_at, s.document_id, s.to_org",
        )
        .fetch_all(&mut **tx)
        .await?;
        for (doc, case, from, to, envelope, statement, created_at) in rows {
            let statement: SignedStatement = from_json(&statement)?;
            let envelope: Envelope = from_json(&envelope)?;
            let audited = self.audited_at("document.shared", &doc, created_at);
            let head = Head {
                org: Some(parse(&from)?),
                case: Some(parse(&case)?),
                ..self.head(audited, created_at, Some(&statement.signer))
            };
            let at = self.push(&head, audited, rank::SHARED, 0);
            let shared = signed(&head, "document.shared", "document", doc, statement);
            self.actions[at].leaves.push(shared);
            let at = self.place(parse(&to)?, envelope.recipient, &envelope, at);
            self.wrap(at, &envelope);
        }
        Ok(())
    }

    /// The last audit record of `action` on `object` made at `time`: a document may have been
    /// shared, revoked and shared again, with several organisations.
    fn audited_at(&self, action: &str, object: &str, time: i64) -> Option<Audited> {
        let key = (action.to_owned(), object.to_owned());
        let rows = self.audit.get(&key)?;
        rows.iter().rev().find(|a| a.at == time).copied()
    }
}
