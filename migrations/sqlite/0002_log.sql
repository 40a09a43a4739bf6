-- The append-only Merkle log (RFC 6962 hashing) that makes every grant, key and document change
-- checkable from outside: each such change appends leaves in the same transaction that makes it.
--
-- A database made before this migration starts with an empty log: what happened earlier was
-- never logged and cannot be vouched for now. The server appends one `log.started` leaf on its
-- first start over such a database (see vault-server's db::log), so an auditor reads from the
-- log itself that the history before it is missing.

-- Every leaf, as the exact bytes that were hashed.
CREATE TABLE log_leaves (
    -- Position in the log, from 0; never reused, never changed.
    leaf_index BIGINT PRIMARY KEY,
    -- The leaf (compact JSON, vault_core::leaf::LogLeaf), stored byte for byte as hashed.
    leaf BLOB NOT NULL,
    -- SHA-256(0x00 || leaf); also the level-0 row of log_nodes.
    leaf_hash BLOB NOT NULL,
    -- Hex SHA-256 of the signed statement the leaf carries, so a client can find the leaf its
    -- action produced; NULL for leaves without a statement.
    statement_sha256 TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX log_leaves_statement ON log_leaves(statement_sha256);

-- Every complete perfect subtree: the one over leaves [idx << level, (idx + 1) << level).
-- Roots and proofs of any size fold a few of these, so none is ever recomputed from leaves.
CREATE TABLE log_nodes (
    level BIGINT NOT NULL,
    idx BIGINT NOT NULL,
    hash BLOB NOT NULL,
    PRIMARY KEY (level, idx)
);

-- One row: the number of leaves. Appenders move it first (UPDATE ... RETURNING), which
-- serialises them; on PostgreSQL that row lock holds across replicas.
CREATE TABLE log_head (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    size BIGINT NOT NULL
);
INSERT INTO log_head (id, size) VALUES (1, 0);

-- Checkpoints the server signed, at most one per tree size, made when someone asks for the
-- latest one after the log grew. Kept so witnesses' cosignatures stay attached to them.
CREATE TABLE log_checkpoints (
    size BIGINT PRIMARY KEY,
    -- The root hash at that size.
    root BLOB NOT NULL,
    -- The checkpoint's time line, seconds since the epoch.
    at BIGINT NOT NULL,
    -- The whole signed note, as served (without cosignatures).
    note TEXT NOT NULL
);

-- Witnesses' cosignatures of stored checkpoints, each checked before it was stored.
CREATE TABLE log_cosignatures (
    size BIGINT NOT NULL REFERENCES log_checkpoints(size),
    -- The witness's key name, as in its vkey and signature line.
    witness TEXT NOT NULL,
    -- The witness's whole vkey.
    witness_key TEXT NOT NULL,
    -- The signature line appended to the note.
    line TEXT NOT NULL,
    -- The time the witness signed, from the cosignature.
    signed_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (size, witness_key)
);
CREATE INDEX log_cosignatures_witness ON log_cosignatures(witness, size);
