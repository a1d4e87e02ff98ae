-- Trashed by someone, as opposed to archived because its file went (`--prune`): a
-- trashed post stays in the trash while its file is unchanged, where an archived one
-- comes back with its file.
ALTER TABLE posts ADD COLUMN trashed INTEGER NOT NULL DEFAULT 0;

-- Changes saved to a published post but not published yet. The post's row is what
-- the site shows; these wait here until the post is updated (they then become its
-- next revision) or discarded. One set per post.
CREATE TABLE post_pending (
    post_id       INTEGER PRIMARY KEY REFERENCES posts (id) ON DELETE CASCADE,
    -- The post's revision they were made on: a save over another is a conflict.
    base_revision INTEGER NOT NULL,
    -- How many times they were saved: the second tab's save over the first's is a
    -- conflict too.
    saves         INTEGER NOT NULL,
    -- The whole document (PostDoc as JSON, tags and authors included).
    document      TEXT NOT NULL,
    -- Whether they were last written by an author (see 0008): publishing them keeps
    -- the body cleaned unless an editor or owner writes it.
    sanitized     INTEGER NOT NULL,
    saved_by      TEXT NOT NULL,
    saved_at      TEXT NOT NULL
);
