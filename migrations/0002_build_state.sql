-- What lets a publish with nothing changed finish in milliseconds.

-- Size and modification time of a post's file when it was last read, so an unchanged
-- file is recognised without reading it (as Git's index does); the content hash
-- still decides when they differ.
ALTER TABLE posts ADD COLUMN source_stamp TEXT;

-- A counter bumped by every change to what a build renders.
CREATE TABLE store_version (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    n  INTEGER NOT NULL
);
INSERT INTO store_version (id, n) VALUES (1, 0);

CREATE TRIGGER posts_inserted AFTER INSERT ON posts BEGIN UPDATE store_version SET n = n + 1; END;
CREATE TRIGGER posts_deleted AFTER DELETE ON posts BEGIN UPDATE store_version SET n = n + 1; END;
-- Recording where a file is (source_path, source_hash, source_stamp) changes no page.
CREATE TRIGGER posts_updated AFTER UPDATE OF kind, slug, title, markdown, excerpt, status,
    published_at, updated_at, featured_image, meta_title, meta_description, canonical_url,
    og_title, og_description, og_image, twitter_title, twitter_description, twitter_image,
    codeinjection_head, codeinjection_foot, aliases, revision, deleted_at ON posts
BEGIN UPDATE store_version SET n = n + 1; END;
CREATE TRIGGER tags_inserted AFTER INSERT ON tags BEGIN UPDATE store_version SET n = n + 1; END;
CREATE TRIGGER tags_updated AFTER UPDATE ON tags BEGIN UPDATE store_version SET n = n + 1; END;
CREATE TRIGGER tags_deleted AFTER DELETE ON tags BEGIN UPDATE store_version SET n = n + 1; END;
CREATE TRIGGER users_inserted AFTER INSERT ON users BEGIN UPDATE store_version SET n = n + 1; END;
CREATE TRIGGER users_updated AFTER UPDATE ON users BEGIN UPDATE store_version SET n = n + 1; END;
CREATE TRIGGER users_deleted AFTER DELETE ON users BEGIN UPDATE store_version SET n = n + 1; END;
CREATE TRIGGER post_tags_inserted AFTER INSERT ON post_tags BEGIN UPDATE store_version SET n = n + 1; END;
CREATE TRIGGER post_tags_deleted AFTER DELETE ON post_tags BEGIN UPDATE store_version SET n = n + 1; END;
CREATE TRIGGER post_authors_inserted AFTER INSERT ON post_authors BEGIN UPDATE store_version SET n = n + 1; END;
CREATE TRIGGER post_authors_deleted AFTER DELETE ON post_authors BEGIN UPDATE store_version SET n = n + 1; END;
CREATE TRIGGER settings_inserted AFTER INSERT ON settings BEGIN UPDATE store_version SET n = n + 1; END;
CREATE TRIGGER settings_updated AFTER UPDATE ON settings BEGIN UPDATE store_version SET n = n + 1; END;
CREATE TRIGGER settings_deleted AFTER DELETE ON settings BEGIN UPDATE store_version SET n = n + 1; END;

-- The program's own records (the fingerprint of the last build per output folder);
-- kept apart from settings so writing them changes nothing a build renders.
CREATE TABLE build_state (
    key        TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- The importer reads these for every post on every run; from this index it never
-- touches the rows themselves, whose bodies span many pages.
CREATE INDEX posts_sources ON posts (source_path, source_hash, source_stamp, slug, deleted_at)
    WHERE source_path IS NOT NULL;

-- For each output folder, the key of every page of its last build: a hash of all that
-- page's inputs. A page whose key did not change is not rendered again.
CREATE TABLE page_keys (
    out  TEXT NOT NULL,
    path TEXT NOT NULL,
    key  TEXT NOT NULL,
    PRIMARY KEY (out, path)
) WITHOUT ROWID;
