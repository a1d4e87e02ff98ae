-- The content store: posts and pages, tags, authors (users), revisions, settings.
-- Timestamps are RFC 3339 UTC strings ("2026-01-02T03:04:05Z"), so they sort as text.

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    slug          TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    email         TEXT,
    bio           TEXT,
    profile_image TEXT,
    website       TEXT,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);

CREATE TABLE posts (
    id                  INTEGER PRIMARY KEY,
    kind                TEXT NOT NULL DEFAULT 'post' CHECK (kind IN ('post', 'page')),
    -- Posts and pages share one URL space (/{slug}/), hence one UNIQUE.
    slug                TEXT NOT NULL UNIQUE,
    title               TEXT NOT NULL,
    markdown            TEXT NOT NULL,
    excerpt             TEXT,
    status              TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'scheduled', 'published')),
    published_at        TEXT,
    -- When the content last changed as its author states it (front matter `updated`);
    -- modified_at is when the row last changed.
    updated_at          TEXT,
    created_at          TEXT NOT NULL,
    modified_at         TEXT NOT NULL,
    featured_image      TEXT,
    meta_title          TEXT,
    meta_description    TEXT,
    canonical_url       TEXT,
    og_title            TEXT,
    og_description      TEXT,
    og_image            TEXT,
    twitter_title       TEXT,
    twitter_description TEXT,
    twitter_image       TEXT,
    codeinjection_head  TEXT,
    codeinjection_foot  TEXT,
    -- JSON array of old URL paths that redirect here.
    aliases             TEXT NOT NULL DEFAULT '[]',
    -- Where the post came from in content/ (relative path) and the hash of that file,
    -- so a re-import skips files that did not change.
    source_path         TEXT UNIQUE,
    source_hash         TEXT,
    -- Current revision number; revisions(post_id, number) holds every version.
    revision            INTEGER NOT NULL DEFAULT 1,
    -- Set when the post is archived (pruned import) or trashed: kept, never rendered.
    deleted_at          TEXT
);
CREATE INDEX posts_listing ON posts (status, kind, published_at);

CREATE TABLE post_authors (
    post_id    INTEGER NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE RESTRICT,
    sort_order INTEGER NOT NULL,
    PRIMARY KEY (post_id, user_id)
);
CREATE INDEX post_authors_user ON post_authors (user_id);

CREATE TABLE tags (
    id          INTEGER PRIMARY KEY,
    slug        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL UNIQUE,
    description TEXT,
    -- Tags whose name starts with '#' are internal, as in Ghost: stored, never shown.
    internal    INTEGER GENERATED ALWAYS AS (substr(name, 1, 1) = '#') VIRTUAL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);

CREATE TABLE post_tags (
    post_id    INTEGER NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    tag_id     INTEGER NOT NULL REFERENCES tags (id) ON DELETE RESTRICT,
    sort_order INTEGER NOT NULL,
    PRIMARY KEY (post_id, tag_id)
);
CREATE INDEX post_tags_tag ON post_tags (tag_id);

-- Every version of every post, the current one included, as a JSON document of its
-- editable fields: no edit can be lost, and restoring is writing one back.
CREATE TABLE revisions (
    id         INTEGER PRIMARY KEY,
    post_id    INTEGER NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    number     INTEGER NOT NULL,
    source     TEXT NOT NULL,
    created_at TEXT NOT NULL,
    document   TEXT NOT NULL,
    UNIQUE (post_id, number)
);

CREATE TABLE settings (
    key        TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
