-- What `folio publish --remote` last sent for each file of content/: the base of a
-- three-way check, so that a file changed on the server since (by the admin) is
-- neither overwritten nor removed by a push that did not change it.
CREATE TABLE pushed_files (
    path TEXT PRIMARY KEY NOT NULL,
    hash TEXT NOT NULL
);
