-- The body of a post's current revision is kept once, in post_bodies: its revision's
-- document has no "markdown" until a newer revision supersedes it, which then gets
-- the body it replaces (store::posts::record_revisions). Stores written before keep
-- it twice; this drops the copy wherever it equals the post's body. It touches no
-- column a build reads, so the store's version stays as it is.
UPDATE revisions
SET document = json_remove(document, '$.markdown')
WHERE number = (SELECT revision FROM posts WHERE posts.id = revisions.post_id)
  AND json_extract(document, '$.markdown')
      = (SELECT markdown FROM post_bodies WHERE post_bodies.post_id = revisions.post_id);
