//! The append-only Merkle log over HTTP: signed checkpoints, proofs, leaves, cosignatures.
//!
//! Any logged-in account but a pending member may read the latest checkpoint, ask for proofs and
//! find the leaf of a statement it holds, since clients check every action and every key
//! against the log. Reading
//! leaves in bulk, listing every checkpoint and cosigning are for auditors. Every query
//! parameter is required where a proof needs it, bounded, and checked against the log's size
//! before anything is read; a refusal names the rule, never echoes the value.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use vault_core::api::{
    ConsistencyProof, CosignRequest, HexHash, InclusionProof, LogCheckpoint, LogEntry,
};

use crate::auth::Caller;
use crate::db::{checkpoints, log};
use crate::error::{ApiError, ApiJson, ApiPath, ApiResult};
use crate::state::AppState;

/// Most leaves one `GET /v1/log/leaves` answers.
pub const MAX_LEAVES: u64 = 1000;
/// Most checkpoints one `GET /v1/log/checkpoints` answers.
pub const MAX_CHECKPOINTS: u32 = 1000;

/// A query that did not parse, answered with `message`.
fn query<T>(parsed: Result<Query<T>, QueryRejection>, message: &'static str) -> ApiResult<T> {
    parsed
        .map(|Query(value)| value)
        .map_err(|_| ApiError::BadRequest(message))
}

/// Query of `GET /v1/log/checkpoint`.
#[derive(Debug, Deserialize)]
pub struct CheckpointQuery {
    /// Only a checkpoint this witness (by key name) cosigned.
    pub witness: Option<String>,
}

/// `GET /v1/log/checkpoint[?witness=NAME]`: the latest checkpoint, or the latest one the
/// witness cosigned (404 if none).
#[tracing::instrument(name = "GET /v1/log/checkpoint", skip_all, fields(user.id = %caller.user_id))]
pub async fn checkpoint(
    State(state): State<AppState>,
    caller: Caller,
    params: Result<Query<CheckpointQuery>, QueryRejection>,
) -> ApiResult<Json<LogCheckpoint>> {
    caller.not_pending()?;
    const BAD_WITNESS: &str = "witness is a key name of 1 to 200 characters without spaces or '+'";
    let params = query(params, BAD_WITNESS)?;
    let note = match params.witness {
        None => checkpoints::latest(&state).await?,
        Some(name) => {
            let plain = |c: char| !c.is_whitespace() && !c.is_control() && c != '+';
            if name.is_empty() || name.len() > 200 || !name.chars().all(plain) {
                return Err(ApiError::BadRequest(BAD_WITNESS));
            }
            let mut conn = state.db.reader().acquire().await?;
            checkpoints::witnessed_by(&mut conn, &name)
                .await?
                .ok_or(ApiError::NotFound)?
        }
    };
    Ok(Json(LogCheckpoint { note }))
}

/// Query of `GET /v1/log/checkpoints`.
#[derive(Debug, Deserialize)]
pub struct CheckpointsQuery {
    /// Only checkpoints of larger tree sizes.
    pub after: Option<u64>,
    /// At most this many (default 100, at most 1000).
    pub limit: Option<u32>,
}

/// `GET /v1/log/checkpoints?after=SIZE&limit=N` (auditor): stored checkpoints, oldest first.
#[tracing::instrument(
    name = "GET /v1/log/checkpoints",
    skip_all,
    fields(user.id = %caller.user_id),
)]
pub async fn checkpoints(
    State(state): State<AppState>,
    caller: Caller,
    params: Result<Query<CheckpointsQuery>, QueryRejection>,
) -> ApiResult<Json<Vec<LogCheckpoint>>> {
    caller.auditor()?;
    const BAD: &str = "after is 0 or more and limit is 1 to 1000";
    let params = query(params, BAD)?;
    let limit = params.limit.unwrap_or(100);
    if !(1..=MAX_CHECKPOINTS).contains(&limit) {
        return Err(ApiError::BadRequest(BAD));
    }
    let mut conn = state.db.reader().acquire().await?;
    let until = log::size(&mut conn).await?;
    // No checkpoint is of a size past the log's; answering here also spares the database an
    // `after` too large for its integer type.
    if params.after.is_some_and(|after| after >= until) {
        return Ok(Json(Vec::new()));
    }
    let notes = checkpoints::list(&mut conn, params.after, until, limit).await?;
    Ok(Json(
        notes
            .into_iter()
            .map(|note| LogCheckpoint { note })
            .collect(),
    ))
}

/// Query of `GET /v1/log/proof/inclusion`.
#[derive(Debug, Deserialize)]
pub struct InclusionQuery {
    /// The leaf.
    pub index: u64,
    /// The tree size.
    pub size: u64,
}

/// `GET /v1/log/proof/inclusion?index=I&size=N`.
#[tracing::instrument(
    name = "GET /v1/log/proof/inclusion",
    skip_all,
    fields(user.id = %caller.user_id),
)]
pub async fn inclusion(
    State(state): State<AppState>,
    caller: Caller,
    params: Result<Query<InclusionQuery>, QueryRejection>,
) -> ApiResult<Json<InclusionProof>> {
    caller.not_pending()?;
    const BAD: &str = "index and size are required whole numbers, index below size, and size \
                       at most the log's size";
    let InclusionQuery { index, size } = query(params, BAD)?;
    let mut conn = state.db.reader().acquire().await?;
    if index >= size || size > log::size(&mut conn).await? {
        return Err(ApiError::BadRequest(BAD));
    }
    let proof = log::inclusion(&mut conn, index, size).await?;
    Ok(Json(InclusionProof {
        index,
        size,
        proof: proof.into_iter().map(HexHash).collect(),
    }))
}

/// Query of `GET /v1/log/proof/consistency`.
#[derive(Debug, Deserialize)]
pub struct ConsistencyQuery {
    /// The older size.
    pub from: u64,
    /// The newer size.
    pub to: u64,
}

/// `GET /v1/log/proof/consistency?from=M&to=N`.
#[tracing::instrument(
    name = "GET /v1/log/proof/consistency",
    skip_all,
    fields(user.id = %caller.user_id),
)]
pub async fn consistency(
    State(state): State<AppState>,
    caller: Caller,
    params: Result<Query<ConsistencyQuery>, QueryRejection>,
) -> ApiResult<Json<ConsistencyProof>> {
    caller.not_pending()?;
    const BAD: &str = "from and to are required whole numbers, from at most to, and to at most \
                       the log's size";
    let ConsistencyQuery { from, to } = query(params, BAD)?;
    let mut conn = state.db.reader().acquire().await?;
    if from > to || to > log::size(&mut conn).await? {
        return Err(ApiError::BadRequest(BAD));
    }
    let proof = log::consistency(&mut conn, from, to).await?;
    Ok(Json(ConsistencyProof {
        from,
        to,
        proof: proof.into_iter().map(HexHash).collect(),
    }))
}

/// Query of `GET /v1/log/leaves`.
#[derive(Debug, Deserialize)]
pub struct LeavesQuery {
    /// First leaf.
    pub start: u64,
    /// One past the last leaf.
    pub end: u64,
}

/// `GET /v1/log/leaves?start=S&end=E` (auditor): at most 1000 leaves, as stored.
#[tracing::instrument(name = "GET /v1/log/leaves", skip_all, fields(user.id = %caller.user_id))]
pub async fn leaves(
    State(state): State<AppState>,
    caller: Caller,
    params: Result<Query<LeavesQuery>, QueryRejection>,
) -> ApiResult<Json<Vec<LogEntry>>> {
    caller.auditor()?;
    const BAD: &str = "start and end are required whole numbers, start below end, end at most \
                       the log's size, and at most 1000 leaves at once";
    let LeavesQuery { start, end } = query(params, BAD)?;
    let mut conn = state.db.reader().acquire().await?;
    if start >= end || end - start > MAX_LEAVES || end > log::size(&mut conn).await? {
        return Err(ApiError::BadRequest(BAD));
    }
    let rows = log::leaves(&mut conn, start, end).await?;
    Ok(Json(rows.into_iter().map(entry).collect::<ApiResult<_>>()?))
}

fn entry((index, leaf): (u64, Vec<u8>)) -> ApiResult<LogEntry> {
    let leaf = String::from_utf8(leaf).map_err(ApiError::internal)?;
    Ok(LogEntry { index, leaf })
}

/// `GET /v1/log/by-statement/{sha256}`: the first leaf carrying the statement with that
/// digest ([`vault_core::statement::SignedStatement::digest`], lower-case hex).
#[tracing::instrument(
    name = "GET /v1/log/by-statement/{sha256}",
    skip_all,
    fields(user.id = %caller.user_id),
)]
pub async fn by_statement(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(digest): ApiPath<String>,
) -> ApiResult<Json<LogEntry>> {
    caller.not_pending()?;
    let hex_digit = |c: char| c.is_ascii_digit() || ('a'..='f').contains(&c);
    if digest.len() != 64 || !digest.chars().all(hex_digit) {
        return Err(ApiError::BadRequest(
            "the statement digest is 64 lower-case hex digits",
        ));
    }
    let mut conn = state.db.reader().acquire().await?;
    let found = log::by_statement(&mut conn, &digest).await?;
    Ok(Json(entry(found.ok_or(ApiError::NotFound)?)?))
}

/// `POST /v1/log/cosignatures` (auditor): stores a witness's cosignature after checking it
/// against the stored checkpoint of that size and the witness key given: 201 when it is
/// stored (a later one replaces that key's earlier one), 200 with nothing changed when that
/// key's stored cosignature of that checkpoint is as late or later.
#[tracing::instrument(
    name = "POST /v1/log/cosignatures",
    skip_all,
    fields(user.id = %caller.user_id),
)]
pub async fn cosign(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(req): ApiJson<CosignRequest>,
) -> ApiResult<(StatusCode, Json<LogCheckpoint>)> {
    caller.auditor()?;
    let (note, outcome) =
        checkpoints::add(&state, &req.witness_key, &req.cosignature, req.size).await?;
    let status = match outcome {
        checkpoints::Cosigned::Stored => StatusCode::CREATED,
        checkpoints::Cosigned::Kept => StatusCode::OK,
    };
    Ok((status, Json(LogCheckpoint { note })))
}
