//! Running folio in production: online backups and checked restores, Prometheus
//! metrics on their own port, and SIGTERM that lets requests in flight finish.

mod common;

/// A change made by the test, now.
fn by_test() -> folio::store::Change<'static> {
    folio::store::Change {
        by: "test",
        at: chrono::Utc::now(),
    }
}

use std::io::{Read, Write};

use serde_json::json;

use common::api::{add_user, Server, PASSWORD};
use common::{Running, TestSite};
use folio::store::backup;
use folio::store::{posts, Kind, PostDoc, Status};

fn doc(i: usize) -> PostDoc {
    PostDoc {
        kind: Kind::Post,
        slug: format!("post-{i}"),
        title: format!("Post {i}"),
        status: Status::Published,
        markdown: format!("Body of post {i}.\n\n{}", "Words. ".repeat(200)),
        ..PostDoc::default()
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_backup_taken_during_writes_is_whole_and_holds_every_committed_post() {
    let site = TestSite::empty();
    let store = site.store().await;
    // A writer commits posts one by one while the real CLI takes backups.
    let writer = {
        let store = store.clone();
        tokio::spawn(async move {
            for i in 0..400 {
                let mut tx = store.write().await.expect("a transaction");
                posts::insert(&mut tx, &doc(i), None, by_test())
                    .await
                    .expect("insert");
                tx.commit().await.expect("commit");
            }
        })
    };
    let dir = site.path().join("backups");
    std::fs::create_dir_all(&dir).expect("mkdir");
    let mut taken = Vec::new();
    let count = || async {
        let count: i64 = sqlx::query_scalar("SELECT count(*) FROM posts")
            .fetch_one(&mut *store.read().await.expect("a connection"))
            .await
            .expect("count");
        count
    };
    let mut committed = 0;
    for n in 0..3 {
        // Each backup starts once the writer has committed more posts.
        let before = committed;
        while committed == before && !writer.is_finished() {
            tokio::task::yield_now().await;
            committed = count().await;
        }
        // Every post committed before the backup starts must be in it.
        committed = count().await;
        let target = dir.join(format!("copy-{n}.db"));
        let out = site.cli(&["backup", "--out", target.to_str().expect("utf-8")]);
        assert!(out.status.success(), "{out:?}");
        taken.push((target, committed));
    }
    writer.await.expect("the writer finished");
    for (path, committed) in &taken {
        let checked = backup::check(path)
            .await
            .expect("the copy passes the integrity check");
        assert!(
            checked.posts >= *committed,
            "{path:?} holds {} posts, {committed} were committed before it",
            checked.posts
        );
        assert!(checked.migrations >= 3);
    }
    assert!(
        taken.iter().any(|(_, committed)| *committed < 400),
        "the backups ran while posts were still being written"
    );

    // A folder and --keep: timestamped copies, the oldest removed.
    let rotated = site.path().join("rotated");
    std::fs::create_dir_all(&rotated).expect("mkdir");
    for _ in 0..3 {
        // Names have millisecond resolution: backups in one second do not collide.
        let out = site.cli(&["backup", "--out", "rotated/", "--keep", "2"]);
        assert!(out.status.success(), "{out:?}");
    }
    let kept: Vec<_> = std::fs::read_dir(&rotated).expect("list").collect();
    assert_eq!(kept.len(), 2);
}

/// A push killed half way leaves hidden staged files in `content/` (815 of them once,
/// kept for good): the next start removes them, and publishes the site as the files
/// that are really there make it.
#[test]
fn a_start_removes_what_killed_writes_left_in_content() {
    let site = TestSite::sample();
    let posts = site.path().join("content/posts");
    let long_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    for i in 0..815 {
        let leftover = posts.join(format!(".post-{i}.md.new-{i:08x}"));
        std::fs::write(&leftover, "---\ntitle: half\n").expect("write");
        std::fs::File::options()
            .write(true)
            .open(&leftover)
            .and_then(|f| f.set_modified(long_ago))
            .expect("dated");
    }
    let _server = Server::start(&site, &[]);
    let hidden: Vec<_> = std::fs::read_dir(&posts)
        .expect("list")
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().starts_with('.'))
        .collect();
    assert!(hidden.is_empty(), "{} hidden files left", hidden.len());
    assert!(site.out().join("getting-started/index.html").is_file());
}

/// After a restore, the next publish shows the restored store, whatever the folder
/// held: the same files as a fresh render of it into an empty folder. (The restored
/// store's record of its builds is of a folder that has moved on since.)
#[tokio::test(flavor = "multi_thread")]
async fn a_publish_after_a_restore_renders_what_the_restored_store_holds() {
    let site = TestSite::empty();
    let store = site.store().await;
    let mut tx = store.write().await.expect("tx");
    for i in 0..5 {
        posts::insert(&mut tx, &doc(i), None, by_test())
            .await
            .expect("insert");
    }
    tx.commit().await.expect("commit");
    store.close().await;
    assert!(site.cli(&["publish"]).status.success());
    let copy = site.path().join("before-edits.db");
    let store = site.store().await;
    store.backup_to(&copy).await.expect("backup");
    // After the backup: a post retitled, one rewritten, one more; published.
    let mut tx = store.write().await.expect("tx");
    for (i, title) in [(1, "Retitled after the backup"), (3, "Rewritten")] {
        let id = posts::id_by_slug(&mut tx, &format!("post-{i}"))
            .await
            .expect("a lookup")
            .expect("the post");
        let mut edited = doc(i);
        edited.title = title.into();
        edited.markdown = format!("{title}: a body the backup never saw.");
        posts::update(&mut tx, id, &edited, None, by_test())
            .await
            .expect("update");
    }
    posts::insert(&mut tx, &doc(9), None, by_test())
        .await
        .expect("insert");
    tx.commit().await.expect("commit");
    store.close().await;
    assert!(site.cli(&["publish"]).status.success());
    assert!(site
        .read_out("post-1/index.html")
        .contains("Retitled after the backup"));

    let out = site.cli(&["restore", copy.to_str().expect("utf-8")]);
    assert!(out.status.success(), "{out:?}");
    let out = site.cli(&["publish"]);
    assert!(out.status.success(), "{out:?}");
    let fresh = site.path().join("fresh");
    let out = site.cli(&["publish", "--out", fresh.to_str().expect("utf-8")]);
    assert!(out.status.success(), "{out:?}");
    let (published, expected) = (site.output(), common::read_tree(&fresh));
    let differ: Vec<&String> = expected
        .keys()
        .chain(published.keys())
        .filter(|path| published.get(*path) != expected.get(*path))
        .collect();
    assert!(differ.is_empty(), "stale after the restore: {differ:?}");
    assert!(!site.read_out("post-1/index.html").contains("Retitled"));
}

#[tokio::test(flavor = "multi_thread")]
async fn restore_checks_the_copy_before_replacing_anything() {
    let site = TestSite::empty();
    let store = site.store().await;
    for i in 0..5 {
        let mut tx = store.write().await.expect("tx");
        posts::insert(&mut tx, &doc(i), None, by_test())
            .await
            .expect("insert");
        tx.commit().await.expect("commit");
    }
    let copy = site.path().join("good.db");
    store.backup_to(&copy).await.expect("backup");
    // More writes after the backup; the restore takes the store back.
    for i in 5..8 {
        let mut tx = store.write().await.expect("tx");
        posts::insert(&mut tx, &doc(i), None, by_test())
            .await
            .expect("insert");
        tx.commit().await.expect("commit");
    }
    store.close().await;

    // A damaged copy is refused and nothing changes.
    let mut damaged = std::fs::read(&copy).expect("read");
    let middle = damaged.len() / 2;
    for byte in &mut damaged[middle..middle + 4096] {
        *byte = 0x5a;
    }
    let bad = site.path().join("bad.db");
    std::fs::write(&bad, damaged).expect("write");
    let out = site.cli(&["restore", bad.to_str().expect("utf-8")]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("bad.db"), "{stderr}");
    let not_db = site.path().join("notes.txt");
    std::fs::write(&not_db, "hello").expect("write");
    assert!(!site
        .cli(&["restore", not_db.to_str().expect("utf-8")])
        .status
        .success());
    assert_eq!(
        backup::check(&site.db()).await.expect("still whole").posts,
        8
    );

    let out = site.cli(&["restore", copy.to_str().expect("utf-8")]);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(backup::check(&site.db()).await.expect("restored").posts, 5);
    let before = site.path().join("data/folio.db.before-restore");
    assert_eq!(backup::check(&before).await.expect("kept").posts, 8);
    // The restored store opens and works.
    let out = site.cli(&["publish"]);
    assert!(out.status.success(), "{out:?}");
    assert!(site.out().join("post-4/index.html").is_file());
    assert!(!site.out().join("post-6/index.html").exists());
}

#[tokio::test(flavor = "multi_thread")]
async fn metrics_are_served_on_their_own_port_only() {
    let site = TestSite::sample();
    add_user(&site, "ada", "owner");
    let out = site.cli(&["backup", "--out", "nightly.db"]);
    assert!(out.status.success(), "{out:?}");
    let (server, metrics) = Server::start_logging(
        &site,
        &[("FOLIO_METRICS_LISTEN", "127.0.0.1:0")],
        Some("metrics on "),
    );
    let metrics = metrics.expect("the metrics address is logged");
    let api = server.api();
    reqwest::get(format!("{}/getting-started/", server.base))
        .await
        .expect("a page");
    reqwest::get(format!("{}/healthz", server.base))
        .await
        .expect("health");
    api.post(
        "/session",
        json!({ "username": "ada", "password": "wrong password!" }),
    )
    .await
    .expect(401);
    api.post(
        "/session",
        json!({ "username": "ada", "password": PASSWORD }),
    )
    .await
    .expect(200);
    // Not on the public address.
    let public = reqwest::get(format!("{}/metrics", server.base))
        .await
        .expect("an answer");
    assert_eq!(public.status().as_u16(), 404);

    let text = reqwest::get(&metrics)
        .await
        .expect("metrics answer")
        .text()
        .await
        .expect("text");
    for expected in [
        r#"folio_http_requests_total{route="/healthz",status="200"} 1"#,
        r#"folio_http_requests_total{route="static",status="200"}"#,
        r#"folio_http_requests_total{route="/admin/api/session",status="401"} 1"#,
        r#"folio_http_request_duration_seconds_bucket{le="#,
        "folio_login_failures_total 1",
        "folio_pages_written_total ",
        "folio_render_duration_seconds_count 1",
        "folio_sessions_active 0",
    ] {
        assert!(
            text.contains(expected),
            "{expected:?} missing from:\n{text}"
        );
    }
    let value = |name: &str| -> f64 {
        text.lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().last())
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("{name} missing"))
    };
    assert!(value("folio_last_publish_timestamp_seconds") > 1.7e9);
    assert!(value("folio_database_size_bytes") > 10_000.0);
    // The backup made before the start, for the "backup too old" alert.
    assert!(value("folio_backup_last_success_timestamp_seconds") > 1.7e9);
    assert_eq!(value("folio_scheduled_posts_overdue"), 0.0);
    // The build, and a deploy failure series per stage before any failure.
    assert!(text.contains(&format!(
        "folio_build_info{{version=\"{}\"}} 1",
        env!("CARGO_PKG_VERSION")
    )));
    assert!(
        text.contains(r#"folio_deploy_failures_total{stage="bucket"} 0"#),
        "{text}"
    );

    // Every folio metric the shipped alerts and dashboard name is one folio serves.
    let monitoring = common::repo().join("k8s/components/monitoring");
    let rules = ["prometheusrule.yaml", "dashboard.json"]
        .map(|file| std::fs::read_to_string(monitoring.join(file)).expect("shipped"))
        .concat();
    let named: std::collections::BTreeSet<&str> = regex::Regex::new(r"folio_[a-z_]+")
        .expect("a pattern")
        .find_iter(&rules)
        .map(|m| m.as_str())
        .collect();
    let served = |name: &str| {
        text.lines()
            .any(|l| l.starts_with(&format!("{name}{{")) || l.starts_with(&format!("{name} ")))
    };
    let missing: Vec<&&str> = named.iter().filter(|name| !served(name)).collect();
    assert!(
        named.len() >= 8 && missing.is_empty(),
        "not served: {missing:?}"
    );
}

/// The shipped alerts, as Prometheus reads them: `promtool check rules`, then
/// `promtool test rules` with the cases that must fire and those that must stay quiet
/// (`k8s/components/monitoring/rules.test.yaml`; Debian's `prometheus` has promtool,
/// `.ci/run` installs it). The dashboard's queries are checked as PromQL too.
#[test]
fn the_shipped_alerts_fire_when_they_should_and_only_then() {
    let monitoring = common::repo().join("k8s/components/monitoring");
    let rule: serde_yaml_ng::Value = serde_yaml_ng::from_str(
        &std::fs::read_to_string(monitoring.join("prometheusrule.yaml")).expect("the alerts"),
    )
    .expect("YAML");
    let dir = tempfile::tempdir().expect("a folder");
    let rules = dir.path().join("folio-rules.yaml");
    std::fs::write(
        &rules,
        serde_yaml_ng::to_string(&rule["spec"]).expect("YAML"),
    )
    .expect("write");
    let tests = dir.path().join("rules.test.yaml");
    std::fs::copy(monitoring.join("rules.test.yaml"), &tests).expect("copy");
    // The dashboard's queries parse as PromQL: each one a recording rule to check.
    let dashboard: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(monitoring.join("dashboard.json")).expect("the dashboard"),
    )
    .expect("the dashboard is JSON");
    let queries: Vec<serde_json::Value> = (dashboard["panels"].as_array().expect("panels"))
        .iter()
        .flat_map(|panel| {
            panel["targets"]
                .as_array()
                .expect("a panel's queries")
                .clone()
        })
        .enumerate()
        .map(|(i, target)| json!({ "record": format!("folio:panel_{i}"), "expr": target["expr"] }))
        .collect();
    assert!(queries.len() >= 12, "{dashboard}");
    let panels = dir.path().join("dashboard-rules.yaml");
    let group = json!({ "groups": [{ "name": "dashboard", "rules": queries }] });
    std::fs::write(&panels, serde_yaml_ng::to_string(&group).expect("YAML")).expect("write");
    let promtool = std::env::var("PROMTOOL").unwrap_or_else(|_| "promtool".to_owned());
    for (args, file) in [
        (["check", "rules"], &rules),
        (["check", "rules"], &panels),
        (["test", "rules"], &tests),
    ] {
        let output = std::process::Command::new(&promtool)
            .args(args)
            .arg(file)
            .output()
            .unwrap_or_else(|e| panic!("{promtool} ({e}): .ci/run installs Debian's prometheus"));
        assert!(
            output.status.success(),
            "promtool {args:?}:\n{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

#[test]
fn sigterm_lets_requests_in_flight_finish_and_leaves_the_database_whole() {
    let site = TestSite::sample();
    let mut running = Running::start_with(
        site.path(),
        &["serve", "--listen", "127.0.0.1:0"],
        &[("FOLIO_SECRET_KEY", common::api::SECRET_KEY)],
    );
    let base = running.base_url();
    running.wait_for_log("site published");
    let child = running.drain_log();
    let addr = base.trim_start_matches("http://").to_owned();

    // A request whose body is still arriving when the signal comes.
    let body = json!({ "username": "nobody", "password": "not a password" }).to_string();
    let mut tcp = std::net::TcpStream::connect(&addr).expect("connect");
    write!(
        tcp,
        "POST /admin/api/session HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{}",
        body.len(),
        &body[..10]
    )
    .expect("send the start");
    // sleep: the request must be in flight when the signal comes (the behaviour under test)
    std::thread::sleep(std::time::Duration::from_millis(200));
    Running::signal_term(&child);
    // New connections are refused meanwhile (once the signal is handled)...
    let refused = || {
        std::net::TcpStream::connect(&addr)
            .and_then(|mut t| {
                t.set_read_timeout(Some(std::time::Duration::from_secs(2)))?;
                t.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")?;
                let mut answer = String::new();
                t.read_to_string(&mut answer)?;
                Ok(answer)
            })
            .map(|answer| answer.is_empty())
            .unwrap_or(true)
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !refused() {
        assert!(
            std::time::Instant::now() < deadline,
            "new connections were still served 10 s after SIGTERM"
        );
        // sleep: polling until new connections are refused, with a deadline
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    // ...while the one in flight gets its answer.
    tcp.write_all(&body.as_bytes()[10..])
        .expect("send the rest");
    let mut answer = String::new();
    tcp.read_to_string(&mut answer).expect("read the answer");
    assert!(answer.starts_with("HTTP/1.1 401"), "{answer}");
    let mut child = child;
    let status = child.wait().expect("folio exits");
    assert!(status.success(), "{status:?}");

    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let checked = runtime
        .block_on(backup::check(&site.db()))
        .expect("the database is whole after the shutdown");
    assert!(checked.posts >= 9);
}

/// `folio backup --to` then `folio restore --from` through a real S3-protocol server:
/// a site with uploads (one larger than a part, so it goes up in parts) comes back on
/// an empty volume, database and content folder, and publishes the same site byte for
/// byte. Later backups upload only what changed; retention removes what no kept backup
/// names; a damaged blob or a set naming a path outside the folder restores nothing.
#[tokio::test(flavor = "multi_thread")]
async fn a_site_backed_up_to_a_bucket_comes_back_on_an_empty_volume_byte_for_byte() {
    let moto = common::moto::Moto::start();
    moto.create_bucket("backups").await;
    let env = [
        ("AWS_ACCESS_KEY_ID", "backup"),
        ("AWS_SECRET_ACCESS_KEY", "backup-secret"),
        ("AWS_REGION", "us-east-1"),
        ("AWS_ENDPOINT_URL", moto.endpoint.as_str()),
    ];
    let url = "s3://backups/nightly";
    let site = TestSite::sample();
    // Uploads: a photo and a large file, in the content folder as the admin puts them.
    let photo = std::fs::read(site.content().join("images/banner.png")).expect("the sample image");
    site.write("images/2026/12/upload.png", "");
    std::fs::write(site.content().join("images/2026/12/upload.png"), &photo).expect("write");
    let large: Vec<u8> = (0..9 * 1024 * 1024u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
        .collect();
    std::fs::create_dir_all(site.content().join("files")).expect("mkdir");
    std::fs::write(site.content().join("files/recording.wav"), &large).expect("write");
    let out = site.cli(&["publish"]);
    assert!(out.status.success(), "{out:?}");

    let backup = |extra: &[&str]| {
        let mut args = vec!["backup", "--to", url, "--json"];
        args.extend_from_slice(extra);
        let out = site.cli_with(&args, &env);
        assert!(out.status.success(), "{out:?}");
        serde_json::from_slice::<serde_json::Value>(&out.stdout).expect("a JSON report")
    };
    let first = backup(&[]);
    let files = common::read_tree(&site.content()).len();
    assert_eq!(first["files"], files, "{first}");
    // The upload has the banner's bytes: one blob holds both, and one the database.
    assert_eq!(
        first["uploaded"], files,
        "every file's bytes once, and the database: {first}"
    );
    let second = backup(&[]);
    assert_eq!(second["uploaded"], 1, "only the database changed: {second}");
    let third = backup(&["--keep", "1"]);
    assert_eq!(
        third["removed_sets"].as_array().map(Vec::len),
        Some(2),
        "{third}"
    );
    assert!(
        third["removed_blobs"].as_u64() >= Some(1),
        "the first database at least: {third}"
    );
    assert_eq!(moto.keys("backups", "nightly/sets").await.len(), 1);
    // What is left is what the kept backup names, once each.
    assert_eq!(moto.keys("backups", "nightly/blobs").await.len(), files);

    // An empty volume: nothing but the bucket's copy.
    let fresh = TestSite::empty();
    std::fs::remove_dir(fresh.content()).expect("an empty volume has no folder yet");
    let out = fresh.cli_with(&["restore", "--from", url], &env);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        common::read_tree(&fresh.content()),
        common::read_tree(&site.content())
    );
    let checked = backup::check(&fresh.db())
        .await
        .expect("a checked database");
    let original = backup::check(&site.db()).await.expect("the original");
    assert_eq!(checked.posts, original.posts);
    let out = fresh.cli(&["publish"]);
    assert!(out.status.success(), "{out:?}");
    let (restored, published) = (fresh.output(), site.output());
    assert_eq!(
        restored.keys().collect::<Vec<_>>(),
        published.keys().collect::<Vec<_>>()
    );
    let differ: Vec<&String> = published
        .iter()
        .filter(|(k, v)| restored[*k] != **v)
        .map(|(k, _)| k)
        .collect();
    assert!(differ.is_empty(), "files that differ: {differ:?}");

    // A damaged blob: nothing is replaced.
    let set_key = moto.keys("backups", "nightly/sets").await.remove(0);
    let (_, _, _, set) = moto.get("backups", &set_key).await;
    let set: serde_json::Value = serde_json::from_slice(&set).expect("a set");
    let photo_blob = set["content"]
        .as_array()
        .expect("content files")
        .iter()
        .find(|e| e["path"] == "images/2026/12/upload.png")
        .expect("the upload is in the set")["blake3"]
        .as_str()
        .expect("a hash")
        .to_owned();
    moto.put(
        "backups",
        &format!("nightly/blobs/{photo_blob}"),
        b"not the photo".to_vec(),
    )
    .await;
    std::fs::write(
        fresh.content().join("posts/after.md"),
        "---\ntitle: After\n---\nNew.\n",
    )
    .expect("write");
    let before = common::read_tree(&fresh.content());
    let out = fresh.cli_with(&["restore", "--from", url], &env);
    assert!(!out.status.success());
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains("images/2026/12/upload.png came back with other bytes"),
        "{said}"
    );
    assert_eq!(
        common::read_tree(&fresh.content()),
        before,
        "the folder is as it was"
    );

    // A set that names a path outside the content folder restores nothing.
    let mut hostile = set.clone();
    hostile["content"][0]["path"] = "../../escaped.txt".into();
    moto.put(
        "backups",
        "nightly/sets/29990101T000000.000Z.json",
        serde_json::to_vec(&hostile).expect("json"),
    )
    .await;
    let out = fresh.cli_with(&["restore", "--from", url], &env);
    assert!(!out.status.success());
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("names a path folio does not write"), "{said}");
    assert!(!fresh
        .path()
        .parent()
        .expect("a parent")
        .join("escaped.txt")
        .exists());
    assert_eq!(common::read_tree(&fresh.content()), before);

    // With [git], the repository holds the content folder: the backup has the
    // database alone, and says where the folder is.
    let in_git = TestSite::sample();
    let remote = "https://git.example/blog.git";
    std::fs::write(
        in_git.path().join("folio.toml"),
        format!("[git]\nremote = \"{remote}\"\n"),
    )
    .expect("toml");
    let out = in_git.cli_with(&["backup", "--to", "s3://backups/git", "--json"], &env);
    assert!(out.status.success(), "{out:?}");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("a JSON report");
    assert_eq!(report["content_in_git"], remote, "{report}");
    assert_eq!(
        (report["files"].as_u64(), report["uploaded"].as_u64()),
        (Some(0), Some(1)),
        "{report}"
    );
}
