//! `[git]`: the content folder is a clone of a repository on a real Git server
//! (`git http-backend` on loopback, with a token). A new pod clones it; every admin
//! change is a commit by its author, pushed; what people and CI push arrives by
//! webhook and by `folio sync`; a remote that is down loses nothing; a new pod on an
//! empty volume renders the same site.

mod common;

use std::time::{Duration, Instant};

use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;

use common::api::{add_user, enroll, page, Api, Server};
use common::git_server::{git, GitServer, TOKEN};
use common::TestSite;

const SECRET: &str = "webhook secret of the tests";

fn env(server: &GitServer) -> Vec<(&'static str, String)> {
    vec![
        ("FOLIO_GIT_REMOTE", server.url.clone()),
        ("FOLIO_GIT_TOKEN", TOKEN.to_owned()),
        ("FOLIO_GIT_WEBHOOK_SECRET", SECRET.to_owned()),
    ]
}

fn start(site: &TestSite, remote: &GitServer) -> Server {
    start_with(site, remote, &[])
}

fn start_with(site: &TestSite, remote: &GitServer, extra: &[(&str, &str)]) -> Server {
    let vars = env(remote);
    let mut vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
    vars.extend_from_slice(extra);
    Server::start(site, &vars)
}

/// Waits (up to 20 s) until `check` holds.
async fn eventually(what: &str, mut check: impl AsyncFnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !check().await {
        assert!(Instant::now() < deadline, "never happened: {what}");
        // sleep: polling for a state, with the deadline above.
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// `GET /admin/api/git` until `done` holds of it (up to 20 s); the status then.
async fn git_status(session: &Api, what: &str, done: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let status = session.get("/git").await.expect(200).body;
        if done(&status) {
            return status;
        }
        assert!(
            Instant::now() < deadline,
            "never happened: {what}: {status}"
        );
        // sleep: polling for a state, with the deadline above.
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A person's (or CI's) clone, with `files` committed and pushed.
fn push_files(remote: &GitServer, dir: &std::path::Path, files: &[(&str, &str)], message: &str) {
    if !dir.exists() {
        remote.clone_into(dir);
    } else {
        git(dir, &["pull", "-q", "--rebase"]);
    }
    for (rel, text) in files {
        let path = dir.join(rel);
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    }
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-qm", message]);
    git(dir, &["push", "-q", "origin", "main"]);
}

fn post(title: &str, body: &str) -> String {
    format!("---\ntitle: {title}\ndate: 2026-01-02T03:04:05Z\n---\n{body}\n")
}

async fn webhook(server: &Server, body: &str, signature: &str) -> u16 {
    reqwest::Client::new()
        .post(format!("{}/admin/api/git/webhook", server.base))
        .header("x-hub-signature-256", signature)
        .header("content-type", "application/json")
        .body(body.to_owned())
        .send()
        .await
        .expect("the webhook answers")
        .status()
        .as_u16()
}

fn sign(body: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).expect("a key");
    mac.update(body.as_bytes());
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// The commits on the server made in the admin (not folio's own, not people's).
fn admin_commits(remote: &GitServer) -> Vec<(String, String, String, String)> {
    let log = remote.log();
    log.into_iter()
        .filter(|c| c.0 != "folio" && c.2 == "folio")
        .collect()
}

async fn owner(site: &TestSite, remote: &GitServer) -> (Server, Api) {
    owner_with(site, remote, &[]).await
}

async fn owner_with(site: &TestSite, remote: &GitServer, extra: &[(&str, &str)]) -> (Server, Api) {
    add_user(site, "olga", "owner");
    let server = start_with(site, remote, extra);
    let (session, _, _) = enroll(&server.api(), "olga").await;
    (server, session)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_pod_is_a_clone_every_admin_change_a_commit_and_pushes_arrive_by_webhook_and_sync() {
    let remote = GitServer::start();
    let people = tempfile::tempdir().expect("tempdir");
    let ci = people.path().join("ci");
    push_files(
        &remote,
        &ci,
        &[("posts/hello.md", &post("Hello", "From Git."))],
        "first post",
    );

    // An empty volume: the server clones the repository and publishes it.
    let site = TestSite::empty();
    let (server, session) = owner(&site, &remote).await;
    let (status, html) = page(&server, "/hello/").await;
    assert_eq!(status, 200);
    assert!(html.contains("From Git."), "{html}");

    // Admin changes: each one commit, by the person, committed by folio, pushed.
    let created = session
        .post(
            "/posts",
            json!({ "title": "Written here", "markdown": "Admin words.\n" }),
        )
        .await
        .expect(201);
    let id = created.body["id"].as_i64().expect("id");
    session
        .patch(
            &format!("/posts/{id}"),
            json!({ "revision": created.body["revision"], "status": "published", "publish": true }),
        )
        .await
        .expect(200);
    session
        .post(
            "/tags",
            json!({ "name": "Ops", "description": "Running things." }),
        )
        .await
        .expect(201);
    // Seven more kinds of change: a tag renamed, the settings, the person's profile,
    // an upload, another post, the trash and back.
    let tag = session.get("/tags").await.expect(200).body["tags"][0].clone();
    let rename =
        json!({ "name": "Operations", "slug": "operations", "description": "Running things." });
    session
        .patch(&format!("/tags/{}", tag["id"]), rename)
        .await
        .expect(200);
    session
        .patch("/settings", json!({ "title": "Notes from the cluster" }))
        .await
        .expect(200);
    let authors = session.get("/authors").await.expect(200).body;
    let me = (authors["authors"].as_array().expect("authors").iter())
        .find(|a| a["username"] == "olga")
        .expect("olga's profile")
        .clone();
    let profile = json!({ "name": "Olga Berg", "slug": "olga", "bio": "Runs the blog." });
    session
        .patch(&format!("/authors/{}", me["id"]), profile)
        .await
        .expect(200);
    let photo = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(common::jpeg(64, 48)).file_name("photo.jpg"),
    );
    let uploaded = session
        .request(reqwest::Method::POST, "/media")
        .multipart(photo)
        .send()
        .await
        .expect("the upload answers");
    let uploaded = Api::reply(uploaded).await.expect(201);
    let other = session
        .post(
            "/posts",
            json!({ "title": "Another", "markdown": "More.\n" }),
        )
        .await
        .expect(201);
    let other = other.body["id"].as_i64().expect("id");
    session.delete(&format!("/posts/{other}")).await.expect(204);
    session
        .post(&format!("/posts/{other}/restore"), json!({}))
        .await
        .expect(200);
    eventually("ten admin commits on the server", async || {
        admin_commits(&remote).len() == 10
    })
    .await;
    let log = remote.log();
    let admin = admin_commits(&remote);
    for (author, email, committer, subject) in &admin {
        assert!(
            author == "olga" || author == "Olga Berg",
            "{subject}: {author}"
        );
        assert!(email.ends_with("@users.folio.invalid"), "{email}");
        assert_eq!(committer, "folio", "{subject}");
    }
    let subjects: Vec<&str> = admin.iter().map(|c| c.3.as_str()).collect();
    assert_eq!(
        subjects,
        [
            "post.restored: another",
            "post.trashed: another",
            "post.created: another",
            &format!(
                "media.uploaded: {}",
                uploaded.body["path"].as_str().expect("a path")
            ),
            "author.changed: olga",
            "settings.changed",
            "tag.changed: operations",
            "tag.created: ops",
            "post.updated: written-here",
            "post.created: written-here",
        ],
        "{log:?}"
    );
    assert_eq!(
        admin[0].0, "Olga Berg",
        "the author is the profile's name, as it is now"
    );
    // Nothing else: the server's own writes (the site's data files) are folio's.
    assert!(
        log.iter().all(|c| c.2 == "folio" || c.3 == "first post"),
        "{log:?}"
    );
    assert!(remote
        .show("site.yaml")
        .expect("site.yaml")
        .contains("Notes from the cluster"));
    assert!(remote
        .show("authors.yaml")
        .expect("authors.yaml")
        .contains("Runs the blog."));
    let file = remote
        .show("posts/written-here.md")
        .expect("the post is in Git");
    assert!(file.contains("Admin words."), "{file}");
    assert!(remote
        .show("tags.yaml")
        .expect("tags.yaml")
        .contains("Running things."));

    // CI changes a post and the forge calls the webhook: the site follows.
    push_files(
        &remote,
        &ci,
        &[("posts/hello.md", &post("Hello again", "Edited in Git."))],
        "edit",
    );
    let body = r#"{"ref":"refs/heads/main"}"#;
    assert_eq!(
        webhook(&server, body, "sha256=00").await,
        401,
        "a forged signature"
    );
    assert_eq!(
        webhook(&server, "{}", &sign(body)).await,
        401,
        "a signature of another body"
    );
    let (_, html) = page(&server, "/hello/").await;
    assert!(html.contains("From Git."), "a refused webhook pulled");
    assert_eq!(webhook(&server, body, &sign(body)).await, 202);
    eventually("the webhook's pull published", async || {
        page(&server, "/hello/").await.1.contains("Edited in Git.")
    })
    .await;

    // `folio sync --wait` from CI, with a token that may only sync.
    let token = session
        .post("/tokens", json!({ "name": "ci", "scopes": ["sync"] }))
        .await
        .expect(201);
    let token = token.body["token"].as_str().expect("a token").to_owned();
    push_files(
        &remote,
        &ci,
        &[("posts/second.md", &post("Second", "By CI."))],
        "second",
    );
    let out = site.cli(&[
        "sync",
        "--remote",
        &server.base,
        "--token",
        &token,
        "--wait",
    ]);
    assert!(out.status.success(), "{out:?}");
    let (status, html) = page(&server, "/second/").await;
    assert_eq!(status, 200, "published when `folio sync --wait` returned");
    assert!(html.contains("By CI."));
    // A post removed in Git leaves the site too, as it would a new pod.
    std::fs::remove_file(ci.join("posts/second.md")).expect("rm");
    git(&ci, &["commit", "-qam", "remove the second post"]);
    git(&ci, &["push", "-q", "origin", "main"]);
    let out = site.cli(&[
        "sync",
        "--remote",
        &server.base,
        "--token",
        &token,
        "--wait",
    ]);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(page(&server, "/second/").await.0, 404);
    // The token does nothing else, and file pushes go to Git now.
    let ci_api = Api::new(&server.base).with_token(&token);
    ci_api.get("/posts").await.expect(403);
    let pushed = session
        .post("/content", json!({ "files": [] }))
        .await
        .expect(409);
    assert!(
        pushed.body.to_string().contains("push to Git"),
        "{}",
        pushed.body
    );

    // A new pod on an empty volume renders the same site, byte for byte.
    server.stop();
    let fresh = TestSite::empty();
    let second = start(&fresh, &remote);
    let (status, _) = page(&second, "/written-here/").await;
    assert_eq!(status, 200);
    second.stop();
    let differ = common::differing(&site.output(), &fresh.output());
    assert_eq!(differ, Vec::<String>::new());
}

#[tokio::test(flavor = "multi_thread")]
async fn while_the_remote_is_down_commits_wait_and_none_is_lost_across_a_kill() {
    let remote = GitServer::start();
    let people = tempfile::tempdir().expect("tempdir");
    let person = people.path().join("person");
    push_files(
        &remote,
        &person,
        &[("posts/hello.md", &post("Hello", "From Git."))],
        "first",
    );
    let site = TestSite::empty();
    let metrics = format!("127.0.0.1:{}", common::moto::free_port());
    let (server, session) = owner_with(&site, &remote, &[("FOLIO_METRICS_LISTEN", &metrics)]).await;
    let token = session
        .post(
            "/tokens",
            json!({ "name": "writer", "scopes": ["content:read", "content:write", "sync"] }),
        )
        .await
        .expect(201);
    let token = token.body["token"].as_str().expect("a token").to_owned();

    remote.set_up(false);
    for title in ["One", "Two"] {
        session
            .post("/posts", json!({ "title": title, "markdown": "Words.\n" }))
            .await
            .expect(201);
    }
    let status = git_status(&session, "the commits waiting and the error", |s| {
        s["unpushed"] == 2 && s["last_error"].is_string()
    })
    .await;
    assert!(
        !status.to_string().contains(TOKEN),
        "the token in an answer: {status}"
    );
    assert_eq!(admin_commits(&remote).len(), 0);

    // Killed (SIGKILL) with the commits unpushed; back with the remote up: they
    // arrive.
    drop(server);
    remote.set_up(true);
    let server = start(&site, &remote);
    let session = Api::new(&server.base).with_token(&token);
    eventually("both commits reach the remote", async || {
        admin_commits(&remote).len() == 2
    })
    .await;
    assert!(remote.show("posts/one.md").is_some() && remote.show("posts/two.md").is_some());

    // The remote moved on meanwhile (a person pushed): the next admin commit is
    // merged on top, never forced over it.
    push_files(
        &remote,
        &person,
        &[("posts/person.md", &post("Person", "Pushed."))],
        "person",
    );
    session
        .post(
            "/posts",
            json!({ "title": "Three", "markdown": "Words.\n" }),
        )
        .await
        .expect(201);
    eventually(
        "the admin's commit and the person's both on the remote",
        async || remote.show("posts/three.md").is_some(),
    )
    .await;
    assert!(
        remote.show("posts/person.md").is_some(),
        "the person's commit was lost"
    );
    eventually("the person's post published", async || {
        page(&server, "/person/").await.0 == 200
    })
    .await;

    // A Ghost import run beside the server is one commit, folio's, pushed.
    let export = common::ghost::fixture("v4_export.json");
    let vars = env(&remote);
    let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let out = site.cli_with(&["import", "ghost", export.to_str().expect("UTF-8")], &vars);
    assert!(out.status.success(), "{out:?}");
    session
        .post("/git/sync", json!({ "wait": true }))
        .await
        .expect(200);
    eventually("the import's commit on the remote", async || {
        remote.log()[0].3 == "Import from Ghost (v4_export.json)"
    })
    .await;
    let (author, _, committer, _) = remote.log()[0].clone();
    assert_eq!((author.as_str(), committer.as_str()), ("folio", "folio"));
    assert!(remote
        .show("tags.yaml")
        .is_some_and(|t| t.contains("slug:")));
    server.stop();
}

#[tokio::test(flavor = "multi_thread")]
async fn the_same_line_changed_in_git_and_in_the_admin_is_a_conflict_and_nothing_is_overwritten() {
    let remote = GitServer::start();
    let people = tempfile::tempdir().expect("tempdir");
    let person = people.path().join("person");
    let first = post("Hello", "The first line.");
    push_files(&remote, &person, &[("posts/hello.md", &first)], "first");
    let site = TestSite::empty();
    let (server, session) = owner(&site, &remote).await;

    // A person changes the line in Git; the server has not pulled it yet.
    let theirs = post("Hello", "The line as the person wrote it.");
    push_files(
        &remote,
        &person,
        &[("posts/hello.md", &theirs)],
        "the person's line",
    );
    // The admin changes the same line of the live post.
    let posts = session.get("/posts?limit=50").await.expect(200).body;
    let hello = posts["posts"]
        .as_array()
        .expect("posts")
        .iter()
        .find(|p| p["slug"] == "hello")
        .expect("the post")
        .clone();
    session
        .patch(
            &format!("/posts/{}", hello["id"]),
            json!({ "revision": hello["revision"], "markdown": "The line as the admin wrote it.\n", "publish": true }),
        )
        .await
        .expect(200);
    session.post("/publish", json!({})).await.expect(200);

    // Nothing is overwritten: Git's branch keeps the person's line, the admin's
    // commit is on a branch of its own, and the admin says which file and branch.
    let seen = git_status(&session, "the conflict shown", |s| {
        s["conflict_branch"].is_string()
    })
    .await;
    assert_eq!(seen["conflict"], json!(["posts/hello.md"]), "{seen}");
    let branch = seen["conflict_branch"]
        .as_str()
        .expect("a branch")
        .to_owned();
    let main = remote.show("posts/hello.md").expect("main");
    assert!(main.contains("as the person wrote it"), "{main}");
    let aside = remote
        .show_at(&branch, "posts/hello.md")
        .expect("the branch");
    assert!(aside.contains("as the admin wrote it"), "{aside}");
    let (_, html) = page(&server, "/hello/").await;
    assert!(html.contains("as the admin wrote it"), "{html}");
    // Both sides shown, with the text they parted from.
    let sides = session.get("/git/conflict").await.expect(200).body;
    assert_eq!(sides[0]["path"], "posts/hello.md", "{sides}");
    let side = |name: &str| sides[0][name].as_str().unwrap_or_default().to_owned();
    assert!(side("base").contains("The first line."), "{sides}");
    assert!(side("admin").contains("as the admin wrote it"), "{sides}");
    assert!(side("git").contains("as the person wrote it"), "{sides}");

    // Resolved in Git with a commit: the person merges the branch and writes the
    // line both agree on. The server fast-forwards; the conflict is gone.
    git(&person, &["fetch", "-q", "origin"]);
    let merge = std::process::Command::new("git")
        .args(["-c", "user.name=P", "-c", "user.email=p@example.com"])
        .args(["merge", "-q", &format!("origin/{branch}")])
        .current_dir(&person)
        .output()
        .expect("git runs");
    assert!(!merge.status.success(), "the merge should be in conflict");
    let agreed = post("Hello", "The line both agreed on.");
    std::fs::write(person.join("posts/hello.md"), agreed).expect("write");
    git(&person, &["add", "-A"]);
    git(&person, &["commit", "-qm", "Merge the admin's line"]);
    git(&person, &["push", "-q", "origin", "main"]);
    session
        .post("/git/sync", json!({ "wait": true }))
        .await
        .expect(200);
    assert!(page(&server, "/hello/").await.1.contains("both agreed on"));
    let status = session.get("/git").await.expect(200).body;
    assert_eq!(status["conflict"], json!([]), "{status}");
    assert_eq!(status["unpushed"], 0, "{status}");
    let none = session.get("/git/conflict").await.expect(200).body;
    assert_eq!(none, json!([]));

    // Again, resolved in the admin this time: Git's lines are taken, by a merge
    // commit of the person's that keeps both histories.
    let theirs = post("Hello", "The line as Git has it now.");
    push_files(
        &remote,
        &person,
        &[("posts/hello.md", &theirs)],
        "Git's line",
    );
    let hello = find(&session, "hello").await;
    session
        .patch(
            &format!("/posts/{}", hello["id"]),
            json!({ "revision": hello["revision"], "markdown": "The admin's second try.\n", "publish": true }),
        )
        .await
        .expect(200);
    git_status(&session, "a second conflict", |s| {
        s["conflict"] == json!(["posts/hello.md"])
    })
    .await;
    session
        .post("/git/resolve", json!({ "keep": "nobody" }))
        .await
        .expect(422);
    let resolved = session
        .post("/git/resolve", json!({ "keep": "git" }))
        .await
        .expect(200)
        .body;
    assert_eq!(resolved["conflict"], json!([]), "{resolved}");
    eventually("the resolution on the remote", async || {
        remote.log()[0].3 == "Resolve the conflict with the remote: keep the remote's lines"
    })
    .await;
    assert_eq!(remote.log()[0].0, "olga", "the person who resolved it");
    assert!(remote
        .show("posts/hello.md")
        .expect("main")
        .contains("as Git has it now"));
    eventually("Git's line on the site", async || {
        page(&server, "/hello/")
            .await
            .1
            .contains("as Git has it now")
    })
    .await;
    session
        .post("/git/resolve", json!({ "keep": "admin" }))
        .await
        .expect(409);
    server.stop();
}

#[test]
fn a_bad_remote_or_credential_stops_the_start_and_says_so_without_the_secret() {
    let remote = GitServer::start();
    let site = TestSite::empty();
    let wrong = "wrong-token-never-shown";
    let log = common::api::refused_start(
        &site,
        &[
            ("FOLIO_GIT_REMOTE", &remote.url),
            ("FOLIO_GIT_TOKEN", wrong),
        ],
    );
    assert_eq!(
        log.matches("refused the credential").count(),
        1,
        "said once, clearly: {log}"
    );
    assert!(log.contains("FOLIO_GIT_TOKEN"), "{log}");
    assert!(!log.contains(wrong), "the token in the log: {log}");
    for (url, expected) in [
        ("ssh://git@example.com/me/blog.git", "SSH is not supported"),
        ("git@example.com:me/blog.git", "must be an https:// URL"),
        (
            "https://me:github_pat_secret@example.com/me/blog.git",
            "set FOLIO_GIT_TOKEN",
        ),
    ] {
        let log = common::api::refused_start(&site, &[("FOLIO_GIT_REMOTE", url)]);
        assert!(log.contains(expected), "{url}: {log}");
        assert!(!log.contains("github_pat_secret"), "{url}: {log}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn with_poll_seconds_what_is_pushed_to_git_arrives_without_a_webhook() {
    let remote = GitServer::start();
    let people = tempfile::tempdir().expect("tempdir");
    let ci = people.path().join("ci");
    push_files(
        &remote,
        &ci,
        &[("posts/hello.md", &post("Hello", "First."))],
        "first",
    );
    let site = TestSite::empty();
    std::fs::write(site.path().join("folio.toml"), "[git]\npoll_seconds = 1\n").expect("toml");
    let server = start(&site, &remote);
    push_files(
        &remote,
        &ci,
        &[("posts/hello.md", &post("Hello", "Polled."))],
        "edit",
    );
    eventually("the polled change published", async || {
        page(&server, "/hello/").await.1.contains("Polled.")
    })
    .await;
    server.stop();
}

/// The post with the slug `slug`, as the admin lists it.
async fn find(session: &Api, slug: &str) -> Value {
    let posts = session.get("/posts?limit=100").await.expect(200).body;
    let all = posts["posts"].as_array().expect("posts").clone();
    all.into_iter()
        .find(|p| p["slug"] == slug)
        .unwrap_or_else(|| panic!("no post {slug}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn a_posts_history_is_gits_with_each_persons_commits_and_a_new_pod_has_it() {
    let remote = GitServer::start();
    let people = tempfile::tempdir().expect("tempdir");
    let ci = people.path().join("ci");
    push_files(
        &remote,
        &ci,
        &[("posts/hello.md", &post("Hello", "First."))],
        "first words",
    );
    let site = TestSite::empty();
    let (server, session) = owner(&site, &remote).await;
    push_files(
        &remote,
        &ci,
        &[("posts/hello.md", &post("Hello", "Second."))],
        "second words",
    );
    session
        .post("/git/sync", json!({ "wait": true }))
        .await
        .expect(200);
    let hello = find(&session, "hello").await;
    session
        .patch(
            &format!("/posts/{}", hello["id"]),
            json!({ "revision": hello["revision"], "markdown": "Third.\n", "publish": true }),
        )
        .await
        .expect(200);

    let history = session
        .get(&format!("/posts/{}/revisions", hello["id"]))
        .await
        .expect(200)
        .body;
    let git = history["git"]
        .as_array()
        .expect("the history in Git")
        .clone();
    let seen: Vec<(&str, &str)> = git
        .iter()
        .map(|v| {
            (
                v["author"].as_str().expect("an author"),
                v["summary"].as_str().expect("a summary"),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            ("olga", "post.updated: hello"),
            ("CI Robot", "second words"),
            ("CI Robot", "first words"),
        ]
    );
    assert_eq!(git[2]["document"]["markdown"], "First.\n");

    // Restoring the first version is a new revision, and a new commit by the person.
    let first = git[2]["commit"].as_str().expect("a commit").to_owned();
    let current = find(&session, "hello").await;
    let restored = session
        .post(
            &format!("/posts/{}/history/{first}/restore", hello["id"]),
            json!({ "revision": current["revision"] }),
        )
        .await
        .expect(200);
    assert_eq!(restored.body["markdown"], "First.\n");
    eventually("the restore's commit on the remote", async || {
        remote.log()[0]
            .3
            .starts_with("post.revision_restored: hello")
    })
    .await;
    assert!(remote
        .show("posts/hello.md")
        .expect("the file")
        .contains("First."));
    session
        .post(
            &format!("/posts/{}/history/0000000000/restore", hello["id"]),
            json!({ "revision": 1 }),
        )
        .await
        .expect(404);
    server.stop();

    // A new pod has the same history: it is Git's, not the old pod's database's.
    let fresh = TestSite::empty();
    let (second, session) = owner(&fresh, &remote).await;
    let hello = find(&session, "hello").await;
    let history = session
        .get(&format!("/posts/{}/revisions", hello["id"]))
        .await
        .expect(200)
        .body;
    let authors: Vec<&str> = history["git"]
        .as_array()
        .expect("the history in Git")
        .iter()
        .map(|v| v["author"].as_str().expect("an author"))
        .collect();
    assert_eq!(authors, ["olga", "olga", "CI Robot", "CI Robot"]);
    second.stop();
}
