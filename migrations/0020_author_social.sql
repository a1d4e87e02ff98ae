-- An author's accounts on the other networks of Ghost 6's staff profiles (Bluesky,
-- Mastodon, Threads, Instagram, LinkedIn, YouTube, TikTok), as one JSON object: the
-- author's page links each.
ALTER TABLE users ADD COLUMN social TEXT;
