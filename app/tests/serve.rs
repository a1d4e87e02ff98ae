//! The server over real HTTP on a loopback port, and the real binary end to end.

mod common;

use std::time::{Duration, Instant};

use common::TestSite;
use reqwest::header::{
    ACCEPT_ENCODING, CACHE_CONTROL, CONTENT_ENCODING, CONTENT_LENGTH, CONTENT_TYPE, ETAG,
    IF_NONE_MATCH, RANGE,
};
use reqwest::StatusCode;

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

#[tokio::test]
async fn pages_assets_and_errors_have_the_right_status_and_headers() {
    let site = TestSite::sample();
    site.publish().await;
    let (base, _) = common::serve(site.site().await, true).await;
    let http = client();

    let home = http.get(format!("{base}/")).send().await.expect("GET /");
    assert_eq!(home.status(), StatusCode::OK);
    assert_eq!(home.headers()[CONTENT_TYPE], "text/html; charset=utf-8");
    let cache = home.headers()[CACHE_CONTROL]
        .to_str()
        .expect("ascii")
        .to_owned();
    assert!(
        cache.contains("must-revalidate") && cache.contains("s-maxage="),
        "{cache}"
    );
    assert!(
        home.text()
            .await
            .expect("body")
            .contains("Drafts and scheduled posts"),
        "the newest post is listed"
    );

    // ETag and 304.
    let page = http
        .get(format!("{base}/writing-posts/"))
        .send()
        .await
        .expect("GET");
    let etag = page.headers()[ETAG].clone();
    let again = http
        .get(format!("{base}/writing-posts/"))
        .header(IF_NONE_MATCH, etag.clone())
        .send()
        .await
        .expect("GET");
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(again.headers()[ETAG], etag);
    assert!(again.bytes().await.expect("body").is_empty());

    // HEAD: the headers of a GET, no body.
    let head = http
        .head(format!("{base}/writing-posts/"))
        .send()
        .await
        .expect("HEAD");
    assert_eq!(head.status(), StatusCode::OK);
    assert_eq!(head.headers()[ETAG], etag);
    let length: usize = head.headers()[CONTENT_LENGTH]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("a length");
    assert_eq!(length, site.read_out("writing-posts/index.html").len());
    assert!(head.bytes().await.expect("body").is_empty());

    // Ranges, encoded names, large files and folders without their slash.
    let range = http
        .get(format!("{base}/writing-posts/"))
        .header(RANGE, "bytes=0-9")
        .send()
        .await
        .expect("GET range");
    assert_eq!(range.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(range.bytes().await.expect("body").as_ref(), b"<!doctype ");
    std::fs::write(site.out().join("a b.txt"), "spaced").expect("write");
    let spaced = http
        .get(format!("{base}/a%20b.txt"))
        .send()
        .await
        .expect("GET");
    assert_eq!(spaced.text().await.expect("body"), "spaced");
    let large: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
    std::fs::write(site.out().join("large.bin"), &large).expect("write");
    let got = http
        .get(format!("{base}/large.bin"))
        .send()
        .await
        .expect("GET");
    assert_eq!(got.status(), StatusCode::OK);
    assert_eq!(got.bytes().await.expect("body").as_ref(), large.as_slice());
    let folder = http
        .get(format!("{base}/writing-posts"))
        .send()
        .await
        .expect("GET");
    assert!(folder.status().is_redirection(), "{}", folder.status());

    // Fingerprinted assets are immutable.
    let css = site
        .output()
        .into_keys()
        .find(|p| p.starts_with("assets/style."))
        .expect("a fingerprinted stylesheet");
    let asset = http
        .get(format!("{base}/{css}"))
        .send()
        .await
        .expect("GET css");
    assert_eq!(asset.status(), StatusCode::OK);
    assert_eq!(
        asset.headers()[CACHE_CONTROL],
        "public, max-age=31536000, immutable"
    );
    assert!(asset.headers()[CONTENT_TYPE]
        .to_str()
        .expect("ascii")
        .starts_with("text/css"));

    // Compression when asked for.
    let gz = http
        .get(format!("{base}/markdown-in-folio/"))
        .header(ACCEPT_ENCODING, "gzip")
        .send()
        .await
        .expect("GET");
    assert_eq!(gz.headers()[CONTENT_ENCODING], "gzip");
    // gzip only: brotli is the CDN's job at the edge, and its encoder would cost the
    // server CPU per response and the image a megabyte.
    let br = http
        .get(format!("{base}/markdown-in-folio/"))
        .header(ACCEPT_ENCODING, "br, gzip")
        .send()
        .await
        .expect("GET");
    assert_eq!(br.headers()[CONTENT_ENCODING], "gzip");

    // The theme's 404 page, with status 404; no listing, no traversal.
    let missing = http
        .get(format!("{base}/no-such-post/"))
        .send()
        .await
        .expect("GET");
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    assert!(missing
        .text()
        .await
        .expect("body")
        .contains("Page not found"));
    let file = http
        .get(format!("{base}/no-such-file.css"))
        .send()
        .await
        .expect("GET");
    assert_eq!(file.status(), StatusCode::NOT_FOUND);
    assert_eq!(file.headers()[CACHE_CONTROL], "no-cache");
    assert!(file.text().await.expect("body").contains("Page not found"));
    let head = http
        .head(format!("{base}/no-such-post/"))
        .send()
        .await
        .expect("HEAD");
    assert_eq!(head.status(), StatusCode::NOT_FOUND);
    let listing = http
        .get(format!("{base}/assets/"))
        .send()
        .await
        .expect("GET");
    assert_eq!(listing.status(), StatusCode::NOT_FOUND);
    std::fs::write(site.path().join("secret.txt"), "do not serve").expect("write");
    for path in [
        "/../secret.txt",
        "/%2e%2e/secret.txt",
        "/..%2fsecret.txt",
        "/assets/..%2f..%2fsecret.txt",
    ] {
        let response = http.get(format!("{base}{path}")).send().await.expect("GET");
        let status = response.status();
        let body = response.text().await.expect("body");
        assert!(
            !body.contains("do not serve"),
            "{path} escaped the site: {status}"
        );
        assert!(
            status == StatusCode::NOT_FOUND || status == StatusCode::BAD_REQUEST,
            "{path}: {status}"
        );
    }
}

#[tokio::test]
async fn health_and_readiness() {
    let site = TestSite::sample();
    let (base, state) = common::serve(site.site().await, false).await;
    let http = client();
    let live = http
        .get(format!("{base}/healthz"))
        .send()
        .await
        .expect("GET");
    assert_eq!(live.status(), StatusCode::OK);
    let ready = http
        .get(format!("{base}/readyz"))
        .send()
        .await
        .expect("GET");
    assert_eq!(ready.status(), StatusCode::SERVICE_UNAVAILABLE);
    let reason: serde_json::Value = ready.json().await.expect("JSON");
    assert!(
        reason["reason"]
            .as_str()
            .expect("a reason")
            .contains("not rendered"),
        "{reason}"
    );

    state
        .site
        .publish(folio::site::PublishOptions {
            import: true,
            ..Default::default()
        })
        .await
        .expect("publish");
    state
        .rendered
        .store(true, std::sync::atomic::Ordering::SeqCst);
    let ready = http
        .get(format!("{base}/readyz"))
        .send()
        .await
        .expect("GET");
    assert_eq!(ready.status(), StatusCode::OK);

    // Liveness never touches the database: it answers with the store closed.
    state.site.store.close().await;
    assert_eq!(
        http.get(format!("{base}/healthz"))
            .send()
            .await
            .expect("GET")
            .status(),
        StatusCode::OK
    );
    assert_eq!(
        http.get(format!("{base}/readyz"))
            .send()
            .await
            .expect("GET")
            .status(),
        StatusCode::SERVICE_UNAVAILABLE
    );
}

/// `folio serve` as a user runs it: built-in theme, sample content, then SIGTERM.
#[tokio::test]
async fn the_binary_serves_the_sample_site_and_stops_on_sigterm() {
    let site = TestSite::sample();
    let mut folio = common::Running::start(site.path(), &["serve", "--listen", "127.0.0.1:0"]);
    let base = folio.base_url();
    let child = folio.drain_log();
    let http = client();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let ready = http
            .get(format!("{base}/readyz"))
            .send()
            .await
            .expect("GET /readyz");
        if ready.status() == StatusCode::OK {
            break;
        }
        assert!(Instant::now() < deadline, "not ready after 30 s");
        // sleep: polling /readyz, with a deadline
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let home = http
        .get(format!("{base}/"))
        .send()
        .await
        .expect("GET /")
        .text()
        .await
        .expect("body");
    assert!(home.contains("Getting started with folio") && home.contains("/assets/style."));
    assert!(site.db().is_file(), "the database was created");

    // The container's probe asks the port `folio serve` listens on (FOLIO_LISTEN, on
    // every address there), not a fixed 8080.
    let port = base.rsplit(':').next().expect("a port");
    let probe = site.cli_with(
        &["healthcheck"],
        &[("FOLIO_LISTEN", &format!("0.0.0.0:{port}"))],
    );
    assert!(
        probe.status.success(),
        "{}",
        String::from_utf8_lossy(&probe.stderr)
    );

    let status = common::Running::terminate(child);
    assert!(status.success(), "exit status after SIGTERM: {status}");
}

/// The schedule runs in the server whatever the admin: `serve --no-admin` (a public
/// pod) publishes a post from `content/` when its time comes, with nobody asking.
#[tokio::test]
async fn a_server_without_the_admin_publishes_a_scheduled_post_when_its_time_comes() {
    let site = TestSite::empty();
    // Whole seconds: the front matter's precision.
    let due =
        chrono::SubsecRound::trunc_subsecs(chrono::Utc::now() + chrono::Duration::seconds(3), 0);
    site.write(
        "posts/later.md",
        &format!(
            "---\ntitle: Later\ndate: {}\nstatus: scheduled\n---\nScheduled words.\n",
            due.format("%Y-%m-%dT%H:%M:%SZ")
        ),
    );
    let mut folio = common::Running::start(
        site.path(),
        &["serve", "--listen", "127.0.0.1:0", "--no-admin"],
    );
    let base = folio.base_url();
    let child = folio.drain_log();
    let http = client();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let status = http
            .get(format!("{base}/later/"))
            .send()
            .await
            .expect("GET /later/")
            .status();
        if status == StatusCode::OK {
            assert!(chrono::Utc::now() >= due, "published before its time");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the scheduled post never appeared"
        );
        // sleep: polling for the post to appear, with a deadline
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let status = common::Running::terminate(child);
    assert!(status.success(), "exit status after SIGTERM: {status}");
}

/// A `base_url` naming this machine but not the address served (the sample's
/// `http://127.0.0.1:8080` under another port, or in a container listening on every
/// address) is named at start: every canonical link would point elsewhere. A public
/// `base_url` behind a proxy is not.
#[tokio::test]
async fn a_local_base_url_other_than_the_served_address_is_named_at_start() {
    let site = TestSite::sample();
    let start = |base_url: &str| {
        common::Running::start_with(
            site.path(),
            &["serve", "--listen", "127.0.0.1:0", "--no-admin"],
            &[("FOLIO_BASE_URL", base_url)],
        )
    };
    let mut local = start("http://127.0.0.1:8080");
    let log = local.log_until("site published");
    assert!(
        log.contains(
            "base_url is http://127.0.0.1:8080 but the site is served on http://127.0.0.1:"
        ) && log.contains("set base_url in folio.toml"),
        "{log}"
    );
    common::Running::terminate(local.drain_log());
    let mut public = start(common::BASE_URL);
    let log = public.log_until("site published");
    assert!(!log.contains("base_url is"), "{log}");
    common::Running::terminate(public.drain_log());
}
