//! The server's deploy after every publish, against real parts on loopback: moto for
//! S3 and CloudFront, and a Cloudflare API that checks each request against
//! Cloudflare's documented contract (path, Bearer token, JSON body, 30 URLs at most)
//! and answers as Cloudflare does, an error included.

mod common;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use serde_json::{json, Value};

use common::api::{owner_session, Server};
use common::moto::Moto;
use common::{post, TestSite, BASE_URL};

const TOKEN: &str = "cf-test-token";
const ZONE: &str = "0123456789abcdef0123456789abcdef";

fn aws(moto: &Moto) -> Vec<(&'static str, String)> {
    vec![
        ("AWS_ACCESS_KEY_ID", "test-key".to_owned()),
        ("AWS_SECRET_ACCESS_KEY", "test-secret".to_owned()),
        ("AWS_REGION", "us-east-1".to_owned()),
        ("AWS_ENDPOINT_URL", moto.endpoint.clone()),
    ]
}

fn env<'a>(vars: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    vars.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

/// Waits up to `limit` for `check` to hold.
async fn eventually<F, Fut>(limit: Duration, what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let started = Instant::now();
    while started.elapsed() < limit {
        if check().await {
            return;
        }
        // sleep: polling for `check`, with a deadline
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("{what}: not within {limit:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_admin_publish_reaches_the_bucket_and_invalidates_what_changed() {
    let moto = Moto::start();
    moto.create_bucket("site").await;
    let distribution = moto.create_distribution("site");
    let site = TestSite::empty();
    site.write(
        "posts/first.md",
        &post("First", "date: 2025-01-01\n", "First."),
    );
    std::fs::write(
        site.path().join("folio.toml"),
        format!(
            "[deploy]\nbucket = \"s3://site/blog\"\ncloudfront_distribution = \"{distribution}\"\n"
        ),
    )
    .expect("folio.toml");
    let vars = aws(&moto);
    let (server, api) = owner_session(&site, "olga", &env(&vars)).await;
    // The first publish, at start, is deployed too.
    eventually(Duration::from_secs(20), "the first deploy", || async {
        moto.get("site", "blog/first/index.html").await.0 == 200
    })
    .await;
    eventually(Duration::from_secs(10), "its invalidation", || async {
        !moto.invalidations(&distribution).is_empty()
    })
    .await;
    let before = moto.invalidations(&distribution);

    api.post(
        "/posts",
        json!({ "title": "Fresh", "markdown": "Fresh text.", "status": "published" }),
    )
    .await
    .expect(201);
    api.post("/publish", json!({})).await.expect(200);
    eventually(
        Duration::from_secs(20),
        "the new post in the bucket",
        || async { moto.get("site", "blog/fresh/index.html").await.0 == 200 },
    )
    .await;
    eventually(Duration::from_secs(10), "one more invalidation", || async {
        moto.invalidations(&distribution).len() == before.len() + 1
    })
    .await;
    let paths = moto
        .invalidations(&distribution)
        .into_iter()
        .find(|p| !before.contains(p))
        .expect("the new one");
    for changed in ["/fresh/", "/", "/rss.xml", "/sitemap.xml", "/first/"] {
        assert!(
            paths.contains(&changed.to_owned()),
            "{changed} in {paths:?}"
        );
    }
    assert!(
        !paths.iter().any(|p| p.starts_with("/assets/")),
        "{paths:?}"
    );
    assert!(!paths.contains(&"/*".to_owned()));

    let status = api.get("/deploy").await.expect(200).body;
    assert_eq!(status["configured"], true, "{status}");
    assert!(status["last_success_at"].is_string(), "{status}");
    assert!(status["error"].is_null(), "{status}");
    drop(server);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_scheduled_post_reaches_the_bucket_by_itself_after_a_bucket_that_refused() {
    let moto = Moto::start();
    let site = TestSite::empty();
    site.write("posts/now.md", &post("Now", "date: 2025-01-01\n", "Now."));
    let soon = (chrono::Utc::now() + chrono::Duration::seconds(6))
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    site.write(
        "posts/later.md",
        &post("Later", &format!("date: {soon}\n"), "Later."),
    );
    std::fs::write(
        site.path().join("folio.toml"),
        "[deploy]\nbucket = \"s3://site\"\n",
    )
    .expect("folio.toml");
    let vars = aws(&moto);
    let mut env = env(&vars);
    env.push(("FOLIO_NO_ADMIN", "true"));
    let metrics = format!("127.0.0.1:{}", common::moto::free_port());
    env.push(("FOLIO_METRICS_LISTEN", &metrics));
    let (server, logged) = Server::start_logging(&site, &env, Some("deploy failed"));
    // No bucket yet: the deploy fails, says why, and is retried.
    assert!(
        logged.as_deref().is_some_and(|l| l.contains("bucket")),
        "{logged:?}"
    );
    moto.create_bucket("site").await;
    eventually(Duration::from_secs(20), "the retried deploy", || async {
        moto.get("site", "now/index.html").await.0 == 200
    })
    .await;
    assert_eq!(
        moto.get("site", "later/index.html").await.0,
        404,
        "not yet due"
    );
    eventually(Duration::from_secs(30), "the scheduled post", || async {
        moto.get("site", "later/index.html").await.0 == 200
    })
    .await;
    // The failure and the success are in the metrics.
    let text = reqwest::get(format!("http://{metrics}/metrics"))
        .await
        .expect("metrics answer")
        .text()
        .await
        .expect("text");
    assert!(
        text.contains("folio_deploy_failures_total{stage=\"bucket\"}"),
        "{text}"
    );
    let success = text
        .lines()
        .find_map(|l| l.strip_prefix("folio_deploy_last_success_timestamp_seconds "))
        .and_then(|v| v.trim().parse::<i64>().ok())
        .expect("the last success");
    assert!(success > chrono::Utc::now().timestamp() - 60, "{success}");
    drop(server);
}

/// What the fake Cloudflare saw, and how it answers.
#[derive(Default)]
struct Cloudflare {
    requests: Vec<Value>,
    /// Answer the next request with this error.
    fail_next: bool,
}

type Shared = Arc<Mutex<Cloudflare>>;

/// `POST /client/v4/zones/{zone}/purge_cache` as Cloudflare documents it.
async fn purge_cache(
    State(state): State<Shared>,
    Path(zone): Path<String>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> (StatusCode, Json<Value>) {
    let refuse = |status: StatusCode, code: u32, message: &str| {
        (
            status,
            Json(
                json!({ "success": false, "errors": [{ "code": code, "message": message }], "messages": [], "result": null }),
            ),
        )
    };
    if headers.get("authorization").and_then(|v| v.to_str().ok())
        != Some(&format!("Bearer {TOKEN}"))
    {
        return refuse(StatusCode::FORBIDDEN, 10000, "Authentication error");
    }
    if zone != ZONE
        || headers.get("content-type").and_then(|v| v.to_str().ok()) != Some("application/json")
    {
        return refuse(StatusCode::BAD_REQUEST, 7003, "Could not route to /zones");
    }
    let files = body["files"].as_array();
    let valid = match files {
        Some(files) => {
            !files.is_empty()
                && files.len() <= 30
                && files
                    .iter()
                    .all(|f| f.as_str().is_some_and(|u| u.starts_with("https://")))
        }
        None => body == json!({ "purge_everything": true }),
    };
    let mut state = state.lock().expect("lock");
    state.requests.push(body.clone());
    if !valid {
        return refuse(StatusCode::BAD_REQUEST, 1015, "Invalid request");
    }
    if std::mem::take(&mut state.fail_next) {
        return refuse(
            StatusCode::TOO_MANY_REQUESTS,
            971,
            "Please wait and consider throttling your request speed",
        );
    }
    (
        StatusCode::OK,
        Json(json!({ "success": true, "errors": [], "messages": [], "result": { "id": ZONE } })),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn cloudflare_is_purged_in_batches_of_thirty_and_retried_after_an_error() {
    let state: Shared = Arc::new(Mutex::new(Cloudflare {
        fail_next: true,
        ..Cloudflare::default()
    }));
    let app = axum::Router::new()
        .route(
            "/client/v4/zones/{zone}/purge_cache",
            axum::routing::post(purge_cache),
        )
        .with_state(state.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let api_url = format!("http://{}/client/v4", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await.expect("serves") });

    let site = TestSite::empty();
    for n in 0..40 {
        site.write(
            &format!("posts/p{n}.md"),
            &post(
                &format!("Post {n}"),
                &format!("date: 2025-01-{:02}\n", n % 28 + 1),
                "Text.",
            ),
        );
    }
    std::fs::write(
        site.path().join("folio.toml"),
        format!("[deploy]\ncloudflare_zone = \"{ZONE}\"\npurge_all_above = 1000\n"),
    )
    .expect("folio.toml");
    let env = [
        ("FOLIO_CLOUDFLARE_API_URL", api_url.as_str()),
        ("FOLIO_CLOUDFLARE_API_TOKEN", TOKEN),
        ("FOLIO_NO_ADMIN", "true"),
    ];
    let server = Server::start(&site, &env);
    eventually(
        Duration::from_secs(20),
        "a purge after the error",
        || async { state.lock().expect("lock").requests.len() >= 3 },
    )
    .await;
    // The retry sends every batch: the pages below among them.
    let sent = |requests: &[Value], url: &str| {
        requests
            .iter()
            .filter_map(|r| r["files"].as_array())
            .flatten()
            .any(|u| u.as_str() == Some(url))
    };
    eventually(Duration::from_secs(20), "every batch sent", || async {
        let requests = state.lock().expect("lock").requests.clone();
        let urls: usize = (requests.iter().skip(1))
            .filter_map(|r| r["files"].as_array())
            .map(Vec::len)
            .sum();
        urls > 30
            && ["/", "/p0/", "/p39/", "/rss.xml", "/sitemap.xml"]
                .iter()
                .all(|page| sent(&requests[1..], &format!("{BASE_URL}{page}")))
    })
    .await;
    let requests = state.lock().expect("lock").requests.clone();
    let urls: Vec<&str> = requests
        .iter()
        .skip(1) // the refused one
        .flat_map(|r| r["files"].as_array().expect("files").iter())
        .map(|u| u.as_str().expect("a URL"))
        .collect();
    assert!(requests
        .iter()
        .all(|r| r["files"].as_array().is_some_and(|f| f.len() <= 30)));
    for page in ["/", "/p0/", "/p39/", "/rss.xml", "/sitemap.xml"] {
        let url = format!("{BASE_URL}{page}");
        assert!(urls.contains(&url.as_str()), "{url} purged: {urls:?}");
    }
    assert!(urls.len() > 30, "{}", urls.len());
    assert!(
        requests.len() >= 3,
        "the refused one, then batches: {}",
        requests.len()
    );
    assert_eq!(requests[1], requests[0], "the refused batch is sent again");
    drop(server);
}

#[tokio::test(flavor = "multi_thread")]
async fn publish_purge_from_ci_invalidates_what_the_bucket_took() {
    let moto = Moto::start();
    moto.create_bucket("site").await;
    let distribution = moto.create_distribution("site");
    let site = TestSite::empty();
    site.write("posts/one.md", &post("One", "date: 2025-01-01\n", "One."));
    std::fs::write(
        site.path().join("folio.toml"),
        format!("[deploy]\nbucket = \"s3://site\"\ncloudfront_distribution = \"{distribution}\"\n"),
    )
    .expect("folio.toml");
    let vars = aws(&moto);
    let run = || {
        let output = site.cli_with(&["publish", "--purge", "--json"], &env(&vars));
        assert!(output.status.success(), "{output:?}");
        serde_json::from_slice::<Value>(&output.stdout).expect("JSON")
    };
    let first = run();
    assert_eq!(first["purge"][0][0], "CloudFront", "{first}");
    assert_eq!(moto.get("site", "one/index.html").await.0, 200);

    site.write("posts/two.md", &post("Two", "date: 2025-01-02\n", "Two."));
    let second = run();
    let purged: Vec<&str> = second["purge"][0][1]["urls"]
        .as_array()
        .expect("urls")
        .iter()
        .map(|u| u.as_str().expect("a path"))
        .collect();
    assert!(
        purged.contains(&"/two/") && purged.contains(&"/"),
        "{purged:?}"
    );
    assert!(
        !purged.contains(&"/one/index.html") && !purged.iter().any(|p| p.starts_with("/assets/"))
    );
    assert_eq!(moto.invalidations(&distribution).len(), 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn plain_redirects_become_website_redirect_objects() {
    let moto = Moto::start();
    moto.create_bucket("site").await;
    let site = TestSite::empty();
    site.write(
        "posts/new.md",
        &post(
            "New",
            "date: 2025-01-01\naliases: [/2019/old-new/]\n",
            "New.",
        ),
    );
    site.write(
        "redirects.yaml",
        "301:\n  /old/: /new/\n  ^/blog/(.*)$: /$1\n",
    );
    let vars = aws(&moto);
    let output = site.cli_with(&["publish", "--bucket", "s3://site"], &env(&vars));
    assert!(output.status.success(), "{output:?}");
    assert_eq!(
        moto.redirect_location("site", "old/index.html").as_deref(),
        Some("/new/")
    );
    assert_eq!(
        moto.redirect_location("site", "2019/old-new/index.html")
            .as_deref(),
        Some("/new/"),
        "an alias is a redirect object too"
    );
    assert_eq!(moto.redirect_location("site", "new/index.html"), None);
    let (status, _, _, body) = moto.get("site", "old/index.html").await;
    assert_eq!(status, 200);
    assert!(
        String::from_utf8_lossy(&body).contains("url=/new/"),
        "the page, for other hosts"
    );
    assert_eq!(
        moto.get("site", ".redirects.json").await.0,
        404,
        "never uploaded"
    );
}
