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
    let br = http
        .get(format!("{base}/markdown-in-folio/"))
        .header(ACCEPT_ENCODING, "gzip, br")
        .send()
        .await
        .expect("GET");
    assert_eq!(br.headers()[CONTENT_ENCODING], "br");

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

/// The body a response's `Content-Encoding` decodes to.
fn decoded(coding: Option<&str>, body: &[u8]) -> Vec<u8> {
    use std::io::Read;
    let mut out = Vec::new();
    match coding {
        None => out.extend_from_slice(body),
        Some("gzip") => {
            flate2::read::GzDecoder::new(body)
                .read_to_end(&mut out)
                .expect("gzip");
        }
        Some("br") => brotli::BrotliDecompress(&mut &body[..], &mut out).expect("brotli"),
        Some(other) => panic!("an unexpected coding {other}"),
    }
    out
}

/// Pages are answered from memory, compressed once: every way a client asks gets
/// the same file and the same headers (but for its coding and length), a HEAD the
/// headers of its GET, and a page unchanged by the next publish keeps its ETag while
/// the edited one gets a new one.
#[tokio::test]
async fn every_coding_of_a_file_is_the_file_with_the_same_headers() {
    let site = TestSite::sample();
    site.publish().await;
    let (base, state) = common::serve(site.site().await, true).await;
    let http = client();
    let css = site
        .output()
        .into_keys()
        .find(|p| p.starts_with("assets/style."))
        .expect("a stylesheet");
    let paths = [
        ("/writing-posts/", "writing-posts/index.html"),
        ("/", "index.html"),
        ("/rss/", "rss/index.html"),
        ("/sitemap.xml", "sitemap.xml"),
        ("/robots.txt", "robots.txt"),
    ];
    let css_path = format!("/{css}");
    let paths = paths
        .iter()
        .map(|(url, file)| (url.to_string(), file.to_string()))
        .chain([(css_path, css.clone())]);
    let strip = |headers: &reqwest::header::HeaderMap| {
        let mut headers = headers.clone();
        for name in [CONTENT_ENCODING, CONTENT_LENGTH, reqwest::header::DATE] {
            headers.remove(name);
        }
        headers
    };
    let mut etags = Vec::new();
    for (url, file) in paths {
        let on_disk = std::fs::read(site.out().join(&file)).expect("the file");
        let plain = http.get(format!("{base}{url}")).send().await.expect("GET");
        assert_eq!(plain.status(), StatusCode::OK, "{url}");
        assert!(plain.headers().get(CONTENT_ENCODING).is_none(), "{url}");
        assert_eq!(plain.headers()[reqwest::header::VARY], "accept-encoding");
        let headers = strip(plain.headers());
        assert_eq!(
            plain.bytes().await.expect("body").as_ref(),
            on_disk.as_slice()
        );
        for (accept, coding) in [
            ("gzip", Some("gzip")),
            ("br", Some("br")),
            ("gzip, deflate, br, zstd", Some("br")),
            ("br;q=0, gzip", Some("gzip")),
            ("gzip;q=0, br;q=0", None),
            ("identity", None),
            ("*", Some("br")),
        ] {
            let ask = || {
                http.get(format!("{base}{url}"))
                    .header(ACCEPT_ENCODING, accept)
            };
            let response = ask().send().await.expect("GET");
            let got = response
                .headers()
                .get(CONTENT_ENCODING)
                .map(|v| v.to_str().expect("ascii").to_owned());
            // A file of a few hundred bytes goes as it is: a coding would not save.
            let coding = coding.filter(|_| on_disk.len() >= 512);
            assert_eq!(got.as_deref(), coding, "{url} with {accept}");
            assert_eq!(strip(response.headers()), headers, "{url} with {accept}");
            let length = response.headers()[CONTENT_LENGTH].clone();
            let body = response.bytes().await.expect("body");
            assert_eq!(length.to_str().expect("ascii"), body.len().to_string());
            assert_eq!(decoded(coding, &body), on_disk, "{url} with {accept}");
            let head = http
                .head(format!("{base}{url}"))
                .header(ACCEPT_ENCODING, accept);
            let head = head.send().await.expect("HEAD");
            assert_eq!(
                head.headers()[CONTENT_LENGTH],
                length,
                "{url} with {accept}"
            );
            assert_eq!(strip(head.headers()), headers, "{url} with {accept}");
            assert!(head.bytes().await.expect("body").is_empty());
            let etag = headers[ETAG].clone();
            let again = ask()
                .header(IF_NONE_MATCH, etag.clone())
                .send()
                .await
                .expect("GET");
            assert_eq!(
                again.status(),
                StatusCode::NOT_MODIFIED,
                "{url} with {accept}"
            );
            assert_eq!(again.headers()[ETAG], etag);
        }
        etags.push((url, headers[ETAG].clone()));
    }
    // One post edited and published: its page is new, the others the same version.
    let post = site.content().join("posts/writing-posts.md");
    let text = std::fs::read_to_string(&post).expect("the post");
    std::fs::write(&post, format!("{text}\nOne more line.\n")).expect("edit");
    state
        .site
        .publish(folio::site::PublishOptions {
            import: true,
            ..Default::default()
        })
        .await
        .expect("publish");
    for (url, etag) in etags {
        let response = http
            .get(format!("{base}{url}"))
            .header(ACCEPT_ENCODING, "br")
            .send()
            .await;
        let response = response.expect("GET");
        let new_etag = response.headers()[ETAG] != etag;
        if url == "/writing-posts/" {
            assert!(new_etag, "the edited page keeps its ETag");
        } else if url == "/robots.txt" || url.starts_with("/assets/") {
            assert!(!new_etag, "{url} is the same file, yet has another ETag");
        }
        let coding = response
            .headers()
            .get(CONTENT_ENCODING)
            .map(|v| v.to_str().expect("ascii").to_owned());
        let body = decoded(coding.as_deref(), &response.bytes().await.expect("body"));
        let file = if url.ends_with('/') {
            format!("{}index.html", &url[1..])
        } else {
            url[1..].to_owned()
        };
        assert_eq!(
            body,
            std::fs::read(site.out().join(file)).expect("the file"),
            "{url}"
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
