-- What a build needs from a post's body without reading it, kept by every write
-- (store::posts::Digest): the hash of the Markdown (what its rendered HTML is cached
-- and its page keyed by), its word count and its automatic excerpt. A build then reads
-- bodies only for the pages it renders. Rows written before this migration are filled
-- in when the store opens.
ALTER TABLE posts ADD COLUMN body_hash TEXT;
ALTER TABLE posts ADD COLUMN word_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE posts ADD COLUMN auto_excerpt TEXT NOT NULL DEFAULT '';
