-- Initial schema of the vault server on PostgreSQL.
--
-- Mirrors migrations/sqlite/0001_initial.sql column for column, so the same queries run on
-- both: ids and keys are TEXT, times BIGINT seconds since the epoch, bytes BYTEA where SQLite
-- has BLOB. The server keeps only public keys, signed statements, wrapped keys (age files it
-- cannot open) and ciphertext locations. Statements and envelopes are stored as the JSON the
-- client sent, so that clients and auditors can re-verify exactly what was signed; they stay
-- TEXT rather than JSONB because JSONB would reorder keys and drop the exact bytes.

-- Organisations on the platform.
CREATE TABLE orgs (
    id TEXT PRIMARY KEY,
    -- Shown in the directory; platform data, not sealed.
    name TEXT NOT NULL,
    -- SHA-256 (hex) of the one-time invitation code; the code itself is shown once and dropped.
    invite_hash TEXT NOT NULL,
    -- Base64 Ed25519 key fixed by the first manager; NULL until then. Clients pin it.
    root_signing_key TEXT,
    -- Current organisation encryption key (age recipient); NULL until the first manager.
    org_key TEXT,
    -- Version of org_key, from 1; bumped by every rotation.
    org_key_version BIGINT,
    created_at BIGINT NOT NULL
);

-- Every org-key-published statement, kept forever so clients can verify the key history.
CREATE TABLE org_keys (
    org_id TEXT NOT NULL REFERENCES orgs(id),
    version BIGINT NOT NULL,
    public_key TEXT NOT NULL,
    -- The signed statement as JSON.
    statement TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (org_id, version)
);

-- Accounts: platform admins, auditors and organisation members.
CREATE TABLE users (
    id TEXT PRIMARY KEY,
    -- Login name; unique across the platform.
    email TEXT NOT NULL UNIQUE,
    -- argon2id PHC string.
    password_hash TEXT NOT NULL,
    -- 'platform_admin', 'auditor' or 'member' (managers and practitioners).
    kind TEXT NOT NULL,
    -- The organisation of a member; NULL for admins and auditors.
    org_id TEXT REFERENCES orgs(id),
    -- 'pending', 'active' or 'removed'; admins and auditors are 'active'.
    status TEXT NOT NULL,
    -- 'manager' or 'practitioner', as named by the member's certificate; NULL while pending.
    member_role TEXT,
    -- Published age recipient of a member, so managers can certify and wrap to it.
    encryption_key TEXT,
    -- Published base64 Ed25519 key of a member; every statement they send must be signed by it.
    signing_key TEXT,
    -- member-certified statement (JSON) by a manager or the root key.
    certificate TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX users_org ON users(org_id);

-- Bearer tokens, stored only as SHA-256 so a database copy cannot be used to log in.
CREATE TABLE tokens (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id),
    -- Seconds since the epoch after which the token is refused.
    expires_at BIGINT NOT NULL,
    -- Set by logout or member removal; a revoked token is refused.
    revoked_at BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX tokens_user ON tokens(user_id);

-- The current organisation key wrapped to each active member (one row per member).
CREATE TABLE member_envelopes (
    org_id TEXT NOT NULL REFERENCES orgs(id),
    user_id TEXT NOT NULL REFERENCES users(id),
    -- Organisation key version inside, so a stale envelope is never served as current.
    version BIGINT NOT NULL,
    -- Envelope JSON (wrapped bytes and key-wrapped statement).
    envelope TEXT NOT NULL,
    PRIMARY KEY (org_id, user_id)
);

-- Case files. The owner changes on transfer; the id never does.
CREATE TABLE cases (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES orgs(id),
    -- Working reference; platform data, not sealed.
    reference TEXT NOT NULL,
    -- Current case key (age recipient); replaced when a transfer rotates it.
    case_key TEXT NOT NULL,
    -- Envelope JSON: the case key wrapped to the owner's current organisation key.
    envelope TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX cases_org ON cases(org_id);

-- Sealed documents: where the ciphertext is and what the uploader signed about it.
CREATE TABLE documents (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES cases(id),
    -- Server-made object store key; never derived from anything the client named.
    object_key TEXT NOT NULL UNIQUE,
    ciphertext_size BIGINT NOT NULL,
    -- Hex SHA-256 of the stored age file, checked while it streamed in.
    ciphertext_sha256 TEXT NOT NULL,
    -- The document's age recipient.
    document_key TEXT NOT NULL,
    -- Name, type and size sealed to the document key; the server cannot read it.
    sealed_metadata BYTEA NOT NULL,
    -- document-sealed statement JSON.
    statement TEXT NOT NULL,
    -- Envelope JSON: the document key wrapped to the current case key.
    envelope TEXT NOT NULL,
    sealed_by TEXT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL
);
CREATE INDEX documents_case ON documents(case_id);

-- Single documents shared with another organisation. Revoking deletes the row (the wrap).
CREATE TABLE shares (
    document_id TEXT NOT NULL REFERENCES documents(id),
    to_org TEXT NOT NULL REFERENCES orgs(id),
    -- Owner of the case when the share was made.
    from_org TEXT NOT NULL REFERENCES orgs(id),
    -- Envelope JSON: the document key wrapped to to_org's current key.
    envelope TEXT NOT NULL,
    -- document-shared statement JSON.
    statement TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (document_id, to_org)
);
CREATE INDEX shares_to_org ON shares(to_org);

-- Case transfer offers and their outcome.
CREATE TABLE transfers (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES cases(id),
    from_org TEXT NOT NULL REFERENCES orgs(id),
    to_org TEXT NOT NULL REFERENCES orgs(id),
    -- 'offered' or 'accepted'.
    status TEXT NOT NULL,
    -- Rotated case key the receiver will hold.
    new_case_key TEXT NOT NULL,
    -- Envelope JSON: new case key wrapped to to_org's key.
    case_envelope TEXT NOT NULL,
    -- JSON array of DocumentEnvelope: every document key re-wrapped to the new case key.
    document_envelopes TEXT NOT NULL,
    document_count BIGINT NOT NULL,
    -- case-transferred statement JSON.
    statement TEXT NOT NULL,
    -- transfer-accepted statement JSON, once accepted.
    accept_statement TEXT,
    created_at BIGINT NOT NULL,
    accepted_at BIGINT
);
CREATE INDEX transfers_from ON transfers(from_org);
CREATE INDEX transfers_to ON transfers(to_org);

-- Append-only record of every action, written in the same transaction as the action.
CREATE TABLE audit_events (
    -- Position in the log; write transactions are serialised, so it follows commit order.
    seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at BIGINT NOT NULL,
    -- Who acted; NULL for actions of the operator's command line.
    actor TEXT,
    -- The actor's organisation at the time.
    org_id TEXT,
    -- Dotted action name such as document.sealed.
    action TEXT NOT NULL,
    object_kind TEXT NOT NULL,
    object_id TEXT NOT NULL,
    -- The case the action concerns, so a case's history follows it through a transfer.
    case_id TEXT
);
CREATE INDEX audit_events_org ON audit_events(org_id);
CREATE INDEX audit_events_case ON audit_events(case_id);
