-- Ghost's five roles. What was "author" (their own drafts, never published) is Ghost's
-- Contributor, and keeps exactly its rights; Ghost's Author (writes and publishes
-- their own posts) and Administrator (everything but ownership) are new.
-- SQLite cannot change a CHECK in place: each table is rebuilt as SQLite documents.
-- Migrations run with foreign keys off (see `Store::open`), so dropping the old table
-- deletes none of the sessions, tokens and keys that refer to accounts.

CREATE TABLE accounts_ghost_roles (
    id             INTEGER PRIMARY KEY,
    username       TEXT NOT NULL UNIQUE COLLATE NOCASE,
    role           TEXT NOT NULL
                   CHECK (role IN ('owner', 'administrator', 'editor', 'author', 'contributor')),
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
INSERT INTO accounts_ghost_roles
    (id, username, role, user_id, password_hash, totp_secret, totp_last_step, created_at, updated_at)
SELECT id, username, CASE role WHEN 'author' THEN 'contributor' ELSE role END,
       user_id, password_hash, totp_secret, totp_last_step, created_at, updated_at
FROM accounts;
DROP TABLE accounts;
ALTER TABLE accounts_ghost_roles RENAME TO accounts;

CREATE TABLE invites_ghost_roles (
    id         INTEGER PRIMARY KEY,
    hash       TEXT NOT NULL UNIQUE,
    username   TEXT NOT NULL UNIQUE COLLATE NOCASE,
    role       TEXT NOT NULL
               CHECK (role IN ('owner', 'administrator', 'editor', 'author', 'contributor')),
    invited_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
INSERT INTO invites_ghost_roles (id, hash, username, role, invited_by, created_at, expires_at)
SELECT id, hash, username, CASE role WHEN 'author' THEN 'contributor' ELSE role END,
       invited_by, created_at, expires_at
FROM invites;
DROP TABLE invites;
ALTER TABLE invites_ghost_roles RENAME TO invites;
