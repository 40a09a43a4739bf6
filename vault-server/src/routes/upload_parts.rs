//! A sealed document uploaded in parts, for a client that cannot stream one request body (a
//! browser over HTTP/1.1 seals in the page and sends the ciphertext in bounded pieces as it
//! goes, then the signed manifest). The rules are those of the one-request upload's body-first
//! order ([`super::upload`]): the caller and the case are checked when the upload begins; each
//! part gets the byte checks as it arrives and goes straight to the object; the manifest at the
//! end gets every check and must promise exactly the bytes received, and only then is the row
//! written. Whatever fails after the first part is refused by a check leaves nothing behind.
//!
//! A part is read whole (at most [`PART_BYTES_MAX`]) before any of it is checked or stored, so
//! a part whose request breaks off changes nothing and may be sent again. Work that changes an
//! upload runs in a task of its own (as the one-request upload does), so a client that goes
//! away cannot cut it off half-way.

use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
use axum::Json;
use bytes::{Bytes, BytesMut};
use futures::stream::BoxStream;
use futures::StreamExt as _;
use serde::Serialize;
use std::sync::Arc;
use tracing::Instrument as _;
use uuid::Uuid;
use vault_core::api::DocumentSummary;
use vault_core::ids::CaseId;

use super::upload::{self, shutting_down, watched_body, MAX_MANIFEST_BYTES, MAX_PARTS_IN_FLIGHT};
use super::upload_open::{self, Held, Open, Work};
use crate::auth::{Caller, Member};
use crate::error::{ApiError, ApiPath, ApiResult};
use crate::objects::sink::Sink;
use crate::routes::cases::owned_case;
use crate::routes::transfer_outcome::no_offer_waiting;
use crate::state::AppState;

/// Largest part.
pub const PART_BYTES_MAX: usize = 8 * 1024 * 1024;
/// How much of a refused request is read and dropped so the client hears the answer instead
/// of a reset connection: a part is never larger than [`PART_BYTES_MAX`].
const PART_DRAIN_LIMIT: usize = 2 * PART_BYTES_MAX;

/// The answer to beginning an upload.
#[derive(Serialize)]
pub struct UploadStarted {
    /// Names the upload in the calls that follow.
    pub upload_id: Uuid,
    /// The largest part accepted, in bytes.
    pub part_bytes_max: usize,
}

/// The answer to a part.
#[derive(Serialize)]
pub struct PartReceived {
    /// Bytes of the upload received so far, this part included.
    pub received: u64,
}

type Body = BoxStream<'static, Result<Bytes, axum::Error>>;

/// `POST /v1/cases/{case_id}/uploads`: begins an upload in parts.
#[tracing::instrument(
    name = "POST /v1/cases/{case_id}/uploads",
    skip_all,
    fields(user.id = %caller.user_id, case.id = %case_id),
)]
pub async fn start(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(case_id): ApiPath<CaseId>,
) -> ApiResult<(StatusCode, Json<UploadStarted>)> {
    let member = caller.member()?;
    if state.stopping.is_aborted() {
        return Err(shutting_down());
    }
    {
        let mut conn = state.db.reader().acquire().await?;
        owned_case(&mut conn, case_id, member.org_id).await?;
        no_offer_waiting(&mut conn, case_id).await?;
    }
    state.uploads.room_for(member.user_id)?;
    let key = crate::objects::new_received_key();
    let sink = Sink::start(state.store.clone(), key.clone(), MAX_PARTS_IN_FLIGHT).await?;
    let limit = state.settings.max_upload_bytes;
    let open = Arc::new(Open::new(member.user_id, case_id, key, sink, limit));
    let upload_id = state.uploads.insert(Arc::clone(&open))?;
    upload_open::watch(&state, upload_id, open);
    tracing::info!(upload.id = %upload_id, "upload in parts begun");
    let started = UploadStarted {
        upload_id,
        part_bytes_max: PART_BYTES_MAX,
    };
    Ok((StatusCode::CREATED, Json(started)))
}

/// `PUT /v1/uploads/{upload_id}/parts/{n}`: the next part's bytes.
#[tracing::instrument(
    name = "PUT /v1/uploads/{upload_id}/parts/{n}",
    skip_all,
    fields(user.id = %caller.user_id, upload.id = %upload_id, part = tracing::field::Empty),
)]
pub async fn put_part(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((upload_id, n)): ApiPath<(Uuid, String)>,
    request: Request,
) -> ApiResult<Json<PartReceived>> {
    let declared = declared_length(&request);
    let mut body = watched_body(&state, request.into_body());
    let n = match part_number(&n) {
        Ok(n) => n,
        Err(err) => return Err(drained(&mut body, err).await),
    };
    tracing::Span::current().record("part", n);
    let member = caller.member()?;
    let (open, held) = match hold(&state, upload_id, member.user_id, Some(n)) {
        Ok(found) => found,
        Err(err) => return Err(drained(&mut body, err).await),
    };
    open.touch();
    let bytes = read_part(&state, &mut body, declared).await?;
    let work = feed(state.clone(), upload_id, open, held, bytes).in_current_span();
    let received = state
        .stopping
        .spawn_upload(work)
        .await
        .map_err(ApiError::internal)??;
    Ok(Json(PartReceived { received }))
}

/// `POST /v1/uploads/{upload_id}/finish`: the signed manifest; the document is stored or,
/// on any fault, the upload is discarded.
#[tracing::instrument(
    name = "POST /v1/uploads/{upload_id}/finish",
    skip_all,
    fields(user.id = %caller.user_id, upload.id = %upload_id),
)]
pub async fn finish(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(upload_id): ApiPath<Uuid>,
    request: Request,
) -> ApiResult<(StatusCode, Json<DocumentSummary>)> {
    let member = caller.member()?;
    let mut body = watched_body(&state, request.into_body());
    let (open, mut held) = match hold(&state, upload_id, member.user_id, None) {
        Ok(found) => found,
        Err(err) => return Err(drained(&mut body, err).await),
    };
    // Read before the upload ends, so a request that breaks off leaves it as it was.
    let manifest = read_manifest(&state, &mut body).await?;
    let work = upload_open::end(&state, upload_id, &open, &mut held).ok_or(ApiError::NotFound)?;
    drop(held);
    let completing = complete(state.clone(), member, open, work, manifest).in_current_span();
    let summary = state
        .stopping
        .spawn_upload(completing)
        .await
        .map_err(ApiError::internal)?
        .map_err(|err| or_shutting_down(&state, err))?;
    Ok((StatusCode::CREATED, Json(summary)))
}

/// `DELETE /v1/uploads/{upload_id}`: discards the upload; nothing of it is kept.
#[tracing::instrument(
    name = "DELETE /v1/uploads/{upload_id}",
    skip_all,
    fields(user.id = %caller.user_id, upload.id = %upload_id),
)]
pub async fn cancel(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(upload_id): ApiPath<Uuid>,
) -> ApiResult<StatusCode> {
    let member = caller.member()?;
    let open = state.uploads.get(upload_id, member.user_id)?;
    // A part still being taken in finishes first.
    let mut held = Arc::clone(&open.work).lock_owned().await;
    if held.is_none() {
        return Err(ApiError::NotFound);
    }
    let cleaning = {
        let state = state.clone();
        async move { upload_open::discard(&state, upload_id, &open, &mut held).await }
    };
    state
        .stopping
        .spawn_upload(cleaning.in_current_span())
        .await
        .map_err(ApiError::internal)?;
    Ok(StatusCode::NO_CONTENT)
}

/// The caller's upload `id` and its work, held for this request. A part (`Some(n)`) must be
/// the next one; a request on an upload another request is using is refused, not queued.
fn hold(
    state: &AppState,
    id: Uuid,
    user: vault_core::ids::UserId,
    part: Option<u64>,
) -> ApiResult<(Arc<Open>, Held)> {
    if state.stopping.is_aborted() {
        return Err(shutting_down());
    }
    let open = state.uploads.get(id, user)?;
    let held = Arc::clone(&open.work).try_lock_owned().map_err(|_| {
        tracing::warn!("refused a request on an upload another request is using");
        ApiError::Conflict("another request on this upload is still being handled")
    })?;
    let Some(work) = held.as_ref() else {
        return Err(ApiError::NotFound);
    };
    if part.is_some_and(|n| n != work.next) {
        tracing::warn!(expected = work.next, "refused a part out of order");
        return Err(ApiError::Conflict(
            "the parts must be sent in order, each once",
        ));
    }
    Ok((open, held))
}

/// Checks and stores a part read whole. A check that refuses it discards the whole upload.
async fn feed(
    state: AppState,
    id: Uuid,
    open: Arc<Open>,
    mut held: Held,
    bytes: Bytes,
) -> ApiResult<u64> {
    let Some(work) = held.as_mut() else {
        return Err(ApiError::NotFound);
    };
    let len = bytes.len() as u64;
    let stored = match work.check.feed(&bytes) {
        Ok(()) => work.sink.write(bytes).await.map_err(ApiError::from),
        Err(refused) => Err(refused),
    };
    if let Err(err) = stored {
        upload_open::discard(&state, id, &open, &mut held).await;
        return Err(or_shutting_down(&state, err));
    }
    state.metrics.object_body_bytes_written.inc_by(len);
    work.next += 1;
    open.touch();
    let received = work.check.count();
    tracing::debug!(bytes = len, received, "part stored");
    Ok(received)
}

/// The end of an upload, as the body-first order of the one-request upload ends: the bytes,
/// then the manifest's checks, then the object completed and the row written. Any fault
/// removes the object.
async fn complete(
    state: AppState,
    member: Member,
    open: Arc<Open>,
    work: Work,
    manifest: ApiResult<Vec<u8>>,
) -> ApiResult<DocumentSummary> {
    let Work { sink, check, .. } = work;
    let checked = async {
        let received = check.finish()?;
        let manifest = upload::parse_manifest(&manifest?)?;
        let promise = upload::check_manifest(&state, &member, open.case, &manifest).await?;
        received.matches(&promise)?;
        Ok(manifest)
    }
    .await;
    let manifest = match checked {
        Ok(manifest) => manifest,
        Err(err) => {
            sink.abort().await;
            return Err(err);
        }
    };
    sink.finish().await?;
    let inserted = super::upload_row::insert(&state, &member, open.case, &manifest, &open.key);
    upload::kept_or_deleted(&state, &open.key, inserted.await).await
}

/// The part number of a path, in digits only (the path is not logged: a mistyped one can
/// carry anything). A number too large for any upload can never be the next part: it gets
/// the out-of-order answer, after the checks of the upload itself.
fn part_number(raw: &str) -> ApiResult<u64> {
    if raw.is_empty() || !raw.bytes().all(|b| b.is_ascii_digit()) {
        tracing::warn!("refused a part number that is not written in digits");
        return Err(ApiError::BadRequest(
            "the part number must be written in digits: 0 for the first part, then 1, 2 and so on",
        ));
    }
    Ok(raw.parse().unwrap_or(u64::MAX))
}

/// The `Content-Length` of a request, when it says one.
fn declared_length(request: &Request) -> Option<u64> {
    request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
}

/// A part's bytes, whole: 413 for more than [`PART_BYTES_MAX`], 400 for none or for a body
/// that breaks off (503 when that is the server shutting down).
async fn read_part(state: &AppState, body: &mut Body, declared: Option<u64>) -> ApiResult<Bytes> {
    if declared.is_some_and(|n| n > PART_BYTES_MAX as u64) {
        return Err(drained(body, ApiError::too_large("the part", PART_BYTES_MAX)).await);
    }
    let start = declared.map_or(0, |n| n as usize);
    let bytes = read_within(body, "the part", PART_BYTES_MAX, start)
        .await
        .map_err(|err| or_shutting_down(state, err))?;
    // At shutdown the body stops as if it were complete: what came is not the whole part.
    if state.stopping.is_aborted() {
        return Err(shutting_down());
    }
    if bytes.is_empty() {
        return Err(ApiError::BadRequest("a part must hold at least one byte"));
    }
    Ok(bytes.freeze())
}

/// The manifest's bytes, or 413 when there are more than the one-request upload takes. A body
/// that breaks off is an error returned at once (the upload is left as it was).
async fn read_manifest(state: &AppState, body: &mut Body) -> ApiResult<ApiResult<Vec<u8>>> {
    match read_within(body, "the manifest", MAX_MANIFEST_BYTES, 0).await {
        Ok(_) if state.stopping.is_aborted() => Err(shutting_down()),
        Ok(bytes) => Ok(Ok(bytes.to_vec())),
        Err(too_large @ ApiError::PayloadTooLarge { .. }) => Ok(Err(too_large)),
        Err(err) => Err(or_shutting_down(state, err)),
    }
}

/// Reads the whole body into one buffer of at most `max` bytes (`capacity` reserved first);
/// past that, drops the rest (see [`drained`]) and answers 413 naming the body as `what`.
async fn read_within(
    body: &mut Body,
    what: &'static str,
    max: usize,
    capacity: usize,
) -> ApiResult<BytesMut> {
    let mut out = BytesMut::with_capacity(capacity.min(max));
    while let Some(piece) = body.next().await {
        let piece = piece.map_err(|_| broken())?;
        if out.len() + piece.len() > max {
            tracing::warn!(max, "refused a request body over its limit");
            return Err(drained(body, ApiError::too_large(what, max)).await);
        }
        out.extend_from_slice(&piece);
    }
    Ok(out)
}

/// Reads and drops what is left of a refused body, up to [`PART_DRAIN_LIMIT`], then hands
/// back `err`.
async fn drained(body: &mut Body, err: ApiError) -> ApiError {
    let mut read = 0;
    while let Some(Ok(piece)) = body.next().await {
        read += piece.len();
        if read > PART_DRAIN_LIMIT {
            break;
        }
    }
    err
}

fn broken() -> ApiError {
    tracing::warn!("upload request body ended early or went quiet");
    ApiError::BadRequest("the request body ended early; send it again")
}

/// `err`, or the shutdown answer when the server is shutting down (which cut it short).
fn or_shutting_down(state: &AppState, err: ApiError) -> ApiError {
    if state.stopping.is_aborted() {
        tracing::warn!("upload request cut short by shutdown");
        shutting_down()
    } else {
        err
    }
}
