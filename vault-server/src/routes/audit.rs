//! Audit records and the ciphertext inventory. Auditors see every record and object but no
//! case data; managers see their own organisation's records and those of cases it holds.

use axum::extract::{Query, State};
use axum::response::Response;
use axum::Json;
use serde::Deserialize;
use vault_core::api::{AuditEvent, InventoryEntry};
use vault_core::ids::DocumentId;

use crate::auth::{Caller, Kind};
use crate::db::codec::{digest_parse, parse};
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
    page: Result<Query<Page>, axum::extract::rejection::QueryRejection>,
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

/// `GET /v1/audit/inventory` (auditor): every stored object.
#[tracing::instrument(
    name = "GET /v1/audit/inventory",
    skip_all,
    fields(user.id = %caller.user_id),
)]
pub async fn inventory(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<Vec<InventoryEntry>>> {
    caller.auditor()?;
    let rows: Vec<(String, String, String, i64, String)> = sqlx::query_as(
        "SELECT d.id, c.org_id, d.object_key, d.ciphertext_size, d.ciphertext_sha256 \
         FROM documents d JOIN cases c ON c.id = d.case_id ORDER BY d.created_at, d.id",
    )
    .fetch_all(state.db.reader())
    .await?;
    let entries = rows
        .into_iter()
        .map(|(id, org, key, size, sha)| {
            Ok(InventoryEntry {
                document_id: parse(&id)?,
                org_id: parse(&org)?,
                object_key: key,
                ciphertext_size: u64::try_from(size).map_err(ApiError::internal)?,
                ciphertext_sha256: digest_parse(&sha)?,
            })
        })
        .collect::<ApiResult<_>>()?;
    Ok(Json(entries))
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
