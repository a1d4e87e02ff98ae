//! The sample site's HTML, pinned: a change to the renderer, the theme or the sample
//! content that changes a page shows here as a diff to review. After a change made on
//! purpose, `INSTA_UPDATE=always cargo test --test snapshots` writes the new pages
//! into `app/tests/snapshots/`; commit them with the change.

mod common;

use common::TestSite;

#[tokio::test]
async fn the_sample_site_renders_as_pinned() {
    let site = TestSite::sample();
    // Pages without a date are dated at their import: the clock stands still.
    let at = chrono::DateTime::parse_from_rfc3339("2026-11-01T12:00:00Z").expect("a time");
    let s = site
        .site()
        .await
        .with_clock(folio::clock::Clock::fixed(at.into()));
    s.publish(folio::site::PublishOptions {
        import: true,
        ..Default::default()
    })
    .await
    .expect("publish");
    s.store.close().await;
    for (name, rel) in [
        ("home", "index.html"),
        ("post", "markdown-in-folio/index.html"),
        ("page", "about/index.html"),
        ("tag", "tag/markdown/index.html"),
        ("not_found", "404.html"),
        ("feed", "rss.xml"),
        ("sitemap", "sitemap.xml"),
    ] {
        insta::assert_snapshot!(name, site.read_out(rel));
    }
}
