-- When an author's slug was left by a rename: an author keeps the newest few old
-- slugs (each one a redirect page), so renames cannot fill the site.
ALTER TABLE user_aliases ADD COLUMN renamed_at TEXT NOT NULL DEFAULT '';
