-- Invitations: an owner names the account to be (username and role) and passes on a
-- one-time link; whoever opens it sets the password and enrolls TOTP. Only a hash of
-- the link's token is kept, as for sessions and API tokens.
CREATE TABLE invites (
    id         INTEGER PRIMARY KEY,
    hash       TEXT NOT NULL UNIQUE,
    username   TEXT NOT NULL UNIQUE COLLATE NOCASE,
    role       TEXT NOT NULL CHECK (role IN ('owner', 'editor', 'author')),
    invited_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
