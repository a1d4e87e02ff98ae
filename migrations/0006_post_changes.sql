-- Which posts changed since a given store version, so a publish re-reads and re-keys
-- those alone and takes everything else from what its last build remembered
-- (publish::memory). A post's row records the store version after its latest change.
--
-- Any write to a post (its row, its body, its tags, its authors) records it. n is
-- store_version + 1: SQLite does not document in which order the triggers of one
-- statement fire, and a change must never look older than the version it makes. A
-- post so recorded one version too late is only read once more than needed. (A
-- delete and an insert rather than INSERT OR REPLACE: the statement that fires a
-- trigger imposes its own conflict policy on the trigger's statements.)
CREATE TABLE post_changes (
    post_id INTEGER PRIMARY KEY,
    n       INTEGER NOT NULL
);
CREATE INDEX post_changes_by_version ON post_changes (n);

CREATE TRIGGER post_changes_inserted AFTER INSERT ON posts
BEGIN
    DELETE FROM post_changes WHERE post_id = NEW.id;
    INSERT INTO post_changes (post_id, n) VALUES (NEW.id, (SELECT n FROM store_version) + 1);
END;
CREATE TRIGGER post_changes_deleted AFTER DELETE ON posts
BEGIN
    DELETE FROM post_changes WHERE post_id = OLD.id;
    INSERT INTO post_changes (post_id, n) VALUES (OLD.id, (SELECT n FROM store_version) + 1);
END;
-- The same columns as posts_updated (0004): where a file is, changes no page.
CREATE TRIGGER post_changes_updated AFTER UPDATE OF kind, slug, title, excerpt, status,
    published_at, updated_at, featured_image, meta_title, meta_description, canonical_url,
    og_title, og_description, og_image, twitter_title, twitter_description, twitter_image,
    codeinjection_head, codeinjection_foot, aliases, revision, deleted_at, body_hash,
    word_count, auto_excerpt ON posts
BEGIN
    DELETE FROM post_changes WHERE post_id = NEW.id;
    INSERT INTO post_changes (post_id, n) VALUES (NEW.id, (SELECT n FROM store_version) + 1);
END;
CREATE TRIGGER post_changes_body_inserted AFTER INSERT ON post_bodies
BEGIN
    DELETE FROM post_changes WHERE post_id = NEW.post_id;
    INSERT INTO post_changes (post_id, n) VALUES (NEW.post_id, (SELECT n FROM store_version) + 1);
END;
CREATE TRIGGER post_changes_body_updated AFTER UPDATE ON post_bodies
BEGIN
    DELETE FROM post_changes WHERE post_id = NEW.post_id;
    INSERT INTO post_changes (post_id, n) VALUES (NEW.post_id, (SELECT n FROM store_version) + 1);
END;
CREATE TRIGGER post_changes_tags_inserted AFTER INSERT ON post_tags
BEGIN
    DELETE FROM post_changes WHERE post_id = NEW.post_id;
    INSERT INTO post_changes (post_id, n) VALUES (NEW.post_id, (SELECT n FROM store_version) + 1);
END;
CREATE TRIGGER post_changes_tags_deleted AFTER DELETE ON post_tags
BEGIN
    DELETE FROM post_changes WHERE post_id = OLD.post_id;
    INSERT INTO post_changes (post_id, n) VALUES (OLD.post_id, (SELECT n FROM store_version) + 1);
END;
CREATE TRIGGER post_changes_authors_inserted AFTER INSERT ON post_authors
BEGIN
    DELETE FROM post_changes WHERE post_id = NEW.post_id;
    INSERT INTO post_changes (post_id, n) VALUES (NEW.post_id, (SELECT n FROM store_version) + 1);
END;
CREATE TRIGGER post_changes_authors_deleted AFTER DELETE ON post_authors
BEGIN
    DELETE FROM post_changes WHERE post_id = OLD.post_id;
    INSERT INTO post_changes (post_id, n) VALUES (OLD.post_id, (SELECT n FROM store_version) + 1);
END;
