//! The admin API's content endpoints: posts with revisions and conflicts, publish,
//! preview, schedule, media, bad input and the OpenAPI document, over real HTTP.

mod common;

use reqwest::Method;
use serde_json::{json, Value};

use common::api::{owner_session, Api, Server};
use common::TestSite;

async fn public(server: &Server, path: &str) -> (u16, String) {
    let response = reqwest::get(format!("{}{path}", server.base))
        .await
        .expect("the site answers");
    let status = response.status().as_u16();
    (status, response.text().await.expect("a body"))
}

#[tokio::test(flavor = "multi_thread")]
async fn concurrent_edits_get_409_and_lose_nothing() {
    let site = TestSite::empty();
    let (_server, api) = owner_session(&site, "ada", &[]).await;
    let created = api
        .post(
            "/posts",
            json!({ "title": "Draft one", "markdown": "First words.", "tags": ["Rust"] }),
        )
        .await
        .expect(201);
    assert_eq!(created.body["slug"], "draft-one");
    assert_eq!(created.body["revision"], 1);
    let id = created.body["id"].as_i64().expect("id");
    let path = format!("/posts/{id}");

    // Two editors start from revision 1 at once: one wins, the other gets 409 with
    // the winner's version, and nothing is overwritten.
    let (a, b) = tokio::join!(
        api.patch(
            &path,
            json!({ "revision": 1, "markdown": "Alice's words." })
        ),
        api.patch(&path, json!({ "revision": 1, "markdown": "Bob's words." })),
    );
    let (won, lost) = if a.status == 200 { (a, b) } else { (b, a) };
    let won = won.expect(200);
    let lost = lost.expect(409);
    assert_eq!(won.body["revision"], 2);
    assert_eq!(lost.body["field"], "revision");
    assert_eq!(lost.body["current"]["markdown"], won.body["markdown"]);
    // The loser saves on top of the current revision.
    let loser_text = if won.body["markdown"] == "Alice's words." {
        "Bob's words."
    } else {
        "Alice's words."
    };
    let merged = api
        .patch(&path, json!({ "revision": 2, "markdown": loser_text }))
        .await
        .expect(200);
    assert_eq!(merged.body["revision"], 3);
    assert_eq!(
        merged.body["tags"],
        json!(["Rust"]),
        "fields not sent are kept"
    );

    // Every version is kept, and an old one can come back as a new revision.
    let revisions = api.get(&format!("{path}/revisions")).await.expect(200);
    let texts: Vec<&str> = revisions.body["revisions"]
        .as_array()
        .expect("revisions")
        .iter()
        .map(|r| r["document"]["markdown"].as_str().expect("markdown"))
        .collect();
    assert_eq!(texts.len(), 3);
    assert!(texts.contains(&"Alice's words.") && texts.contains(&"Bob's words."));
    let restored = api
        .post(
            &format!("{path}/revisions/1/restore"),
            json!({ "revision": 3 }),
        )
        .await
        .expect(200);
    assert_eq!(restored.body["revision"], 4);
    assert_eq!(restored.body["markdown"], "First words.");

    // Trash and back.
    api.delete(&path).await.expect(204);
    let trash = api.get("/posts?trashed=true").await.expect(200);
    assert_eq!(trash.body["total"], 1);
    assert_eq!(api.get("/posts").await.expect(200).body["total"], 0);
    api.post(&format!("{path}/restore"), json!({}))
        .await
        .expect(200);
    assert_eq!(api.get("/posts").await.expect(200).body["total"], 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_input_gets_a_clear_answer_and_changes_nothing() {
    let site = TestSite::empty();
    let (_server, api) = owner_session(&site, "ada", &[]).await;
    let first = api
        .post("/posts", json!({ "title": "Taken", "markdown": "x" }))
        .await
        .expect(201);
    let first_id = first.body["id"].as_i64().expect("id");

    // Malformed JSON, a wrong type, an unknown field: 400 naming the field.
    let malformed = api
        .request(Method::POST, "/posts")
        .header("content-type", "application/json")
        .body("{\"title\": ")
        .send()
        .await
        .expect("an answer");
    assert_eq!(malformed.status().as_u16(), 400);
    let wrong_type = api
        .post("/posts", json!({ "title": "T", "tags": ["ok", 3] }))
        .await
        .expect(400);
    assert_eq!(wrong_type.body["field"], "tags[1]");
    let unknown = api
        .post("/posts", json!({ "title": "T", "colour": "red" }))
        .await
        .expect(400);
    assert_eq!(unknown.body["field"], "colour");
    let no_title = api
        .post("/posts", json!({ "markdown": "x" }))
        .await
        .expect(400);
    assert_eq!(no_title.body["field"], "title");
    let bad_slug = api
        .post("/posts", json!({ "title": "T", "slug": "../etc" }))
        .await
        .expect(400);
    assert_eq!(bad_slug.body["field"], "slug");
    let no_revision = api
        .patch(&format!("/posts/{first_id}"), json!({ "title": "New" }))
        .await
        .expect(400);
    assert_eq!(no_revision.body["field"], "revision");

    // A slug in use, for a post going live: 409 naming the other post (a draft
    // gets the next free one).
    let taken = api
        .post(
            "/posts",
            json!({ "title": "Other", "slug": "taken", "status": "published" }),
        )
        .await
        .expect(409);
    assert_eq!(taken.body["field"], "slug");
    assert_eq!(taken.body["other"]["id"], first_id);

    // Unknown posts, oversized bodies.
    api.get("/posts/999").await.expect(404);
    api.patch("/posts/999", json!({ "revision": 1 }))
        .await
        .expect(404);
    // The server answers 413 without reading the body, so the client may still be
    // writing when the connection closes: try a few times for the answer itself.
    let huge = json!({ "title": "Huge", "markdown": "x".repeat(3 * 1024 * 1024) });
    let mut status = None;
    for _ in 0..5 {
        // Not kept alive: the server closes this connection after answering.
        let request = api
            .request(Method::POST, "/posts")
            .header("connection", "close");
        if let Ok(response) = request.json(&huge).send().await {
            status = Some(response.status().as_u16());
            break;
        }
    }
    assert_eq!(status, Some(413));
    api.get("/no/such/endpoint").await.expect(404);

    // SQL and HTML are text: stored and returned verbatim.
    let sneaky = "Robert'); DROP TABLE posts;-- <script>alert(1)</script>";
    let stored = api
        .post(
            "/posts",
            json!({ "title": sneaky, "slug": "sneaky", "markdown": sneaky }),
        )
        .await
        .expect(201);
    let id = stored.body["id"].as_i64().expect("id");
    let back = api.get(&format!("/posts/{id}")).await.expect(200);
    assert_eq!(back.body["title"], sneaky);
    assert_eq!(back.body["markdown"], sneaky);
    assert_eq!(api.get("/posts").await.expect(200).body["total"], 2);
    let found = api.get("/posts?q=DROP%20TABLE").await.expect(200);
    assert_eq!(found.body["total"], 1);
    let none = api.get("/posts?q=%25").await.expect(200);
    assert_eq!(none.body["total"], 0, "% is searched literally");
}

#[tokio::test(flavor = "multi_thread")]
async fn publish_after_an_edit_changes_exactly_the_expected_files() {
    let site = TestSite::sample();
    let (server, api) = owner_session(&site, "ada", &[]).await;
    let list = api
        .get("/posts?type=post&status=published&limit=200")
        .await
        .expect(200);
    let posts = list.body["posts"].as_array().expect("posts").clone();
    assert!(posts.len() >= 5, "the sample site has posts");
    // A post with its own excerpt: lists show that, not its body.
    let target = posts
        .iter()
        .find(|p| p["slug"] == "writing-posts")
        .expect("the sample post writing-posts")
        .clone();
    let id = target["id"].as_i64().expect("id");
    let slug = "writing-posts";
    let original = api.get(&format!("/posts/{id}")).await.expect(200).body["markdown"]
        .as_str()
        .expect("markdown")
        .to_owned();
    // A publish with nothing changed writes nothing.
    let idle = api.post("/publish", json!({})).await.expect(200);
    assert_eq!(idle.body["written"], json!([]), "{}", idle.body);

    // The edit comes in the file (an edit from the admin publishes itself).
    let file = site.content().join("posts/writing-posts.md");
    let text = std::fs::read_to_string(&file).expect("the sample post's file");
    let (head, body) = text.split_once("\n---\n").expect("front matter");
    assert_eq!(body.trim_start(), original.trim_start());
    let new_body = format!("{head}\n---\nCompletely new body text. {body}");
    std::fs::write(&file, new_body).expect("edit the file");
    let published = api.post("/publish", json!({})).await.expect(200);
    let written: Vec<String> =
        serde_json::from_value(published.body["written"].clone()).expect("paths");
    // The body changed, not the title or date: the post's own page and the feed
    // (which carries full content) change; no list page shows bodies.
    assert!(
        written.contains(&format!("{slug}/index.html")),
        "{written:?}"
    );
    assert!(written.contains(&"rss.xml".to_owned()), "{written:?}");
    assert_eq!(
        written.iter().filter(|p| p.starts_with("search/")).count(),
        1,
        "one chunk of the search index: {written:?}"
    );
    for path in &written {
        // The feeds carry full content: the site's, and those of the post's tags and
        // authors at Ghost's addresses.
        let feed = path == "rss.xml" || path.ends_with("rss/index.html");
        // The search index holds the body's words: its list, and the post's chunk.
        let search = path == "search.json" || path.starts_with("search/");
        assert!(
            path == &format!("{slug}/index.html") || feed || search || path == "sitemap.xml",
            "publish rewrote {path}, which does not show the edited body: {written:?}"
        );
        if feed {
            let xml = std::fs::read_to_string(site.out().join(path)).expect("the feed");
            assert!(xml.contains("Completely new body text."), "{path}");
        }
    }
    let (status, page) = public(&server, &format!("/{slug}/")).await;
    assert_eq!(status, 200);
    assert!(page.contains("Completely new body text."));

    // Requests made together share renders; each gets the result.
    let (a, b, c) = tokio::join!(
        api.post("/publish", json!({})),
        api.post("/publish", json!({})),
        api.post("/publish", json!({})),
    );
    for reply in [a, b, c] {
        reply.expect(200);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_broken_template_fails_the_publish_and_keeps_the_site() {
    let site = TestSite::sample();
    let (server, api) = owner_session(&site, "ada", &[]).await;
    let (_, before) = public(&server, "/").await;
    std::fs::create_dir_all(site.path().join("templates")).expect("mkdir");
    std::fs::write(site.path().join("templates/index.html"), "{% if %}").expect("write");
    api.post(
        "/posts",
        json!({ "title": "New one", "markdown": "x", "status": "published" }),
    )
    .await
    .expect(201);
    let failed = api.post("/publish", json!({})).await.expect(422);
    assert!(
        failed.body["error"]
            .as_str()
            .expect("message")
            .contains("index.html"),
        "{}",
        failed.body
    );
    let (status, after) = public(&server, "/").await;
    assert_eq!(status, 200);
    assert_eq!(before, after, "the published site is as it was");
}

#[tokio::test(flavor = "multi_thread")]
async fn preview_renders_with_the_theme_without_publishing() {
    let site = TestSite::sample();
    let (server, api) = owner_session(&site, "ada", &[]).await;
    let preview = api
        .post(
            "/preview",
            json!({ "title": "Not yet", "slug": "not-yet", "markdown": "# Zyxwvut\n\nSome *emphasis*.", "tags": ["Ideas"] }),
        )
        .await
        .expect(201);
    // At an address of its own (framed there, it has its own CSP), for its maker.
    let url = preview.body["url"].as_str().expect("its address");
    let path = url.strip_prefix("/admin/api").expect("under the API");
    let page = api.get(path).await.expect(200);
    let html = page.body.as_str().expect("HTML");
    assert!(html.contains("<em>emphasis</em>"), "{html}");
    assert!(html.contains("Not yet"));
    assert!(html.contains("noindex"), "a preview is never indexed");
    let csp = page.header("content-security-policy");
    assert!(
        csp.contains("sandbox") && !csp.contains("script-src"),
        "{csp}"
    );
    assert!(
        csp.contains("style-src 'self' 'unsafe-inline'"),
        "the theme's own styles: {csp}"
    );
    api.get(&format!("{path}x")).await.expect(404);
    let (status, _) = public(&server, "/not-yet/").await;
    assert_eq!(status, 404, "the preview published nothing");
    assert_eq!(
        api.get("/posts?q=Zyxwvut").await.expect(200).body["total"],
        0
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_scheduled_post_goes_live_at_its_time() {
    let site = TestSite::empty();
    let (server, api) = owner_session(&site, "ada", &[]).await;
    // Whole seconds, as the store keeps them.
    let at =
        chrono::DateTime::from_timestamp(chrono::Utc::now().timestamp() + 3, 0).expect("a time");
    api.post(
        "/posts",
        json!({
            "title": "Later",
            "markdown": "Scheduled words.",
            "status": "scheduled",
            "published_at": at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        }),
    )
    .await
    .expect(201);
    api.post("/publish", json!({})).await.expect(200);
    assert_eq!(
        public(&server, "/later/").await.0,
        404,
        "not before its time"
    );
    // Nobody publishes again: the server does when the time comes.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let (status, page) = public(&server, "/later/").await;
        if status == 200 {
            assert!(page.contains("Scheduled words."));
            assert!(chrono::Utc::now() >= at);
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the scheduled post never appeared"
        );
        // sleep: polling for the scheduled post, with a deadline
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    // A scheduled post needs its time.
    let missing = api
        .post("/posts", json!({ "title": "When?", "status": "scheduled" }))
        .await
        .expect(400);
    assert_eq!(missing.body["field"], "published_at");
}

#[tokio::test(flavor = "multi_thread")]
async fn media_uploads_are_checked_by_content_and_size() {
    let site = TestSite::sample();
    let (server, api) = owner_session(&site, "ada", &[("FOLIO_MEDIA_MAX_BYTES", "200000")]).await;
    let png = std::fs::read(site.content().join("images/banner.png")).expect("a PNG");
    assert!(png.len() < 200_000);
    let upload = |name: &'static str, bytes: Vec<u8>| {
        let api = api.clone();
        async move {
            // An oversized upload is answered before its body is read: the client may
            // see the connection close while writing, so it tries again for the answer.
            for _ in 0..5 {
                let form = reqwest::multipart::Form::new().part(
                    "file",
                    reqwest::multipart::Part::bytes(bytes.clone()).file_name(name),
                );
                // Not kept alive: after a 413 the server closes the connection.
                let request = api
                    .request(Method::POST, "/media")
                    .header("connection", "close");
                if let Ok(response) = request.multipart(form).send().await {
                    return Api::reply(response).await;
                }
            }
            panic!("no answer to the upload of {name}");
        }
    };
    let first = upload("My Photo.PNG", png.clone()).await.expect(201);
    let url = first.body["url"].as_str().expect("url").to_owned();
    assert!(
        url.starts_with("/images/") && url.ends_with("/my-photo.png"),
        "{url}"
    );
    assert!(first.body["width"].as_u64() > Some(0));
    let second = upload("My Photo.PNG", png.clone()).await.expect(201);
    assert_ne!(
        second.body["url"], first.body["url"],
        "no upload replaces another"
    );
    let stored = site.content().join(url.trim_start_matches('/'));
    assert_eq!(std::fs::read(&stored).expect("stored"), png);
    // Before any publish, the admin (and its preview) can show it.
    let early = api
        .request(Method::GET, &format!("/media{url}"))
        .send()
        .await
        .expect("an answer");
    assert_eq!(early.status().as_u16(), 200, "{url}");
    assert_eq!(early.bytes().await.expect("bytes").to_vec(), png);
    api.get("/media/posts/writing-posts.md").await.expect(400);
    api.get("/media/images/../folio.toml").await.expect(400);

    // The extension does not make an image, SVG is refused, the size limit holds.
    let fake = upload("photo.png", b"just text, not an image".to_vec())
        .await
        .expect(400);
    assert_eq!(fake.body["field"], "file");
    let svg = b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>";
    upload("logo.svg", svg.to_vec()).await.expect(400);
    upload("big.png", vec![0x89; 300_000]).await.expect(413);

    // Published with the site.
    api.post("/publish", json!({})).await.expect(200);
    let image = reqwest::get(format!("{}{url}", server.base))
        .await
        .expect("an answer");
    assert_eq!(image.status().as_u16(), 200);
    assert_eq!(image.bytes().await.expect("bytes").to_vec(), png);
}

/// The served document is the router's own: every operation it lists is routed, has a
/// summary and answers in the shapes it names; every schema it points to is in it.
#[tokio::test(flavor = "multi_thread")]
async fn the_openapi_document_describes_routes_that_exist() {
    let site = TestSite::empty();
    let server = Server::start(&site, &[]);
    let api = server.api();
    let doc = api.get("/openapi.json").await.expect(200).body;
    assert_eq!(doc["openapi"], "3.1.0");
    let paths = doc["paths"].as_object().expect("paths");
    let mut operations = 0;
    for (path, methods) in paths {
        let concrete = path
            .replace("{id}", "1")
            .replace("{number}", "1")
            .replace("{token}", "x")
            .replace("{path}", "images/x.png");
        for (method, operation) in methods.as_object().expect("methods") {
            assert!(
                operation["summary"].is_string(),
                "{method} {path} has no summary"
            );
            assert!(
                operation["responses"]["default"].is_object(),
                "{method} {path} names no error answer"
            );
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).expect("a method");
            let reply = api.send(method.clone(), &concrete, Some(json!({}))).await;
            let body: &Value = &reply.body;
            assert_ne!(
                reply.status.as_u16(),
                405,
                "{method} {path} is documented but not routed"
            );
            assert!(
                !(reply.status.as_u16() == 404 && body["error"] == "no such admin API endpoint"),
                "{method} {path} is documented but not routed"
            );
            operations += 1;
        }
    }
    assert!(operations >= 45, "{operations}");
    // Every reference resolves.
    let text = doc.to_string();
    let refs = regex::Regex::new(r##""\$ref":"#/components/schemas/([^"]+)""##).expect("a regex");
    for found in refs.captures_iter(&text) {
        let name = &found[1];
        assert!(
            doc["components"]["schemas"][name].is_object(),
            "{name} is referred to but not described"
        );
    }
}

/// Every call the admin UI makes is in the document, with its method: the UI and
/// the API cannot drift apart unseen.
#[tokio::test(flavor = "multi_thread")]
async fn every_call_of_the_admin_ui_is_documented() {
    let site = TestSite::empty();
    let server = Server::start(&site, &[]);
    let doc = server.api().get("/openapi.json").await.expect(200).body;
    let paths = doc["paths"].as_object().expect("paths");
    // Each documented path as a pattern: `{id}` and the like stand for one segment.
    let parameter = regex::Regex::new(r"\\\{[a-z_]+\\\}").expect("a regex");
    let patterns: Vec<(regex::Regex, &Value)> = paths
        .iter()
        .map(|(path, methods)| {
            let escaped = regex::escape(path);
            let pattern = parameter.replace_all(&escaped, "[^/]+");
            let pattern = regex::Regex::new(&format!("^{pattern}$")).expect("a pattern");
            (pattern, methods)
        })
        .collect();
    let documented = |method: &str, path: &str| {
        patterns
            .iter()
            .any(|(pattern, methods)| pattern.is_match(path) && methods.get(method).is_some())
    };
    let calls = regex::Regex::new(
        r#"(?:\b(get|post|patch|del)\(|api\('(GET|POST|PATCH|DELETE)',\s*)['`](/[^'`?]*)"#,
    )
    .expect("a regex");
    let interpolation = regex::Regex::new(r"\$\{[^}]*\}").expect("a regex");
    let ui = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("ui");
    let mut seen = 0;
    for entry in walkdir::WalkDir::new(&ui) {
        let file = entry.expect("an entry").into_path();
        if file.extension().is_none_or(|e| e != "js") {
            continue;
        }
        let source = std::fs::read_to_string(&file).expect("a script");
        for call in calls.captures_iter(&source) {
            let method = match call.get(1).or(call.get(2)).expect("a method").as_str() {
                "del" | "DELETE" => "delete".to_owned(),
                other => other.to_lowercase(),
            };
            // `${id}` and the like stand for one segment.
            let path = interpolation.replace_all(&call[3], "x");
            assert!(
                documented(&method, &path),
                "{}: {method} {path} is called by the UI but not in the API's document",
                file.display()
            );
            seen += 1;
        }
    }
    assert!(seen >= 40, "only {seen} calls found in the UI");
}

#[tokio::test(flavor = "multi_thread")]
async fn site_settings_saved_here_override_the_file_until_reverted() {
    let site = TestSite::sample();
    let (server, api) = owner_session(&site, "ada", &[]).await;
    let saved = api
        .patch(
            "/settings",
            json!({
                "title": "Renamed blog",
                "navigation": [{ "label": "Home", "url": "/" }],
                "codeinjection_head": "<meta name=\"injected\" content=\"yes\">",
            }),
        )
        .await
        .expect(200);
    assert_eq!(saved.body["settings"]["title"], "Renamed blog");
    let overridden = saved.body["overridden"].as_array().expect("keys").len();
    assert_eq!(overridden, 3);
    // The title in use names the site in a new authenticator entry.
    common::api::add_user(&site, "bea", "editor");
    let challenge = server
        .api()
        .post(
            "/session",
            json!({ "username": "bea", "password": common::api::PASSWORD }),
        )
        .await
        .expect(200);
    let key = server
        .api()
        .post(
            "/session/enroll",
            json!({ "challenge": challenge.body["challenge"] }),
        )
        .await
        .expect(200);
    let url = key.body["otpauth_url"].as_str().expect("a URL");
    assert!(url.contains("issuer=Renamed%20blog"), "{url}");
    // Invalid values and keys that belong to folio.toml are refused by name.
    let bad = api
        .patch("/settings", json!({ "navigation": "not a list" }))
        .await
        .expect(400);
    assert_eq!(bad.body["field"], "navigation");
    let not_here = api
        .patch("/settings", json!({ "base_url": "https://elsewhere" }))
        .await
        .expect(400);
    assert_eq!(not_here.body["field"], "base_url");

    api.post("/publish", json!({})).await.expect(200);
    let (_, home) = public(&server, "/").await;
    assert!(home.contains("Renamed blog"));
    assert!(home.contains("<meta name=\"injected\" content=\"yes\">"));
    let (_, post) = public(&server, "/writing-posts/").await;
    assert!(post.contains("<meta name=\"injected\" content=\"yes\">"));

    // A later start names what the store overrides: a change of these keys in
    // folio.toml would show nowhere.
    let (_second, log) = Server::start_reading_log(&site, &[]);
    let said = log
        .lines()
        .find(|line| line.contains("override folio.toml"))
        .unwrap_or_else(|| panic!("the overrides are not named at start:\n{log}"));
    for key in ["title", "navigation", "codeinjection_head"] {
        assert!(said.contains(key), "{said}");
    }
    api.patch(
        "/settings",
        json!({ "title": null, "codeinjection_head": null }),
    )
    .await
    .expect(200);
    api.post("/publish", json!({})).await.expect(200);
    let (_, home) = public(&server, "/").await;
    assert!(!home.contains("Renamed blog") && !home.contains("injected"));
}

/// Ghost's Design and General settings: a wrong field is named and nothing of it is
/// kept; the right ones come back, and the site's pages take the language.
#[tokio::test(flavor = "multi_thread")]
async fn design_settings_are_checked_field_by_field_and_kept() {
    let site = TestSite::sample();
    let (server, api) = owner_session(&site, "ada", &[]).await;
    for (design, field) in [
        (json!({ "accent_color": "red" }), "design.accent_color"),
        (json!({ "timezone": "Mars/Olympus" }), "design.timezone"),
        (json!({ "logo": "javascript:alert(1)" }), "design.logo"),
        (
            json!({ "og_image": "/a.png\" onerror=\"x" }),
            "design.og_image",
        ),
        (
            json!({ "social": { "x": "not a handle" } }),
            "design.social.x",
        ),
        (
            json!({ "social": { "bluesky": "http://bsky.example/x" } }),
            "design.social.bluesky",
        ),
        (json!({ "colour": "#ffffff" }), "design"),
    ] {
        let bad = api
            .patch("/settings", json!({ "design": design }))
            .await
            .expect(400);
        assert_eq!(bad.body["field"], field, "{design}: {}", bad.body);
    }
    let bad = api
        .patch("/settings", json!({ "language": "english" }))
        .await
        .expect(400);
    assert_eq!(bad.body["field"], "language");
    assert_eq!(
        api.get("/settings").await.expect(200).body["overridden"],
        json!([]),
        "nothing refused was kept"
    );

    let design = json!({
        "logo": "/images/logo.png",
        "accent_color": "#24584a",
        "timezone": "Europe/Lisbon",
        "social": { "x": "@tidewater", "mastodon": "https://m.example/@tide" },
        "meta_description": "Notes from the coast.",
    });
    let saved = api
        .patch(
            "/settings",
            json!({ "design": design, "language": "pt-PT" }),
        )
        .await
        .expect(200);
    assert_eq!(
        saved.body["settings"]["design"]["timezone"],
        "Europe/Lisbon"
    );
    assert_eq!(
        saved.body["settings"]["design"]["social"]["x"],
        "@tidewater"
    );
    let again = api.get("/settings").await.expect(200);
    assert_eq!(again.body["settings"]["design"]["accent_color"], "#24584a");
    assert_eq!(again.body["settings"]["language"], "pt-PT");
    let (_, home) = public(&server, "/").await;
    assert!(
        home.contains("lang=\"pt-PT\""),
        "the pages take the language"
    );
}

/// Lists come newest first by date (a draft's date is its last change), or oldest
/// first, or last changed first (`store.rs` moves a clock to check that order); a
/// sort the API does not know is refused by name.
#[tokio::test(flavor = "multi_thread")]
async fn post_lists_sort_by_date_or_by_last_change() {
    let site = TestSite::empty();
    let (_server, api) = owner_session(&site, "ada", &[]).await;
    for (title, date) in [
        ("Middle", "2025-06-01T10:00:00Z"),
        ("Oldest", "2024-01-01T10:00:00Z"),
        ("Newest", "2026-03-01T10:00:00Z"),
    ] {
        api.post(
            "/posts",
            json!({ "title": title, "markdown": "Text.", "status": "published", "published_at": date }),
        )
        .await
        .expect(201);
    }
    let titles = |query: &'static str| listed_titles(&api, query);
    assert_eq!(titles("").await, ["Newest", "Middle", "Oldest"]);
    assert_eq!(titles("sort=newest").await, ["Newest", "Middle", "Oldest"]);
    assert_eq!(titles("sort=oldest").await, ["Oldest", "Middle", "Newest"]);
    assert_eq!(titles("sort=updated").await.len(), 3);
    let bad = api.get("/posts?sort=title").await.expect(400);
    assert_eq!(bad.body["field"], "sort");
}

/// A search finds the posts whose title has the words before those whose text has
/// them, newest first within each; filters by tag and author narrow it.
#[tokio::test(flavor = "multi_thread")]
async fn a_search_ranks_title_matches_first_and_filters_by_tag_and_author() {
    let site = TestSite::empty();
    let (_server, api) = owner_session(&site, "ada", &[]).await;
    for (title, body, date, tags, author) in [
        (
            "Kubernetes at home",
            "Text.",
            "2024-01-01T10:00:00Z",
            vec!["Ops"],
            "ada",
        ),
        (
            "Newer, about gardens",
            "Then kubernetes again.",
            "2026-01-01T10:00:00Z",
            vec!["Garden"],
            "ada",
        ),
        (
            "Newest of all",
            "Kubernetes, once more.",
            "2026-05-01T10:00:00Z",
            vec!["Ops"],
            "Bo",
        ),
    ] {
        api.post(
            "/posts",
            json!({ "title": title, "markdown": body, "status": "published", "published_at": date,
                    "tags": tags, "authors": [author] }),
        )
        .await
        .expect(201);
    }
    let titles = |query: &'static str| listed_titles(&api, query);
    assert_eq!(
        titles("q=kubernetes").await,
        [
            "Kubernetes at home",
            "Newest of all",
            "Newer, about gardens"
        ]
    );
    assert_eq!(
        titles("q=kubernetes&tag=ops").await,
        ["Kubernetes at home", "Newest of all"]
    );
    assert_eq!(titles("q=kubernetes&author=bo").await, ["Newest of all"]);
}

/// The titles `GET /posts?{query}` lists, in its order.
async fn listed_titles(api: &common::api::Api, query: &str) -> Vec<String> {
    let list = api.get(&format!("/posts?{query}")).await.expect(200);
    list.body["posts"]
        .as_array()
        .expect("posts")
        .iter()
        .map(|p| p["title"].as_str().expect("a title").to_owned())
        .collect()
}
