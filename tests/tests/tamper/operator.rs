//! The operator's hands: reading and rewriting the server's database rows and objects behind
//! its back, and putting them back afterwards, as someone holding the database could.

use object_store::ObjectStore as _;
use sqlx::Row as _;
use vault_core::checkpoint::Checkpoint;
use vault_core::keys::SigningKey;
use vault_core::merkle::{leaf_hash, MemoryTree};
use vault_tests::platform::Platform;

/// A connection to the platform's database.
pub(crate) async fn db(platform: &Platform) -> sqlx::AnyPool {
    sqlx::any::install_default_drivers();
    sqlx::AnyPool::connect(&platform.database_url)
        .await
        .unwrap()
}

/// Runs one statement; returns the rows it changed.
pub(crate) async fn exec(platform: &Platform, sql: &str, binds: &[&str]) -> u64 {
    let pool = db(platform).await;
    let mut query = sqlx::query(sql);
    for bind in binds {
        query = query.bind(*bind);
    }
    let done = query.execute(&pool).await.unwrap();
    pool.close().await;
    done.rows_affected()
}

/// One text column of one row.
pub(crate) async fn text(platform: &Platform, sql: &str, bind: &str) -> String {
    let pool = db(platform).await;
    let row = sqlx::query(sql).bind(bind).fetch_one(&pool).await.unwrap();
    pool.close().await;
    row.get::<String, _>(0)
}

/// An object's bytes, by document.
pub(crate) async fn object(
    platform: &Platform,
    document: &str,
) -> (object_store::path::Path, Vec<u8>) {
    let key = text(
        platform,
        "SELECT object_key FROM documents WHERE id = $1",
        document,
    )
    .await;
    let key = object_store::path::Path::from(key);
    let store = platform.object_store();
    let bytes = store
        .get(&key)
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap()
        .to_vec();
    (key, bytes)
}

/// Replaces an object's bytes.
pub(crate) async fn put_object(
    platform: &Platform,
    key: &object_store::path::Path,
    bytes: Vec<u8>,
) {
    platform
        .object_store()
        .put(key, bytes.into())
        .await
        .unwrap();
}

/// A `log_leaves` row: index, leaf bytes, leaf hash, statement digest, time.
type LeafRow = (i64, Vec<u8>, Vec<u8>, Option<String>, i64);
/// A `log_nodes` row: level, index, hash.
type NodeRow = (i64, i64, Vec<u8>);
/// A `log_checkpoints` row: size, root, time, note.
type CheckpointRow = (i64, Vec<u8>, i64, String);

/// The log tables, whole, so a rewrite of history can be undone.
pub(crate) struct LogTables {
    leaves: Vec<LeafRow>,
    nodes: Vec<NodeRow>,
    checkpoints: Vec<CheckpointRow>,
    size: i64,
}

impl LogTables {
    /// Reads every row of the log tables.
    pub(crate) async fn read(platform: &Platform) -> Self {
        let pool = db(platform).await;
        let leaves = sqlx::query_as(
            "SELECT leaf_index, leaf, leaf_hash, statement_sha256, created_at FROM log_leaves \
             ORDER BY leaf_index",
        )
        .fetch_all(&pool)
        .await
        .unwrap();
        let nodes = sqlx::query_as("SELECT level, idx, hash FROM log_nodes")
            .fetch_all(&pool)
            .await
            .unwrap();
        let checkpoints = sqlx::query_as("SELECT size, root, at, note FROM log_checkpoints")
            .fetch_all(&pool)
            .await
            .unwrap();
        let (size,): (i64,) = sqlx::query_as("SELECT size FROM log_head WHERE id = 1")
            .fetch_one(&pool)
            .await
            .unwrap();
        pool.close().await;
        Self {
            leaves,
            nodes,
            checkpoints,
            size,
        }
    }

    /// The exact bytes of leaf `index`.
    pub(crate) fn leaf(&self, index: usize) -> &[u8] {
        &self.leaves[index].1
    }

    /// Number of leaves.
    pub(crate) fn len(&self) -> usize {
        self.leaves.len()
    }

    /// Writes these rows back in place of whatever the tables hold.
    pub(crate) async fn restore(&self, platform: &Platform) {
        self.write(
            platform,
            &self.leaves,
            &self.nodes,
            &self.checkpoints,
            self.size,
        )
        .await;
    }

    /// Keeps only the first `keep` leaves, their nodes and the checkpoints up to that size,
    /// and signs a fresh checkpoint at `keep`: the log as it was, rolled back.
    pub(crate) async fn roll_back(&self, platform: &Platform, keep: usize) {
        let leaves: Vec<Vec<u8>> = self.leaves[..keep].iter().map(|l| l.1.clone()).collect();
        self.rewrite(platform, &leaves).await;
    }

    /// Replaces leaf `index` by `bytes`, recomputes every hash and signs a checkpoint of the
    /// new tree with the server's own key: a fork only the server could make.
    pub(crate) async fn fork(&self, platform: &Platform, index: usize, bytes: Vec<u8>) {
        let mut leaves: Vec<Vec<u8>> = self.leaves.iter().map(|l| l.1.clone()).collect();
        leaves[index] = bytes;
        self.rewrite(platform, &leaves).await;
    }

    async fn rewrite(&self, platform: &Platform, leaves: &[Vec<u8>]) {
        let mut tree = MemoryTree::new();
        let mut rows = Vec::new();
        for (i, leaf) in leaves.iter().enumerate() {
            let old = &self.leaves[i];
            tree.push(leaf_hash(leaf));
            rows.push((
                old.0,
                leaf.clone(),
                leaf_hash(leaf).to_vec(),
                old.3.clone(),
                old.4,
            ));
        }
        let mut nodes = Vec::new();
        for level in 0..64u8 {
            let mut idx = 0u64;
            while let Some(hash) = tree.node(vault_core::merkle::NodeId { level, index: idx }) {
                nodes.push((i64::from(level), idx.cast_signed(), hash.to_vec()));
                idx += 1;
            }
            if idx == 0 {
                break;
            }
        }
        let key = std::fs::read(platform.settings.log_key_path()).unwrap();
        let key = SigningKey::from_pkcs8(&key).unwrap();
        let latest = self.checkpoints.iter().map(|c| c.2).max().unwrap_or(0);
        let checkpoint = Checkpoint {
            origin: platform.settings.log_origin.clone(),
            size: tree.len(),
            root: tree.root(),
            time: latest.cast_unsigned() + 1,
        };
        let note = checkpoint.sign(&key);
        let checkpoints = vec![(
            tree.len().cast_signed(),
            tree.root().to_vec(),
            latest + 1,
            note,
        )];
        self.write(
            platform,
            &rows,
            &nodes,
            &checkpoints,
            tree.len().cast_signed(),
        )
        .await;
    }

    async fn write(
        &self,
        platform: &Platform,
        leaves: &[LeafRow],
        nodes: &[NodeRow],
        checkpoints: &[CheckpointRow],
        size: i64,
    ) {
        let pool = db(platform).await;
        let mut tx = pool.begin().await.unwrap();
        for table in [
            "log_cosignatures",
            "log_checkpoints",
            "log_nodes",
            "log_leaves",
        ] {
            sqlx::query(&format!("DELETE FROM {table}"))
                .execute(&mut *tx)
                .await
                .unwrap();
        }
        for (i, leaf, hash, statement, at) in leaves {
            sqlx::query(
                "INSERT INTO log_leaves (leaf_index, leaf, leaf_hash, statement_sha256, \
                 created_at) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(*i)
            .bind(leaf.clone())
            .bind(hash.clone())
            .bind(statement.clone())
            .bind(*at)
            .execute(&mut *tx)
            .await
            .unwrap();
        }
        for (level, idx, hash) in nodes {
            sqlx::query("INSERT INTO log_nodes (level, idx, hash) VALUES ($1, $2, $3)")
                .bind(*level)
                .bind(*idx)
                .bind(hash.clone())
                .execute(&mut *tx)
                .await
                .unwrap();
        }
        for (s, root, at, note) in checkpoints {
            sqlx::query(
                "INSERT INTO log_checkpoints (size, root, at, note) VALUES ($1, $2, $3, $4)",
            )
            .bind(*s)
            .bind(root.clone())
            .bind(*at)
            .bind(note.clone())
            .execute(&mut *tx)
            .await
            .unwrap();
        }
        sqlx::query("UPDATE log_head SET size = $1 WHERE id = 1")
            .bind(size)
            .execute(&mut *tx)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        pool.close().await;
    }
}
