-- Posts whose digest is still to be computed (stores from before 0004 until their
-- first open): an index of them alone, so that opening a store, which looks for
-- such posts every time, does not scan every post to find none.
CREATE INDEX posts_without_digest ON posts (id) WHERE body_hash IS NULL;
