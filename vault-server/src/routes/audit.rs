//! Audit records, the key directory, stored envelopes, the ciphertext inventory and who can
//! open what. Auditors see every record, key, envelope and object but no case data; managers
//! see their own organisation's records and those of cases it holds. The queries behind the
//! auditor's lists are in [`super::audit_data`], shared with `export-audit`.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::Json;
use serde::Deserialize;
use vault_core::api::{
    AuditEvent, DocumentAccessToday, InventoryEntry, OrgDirectory, StoredEnvelope,
};
use vault_core::ids::DocumentId;

use super::audit_data::{self, EnvelopeCursor};
use crate::auth::{Caller, Kind};
use crate::db::codec::parse;
use crate::error::{ApiError, ApiPath, ApiResult};
use crate::state::AppState;

/// Paging of `GET /v1/audit/events`.
#[derive(Debug, Deserialize)]
pub struct Page {
    /// Only records after this sequence number.
    pub after: Option<i64>,
    /// At most this many records (default 100, at most 1000).
    pub limit: Option<i64>,
}

type EventRow = (
    i64,
    i64,
    Option<String>,
    Option<String>,
    String,
    String,
    String,
);

const EVENT_SELECT: &str =
    "SELECT seq, at, actor, org_id, action, object_kind, object_id FROM audit_events";

/// `GET /v1/audit/events?after=SEQ&limit=N`.
#[tracing::instrument(name = "GET /v1/audit/events", skip_all, fields(user.id = %caller.user_id))]
pub async fn events(
    State(state): State<AppState>,
    caller: Caller,
    page: Result<Query<Page>, QueryRejection>,
) -> ApiResult<Json<Vec<AuditEvent>>> {
    let Query(page) = page.map_err(|_| ApiError::BadRequest("after and limit are integers"))?;
    let after = page.after.unwrap_or(0);
    let limit = page.limit.unwrap_or(100);
    if after < 0 || !(1..=1000).contains(&limit) {
        return Err(ApiError::BadRequest(
            "after is 0 or more and limit is 1 to 1000",
        ));
    }
    let rows: Vec<EventRow> = if caller.kind == Kind::Auditor {
        sqlx::query_as(&format!(
            "{EVENT_SELECT} WHERE seq > $1 ORDER BY seq LIMIT $2"
        ))
        .bind(after)
        .bind(limit)
        .fetch_all(state.db.reader())
        .await?
    } else {
        let manager = caller.manager()?;
        sqlx::query_as(&format!(
            "{EVENT_SELECT} WHERE seq > $1 AND (org_id = $2 OR case_id IN \
             (SELECT id FROM cases WHERE org_id = $2)) ORDER BY seq LIMIT $3"
        ))
        .bind(after)
        .bind(manager.org_id.to_string())
        .bind(limit)
        .fetch_all(state.db.reader())
        .await?
    };
    let events = rows
        .into_iter()
        .map(|(seq, at, actor, org, action, kind, id)| {
            Ok(AuditEvent {
                seq,
                at,
                actor: actor.as_deref().map(parse).transpose()?,
                org_id: org.as_deref().map(parse).transpose()?,
                action,
                object_kind: kind,
                object_id: id,
            })
        })
        .collect::<ApiResult<_>>()?;
    Ok(Json(events))
}

/// Paging of the lists kept by document: `after` a document id, `limit` as for events.
#[derive(Debug, Deserialize)]
pub struct DocumentPage {
    /// Only documents whose id sorts after this one.
    pub after: Option<DocumentId>,
    /// At most this many entries (1 to 1000); every one when not given.
    pub limit: Option<i64>,
}

/// Paging of `GET /v1/audit/envelopes`: `after` is `PLACE/OWNER` of the last envelope seen.
#[derive(Debug, Deserialize)]
pub struct EnvelopePage {
    /// The place and owner of the last envelope already seen.
    pub after: Option<String>,
    /// At most this many entries (1 to 1000); every one when not given.
    pub limit: Option<i64>,
}

/// A page size in 1 to 1000; without one, the whole list, so that a client that does not page
/// can never mistake a first page for everything.
fn page_limit(limit: Option<i64>) -> ApiResult<i64> {
    match limit {
        None => Ok(i64::MAX),
        Some(limit) if (1..=1000).contains(&limit) => Ok(limit),
        Some(_) => Err(ApiError::BadRequest("limit is 1 to 1000")),
    }
}

/// `GET /v1/audit/inventory?after=DOCUMENT_ID&limit=N` (auditor): stored objects by document
/// id, each with its case id and `document-sealed` statement.
#[tracing::instrument(
    name = "GET /v1/audit/inventory",
    skip_all,
    fields(user.id = %caller.user_id),
)]
pub async fn inventory(
    State(state): State<AppState>,
    caller: Caller,
    page: Result<Query<DocumentPage>, QueryRejection>,
) -> ApiResult<Json<Vec<InventoryEntry>>> {
    caller.auditor()?;
    let (after, limit) = document_page(page)?;
    let mut conn = state.db.reader().acquire().await?;
    Ok(Json(audit_data::inventory(&mut conn, after, limit).await?))
}

/// The cursor and page size of a [`DocumentPage`], checked.
fn document_page(
    page: Result<Query<DocumentPage>, QueryRejection>,
) -> ApiResult<(Option<DocumentId>, i64)> {
    let bad = ApiError::BadRequest("after is a document id and limit an integer");
    let Query(page) = page.map_err(|_| bad)?;
    Ok((page.after, page_limit(page.limit)?))
}

/// `GET /v1/audit/access?after=DOCUMENT_ID&limit=N` (auditor): which organisations the
/// database lets open each document today.
#[tracing::instrument(name = "GET /v1/audit/access", skip_all, fields(user.id = %caller.user_id))]
pub async fn access(
    State(state): State<AppState>,
    caller: Caller,
    page: Result<Query<DocumentPage>, QueryRejection>,
) -> ApiResult<Json<Vec<DocumentAccessToday>>> {
    caller.auditor()?;
    let (after, limit) = document_page(page)?;
    let mut conn = state.db.reader().acquire().await?;
    Ok(Json(audit_data::access(&mut conn, after, limit).await?))
}

/// `GET /v1/audit/envelopes?after=PLACE/OWNER&limit=N` (auditor): every stored envelope, by
/// place and owner.
#[tracing::instrument(
    name = "GET /v1/audit/envelopes",
    skip_all,
    fields(user.id = %caller.user_id),
)]
pub async fn envelopes(
    State(state): State<AppState>,
    caller: Caller,
    page: Result<Query<EnvelopePage>, QueryRejection>,
) -> ApiResult<Json<Vec<StoredEnvelope>>> {
    caller.auditor()?;
    const BAD: &str = "after is PLACE/OWNER of an envelope and limit an integer";
    let Query(page) = page.map_err(|_| ApiError::BadRequest(BAD))?;
    let limit = page_limit(page.limit)?;
    let after = match page.after.as_deref() {
        None => EnvelopeCursor::default(),
        Some(text) => EnvelopeCursor::parse(text).ok_or(ApiError::BadRequest(BAD))?,
    };
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    let mut conn = state.db.reader().acquire().await?;
    Ok(Json(audit_data::envelopes(&mut conn, &after, limit).await?))
}

/// `GET /v1/audit/directory` (auditor): every organisation's keys, key history and members'
/// keys and certificates, without e-mail addresses.
#[tracing::instrument(
    name = "GET /v1/audit/directory",
    skip_all,
    fields(user.id = %caller.user_id),
)]
pub async fn directory(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<Vec<OrgDirectory>>> {
    caller.auditor()?;
    let mut conn = state.db.reader().acquire().await?;
    Ok(Json(audit_data::directory(&mut conn).await?))
}

/// `GET /v1/audit/objects/{document_id}` (auditor): the stored ciphertext, for checking.
#[tracing::instrument(
    name = "GET /v1/audit/objects/{document_id}",
    skip_all,
    fields(user.id = %caller.user_id, document.id = %document_id),
)]
pub async fn object(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(document_id): ApiPath<DocumentId>,
) -> ApiResult<Response> {
    caller.auditor()?;
    let (key, size): (String, i64) =
        sqlx::query_as("SELECT object_key, ciphertext_size FROM documents WHERE id = $1")
            .bind(document_id.to_string())
            .fetch_one(state.db.reader())
            .await?;
    let size = u64::try_from(size).map_err(ApiError::internal)?;
    super::documents::stream_object(&state, &key, size).await
}
