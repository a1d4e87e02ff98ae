-- Keys of Ghost's Admin and Content APIs, for the clients that speak Ghost (writing
-- apps, automations, the official SDKs). An Admin key is `id:secret`: each request
-- carries a JWT signed with the secret, so the secret must be readable to check it,
-- and is sealed with the server's secret key (never in clear). A Content key is
-- looked up on each request, so only its keyed hash is kept.
CREATE TABLE ghost_keys (
    -- 24 hex: the JWT's `kid`, and the key's id in the admin.
    id           TEXT PRIMARY KEY,
    -- Whom the key acts for, never beyond that account's role: an integration's
    -- creator, or the person whose staff access token it is.
    account_id   INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('integration', 'staff')),
    secret       TEXT NOT NULL,
    -- Integrations only: the keyed hash of their Content API key.
    content_hash TEXT UNIQUE,
    created_at   TEXT NOT NULL,
    last_used_at TEXT
) WITHOUT ROWID;
CREATE INDEX ghost_keys_account ON ghost_keys (account_id);
