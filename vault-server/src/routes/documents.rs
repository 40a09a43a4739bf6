//! Reading documents: listings, access paths and ciphertext download.

use axum::body::Body;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;
use futures::TryStreamExt as _;
use sqlx::AnyConnection;
use vault_core::api::{AccessPath, DocumentAccess, DocumentSummary};
use vault_core::ids::{CaseId, DocumentId, OrgId};

use crate::auth::Caller;
use crate::db::codec::{digest_parse, document_json, from_json, parse, pk_parse, Record};
use crate::db::Backend;
use crate::error::{ApiError, ApiPath, ApiResult};
use crate::routes::cases::owned_case;
use crate::state::AppState;

type DocRow = (
    String,
    String,
    i64,
    String,
    String,
    Option<Vec<u8>>,
    String,
    String,
    i64,
);

/// The `sealed_metadata` column as `backend` can hand it over: bytes, or NULL for a damaged
/// record.
///
/// The server only ever writes bytes there, but `SQLite` keeps whatever a row written by hand
/// holds, and the Any driver refuses text where bytes are asked for (text that is not UTF-8
/// fails the whole result), so one tampered row would fail every listing of its case. Anything
/// but a blob reads as NULL instead, and the readers report that one document as damaged.
/// `PostgreSQL`'s `BYTEA` holds nothing else.
#[must_use]
pub fn metadata_column(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => {
            "CASE WHEN typeof(d.sealed_metadata) = 'blob' THEN d.sealed_metadata END"
        }
        Backend::Postgres => "d.sealed_metadata",
    }
}

/// The backend behind a connection of the Any driver.
fn backend_of(conn: &AnyConnection) -> Backend {
    if conn.backend_name() == <sqlx::Postgres as sqlx::Database>::NAME {
        Backend::Postgres
    } else {
        Backend::Sqlite
    }
}

/// Says once, at error level, that a document's stored record was changed outside the
/// server: it is data damage an operator must repair, not a caller's mistake.
pub fn log_damaged(document: &str) {
    tracing::error!(
        document.id = document,
        "stored sealed metadata of a document is not bytes: the record was changed outside \
         the server"
    );
}

fn doc_select(conn: &AnyConnection) -> String {
    format!(
        "SELECT d.id, d.case_id, d.ciphertext_size, d.ciphertext_sha256, d.document_key, {}, \
         d.statement, d.sealed_by, d.created_at FROM documents d",
        metadata_column(backend_of(conn))
    )
}

/// A listed document; a damaged record is listed with empty sealed metadata, which no client
/// opens, so the rest of the list still reaches the caller.
fn summary(row: DocRow) -> ApiResult<DocumentSummary> {
    let (id, case, size, sha, key, metadata, statement, by, at) = row;
    if metadata.is_none() {
        log_damaged(&id);
    }
    Ok(DocumentSummary {
        document_id: parse(&id)?,
        case_id: parse(&case)?,
        ciphertext_size: u64::try_from(size).map_err(ApiError::internal)?,
        ciphertext_sha256: digest_parse(&sha)?,
        document_key: pk_parse(&key)?,
        sealed_metadata: metadata.unwrap_or_default(),
        statement: from_json(&statement)?,
        sealed_by: parse(&by)?,
        created_at: at,
    })
}

/// Every document of a case, oldest first.
pub async fn list_documents(
    conn: &mut AnyConnection,
    case: CaseId,
) -> ApiResult<Vec<DocumentSummary>> {
    let sql = format!(
        "{} WHERE d.case_id = $1 ORDER BY d.created_at, d.id",
        doc_select(conn)
    );
    let rows: Vec<DocRow> = sqlx::query_as(&sql)
        .bind(case.to_string())
        .fetch_all(conn)
        .await?;
    rows.into_iter().map(summary).collect()
}

/// A document as `org` may reach it, with its object key; 404 when `org` has no path to it,
/// 409 `document_damaged` when its stored record was changed outside the server.
pub async fn access(
    conn: &mut AnyConnection,
    document: DocumentId,
    org: OrgId,
) -> ApiResult<(DocumentAccess, String)> {
    let row: (String, String, String, String, String) = sqlx::query_as(
        "SELECT c.id, c.org_id, c.envelope, d.envelope, d.object_key FROM documents d \
         JOIN cases c ON c.id = d.case_id WHERE d.id = $1",
    )
    .bind(document.to_string())
    .fetch_one(&mut *conn)
    .await?;
    let (case, owner, case_envelope, document_envelope, object_key) = row;
    let id = document.to_string();
    // A record changed by hand answers 409 for this document alone (see `document_json`).
    let path = if owner == org.to_string() {
        AccessPath::Case {
            case_envelope: document_json(&case_envelope, Record::Case(&case), "envelope")?,
            document_envelope: document_json(
                &document_envelope,
                Record::Document(&id),
                "envelope",
            )?,
        }
    } else {
        let (envelope, statement): (String, String) = sqlx::query_as(
            "SELECT envelope, statement FROM shares WHERE document_id = $1 AND to_org = $2",
        )
        .bind(document.to_string())
        .bind(org.to_string())
        .fetch_one(&mut *conn)
        .await?;
        AccessPath::Share {
            envelope: document_json(&envelope, Record::Document(&id), "share envelope")?,
            statement: document_json(&statement, Record::Document(&id), "share statement")?,
        }
    };
    let sql = format!("{} WHERE d.id = $1", doc_select(conn));
    let row: DocRow = sqlx::query_as(&sql)
        .bind(document.to_string())
        .fetch_one(&mut *conn)
        .await?;
    if row.5.is_none() {
        log_damaged(&row.0);
        return Err(ApiError::DocumentDamaged);
    }
    Ok((
        DocumentAccess {
            document: summary(row)?,
            path,
        },
        object_key,
    ))
}

/// `GET /v1/cases/{case_id}/documents`.
#[tracing::instrument(
    name = "GET /v1/cases/{case_id}/documents",
    skip_all,
    fields(user.id = %caller.user_id, case.id = %case_id),
)]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(case_id): ApiPath<CaseId>,
) -> ApiResult<Json<Vec<DocumentSummary>>> {
    let member = caller.member()?;
    let mut conn = state.db.reader().acquire().await?;
    owned_case(&mut conn, case_id, member.org_id).await?;
    Ok(Json(list_documents(&mut conn, case_id).await?))
}

/// `GET /v1/documents/{document_id}`: the document and the caller's way to its key.
#[tracing::instrument(
    name = "GET /v1/documents/{document_id}",
    skip_all,
    fields(user.id = %caller.user_id, document.id = %document_id),
)]
pub async fn show(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(document_id): ApiPath<DocumentId>,
) -> ApiResult<Json<DocumentAccess>> {
    let member = caller.member()?;
    let mut conn = state.db.reader().acquire().await?;
    let (access, _) = access(&mut conn, document_id, member.org_id).await?;
    Ok(Json(access))
}

/// `GET /v1/documents/{document_id}/body`: streams the stored age file.
#[tracing::instrument(
    name = "GET /v1/documents/{document_id}/body",
    skip_all,
    fields(user.id = %caller.user_id, document.id = %document_id),
)]
pub async fn body(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(document_id): ApiPath<DocumentId>,
) -> ApiResult<Response> {
    let member = caller.member()?;
    let mut conn = state.db.reader().acquire().await?;
    let (access, object_key) = access(&mut conn, document_id, member.org_id).await?;
    drop(conn);
    stream_object(&state, &object_key, access.document.ciphertext_size).await
}

/// Answers with an object's bytes, streamed, with its length; 404 `object_missing` when the
/// store no longer has it.
///
/// The length sent is the object's own. If it differs from the size recorded at upload, the
/// stored copy was changed behind the server's back: that is logged, and the bytes are sent
/// as they are, so that the client's integrity checks name what is wrong instead of the
/// connection breaking off at a length the object does not have.
pub async fn stream_object(state: &AppState, key: &str, size: u64) -> ApiResult<Response> {
    let result = match state.store.get(&object_store::path::Path::from(key)).await {
        Ok(result) => result,
        Err(object_store::Error::NotFound { .. }) => {
            // Data loss, not a caller's mistake: said once here, at error level.
            tracing::error!(
                object = key,
                "stored object is missing from the object store"
            );
            return Err(ApiError::ObjectMissing);
        }
        Err(err) => return Err(err.into()),
    };
    let stored = result.meta.size;
    if stored != size {
        tracing::error!(
            object = key,
            recorded = size,
            stored,
            "stored object changed size"
        );
    }
    let read = state.metrics.object_body_bytes_read.clone();
    let stream = result
        .into_stream()
        .inspect_ok(move |chunk| {
            read.inc_by(chunk.len() as u64);
        })
        .map_err(std::io::Error::other);
    Ok((
        [
            (header::CONTENT_TYPE, "application/octet-stream".to_owned()),
            (header::CONTENT_LENGTH, stored.to_string()),
        ],
        Body::from_stream(stream),
    )
        .into_response())
}
