//! A lower role trying to reach past itself through the content it writes, and
//! clients trying to turn the server's limits against it, over a real `folio serve`.

mod common;

use serde_json::{json, Value};

use common::api::{staff, Api, Server};
use common::{post, TestSite};

async fn author_id(api: &Api, slug: &str) -> i64 {
    let listed = api.get("/authors").await.expect(200);
    listed.body["authors"]
        .as_array()
        .expect("a list")
        .iter()
        .find(|a| a["slug"] == slug)
        .and_then(|a| a["id"].as_i64())
        .unwrap_or_else(|| panic!("no author {slug}: {}", listed.body))
}

fn titles(reply: &Value) -> Vec<String> {
    reply["posts"]
        .as_array()
        .expect("a list")
        .iter()
        .map(|p| p["title"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn an_author_renamed_as_another_reads_only_their_own_posts() {
    let site = TestSite::empty();
    let (_server, owner, _editor, author) = staff(&site).await;
    owner
        .post(
            "/posts",
            json!({ "title": "Owner's plans", "markdown": "The code is 4711." }),
        )
        .await
        .expect(201);
    author
        .post("/posts", json!({ "title": "Mine", "markdown": "Notes." }))
        .await
        .expect(201);
    let me = author_id(&author, "au").await;
    // A display name of their own: their posts are still theirs.
    author
        .patch(
            &format!("/authors/{me}"),
            json!({ "name": "Aurelia Unger", "slug": "au" }),
        )
        .await
        .expect(200);
    assert_eq!(
        titles(&author.get("/posts").await.expect(200).body),
        ["Mine"]
    );
    // Named as the owner's slug: still nothing of the owner's.
    author
        .patch(
            &format!("/authors/{me}"),
            json!({ "name": "olga", "slug": "au" }),
        )
        .await;
    let listed = author.get("/posts").await.expect(200);
    assert_eq!(titles(&listed.body), ["Mine"], "{}", listed.body);
    let searched = author.get("/posts?q=4711").await.expect(200);
    assert_eq!(searched.body["total"], 0, "{}", searched.body);
    let asked = author.get("/posts?author=olga").await.expect(200);
    assert_eq!(titles(&asked.body), ["Mine"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_author_taking_old_slugs_captures_no_bylines() {
    let site = TestSite::empty();
    let (_server, owner, _editor, author) = staff(&site).await;
    let me = author_id(&author, "au").await;
    for (i, slug) in ["guest", "jane-doe", "au-2"].iter().enumerate() {
        let name = format!("Au {i}");
        author
            .patch(
                &format!("/authors/{me}"),
                json!({ "name": name, "slug": slug }),
            )
            .await
            .expect(200);
    }
    let credited = owner
        .post(
            "/posts",
            json!({ "title": "By a guest", "markdown": "Hi.", "authors": ["Guest"] }),
        )
        .await
        .expect(201);
    let id = credited.body["id"].as_i64().expect("id");
    author.get(&format!("/posts/{id}")).await.expect(404);
    assert!(titles(&author.get("/posts").await.expect(200).body).is_empty());
    // Renames keep a few old slugs, not all of them.
    for i in 0..12 {
        author
            .patch(
                &format!("/authors/{me}"),
                json!({ "name": format!("Au {i}"), "slug": format!("au-n{i}") }),
            )
            .await
            .expect(200);
    }
    let listed = owner.get("/authors").await.expect(200);
    let mine = listed.body["authors"]
        .as_array()
        .expect("a list")
        .iter()
        .find(|a| a["id"] == me)
        .cloned()
        .expect("the author's profile");
    let aliases = mine["aliases"].as_array().map_or(0, Vec::len);
    assert!((1..=5).contains(&aliases), "{mine}");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_account_that_would_share_another_accounts_profile_is_refused() {
    let site = TestSite::empty();
    let (_server, owner, _editor, _author) = staff(&site).await;
    for name in ["olga_", "Olga.", "au."] {
        let invited = owner
            .post(
                "/users/invites",
                json!({ "username": name, "role": "contributor" }),
            )
            .await
            .expect(409);
        assert!(
            invited.body["error"].to_string().contains("account"),
            "{name}: {}",
            invited.body
        );
        owner
            .post(
                "/users",
                json!({ "username": name, "role": "contributor", "password": "another long passphrase here" }),
            )
            .await
            .expect(409);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_editors_one_word_fix_keeps_the_authors_html_cleaned() {
    let site = TestSite::empty();
    let (server, owner, editor, author) = staff(&site).await;
    let trap =
        "Hello.\n\n<meta http-equiv=\"refresh\" content=\"0;url=https://evil.example/\">\n\n\
                <input type=\"password\" name=\"p\">\n";
    let draft = author
        .post("/posts", json!({ "title": "Trap", "markdown": trap }))
        .await
        .expect(201);
    let id = draft.body["id"].as_i64().expect("id");
    let fixed = editor
        .patch(
            &format!("/posts/{id}"),
            json!({
                "revision": draft.body["revision"],
                "markdown": trap.replace("Hello.", "Hello there."),
                "status": "published",
            }),
        )
        .await
        .expect(200);
    owner.post("/publish", json!({})).await.expect(200);
    let (_, page) = common::api::page(&server, "/trap/").await;
    assert!(page.contains("Hello there."), "{page}");
    assert!(!page.contains("http-equiv"), "{page}");
    assert!(!page.contains("type=\"password\""), "{page}");
    // An author cannot trust their own text; an editor can, knowingly.
    author
        .patch(
            &format!("/posts/{id}"),
            json!({ "revision": fixed.body["revision"], "trust_html": true }),
        )
        .await
        .expect(403);
    editor
        .patch(
            &format!("/posts/{id}"),
            json!({ "revision": fixed.body["revision"], "trust_html": true, "publish": true }),
        )
        .await
        .expect(200);
    owner.post("/publish", json!({})).await.expect(200);
    let (_, page) = common::api::page(&server, "/trap/").await;
    assert!(page.contains("http-equiv"), "trusted: {page}");
}

#[tokio::test(flavor = "multi_thread")]
async fn slugs_and_aliases_naming_generated_files_are_refused_at_save() {
    let site = TestSite::empty();
    let (_server, owner, _editor, _author) = staff(&site).await;
    for slug in ["search.json", "sitemap-2.xml", "search"] {
        let refused = owner
            .post(
                "/posts",
                json!({ "title": "X", "slug": slug, "markdown": "x" }),
            )
            .await
            .expect(400);
        assert_eq!(refused.body["field"], "slug", "{slug}");
    }
    for alias in [
        "/search.json",
        "/sitemap.xml",
        "/images/size/w600/a.jpg",
        "/rss/",
    ] {
        let refused = owner
            .post(
                "/posts",
                json!({ "title": "X", "markdown": "x", "aliases": [alias] }),
            )
            .await
            .expect(400);
        assert_eq!(refused.body["field"], "aliases[0]", "{alias}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_regex_redirect_never_sends_a_reader_off_the_site() {
    let site = TestSite::empty();
    site.write("hello.md", &post("Hello", "", "Text."));
    site.write("redirects.yaml", "301:\n  ^/blog/(.*)$: /$1\n");
    let server = Server::start(&site, &[]);
    let (status, location) = common::api::redirect(&server, "/blog/hello/").await;
    assert_eq!((status, location.as_str()), (301, "/hello/"));
    for attack in [
        "/blog/%09/evil.example",
        "/blog//evil.example",
        "/blog/%5C/evil.example",
    ] {
        let (status, location) = common::api::redirect(&server, attack).await;
        let off = location.starts_with("//")
            || location.contains('\t')
            || location.contains('\\')
            || location.starts_with("/\t");
        assert!(!off, "{attack}: {status} {location:?}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn drawings_are_served_under_a_sandboxing_policy() {
    let site = TestSite::empty();
    site.write("hello.md", &post("Hello", "", "Text."));
    std::fs::create_dir_all(site.content().join("images")).expect("mkdir");
    std::fs::write(
        site.content().join("images/x.svg"),
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(document.cookie)</script></svg>"#,
    )
    .expect("write");
    let server = Server::start(&site, &[]);
    let response = reqwest::get(format!("{}/images/x.svg", server.base))
        .await
        .expect("an answer");
    let csp = response
        .headers()
        .get("content-security-policy")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(
        csp.contains("sandbox") && csp.contains("default-src 'none'"),
        "{csp:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn previews_are_few_at_once_and_sized_for_real_posts() {
    let site = TestSite::empty();
    let (_server, owner, _editor, author) = staff(&site).await;
    let code = format!(
        "```rust\n{}```\n",
        "let x = vec![1, 2, 3]; // a line\n".repeat(25_000)
    );
    assert!(code.len() < 1024 * 1024);
    let body = json!({ "title": "Long", "slug": "long", "markdown": code });
    let sent = (0..8).map(|_| author.post("/preview", body.clone()));
    let replies = futures_util::future::join_all(sent).await;
    let statuses: Vec<u16> = replies.iter().map(|r| r.status.as_u16()).collect();
    assert!(
        statuses.iter().all(|s| *s == 201 || *s == 503),
        "{statuses:?}"
    );
    assert!(statuses.contains(&503), "at most two at once: {statuses:?}");
    let busy = replies.iter().find(|r| r.status == 503).expect("a 503");
    assert!(!busy.header("retry-after").is_empty());
    // Past the highlighting cap, code is shown as it is (each account keeps its
    // last two previews: this one is read at once).
    let rendered = author.post("/preview", body).await.expect(201);
    let url = rendered.body["url"].as_str().expect("its address");
    let path = url.strip_prefix("/admin/api").expect("under the API");
    let page = author.get(path).await.expect(200);
    let html = page
        .body
        .as_str()
        .map(str::to_owned)
        .unwrap_or_else(|| page.body.to_string());
    assert!(html.contains("let x = vec!"), "the code is there");
    // Another account's preview is not theirs to read, whoever guesses its address.
    owner.get(path).await.expect(404);
    let too_big = "x".repeat(2 * 1024 * 1024);
    let reply = owner
        .post("/preview", json!({ "title": "Big", "markdown": too_big }))
        .await;
    assert_eq!(reply.status, 413, "{}", reply.body);
}

#[tokio::test(flavor = "multi_thread")]
async fn uploads_are_limited_per_person_per_hour() {
    let site = TestSite::sample();
    let (_server, owner, _editor, author) = staff(&site).await;
    let png = std::fs::read(site.content().join("images/banner.png")).expect("a PNG");
    let upload = |api: &Api| {
        let form = reqwest::multipart::Form::new().part(
            "file",
            reqwest::multipart::Part::bytes(png.clone()).file_name("a.png"),
        );
        api.request(reqwest::Method::POST, "/media")
            .multipart(form)
            .send()
    };
    let mut statuses = Vec::new();
    for _ in 0..61 {
        let reply = Api::reply(upload(&author).await.expect("an answer")).await;
        statuses.push(reply.status.as_u16());
        if reply.status == 429 {
            assert!(!reply.header("retry-after").is_empty());
            assert!(
                reply.body["error"].to_string().contains("an hour"),
                "{}",
                reply.body
            );
        }
    }
    assert_eq!(
        statuses.iter().filter(|s| **s == 201).count(),
        60,
        "{statuses:?}"
    );
    assert_eq!(statuses.last(), Some(&429));
    // Another person's uploads are their own.
    let reply = Api::reply(upload(&owner).await.expect("an answer")).await;
    assert_eq!(reply.status, 201);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_admin_on_its_own_listener_takes_changes_from_its_own_origin_only() {
    let site = TestSite::sample();
    common::api::add_user(&site, "olga", "owner");
    let (_server, admin) = Server::start_logging(
        &site,
        &[("FOLIO_ADMIN_LISTEN", "127.0.0.1:0")],
        Some("admin on "),
    );
    let admin = admin
        .expect("the admin's address is logged")
        .trim_end_matches("/admin/")
        .to_owned();
    let (session, _, _) = common::api::enroll(&Api::new(&admin), "olga").await;
    let draft = json!({ "title": "From where?", "markdown": "x" });
    // The public site (base_url), and the admin's host over another scheme.
    let other_scheme = admin.replacen("http://", "https://", 1);
    for origin in [common::BASE_URL, other_scheme.as_str()] {
        let mut elsewhere = session.clone();
        elsewhere.origin = Some(origin.to_owned());
        let refused = elsewhere.post("/posts", draft.clone()).await.expect(403);
        assert!(
            refused.body["error"].to_string().contains("cross-origin"),
            "{origin}"
        );
    }
    session.post("/posts", draft).await.expect(201);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_name_too_long_for_any_file_system_is_not_found() {
    let site = TestSite::empty();
    site.write("hello.md", &post("Hello", "", "Text."));
    let server = Server::start(&site, &[]);
    for path in [
        format!("/{}", "a".repeat(256)),
        format!("/hello/{}/", "%41".repeat(300)),
        format!("/{}", "b/".repeat(600)),
    ] {
        let (status, _) = common::api::page(&server, &path).await;
        assert_eq!(status, 404, "{:.40}", path);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_author_cannot_pass_for_another_by_name_nor_keep_the_site_rebuilding() {
    let site = TestSite::empty();
    let (_server, owner, _editor, author) = staff(&site).await;
    let olga = author_id(&owner, "olga").await;
    owner
        .patch(
            &format!("/authors/{olga}"),
            json!({ "name": "Ada Lovelace", "slug": "olga" }),
        )
        .await
        .expect(200);
    let me = author_id(&author, "au").await;
    let rename = |name: &str| json!({ "name": name, "slug": "au" });
    for invisible in [
        "Ada\u{200b} Lovelace",
        "\u{202e}ecalevoL adA",
        "Ada Love\u{00ad}lace",
    ] {
        let refused = author
            .patch(&format!("/authors/{me}"), rename(invisible))
            .await
            .expect(400);
        assert_eq!(refused.body["field"], "name", "{invisible:?}");
    }
    for look_alike in [
        "Аda Lovelace",
        "Ada\u{00a0}Lovelace",
        "ADA LOVELACE",
        "AdaLovelace",
    ] {
        let refused = author
            .patch(&format!("/authors/{me}"), rename(look_alike))
            .await
            .expect(409);
        assert!(
            refused.body["error"].to_string().contains("Ada Lovelace"),
            "{look_alike:?}"
        );
    }
    // A save that changes nothing publishes nothing; changes are counted.
    let same = author
        .patch(&format!("/authors/{me}"), rename("au"))
        .await
        .expect(200);
    assert_eq!(same.body["published"], Value::Null, "{}", same.body);
    let mut last = 200;
    for i in 0..21 {
        let reply = author
            .patch(
                &format!("/authors/{me}"),
                json!({ "name": "au", "slug": "au", "bio": format!("v{i}") }),
            )
            .await;
        last = reply.status.as_u16();
        if last == 429 {
            assert!(!reply.header("retry-after").is_empty());
            break;
        }
    }
    assert_eq!(last, 429, "profile saves are limited");
}
