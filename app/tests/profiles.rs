//! Tags and authors edited from the admin, through the real server: a renamed tag
//! keeps its old address as a redirect and is not undone by the next import of a
//! file that names it by its old name; a deleted tag leaves its posts their other
//! tags; each person edits their own profile (the owner anyone's), and posts and
//! author pages show it; nothing a lower role writes there becomes a script link.

mod common;

use serde_json::{json, Value};

use common::api::{add_user, enroll, owner_session, page, redirect, Api, Server};
use common::{post, TestSite};

async fn tag_id(api: &Api, slug: &str) -> Option<i64> {
    let tags = api.get("/tags").await.expect(200);
    tags.body["tags"]
        .as_array()
        .expect("tags")
        .iter()
        .find(|t| t["slug"] == slug)
        .map(|t| t["id"].as_i64().expect("an id"))
}

fn tagged_site() -> TestSite {
    let site = TestSite::empty();
    site.write(
        "posts/borrow.md",
        &post(
            "Borrowing",
            "date: 2025-01-01\ntags: [Rust, Memory]\n",
            "The borrow checker.",
        ),
    );
    site.write(
        "posts/other.md",
        &post("Other", "date: 2025-01-02\ntags: [Memory]\n", "Other."),
    );
    site
}

/// Tags and authors keep the same few old slugs: renaming a tag again and again does
/// not fill the site with redirect pages (an editor's renames, as an author's), and
/// the old slug kept longest is the newest.
#[tokio::test(flavor = "multi_thread")]
async fn a_tag_renamed_many_times_keeps_its_newest_few_old_slugs() {
    let site = tagged_site();
    let (server, api) = owner_session(&site, "olga", &[]).await;
    let id = tag_id(&api, "rust").await.expect("the tag from the file");
    for i in 0..12 {
        api.patch(
            &format!("/tags/{id}"),
            json!({ "name": format!("Rust {i}"), "slug": format!("rust-{i}") }),
        )
        .await
        .expect(200);
    }
    let tag = api.get(&format!("/tags/{id}")).await.expect(200).body;
    let aliases: Vec<&str> = tag["aliases"]
        .as_array()
        .expect("aliases")
        .iter()
        .map(|a| a.as_str().expect("a slug"))
        .collect();
    assert_eq!(aliases.len(), 5, "{tag}");
    assert!(
        aliases.contains(&"rust-10"),
        "the newest old slug stays: {tag}"
    );
    assert!(!aliases.contains(&"rust"), "the oldest goes: {tag}");
    // The newest old address still redirects; the oldest is gone.
    assert_eq!(redirect(&server, "/tag/rust-10/").await.0, 301);
    assert_eq!(redirect(&server, "/tag/rust/").await.0, 404);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_renamed_tag_redirects_and_no_import_undoes_it() {
    let site = tagged_site();
    let (server, api) = owner_session(&site, "olga", &[]).await;
    let id = tag_id(&api, "rust").await.expect("the tag from the file");
    let renamed = api
        .patch(
            &format!("/tags/{id}"),
            json!({
                "name": "Rust Lang",
                "slug": "rust-lang",
                "description": "Ownership, lifetimes and the rest.",
                "feature_image": "/images/rust.png",
                "meta_title": "Rust articles",
            }),
        )
        .await
        .expect(200);
    assert_eq!(renamed.body["aliases"], json!(["rust"]), "{}", renamed.body);
    assert!(
        renamed.body["published"]["written"].as_u64() > Some(0),
        "{}",
        renamed.body
    );

    // Live at once: the new page, the old address redirecting, posts naming it anew.
    let (status, text) = page(&server, "/tag/rust-lang/").await;
    assert_eq!(status, 200);
    assert!(text.contains("Rust Lang") && text.contains("Ownership, lifetimes and the rest."));
    assert!(
        text.contains(r#"src="/images/rust.png""#),
        "the feature image: {text}"
    );
    assert!(
        text.contains("<title>Rust articles</title>"),
        "the meta title"
    );
    // The old address: a real redirect from the server, a page for static hosts.
    assert_eq!(
        redirect(&server, "/tag/rust/").await,
        (301, "/tag/rust-lang/".into())
    );
    assert!(site
        .read_out("tag/rust/index.html")
        .contains(r#"url=/tag/rust-lang/""#));
    assert!(page(&server, "/borrow/").await.1.contains(">Rust Lang</a>"));

    // The file still says `Rust`, and changes: its import (at the next start) finds
    // the renamed tag.
    drop(server);
    site.write(
        "posts/borrow.md",
        &post(
            "Borrowing",
            "date: 2025-01-01\ntags: [Rust, Memory]\n",
            "The borrow checker, edited.",
        ),
    );
    // A server with a site to show is ready before its first publish: wait for it.
    let (server, _) = Server::start_logging(&site, &[], Some("site published"));
    let mut api = api;
    api.base = server.base.clone();
    assert_eq!(tag_id(&api, "rust").await, None, "no tag `Rust` again");
    let (_, text) = page(&server, "/borrow/").await;
    assert!(
        text.contains("edited") && text.contains(">Rust Lang</a>"),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn tags_refuse_clashes_and_unsafe_links_and_delete_cleanly() {
    let site = tagged_site();
    let (server, api) = owner_session(&site, "olga", &[]).await;
    let rust = tag_id(&api, "rust").await.expect("rust");
    let memory = tag_id(&api, "memory").await.expect("memory");
    let path = format!("/tags/{rust}");
    let clash = api
        .patch(&path, json!({ "name": "memory" }))
        .await
        .expect(409);
    assert_eq!(clash.body["field"], "name");
    let clash = api
        .patch(&path, json!({ "slug": "memory" }))
        .await
        .expect(409);
    assert_eq!(clash.body["field"], "slug");
    for bad in [
        "javascript:alert(1)",
        "//evil.example/x.png",
        "data:image/png;base64,AA",
    ] {
        let refused = api
            .patch(&path, json!({ "feature_image": bad }))
            .await
            .expect(400);
        assert_eq!(refused.body["field"], "feature_image", "{bad}");
    }
    let refused = api
        .patch(&path, json!({ "slug": "Not A Slug" }))
        .await
        .expect(400);
    assert_eq!(refused.body["field"], "slug");
    api.patch(&path, json!({ "colour": "red" }))
        .await
        .expect(400);
    // A slug another tag had before a rename is that tag's old address.
    api.patch(
        &format!("/tags/{memory}"),
        json!({ "slug": "memory-safety" }),
    )
    .await
    .expect(200);
    let clash = api
        .patch(&path, json!({ "slug": "memory" }))
        .await
        .expect(409);
    assert_eq!(clash.body["field"], "slug");

    let deleted = api.delete(&format!("/tags/{rust}")).await.expect(200);
    assert_eq!(deleted.body["deleted"], "rust");
    assert_eq!(page(&server, "/tag/rust/").await.0, 404);
    let (_, text) = page(&server, "/borrow/").await;
    assert!(
        !text.contains(">Rust</a>") && text.contains(">Memory</a>"),
        "{text}"
    );
    api.get(&format!("/tags/{rust}")).await.expect(404);

    let created = api
        .post(
            "/tags",
            json!({ "name": "Async Rust", "description": "Futures." }),
        )
        .await
        .expect(201);
    assert_eq!(created.body["slug"], "async-rust");
}

/// An author's session, with the account's author id.
async fn author_session(server: &Server, site: &TestSite, name: &str) -> (Api, i64) {
    add_user(site, name, "contributor");
    let (api, _, _) = enroll(&server.api(), name).await;
    let me = api.get("/me").await.expect(200);
    let id = me.body["author_id"].as_i64().expect("an author profile");
    (api, id)
}

#[tokio::test(flavor = "multi_thread")]
async fn each_person_edits_their_profile_and_the_site_shows_it() {
    let site = TestSite::empty();
    let (server, owner) = owner_session(&site, "olga", &[]).await;
    let (ada, ada_id) = author_session(&server, &site, "ada").await;
    let draft = ada
        .post(
            "/posts",
            json!({ "title": "Engines", "markdown": "Notes." }),
        )
        .await
        .expect(201);
    let post_id = draft.body["id"].as_i64().expect("id");

    let profile = json!({
        "name": "Ada Lovelace",
        "slug": "ada-lovelace",
        "bio": "Wrote the first program.",
        "website": "https://ada.example/",
        "location": "London",
        "profile_image": "/images/ada.png",
        "cover_image": "/images/engine.png",
        "twitter": "@ada",
        "social": { "mastodon": "@ada@mathstodon.xyz", "linkedin": "company/engines" },
    });
    // An account that is not a name is refused at its field, and nothing is saved.
    let mut wrong = profile.clone();
    wrong["twitter"] = json!("ada\" onclick=\"x");
    let refused = ada
        .patch(&format!("/authors/{ada_id}"), wrong)
        .await
        .expect(400);
    assert_eq!(refused.body["field"], "twitter", "{}", refused.body);
    for (network, account) in [
        ("bluesky", "javascript:alert(1)"),
        ("mastodon", "@ada"),
        ("youtube", "../admin"),
    ] {
        let mut wrong = profile.clone();
        wrong["social"][network] = json!(account);
        let refused = ada
            .patch(&format!("/authors/{ada_id}"), wrong)
            .await
            .expect(400);
        assert_eq!(
            refused.body["field"],
            format!("social.{network}"),
            "{}",
            refused.body
        );
    }
    let mut unknown = profile.clone();
    unknown["social"]["myspace"] = json!("tom");
    ada.patch(&format!("/authors/{ada_id}"), unknown)
        .await
        .expect(400);
    let saved = ada
        .patch(&format!("/authors/{ada_id}"), profile)
        .await
        .expect(200);
    assert_eq!(saved.body["aliases"], json!(["ada"]));

    // Still her own draft under her new name; the owner publishes it.
    ada.patch(
        &format!("/posts/{post_id}"),
        json!({ "revision": draft.body["revision"], "markdown": "Notes, edited." }),
    )
    .await
    .expect(200);
    let current = owner.get(&format!("/posts/{post_id}")).await.expect(200);
    assert_eq!(current.body["authors"], json!(["Ada Lovelace"]));
    owner
        .patch(
            &format!("/posts/{post_id}"),
            json!({ "revision": current.body["revision"], "status": "published" }),
        )
        .await
        .expect(200);
    owner.post("/publish", json!({})).await.expect(200);

    let (_, text) = page(&server, "/engines/").await;
    assert!(text.contains(">Ada Lovelace</a>"), "the byline: {text}");
    assert!(text.contains("Wrote the first program.") && text.contains(r#"src="/images/ada.png""#));
    let (status, text) = page(&server, "/author/ada-lovelace/").await;
    assert_eq!(status, 200);
    assert!(text.contains("London") && text.contains(r#"href="https://ada.example/""#));
    assert!(
        text.contains(r#"src="/images/engine.png""#)
            && text.contains(r#"href="https://x.com/ada""#)
    );
    assert!(
        text.contains(r#"<a href="https://mathstodon.xyz/@ada" rel="me">Mastodon</a>"#),
        "{text}"
    );
    assert!(text
        .contains(r#"<a href="https://www.linkedin.com/company/engines" rel="me">LinkedIn</a>"#));
    assert_eq!(
        redirect(&server, "/author/ada/").await,
        (301, "/author/ada-lovelace/".into())
    );

    // The owner edits anyone's profile; the author list names the accounts to owners only.
    let owner_id = owner.get("/me").await.expect(200).body["author_id"]
        .as_i64()
        .expect("the owner's profile");
    owner
        .patch(
            &format!("/authors/{ada_id}"),
            json!({ "location": "Marylebone" }),
        )
        .await
        .expect(200);
    let listed = owner.get("/authors").await.expect(200);
    let row = |list: &Value, id: i64| {
        list["authors"]
            .as_array()
            .expect("authors")
            .iter()
            .find(|a| a["id"] == id)
            .cloned()
            .expect("listed")
    };
    assert_eq!(row(&listed.body, ada_id)["username"], "ada");
    assert_eq!(row(&listed.body, ada_id)["location"], "Marylebone");
    let seen_by_ada = ada.get("/authors").await.expect(200);
    assert!(row(&seen_by_ada.body, owner_id)["username"].is_null());
}

#[tokio::test(flavor = "multi_thread")]
async fn an_author_cannot_reach_others_through_profiles_or_tags() {
    let site = tagged_site();
    let (server, owner) = owner_session(&site, "olga", &[]).await;
    let (ada, ada_id) = author_session(&server, &site, "ada").await;
    let owner_id = owner.get("/me").await.expect(200).body["author_id"]
        .as_i64()
        .expect("the owner's profile");
    let mine = format!("/authors/{ada_id}");

    ada.patch(&format!("/authors/{owner_id}"), json!({ "bio": "hacked" }))
        .await
        .expect(403);
    // Taking the owner's name would make the owner's posts hers.
    let clash = ada
        .patch(&mine, json!({ "name": "OLGA" }))
        .await
        .expect(409);
    assert_eq!(clash.body["field"], "name");
    for (field, bad) in [
        ("website", "javascript:alert(document.cookie)"),
        ("website", "JAVASCRIPT:alert(1)"),
        ("profile_image", "data:text/html,<script>alert(1)</script>"),
        ("profile_image", "//evil.example/me.png"),
    ] {
        let refused = ada.patch(&mine, json!({ field: bad })).await.expect(400);
        assert_eq!(refused.body["field"], field, "{bad}");
    }
    ada.patch(&mine, json!({ "bio": "<script>alert(1)</script>" }))
        .await
        .expect(200);
    let rust = tag_id(&ada, "rust").await.expect("rust");
    ada.patch(&format!("/tags/{rust}"), json!({ "name": "Mine" }))
        .await
        .expect(403);
    ada.delete(&format!("/tags/{rust}")).await.expect(403);
    ada.post("/tags", json!({ "name": "New" }))
        .await
        .expect(403);
    assert_eq!(page(&server, "/tag/rust/").await.0, 200);
    drop(server);
}

#[tokio::test]
async fn a_profile_link_from_elsewhere_never_becomes_a_script_link() {
    // A Ghost export or an old store may hold anything; the renderer leaves it out.
    let site = TestSite::empty();
    site.write(
        "posts/a.md",
        &post("A", "date: 2025-01-01\nauthors: [Mallory]\n", "Text."),
    );
    site.publish().await;
    let store = site.store().await;
    let mut conn = store.write().await.expect("a write");
    sqlx::query(
        "UPDATE users SET website = 'javascript:alert(1)', profile_image = 'javascript:x', \
         bio = 'Hi' WHERE slug = 'mallory'",
    )
    .execute(&mut *conn)
    .await
    .expect("updated");
    conn.commit().await.expect("committed");
    drop(store);
    site.publish().await;
    let text = site.read_out("author/mallory/index.html");
    assert!(text.contains("Mallory") && text.contains("Hi"), "{text}");
    assert!(!text.to_lowercase().contains("javascript:"), "{text}");
    let text = site.read_out("a/index.html");
    assert!(!text.to_lowercase().contains("javascript:"), "{text}");
}
