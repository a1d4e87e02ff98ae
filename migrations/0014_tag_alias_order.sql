-- When a tag's slug was left by a rename: a tag keeps the newest few old slugs (each
-- one a redirect page), as an author does, so renames cannot fill the site.
ALTER TABLE tag_aliases ADD COLUMN renamed_at TEXT NOT NULL DEFAULT '';
