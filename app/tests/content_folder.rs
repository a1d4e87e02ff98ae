//! The content folder holds the site: every save made in the admin is written to it
//! (atomically, a patch of the file that keeps its style), and a store imported from
//! it again renders the same site. Through the real binary, a real SQLite file and a
//! real Git repository.

mod common;

use std::path::Path;

use serde_json::{json, Value};

use common::api::{add_user, enroll, Api, Server};
use common::git_server::git;
use common::TestSite;

fn read(site: &TestSite, rel: &str) -> Option<String> {
    std::fs::read_to_string(site.content().join(rel)).ok()
}

/// The post or page whose slug is `slug`.
async fn find(api: &Api, slug: &str) -> Value {
    let found = api.get("/posts?limit=200").await.expect(200);
    let all = found.body["posts"].as_array().expect("posts").clone();
    all.into_iter()
        .find(|p| p["slug"] == slug)
        .unwrap_or_else(|| panic!("no post {slug}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn every_save_in_the_admin_is_a_file_and_a_store_rebuilt_from_them_gives_the_same_site() {
    let site = TestSite::sample();
    git(&site.content(), &["init", "-q"]);
    git(&site.content(), &["add", "-A"]);
    git(&site.content(), &["commit", "-qm", "sample"]);
    add_user(&site, "ada", "owner");
    add_user(&site, "bo", "contributor");
    let server = Server::start(&site, &[]);
    let (owner, _, _) = enroll(&server.api(), "ada").await;
    let (author, _, _) = enroll(&server.api(), "bo").await;
    // The page published without `date` is dated by its first import, in its file:
    // a rebuild keeps the date. The content folder is a Git working copy: the server
    // commits what it writes itself as folio's, each admin change as its author's.
    let numstat = git(
        &site.content(),
        &["show", "--numstat", "--format=%an: %s", "HEAD"],
    );
    assert_eq!(
        numstat.trim(),
        "folio: folio: dates of posts published without one\n\n1\t0\tpages/about.md",
        "{numstat}"
    );

    // A post written in the admin is a file from its first save.
    let created = owner
        .post(
            "/posts",
            json!({ "title": "Written here", "markdown": "One two three.\n", "tags": ["Ops"] }),
        )
        .await
        .expect(201);
    let id = created.body["id"].as_i64().expect("id");
    let file = read(&site, "posts/written-here.md").expect("the draft is a file");
    assert!(
        file.contains("title: Written here") && file.contains("status: draft"),
        "{file}"
    );
    let published = owner
        .patch(
            &format!("/posts/{id}"),
            json!({ "revision": created.body["revision"], "status": "published", "publish": true }),
        )
        .await
        .expect(200);
    let file = read(&site, "posts/written-here.md").expect("still a file");
    assert!(
        file.contains("status: published") && file.contains("date:"),
        "{file}"
    );

    // Unpublished changes of a live post are not the site: the file waits for Update.
    owner
        .patch(
            &format!("/posts/{id}"),
            json!({ "revision": published.body["revision"], "title": "Not yet" }),
        )
        .await
        .expect(200);
    assert_eq!(
        read(&site, "posts/written-here.md").as_deref(),
        Some(file.as_str())
    );
    owner
        .delete(&format!("/posts/{id}/pending"))
        .await
        .expect(200);

    // A one-word edit of a file from Git is a one-line diff.
    let post = find(&owner, "getting-started").await;
    let full = owner
        .get(&format!("/posts/{}", post["id"]))
        .await
        .expect(200);
    let markdown = full.body["markdown"].as_str().expect("markdown");
    let (word, other) = ("folio", "Folio-the-tool");
    assert!(markdown.contains(word));
    owner
        .patch(
            &format!("/posts/{}", post["id"]),
            json!({
                "revision": full.body["revision"],
                "markdown": markdown.replacen(word, other, 1),
                "publish": true,
            }),
        )
        .await
        .expect(200);
    let numstat = git(
        &site.content(),
        &["show", "--numstat", "--format=%an: %s", "HEAD"],
    );
    assert_eq!(
        numstat.trim(),
        "ada: post.updated: getting-started\n\n1\t1\tposts/getting-started.md",
        "{numstat}"
    );
    assert_eq!(
        git(&site.content(), &["status", "--porcelain"]),
        "",
        "all committed"
    );

    // The trash removes the file; a restore writes the post back (whole: the file's
    // own layout went with it).
    let trashed = find(&owner, "roadmap-notes").await;
    assert!(read(&site, "posts/roadmap-notes.md").is_some());
    owner
        .delete(&format!("/posts/{}", trashed["id"]))
        .await
        .expect(204);
    assert_eq!(read(&site, "posts/roadmap-notes.md"), None);
    owner
        .post(&format!("/posts/{}/restore", trashed["id"]), json!({}))
        .await
        .expect(200);
    let back = read(&site, "posts/roadmap-notes.md").expect("written back");
    for line in [
        "title: Roadmap notes (draft)",
        "slug: roadmap-notes",
        "status: draft",
    ] {
        assert!(back.contains(line), "{back}");
    }
    let gone = find(&owner, "drafts-and-scheduling").await;
    owner
        .delete(&format!("/posts/{}", gone["id"]))
        .await
        .expect(204);

    // An author's raw HTML stays cleaned in a store rebuilt from the files.
    author
        .post(
            "/posts",
            json!({ "title": "By an author", "markdown": "Hi <img src=x onerror=alert(1)>\n" }),
        )
        .await
        .expect(201);
    let file = read(&site, "posts/by-an-author.md").expect("the author's draft");
    assert!(file.contains("sanitize: true"), "{file}");
    let id = find(&owner, "by-an-author").await["id"].clone();
    let current = owner.get(&format!("/posts/{id}")).await.expect(200);
    owner
        .patch(
            &format!("/posts/{id}"),
            json!({ "revision": current.body["revision"], "status": "published", "publish": true }),
        )
        .await
        .expect(200);

    // No temporary file is left beside the ones written.
    let hidden: Vec<String> = walk(&site.content())
        .into_iter()
        .filter(|p| p.rsplit('/').next().is_some_and(|n| n.starts_with('.')))
        .filter(|p| !p.starts_with(".git/"))
        .collect();
    assert_eq!(hidden, Vec::<String>::new());

    // A new store imported from the folder renders the same site, byte for byte.
    owner.post("/publish", json!({})).await.expect(200);
    let rebuilt = TestSite::empty();
    common::copy_dir(&site.content(), &rebuilt.content());
    let out = rebuilt.cli(&["publish"]);
    assert!(out.status.success(), "{out:?}");
    let differ = common::differing(&site.output(), &rebuilt.output());
    assert_eq!(differ, Vec::<String>::new());
    let html = rebuilt.read_out("by-an-author/index.html");
    assert!(
        !html.contains("onerror"),
        "the author's HTML was trusted: {html}"
    );
    assert!(!rebuilt
        .output()
        .contains_key("drafts-and-scheduling/index.html"));
}

/// Every file under `dir`, as paths relative to it.
fn walk(dir: &Path) -> Vec<String> {
    common::read_tree(dir).into_keys().collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn tags_profiles_and_settings_saved_in_the_admin_are_files_a_rebuild_keeps() {
    let site = TestSite::sample();
    add_user(&site, "ada", "owner");
    add_user(&site, "quietlogin", "editor");
    let server = Server::start(&site, &[]);
    let (owner, _, _) = enroll(&server.api(), "ada").await;

    // A tag renamed with a description, a profile, the title and the navigation.
    let tags = owner.get("/tags").await.expect(200);
    let tag = tags.body["tags"]
        .as_array()
        .expect("tags")
        .iter()
        .find(|t| t["slug"] == "internals")
        .expect("the sample's tag")
        .clone();
    let rename = json!({ "name": "Under the hood", "slug": "under-the-hood",
                         "description": "How folio works." });
    owner
        .patch(&format!("/tags/{}", tag["id"]), rename)
        .await
        .expect(200);
    let authors = owner.get("/authors").await.expect(200);
    let ada = authors.body["authors"]
        .as_array()
        .expect("authors")
        .iter()
        .find(|a| a["username"] == "ada")
        .expect("ada's profile")
        .clone();
    let profile = json!({ "name": "Ada Lovelace", "slug": "ada-lovelace", "bio": "Programs." });
    owner
        .patch(&format!("/authors/{}", ada["id"]), profile)
        .await
        .expect(200);
    let settings = json!({ "title": "Notes from the cluster",
                           "navigation": [{ "label": "About", "url": "/about/" }] });
    owner.patch("/settings", settings).await.expect(200);

    let tags_file = read(&site, "tags.yaml").expect("tags.yaml");
    assert!(
        tags_file.contains("slug: under-the-hood") && tags_file.contains("- internals"),
        "{tags_file}"
    );
    let authors_file = read(&site, "authors.yaml").expect("authors.yaml");
    assert!(authors_file.contains("bio: Programs."), "{authors_file}");
    assert!(
        !authors_file.contains('@'),
        "no e-mail in the folder: {authors_file}"
    );
    let site_file = read(&site, "site.yaml").expect("site.yaml");
    assert!(
        site_file.contains("title: Notes from the cluster"),
        "{site_file}"
    );

    // Nothing else changed the files: written again, they are the same.
    owner.post("/publish", json!({})).await.expect(200);
    assert_eq!(
        read(&site, "tags.yaml").as_deref(),
        Some(tags_file.as_str())
    );

    // A new store from the folder: the same site, the old tag address redirecting.
    let rebuilt = TestSite::empty();
    common::copy_dir(&site.content(), &rebuilt.content());
    let out = rebuilt.cli(&["publish"]);
    assert!(out.status.success(), "{out:?}");
    let differ = common::differing(&site.output(), &rebuilt.output());
    assert_eq!(differ, Vec::<String>::new());
    let home = rebuilt.read_out("index.html");
    assert!(
        home.contains("Notes from the cluster"),
        "the title from site.yaml"
    );
    assert!(
        rebuilt.output().contains_key("tag/internals/index.html"),
        "the old slug redirects"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_file_changed_on_the_server_is_read_by_the_next_publish_and_pending_changes_stay() {
    let site = TestSite::empty();
    add_user(&site, "ada", "owner");
    let server = Server::start(&site, &[]);
    let (owner, _, _) = enroll(&server.api(), "ada").await;
    let new = json!({ "title": "Here", "markdown": "One.\n", "status": "published" });
    let created = owner.post("/posts", new).await.expect(201);
    let id = created.body["id"].as_i64().expect("id");
    let update = json!({ "revision": created.body["revision"], "markdown": "One.\n\nMine.\n" });
    owner
        .patch(&format!("/posts/{id}"), update)
        .await
        .expect(200);
    let file = site.content().join("posts/here.md");
    let text = std::fs::read_to_string(&file).expect("the file");
    std::fs::write(&file, text.replace("One.", "One.\n\nFrom Git.")).expect("write");
    owner.post("/publish", json!({})).await.expect(200);
    let page = reqwest::get(format!("{}/here/", server.base))
        .await
        .expect("page");
    let html = page.text().await.expect("text");
    assert!(
        html.contains("From Git.") && !html.contains("Mine."),
        "{html}"
    );
    // The unpublished changes stay, on the revision they were made on.
    let now = owner.get(&format!("/posts/{id}")).await.expect(200);
    assert!(now.body["pending"]["base_revision"].as_i64() < now.body["revision"].as_i64());
}

/// A live post's unpublished changes and a change to its file (from Git, CI or a
/// hand edit) to other lines are merged at the text level: the changes are carried
/// over the new revision and Update publishes both. Where the same lines changed,
/// they wait on the revision they were made on (the test above), and a field changed
/// on both sides is a conflict too.
#[tokio::test(flavor = "multi_thread")]
async fn unpublished_changes_to_other_lines_than_a_file_change_are_carried_over_it() {
    let site = TestSite::empty();
    add_user(&site, "ada", "owner");
    let server = Server::start(&site, &[]);
    let (owner, _, _) = enroll(&server.api(), "ada").await;
    let body = "First paragraph.\n\nSecond paragraph.\n\nThird paragraph.\n";
    let new = json!({ "title": "Merged", "markdown": body, "status": "published" });
    let created = owner.post("/posts", new).await.expect(201);
    let id = created.body["id"].as_i64().expect("id");
    let mine = body.replace("First paragraph.", "First paragraph, edited here.");
    let update = json!({ "revision": created.body["revision"], "markdown": mine,
                         "meta_title": "Mine" });
    owner
        .patch(&format!("/posts/{id}"), update)
        .await
        .expect(200);
    let file = site.content().join("posts/merged.md");
    let text = std::fs::read_to_string(&file).expect("the file");
    let theirs = text.replace("Third paragraph.", "Third paragraph, edited in Git.");
    std::fs::write(
        &file,
        theirs.replace("title: Merged", "title: Merged in Git"),
    )
    .expect("write");
    owner.post("/publish", json!({})).await.expect(200);
    let now = owner.get(&format!("/posts/{id}")).await.expect(200);
    let pending = &now.body["pending"];
    assert_eq!(
        pending["base_revision"], now.body["revision"],
        "{}",
        now.body
    );
    assert_eq!(
        pending["document"]["markdown"],
        "First paragraph, edited here.\n\nSecond paragraph.\n\nThird paragraph, edited in Git.\n"
    );
    assert_eq!(pending["document"]["title"], "Merged in Git");
    assert_eq!(pending["document"]["meta_title"], "Mine");
    let update = json!({ "revision": now.body["revision"], "pending": pending["saves"],
                         "publish": true });
    owner
        .patch(&format!("/posts/{id}"), update)
        .await
        .expect(200);
    owner.post("/publish", json!({})).await.expect(200);
    let html = reqwest::get(format!("{}/merged/", server.base))
        .await
        .expect("page")
        .text()
        .await
        .expect("text");
    assert!(
        html.contains("edited here") && html.contains("edited in Git"),
        "{html}"
    );

    // The same field changed on both sides: the changes wait, both shown.
    let now = owner.get(&format!("/posts/{id}")).await.expect(200);
    let update = json!({ "revision": now.body["revision"], "meta_title": "Mine again" });
    owner
        .patch(&format!("/posts/{id}"), update)
        .await
        .expect(200);
    let text = std::fs::read_to_string(&file).expect("the file");
    std::fs::write(
        &file,
        text.replace("meta_title: Mine", "meta_title: Theirs"),
    )
    .expect("write");
    owner.post("/publish", json!({})).await.expect(200);
    let now = owner.get(&format!("/posts/{id}")).await.expect(200);
    assert_eq!(now.body["meta_title"], "Theirs", "{}", now.body);
    assert_eq!(now.body["pending"]["document"]["meta_title"], "Mine again");
    assert!(now.body["pending"]["base_revision"].as_i64() < now.body["revision"].as_i64());
}

/// A Ghost import writes its files first, then imports the folder as any import does.
/// Files it cannot write leave everything as it was: the folder and the store.
#[test]
fn a_ghost_import_goes_through_the_folder_and_one_that_cannot_write_changes_nothing() {
    let site = TestSite::empty();
    site.write("posts/mine.md", "---\ntitle: Mine\n---\nMy own post.\n");
    let cli = |args: &[&str]| {
        let out = site.cli(args);
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        (out.status.success(), stderr)
    };
    assert!(cli(&["import"]).0);
    // `pages` is a file: the export's pages have nowhere to go.
    std::fs::write(site.content().join("pages"), "not a folder").expect("write");
    let before = common::read_tree(&site.content());
    let export = common::ghost::fixture("v4_export.json");
    let export = export.to_str().expect("UTF-8");
    let (ok, stderr) = cli(&["import", "ghost", export]);
    assert!(!ok, "the import went through");
    assert!(stderr.contains("pages"), "the path is not named: {stderr}");
    let after = common::read_tree(&site.content());
    assert_eq!(common::differing(&before, &after), Vec::<String>::new());
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let slugs = |site: &TestSite| {
        runtime.block_on(async {
            let store = site.store().await;
            let mut conn = store.read().await.expect("a connection");
            let slugs: Vec<String> = sqlx::query_scalar("SELECT slug FROM posts ORDER BY slug")
                .fetch_all(&mut *conn)
                .await
                .expect("slugs");
            drop(conn);
            store.close().await;
            slugs
        })
    };
    assert_eq!(slugs(&site), ["mine"], "the store changed");

    // Once it can, the store holds what the files say, by the Ghost import.
    std::fs::remove_file(site.content().join("pages")).expect("rm");
    let (ok, stderr) = cli(&["import", "ghost", export]);
    assert!(ok, "{stderr}");
    let imported = slugs(&site);
    assert_eq!(imported.len(), 12, "{imported:?}");
    runtime.block_on(async {
        let store = site.store().await;
        let mut conn = store.read().await.expect("a connection");
        let records = folio::store::sources::sources(&mut conn)
            .await
            .expect("sources");
        assert_eq!(records.len(), 12);
        for record in records {
            let text = std::fs::read(site.content().join(&record.path)).expect("the file");
            assert_eq!(record.hash, blake3::hash(&text).to_hex().to_string());
            if record.path != "posts/mine.md" {
                let revisions = folio::store::revisions::revisions(&mut conn, record.id)
                    .await
                    .expect("revisions");
                assert_eq!(revisions.len(), 1, "{}", record.path);
                assert_eq!(revisions[0].1, "ghost import", "{}", record.path);
            }
        }
        drop(conn);
        store.close().await;
    });
}

/// A server started on a new store over a folder that already has the site's data
/// files (a checkout, a new volume) reads them before it writes anything back: the
/// title, the tags and their old slugs stay, in the files and on the site.
#[test]
fn a_new_store_over_a_folder_with_data_files_keeps_them() {
    let site = TestSite::empty();
    site.write(
        "posts/hello.md",
        "---\ntitle: Hello\ndate: 2026-01-02T03:04:05Z\ntags: [Ops]\n---\nHi.\n",
    );
    let tags =
        "- name: Ops\n  slug: operations\n  description: Running things.\n  old_slugs:\n  - ops\n";
    site.write("tags.yaml", tags);
    site.write("site.yaml", "title: Notes from the cluster\n");
    let server = Server::start(&site, &[]);
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let (status, html) = runtime.block_on(common::api::page(&server, "/"));
    assert_eq!(status, 200);
    assert!(
        html.contains("Notes from the cluster"),
        "the title was lost"
    );
    let (status, _) = runtime.block_on(common::api::page(&server, "/tag/operations/"));
    assert_eq!(status, 200);
    server.stop();
    let kept = read(&site, "tags.yaml").expect("tags.yaml");
    assert!(
        kept.contains("Running things.") && kept.contains("- ops"),
        "{kept}"
    );
    let settings = read(&site, "site.yaml").expect("site.yaml");
    assert!(settings.contains("Notes from the cluster"), "{settings}");
}
