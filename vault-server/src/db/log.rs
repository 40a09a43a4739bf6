//! Storage of the append-only Merkle log: leaves, perfect subtree hashes, the head, and the
//! signed checkpoints with their witnesses' cosignatures.
//!
//! Leaves are appended inside the transaction of the change they record, so a change never
//! commits without its leaves nor leaves without their change. An append moves the head first
//! (`UPDATE ... RETURNING`), which serialises appenders even beyond the write lock every write
//! transaction already holds; then it reads the frontier of the old tree once, lets
//! [`merkle::appended`] compute every node the new leaves complete, and inserts leaves and nodes
//! in a few multi-row statements, so a transfer of a thousand documents costs a handful of
//! round trips. Stored nodes never change, so roots and proofs of any size are read, not
//! recomputed, from any connection.

use std::collections::HashMap;

use sqlx::AnyConnection;
use vault_core::leaf::LogLeaf;
use vault_core::merkle::{self, Hash, NodeId};

use super::{now, Tx};
use crate::error::{ApiError, ApiResult};

/// Leaves per INSERT statement (five parameters each).
const LEAF_ROWS: usize = 100;
/// Nodes per INSERT or SELECT statement.
const NODE_ROWS: usize = 200;

/// Appends `leaves`, in order, inside `tx`; returns the index of the first one.
pub async fn append(tx: &mut Tx, leaves: &[LogLeaf]) -> ApiResult<u64> {
    let count = i64::try_from(leaves.len()).map_err(ApiError::internal)?;
    let (new_size,): (i64,) =
        sqlx::query_as("UPDATE log_head SET size = size + $1 WHERE id = 1 RETURNING size")
            .bind(count)
            .fetch_one(&mut **tx)
            .await?;
    let old_size = u64::try_from(new_size - count).map_err(ApiError::internal)?;
    if leaves.is_empty() {
        return Ok(old_size);
    }
    let frontier_hashes = frontier_hashes(tx, old_size).await?;
    let encoded: Vec<Vec<u8>> = leaves.iter().map(LogLeaf::encode).collect();
    let hashes: Vec<Hash> = encoded.iter().map(|leaf| merkle::leaf_hash(leaf)).collect();
    let nodes =
        merkle::appended(old_size, &frontier_hashes, &hashes).map_err(ApiError::internal)?;
    let digests: Vec<Option<String>> = leaves
        .iter()
        .map(|leaf| leaf.statement.as_ref().map(|s| hex::encode(s.digest())))
        .collect();
    insert_leaves(tx, old_size, &encoded, &hashes, &digests).await?;
    insert_nodes(tx, &nodes).await?;
    Ok(old_size)
}

async fn insert_leaves(
    tx: &mut Tx,
    first: u64,
    encoded: &[Vec<u8>],
    hashes: &[Hash],
    digests: &[Option<String>],
) -> ApiResult<()> {
    let at = now();
    let mut start = 0;
    for chunk in encoded.chunks(LEAF_ROWS) {
        let sql = format!(
            "INSERT INTO log_leaves (leaf_index, leaf, leaf_hash, statement_sha256, created_at) \
             VALUES {}",
            placeholders(chunk.len(), 5)
        );
        let mut query = sqlx::query(&sql);
        for (offset, leaf) in chunk.iter().enumerate() {
            let i = start + offset;
            query = query
                .bind(index_i64(first + i as u64)?)
                .bind(leaf.as_slice())
                .bind(hashes[i].as_slice())
                .bind(digests[i].as_deref())
                .bind(at);
        }
        query.execute(&mut **tx).await?;
        start += chunk.len();
    }
    Ok(())
}

async fn insert_nodes(tx: &mut Tx, nodes: &[(NodeId, Hash)]) -> ApiResult<()> {
    for chunk in nodes.chunks(NODE_ROWS) {
        let sql = format!(
            "INSERT INTO log_nodes (level, idx, hash) VALUES {}",
            placeholders(chunk.len(), 3)
        );
        let mut query = sqlx::query(&sql);
        for (id, hash) in chunk {
            query = query
                .bind(i64::from(id.level))
                .bind(index_i64(id.index)?)
                .bind(hash.as_slice());
        }
        query.execute(&mut **tx).await?;
    }
    Ok(())
}

/// `($1, $2, $3), ($4, $5, $6), …` for `rows` rows of `columns` parameters.
fn placeholders(rows: usize, columns: usize) -> String {
    (0..rows)
        .map(|row| {
            let params: Vec<String> = (1..=columns)
                .map(|c| format!("${}", row * columns + c))
                .collect();
            format!("({})", params.join(", "))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn index_i64(index: u64) -> ApiResult<i64> {
    i64::try_from(index).map_err(ApiError::internal)
}

/// The stored hashes of `ids` that exist.
async fn read_nodes(conn: &mut AnyConnection, ids: &[NodeId]) -> ApiResult<HashMap<NodeId, Hash>> {
    let mut found = HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(NODE_ROWS) {
        let condition = (0..chunk.len())
            .map(|i| format!("(level = ${} AND idx = ${})", 2 * i + 1, 2 * i + 2))
            .collect::<Vec<_>>()
            .join(" OR ");
        let sql = format!("SELECT level, idx, hash FROM log_nodes WHERE {condition}");
        let mut query = sqlx::query_as::<_, (i64, i64, Vec<u8>)>(&sql);
        for id in chunk {
            query = query.bind(i64::from(id.level)).bind(index_i64(id.index)?);
        }
        for (level, index, hash) in query.fetch_all(&mut *conn).await? {
            let id = NodeId {
                level: u8::try_from(level).map_err(ApiError::internal)?,
                index: u64::try_from(index).map_err(ApiError::internal)?,
            };
            found.insert(
                id,
                Hash::try_from(hash.as_slice()).map_err(ApiError::internal)?,
            );
        }
    }
    Ok(found)
}

/// The number of leaves.
pub async fn size(conn: &mut AnyConnection) -> ApiResult<u64> {
    let (size,): (i64,) = sqlx::query_as("SELECT size FROM log_head WHERE id = 1")
        .fetch_one(conn)
        .await?;
    u64::try_from(size).map_err(ApiError::internal)
}

/// The root hash of the tree of the first `size` leaves (`size` at most the log's size).
pub async fn root(conn: &mut AnyConnection, size: u64) -> ApiResult<Hash> {
    Ok(merkle::root_of(&frontier_hashes(conn, size).await?))
}

/// The hashes of the perfect subtrees that make up the tree of `size` leaves, left to right.
async fn frontier_hashes(conn: &mut AnyConnection, size: u64) -> ApiResult<Vec<Hash>> {
    let frontier = merkle::frontier(size);
    let found = read_nodes(conn, &frontier).await?;
    frontier
        .iter()
        .map(|id| {
            found
                .get(id)
                .copied()
                .ok_or(merkle::MerkleError::MissingNode(*id))
        })
        .collect::<Result<Vec<_>, _>>()
        .map_err(ApiError::internal)
}

/// The proof, in RFC 9162 order, that a plan reads from the stored nodes.
async fn proof(conn: &mut AnyConnection, plan: &merkle::ProofPlan) -> ApiResult<Vec<Hash>> {
    let found = read_nodes(conn, &plan.nodes()).await?;
    plan.assemble(|id| found.get(&id).copied())
        .map_err(ApiError::internal)
}

/// The inclusion proof of leaf `index` in the tree of `size` leaves; the caller checks that
/// `index < size <= ` the log's size.
pub async fn inclusion(conn: &mut AnyConnection, index: u64, size: u64) -> ApiResult<Vec<Hash>> {
    let plan = merkle::inclusion_plan(index, size).map_err(ApiError::internal)?;
    proof(conn, &plan).await
}

/// The consistency proof from size `from` to size `to`; the caller checks that
/// `from <= to <=` the log's size.
pub async fn consistency(conn: &mut AnyConnection, from: u64, to: u64) -> ApiResult<Vec<Hash>> {
    let plan = merkle::consistency_plan(from, to).map_err(ApiError::internal)?;
    proof(conn, &plan).await
}

/// Leaves `[start, end)` with their indexes, as stored.
pub async fn leaves(
    conn: &mut AnyConnection,
    start: u64,
    end: u64,
) -> ApiResult<Vec<(u64, Vec<u8>)>> {
    let rows: Vec<(i64, Vec<u8>)> = sqlx::query_as(
        "SELECT leaf_index, leaf FROM log_leaves \
         WHERE leaf_index >= $1 AND leaf_index < $2 ORDER BY leaf_index",
    )
    .bind(index_i64(start)?)
    .bind(index_i64(end)?)
    .fetch_all(conn)
    .await?;
    rows.into_iter()
        .map(|(i, leaf)| Ok((u64::try_from(i).map_err(ApiError::internal)?, leaf)))
        .collect()
}

/// The first leaf carrying the statement whose digest is `digest_hex`, if any. The first, so
/// the answer never changes once given, should a client send the same statement twice.
pub async fn by_statement(
    conn: &mut AnyConnection,
    digest_hex: &str,
) -> ApiResult<Option<(u64, Vec<u8>)>> {
    let row: Option<(i64, Vec<u8>)> = sqlx::query_as(
        "SELECT leaf_index, leaf FROM log_leaves WHERE statement_sha256 = $1 \
         ORDER BY leaf_index LIMIT 1",
    )
    .bind(digest_hex)
    .fetch_optional(conn)
    .await?;
    row.map(|(i, leaf)| Ok((u64::try_from(i).map_err(ApiError::internal)?, leaf)))
        .transpose()
}
