-- Fields a Ghost post has that folio dropped: featured, the featured image's alt text
-- and caption, and the guid the post had in its old feed (so feed readers do not show
-- every imported post as new).
ALTER TABLE posts ADD COLUMN featured INTEGER NOT NULL DEFAULT 0;
ALTER TABLE posts ADD COLUMN featured_image_alt TEXT;
ALTER TABLE posts ADD COLUMN featured_image_caption TEXT;
ALTER TABLE posts ADD COLUMN feed_id TEXT;

-- As 0004 and 0006 do for the other fields: a build notices the change, and which
-- post it was.
CREATE TRIGGER posts_fields_updated AFTER UPDATE OF featured, featured_image_alt,
    featured_image_caption, feed_id ON posts
BEGIN
    UPDATE store_version SET n = n + 1;
END;
CREATE TRIGGER post_changes_fields AFTER UPDATE OF featured, featured_image_alt,
    featured_image_caption, feed_id ON posts
BEGIN
    DELETE FROM post_changes WHERE post_id = NEW.id;
    INSERT INTO post_changes (post_id, n) VALUES (NEW.id, (SELECT n FROM store_version) + 1);
END;
