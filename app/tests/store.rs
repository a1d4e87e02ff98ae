//! The SQLite store: pragmas, revisions, and what a snapshot lets through.

mod common;

/// A change made by the test, now.
fn by_test() -> folio::store::Change<'static> {
    folio::store::Change {
        by: "test",
        at: chrono::Utc::now(),
    }
}

use chrono::{DateTime, Duration, SubsecRound, Utc};
use common::TestSite;
use folio::store::{posts, Kind, PostDoc, Snapshot, Status};

fn doc(slug: &str, status: Status, days_ago: i64) -> PostDoc {
    doc_at(slug, status, days_ago, Utc::now())
}

fn doc_at(slug: &str, status: Status, days_ago: i64, now: DateTime<Utc>) -> PostDoc {
    PostDoc {
        kind: Kind::Post,
        slug: slug.into(),
        title: slug.to_uppercase(),
        status,
        // The store keeps whole seconds.
        published_at: Some((now - Duration::days(days_ago)).trunc_subsecs(0)),
        tags: vec!["Rust".into(), "#internal".into()],
        authors: vec!["Ada Lovelace".into()],
        markdown: format!("Body of {slug}"),
        ..PostDoc::default()
    }
}

#[tokio::test]
async fn the_file_is_created_in_wal_mode_with_foreign_keys() {
    let site = TestSite::empty();
    let store = site.store().await;
    assert!(site.db().is_file());
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(&mut *store.read().await.expect("a connection"))
        .await
        .expect("pragma");
    assert_eq!(mode, "wal");
    let fk: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
        .fetch_one(&mut *store.read().await.expect("a connection"))
        .await
        .expect("pragma");
    assert_eq!(fk, 1);
    let orphan =
        sqlx::query("INSERT INTO post_tags (post_id, tag_id, sort_order) VALUES (999, 999, 0)")
            .execute(&mut *store.read().await.expect("a connection"))
            .await;
    assert!(orphan.is_err(), "foreign keys are enforced");
    store.close().await;
    // Reopening runs no migration twice.
    site.store().await.close().await;
}

/// The body of each revision of post `id`, oldest first.
async fn revision_texts(conn: &mut sqlx::SqliteConnection, id: i64) -> Vec<String> {
    folio::store::revisions::revisions(conn, id)
        .await
        .expect("revisions")
        .into_iter()
        .map(|(.., doc)| doc.markdown)
        .collect()
}

#[tokio::test]
async fn every_update_keeps_the_previous_version() {
    let site = TestSite::empty();
    let store = site.store().await;
    let now = Utc::now();
    let mut tx = store.write().await.expect("tx");
    let id = posts::insert(
        &mut tx,
        &doc_at("a", Status::Draft, 1, now),
        None,
        by_test(),
    )
    .await
    .expect("insert");
    let mut edited = doc_at("a", Status::Published, 1, now);
    edited.markdown = "Second".into();
    edited.tags = vec!["Go".into()];
    let number = posts::update(&mut tx, id, &edited, None, by_test())
        .await
        .expect("update");
    tx.commit().await.expect("commit");
    assert_eq!(number, 2);

    let mut conn = store.read().await.expect("conn");
    let revisions = folio::store::revisions::revisions(&mut conn, id)
        .await
        .expect("revisions");
    assert_eq!(revisions.len(), 2);
    assert_eq!(revisions[0].3, doc_at("a", Status::Draft, 1, now));
    assert_eq!(
        revisions[1].3, edited,
        "the current revision, body included"
    );
    let current = posts::load(&mut conn, id)
        .await
        .expect("load")
        .expect("exists");
    assert_eq!(current.doc.tags, ["Go"]);
    assert_eq!(current.doc.markdown, "Second");

    // The body is stored once while current, and kept when a newer one replaces it.
    let bodies_in_revisions: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM revisions WHERE json_type(document, '$.markdown') IS NOT NULL",
    )
    .fetch_one(&mut *conn)
    .await
    .expect("count");
    assert_eq!(bodies_in_revisions, 1, "only the superseded revision");
    let mut third = edited.clone();
    third.markdown = "Third".into();
    posts::update(&mut conn, id, &third, None, by_test())
        .await
        .expect("update");
    assert_eq!(
        revision_texts(&mut conn, id).await,
        ["Body of a", "Second", "Third"]
    );
}

#[tokio::test]
async fn a_snapshot_holds_published_and_due_posts_only() {
    let site = TestSite::empty();
    let store = site.store().await;
    let mut tx = store.write().await.expect("tx");
    posts::insert(&mut tx, &doc("live", Status::Published, 3), None, by_test())
        .await
        .expect("insert");
    posts::insert(&mut tx, &doc("draft", Status::Draft, 2), None, by_test())
        .await
        .expect("insert");
    posts::insert(&mut tx, &doc("due", Status::Scheduled, 1), None, by_test())
        .await
        .expect("insert");
    posts::insert(
        &mut tx,
        &doc("later", Status::Scheduled, -5),
        None,
        by_test(),
    )
    .await
    .expect("insert");
    let gone = posts::insert(&mut tx, &doc("gone", Status::Published, 4), None, by_test())
        .await
        .expect("insert");
    posts::archive(&mut tx, gone, Utc::now())
        .await
        .expect("archive");
    tx.commit().await.expect("commit");

    let snapshot = Snapshot::load(&store, false, Utc::now())
        .await
        .expect("snapshot");
    let slugs: Vec<&str> = snapshot
        .posts
        .iter()
        .map(|p| p.post.doc.slug.as_str())
        .collect();
    assert_eq!(
        slugs,
        ["due", "live"],
        "newest first, drafts, future and archived posts left out"
    );
    let tags: Vec<(&str, bool)> = snapshot.posts[0]
        .tags
        .iter()
        .map(|&t| (snapshot.tags[t].slug.as_str(), snapshot.tags[t].internal))
        .collect();
    assert_eq!(tags, [("rust", false), ("hash-internal", true)]);
    assert_eq!(
        snapshot.authors[snapshot.posts[0].authors[0]].slug,
        "ada-lovelace"
    );

    let preview = Snapshot::load(&store, true, Utc::now())
        .await
        .expect("snapshot");
    assert_eq!(preview.posts.len(), 4);
}

#[tokio::test]
async fn snapshots_carry_digests_not_bodies() {
    let site = TestSite::empty();
    let store = site.store().await;
    let mut live = doc("live", Status::Published, 1);
    live.markdown =
        "First *paragraph* here, with five words.\n\n```rust\nfn main() {}\n```\n".into();
    let mut tx = store.write().await.expect("tx");
    let id = posts::insert(&mut tx, &live, None, by_test())
        .await
        .expect("insert");
    tx.commit().await.expect("commit");

    let snapshot = Snapshot::load(&store, false, Utc::now())
        .await
        .expect("snapshot");
    let post = &snapshot.posts[0];
    assert_eq!(post.post.doc.markdown, "", "the snapshot holds no body");
    assert_eq!(post.digest, posts::Digest::of(&live.markdown));
    assert_eq!(
        post.digest.excerpt,
        "First paragraph here, with five words."
    );
    let bodies = store.markdown_of(&[id, 999]).await.expect("bodies");
    assert_eq!(bodies.len(), 1);
    assert_eq!(bodies[&id], live.markdown);

    // An edit keeps the digest in step with the body.
    live.markdown = "Changed.".into();
    let mut tx = store.write().await.expect("tx");
    posts::update(&mut tx, id, &live, None, by_test())
        .await
        .expect("update");
    tx.commit().await.expect("commit");
    let snapshot = Snapshot::load(&store, false, Utc::now())
        .await
        .expect("snapshot");
    assert_eq!(snapshot.posts[0].digest, posts::Digest::of("Changed."));

    // Rows written before the store kept digests get theirs when it opens, without
    // counting as a change to the site.
    sqlx::query("UPDATE posts SET body_hash = NULL, word_count = 0, auto_excerpt = ''")
        .execute(&mut *store.read().await.expect("a connection"))
        .await
        .expect("forget digests");
    let version = store.version().await.expect("version");
    store.close().await;
    let store = site.store().await;
    let snapshot = Snapshot::load(&store, false, Utc::now())
        .await
        .expect("snapshot");
    assert_eq!(snapshot.posts[0].digest, posts::Digest::of("Changed."));
    assert_eq!(store.version().await.expect("version"), version);

    // Digests made another way (an older excerpt, say) are all made again: a stale
    // excerpt would stay in every list while the page keys moved on.
    sqlx::query("UPDATE posts SET auto_excerpt = 'made by an older folio'")
        .execute(&mut *store.read().await.expect("a connection"))
        .await
        .expect("age the digests");
    store
        .set_state("digest_version", "digest v0")
        .await
        .expect("an older digest version");
    store.close().await;
    let store = site.store().await;
    let snapshot = Snapshot::load(&store, false, Utc::now())
        .await
        .expect("snapshot");
    assert_eq!(snapshot.posts[0].digest, posts::Digest::of("Changed."));
    assert_eq!(
        store
            .state("digest_version")
            .await
            .expect("state")
            .as_deref(),
        Some(folio::store::digest::VERSION)
    );
}

/// The site's database with the migrations before `first_left_out` applied.
async fn store_migrated_before(site: &TestSite, first_left_out: &str) -> sqlx::SqlitePool {
    let old = tempfile::tempdir().expect("tempdir");
    for entry in std::fs::read_dir(common::repo().join("migrations")).expect("migrations") {
        let path = entry.expect("entry").path();
        let name = path
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        if name.as_str() < first_left_out {
            std::fs::copy(&path, old.path().join(&name)).expect("copy");
        }
    }
    std::fs::create_dir_all(site.db().parent().expect("folder")).expect("mkdir");
    let options = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(site.db())
        .create_if_missing(true);
    let pool = sqlx::SqlitePool::connect_with(options).await.expect("open");
    sqlx::migrate::Migrator::new(old.path())
        .await
        .expect("old migrations")
        .run(&pool)
        .await
        .expect("old schema");
    pool
}

#[tokio::test]
async fn a_store_that_kept_each_body_twice_keeps_every_revision() {
    // Before 0007 the current revision's document held the body as well.
    let site = TestSite::empty();
    let store = site.store().await;
    let mut tx = store.write().await.expect("tx");
    let id = posts::insert(&mut tx, &doc("a", Status::Published, 1), None, by_test())
        .await
        .expect("insert");
    let mut edited = doc("a", Status::Published, 1);
    edited.markdown = "Second".into();
    posts::update(&mut tx, id, &edited, None, by_test())
        .await
        .expect("update");
    sqlx::query(
        "UPDATE revisions SET document = json_set(document, '$.markdown', \
             (SELECT markdown FROM post_bodies WHERE post_id = revisions.post_id)) \
         WHERE json_type(document, '$.markdown') IS NULL",
    )
    .execute(&mut *tx)
    .await
    .expect("the old layout");
    sqlx::query("DELETE FROM _sqlx_migrations WHERE version = 7")
        .execute(&mut *tx)
        .await
        .expect("as if 0007 never ran");
    tx.commit().await.expect("commit");
    store.close().await;

    let store = site.store().await;
    let mut conn = store.read().await.expect("conn");
    let kept: Vec<(i64, bool)> = sqlx::query_as(
        "SELECT number, json_type(document, '$.markdown') IS NOT NULL FROM revisions ORDER BY number",
    )
    .fetch_all(&mut *conn)
    .await
    .expect("revisions");
    assert_eq!(kept, [(1, true), (2, false)], "the second copy is gone");
    assert_eq!(revision_texts(&mut conn, id).await, ["Body of a", "Second"]);
}

#[tokio::test]
async fn a_store_from_before_post_bodies_keeps_every_body() {
    // A database as the first three migrations left it, with a post and a revision.
    let site = TestSite::empty();
    let pool = store_migrated_before(&site, "0004").await;
    sqlx::query(
        "INSERT INTO posts (id, slug, title, markdown, status, published_at, created_at, modified_at) \
         VALUES (7, 'old', 'Old', 'An *old* body of six words.', 'published', '2026-01-01T00:00:00Z', \
         '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')",
    )
    .execute(&pool)
    .await
    .expect("old post");
    pool.close().await;

    let store = site.store().await;
    let mut conn = store.read().await.expect("conn");
    let post = posts::load(&mut conn, 7)
        .await
        .expect("load")
        .expect("the post is there");
    assert_eq!(post.doc.markdown, "An *old* body of six words.");
    drop(conn);
    let snapshot = Snapshot::load(&store, false, Utc::now())
        .await
        .expect("snapshot");
    assert_eq!(
        snapshot.posts[0].digest,
        posts::Digest::of("An *old* body of six words.")
    );
    assert_eq!(snapshot.posts[0].digest.word_count, 6);
}

/// The store writes the time of its clock: a change made a minute later on a test's
/// clock sorts first among the last changed, with no second waited for.
#[tokio::test]
async fn the_last_changed_post_lists_first_by_the_stores_clock() {
    use folio::store::listing::{PostFilter, Sort};
    use folio::store::Change;
    let site = TestSite::empty();
    let start = Utc::now().trunc_subsecs(0);
    let clock = folio::clock::Clock::fixed(start);
    let store = site.store().await.with_clock(clock.clone());
    let mut tx = store.write().await.expect("a transaction");
    let mut ids = Vec::new();
    for (slug, days_ago) in [("middle", 10), ("oldest", 20), ("newest", 5)] {
        let change = Change {
            by: "test",
            at: store.now(),
        };
        let doc = doc_at(slug, Status::Published, days_ago, start);
        ids.push(
            posts::insert(&mut tx, &doc, None, change)
                .await
                .expect("insert"),
        );
    }
    tx.commit().await.expect("commit");
    clock.advance(Duration::minutes(1));
    let mut tx = store.write().await.expect("a transaction");
    let mut edited = doc_at("oldest", Status::Published, 20, start);
    edited.markdown = "Edited.".into();
    let change = Change {
        by: "test",
        at: store.now(),
    };
    posts::update(&mut tx, ids[1], &edited, None, change)
        .await
        .expect("update");
    tx.commit().await.expect("commit");
    let slugs = |sort| {
        let store = store.clone();
        async move {
            let filter = PostFilter {
                sort,
                limit: 10,
                ..PostFilter::default()
            };
            let (_, posts) = store.list_posts(&filter).await.expect("a list");
            posts.into_iter().map(|p| p.slug).collect::<Vec<_>>()
        }
    };
    assert_eq!(slugs(Sort::Newest).await, ["newest", "middle", "oldest"]);
    assert_eq!(slugs(Sort::Updated).await[0], "oldest");
    let (_, listed) = store
        .list_posts(&PostFilter {
            limit: 10,
            ..PostFilter::default()
        })
        .await
        .expect("a list");
    let oldest = listed.iter().find(|p| p.slug == "oldest").expect("listed");
    assert_eq!(
        oldest.modified_at,
        folio::store::timestamp(start + Duration::minutes(1))
    );
}

#[tokio::test]
async fn ghost_roles_keep_every_account_its_rights_and_its_sessions() {
    // Before 0018, "author" was drafts only: Ghost's Contributor.
    let site = TestSite::empty();
    let pool = store_migrated_before(&site, "0018").await;
    for (id, name, role) in [
        (1, "olga", "owner"),
        (2, "ed", "editor"),
        (3, "au", "author"),
    ] {
        sqlx::query(
            "INSERT INTO accounts (id, username, role, password_hash, created_at, updated_at) \
             VALUES (?, ?, ?, 'hash', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')",
        )
        .bind(id)
        .bind(name)
        .bind(role)
        .execute(&pool)
        .await
        .expect("an account");
        sqlx::query(
            "INSERT INTO sessions (hash, account_id, created_at, last_seen_at, expires_at) \
             VALUES (?, ?, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z', '2099-01-01T00:00:00Z')",
        )
        .bind(format!("session-of-{name}"))
        .bind(id)
        .execute(&pool)
        .await
        .expect("a session");
    }
    sqlx::query(
        "INSERT INTO invites (hash, username, role, invited_by, created_at, expires_at) \
         VALUES ('h', 'newcomer', 'author', 'olga', '2026-01-01T00:00:00Z', '2099-01-01T00:00:00Z')",
    )
    .execute(&pool)
    .await
    .expect("an invitation");
    pool.close().await;

    let store = site.store().await;
    let roles: Vec<(String, folio::store::Role)> = store
        .accounts()
        .await
        .expect("accounts")
        .iter()
        .map(|a| (a.username.clone(), a.role()))
        .collect();
    use folio::store::Role;
    assert_eq!(
        roles,
        [
            ("au".to_owned(), Role::Contributor),
            ("ed".to_owned(), Role::Editor),
            ("olga".to_owned(), Role::Owner),
        ]
    );
    assert_eq!(
        store.session_count().await.expect("count"),
        3,
        "no session lost"
    );
    let invites = store.invites().await.expect("invites");
    assert_eq!(invites[0].role, "contributor");
    // The new roles can be stored.
    assert!(store.set_role(3, Role::Author).await.expect("set"));
    assert!(store.set_role(2, Role::Administrator).await.expect("set"));
}
