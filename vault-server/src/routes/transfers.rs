//! Case transfers: the owner's manager offers, the receiving manager accepts, and the server
//! applies ownership, case key and envelopes in one transaction. No body bytes move.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use vault_core::api::{
    AcceptTransferRequest, DocumentEnvelope, TransferOffer, TransferStatus, TransferSummary,
};
use vault_core::ids::{CaseId, DocumentId, OrgId, TransferId};
use vault_core::keys::{Fingerprint, PublicKey};
use vault_core::statement::{Claim, KeyScope};

use crate::auth::{Caller, Member};
use crate::checks::{self, mismatch, Expect};
use crate::db::audit::{self, Event, Logged};
use crate::db::codec::{from_json, parse, pk_parse, to_json};
use crate::db::{now, Tx};
use crate::error::{ApiError, ApiJson, ApiPath, ApiResult};
use crate::routes::cases::owned_case;
use crate::routes::members::{covers_exactly, fingerprints};
use crate::routes::orgs::current_key;
use crate::state::AppState;

/// Document key fingerprints of a case's current documents.
async fn case_documents(tx: &mut Tx, case: CaseId) -> ApiResult<BTreeMap<DocumentId, Fingerprint>> {
    let rows: Vec<(String, String)> =
        sqlx::query_as("SELECT id, document_key FROM documents WHERE case_id = $1")
            .bind(case.to_string())
            .fetch_all(&mut **tx)
            .await?;
    fingerprints(&rows)
}

const NOT_EXACT: ApiError =
    ApiError::Conflict("the document envelopes do not cover exactly the case's documents");

/// Refusal of an offer that no longer fits the case's documents; only an offer made before
/// uploads were refused while an offer waits can get here.
const STALE: ApiError = ApiError::Conflict(
    "the offer no longer covers exactly the case's documents; decline it and ask for a new offer",
);

/// Checks the offer's envelopes against the case's documents right now.
fn check_documents(
    docs: &BTreeMap<DocumentId, Fingerprint>,
    envelopes: &[DocumentEnvelope],
    from: &Member,
    new_case_key: Fingerprint,
) -> ApiResult<()> {
    if !covers_exactly(docs, envelopes.iter().map(|d| d.document_id)) {
        return Err(NOT_EXACT);
    }
    for d in envelopes {
        let expect = Expect {
            org: from.org_id,
            scope: KeyScope::Document(d.document_id),
            key: docs[&d.document_id],
            recipient: new_case_key,
        };
        checks::envelope(&d.envelope, &from.signing_key, &expect)?;
    }
    Ok(())
}

/// `POST /v1/cases/{case_id}/transfers` (manager of the owning organisation).
#[tracing::instrument(
    name = "POST /v1/cases/{case_id}/transfers",
    skip_all,
    fields(user.id = %caller.user_id, case.id = %case_id),
)]
pub async fn offer(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(case_id): ApiPath<CaseId>,
    ApiJson(req): ApiJson<TransferOffer>,
) -> ApiResult<StatusCode> {
    let manager = caller.manager()?;
    let mut tx = state.db.begin().await?;
    let case = owned_case(&mut tx, case_id, manager.org_id).await?;
    if req.to_org == manager.org_id {
        return Err(ApiError::Conflict(
            "a case cannot be transferred to its own organisation",
        ));
    }
    let (to_key, _) = current_key(&mut tx, req.to_org).await?;
    let new_fp = req.new_case_key.fingerprint();
    let expected = Claim::CaseTransferred {
        case: case_id,
        from_org: manager.org_id,
        to_org: req.to_org,
        to_org_key: to_key.fingerprint(),
        new_case_key: new_fp,
        documents: case.document_count,
    };
    if checks::signed_by(&req.statement, &manager.signing_key)? != expected {
        return Err(mismatch(
            "the transfer statement names another case, org, key or count",
        ));
    }
    let expect = Expect {
        org: manager.org_id,
        scope: KeyScope::Case(case_id),
        key: new_fp,
        recipient: to_key.fingerprint(),
    };
    checks::envelope(&req.case_envelope, &manager.signing_key, &expect)?;
    let docs = case_documents(&mut tx, case_id).await?;
    check_documents(&docs, &req.document_envelopes, &manager, new_fp)?;
    let pending: Option<(String,)> =
        sqlx::query_as("SELECT id FROM transfers WHERE case_id = $1 AND status = 'offered'")
            .bind(case_id.to_string())
            .fetch_optional(&mut *tx)
            .await?;
    if pending.is_some() {
        return Err(ApiError::Conflict(
            "the case already has a transfer waiting",
        ));
    }
    insert_offer(&mut tx, &manager, case_id, &req).await?;
    let offered = event(&manager, req.transfer_id, case_id, "case.transfer_offered");
    let envelopes = req.document_envelopes.iter().map(|d| &d.envelope);
    let logged = Logged::statement(&req.statement)
        .with_envelopes([&req.case_envelope])
        .with_envelopes(envelopes);
    audit::record_logged(&mut tx, offered, logged).await?;
    tx.commit().await?;
    tracing::info!(to_org = %req.to_org, "transfer offered");
    Ok(StatusCode::CREATED)
}

/// The audit record of a transfer action by `member`.
pub(crate) fn event(
    member: &Member,
    transfer: TransferId,
    case: CaseId,
    action: &'static str,
) -> Event<'static> {
    member.event(action, "transfer", transfer.to_string(), Some(case))
}

async fn insert_offer(
    tx: &mut Tx,
    from: &Member,
    case: CaseId,
    req: &TransferOffer,
) -> ApiResult<()> {
    sqlx::query(
        "INSERT INTO transfers (id, case_id, from_org, to_org, status, new_case_key, \
         case_envelope, document_envelopes, document_count, statement, created_at) \
         VALUES ($1, $2, $3, $4, 'offered', $5, $6, $7, $8, $9, $10)",
    )
    .bind(req.transfer_id.to_string())
    .bind(case.to_string())
    .bind(from.org_id.to_string())
    .bind(req.to_org.to_string())
    .bind(req.new_case_key.as_str())
    .bind(to_json(&req.case_envelope)?)
    .bind(to_json(&req.document_envelopes)?)
    .bind(i64::try_from(req.document_envelopes.len()).map_err(ApiError::internal)?)
    .bind(to_json(&req.statement)?)
    .bind(now())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

fn status(stored: &str) -> ApiResult<TransferStatus> {
    match stored {
        "offered" => Ok(TransferStatus::Offered),
        "accepted" => Ok(TransferStatus::Accepted),
        "withdrawn" => Ok(TransferStatus::Withdrawn),
        "declined" => Ok(TransferStatus::Declined),
        _ => Err(ApiError::internal(anyhow::anyhow!(
            "unknown transfer status in the database"
        ))),
    }
}

type TransferRow = (
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    i64,
    i64,
);

const TRANSFER_SELECT: &str = "SELECT t.id, t.case_id, c.reference, t.from_org, t.to_org, \
     t.status, t.new_case_key, t.case_envelope, t.statement, t.document_count, t.created_at \
     FROM transfers t JOIN cases c ON c.id = t.case_id";

fn summary(row: &TransferRow) -> ApiResult<TransferSummary> {
    Ok(TransferSummary {
        transfer_id: parse(&row.0)?,
        case_id: parse(&row.1)?,
        reference: row.2.clone(),
        from_org: parse(&row.3)?,
        to_org: parse(&row.4)?,
        status: status(&row.5)?,
        new_case_key: pk_parse(&row.6)?,
        case_envelope: from_json(&row.7)?,
        statement: from_json(&row.8)?,
        document_count: u64::try_from(row.9).map_err(ApiError::internal)?,
        created_at: row.10,
    })
}

/// `GET /v1/transfers`: offers from and to the caller's organisation.
#[tracing::instrument(name = "GET /v1/transfers", skip_all, fields(user.id = %caller.user_id))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<Vec<TransferSummary>>> {
    let member = caller.member()?;
    let rows: Vec<TransferRow> = sqlx::query_as(&format!(
        "{TRANSFER_SELECT} WHERE t.from_org = $1 OR t.to_org = $1 ORDER BY t.created_at, t.id"
    ))
    .bind(member.org_id.to_string())
    .fetch_all(state.db.reader())
    .await?;
    Ok(Json(rows.iter().map(summary).collect::<ApiResult<_>>()?))
}

/// `POST /v1/transfers/{transfer_id}/accept` (manager of the receiving organisation).
#[tracing::instrument(
    name = "POST /v1/transfers/{transfer_id}/accept",
    skip_all,
    fields(user.id = %caller.user_id, transfer.id = %transfer_id),
)]
pub async fn accept(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(transfer_id): ApiPath<TransferId>,
    ApiJson(req): ApiJson<AcceptTransferRequest>,
) -> ApiResult<StatusCode> {
    let manager = caller.manager()?;
    let mut tx = state.db.begin().await?;
    let row: TransferRow = sqlx::query_as(&format!(
        "{TRANSFER_SELECT} WHERE t.id = $1 AND t.to_org = $2"
    ))
    .bind(transfer_id.to_string())
    .bind(manager.org_id.to_string())
    .fetch_one(&mut *tx)
    .await?;
    let offer = summary(&row)?;
    if offer.status != TransferStatus::Offered {
        return Err(ApiError::Conflict(
            "the transfer offer is no longer waiting: it was accepted, withdrawn or declined",
        ));
    }
    let new_fp = offer.new_case_key.fingerprint();
    let expected = Claim::TransferAccepted {
        case: offer.case_id,
        from_org: offer.from_org,
        to_org: manager.org_id,
        new_case_key: new_fp,
    };
    if checks::signed_by(&req.statement, &manager.signing_key)? != expected {
        return Err(mismatch("the acceptance names another case, org or key"));
    }
    let envelopes = recheck(&mut tx, &offer, &transfer_id).await?;
    apply(&mut tx, &offer, &envelopes, manager.org_id).await?;
    sqlx::query(
        "UPDATE transfers SET status = 'accepted', accept_statement = $1, accepted_at = $2 \
         WHERE id = $3",
    )
    .bind(to_json(&req.statement)?)
    .bind(now())
    .bind(transfer_id.to_string())
    .execute(&mut *tx)
    .await?;
    // The envelopes the acceptance installs were logged when they were offered.
    let accepted = event(
        &manager,
        transfer_id,
        offer.case_id,
        "case.transfer_accepted",
    );
    audit::record_logged(&mut tx, accepted, Logged::statement(&req.statement)).await?;
    tx.commit().await?;
    tracing::info!(case.id = %offer.case_id, from_org = %offer.from_org, "transfer accepted");
    Ok(StatusCode::NO_CONTENT)
}

/// Re-checks, inside the accepting transaction, that the offer still fits the case: same
/// owner, exactly the same documents, and the receiver's key unchanged.
async fn recheck(
    tx: &mut Tx,
    offer: &TransferSummary,
    id: &TransferId,
) -> ApiResult<Vec<DocumentEnvelope>> {
    let (owner,): (String,) = sqlx::query_as("SELECT org_id FROM cases WHERE id = $1")
        .bind(offer.case_id.to_string())
        .fetch_one(&mut **tx)
        .await?;
    if parse::<OrgId>(&owner)? != offer.from_org {
        return Err(ApiError::Conflict(
            "the case has changed hands since the offer",
        ));
    }
    let (to_key, _) = current_key(tx, offer.to_org).await?;
    if offer.case_envelope.recipient != to_key.fingerprint() {
        return Err(ApiError::Conflict(
            "the receiving organisation's key changed since the offer; decline it and ask for \
             a new offer",
        ));
    }
    let (envelopes,): (String,) =
        sqlx::query_as("SELECT document_envelopes FROM transfers WHERE id = $1")
            .bind(id.to_string())
            .fetch_one(&mut **tx)
            .await?;
    let envelopes: Vec<DocumentEnvelope> = from_json(&envelopes)?;
    let docs = case_documents(tx, offer.case_id).await?;
    if !covers_exactly(&docs, envelopes.iter().map(|d| d.document_id)) {
        return Err(STALE);
    }
    Ok(envelopes)
}

async fn apply(
    tx: &mut Tx,
    offer: &TransferSummary,
    envelopes: &[DocumentEnvelope],
    to_org: OrgId,
) -> ApiResult<()> {
    let new_key: &PublicKey = &offer.new_case_key;
    sqlx::query("UPDATE cases SET org_id = $1, case_key = $2, envelope = $3 WHERE id = $4")
        .bind(to_org.to_string())
        .bind(new_key.as_str())
        .bind(to_json(&offer.case_envelope)?)
        .bind(offer.case_id.to_string())
        .execute(&mut **tx)
        .await?;
    for d in envelopes {
        sqlx::query("UPDATE documents SET envelope = $1 WHERE id = $2 AND case_id = $3")
            .bind(to_json(&d.envelope)?)
            .bind(d.document_id.to_string())
            .bind(offer.case_id.to_string())
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}
