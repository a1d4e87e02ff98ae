//! `folio serve --watch`, the real binary: an edit is published and announced to the
//! browser; a broken file is reported and the last good page stays.

mod common;

use std::time::{Duration, Instant};

use common::{post, TestSite};

/// Reads the event stream until an event of `kind` arrives; returns its data.
async fn next_event(stream: &mut reqwest::Response, kind: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut buffer = String::new();
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        assert!(
            !left.is_zero(),
            "no {kind} event within 30 s; got {buffer:?}"
        );
        let chunk = tokio::time::timeout(left, stream.chunk())
            .await
            .expect("an event in time")
            .expect("read");
        buffer.push_str(&String::from_utf8_lossy(
            &chunk.expect("the stream stays open"),
        ));
        if let Some(at) = buffer.find(&format!("event: {kind}\n")) {
            let rest = &buffer[at..];
            if let Some(end) = rest.find("\n\n") {
                return rest[..end]
                    .lines()
                    .filter_map(|l| l.strip_prefix("data: "))
                    .collect::<Vec<_>>()
                    .join("\n");
            }
        }
    }
}

async fn get_text(http: &reqwest::Client, url: &str) -> String {
    let response = http.get(url).send().await.expect("GET");
    response.text().await.expect("body")
}

#[tokio::test]
async fn edits_are_published_live_and_broken_files_reported() {
    let site = TestSite::empty();
    site.write(
        "posts/live.md",
        &post("First title", "slug: live\n", "Hello."),
    );
    let mut folio = common::Running::start(
        site.path(),
        &["serve", "--watch", "--listen", "127.0.0.1:0"],
    );
    let base = folio.base_url();
    // The watcher starts after the first publish.
    folio.wait_for_log("watching");
    let child = folio.drain_log();
    let http = reqwest::Client::new();

    let page = get_text(&http, &format!("{base}/live/")).await;
    assert!(
        page.contains("First title") && page.contains("/__folio/live"),
        "{page}"
    );
    let published =
        std::fs::read_to_string(site.out().join("live/index.html")).expect("published page");
    assert!(
        !published.contains("__folio"),
        "the live script must never be in a published file"
    );

    let mut events = http
        .get(format!("{base}/__folio/live"))
        .send()
        .await
        .expect("event stream");
    site.write(
        "posts/live.md",
        &post("Second title", "slug: live\n", "Hello again."),
    );
    next_event(&mut events, "reload").await;
    let page = get_text(&http, &format!("{base}/live/")).await;
    assert!(page.contains("Second title"), "{page}");

    // An editor's swap file is not content; a broken file is reported, not published.
    site.write("posts/.live.md.swp", "not markdown");
    site.write("posts/live.md", "---\ntitle: [broken\n---\n");
    let message = next_event(&mut events, "error-report").await;
    assert!(message.contains("posts/live.md"), "{message}");
    let page = get_text(&http, &format!("{base}/live/")).await;
    assert!(page.contains("Second title"), "the last good page stays");

    // folio.toml is watched too: a new title re-renders the site; a broken file is
    // reported and the last good site stays.
    site.write(
        "posts/live.md",
        &post("Second title", "slug: live\n", "Hello again."),
    );
    next_event(&mut events, "reload").await;
    std::fs::write(site.path().join("folio.toml"), "title = \"Renamed blog\"\n").expect("write");
    next_event(&mut events, "reload").await;
    let page = get_text(&http, &format!("{base}/live/")).await;
    assert!(page.contains("Renamed blog"), "{page}");
    std::fs::write(site.path().join("folio.toml"), "title = [\n").expect("write");
    let message = next_event(&mut events, "error-report").await;
    assert!(message.contains("folio.toml"), "{message}");
    let page = get_text(&http, &format!("{base}/live/")).await;
    assert!(page.contains("Renamed blog"), "the last good site stays");

    let status = common::Running::terminate(child);
    assert!(status.success(), "{status}");
}
