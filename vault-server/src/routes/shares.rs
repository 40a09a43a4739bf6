//! Sharing one document with another organisation, and revoking it. No body bytes move: a
//! share is the document key wrapped to the receiving organisation's key.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use vault_core::api::{RevokeRequest, ShareRequest, ShareSummary};
use vault_core::ids::{DocumentId, OrgId};
use vault_core::keys::PublicKey;
use vault_core::seal::constant_time_eq;
use vault_core::statement::{Claim, KeyScope};

use crate::auth::{Caller, Member};
use crate::checks::{self, mismatch, Expect};
use crate::db::audit::{self, Event, Logged};
use crate::db::codec::{parse, pk_parse, to_json};
use crate::db::{now, Tx};
use crate::error::{ApiError, ApiJson, ApiPath, ApiResult};
use crate::routes::orgs::current_key;
use crate::state::AppState;

/// The case and document key of a document the member's organisation owns, or 404.
async fn owned_document(
    conn: &mut sqlx::AnyConnection,
    document: DocumentId,
    org: OrgId,
) -> ApiResult<(String, PublicKey)> {
    let (case_id, key): (String, String) = sqlx::query_as(
        "SELECT d.case_id, d.document_key FROM documents d JOIN cases c ON c.id = d.case_id \
         WHERE d.id = $1 AND c.org_id = $2",
    )
    .bind(document.to_string())
    .bind(org.to_string())
    .fetch_one(conn)
    .await?;
    Ok((case_id, pk_parse(&key)?))
}

fn share_event(
    member: &Member,
    document: DocumentId,
    case: &str,
    action: &'static str,
) -> ApiResult<Event<'static>> {
    Ok(member.event(action, "document", document.to_string(), Some(parse(case)?)))
}

/// `POST /v1/documents/{document_id}/shares`.
#[tracing::instrument(
    name = "POST /v1/documents/{document_id}/shares",
    skip_all,
    fields(user.id = %caller.user_id, document.id = %document_id),
)]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(document_id): ApiPath<DocumentId>,
    ApiJson(req): ApiJson<ShareRequest>,
) -> ApiResult<StatusCode> {
    let member = caller.member()?;
    let mut tx = state.db.begin().await?;
    let (case_id, doc_key) = owned_document(&mut tx, document_id, member.org_id).await?;
    if req.to_org == member.org_id {
        return Err(ApiError::Conflict(
            "a document cannot be shared with its own organisation",
        ));
    }
    let (to_key, _) = current_key(&mut tx, req.to_org).await?;
    check_share(&member, document_id, &doc_key, &to_key, &req)?;
    sqlx::query(
        "INSERT INTO shares (document_id, to_org, from_org, envelope, statement, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(document_id.to_string())
    .bind(req.to_org.to_string())
    .bind(member.org_id.to_string())
    .bind(to_json(&req.envelope)?)
    .bind(to_json(&req.statement)?)
    .bind(now())
    .execute(&mut *tx)
    .await?;
    let event = share_event(&member, document_id, &case_id, "document.shared")?;
    let logged = Logged::statement(&req.statement).with_envelopes([&req.envelope]);
    audit::record_logged(&mut tx, event, logged).await?;
    tx.commit().await?;
    tracing::info!(to_org = %req.to_org, "document shared");
    Ok(StatusCode::CREATED)
}

fn check_share(
    member: &Member,
    document_id: DocumentId,
    doc_key: &PublicKey,
    to_key: &PublicKey,
    req: &ShareRequest,
) -> ApiResult<()> {
    let Claim::DocumentShared {
        document,
        from_org,
        to_org,
        to_org_key,
        envelope_sha256,
    } = checks::signed_by(&req.statement, &member.signing_key)?
    else {
        return Err(mismatch("the statement is not document-shared"));
    };
    let same = document == document_id
        && from_org == member.org_id
        && to_org == req.to_org
        && to_org_key == to_key.fingerprint()
        && constant_time_eq(&envelope_sha256, &vault_core::sha256(&req.envelope.wrapped));
    if !same {
        return Err(mismatch(
            "the share statement names another document, org, key or envelope",
        ));
    }
    let expect = Expect {
        org: member.org_id,
        scope: KeyScope::Document(document_id),
        key: doc_key.fingerprint(),
        recipient: to_key.fingerprint(),
    };
    checks::envelope(&req.envelope, &member.signing_key, &expect)
}

type ShareRow = (String, String, String, String, i64);

fn summary(row: &ShareRow) -> ApiResult<ShareSummary> {
    Ok(ShareSummary {
        document_id: parse(&row.0)?,
        case_id: parse(&row.1)?,
        from_org: parse(&row.2)?,
        to_org: parse(&row.3)?,
        created_at: row.4,
    })
}

/// The condition under which a share row is listed as a share, with the share aliased `s` and
/// its document's case `c`: its receiving organisation does not own the case now. A share to
/// the organisation that later took the case over gives nothing the case does not, so lists
/// leave it out; its row stays, because it gives access again if the case moves on.
pub const STILL_A_SHARE: &str = "s.to_org <> c.org_id";

const SHARE_SELECT: &str = "SELECT s.document_id, d.case_id, s.from_org, s.to_org, s.created_at \
     FROM shares s JOIN documents d ON d.id = s.document_id JOIN cases c ON c.id = d.case_id";

/// `GET /v1/documents/{document_id}/shares`: who the document is shared with, by its owner or
/// a previous one, leaving out a share to the organisation that owns it now.
#[tracing::instrument(
    name = "GET /v1/documents/{document_id}/shares",
    skip_all,
    fields(user.id = %caller.user_id, document.id = %document_id),
)]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(document_id): ApiPath<DocumentId>,
) -> ApiResult<Json<Vec<ShareSummary>>> {
    let member = caller.member()?;
    let mut conn = state.db.reader().acquire().await?;
    owned_document(&mut conn, document_id, member.org_id).await?;
    let rows: Vec<ShareRow> = sqlx::query_as(&format!(
        "{SHARE_SELECT} WHERE s.document_id = $1 AND {STILL_A_SHARE} ORDER BY s.created_at"
    ))
    .bind(document_id.to_string())
    .fetch_all(&mut *conn)
    .await?;
    Ok(Json(rows.iter().map(summary).collect::<ApiResult<_>>()?))
}

/// `GET /v1/shared`: documents other organisations shared with the caller's, leaving out those
/// whose case the caller's organisation has since taken over.
#[tracing::instrument(name = "GET /v1/shared", skip_all, fields(user.id = %caller.user_id))]
pub async fn shared_with_me(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<Vec<ShareSummary>>> {
    let member = caller.member()?;
    let rows: Vec<ShareRow> = sqlx::query_as(&format!(
        "{SHARE_SELECT} WHERE s.to_org = $1 AND {STILL_A_SHARE} ORDER BY s.created_at"
    ))
    .bind(member.org_id.to_string())
    .fetch_all(state.db.reader())
    .await?;
    Ok(Json(rows.iter().map(summary).collect::<ApiResult<_>>()?))
}

/// `POST /v1/documents/{document_id}/shares/{org_id}/revoke`: deletes the wrap.
#[tracing::instrument(
    name = "POST /v1/documents/{document_id}/shares/{org_id}/revoke",
    skip_all,
    fields(user.id = %caller.user_id, document.id = %document_id, org.id = %org_id),
)]
pub async fn revoke(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((document_id, org_id)): ApiPath<(DocumentId, OrgId)>,
    ApiJson(req): ApiJson<RevokeRequest>,
) -> ApiResult<StatusCode> {
    let member = caller.member()?;
    let mut tx: Tx = state.db.begin().await?;
    let (case_id, _) = owned_document(&mut tx, document_id, member.org_id).await?;
    let claim = checks::signed_by(&req.statement, &member.signing_key)?;
    if claim
        != (Claim::ShareRevoked {
            document: document_id,
            to_org: org_id,
        })
    {
        return Err(mismatch(
            "the revocation names another document or organisation",
        ));
    }
    let done = sqlx::query("DELETE FROM shares WHERE document_id = $1 AND to_org = $2")
        .bind(document_id.to_string())
        .bind(org_id.to_string())
        .execute(&mut *tx)
        .await?;
    if done.rows_affected() == 0 {
        return Err(ApiError::NotFound);
    }
    let event = share_event(&member, document_id, &case_id, "document.share_revoked")?;
    audit::record_logged(&mut tx, event, Logged::statement(&req.statement)).await?;
    tx.commit().await?;
    tracing::info!("share revoked");
    Ok(StatusCode::NO_CONTENT)
}
