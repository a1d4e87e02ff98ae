-- Ghost API webhooks: an integration's, called on an event of the site with Ghost's
-- payload, signed with its secret (sealed: it must be readable to sign) when it has
-- one. The last call's outcome is kept for the admin.
CREATE TABLE webhooks (
    id                    TEXT PRIMARY KEY,
    key_id                TEXT NOT NULL REFERENCES ghost_keys (id) ON DELETE CASCADE,
    event                 TEXT NOT NULL,
    target_url            TEXT NOT NULL,
    name                  TEXT,
    secret                TEXT,
    created_at            TEXT NOT NULL,
    last_triggered_at     TEXT,
    last_triggered_status TEXT,
    last_triggered_error  TEXT
) WITHOUT ROWID;
CREATE INDEX webhooks_event ON webhooks (event);
