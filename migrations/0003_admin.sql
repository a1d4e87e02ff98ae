-- The admin API: who may log in, their sessions and API tokens, and what they did.
-- No secret is stored in the clear: passwords are argon2id hashes, TOTP secrets are
-- encrypted with FOLIO_SECRET_KEY, session ids, tokens and recovery codes are hashed.

CREATE TABLE accounts (
    id             INTEGER PRIMARY KEY,
    username       TEXT NOT NULL UNIQUE COLLATE NOCASE,
    role           TEXT NOT NULL CHECK (role IN ('owner', 'editor', 'author')),
    -- The author profile whose name goes on this account's posts.
    user_id        INTEGER REFERENCES users (id) ON DELETE SET NULL,
    password_hash  TEXT NOT NULL,
    -- Encrypted; NULL until the account has confirmed its enrollment.
    totp_secret    TEXT,
    -- The last TOTP time step accepted: a code is good once.
    totp_last_step INTEGER,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL
);

CREATE TABLE recovery_codes (
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    hash       TEXT NOT NULL,
    used_at    TEXT,
    PRIMARY KEY (account_id, hash)
) WITHOUT ROWID;

CREATE TABLE sessions (
    hash         TEXT PRIMARY KEY,
    account_id   INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    created_at   TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    -- Absolute expiry; idle expiry is counted from last_seen_at.
    expires_at   TEXT NOT NULL,
    ip           TEXT,
    user_agent   TEXT
) WITHOUT ROWID;
CREATE INDEX sessions_account ON sessions (account_id);

CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY,
    account_id   INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    -- Space-separated: content:read content:write publish.
    scopes       TEXT NOT NULL,
    hash         TEXT NOT NULL UNIQUE,
    created_at   TEXT NOT NULL,
    last_used_at TEXT,
    revoked_at   TEXT
);

CREATE TABLE audit_log (
    id     INTEGER PRIMARY KEY,
    at     TEXT NOT NULL,
    -- Username or token name; NULL for an anonymous caller.
    actor  TEXT,
    action TEXT NOT NULL,
    target TEXT,
    ip     TEXT,
    detail TEXT
);
