//! `folio publish --remote`: CI pushes content/ to a real `folio serve` with an API
//! token; only changed files travel, every change is a revision, bad files change
//! nothing, and the token's scopes are enforced.

mod common;

use std::process::Output;

use serde_json::{json, Value};

use common::api::{add_user, enroll, Api, Server};
use common::TestSite;

fn push(ci: &TestSite, base: &str, token: &str, extra: &[&str]) -> (Output, Value) {
    let mut args = vec!["publish", "--remote", base, "--json"];
    args.extend_from_slice(extra);
    let output = ci.cli_with(&args, &[("FOLIO_TOKEN", token)]);
    let report = serde_json::from_slice(&output.stdout).unwrap_or(Value::Null);
    (output, report)
}

async fn token(session: &Api, name: &str, scopes: Value) -> (i64, String) {
    let reply = session
        .post("/tokens", json!({ "name": name, "scopes": scopes }))
        .await
        .expect(201);
    (
        reply.body["id"].as_i64().expect("id"),
        reply.body["token"].as_str().expect("token").to_owned(),
    )
}

async fn page(server: &Server, path: &str) -> (u16, String) {
    let response = reqwest::get(format!("{}{path}", server.base))
        .await
        .expect("an answer");
    (
        response.status().as_u16(),
        response.text().await.expect("text"),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn ci_pushes_what_changed_and_nothing_edited_in_the_admin_is_lost() {
    let server_site = TestSite::empty();
    add_user(&server_site, "ada", "owner");
    let server = Server::start(&server_site, &[]);
    let (session, _, _) = enroll(&server.api(), "ada").await;
    let (_, ci_token) = token(
        &session,
        "ci",
        json!(["content:read", "content:write", "publish"]),
    )
    .await;
    let ci = TestSite::sample();

    // The first push sends everything and publishes it.
    let (out, report) = push(&ci, &server.base, &ci_token, &[]);
    assert!(out.status.success(), "{out:?}");
    let local = common::read_tree(&ci.content());
    // SVG is not pushed (it can carry scripts): the sample has two.
    let svgs: Vec<&String> = local.keys().filter(|p| p.ends_with(".svg")).collect();
    assert_eq!(report["skipped"], json!(svgs));
    assert_eq!(
        report["sent"].as_array().expect("sent").len(),
        local.len() - svgs.len()
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("not pushed: images/"));
    assert!(server_site.content().join("images/banner.png").is_file());
    assert_eq!(page(&server, "/getting-started/").await.0, 200);
    assert_eq!(page(&server, "/images/banner.png").await.0, 200);

    // Nothing changed: nothing travels.
    let (out, report) = push(&ci, &server.base, &ci_token, &[]);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(report["sent"], json!([]));
    assert_eq!(report["server"]["up_to_date"], true);
    // Said to a person: words, no raw JSON.
    let human = ci.cli_with(
        &["publish", "--remote", &server.base],
        &[("FOLIO_TOKEN", &ci_token)],
    );
    let said = String::from_utf8_lossy(&human.stdout);
    assert!(
        human.status.success() && said.contains("up to date"),
        "{said}"
    );
    assert!(!said.contains('{'), "{said}");

    // Someone edits a post in the admin; CI then pushes its own edit of that file.
    let found = session.get("/posts?q=Writing%20posts").await.expect(200);
    let post = found.body["posts"]
        .as_array()
        .expect("posts")
        .iter()
        .find(|p| p["slug"] == "writing-posts")
        .expect("the post")
        .clone();
    let id = post["id"].as_i64().expect("id");
    session
        .patch(
            &format!("/posts/{id}"),
            json!({ "revision": post["revision"], "markdown": "Edited in the admin." }),
        )
        .await
        .expect(200);
    let file = ci.content().join("posts/writing-posts.md");
    let text = std::fs::read_to_string(&file).expect("read");
    std::fs::write(
        &file,
        text.replacen("---\n\n", "---\n\nPushed from CI. ", 1),
    )
    .expect("write");
    let (out, report) = push(&ci, &server.base, &ci_token, &[]);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(report["sent"], json!(["posts/writing-posts.md"]));
    assert!(report["server"]["publish"]["written"]
        .as_array()
        .expect("written")
        .contains(&json!("writing-posts/index.html")));
    let (_, html) = page(&server, "/writing-posts/").await;
    assert!(html.contains("Pushed from CI."));
    let revisions = session
        .get(&format!("/posts/{id}/revisions"))
        .await
        .expect(200);
    let texts: Vec<&str> = revisions.body["revisions"]
        .as_array()
        .expect("revisions")
        .iter()
        .map(|r| r["document"]["markdown"].as_str().expect("markdown"))
        .collect();
    assert!(texts.iter().any(|t| t.starts_with("Pushed from CI.")));
    // The admin's edit to the live post waits as its unpublished changes, where the
    // editor shows them (now over a newer revision: their next save is a conflict
    // that shows both).
    let now = session.get(&format!("/posts/{id}")).await.expect(200);
    assert_eq!(
        now.body["pending"]["document"]["markdown"], "Edited in the admin.",
        "{}",
        now.body
    );
    // Update would drop CI's revision from the site: it is refused until the editor
    // has compared the changes with the live post and carries them over it.
    let (revision, saves) = (
        now.body["revision"].clone(),
        now.body["pending"]["saves"].clone(),
    );
    assert!(now.body["pending"]["base_revision"].as_i64() < revision.as_i64());
    let update = json!({ "revision": revision, "pending": saves, "publish": true });
    let stale = session
        .patch(&format!("/posts/{id}"), update)
        .await
        .expect(409);
    assert_eq!(stale.body["stale"], true, "{}", stale.body);
    let live = stale.body["current"]["markdown"]
        .as_str()
        .expect("the live text");
    assert!(live.starts_with("Pushed from CI."), "{live}");
    let (_, html) = page(&server, "/writing-posts/").await;
    assert!(html.contains("Pushed from CI."), "nothing was published");
    // An ordinary save (autosave) keeps them on their old revision.
    let merged = "Pushed from CI. Edited in the admin.";
    let autosave = json!({ "revision": revision, "pending": saves, "markdown": merged });
    let saved = session
        .patch(&format!("/posts/{id}"), autosave)
        .await
        .expect(200);
    assert!(saved.body["pending"]["base_revision"].as_i64() < revision.as_i64());
    let saves = saved.body["pending"]["saves"].clone();
    let over = json!({ "revision": revision, "pending": saves, "markdown": merged,
                       "over": revision, "publish": true });
    session
        .patch(&format!("/posts/{id}"), over)
        .await
        .expect(200);
    session.post("/publish", json!({})).await.expect(200);
    let (_, html) = page(&server, "/writing-posts/").await;
    assert!(html.contains("Edited in the admin."), "the merge is live");
    // CI takes the server's version into Git: the next push sends it once, as the
    // base of the pushes after it, and changes nothing.
    std::fs::copy(server_site.content().join("posts/writing-posts.md"), &file).expect("copy");
    let (out, report) = push(&ci, &server.base, &ci_token, &[]);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        report["sent"],
        json!(["posts/writing-posts.md"]),
        "{report}"
    );
    assert_eq!(report["server"]["import"]["updated"], 0, "{report}");
    let (_, report) = push(&ci, &server.base, &ci_token, &[]);
    assert_eq!(report["sent"], json!([]), "{report}");

    // A broken file: refused with its name and line, nothing written or published.
    std::fs::write(
        ci.content().join("posts/broken.md"),
        "---\ntitle: [unclosed\n---\n\nBody.\n",
    )
    .expect("write");
    std::fs::write(&file, "---\ntitle: Changed again\n---\n\nSecond push.\n").expect("write");
    let (out, _) = push(&ci, &server.base, &ci_token, &[]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("posts/broken.md") && stderr.contains("line"),
        "{stderr}"
    );
    assert!(!server_site.content().join("posts/broken.md").exists());
    let (_, html) = page(&server, "/writing-posts/").await;
    assert!(html.contains("Pushed from CI.") && !html.contains("Second push."));
    std::fs::remove_file(ci.content().join("posts/broken.md")).expect("remove");

    // --prune: a post whose file is gone from Git is taken off the site.
    std::fs::remove_file(ci.content().join("posts/deploying-on-k3s.md")).expect("remove");
    let (out, report) = push(&ci, &server.base, &ci_token, &["--prune"]);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(report["deleted"], json!(["posts/deploying-on-k3s.md"]));
    assert_eq!(page(&server, "/deploying-on-k3s/").await.0, 404);
    assert_eq!(page(&server, "/writing-posts/").await.0, 200);
}

#[tokio::test(flavor = "multi_thread")]
async fn tokens_without_the_scope_or_revoked_are_refused() {
    let server_site = TestSite::empty();
    add_user(&server_site, "ada", "owner");
    let server = Server::start(&server_site, &[]);
    let (session, _, _) = enroll(&server.api(), "ada").await;
    let ci = TestSite::sample();

    let (_, reader) = token(&session, "reader", json!(["content:read"])).await;
    let (out, _) = push(&ci, &server.base, &reader, &[]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("403") && stderr.contains("scope"),
        "{stderr}"
    );
    assert!(
        !server_site.content().join("posts").exists(),
        "nothing was written"
    );

    // Writing without publishing is not enough either: a push publishes.
    let (_, writer) = token(&session, "writer", json!(["content:read", "content:write"])).await;
    let (out, _) = push(&ci, &server.base, &writer, &[]);
    assert!(!out.status.success());

    let (id, full) = token(
        &session,
        "ci",
        json!(["content:read", "content:write", "publish"]),
    )
    .await;
    session.delete(&format!("/tokens/{id}")).await.expect(204);
    let (out, _) = push(&ci, &server.base, &full, &[]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("401"));

    // Paths that leave content/ are refused by the API itself.
    let (_, good) = token(
        &session,
        "good",
        json!(["content:read", "content:write", "publish"]),
    )
    .await;
    let api = server.api().with_token(&good);
    let evil = api
        .post(
            "/content",
            json!({ "files": [{ "path": "../escape.md", "base64": "eA==" }], "publish": false }),
        )
        .await
        .expect(400);
    assert_eq!(evil.body["field"], "files[0]");
    assert!(!server_site.path().join("escape.md").exists());
}

/// The post or page whose slug is `slug`, as the admin lists it.
async fn by_slug(session: &Api, slug: &str) -> Value {
    let found = session.get("/posts?limit=200").await.expect(200);
    let all = found.body["posts"].as_array().expect("posts").clone();
    let post = all
        .into_iter()
        .find(|p| p["slug"] == slug)
        .expect("the post");
    session
        .get(&format!("/posts/{}", post["id"]))
        .await
        .expect(200)
        .body
}

#[tokio::test(flavor = "multi_thread")]
async fn a_push_never_overwrites_or_removes_what_the_admin_changed() {
    let server_site = TestSite::empty();
    add_user(&server_site, "ada", "owner");
    let server = Server::start(&server_site, &[]);
    let (session, _, _) = enroll(&server.api(), "ada").await;
    let scopes = json!(["content:read", "content:write", "publish"]);
    let (_, ci_token) = token(&session, "ci", scopes).await;
    let ci = TestSite::sample();
    let (out, _) = push(&ci, &server.base, &ci_token, &[]);
    assert!(out.status.success(), "{out:?}");

    // In the admin: an edit published, a slug changed, a post written.
    let post = by_slug(&session, "writing-posts").await;
    let edited = format!(
        "{}\nNotes from the admin.\n",
        post["markdown"].as_str().expect("markdown")
    );
    let update = json!({ "revision": post["revision"], "markdown": edited, "publish": true });
    session
        .patch(&format!("/posts/{}", post["id"]), update)
        .await
        .expect(200);
    let moved = by_slug(&session, "getting-started").await;
    let update = json!({ "revision": moved["revision"], "slug": "first-steps", "publish": true });
    session
        .patch(&format!("/posts/{}", moved["id"]), update)
        .await
        .expect(200);
    let mine = json!({ "title": "Only here", "markdown": "Mine.", "status": "published" });
    session.post("/posts", mine).await.expect(201);

    // CI changed none of them: its push keeps all three, and says so.
    let (out, report) = push(&ci, &server.base, &ci_token, &["--prune"]);
    assert!(out.status.success(), "{out:?}");
    let kept = report["kept"].as_array().expect("kept").clone();
    assert!(kept.contains(&json!("posts/writing-posts.md")), "{report}");
    assert!(
        kept.contains(&json!("posts/getting-started.md")),
        "{report}"
    );
    assert_eq!(
        report["server_only"],
        json!(["posts/only-here.md"]),
        "{report}"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("kept on the server"));
    session.post("/publish", json!({})).await.expect(200);
    assert_eq!(page(&server, "/first-steps/").await.0, 200);
    assert_eq!(page(&server, "/only-here/").await.0, 200);
    let (_, html) = page(&server, "/writing-posts/").await;
    assert!(
        html.contains("Notes from the admin."),
        "the admin's edit is live"
    );

    // CI's own edit of the file the admin changed: a conflict, nothing written.
    let file = ci.content().join("posts/writing-posts.md");
    let text = std::fs::read_to_string(&file).expect("read");
    std::fs::write(&file, text.replacen("---\n\n", "---\n\nTypo fixed. ", 1)).expect("write");
    let (out, _) = push(&ci, &server.base, &ci_token, &[]);
    assert!(!out.status.success(), "a conflict fails the push");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("posts/writing-posts.md") && stderr.contains("--force"),
        "{stderr}"
    );
    let (_, html) = page(&server, "/writing-posts/").await;
    assert!(html.contains("Notes from the admin.") && !html.contains("Typo fixed."));
    // The admin hears of it too: the audit log names the file refused.
    let audit = session.get("/audit").await.expect(200).body.to_string();
    assert!(
        audit.contains("content.push_refused") && audit.contains("posts/writing-posts.md"),
        "{audit}"
    );

    // A new file with the slug of a post written in the admin is refused, and so is a
    // commit that gives two files one slug; reverted, CI is up to date again.
    ci.write(
        "posts/taker.md",
        "---\ntitle: Taker\nslug: only-here\n---\n\nMine now.\n",
    );
    ci.write(
        "posts/twin.md",
        "---\ntitle: Twin\nslug: roadmap-notes\n---\n\nTwo.\n",
    );
    let (out, _) = push(&ci, &server.base, &ci_token, &["--force"]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("posts/taker.md") && stderr.contains("posts/twin.md"),
        "{stderr}"
    );
    assert!(!server_site.content().join("posts/twin.md").exists());
    std::fs::remove_file(ci.content().join("posts/taker.md")).expect("remove");
    std::fs::remove_file(ci.content().join("posts/twin.md")).expect("remove");
    assert_eq!(page(&server, "/only-here/").await.0, 200);

    // --force: CI's version replaces the server's, as asked.
    let (out, report) = push(&ci, &server.base, &ci_token, &["--force"]);
    assert!(out.status.success(), "{out:?}");
    assert!(report["sent"]
        .as_array()
        .expect("sent")
        .contains(&json!("posts/writing-posts.md")));
    let (_, html) = page(&server, "/writing-posts/").await;
    assert!(html.contains("Typo fixed."));

    // The site's data travels too, checked as the import reads it.
    ci.write(
        "tags.yaml",
        "- name: Guides\n  slug: guides\n  colour: red\n",
    );
    let (out, _) = push(&ci, &server.base, &ci_token, &["--force"]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("tags.yaml") && stderr.contains("colour"),
        "{stderr}"
    );
    let described = "- name: Guides\n  slug: guides\n  description: Step by step.\n";
    ci.write("tags.yaml", described);
    let (out, _) = push(&ci, &server.base, &ci_token, &["--force"]);
    assert!(out.status.success(), "{out:?}");
    let (_, html) = page(&server, "/tag/guides/").await;
    assert!(html.contains("Step by step."), "{html}");
    assert_eq!(
        page(&server, "/tags.yaml").await.0,
        404,
        "the data is not published"
    );
}

#[test]
fn a_server_out_of_reach_is_said_once() {
    let ci = TestSite::sample();
    let closed = "http://127.0.0.1:9";
    let (out, _) = push(&ci, closed, "folio_not_used", &[]);
    assert!(!out.status.success());
    let said = String::from_utf8_lossy(&out.stderr);
    assert_eq!(said.matches("127.0.0.1:9").count(), 1, "{said}");
    assert!(said.contains("cannot connect"), "{said}");
    // --json: the failure is an object on standard output too.
    let report: Value = serde_json::from_slice(&out.stdout).expect("a JSON error object");
    assert!(report["error"]
        .as_str()
        .is_some_and(|e| e.contains("cannot connect")));
}
