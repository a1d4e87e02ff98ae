//! The editorial model, through the real server: what is live is what someone
//! published; a trashed post stays trashed; restoring a revision restores content,
//! not status; a date to come schedules; settings saved from the admin go live and an
//! untouched field is no override.

mod common;

use serde_json::{json, Value};

use common::api::{owner_session, page, Api, Server};
use common::{post, TestSite};

/// The post of the list whose slug is `slug`.
async fn find(api: &Api, slug: &str, trashed: bool) -> Option<Value> {
    let list = api
        .get(&format!("/posts?limit=200&trashed={trashed}"))
        .await
        .expect(200);
    list.body["posts"]
        .as_array()
        .expect("posts")
        .iter()
        .find(|p| p["slug"] == slug)
        .cloned()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_trashed_post_from_a_file_stays_trashed_across_a_restart() {
    let site = TestSite::empty();
    site.write(
        "posts/keep.md",
        &post("Keep", "date: 2025-01-01\n", "Kept."),
    );
    site.write(
        "posts/gone.md",
        &post("Gone", "date: 2025-01-02\n", "Trash me."),
    );
    let (server, api) = owner_session(&site, "olga", &[]).await;
    let id = find(&api, "gone", false).await.expect("the post")["id"].clone();
    api.delete(&format!("/posts/{id}")).await.expect(204);
    api.post("/publish", json!({})).await.expect(200);
    assert_eq!(page(&server, "/gone/").await.0, 404);
    drop(server);

    let server = Server::start(&site, &[]);
    let mut api = api;
    api.base = server.base.clone();
    assert_eq!(
        page(&server, "/gone/").await.0,
        404,
        "the trash survives a restart"
    );
    assert!(
        find(&api, "gone", true).await.is_some(),
        "still in the trash"
    );
    drop(server);

    // The file changes: the post is back, as a new revision, and the log says so.
    site.write(
        "posts/gone.md",
        &post("Gone", "date: 2025-01-02\n", "Edited since."),
    );
    let (server, logged) =
        Server::start_logging(&site, &[], Some("posts/gone.md: the file changed"));
    assert!(logged.is_some_and(|rest| rest.contains("the post is back")));
    let (status, text) = page(&server, "/gone/").await;
    assert_eq!(status, 200);
    assert!(text.contains("Edited since."));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_saved_edit_to_a_live_post_waits_for_its_update() {
    let site = TestSite::empty();
    site.write(
        "posts/other.md",
        &post("Other", "date: 2025-01-01\n", "Other."),
    );
    let (server, api) = owner_session(&site, "olga", &[]).await;
    let live = api
        .post(
            "/posts",
            json!({ "title": "Live", "markdown": "The published text.", "status": "published" }),
        )
        .await
        .expect(201);
    let id = live.body["id"].as_i64().expect("id");
    api.post("/publish", json!({})).await.expect(200);

    let saved = api
        .patch(
            &format!("/posts/{id}"),
            json!({ "revision": live.body["revision"], "markdown": "A saved, unpublished edit." }),
        )
        .await
        .expect(200);
    assert_eq!(saved.body["pending"]["saves"], 1, "{}", saved.body);
    assert_eq!(saved.body["markdown"], "The published text.");
    let listed = find(&api, "live", false).await.expect("listed");
    assert_eq!(listed["pending"], true, "the list says so: {listed}");
    // Anything else published, by hand or by a scheduled post: the edit stays off.
    api.post(
        "/posts",
        json!({ "title": "Unrelated", "markdown": "x", "status": "published" }),
    )
    .await
    .expect(201);
    api.post("/publish", json!({})).await.expect(200);
    let (_, text) = page(&server, "/live/").await;
    assert!(text.contains("The published text."), "{text}");
    assert!(!text.contains("unpublished edit"));
    // Another tab that did not see the save is refused, with the changes to compare.
    let stale = api
        .patch(
            &format!("/posts/{id}"),
            json!({ "revision": live.body["revision"], "markdown": "From a stale tab." }),
        )
        .await
        .expect(409);
    assert_eq!(
        stale.body["current"]["pending"]["document"]["markdown"],
        "A saved, unpublished edit."
    );
    // Reading the post gives the changes to go on with.
    let read = api.get(&format!("/posts/{id}")).await.expect(200);
    assert_eq!(
        read.body["pending"]["document"]["markdown"],
        "A saved, unpublished edit."
    );
    // Update: saved and published.
    let updated = api
        .patch(
            &format!("/posts/{id}"),
            json!({ "revision": read.body["revision"], "pending": 1, "publish": true }),
        )
        .await
        .expect(200);
    assert!(updated.body.get("pending").is_none(), "{}", updated.body);
    assert_eq!(updated.body["markdown"], "A saved, unpublished edit.");
    api.post("/publish", json!({})).await.expect(200);
    let (_, text) = page(&server, "/live/").await;
    assert!(text.contains("A saved, unpublished edit."));
}

#[tokio::test(flavor = "multi_thread")]
async fn restoring_a_revision_keeps_the_status_and_the_date() {
    let site = TestSite::empty();
    site.write(
        "posts/older.md",
        &post("Older", "date: 2025-01-01\n", "Older."),
    );
    let (server, api) = owner_session(&site, "olga", &[]).await;
    let created = api
        .post(
            "/posts",
            json!({ "title": "Dated", "markdown": "First text.", "status": "draft" }),
        )
        .await
        .expect(201);
    let id = created.body["id"].as_i64().expect("id");
    let published = api
        .patch(
            &format!("/posts/{id}"),
            json!({
                "revision": created.body["revision"],
                "markdown": "Second text.",
                "status": "published",
                "published_at": "2024-06-01T10:00:00Z",
            }),
        )
        .await
        .expect(200);
    let restored = api
        .post(
            &format!("/posts/{id}/revisions/1/restore"),
            json!({ "revision": published.body["revision"] }),
        )
        .await
        .expect(200);
    assert_eq!(restored.body["markdown"], "First text.");
    assert_eq!(restored.body["status"], "published");
    assert_eq!(
        restored.body["published_at"],
        published.body["published_at"]
    );
    api.post("/publish", json!({})).await.expect(200);
    let (status, text) = page(&server, "/dated/").await;
    assert_eq!(status, 200);
    assert!(text.contains("First text."));
    // Still below the newer post: its date did not move.
    let (_, home) = page(&server, "/").await;
    assert!(home.find("Older").expect("older listed") < home.find("Dated").expect("listed"));
}

#[tokio::test(flavor = "multi_thread")]
async fn publish_with_a_date_to_come_schedules() {
    let site = TestSite::empty();
    let (server, api) = owner_session(&site, "olga", &[]).await;
    let at = (chrono::Utc::now() + chrono::Duration::days(30)).to_rfc3339();
    let created = api
        .post(
            "/posts",
            json!({ "title": "Later", "markdown": "Not yet.", "status": "published", "published_at": at }),
        )
        .await
        .expect(201);
    assert_eq!(created.body["status"], "scheduled");
    api.post("/publish", json!({})).await.expect(200);
    assert_eq!(page(&server, "/later/").await.0, 404);
    // Its time come, it shows as published.
    let past = (chrono::Utc::now() - chrono::Duration::seconds(5)).to_rfc3339();
    let due = api
        .post(
            "/posts",
            json!({ "title": "Due", "markdown": "Now.", "status": "scheduled", "published_at": past }),
        )
        .await
        .expect(201);
    let read = api
        .get(&format!("/posts/{}", due.body["id"]))
        .await
        .expect(200);
    assert_eq!(read.body["status"], "published");
    let live = api.get("/posts?status=published").await.expect(200);
    let listed: Vec<&Value> = live.body["posts"]
        .as_array()
        .expect("posts")
        .iter()
        .collect();
    assert!(
        listed
            .iter()
            .any(|p| p["slug"] == "due" && p["status"] == "published"),
        "{listed:?}"
    );
    let waiting = api.get("/posts?status=scheduled").await.expect(200);
    assert_eq!(
        waiting.body["total"], 1,
        "only the post still to come: {}",
        waiting.body
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn settings_saved_in_the_admin_go_live_and_untouched_fields_stay_the_files() {
    let site = TestSite::sample();
    std::fs::write(
        site.path().join("folio.toml"),
        "title = \"From the file\"\ncodeinjection_head = \"<meta name=from-file>\"\n",
    )
    .expect("folio.toml");
    let (server, api) = owner_session(&site, "olga", &[]).await;
    api.post("/publish", json!({})).await.expect(200);
    // The form sends every field; the code injection is as the file has it.
    let saved = api
        .patch(
            "/settings",
            json!({
                "title": "From the admin",
                "description": "",
                "codeinjection_head": "<meta name=from-file>",
                "codeinjection_foot": "",
            }),
        )
        .await
        .expect(200);
    assert_eq!(saved.body["overridden"], json!(["title"]), "{}", saved.body);
    let (_, home) = page(&server, "/").await;
    assert!(home.contains("From the admin"), "published at once");
    assert!(home.contains("<meta name=from-file>"));
}

/// Status changes are publish steps: each is on the site when its answer comes, with
/// no separate publish (the admin's Status select once saved them for the next
/// unrelated publish to put live or take down).
#[tokio::test(flavor = "multi_thread")]
async fn a_status_change_is_on_the_site_when_its_answer_comes() {
    let site = TestSite::empty();
    let (server, api) = owner_session(&site, "olga", &[]).await;
    let draft = api
        .post(
            "/posts",
            json!({ "title": "Straight out", "markdown": "Text.", "status": "draft" }),
        )
        .await
        .expect(201);
    let id = draft.body["id"].clone();
    assert_eq!(page(&server, "/straight-out/").await.0, 404);
    let live = api
        .patch(
            &format!("/posts/{id}"),
            json!({ "revision": draft.body["revision"], "status": "published" }),
        )
        .await
        .expect(200);
    assert!(
        live.body["published"]["written"].as_u64() > Some(0),
        "{}",
        live.body
    );
    assert_eq!(page(&server, "/straight-out/").await.0, 200, "live at once");

    let back = api
        .patch(
            &format!("/posts/{id}"),
            json!({ "revision": live.body["revision"], "status": "draft" }),
        )
        .await
        .expect(200);
    assert_eq!(back.body["status"], "draft");
    assert_eq!(page(&server, "/straight-out/").await.0, 404, "off at once");

    // Created live, and trashed while live: the same.
    let made = api
        .post(
            "/posts",
            json!({ "title": "Born live", "markdown": "Text.", "status": "published" }),
        )
        .await
        .expect(201);
    assert_eq!(page(&server, "/born-live/").await.0, 200);
    api.delete(&format!("/posts/{}", made.body["id"]))
        .await
        .expect(204);
    assert_eq!(
        page(&server, "/born-live/").await.0,
        404,
        "trashed: off at once"
    );
    api.post(&format!("/posts/{}/restore", made.body["id"]), json!({}))
        .await
        .expect(200);
    assert_eq!(
        page(&server, "/born-live/").await.0,
        200,
        "restored: back at once"
    );
}

/// A draft whose slug is taken gets a free one (`-2`, as Ghost does); a live post's
/// address never changes behind its writer's back.
#[tokio::test(flavor = "multi_thread")]
async fn a_draft_gets_a_free_slug_and_a_live_post_keeps_its_own() {
    let site = TestSite::empty();
    let (_server, api) = owner_session(&site, "olga", &[]).await;
    let first = json!({ "title": "Same title", "markdown": "One.", "status": "published" });
    api.post("/posts", first).await.expect(201);
    let draft = json!({ "title": "Same title", "markdown": "Two.", "status": "draft" });
    let second = api.post("/posts", draft.clone()).await.expect(201);
    assert_eq!(second.body["slug"], "same-title-2");
    let third = api.post("/posts", draft).await.expect(201);
    assert_eq!(third.body["slug"], "same-title-3");
    // Renamed by hand to a taken slug while a draft: the next free one.
    let renamed = api
        .patch(
            &format!("/posts/{}", third.body["id"]),
            json!({ "revision": third.body["revision"], "slug": "same-title" }),
        )
        .await
        .expect(200);
    assert_eq!(renamed.body["slug"], "same-title-3", "its own free one");
    // Published with a taken slug, or a live post moved onto one: refused.
    let taken = json!({ "title": "Same title", "markdown": "Three.", "status": "published" });
    let refused = api.post("/posts", taken).await;
    assert_eq!(refused.status, 409, "{}", refused.body);
    assert_eq!(refused.body["field"], "slug");
}
