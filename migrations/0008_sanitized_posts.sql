-- Posts whose body an author wrote: their raw HTML is cleaned when rendered (no
-- scripts, no event handlers, iframes from an allow-list), since an author must not
-- be able to run code on the site's origin. Set by an author's save; cleared only
-- when an editor or owner writes the body themselves. Every existing post was
-- written by a file or an editor or owner, or predates the rule: none is set.
ALTER TABLE posts ADD COLUMN sanitized INTEGER NOT NULL DEFAULT 0;

-- The flag changes the page: the store's version moves and the post is logged as
-- changed, like the columns of posts_updated (0004) and post_changes_updated (0006).
CREATE TRIGGER posts_sanitized_updated AFTER UPDATE OF sanitized ON posts
BEGIN
    UPDATE store_version SET n = n + 1;
END;
CREATE TRIGGER post_changes_sanitized AFTER UPDATE OF sanitized ON posts
BEGIN
    DELETE FROM post_changes WHERE post_id = NEW.id;
    INSERT INTO post_changes (post_id, n) VALUES (NEW.id, (SELECT n FROM store_version) + 1);
END;
