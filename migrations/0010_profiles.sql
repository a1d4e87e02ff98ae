-- Tags and authors edited from the admin: the fields Ghost has for them, and the
-- slugs they had before a rename.

ALTER TABLE tags ADD COLUMN feature_image TEXT;
ALTER TABLE tags ADD COLUMN meta_title TEXT;
ALTER TABLE tags ADD COLUMN meta_description TEXT;
ALTER TABLE users ADD COLUMN location TEXT;

-- A slug a tag or an author had: its old page redirects to the new one, and a file
-- in content/ that still names it by its old name finds it (a rename made in the
-- admin is not undone by the next import). A slug taken by a row of its own is no
-- alias any more: the triggers below drop it.
CREATE TABLE tag_aliases (
    slug   TEXT PRIMARY KEY,
    tag_id INTEGER NOT NULL REFERENCES tags (id) ON DELETE CASCADE
) WITHOUT ROWID;
CREATE INDEX tag_aliases_tag ON tag_aliases (tag_id);

CREATE TABLE user_aliases (
    slug    TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE
) WITHOUT ROWID;
CREATE INDEX user_aliases_user ON user_aliases (user_id);

CREATE TRIGGER tags_slug_taken AFTER INSERT ON tags
BEGIN DELETE FROM tag_aliases WHERE slug = NEW.slug; END;
CREATE TRIGGER tags_slug_moved AFTER UPDATE OF slug ON tags
BEGIN DELETE FROM tag_aliases WHERE slug = NEW.slug; END;
CREATE TRIGGER users_slug_taken AFTER INSERT ON users
BEGIN DELETE FROM user_aliases WHERE slug = NEW.slug; END;
CREATE TRIGGER users_slug_moved AFTER UPDATE OF slug ON users
BEGIN DELETE FROM user_aliases WHERE slug = NEW.slug; END;

-- Aliases are pages of the site (redirects): a build notices them.
CREATE TRIGGER tag_aliases_inserted AFTER INSERT ON tag_aliases BEGIN UPDATE store_version SET n = n + 1; END;
CREATE TRIGGER tag_aliases_deleted AFTER DELETE ON tag_aliases BEGIN UPDATE store_version SET n = n + 1; END;
CREATE TRIGGER user_aliases_inserted AFTER INSERT ON user_aliases BEGIN UPDATE store_version SET n = n + 1; END;
CREATE TRIGGER user_aliases_deleted AFTER DELETE ON user_aliases BEGIN UPDATE store_version SET n = n + 1; END;
