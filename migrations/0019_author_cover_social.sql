-- An author's cover image and accounts elsewhere, as Ghost's staff profiles have them:
-- the author's page shows them.
ALTER TABLE users ADD COLUMN cover_image TEXT;
ALTER TABLE users ADD COLUMN twitter TEXT;
ALTER TABLE users ADD COLUMN facebook TEXT;
