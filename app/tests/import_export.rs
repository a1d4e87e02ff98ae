//! `folio import` and `folio export` against a real SQLite file.

mod common;

use common::{post, TestSite};
use folio::content::{export_dir, import_dir, ContentError};
use folio::store::{posts, Status};

async fn import(
    site: &TestSite,
    prune: bool,
) -> Result<folio::content::ImportReport, ContentError> {
    let store = site.store().await;
    let report = import_dir(&store, &site.content(), prune, "Editor", chrono::Utc::now()).await;
    store.close().await;
    report
}

#[tokio::test]
async fn importing_the_sample_twice_changes_nothing() {
    let site = TestSite::sample();
    let first = import(&site, false).await.expect("imports");
    assert!(first.added >= 10, "{first:?}");
    assert_eq!((first.updated, first.unchanged), (0, 0));
    let second = import(&site, false).await.expect("imports");
    assert_eq!(
        (second.added, second.updated, second.unchanged),
        (0, 0, first.added)
    );
    assert!(!second.changed());
}

#[tokio::test]
async fn a_changed_file_is_a_new_revision_and_the_old_text_is_kept() {
    let site = TestSite::empty();
    site.write(
        "posts/a.md",
        &post("First", "date: 2026-01-01\n", "Version one."),
    );
    import(&site, false).await.expect("imports");
    site.write(
        "posts/a.md",
        &post("First, edited", "date: 2026-01-01\n", "Version two."),
    );
    let report = import(&site, false).await.expect("imports");
    assert_eq!(report.updated, 1);

    let store = site.store().await;
    let mut conn = store.read().await.expect("conn");
    let id = posts::id_by_slug(&mut conn, "a")
        .await
        .expect("query")
        .expect("post a exists");
    let revisions = folio::store::revisions::revisions(&mut conn, id)
        .await
        .expect("revisions");
    let texts: Vec<&str> = revisions
        .iter()
        .map(|(_, _, _, d)| d.markdown.trim())
        .collect();
    assert_eq!(texts, ["Version one.", "Version two."]);
    let current = posts::load(&mut conn, id)
        .await
        .expect("load")
        .expect("exists");
    assert_eq!(
        (current.revision, current.doc.title.as_str()),
        (2, "First, edited")
    );
}

#[tokio::test]
async fn export_then_import_is_a_no_op() {
    let site = TestSite::sample();
    import(&site, false).await.expect("imports");
    let store = site.store().await;
    let before = {
        let mut conn = store.read().await.expect("conn");
        posts::load_all(&mut conn).await.expect("load")
    };

    let reading = folio::content::save::Reading {
        author: "Editor",
        now: chrono::Utc::now(),
    };
    // Into the content folder itself: every post has its file already; the tags,
    // authors and settings files are written beside them.
    let content = site.content();
    let written = export_dir(&store, &content, &content, reading)
        .await
        .expect("exports");
    assert_eq!(written.written, 0);
    assert!(content.join("tags.yaml").is_file());
    // Into a fresh folder: a copy of the content folder, file for file.
    let elsewhere = tempfile::tempdir().expect("tempdir");
    export_dir(&store, &content, elsewhere.path(), reading)
        .await
        .expect("exports");
    let copied = common::read_tree(elsewhere.path());
    assert_eq!(copied, common::read_tree(&content));
    let again = export_dir(&store, &content, elsewhere.path(), reading)
        .await
        .expect("exports");
    assert_eq!(again.written, 0);
    store.close().await;

    let report = import(&site, false).await.expect("imports");
    assert_eq!((report.added, report.updated), (0, 0), "{report:?}");
    let store = site.store().await;
    let report = import_dir(
        &store,
        elsewhere.path(),
        false,
        "Editor",
        chrono::Utc::now(),
    )
    .await
    .expect("imports");
    assert_eq!((report.added, report.updated), (0, 0), "{report:?}");
    let mut conn = store.read().await.expect("conn");
    let after = posts::load_all(&mut conn).await.expect("load");
    let docs = |v: &[folio::store::StoredPost]| {
        v.iter()
            .map(|p| (p.doc.clone(), p.revision))
            .collect::<Vec<_>>()
    };
    assert_eq!(docs(&before), docs(&after));
}

#[tokio::test]
async fn a_missing_file_is_archived_only_with_prune() {
    let site = TestSite::empty();
    site.write("posts/keep.md", &post("Keep", "", "k"));
    site.write("posts/gone.md", &post("Gone", "", "g"));
    import(&site, false).await.expect("imports");
    std::fs::remove_file(site.content().join("posts/gone.md")).expect("rm");
    let report = import(&site, false).await.expect("imports");
    assert_eq!((report.missing, report.archived), (1, 0));
    let report = import(&site, true).await.expect("imports");
    assert_eq!(report.archived, 1);

    let store = site.store().await;
    let mut conn = store.read().await.expect("conn");
    let id = posts::id_by_slug(&mut conn, "gone")
        .await
        .expect("query")
        .expect("still stored");
    let archived = posts::load(&mut conn, id)
        .await
        .expect("load")
        .expect("exists");
    assert!(archived.archived);
    assert_eq!(archived.doc.markdown.trim(), "g");
    drop(conn);
    store.close().await;

    // The file comes back: the post is restored.
    site.write("posts/gone.md", &post("Gone", "", "g"));
    import(&site, true).await.expect("imports");
    let store = site.store().await;
    let mut conn = store.read().await.expect("conn");
    assert!(
        !posts::load(&mut conn, id)
            .await
            .expect("load")
            .expect("exists")
            .archived
    );
}

#[tokio::test]
async fn a_renamed_file_keeps_its_post_even_with_prune() {
    let site = TestSite::empty();
    site.write("posts/first-name.md", &post("Moving", "", "m"));
    import(&site, true).await.expect("imports");
    let store = site.store().await;
    let mut conn = store.read().await.expect("conn");
    let id = posts::id_by_slug(&mut conn, "first-name")
        .await
        .expect("query")
        .expect("imported");
    drop(conn);
    store.close().await;

    // Renamed, and its slug kept in the front matter: the same post, nothing archived.
    std::fs::remove_file(site.content().join("posts/first-name.md")).expect("rm");
    let text = post("Moving", "", "m").replacen("---\n", "---\nslug: first-name\n", 1);
    site.write("posts/second-name.md", &text);
    let report = import(&site, true).await.expect("imports");
    assert_eq!(
        (report.added, report.archived, report.missing),
        (0, 0, 0),
        "{report:?}"
    );
    let store = site.store().await;
    let mut conn = store.read().await.expect("conn");
    let moved = posts::load(&mut conn, id)
        .await
        .expect("load")
        .expect("exists");
    assert!(!moved.archived);
    assert_eq!(moved.source_path.as_deref(), Some("posts/second-name.md"));
    assert_eq!(moved.revision, 1, "the same document: no new revision");
}

#[tokio::test]
async fn bad_files_are_named_and_nothing_is_imported() {
    let site = TestSite::empty();
    site.write("posts/good.md", &post("Good", "", "fine"));
    site.write(
        "posts/broken.md",
        "---\ntitle: Broken\ntags: [unclosed\n---\nbody\n",
    );
    std::fs::write(
        site.content().join("posts/latin1.md"),
        b"---\ntitle: caf\xe9\n---\n",
    )
    .expect("write");
    site.write("posts/slash.md", &post("Slash", "slug: a/b\n", "x"));
    let err = import(&site, false)
        .await
        .expect_err("must fail")
        .to_string();
    assert!(
        err.contains("posts/broken.md:3:") || err.contains("posts/broken.md:4:"),
        "{err}"
    );
    assert!(err.contains("posts/latin1.md: not valid UTF-8"), "{err}");
    // A field that is wrong is named at its line.
    assert!(
        err.lines()
            .any(|l| l.contains("posts/slash.md:") && l.contains("slug \"a/b\"")),
        "{err}"
    );
    assert!(!err.contains("good.md"), "{err}");

    let store = site.store().await;
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM posts")
        .fetch_one(&mut *store.read().await.expect("a connection"))
        .await
        .expect("count");
    assert_eq!(count, 0, "an import with errors changes nothing");
}

#[tokio::test]
async fn two_files_with_one_slug_are_both_named() {
    let site = TestSite::empty();
    site.write("posts/one.md", &post("One", "slug: same\n", "1"));
    site.write("posts/two.md", &post("Two", "slug: same\n", "2"));
    let err = import(&site, false)
        .await
        .expect_err("duplicate")
        .to_string();
    assert!(
        err.contains("\"same\"") && err.contains("posts/one.md") && err.contains("posts/two.md"),
        "{err}"
    );
}

#[tokio::test]
async fn unknown_keys_are_warnings_and_dates_and_status_are_read() {
    let site = TestSite::empty();
    site.write(
        "posts/w.md",
        &post("W", "colour: red\ndate: 2999-01-01\n", "x"),
    );
    site.write("posts/d.md", &post("D", "draft: true\n", "x"));
    let report = import(&site, false).await.expect("imports");
    assert_eq!(
        report.warnings,
        ["posts/w.md: unknown front matter key `colour` (ignored)"]
    );
    let store = site.store().await;
    let mut conn = store.read().await.expect("conn");
    let all = posts::load_all(&mut conn).await.expect("load");
    let status: Vec<(&str, Status)> = all
        .iter()
        .map(|p| (p.doc.slug.as_str(), p.doc.status))
        .collect();
    assert_eq!(status, [("d", Status::Draft), ("w", Status::Scheduled)]);
}

#[tokio::test]
async fn two_files_may_swap_slugs() {
    let site = TestSite::empty();
    site.write("posts/a.md", &post("A", "slug: first\n", "a"));
    site.write("posts/b.md", &post("B", "slug: second\n", "b"));
    import(&site, false).await.expect("imports");
    site.write("posts/a.md", &post("A", "slug: second\n", "a"));
    site.write("posts/b.md", &post("B", "slug: first\n", "b"));
    let report = import(&site, false).await.expect("swap imports");
    assert_eq!(report.updated, 2);
}
