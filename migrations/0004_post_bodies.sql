-- Bodies in their own table, and a digest of each in posts.
--
-- A post's Markdown (kilobytes) sat in the middle of its row, so reading any column
-- after it walked the body's overflow pages, and a scan of posts read every body:
-- a build's snapshot of 10,000 posts read 180 MB to use 5. Now a build reads posts
-- (small rows) and the bodies of the pages it renders only.
--
-- The digest is what a build needs from a body without reading it, kept by every
-- write (store::posts::Digest): the hash of the Markdown (what its rendered HTML is
-- cached and its page keyed by), its word count and its automatic excerpt. Rows written
-- before this migration get theirs when the store opens.

CREATE TABLE post_bodies (
    post_id  INTEGER PRIMARY KEY REFERENCES posts (id) ON DELETE CASCADE,
    markdown TEXT NOT NULL
);
INSERT INTO post_bodies (post_id, markdown) SELECT id, markdown FROM posts;

DROP TRIGGER posts_updated;
ALTER TABLE posts DROP COLUMN markdown;
ALTER TABLE posts ADD COLUMN body_hash TEXT;
ALTER TABLE posts ADD COLUMN word_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE posts ADD COLUMN auto_excerpt TEXT NOT NULL DEFAULT '';

-- As in 0002, without the body (post_bodies has its own triggers) and without the
-- digest, which changes only with the body.
CREATE TRIGGER posts_updated AFTER UPDATE OF kind, slug, title, excerpt, status,
    published_at, updated_at, featured_image, meta_title, meta_description, canonical_url,
    og_title, og_description, og_image, twitter_title, twitter_description, twitter_image,
    codeinjection_head, codeinjection_foot, aliases, revision, deleted_at ON posts
BEGIN UPDATE store_version SET n = n + 1; END;
CREATE TRIGGER post_bodies_inserted AFTER INSERT ON post_bodies BEGIN UPDATE store_version SET n = n + 1; END;
CREATE TRIGGER post_bodies_updated AFTER UPDATE ON post_bodies BEGIN UPDATE store_version SET n = n + 1; END;
CREATE TRIGGER post_bodies_deleted AFTER DELETE ON post_bodies BEGIN UPDATE store_version SET n = n + 1; END;
