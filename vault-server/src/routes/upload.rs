//! `POST /v1/cases/{case_id}/documents`: a sealed document streamed into object storage.
//!
//! The request is multipart with two parts, `manifest` (JSON) and `body` (the age file), in
//! either order; the first part's name decides. Manifest first, every check on the manifest is
//! made before any byte is stored. Body first (a client that uploads while it seals, since the
//! signed statement needs the ciphertext's digest), only the caller and the case are checked
//! before the body; the manifest that follows gets the same checks and must promise exactly the
//! bytes received. The body flows straight into a multipart object upload with bounded memory,
//! and while it flows the server checks the age header, counts bytes against the limit and
//! hashes them. The database row is written only once the object is complete and every check
//! has passed; every failure, including a client that goes away mid-body, aborts the upload or
//! deletes the object so nothing is left behind. The work runs in its own task so that a
//! dropped connection cannot cancel it half-way through its clean-up.
//!
//! While a transfer offer of the case waits, uploads are refused before the body and again in
//! the transaction that writes the row, since the offer could no longer be accepted.

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::Json;
use futures::{StreamExt as _, TryStreamExt as _};
use multer::{Field, Multipart};
use object_store::path::Path;
use tracing::Instrument as _;
use vault_core::api::{DocumentSummary, UploadManifest};
use vault_core::ids::CaseId;
use vault_core::seal::constant_time_eq;
use vault_core::statement::{Claim, KeyScope};

use crate::auth::{Caller, Member};
use crate::checks::{self, mismatch, Expect};
use crate::error::{ApiError, ApiPath, ApiResult};
use crate::objects::sink::Sink;
use crate::routes::cases::owned_case;
use crate::routes::transfer_outcome::no_offer_waiting;
use crate::routes::upload_check::{document_too_large, BodyCheck, Promise, Received};
use crate::state::AppState;

/// Largest manifest part.
pub(crate) const MAX_MANIFEST_BYTES: usize = 64 * 1024;
/// Largest sealed metadata record.
const MAX_METADATA_BYTES: usize = 8 * 1024;
/// Parts of the object upload in flight at once; with 5 MiB parts this bounds memory.
pub(crate) const MAX_PARTS_IN_FLIGHT: usize = 2;
/// After refusing an upload, how much more of the body is read and dropped so the client is
/// still listening when the answer comes, instead of seeing a reset connection.
pub(crate) const DRAIN_LIMIT: u64 = 64 * 1024 * 1024;

/// `POST /v1/cases/{case_id}/documents`.
#[tracing::instrument(
    name = "POST /v1/cases/{case_id}/documents",
    skip_all,
    fields(user.id = %caller.user_id, case.id = %case_id),
)]
pub async fn upload(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(case_id): ApiPath<CaseId>,
    request: Request,
) -> ApiResult<(StatusCode, Json<DocumentSummary>)> {
    let member = caller.member()?;
    let boundary = request
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| multer::parse_boundary(v).ok())
        .ok_or(ApiError::BadRequest(
            "the upload must be multipart/form-data with a boundary",
        ))?;
    let body = super::paced::Paced::new(watched_body(&state, request.into_body()));
    let multipart = Multipart::new(body, boundary);
    let work = run(state.clone(), member, case_id, multipart).in_current_span();
    state
        .stopping
        .spawn_upload(work)
        .await
        .map_err(ApiError::internal)?
}

/// A request body as uploads read it: counted in the metrics, ended early at shutdown (so the
/// upload cleans up as for a lost client), and ended with an error when it goes quiet.
pub(crate) fn watched_body(
    state: &AppState,
    body: axum::body::Body,
) -> futures::stream::BoxStream<'static, Result<bytes::Bytes, axum::Error>> {
    let received = state.metrics.upload_body_bytes.clone();
    let body = body
        .into_data_stream()
        .inspect_ok(move |chunk| {
            received.inc_by(chunk.len() as u64);
        })
        .take_until(Box::pin(state.stopping.aborted()));
    let idle = std::time::Duration::from_secs(state.settings.upload_idle_secs);
    Box::pin(idle_limited(body, idle))
}

/// The answer to a request an upload was serving when the server began shutting down.
pub(crate) fn shutting_down() -> ApiError {
    ApiError::Unavailable("the server is shutting down; send the document again")
}

async fn run(
    state: AppState,
    member: Member,
    case_id: CaseId,
    mut multipart: Multipart<'static>,
) -> ApiResult<(StatusCode, Json<DocumentSummary>)> {
    let mut result = receive(&state, &member, case_id, &mut multipart).await;
    if result.is_err() && state.stopping.is_aborted() {
        tracing::warn!("upload aborted by shutdown");
        result = Err(shutting_down());
    } else if result.is_err() {
        drain(&mut multipart).await;
    }
    result.map(|summary| (StatusCode::CREATED, Json(summary)))
}

async fn receive(
    state: &AppState,
    member: &Member,
    case_id: CaseId,
    multipart: &mut Multipart<'static>,
) -> ApiResult<DocumentSummary> {
    let first = multipart
        .next_field()
        .await
        .map_err(|e| multipart_error(&e))?;
    match first {
        Some(field) if field.name() == Some("manifest") => {
            manifest_first(state, member, case_id, field, multipart).await
        }
        Some(field) if field.name() == Some("body") => {
            body_first(state, member, case_id, field, multipart).await
        }
        _ => Err(parts_error()),
    }
}

/// The manifest, then the body: every check on the manifest before a byte is stored.
async fn manifest_first(
    state: &AppState,
    member: &Member,
    case_id: CaseId,
    field: Field<'static>,
    multipart: &mut Multipart<'static>,
) -> ApiResult<DocumentSummary> {
    let manifest = read_manifest(field).await?;
    let promise = check_manifest(state, member, case_id, &manifest).await?;
    let field = next_part(multipart, "body").await?;
    let key = crate::objects::new_document_key(manifest.document_id);
    store_body(state, &key, field, Some(&promise)).await?;
    let inserted = async {
        no_more_parts(multipart).await?;
        super::upload_row::insert(state, member, case_id, &manifest, &key).await
    }
    .await;
    kept_or_deleted(state, &key, inserted).await
}

/// The body, then the manifest: what a client sends while it is still sealing, because the
/// statement signs the ciphertext's digest. Only the caller and the case can be checked before
/// the body; it goes to a fresh key, and is deleted unless the manifest then passes every check
/// and promises exactly the bytes received.
async fn body_first(
    state: &AppState,
    member: &Member,
    case_id: CaseId,
    field: Field<'static>,
    multipart: &mut Multipart<'static>,
) -> ApiResult<DocumentSummary> {
    {
        let mut conn = state.db.reader().acquire().await?;
        owned_case(&mut conn, case_id, member.org_id).await?;
        no_offer_waiting(&mut conn, case_id).await?;
    }
    let key = crate::objects::new_received_key();
    let received = store_body(state, &key, field, None).await?;
    let inserted = async {
        let field = next_part(multipart, "manifest").await?;
        let manifest = read_manifest(field).await?;
        no_more_parts(multipart).await?;
        let promise = check_manifest(state, member, case_id, &manifest).await?;
        received.matches(&promise)?;
        super::upload_row::insert(state, member, case_id, &manifest, &key).await
    }
    .await;
    kept_or_deleted(state, &key, inserted).await
}

/// Ends `body` with an error when no piece of it arrives for `idle`: a client that goes quiet
/// mid-upload is treated as one that went away, so its half-received object is removed instead
/// of held for as long as the connection stays open.
fn idle_limited<S>(
    body: S,
    idle: std::time::Duration,
) -> impl futures::Stream<Item = Result<bytes::Bytes, axum::Error>>
where
    S: futures::Stream<Item = Result<bytes::Bytes, axum::Error>> + Unpin,
{
    futures::stream::unfold(Some(body), move |body| async move {
        let mut body = body?;
        match tokio::time::timeout(idle, body.next()).await {
            Ok(Some(piece)) => Some((piece, Some(body))),
            Ok(None) => None,
            Err(_) => {
                tracing::warn!(
                    idle_secs = idle.as_secs(),
                    "upload body went quiet; abandoned"
                );
                let quiet = std::io::Error::new(std::io::ErrorKind::TimedOut, "body went quiet");
                Some((Err(axum::Error::new(quiet)), None))
            }
        }
    })
}

/// Keeps a complete object whose row was written; otherwise deletes it, once.
pub(crate) async fn kept_or_deleted(
    state: &AppState,
    key: &Path,
    inserted: ApiResult<DocumentSummary>,
) -> ApiResult<DocumentSummary> {
    match &inserted {
        Ok(summary) => {
            tracing::info!(
                document.id = %summary.document_id,
                size = summary.ciphertext_size,
                "document stored"
            );
        }
        Err(_) => {
            if let Err(cleanup) = state.store.delete(key).await {
                tracing::error!(
                    error = %cleanup,
                    "could not delete an object after a failed upload"
                );
            }
        }
    }
    inserted
}

async fn read_manifest(field: Field<'static>) -> ApiResult<UploadManifest> {
    let bytes = read_small(field, "the manifest", MAX_MANIFEST_BYTES).await?;
    parse_manifest(&bytes)
}

/// The manifest's JSON, with the one answer every malformed manifest gets.
pub(crate) fn parse_manifest(bytes: &[u8]) -> ApiResult<UploadManifest> {
    serde_json::from_slice(bytes).map_err(|_| {
        tracing::warn!("upload manifest is not valid JSON");
        ApiError::BadRequest("the manifest is not valid JSON of the expected shape")
    })
}

fn parts_error() -> ApiError {
    ApiError::BadRequest("the upload must have a manifest part and a body part, in either order")
}

fn multipart_error(err: &multer::Error) -> ApiError {
    tracing::warn!(reason = %err, "upload body ended or is malformed");
    ApiError::BadRequest("the multipart body is malformed or ended early")
}

async fn next_part(multipart: &mut Multipart<'static>, name: &str) -> ApiResult<Field<'static>> {
    let field = multipart
        .next_field()
        .await
        .map_err(|e| multipart_error(&e))?;
    match field {
        Some(field) if field.name() == Some(name) => Ok(field),
        _ => Err(parts_error()),
    }
}

/// The request must end after its two parts: anything else is refused, not ignored.
async fn no_more_parts(multipart: &mut Multipart<'static>) -> ApiResult<()> {
    match multipart.next_field().await {
        Ok(None) => Ok(()),
        Ok(Some(_)) => Err(ApiError::BadRequest(
            "the upload has a part other than its manifest and its body",
        )),
        Err(e) => Err(multipart_error(&e)),
    }
}

/// A part of at most `limit` bytes, read whole; over that, 413 naming it as `what`.
async fn read_small(
    mut field: Field<'static>,
    what: &'static str,
    limit: usize,
) -> ApiResult<Vec<u8>> {
    let mut out = Vec::new();
    while let Some(chunk) = field.chunk().await.map_err(|e| multipart_error(&e))? {
        if out.len() + chunk.len() > limit {
            return Err(ApiError::too_large(what, limit));
        }
        out.extend_from_slice(&chunk);
    }
    Ok(out)
}

/// Every check on the manifest, before a byte of the body is stored.
pub(crate) async fn check_manifest(
    state: &AppState,
    member: &Member,
    case_id: CaseId,
    manifest: &UploadManifest,
) -> ApiResult<Promise> {
    let Claim::DocumentSealed {
        org,
        case,
        document,
        ciphertext_sha256,
        ciphertext_size,
        metadata_sha256,
        document_key,
    } = checks::signed_by(&manifest.statement, &member.signing_key)?
    else {
        return Err(mismatch("the statement is not document-sealed"));
    };
    let names_this = org == member.org_id
        && case == case_id
        && document == manifest.document_id
        && document_key == manifest.document_key.fingerprint();
    if !names_this {
        return Err(mismatch(
            "the statement names another organisation, case, document or key",
        ));
    }
    if ciphertext_size > state.settings.max_upload_bytes {
        return Err(document_too_large(state.settings.max_upload_bytes));
    }
    let metadata = &manifest.sealed_metadata;
    if metadata.len() > MAX_METADATA_BYTES {
        return Err(ApiError::BadRequest(
            "the sealed metadata is larger than 8 KiB",
        ));
    }
    if !constant_time_eq(&metadata_sha256, &vault_core::sha256(metadata)) {
        return Err(mismatch("the sealed metadata differs from the statement"));
    }
    checks::age_file(metadata, "the sealed metadata is not an age file")?;
    let mut conn = state.db.reader().acquire().await?;
    let case = owned_case(&mut conn, case_id, member.org_id).await?;
    no_offer_waiting(&mut conn, case_id).await?;
    let expect = Expect {
        org: member.org_id,
        scope: KeyScope::Document(manifest.document_id),
        key: manifest.document_key.fingerprint(),
        recipient: case.case_key.fingerprint(),
    };
    checks::envelope(&manifest.envelope, &member.signing_key, &expect)?;
    let taken: Option<(String,)> = sqlx::query_as("SELECT id FROM documents WHERE id = $1")
        .bind(manifest.document_id.to_string())
        .fetch_optional(&mut *conn)
        .await?;
    if taken.is_some() {
        return Err(ApiError::Conflict("the document id is already taken"));
    }
    Ok(Promise {
        size: ciphertext_size,
        sha256: ciphertext_sha256,
    })
}

/// Streams the body into a new object, checked against `promise` when it is already known.
/// Whatever fails (a part, a check on the bytes, the client's connection), the object upload
/// is aborted once and the first error is returned.
async fn store_body(
    state: &AppState,
    key: &Path,
    mut field: Field<'static>,
    promise: Option<&Promise>,
) -> ApiResult<Received> {
    let mut sink = Sink::start(state.store.clone(), key.clone(), MAX_PARTS_IN_FLIGHT).await?;
    let mut check = BodyCheck::new(state.settings.max_upload_bytes);
    let written = &state.metrics.object_body_bytes_written;
    let outcome = loop {
        match field.chunk().await {
            Ok(Some(chunk)) => {
                if let Err(err) = check.feed(&chunk) {
                    break Err(err);
                }
                let len = chunk.len() as u64;
                if let Err(err) = sink.write(chunk).await {
                    break Err(ApiError::from(err));
                }
                written.inc_by(len);
            }
            Ok(None) => {
                break check.finish().and_then(|received| {
                    promise.map_or(Ok(()), |p| received.matches(p))?;
                    Ok(received)
                })
            }
            Err(err) => break Err(multipart_error(&err)),
        }
    };
    match outcome {
        Ok(received) => {
            sink.finish().await?;
            Ok(received)
        }
        Err(err) => {
            sink.abort().await;
            Err(err)
        }
    }
}

/// Reads and drops what is left of a refused body, up to [`DRAIN_LIMIT`].
async fn drain(multipart: &mut Multipart<'static>) {
    let mut read = 0u64;
    while let Ok(Some(mut field)) = multipart.next_field().await {
        while let Ok(Some(chunk)) = field.chunk().await {
            read += chunk.len() as u64;
            if read > DRAIN_LIMIT {
                return;
            }
        }
    }
}
