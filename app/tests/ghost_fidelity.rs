//! A Ghost blog moved with nothing leaked and nothing lost: posts for members stay
//! off the public site unless asked, navigation comes over (header and footer),
//! authors' and tags' images are copied and shown.

mod common;

use std::path::Path;

use serde_json::{json, Value};

use common::ghost::{fixture, hand_export, import, run, write};
use common::TestSite;

/// Every file of the output as text, to look for what must not be there.
fn whole_site(site: &TestSite) -> String {
    common::read_tree(&site.out())
        .into_values()
        .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
        .collect::<Vec<_>>()
        .join("\n")
}

fn members_export() -> Value {
    hand_export(
        "6.1.0",
        vec![
            json!({ "slug": "open", "html": "<p>For everyone.</p>" }),
            json!({
                "slug": "teaser", "visibility": "members",
                "html": "<p>The free opening.</p><!--members-only--><p>The paid secret.</p>",
            }),
            json!({
                "slug": "locked", "visibility": "paid", "custom_excerpt": "What it is about.",
                "html": "<p>Nothing free in here.</p>",
            }),
        ],
    )
}

#[test]
fn posts_for_members_are_drafts_unless_asked() {
    let site = TestSite::empty();
    let file = write(
        &site,
        "m.json",
        &serde_json::to_vec(&members_export()).expect("JSON"),
    );
    let report = import(&site, &file, &[]);
    assert_eq!(report["members"], "draft");
    assert_eq!(
        report["members_posts"],
        json!(["teaser", "locked"]),
        "{report}"
    );
    let (ok, _, stderr) = run(&site, &["publish"]);
    assert!(ok, "{stderr}");
    let all = whole_site(&site);
    assert!(all.contains("For everyone."));
    for secret in [
        "The free opening",
        "The paid secret",
        "Nothing free in here",
    ] {
        assert!(!all.contains(secret), "{secret} is public");
    }
    assert!(!site.out().join("teaser/index.html").exists());
    // Nothing lost: the drafts hold the whole text.
    let (ok, _, stderr) = run(&site, &["export", "exported"]);
    assert!(ok, "{stderr}");
    let teaser = std::fs::read_to_string(site.path().join("exported/posts/teaser.md"))
        .expect("the draft exported");
    assert!(
        teaser.contains("The paid secret") && teaser.contains("status: draft"),
        "{teaser}"
    );
}

#[test]
fn a_members_preview_publishes_the_part_before_the_marker_only() {
    let site = TestSite::empty();
    std::fs::write(
        site.path().join("folio.toml"),
        "members_url = \"https://members.example.com/#/portal/signup\"\n",
    )
    .expect("folio.toml");
    let file = write(
        &site,
        "m.json",
        &serde_json::to_vec(&members_export()).expect("JSON"),
    );
    let report = import(&site, &file, &["--members", "preview"]);
    assert!(
        report["warnings"].to_string().contains("locked"),
        "no marker is said: {report}"
    );
    let (ok, _, stderr) = run(&site, &["publish"]);
    assert!(ok, "{stderr}");
    let teaser = site.read_out("teaser/index.html");
    assert!(teaser.contains("The free opening."), "{teaser}");
    assert!(teaser.contains("The rest of this post is for members"));
    assert!(teaser.contains(r#"href="https://members.example.com/#/portal/signup""#));
    let locked = site.read_out("locked/index.html");
    assert!(locked.contains("The rest of this post is for members"));
    let all = whole_site(&site);
    for secret in ["The paid secret", "Nothing free in here"] {
        assert!(!all.contains(secret), "{secret} is public");
    }
    // The marker's tag stays internal.
    assert!(!all.contains("members-preview"));
}

#[test]
fn members_public_publishes_them_whole_on_purpose() {
    let site = TestSite::empty();
    let file = write(
        &site,
        "m.json",
        &serde_json::to_vec(&members_export()).expect("JSON"),
    );
    let report = import(&site, &file, &["--members", "public"]);
    assert_eq!(report["members"], "public");
    let (ok, _, stderr) = run(&site, &["publish"]);
    assert!(ok, "{stderr}");
    assert!(site
        .read_out("teaser/index.html")
        .contains("The paid secret."));
    assert!(!site.read_out("teaser/index.html").contains("for members"));
}

#[test]
fn navigation_comes_over_in_the_header_and_the_footer() {
    let site = TestSite::empty();
    import(&site, &fixture("ghost6-cards-a.json"), &[]);
    let (ok, _, stderr) = run(&site, &["publish"]);
    assert!(ok, "{stderr}");
    let home = site.read_out("index.html");
    let (header, footer) = home.split_once("site-footer").expect("a footer");
    for (label, url) in [
        ("Travel", "/tag/travel/"),
        ("Food", "/tag/food/"),
        ("About", "/about/"),
    ] {
        assert!(
            header.contains(&format!(r#"<a href="{url}">{label}</a>"#)),
            "{label}: {header}"
        );
    }
    for (label, url) in [("Contact", "/contact/"), ("RSS", "/rss/")] {
        assert!(
            footer.contains(&format!(r#"<a href="{url}">{label}</a>"#)),
            "{label}: {footer}"
        );
    }

    // A link into Ghost's members portal does nothing here: left out, and said.
    let other = TestSite::empty();
    let report = import(&other, &fixture("ghost-6.65.0-local-export.json"), &[]);
    assert!(
        report["warnings"].to_string().contains("portal"),
        "{report}"
    );
    run(&other, &["publish"]);
    assert!(!other.read_out("index.html").contains("#/portal/"));
}

#[test]
fn author_and_tag_images_are_copied_and_shown() {
    let site = TestSite::empty();
    let images = site.path().join("ghost/content/images/2024/01");
    std::fs::create_dir_all(&images).expect("mkdir");
    let png = std::fs::read(common::repo().join("content/images/banner.png")).expect("a png");
    std::fs::write(images.join("ada.png"), &png).expect("write");
    std::fs::write(images.join("rust.png"), &png).expect("write");
    std::fs::write(images.join("cover.png"), &png).expect("write");
    let mut export = hand_export("6.1.0", vec![json!({ "slug": "borrowing" })]);
    let data = &mut export["db"][0]["data"];
    data["users"] = json!([{
        "id": "u1", "name": "Ada Lovelace", "slug": "ada", "bio": "First programmer.",
        "location": "London", "website": "https://ada.example",
        "profile_image": "__GHOST_URL__/content/images/2024/01/ada.png",
        "cover_image": "__GHOST_URL__/content/images/2024/01/cover.png",
        "twitter": "@adalovelace", "facebook": "ada.lovelace\" onmouseover=\"x",
        // Ghost 6's other networks, one of them no account at all.
        "bluesky": "ada.bsky.social", "mastodon": "@ada@mathstodon.xyz",
        "youtube": "@adalovelace", "linkedin": "javascript:alert(1)", "tiktok": null,
    }]);
    data["posts_authors"] = json!([{ "post_id": "p0", "author_id": "u1", "sort_order": 0 }]);
    data["tags"] = json!([{
        "id": "t1", "name": "Rust", "slug": "rust", "description": "About Rust.",
        "feature_image": "__GHOST_URL__/content/images/2024/01/rust.png",
        "meta_title": "Rust, the articles",
    }]);
    data["posts_tags"] = json!([{ "post_id": "p0", "tag_id": "t1", "sort_order": 0 }]);
    let file = write(&site, "x.json", &serde_json::to_vec(&export).expect("JSON"));
    let images_arg = site.path().join("ghost/content/images");
    let report = import(
        &site,
        &file,
        &["--images", images_arg.to_str().expect("utf-8")],
    );
    assert_eq!(report["media_copied"], 3, "{report}");
    assert_eq!(report["media_missing"], json!([]), "{report}");
    let (ok, _, stderr) = run(&site, &["publish"]);
    assert!(ok, "{stderr}");
    assert!(site.out().join("images/2024/01/ada.png").is_file());
    assert!(site.out().join("images/2024/01/rust.png").is_file());
    let author = site.read_out("author/ada/index.html");
    assert!(
        author.contains(r#"src="/images/2024/01/ada.png""#),
        "{author}"
    );
    assert!(author.contains("London") && author.contains("First programmer."));
    // The cover and the accounts: a link made of a handle, and nothing of a value
    // that is not an account's name.
    assert!(
        author.contains(r#"<img class="author-cover" src="/images/2024/01/cover.png""#),
        "{author}"
    );
    assert!(author.contains(r#"<a href="https://x.com/adalovelace" rel="me">X</a>"#));
    assert!(!author.contains("facebook") && !author.contains("onmouseover"));
    for link in [
        r#"<a href="https://bsky.app/profile/ada.bsky.social" rel="me">Bluesky</a>"#,
        r#"<a href="https://mathstodon.xyz/@ada" rel="me">Mastodon</a>"#,
        r#"<a href="https://www.youtube.com/@adalovelace" rel="me">YouTube</a>"#,
    ] {
        assert!(author.contains(link), "{link} in {author}");
    }
    assert!(
        !author.contains("LinkedIn") && !author.contains("javascript"),
        "{author}"
    );
    let warnings = report["warnings"].to_string();
    assert!(
        warnings
            .contains(r#"the LinkedIn account \"javascript:alert(1)\" is not one folio can link"#),
        "{warnings}"
    );
    // The content folder keeps them, as Ghost did.
    let authors =
        std::fs::read_to_string(site.content().join("authors.yaml")).expect("authors.yaml");
    assert!(
        authors.contains("bluesky: ada.bsky.social")
            && authors.contains("mastodon: '@ada@mathstodon.xyz'"),
        "{authors}"
    );
    let post = site.read_out("borrowing/index.html");
    assert!(
        post.contains(r#"src="/images/2024/01/ada.png""#),
        "the byline's avatar: {post}"
    );
    assert!(
        post.contains(r#"London · <a href="https://ada.example" rel="me">ada.example</a>"#),
        "the byline's links: {post}"
    );
    let tag = site.read_out("tag/rust/index.html");
    assert!(tag.contains(r#"src="/images/2024/01/rust.png""#) && tag.contains("About Rust."));
    assert!(tag.contains("<title>Rust, the articles</title>"), "{tag}");
}

#[test]
fn ghost_feed_addresses_keep_subscribers_and_their_guids() {
    let site = TestSite::empty();
    import(&site, &fixture("ghost6-cards-a.json"), &[]);
    let (ok, _, stderr) = run(&site, &["publish"]);
    assert!(ok, "{stderr}");
    let data = common::ghost::export_data(&fixture("ghost6-cards-a.json"));
    let lisbon = data["posts"]
        .as_array()
        .expect("posts")
        .iter()
        .find(|p| p["slug"] == "a-weekend-in-lisbon-trams-tiles-and-pasteis-de-nata")
        .expect("the Lisbon post");
    let id = lisbon["id"].as_str().expect("an id");
    for feed in ["rss/index.html", "rss.xml", "tag/travel/rss/index.html"] {
        let xml = site.read_out(feed);
        assert!(
            xml.starts_with("<?xml") && xml.contains("<rss version=\"2.0\""),
            "{feed}"
        );
        assert!(
            xml.contains(&format!("<guid isPermaLink=\"false\">{id}</guid>")),
            "{feed} keeps Ghost's guid"
        );
    }
    let tag_feed = site.read_out("tag/travel/rss/index.html");
    assert!(
        tag_feed.contains("/tag/travel/rss/\" rel=\"self\""),
        "{tag_feed}"
    );
    let author = data["users"][0]["slug"].as_str().expect("an author");
    assert!(site
        .out()
        .join(format!("author/{author}/rss/index.html"))
        .is_file());
}

#[test]
fn featured_image_alt_text_caption_and_featured_come_over() {
    let site = TestSite::empty();
    import(&site, &fixture("ghost6-cards-a.json"), &[]);
    let (ok, _, stderr) = run(&site, &["publish"]);
    assert!(ok, "{stderr}");
    let page = site.read_out("a-weekend-in-lisbon-trams-tiles-and-pasteis-de-nata/index.html");
    assert!(
        page.contains(r#"alt="A yellow tram climbing a narrow street in Graça""#),
        "{page}"
    );
    assert!(
        page.contains(
            r#"<figcaption>Tram 28 on Rua da Graça. Photo by <a href="https://mara.example.com""#
        ),
        "{page}"
    );
    let (ok, _, stderr) = run(&site, &["export", "exported"]);
    assert!(ok, "{stderr}");
    let data = common::ghost::export_data(&fixture("ghost6-cards-a.json"));
    let featured = data["posts"]
        .as_array()
        .expect("posts")
        .iter()
        .find(|p| p["featured"] == 1)
        .expect("a featured post");
    let slug = featured["slug"].as_str().expect("slug");
    let kind = if featured["type"] == "page" {
        "pages"
    } else {
        "posts"
    };
    let file = std::fs::read_to_string(site.path().join(format!("exported/{kind}/{slug}.md")))
        .expect("exported");
    assert!(file.contains("featured: true"), "{file}");
}

#[tokio::test(flavor = "multi_thread")]
async fn every_site_serves_its_feeds_at_ghost_addresses_as_rss() {
    let site = TestSite::sample();
    site.publish().await;
    let (base, _) = common::serve(site.site().await, true).await;
    for path in ["/rss/", "/tag/guides/rss/", "/author/editor/rss/"] {
        let response = reqwest::get(format!("{base}{path}"))
            .await
            .expect("an answer");
        assert_eq!(response.status(), 200, "{path}");
        let kind = response.headers()["content-type"]
            .to_str()
            .expect("text")
            .to_owned();
        assert_eq!(kind, "application/rss+xml; charset=utf-8", "{path}");
        assert!(
            response.text().await.expect("text").contains("<item>"),
            "{path}"
        );
    }
}

const GHOST_REDIRECTS: &str = "\
301:
  /old-post/: /post-0/
  ^/blog/(.*)$: /$1
302:
  /sale/: https://shop.example.com/sale
";

#[tokio::test(flavor = "multi_thread")]
async fn ghost_redirects_are_answered_as_redirects_and_written_for_static_hosts() {
    let site = TestSite::empty();
    let export = hand_export("6.1.0", vec![json!({ "slug": "post-0" })]);
    let file = write(&site, "x.json", &serde_json::to_vec(&export).expect("JSON"));
    let rules = write(&site, "redirects.yaml", GHOST_REDIRECTS.as_bytes());
    let report = import(
        &site,
        &file,
        &["--redirects", rules.to_str().expect("utf-8")],
    );
    assert_eq!(report["redirects"], 3, "{report}");
    // The blog's own pattern, and the two of Ghost's old media addresses that every
    // import adds (only `folio serve` answers patterns).
    assert_eq!(
        report["redirects_not_for_buckets"],
        json!([
            "^/blog/(.*)$ -> /$1",
            "^/content/images/size/[^/]+/(?:format/[^/]+/)?(.+)$ -> /images/$1",
            "^/content/(images|files|media)/(.+)$ -> /$1/$2",
        ]),
        "{report}"
    );
    let kept = std::fs::read_to_string(site.content().join("redirects.yaml")).expect("kept");
    assert!(kept.contains("/old-post/"), "{kept}");
    site.publish().await;
    // A static host has a page for each plain path; the file itself is not published.
    assert!(site
        .read_out("old-post/index.html")
        .contains("url=/post-0/"));
    assert!(!site.out().join("redirects.yaml").exists());

    let (base, _) = common::serve(site.site().await, true).await;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("a client");
    for (path, status, location) in [
        ("/old-post/", 301, "/post-0/"),
        ("/OLD-POST", 301, "/post-0/"),
        ("/blog/post-0/?ref=mail", 301, "/post-0/?ref=mail"),
        ("/sale/", 302, "https://shop.example.com/sale"),
        ("/blog//evil.example/", 301, "/evil.example/"),
    ] {
        let response = client
            .get(format!("{base}{path}"))
            .send()
            .await
            .expect("an answer");
        assert_eq!(response.status().as_u16(), status, "{path}");
        assert_eq!(response.headers()["location"], location, "{path}");
    }
    assert_eq!(
        client
            .get(format!("{base}/post-0/"))
            .send()
            .await
            .expect("answer")
            .status(),
        200
    );
    assert_eq!(
        client
            .get(format!("{base}/.redirects.json"))
            .send()
            .await
            .expect("answer")
            .status(),
        404,
        "the rules file is never served"
    );
}

#[tokio::test]
async fn bad_redirects_are_refused_by_file_and_line_and_change_nothing() {
    let site = TestSite::empty();
    let export = hand_export("6.1.0", vec![json!({ "slug": "post-0" })]);
    let file = write(&site, "x.json", &serde_json::to_vec(&export).expect("JSON"));
    let looped = write(&site, "loop.yaml", b"301:\n  /a/: /b/\n  /b/: /a/\n");
    let looped_arg = looped.to_str().expect("utf-8").to_owned();
    let (ok, _, stderr) = run(
        &site,
        &[
            "import",
            "ghost",
            file.to_str().expect("utf-8"),
            "--redirects",
            &looped_arg,
        ],
    );
    assert!(
        !ok && stderr.contains("loop") && stderr.contains("loop.yaml"),
        "{stderr}"
    );
    assert!(
        !site.content().join("redirects.yaml").exists(),
        "nothing written"
    );
    let (ok, listed, _) = run(
        &site,
        &["import", "ghost", file.to_str().expect("utf-8"), "--json"],
    );
    assert!(ok);
    let report: Value = serde_json::from_str(&listed).expect("JSON");
    assert_eq!(
        report["added"], 1,
        "the refused import added nothing: {report}"
    );

    // A broken redirects.yaml in content/ stops the publish; the site stays as it was.
    site.publish().await;
    let before = site.read_out("post-0/index.html");
    std::fs::write(
        site.content().join("redirects.yaml"),
        "301:\n  /a/: [oops\n",
    )
    .expect("write");
    let published = site
        .site()
        .await
        .publish(folio::site::PublishOptions::default())
        .await;
    let error = published.expect_err("refused").to_string();
    assert!(error.contains("redirects.yaml:"), "{error}");
    assert_eq!(site.read_out("post-0/index.html"), before);
}

#[test]
fn every_address_of_each_fixture_is_verified_with_nothing_missing() {
    let images = fixture("ghost6-cards-a-content/images");
    let images = images.to_str().expect("utf-8").to_owned();
    for (name, extra) in [
        ("ghost6-cards-a.json", vec!["--images", images.as_str()]),
        ("ghost-6.65.0-local-export.json", vec![]),
        ("v4_export.json", vec![]),
        ("products_export.json", vec![]),
    ] {
        let site = TestSite::empty();
        let mut args = vec!["--verify"];
        args.extend(extra.iter().copied());
        let (ok, stdout, stderr) = run(
            &site,
            &[
                &[
                    "import",
                    "ghost",
                    fixture(name).to_str().expect("utf-8"),
                    "--json",
                ][..],
                &args[..],
            ]
            .concat(),
        );
        let report: Value = serde_json::from_str(&stdout).unwrap_or(Value::Null);
        let verified = &report["verify"];
        // Fixtures without their images folder miss exactly their images, named.
        let missing: Vec<&str> = verified["missing"]
            .as_array()
            .unwrap_or_else(|| panic!("{name}: {stdout} {stderr}"))
            .iter()
            .map(|m| m.as_str().expect("a path"))
            .filter(|m| {
                !(extra.is_empty()
                    && (m.starts_with("/images/")
                        || m.starts_with("/files/")
                        || m.starts_with("/media/")))
            })
            .collect();
        assert_eq!(missing, Vec::<&str>::new(), "{name}: {verified}");
        assert!(
            verified["checked"].as_u64() >= Some(4),
            "{name}: {verified}"
        );
        if name == "ghost6-cards-a.json" {
            assert!(ok, "{name}: {stderr}");
            assert_eq!(verified["members_unpublished"], 1);
        }
    }
}

#[test]
fn a_missing_address_is_named_and_fails_the_verification() {
    let site = TestSite::empty();
    let images = fixture("ghost6-cards-a-content/images");
    let file = fixture("ghost6-cards-a.json");
    let args = [
        "import",
        "ghost",
        file.to_str().expect("utf-8"),
        "--images",
        images.to_str().expect("utf-8"),
    ];
    let (ok, _, stderr) = run(&site, &args);
    assert!(ok, "{stderr}");
    // A theme without tag feeds (or a lost image) would lose subscribers: caught.
    let (ok, _, _) = run(&site, &["publish"]);
    assert!(ok);
    std::fs::remove_file(site.content().join("images/2026/11/alfama-rooftops.jpg")).expect("rm");
    // Again without Ghost's folder, so the image is not copied back.
    let verify = ["import", "ghost", file.to_str().expect("utf-8"), "--verify"];
    let (ok, stdout, stderr) = run(&site, &verify);
    assert!(!ok, "a miss fails: {stdout}");
    assert!(
        stdout.contains("missing: /images/2026/11/alfama-rooftops.jpg"),
        "{stdout}"
    );
    assert!(
        stderr.contains("missing from the rendered site"),
        "{stderr}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_alias_never_takes_an_address_of_the_site() {
    // Redirects match without case, as Ghost's do; an alias is what an author writes.
    let site = TestSite::empty();
    site.write(
        "posts/hello.md",
        &common::post("Hello", "date: 2025-01-01\n", "Hello."),
    );
    site.write(
        "posts/mine.md",
        &common::post(
            "Mine",
            "date: 2025-01-02\naliases: [/Hello/, /Sitemap.xml, /TAG/x/, /old-mine/]\n",
            "Mine.",
        ),
    );
    site.publish().await;
    let (base, _) = common::serve(site.site().await, true).await;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("a client");
    for (path, status) in [("/hello/", 200), ("/sitemap.xml", 200), ("/old-mine/", 301)] {
        let response = client
            .get(format!("{base}{path}"))
            .send()
            .await
            .expect("an answer");
        assert_eq!(response.status().as_u16(), status, "{path}");
    }
    let rules = site.read_out(".redirects.json");
    assert!(
        !rules.contains("/Hello/") && !rules.contains("/TAG/x/"),
        "{rules}"
    );
}

/// Cards a Ghost user edits as Markdown once imported: images with their alt text and
/// caption, code, quotes, dividers, bookmarks and buttons (links), callouts (alert quotes).
/// The rest stay HTML, and the report says how much of each post that is.
#[test]
fn cards_with_a_markdown_form_become_markdown_and_the_rest_is_measured() {
    let site = TestSite::empty();
    let image = |name: &str| {
        format!(
            r#"src="__GHOST_URL__/content/images/2024/01/{name}" class="kg-image" alt="Alt of {name}" loading="lazy" width="800" height="600" srcset="__GHOST_URL__/content/images/size/w600/2024/01/{name} 600w, __GHOST_URL__/content/images/2024/01/{name} 800w" sizes="(min-width: 720px) 720px""#
        )
    };
    let markdown_cards = [
        format!(r#"<figure class="kg-card kg-image-card kg-card-hascaption"><img {}><figcaption><span style="white-space: pre-wrap;">Photo by </span><a href="https://mara.example.com">Mara "M" Lind</a><span> *on* film.</span></figcaption></figure>"#, image("a.jpg")),
        format!(r#"<figure class="kg-card kg-image-card kg-card-hascaption"><a href="https://tarts.example/"><img {}></a><figcaption>Still warm.</figcaption></figure>"#, image("b.jpg")),
        format!(r#"<figure class="kg-card kg-image-card"><img {}></figure>"#, image("c.jpg")),
        r#"<figure class="kg-card kg-code-card"><pre><code class="language-python">print("hi")
</code></pre><figcaption><span>A helper.</span></figcaption></figure>"#.to_owned(),
        r#"<blockquote class="kg-blockquote-alt">Next time: Sintra.</blockquote><hr>"#.to_owned(),
        r#"<figure class="kg-card kg-bookmark-card kg-card-hascaption"><a class="kg-bookmark-container" href="https://www.visitlisboa.com/en"><div class="kg-bookmark-content"><div class="kg-bookmark-title">Visit Lisboa — Official [site]</div><div class="kg-bookmark-description">Museums and events.</div><div class="kg-bookmark-metadata"><img class="kg-bookmark-icon" src="https://www.visitlisboa.com/favicon.ico" alt=""><span class="kg-bookmark-author">Visit Lisboa</span></div></div><div class="kg-bookmark-thumbnail"><img src="https://www.visitlisboa.com/og.jpg" alt="" onerror="this.style.display = 'none'"></div></a><figcaption>Genuinely useful.</figcaption></figure>"#.to_owned(),
        r#"<div class="kg-card kg-button-card kg-align-center"><a href="__GHOST_URL__/about/" class="kg-btn kg-btn-accent">Read our story</a></div>"#.to_owned(),
        r#"<div class="kg-card kg-callout-card kg-callout-card-yellow"><div class="kg-callout-emoji">🎟️</div><div class="kg-callout-text">Buy a <b><strong style="white-space: pre-wrap;">Viva Viagem</strong></b> card.</div></div>"#.to_owned(),
    ];
    let kept = format!(
        r#"<figure class="kg-card kg-image-card kg-width-wide"><img {}></figure><figure class="kg-card kg-gallery-card kg-width-wide"><div class="kg-gallery-container"><div class="kg-gallery-row"><div class="kg-gallery-image"><img src="__GHOST_URL__/content/images/2024/01/e.jpg" alt="E"></div></div></div></figure>"#,
        image("d.jpg")
    );
    let posts = vec![
        json!({ "slug": "all-markdown", "html": format!("<p>Before.</p>{}<p>After.</p>", markdown_cards.concat()) }),
        json!({ "slug": "mixed", "html": format!("<p>Before.</p>{kept}<p>After.</p>") }),
    ];
    let file = write(
        &site,
        "cards.json",
        &serde_json::to_vec(&hand_export("6.1.0", posts)).expect("JSON"),
    );
    let report = import(&site, &file, &[]);

    // What the owner edits.
    let (ok, _, stderr) = run(&site, &["export", "exported"]);
    assert!(ok, "{stderr}");
    let markdown = std::fs::read_to_string(site.path().join("exported/posts/all-markdown.md"))
        .expect("exported");
    for expected in [
        r#"![Alt of a.jpg](/images/2024/01/a.jpg "Photo by [Mara \"M\" Lind](https://mara.example.com) \\*on\\* film.")"#,
        r#"[![Alt of b.jpg](/images/2024/01/b.jpg "Still warm.")](https://tarts.example/)"#,
        "![Alt of c.jpg](/images/2024/01/c.jpg)",
        "```python\nprint(\"hi\")\n```",
        "> Next time: Sintra.",
        "[Visit Lisboa — Official \\[site\\]](https://www.visitlisboa.com/en)\\\nMuseums and events.",
        "Genuinely useful.",
        "[Read our story](/about/)",
        // Its colour as the kind of a GitHub-style alert.
        "> [!WARNING]\n> 🎟️ Buy a **Viva Viagem** card.",
    ] {
        assert!(markdown.contains(expected), "{expected}\nmissing from\n{markdown}");
    }
    for html in [
        "<figure",
        "<div",
        "<img",
        "srcset",
        "kg-",
        "<hr",
        "<blockquote",
    ] {
        assert!(!markdown.contains(html), "{html} left in\n{markdown}");
    }
    assert!(
        report["cards_kept_as_html"].get("all-markdown").is_none(),
        "{report}"
    );
    assert!(
        report["html_share"].get("all-markdown").is_none(),
        "{report}"
    );
    assert_eq!(
        report["cards_kept_as_html"]["mixed"],
        json!(["image", "gallery"])
    );
    let share = report["html_share"]["mixed"].as_u64().expect("a share");
    assert!((50..100).contains(&share), "{report}");

    // What readers see: the same figures, links and quotes as on Ghost.
    let (ok, _, stderr) = run(&site, &["publish"]);
    assert!(ok, "{stderr}");
    let page = site.read_out("all-markdown/index.html");
    for expected in [
        r#"<figure><img src="/images/2024/01/a.jpg" alt="Alt of a.jpg"><figcaption>Photo by <a href="https://mara.example.com">Mara “M” Lind</a> *on* film.</figcaption></figure>"#,
        r#"<figure><a href="https://tarts.example/"><img src="/images/2024/01/b.jpg" alt="Alt of b.jpg"></a><figcaption>Still warm.</figcaption></figure>"#,
        r#"<p><img src="/images/2024/01/c.jpg" alt="Alt of c.jpg" /></p>"#,
        "<blockquote class=\"markdown-alert-warning\">\n<p>🎟️ Buy a <strong>Viva Viagem</strong> card.</p>\n</blockquote>",
        r#"<a href="/about/">Read our story</a>"#,
        "<hr",
    ] {
        assert!(page.contains(expected), "{expected}\nmissing from\n{page}");
    }
    let mixed = site.read_out("mixed/index.html");
    assert!(
        mixed.contains("kg-width-wide") && mixed.contains("kg-gallery-card"),
        "{mixed}"
    );

    // The summary a person reads names the share.
    let again = write(
        &site,
        "cards-2.json",
        &std::fs::read(&file).expect("export"),
    );
    let fresh = TestSite::empty();
    let (ok, stdout, stderr) = run(&fresh, &["import", "ghost", again.to_str().expect("utf-8")]);
    assert!(ok, "{stderr}");
    assert!(
        stdout.contains(&format!(
            "mixed: {share}% of the body kept as HTML: 2 card(s): image, gallery"
        )),
        "{stdout}"
    );
    assert!(!stdout.contains("all-markdown:"), "{stdout}");
}

#[test]
fn ghost_staff_come_with_the_roles_they_had_to_invite_them_as() {
    for name in [
        "ghost6-cards-a.json",
        "v4_export.json",
        "ghost-6.65.0-local-export.json",
    ] {
        let site = TestSite::empty();
        let report = import(&site, &fixture(name), &[]);
        // Each staff user's role, read from the export's own tables.
        let data = common::ghost::export_data(&fixture(name));
        let role_of = |user: &Value| {
            let link = data["roles_users"]
                .as_array()
                .expect("roles_users")
                .iter()
                .find(|l| l["user_id"] == user["id"])
                .expect("a role");
            data["roles"]
                .as_array()
                .expect("roles")
                .iter()
                .find(|r| r["id"] == link["role_id"])
                .expect("the role")["name"]
                .as_str()
                .expect("a name")
                .to_owned()
        };
        let users = data["users"].as_array().expect("users");
        let staff = report["staff"].as_array().expect("staff in the report");
        assert_eq!(staff.len(), users.len(), "{name}: {staff:?}");
        for user in users {
            let listed = staff
                .iter()
                .find(|s| s["slug"] == user["slug"])
                .unwrap_or_else(|| panic!("{name}: {} not listed", user["slug"]));
            let ghost_role = role_of(user);
            assert_eq!(listed["ghost_role"], ghost_role.as_str());
            assert_eq!(listed["role"], ghost_role.to_lowercase(), "{name}");
        }
    }
    // Said to a person, as the commands that make the accounts.
    let site = TestSite::empty();
    let file = fixture("ghost6-cards-a.json");
    let (ok, stdout, stderr) = run(&site, &["import", "ghost", &file.to_string_lossy()]);
    assert!(ok, "{stderr}");
    assert!(
        stdout.contains("folio user add tomas --role author"),
        "{stdout}"
    );
    assert!(
        stdout.contains("folio user add mara --role owner"),
        "{stdout}"
    );
}

/// Every media address of the Ghost blog (`/content/images/...`, its resized copies,
/// authors' avatars, tags' images) answers at its old address through `folio serve`:
/// a permanent redirect to the same file here, which answers.
#[tokio::test(flavor = "multi_thread")]
async fn ghost_media_answer_at_their_old_addresses() {
    let (site, export) = cards_imported_with_media();
    let old = old_media_addresses(&export);
    let server = common::api::Server::start(&site, &[]);
    let mut broken = Vec::new();
    for path in &old {
        let (status, location) = common::api::redirect(&server, path).await;
        if status != 301 || !location.starts_with('/') {
            broken.push(format!("{path}: {status} to {location:?}"));
            continue;
        }
        let (then, _) = common::api::page(&server, &location).await;
        if then != 200 {
            broken.push(format!("{path} -> {location}: {then}"));
        }
    }
    assert_eq!(broken, Vec::<String>::new());
}

/// A site with the cards fixture imported, its media copied; and the export's path.
fn cards_imported_with_media() -> (TestSite, std::path::PathBuf) {
    let site = TestSite::empty();
    let export = fixture("ghost6-cards-a.json");
    let images = fixture("ghost6-cards-a-content/images");
    import(
        &site,
        &export,
        &["--images", images.to_str().expect("utf-8")],
    );
    (site, export)
}

/// Every media address the Ghost export at `export` names (`/content/images/...`,
/// resized ones included).
fn old_media_addresses(export: &Path) -> std::collections::BTreeSet<String> {
    let text = std::fs::read_to_string(export).expect("the export");
    let old: std::collections::BTreeSet<String> =
        regex::Regex::new(r#"__GHOST_URL__(/content/(?:images|files|media)/[^"'\\\s<>)?#,]+)"#)
            .expect("a pattern")
            .captures_iter(&text)
            .map(|c| c[1].to_owned())
            .collect();
    assert!(
        old.iter().any(|p| p.contains("/size/")) && old.len() >= 10,
        "{old:?}"
    );
    old
}

/// A bucket answers no pattern, and a redirect page at an image's address is a
/// broken image: every old media address the export names is the file itself in the
/// bucket, the same bytes as at its new address.
#[tokio::test(flavor = "multi_thread")]
async fn ghost_media_are_files_at_their_old_addresses_in_the_bucket() {
    let moto = common::moto::Moto::start();
    moto.create_bucket("site").await;
    let (site, export) = cards_imported_with_media();
    let output = site.cli_with(
        &["publish", "--bucket", "s3://site"],
        &[
            ("AWS_ACCESS_KEY_ID", "test-key"),
            ("AWS_SECRET_ACCESS_KEY", "test-secret"),
            ("AWS_REGION", "us-east-1"),
            ("AWS_ENDPOINT_URL", &moto.endpoint),
        ],
    );
    assert!(output.status.success(), "{output:?}");
    let resized =
        regex::Regex::new("^/content/images/size/[^/]+/(?:format/[^/]+/)?").expect("a pattern");
    let mut broken = Vec::new();
    for old in old_media_addresses(&export) {
        let new = resized
            .replace(&old, "/images/")
            .replacen("/content/", "/", 1);
        let key = |path: &str| {
            let path = path.trim_start_matches('/');
            percent_encoding::percent_decode_str(path)
                .decode_utf8_lossy()
                .into_owned()
        };
        let (status, _, _, body) = moto.get("site", &key(&old)).await;
        let (_, _, _, expected) = moto.get("site", &key(&new)).await;
        if status != 200 || body != expected || body.is_empty() {
            broken.push(format!(
                "{old}: {status}, {} bytes (at {new}: {})",
                body.len(),
                expected.len()
            ));
        }
    }
    assert_eq!(broken, Vec::<String>::new());
}

/// Ghost's "Subscribe" buttons and links open its members portal, which a static site
/// does not have: imported, they go to `/subscribe/`, which sends readers to
/// `members_url`, else to the feed (on any static host too: a redirect page). A page
/// of the site at that address stays the site's.
#[tokio::test(flavor = "multi_thread")]
async fn portal_links_go_to_the_subscribe_address() {
    let site = TestSite::empty();
    let report = import(&site, &fixture("ghost6-cards-a.json"), &[]);
    assert!(report["portal_links"].as_u64() >= Some(2), "{report}");
    let bodies = common::read_tree(&site.content())
        .into_values()
        .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
        .collect::<String>();
    assert!(!bodies.contains("#/portal"), "no dead portal link is left");
    assert!(bodies.contains("href=\"/subscribe/\"") || bodies.contains("](/subscribe/)"));

    let server = common::api::Server::start(&site, &[]);
    assert_eq!(
        common::api::redirect(&server, "/subscribe/").await,
        (302, "/rss.xml".to_owned()),
        "the feed, without members_url"
    );
    drop(server);
    let join = "https://members.example/join";
    // Ready once its publish is done: the last build answers until then.
    let (server, _) = common::api::Server::start_reading_log(&site, &[("FOLIO_MEMBERS_URL", join)]);
    assert_eq!(
        common::api::redirect(&server, "/subscribe/").await,
        (302, join.to_owned())
    );
    assert!(
        site.read_out("subscribe/index.html").contains(join),
        "a redirect page for static hosts"
    );
    drop(server);

    std::fs::write(
        site.content().join("pages/subscribe.md"),
        "---\ntitle: Subscribe\nslug: subscribe\ntype: page\n---\nOur own way to follow.\n",
    )
    .expect("a page");
    let (server, _) = common::api::Server::start_reading_log(&site, &[]);
    let (status, text) = common::api::page(&server, "/subscribe/").await;
    assert_eq!(status, 200, "the site's own page");
    assert!(text.contains("Our own way to follow."));
}
