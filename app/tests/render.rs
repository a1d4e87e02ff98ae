//! The renderer over the sample site and small hand-made ones: links, feeds, drafts,
//! determinism, incremental writes, and failures that leave the published site alone.

mod common;

use std::collections::BTreeSet;

use common::{post, repo, TestSite, BASE_URL};
use folio::render::ThemeSource;
use folio::site::PublishOptions;

/// Every `href` and `src` value in an HTML document.
fn links(html: &str) -> Vec<String> {
    let mut found = Vec::new();
    for attr in ["href=\"", "src=\""] {
        let mut rest = html;
        while let Some(at) = rest.find(attr) {
            rest = &rest[at + attr.len()..];
            let end = rest.find('"').expect("attribute closes");
            found.push(rest[..end].replace("&amp;", "&"));
            rest = &rest[end..];
        }
    }
    found
}

/// The output file an internal URL maps to, or None for external links.
fn target(url: &str) -> Option<String> {
    let url = url.strip_prefix(BASE_URL).unwrap_or(url);
    if !url.starts_with('/') || url.starts_with("//") {
        return None;
    }
    let path = url
        .split(['#', '?'])
        .next()
        .unwrap_or_default()
        .trim_start_matches('/');
    Some(if path.is_empty() || path.ends_with('/') {
        format!("{path}index.html")
    } else {
        path.to_owned()
    })
}

#[tokio::test]
async fn every_internal_link_of_the_sample_site_resolves() {
    let site = TestSite::sample();
    site.publish().await;
    let files = site.output();
    let mut checked = 0;
    for (path, bytes) in files.iter().filter(|(p, _)| p.ends_with(".html")) {
        let html = std::str::from_utf8(bytes).expect("UTF-8 HTML");
        for link in links(html) {
            if let Some(file) = target(&link) {
                assert!(
                    files.contains_key(&file),
                    "{path} links to {link}, but {file} does not exist"
                );
                checked += 1;
            }
        }
    }
    assert!(checked > 200, "only {checked} links checked");
    // The sample has images, and they are published.
    assert!(files.contains_key("images/pipeline.svg") && files.contains_key("images/banner.png"));
}

fn published_slugs(kind: &str) -> BTreeSet<String> {
    let site_content = repo().join("content");
    let mut slugs = BTreeSet::new();
    for entry in walkdir::WalkDir::new(&site_content)
        .into_iter()
        .filter_map(Result::ok)
    {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !name.ends_with(".md") {
            continue;
        }
        let text = std::fs::read_to_string(entry.path()).expect("read");
        let front = text.split("\n---").next().expect("front matter");
        let is_page = entry.path().to_string_lossy().contains("/pages/");
        if front.contains("\ndraft: true") || (kind == "post") == is_page {
            continue;
        }
        let slug = front
            .lines()
            .find_map(|l| l.strip_prefix("slug: "))
            .expect("sample posts set slugs");
        slugs.insert(slug.to_owned());
    }
    slugs
}

#[tokio::test]
async fn feed_and_sitemap_list_exactly_the_published_posts() {
    let site = TestSite::sample();
    site.publish().await;
    let posts = published_slugs("post");
    let pages = published_slugs("page");
    assert!(posts.len() >= 8 && !pages.is_empty());

    let rss = site.read_out("rss.xml");
    let doc = roxmltree::Document::parse(&rss).expect("rss.xml is XML");
    let in_feed: BTreeSet<String> = doc
        .descendants()
        .filter(|n| n.has_tag_name("item"))
        .map(|item| {
            item.children()
                .find(|c| c.has_tag_name("link"))
                .and_then(|l| l.text())
                .expect("item link")
                .to_owned()
        })
        .collect();
    let expected: BTreeSet<String> = posts.iter().map(|s| format!("{BASE_URL}/{s}/")).collect();
    assert_eq!(in_feed, expected);

    let sitemap = site.read_out("sitemap.xml");
    let doc = roxmltree::Document::parse(&sitemap).expect("sitemap.xml is XML");
    let listed: BTreeSet<String> = doc
        .descendants()
        .filter(|n| n.has_tag_name("loc"))
        .filter_map(|n| n.text())
        .map(|t| t.strip_prefix(BASE_URL).expect("absolute").to_owned())
        .filter(|t| t != "/" && !t.starts_with("/tag/") && !t.starts_with("/author/"))
        .collect();
    let expected: BTreeSet<String> = posts
        .iter()
        .chain(&pages)
        .map(|s| format!("/{s}/"))
        .collect();
    assert_eq!(listed, expected);
}

#[tokio::test]
async fn drafts_stay_out_unless_previewing() {
    let site = TestSite::sample();
    site.publish().await;
    let files = site.output();
    assert!(!files.contains_key("roadmap-notes/index.html"));
    for (path, bytes) in &files {
        let text = String::from_utf8_lossy(bytes);
        assert!(
            !text.contains("roadmap-notes") && !text.contains("Roadmap notes"),
            "{path} mentions the draft"
        );
    }

    let preview = site.site().await;
    preview
        .publish(PublishOptions {
            drafts: true,
            ..PublishOptions::default()
        })
        .await
        .expect("preview");
    let page = site.read_out("roadmap-notes/index.html");
    assert!(page.contains("<meta name=\"robots\" content=\"noindex\">"));
    assert_eq!(site.read_out("robots.txt"), "User-agent: *\nDisallow: /\n");
}

#[tokio::test]
async fn the_same_store_renders_a_byte_identical_site() {
    let site = TestSite::sample();
    site.publish().await;
    let first = site.output();
    std::fs::remove_dir_all(site.out()).expect("rm public");
    let report = site.publish().await;
    assert_eq!(common::built(&report).write.written.len(), first.len());
    assert!(common::differing(&first, &site.output()).is_empty());
}

#[tokio::test]
async fn only_changed_files_are_written_and_stale_ones_removed() {
    let site = TestSite::empty();
    site.write(
        "posts/a.md",
        &post("Alpha", "date: 2026-01-01\ntags: [one]\n", "A"),
    );
    site.write(
        "posts/b.md",
        &post("Beta", "date: 2026-01-02\ntags: [two]\n", "B"),
    );
    site.write(
        "posts/c.md",
        &post("Gamma", "date: 2026-01-03\ntags: [two]\n", "C"),
    );
    site.publish().await;
    let mtime = |rel: &str| {
        std::fs::metadata(site.out().join(rel))
            .and_then(|m| m.modified())
            .expect("mtime")
    };
    let before = mtime("a/index.html");

    // Nothing changed: nothing is rendered at all...
    let again = site.publish().await;
    assert!(again.build.is_none(), "{:?}", again.build);
    // ...and a forced build finds every file already right.
    let forced = site.site().await;
    let report = forced
        .publish(PublishOptions {
            force: true,
            ..PublishOptions::default()
        })
        .await
        .expect("forced publish");
    let write = &common::built(&report).write;
    assert!(
        write.written.is_empty() && write.removed.is_empty(),
        "{write:?}"
    );
    forced.store.close().await;

    site.write(
        "posts/c.md",
        &post("Gamma, edited", "date: 2026-01-03\ntags: [two]\n", "C"),
    );
    let edited = common::built(&site.publish().await).write.clone();
    assert!(
        edited.written.contains(&"c/index.html".to_owned()),
        "{edited:?}"
    );
    assert!(
        edited.written.contains(&"index.html".to_owned())
            && edited.written.contains(&"tag/two/index.html".to_owned())
    );
    assert!(
        !edited.written.contains(&"tag/one/index.html".to_owned()),
        "{edited:?}"
    );
    assert_eq!(
        mtime("a/index.html"),
        before,
        "an unrelated page was rewritten"
    );

    std::fs::remove_file(site.content().join("posts/a.md")).expect("rm");
    let store = site.store().await;
    folio::content::import_dir(&store, &site.content(), true, "Editor", chrono::Utc::now())
        .await
        .expect("prune");
    store.close().await;
    let removed = common::built(&site.publish().await).write.removed.clone();
    assert!(
        removed.contains(&"a/index.html".to_owned())
            && removed.contains(&"tag/one/index.html".to_owned()),
        "{removed:?}"
    );
    assert!(!site.out().join("a").exists());
}

/// A copy of the default theme with `edit` applied, and the site it renders into.
async fn publish_with_theme(
    site: &TestSite,
    edit: impl FnOnce(&std::path::Path),
) -> Result<folio::site::PublishReport, String> {
    let theme = site.path().join("theme");
    common::copy_dir(&repo().join("themes/default"), &theme);
    edit(&theme);
    let s = site.site_with(ThemeSource::Dir(theme)).await;
    let result = s
        .publish(PublishOptions {
            import: true,
            ..Default::default()
        })
        .await;
    s.store.close().await;
    result.map_err(|e| e.to_string())
}

#[tokio::test]
async fn a_template_error_names_the_file_and_leaves_the_site_untouched() {
    let site = TestSite::sample();
    site.publish().await;
    let before = site.output();

    let err = publish_with_theme(&site, |theme| {
        std::fs::write(theme.join("templates/post.html"), "{% extends \"base.html\" %}\n{% block main %}\n{{ post.title | no_such_filter }}\n{% endblock main %}\n").expect("write");
    })
    .await
    .expect_err("unknown filter");
    assert!(err.contains("post.html"), "{err}");
    assert!(common::differing(&before, &site.output()).is_empty());

    let err = publish_with_theme(&site, |theme| {
        std::fs::write(theme.join("templates/page.html"), "{% extends \"base.html\" %}\n{% block main %}\n{{ post.nothing.here }}\n{% endblock main %}\n").expect("write");
    })
    .await
    .expect_err("missing variable");
    assert!(
        err.contains("page.html") && err.contains("nothing"),
        "{err}"
    );
    assert!(common::differing(&before, &site.output()).is_empty());
    assert!(
        !site.path().join(".public.staging").exists(),
        "the staging folder is cleaned up"
    );

    let err = publish_with_theme(&site, |theme| {
        std::fs::remove_file(theme.join("templates/tag.html")).expect("rm")
    })
    .await
    .expect_err("missing template");
    assert!(err.contains("tag.html"), "{err}");
    assert!(common::differing(&before, &site.output()).is_empty());
}

#[tokio::test]
async fn one_template_can_be_overridden_without_copying_the_theme() {
    let site = TestSite::sample();
    std::fs::create_dir_all(site.path().join("templates")).expect("mkdir");
    std::fs::write(
        site.path().join("templates/404.html"),
        "{% extends \"base.html\" %}{% block main %}<p>Custom lost page</p>{% endblock main %}",
    )
    .expect("write");
    site.publish().await;
    assert!(site.read_out("404.html").contains("Custom lost page"));
    assert!(site
        .read_out("getting-started/index.html")
        .contains("class=\"post\""));
    // Editing a template is a change a publish sees, though the store did not change.
    std::fs::write(
        site.path().join("templates/404.html"),
        "{% extends \"base.html\" %}{% block main %}<p>Edited lost page</p>{% endblock main %}",
    )
    .expect("write");
    common::built(&site.publish().await);
    assert!(site.read_out("404.html").contains("Edited lost page"));
}

#[tokio::test]
async fn posts_carry_seo_tags_and_aliases_redirect() {
    let site = TestSite::empty();
    site.write(
        "posts/seo.md",
        &post(
            "Plain title",
            "slug: seo\ndate: 2026-03-01\nmeta_title: Search title\nog_image: /images/og.png\naliases: [/2019/05/old-seo/]\n",
            "Body <text>.",
        ),
    );
    site.write("posts/other.md", &post("Other", "aliases: [/seo/]\n", "x"));
    // One bad alias never fails the site: the post keeps its address, the alias is
    // left out and named.
    let s = site.site().await;
    let report = s
        .publish(PublishOptions {
            import: true,
            ..Default::default()
        })
        .await
        .expect("the site publishes");
    let named = report.warnings.iter().any(|w| w.contains("seo/index.html"));
    assert!(named, "{:?}", report.warnings);
    s.store.close().await;

    site.write("posts/other.md", &post("Other", "", "x"));
    site.publish().await;
    let html = site.read_out("seo/index.html");
    for needle in [
        "<title>Search title</title>",
        &format!("<link rel=\"canonical\" href=\"{BASE_URL}/seo/\">"),
        "<meta property=\"og:type\" content=\"article\">",
        &format!("<meta property=\"og:image\" content=\"{BASE_URL}/images/og.png\">"),
        "<meta name=\"twitter:card\" content=\"summary_large_image\">",
        "\"@type\":\"Article\"",
    ] {
        assert!(html.contains(needle), "missing {needle}");
    }
    let json_ld = html
        .split("<script type=\"application/ld+json\">")
        .nth(1)
        .and_then(|s| s.split("</script>").next())
        .expect("json-ld");
    let value: serde_json::Value = serde_json::from_str(json_ld).expect("JSON-LD parses");
    assert_eq!(value["headline"], "Plain title");
    let redirect = site.read_out("2019/05/old-seo/index.html");
    assert!(
        redirect.contains("url=/seo/") && redirect.contains(&format!("href=\"{BASE_URL}/seo/\"")),
        "{redirect}"
    );
}

#[tokio::test]
async fn incremental_builds_equal_a_full_build_after_every_kind_of_edit() {
    let site = TestSite::empty();
    let write = |name: &str, title: &str, front: &str| {
        site.write(
            &format!("posts/{name}.md"),
            // A code block, the same in every version of the post: an edited post
            // takes it from its last HTML.
            &post(
                title,
                front,
                &format!("Body of {title}.\n\n```rust\nfn shared() {{}}\n```"),
            ),
        );
    };
    for i in 1..=7 {
        write(
            &format!("p{i}"),
            &format!("Post {i}"),
            &format!("date: 2026-01-0{i}\ntags: [t{}]\n", i % 3),
        );
    }
    site.publish().await;
    let total = common::built(
        &site
            .publish_with(PublishOptions {
                force: true,
                ..Default::default()
            })
            .await,
    )
    .rendered;

    type Edit<'a> = (&'a str, Box<dyn Fn() + 'a>);
    let edits: Vec<Edit> = vec![
        (
            "create",
            Box::new(|| write("p8", "Post 8", "date: 2026-01-08\ntags: [t2]\n")),
        ),
        (
            "edit a title",
            Box::new(|| write("p3", "Post three", "date: 2026-01-03\ntags: [t0]\n")),
        ),
        (
            "retag",
            Box::new(|| write("p5", "Post 5", "date: 2026-01-05\ntags: [t2, t9]\n")),
        ),
        (
            "unpublish",
            Box::new(|| {
                write(
                    "p2",
                    "Post 2",
                    "date: 2026-01-02\ntags: [t2]\ndraft: true\n",
                )
            }),
        ),
        (
            "delete",
            Box::new(|| std::fs::remove_file(site.content().join("posts/p7.md")).expect("rm")),
        ),
        (
            "change a date",
            Box::new(|| write("p1", "Post 1", "date: 2026-02-01\ntags: [t1]\n")),
        ),
    ];
    for (name, edit) in edits {
        edit();
        let report = site
            .publish_with(PublishOptions {
                import: true,
                prune: true,
                ..Default::default()
            })
            .await;
        let rendered = common::built(&report).rendered;
        assert!(
            rendered < total,
            "{name}: {rendered} of {total} pages rendered again"
        );
        // A new tag may change any page: only then is the whole store read again.
        assert_eq!(
            report.remembered,
            name != "retag",
            "{name}: whether the build started from the last one"
        );
        assert_same_as_a_full_build(&site, name).await;
    }
}

/// The output folder of `site` is what a full build of its store makes.
async fn assert_same_as_a_full_build(site: &TestSite, name: &str) {
    let full_out = site.path().join(format!("full-{}", name.replace(' ', "-")));
    let full = site
        .site_into(
            ThemeSource::Dir(repo().join("themes/default")),
            full_out.clone(),
        )
        .await;
    full.publish(PublishOptions {
        force: true,
        ..Default::default()
    })
    .await
    .expect("full build");
    full.store.close().await;
    let diff = common::differing(&site.output(), &common::read_tree(&full_out));
    assert!(
        diff.is_empty(),
        "after {name}, incremental and full builds differ in {diff:?}"
    );
}

/// A post ends with the posts that share the most of its tags (nearest in time
/// first), never itself nor a post sharing none; an edit to one of them shows on the
/// pages that list it.
#[tokio::test]
async fn related_posts_share_tags_and_follow_edits() {
    let site = TestSite::empty();
    let write = |name: &str, title: &str, date: &str, tags: &str| {
        let front = format!("date: {date}\ntags: [{tags}]\n");
        site.write(&format!("posts/{name}.md"), &post(title, &front, "Words."));
    };
    write("a", "Alpha", "2026-01-05", "ferries, food");
    write("b", "Bravo", "2026-01-01", "ferries, food");
    write("c", "Charlie", "2026-01-04", "ferries");
    write("d", "Delta", "2026-01-03", "trains");
    site.publish().await;
    let related = |slug: &str| {
        let page = site.read_out(&format!("{slug}/index.html"));
        let Some(start) = page.find("id=\"related-title\"") else {
            return Vec::new();
        };
        let end = page[start..].find("</section>").expect("the section ends") + start;
        let titles =
            regex::Regex::new(r#"<h2><a href="[^"]+">([^<]+)</a></h2>"#).expect("a pattern");
        (titles.captures_iter(&page[start..end]))
            .map(|c| c[1].to_owned())
            .collect::<Vec<_>>()
    };
    // Bravo shares both tags: before Charlie, which is nearer in time.
    assert_eq!(related("a"), ["Bravo", "Charlie"]);
    assert_eq!(related("c"), ["Alpha", "Bravo"]);
    assert_eq!(
        related("d"),
        Vec::<String>::new(),
        "no shared tag, no section"
    );
    write("b", "Bravo renamed", "2026-01-01", "ferries, food");
    site.publish().await;
    assert_eq!(related("a"), ["Bravo renamed", "Charlie"]);
    assert_same_as_a_full_build(&site, "a related post renamed").await;
}

/// On a tag longer than the reach of related posts, an edit renders again the pages
/// that show the edited post (its neighbours in the tag, on both sides), and a one-edit
/// build still equals a full one at both ends of the list and in its middle.
#[tokio::test]
async fn an_edit_reaches_the_related_posts_of_a_long_tag() {
    let site = TestSite::empty();
    let write = |i: usize, title: &str| {
        let front = format!("date: 2026-02-{:02}\ntags: [long, t{}]\n", i + 1, i % 4);
        site.write(&format!("posts/p{i}.md"), &post(title, &front, "Words."));
    };
    for i in 0..28 {
        write(i, &format!("Post {i}"));
    }
    site.publish().await;
    let forced = PublishOptions {
        force: true,
        ..Default::default()
    };
    let total = common::built(&site.publish_with(forced).await).rendered;
    for (i, title) in [
        (14, "Fourteen"),
        (0, "Zero"),
        (27, "Twenty-seven"),
        (14, "Again"),
    ] {
        write(i, title);
        let report = site.publish().await;
        let rendered = common::built(&report).rendered;
        assert!(
            rendered < total,
            "{title}: {rendered} of {total} pages rendered again"
        );
        assert_same_as_a_full_build(&site, &format!("renamed {title}")).await;
    }
}

#[tokio::test]
async fn a_scheduled_post_comes_out_in_the_first_build_after_its_time() {
    let site = TestSite::empty();
    site.write(
        "posts/now.md",
        &post(
            "Now",
            "date: 2026-01-01
",
            "Here.",
        ),
    );
    // The site's clock stands an hour back; the post is due two seconds after it (in
    // the past for the full build below, which reads the system's time).
    let start = chrono::Utc::now() - chrono::Duration::hours(1);
    let clock = folio::clock::Clock::fixed(start);
    let publish = || async {
        let s = site.site().await.with_clock(clock.clone());
        let report = s
            .publish(PublishOptions {
                import: true,
                ..Default::default()
            })
            .await
            .expect("publish");
        s.store.close().await;
        report
    };
    publish().await;
    // Whole seconds: the front matter's precision.
    let due = start + chrono::Duration::seconds(2);
    let front = format!(
        "date: {}\nstatus: scheduled\n",
        due.format("%Y-%m-%dT%H:%M:%SZ")
    );
    site.write("posts/soon.md", &post("Soon", &front, "Later."));
    assert!(publish().await.remembered);
    assert!(!site.out().join("soon/index.html").exists(), "out too soon");

    clock.advance(chrono::Duration::seconds(3));
    let report = publish().await;
    assert!(report.build.is_some(), "the post coming due is a change");
    assert!(report.remembered, "the build started from the last one");
    assert!(site.read_out("index.html").contains("/soon/"));
    assert_same_as_a_full_build(&site, "due").await;
}

#[tokio::test]
async fn progress_is_reported_up_to_every_page() {
    let site = TestSite::sample();
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let record = seen.clone();
    let progress: folio::site::Progress = std::sync::Arc::new(move |done, total| {
        record.lock().expect("lock").push((done, total));
    });
    let s = site.site().await;
    let report = s
        .publish_reporting(
            PublishOptions {
                import: true,
                ..Default::default()
            },
            Some(progress),
        )
        .await
        .expect("publish");
    s.store.close().await;
    let seen = seen.lock().expect("lock");
    let (done, total) = *seen.iter().max().expect("progress was reported");
    assert_eq!(done, total);
    assert!(
        total as usize <= common::built(&report).files && total > 10,
        "{total}"
    );
}

/// The store's excerpts parse Markdown as the renderer does, so an excerpt reads as
/// the page's text (smart quotes, footnotes left out).
#[test]
fn digests_parse_markdown_as_the_renderer_does() {
    assert_eq!(
        folio::store::digest::OPTIONS,
        folio::render::markdown::options()
    );
}
