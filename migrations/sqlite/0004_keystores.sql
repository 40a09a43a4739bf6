-- The vault in the browser: each vault member's keystore, locked with their vault passphrase
-- (an age file with one scrypt stanza), so the web app can hand it back to the page that
-- unlocks it. The server cannot open it; it checks only its shape (see docs/api.md).
CREATE TABLE keystores (
    user_id TEXT PRIMARY KEY REFERENCES users(id),
    keystore BLOB NOT NULL,
    updated_at BIGINT NOT NULL
);
