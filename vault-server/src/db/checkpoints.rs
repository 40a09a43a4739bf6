//! Signed checkpoints of the Merkle log, one per tree size, and the witnesses' cosignatures.
//!
//! A checkpoint is made when someone asks for the latest one and the log has grown since the
//! last: signed outside any transaction, then stored under the write lock unless another
//! request or replica stored one of that size first, in which case theirs is served. Notes are
//! stored without cosignatures; the lines witnesses add are kept beside them, the latest one
//! per witness key and checkpoint, and appended whenever the note is served.

use std::collections::BTreeMap;

use sqlx::AnyConnection;
use vault_core::checkpoint::{self, Checkpoint, Cosignature, SignedCheckpoint, WitnessKey};

use super::{log, now};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// The checkpoint of the log's current size with its cosignatures, made if there is none.
pub async fn latest(state: &AppState) -> ApiResult<String> {
    let mut conn = state.db.reader().acquire().await?;
    let size = log::size(&mut conn).await?;
    if let Some(note) = at_size(&mut conn, size).await? {
        return Ok(note);
    }
    let root = log::root(&mut conn, size).await?;
    drop(conn);
    let made = Checkpoint {
        origin: state.log.origin().to_owned(),
        size,
        root,
        time: u64::try_from(now()).map_err(ApiError::internal)?,
    };
    let note = state.log.sign(&made);
    let mut tx = state.db.begin().await?;
    if let Some(note) = at_size(&mut tx, size).await? {
        return Ok(note);
    }
    sqlx::query("INSERT INTO log_checkpoints (size, root, at, note) VALUES ($1, $2, $3, $4)")
        .bind(signed(size)?)
        .bind(root.as_slice())
        .bind(now())
        .bind(&note)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    tracing::debug!(size, "checkpoint signed");
    Ok(note)
}

fn signed(size: u64) -> ApiResult<i64> {
    i64::try_from(size).map_err(ApiError::internal)
}

/// The stored checkpoint of tree size `size` with its cosignatures, if there is one.
pub async fn at_size(conn: &mut AnyConnection, size: u64) -> ApiResult<Option<String>> {
    let notes = list(conn, size.checked_sub(1), size, 1).await?;
    Ok(notes.into_iter().next())
}

/// Stored checkpoints of sizes above `after` (all when `None`) up to `until`, oldest first, at
/// most `limit`, each with its cosignatures.
pub async fn list(
    conn: &mut AnyConnection,
    after: Option<u64>,
    until: u64,
    limit: u32,
) -> ApiResult<Vec<String>> {
    let after = after.map_or(Ok(-1), signed)?;
    let rows: Vec<(i64, String)> = sqlx::query_as(
        "SELECT size, note FROM log_checkpoints WHERE size > $1 AND size <= $2 \
         ORDER BY size LIMIT $3",
    )
    .bind(after)
    .bind(signed(until)?)
    .bind(i64::from(limit))
    .fetch_all(&mut *conn)
    .await?;
    let (Some((first, _)), Some((last, _))) = (rows.first(), rows.last()) else {
        return Ok(Vec::new());
    };
    let lines: Vec<(i64, String)> = sqlx::query_as(
        "SELECT size, line FROM log_cosignatures WHERE size >= $1 AND size <= $2 \
         ORDER BY size, created_at, witness_key",
    )
    .bind(*first)
    .bind(*last)
    .fetch_all(&mut *conn)
    .await?;
    let mut by_size: BTreeMap<i64, Vec<String>> = BTreeMap::new();
    for (size, line) in lines {
        by_size.entry(size).or_default().push(line);
    }
    Ok(rows
        .into_iter()
        .map(|(size, note)| match by_size.get(&size) {
            Some(lines) => checkpoint::add_signature_lines(&note, lines),
            None => note,
        })
        .collect())
}

/// The largest stored checkpoint the witness named `witness` cosigned, if any.
pub async fn witnessed_by(conn: &mut AnyConnection, witness: &str) -> ApiResult<Option<String>> {
    let (size,): (Option<i64>,) =
        sqlx::query_as("SELECT MAX(size) FROM log_cosignatures WHERE witness = $1")
            .bind(witness)
            .fetch_one(&mut *conn)
            .await?;
    match size {
        Some(size) => at_size(conn, u64::try_from(size).map_err(ApiError::internal)?).await,
        None => Ok(None),
    }
}

/// Why a cosignature was refused; each is a 400 or 404 with a fixed sentence.
const BAD_KEY: ApiError =
    ApiError::BadRequest("witness_key is not a witness verifier key (name+keyid+base64)");
const BAD_LINE: ApiError = ApiError::BadRequest(
    "cosignature is not one cosignature line by that witness key over that checkpoint",
);

/// What became of a cosignature handed in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cosigned {
    /// Stored: the first by that key for that checkpoint, or later than the one it replaced.
    Stored,
    /// Kept out: that key's stored cosignature of that checkpoint is as late or later.
    Kept,
}

/// Checks `line` against the stored checkpoint of `size` and the witness key `vkey`, and
/// stores it unless that key already cosigned that checkpoint at the same time or later; a
/// later one replaces the earlier, so a witness renews its cosignature while the log does not
/// grow. Answers the checkpoint with the newest cosignature of every witness key. 404 if no
/// checkpoint of that size was ever served.
pub async fn add(
    state: &AppState,
    vkey: &str,
    line: &str,
    size: u64,
) -> ApiResult<(String, Cosigned)> {
    let witness = WitnessKey::parse_vkey(vkey).map_err(|_| BAD_KEY)?;
    if line.contains(['\n', '\r']) {
        return Err(BAD_LINE);
    }
    let cosignature = Cosignature::parse_line(line)
        .ok()
        .flatten()
        .ok_or(BAD_LINE)?;
    let time = i64::try_from(cosignature.time).map_err(|_| BAD_LINE)?;
    let mut tx = state.db.begin().await?;
    let stored: Option<(String,)> =
        sqlx::query_as("SELECT note FROM log_checkpoints WHERE size = $1")
            .bind(signed(size)?)
            .fetch_optional(&mut *tx)
            .await?;
    let (note,) = stored.ok_or(ApiError::NotFound)?;
    let opened = SignedCheckpoint::open(&note, state.log.note_key()).map_err(ApiError::internal)?;
    cosignature
        .verify(&opened.checkpoint, &witness)
        .map_err(|_| BAD_LINE)?;
    let outcome = store(&mut tx, size, &witness, line, time).await?;
    let served = at_size(&mut tx, size).await?.ok_or(ApiError::NotFound)?;
    tx.commit().await?;
    tracing::info!(size, witness = %witness.name, ?outcome, "checkpoint cosigned");
    Ok((served, outcome))
}

/// Stores the checked cosignature `line`, made at `time`, of the checkpoint of `size` by
/// `witness`, unless that key's stored one of that size is as late or later.
async fn store(
    conn: &mut AnyConnection,
    size: u64,
    witness: &WitnessKey,
    line: &str,
    time: i64,
) -> ApiResult<Cosigned> {
    // Stored in its canonical spelling, so one key has one cosignature per size.
    let vkey = witness.to_vkey();
    let taken: Option<(i64,)> = sqlx::query_as(
        "SELECT signed_at FROM log_cosignatures WHERE size = $1 AND witness_key = $2",
    )
    .bind(signed(size)?)
    .bind(&vkey)
    .fetch_optional(&mut *conn)
    .await?;
    match taken {
        Some((at,)) if at >= time => return Ok(Cosigned::Kept),
        // The time it was first handed in stays, so the lines keep their order in the note.
        Some(_) => {
            sqlx::query(
                "UPDATE log_cosignatures SET line = $1, signed_at = $2 \
                 WHERE size = $3 AND witness_key = $4",
            )
            .bind(line)
            .bind(time)
            .bind(signed(size)?)
            .bind(vkey)
            .execute(&mut *conn)
            .await?;
        }
        None => {
            sqlx::query(
                "INSERT INTO log_cosignatures \
                 (size, witness, witness_key, line, signed_at, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(signed(size)?)
            .bind(&witness.name)
            .bind(vkey)
            .bind(line)
            .bind(time)
            .bind(now())
            .execute(&mut *conn)
            .await?;
        }
    }
    Ok(Cosigned::Stored)
}
