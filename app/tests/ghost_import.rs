//! `folio import ghost` against real Ghost exports (4, 5 and 6) and hand-made ones:
//! every published post at its Ghost URL with its title, tags, date and text; drafts
//! stay drafts; a second import changes nothing; bad input changes nothing.

mod common;

use regex::Regex;
use serde_json::{json, Value};

use common::ghost::{export_data, fixture, hand_export, import, run, write};
use common::TestSite;

/// Text as a reader sees it: tags gone, entities decoded, typography and spacing
/// made plain (folio's smart punctuation curls quotes that Ghost left straight).
fn visible(html: &str) -> String {
    // Inline tags join what they touch ("<span>sugar</span>." is "sugar."); the
    // others separate words.
    static INLINE: std::sync::LazyLock<Regex> = std::sync::LazyLock::new(|| {
        Regex::new(r"(?s)<!--.*?-->|</?(?:span|a|strong|em|b|i|u|s|code|sup|sub|mark|del|ins|small)\b[^>]*>")
            .expect("pattern")
    });
    static TAGS: std::sync::LazyLock<Regex> =
        std::sync::LazyLock::new(|| Regex::new(r"<[^>]*>").expect("pattern"));
    static NUMERIC: std::sync::LazyLock<Regex> =
        std::sync::LazyLock::new(|| Regex::new(r"&#(x?)([0-9a-fA-F]+);").expect("pattern"));
    let text = INLINE.replace_all(html, "");
    let text = TAGS.replace_all(&text, " ");
    let text = NUMERIC.replace_all(&text, |c: &regex::Captures| {
        let radix = if c[1].is_empty() { 10 } else { 16 };
        u32::from_str_radix(&c[2], radix)
            .ok()
            .and_then(char::from_u32)
            .map(String::from)
            .unwrap_or_default()
    });
    let text = text
        .replace("&nbsp;", " ")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&");
    let text: String = text
        .chars()
        .map(|c| match c {
            '\u{2018}' | '\u{2019}' => '\'',
            '\u{201c}' | '\u{201d}' => '"',
            '\u{2013}' | '\u{2014}' => '-',
            '\u{a0}' => ' ',
            c => c,
        })
        .collect();
    let text = text.replace('\u{2026}', "...").replace("--", "-");
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The text blocks of a Ghost body: paragraphs, headings, list items, captions.
fn blocks(html: &str) -> Vec<String> {
    let block = Regex::new(r"(?s)<(p|h[1-6]|li|figcaption|blockquote)\b[^>]*>(.*?)</(?:p|h[1-6]|li|figcaption|blockquote)>")
        .expect("pattern");
    block
        .captures_iter(html)
        .map(|c| visible(&c[2]))
        .filter(|t| !t.is_empty())
        .collect()
}

/// Checks every published post of `export` on the rendered site.
fn check_published(site: &TestSite, data: &Value) -> usize {
    let now = chrono::Utc::now();
    let no_rows = Vec::new();
    let tags: std::collections::HashMap<&str, &Value> = data["tags"]
        .as_array()
        .unwrap_or(&no_rows)
        .iter()
        .map(|t| (t["id"].as_str().expect("id"), t))
        .collect();
    let mut checked = 0;
    for post in data["posts"].as_array().expect("posts") {
        let slug = post["slug"].as_str().expect("slug");
        let path = site.out().join(slug).join("index.html");
        let status = post["status"].as_str().expect("status");
        // Posts for members are drafts by default: paid content is never given away.
        let for_members = matches!(
            post["visibility"].as_str(),
            Some("members" | "paid" | "tiers")
        );
        if status != "published" || for_members {
            let scheduled_due = status == "scheduled"
                && parse_date(&post["published_at"]).is_some_and(|d| d <= now);
            if !scheduled_due || for_members {
                assert!(!path.exists(), "{status} post {slug} was published");
            }
            continue;
        }
        let page = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("published post {slug} is not at /{slug}/: {e}"));
        let text = visible(&page);
        let title = post["title"].as_str().expect("title");
        assert!(
            text.contains(&visible(title)),
            "{slug}: title {title:?} missing"
        );
        let date = parse_date(&post["published_at"]).expect("a published date");
        let stamp = date.format("%Y-%m-%dT%H:%M:%SZ").to_string();
        assert!(page.contains(&stamp), "{slug}: date {stamp} missing");
        for link in data["posts_tags"].as_array().unwrap_or(&no_rows) {
            if link["post_id"] != post["id"] {
                continue;
            }
            let tag = tags[link["tag_id"].as_str().expect("tag id")];
            let name = tag["name"].as_str().expect("name");
            if name.starts_with('#') {
                assert!(
                    !text.contains(&visible(name)),
                    "{slug}: internal tag {name} shown"
                );
            } else {
                assert!(text.contains(&visible(name)), "{slug}: tag {name} missing");
                let tag_page = site
                    .out()
                    .join("tag")
                    .join(tag["slug"].as_str().expect("slug"))
                    .join("index.html");
                assert!(tag_page.exists(), "{slug}: tag page {tag_page:?} missing");
            }
        }
        for block in blocks(post["html"].as_str().unwrap_or_default()) {
            assert!(
                text.contains(&block),
                "{slug}: text missing from the page:\n  {block}\npage text:\n  {text}"
            );
        }
        checked += 1;
    }
    checked
}

fn parse_date(value: &Value) -> Option<chrono::DateTime<chrono::Utc>> {
    let text = value.as_str()?;
    chrono::DateTime::parse_from_rfc3339(text)
        .map(|d| d.with_timezone(&chrono::Utc))
        .ok()
        .or_else(|| {
            chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S")
                .ok()
                .map(|n| n.and_utc())
        })
}

#[test]
fn ghost_exports_publish_at_their_ghost_urls_with_nothing_lost() {
    for (name, expect_posts) in [
        ("v4_export.json", 11),
        ("products_export.json", 1),
        ("ghost-6.65.0-local-export.json", 35),
    ] {
        let site = TestSite::empty();
        let file = fixture(name);
        let report = import(&site, &file, &[]);
        assert_eq!(report["added"], expect_posts, "{name}: {report}");
        let (ok, _, stderr) = run(&site, &["publish"]);
        assert!(ok, "{name}: publish failed: {stderr}");
        let checked = check_published(&site, &export_data(&file));
        assert!(checked > 0, "{name}: no published post checked");

        // The same export again changes nothing.
        let again = import(&site, &file, &[]);
        assert_eq!(again["added"], 0, "{name}: {again}");
        assert_eq!(again["updated"], 0, "{name}: {again}");
        assert_eq!(again["unchanged"], expect_posts);
    }
}

#[test]
fn cards_media_authors_and_drafts_of_a_ghost_6_site() {
    let site = TestSite::empty();
    let file = fixture("ghost6-cards-a.json");
    // Without the images folder, the report lists what the posts point at.
    let dry = TestSite::empty();
    let without = import(&dry, &file, &[]);
    let missing = without["media_missing"].as_array().expect("a list");
    assert!(
        missing
            .iter()
            .any(|m| m == "images/2026/11/alfama-rooftops.jpg"),
        "{missing:?}"
    );
    assert!(
        missing
            .iter()
            .any(|m| m == "files/2026/11/creme-brulee-recipe-card.pdf"),
        "{missing:?}"
    );

    let images = fixture("ghost6-cards-a-content/images");
    let report = import(&site, &file, &["--images", images.to_str().expect("utf-8")]);
    assert_eq!(report["added"], 24);
    assert_eq!(report["media_missing"], json!([]), "{report}");
    assert!(report["media_copied"].as_u64() >= Some(20), "{report}");
    assert!(site
        .content()
        .join("images/2026/11/alfama-rooftops.jpg")
        .is_file());
    assert!(site
        .content()
        .join("files/2026/11/creme-brulee-recipe-card.pdf")
        .is_file());

    // Every card Markdown cannot express is kept as HTML and named in the report; the
    // others (bookmarks, callouts, buttons, images at text width) are Markdown.
    let cards: Vec<String> = report["cards_kept_as_html"]
        .as_object()
        .expect("cards")
        .values()
        .flat_map(|v| {
            v.as_array()
                .expect("a list")
                .iter()
                .map(|c| c.as_str().expect("name").to_owned())
        })
        .collect();
    for card in [
        "gallery", "toggle", "embed", "html", "product", "file", "audio", "header",
    ] {
        assert!(
            cards.iter().any(|c| c == card),
            "{card} not reported: {cards:?}"
        );
    }
    for card in ["bookmark", "callout", "button"] {
        assert!(!cards.iter().any(|c| c == card), "{card} kept: {cards:?}");
    }
    assert_eq!(
        report["members_posts"],
        json!(["behind-the-scenes-how-we-edit-a-story"]),
        "{report}"
    );

    let (ok, _, stderr) = run(&site, &["publish"]);
    assert!(ok, "{stderr}");
    let data = export_data(&file);
    assert!(check_published(&site, &data) >= 15);
    // Images are served from the site's own folder.
    let lisbon = site.read_out("a-weekend-in-lisbon-trams-tiles-and-pasteis-de-nata/index.html");
    assert!(lisbon.contains("src=\"/images/2026/11/alfama-rooftops.jpg\""));
    assert!(!lisbon.contains("__GHOST_URL__"));
    assert!(site
        .out()
        .join("images/2026/11/alfama-rooftops.jpg")
        .is_file());
    // Authors keep their Ghost URLs; drafts stay drafts in the store.
    for user in data["users"].as_array().expect("users") {
        let slug = user["slug"].as_str().expect("slug");
        assert!(
            site.out()
                .join("author")
                .join(slug)
                .join("index.html")
                .is_file(),
            "author {slug}"
        );
    }
    let list = site.cli(&["export", "exported"]);
    assert!(list.status.success());
    let draft =
        std::fs::read_to_string(site.path().join("exported/notes-on-sourdough-hydration.md"))
            .or_else(|_| {
                std::fs::read_to_string(
                    site.path()
                        .join("exported/posts/notes-on-sourdough-hydration.md"),
                )
            })
            .unwrap_or_else(|_| {
                let found = walkdir::WalkDir::new(site.path().join("exported"))
                    .into_iter()
                    .filter_map(Result::ok)
                    .find(|e| {
                        e.file_name()
                            .to_string_lossy()
                            .contains("notes-on-sourdough-hydration")
                    })
                    .expect("the draft was exported");
                std::fs::read_to_string(found.path()).expect("read")
            });
    assert!(draft.contains("status: draft"), "{draft}");
}

#[test]
fn a_newer_export_updates_changed_posts_as_new_revisions() {
    let site = TestSite::empty();
    let file = fixture("v4_export.json");
    import(&site, &file, &[]);
    let mut export: Value =
        serde_json::from_slice(&std::fs::read(&file).expect("read")).expect("JSON");
    let posts = export["db"][0]["data"]["posts"]
        .as_array_mut()
        .expect("posts");
    let slug = posts[0]["slug"].as_str().expect("slug").to_owned();
    posts[0]["title"] = json!("A title changed in Ghost");
    let newer = site.path().join("newer.json");
    std::fs::write(&newer, serde_json::to_vec(&export).expect("JSON")).expect("write");
    let report = import(&site, &newer, &[]);
    assert_eq!(report["updated"], 1, "{report}");
    assert_eq!(report["unchanged"], 10);

    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let store = site.store().await;
        let mut conn = store.read().await.expect("a connection");
        let id = folio::store::posts::id_by_slug(&mut conn, &slug)
            .await
            .expect("query")
            .expect("the post");
        let revisions = folio::store::revisions::revisions(&mut conn, id)
            .await
            .expect("revisions");
        assert_eq!(revisions.len(), 2);
        assert_eq!(revisions[1].3.title, "A title changed in Ghost");
        assert_ne!(
            revisions[0].3.title, revisions[1].3.title,
            "the old version is kept"
        );
    });
}

#[test]
fn a_custom_permalink_keeps_the_old_urls_working() {
    let site = TestSite::empty();
    let file = fixture("v4_export.json");
    import(&site, &file, &["--permalink", "/{year}/{month}/{slug}/"]);
    let (ok, _, stderr) = run(&site, &["publish"]);
    assert!(ok, "{stderr}");
    let data = export_data(&file);
    let post = data["posts"]
        .as_array()
        .expect("posts")
        .iter()
        .find(|p| p["type"] == "post" && p["status"] == "published")
        .expect("a published post");
    let date = parse_date(&post["published_at"]).expect("date");
    let slug = post["slug"].as_str().expect("slug");
    let old = format!("{}/{slug}/index.html", date.format("%Y/%m"));
    let redirect = site.read_out(&old);
    assert!(redirect.contains(&format!("/{slug}/")), "{redirect}");
}

/// Cards without a Markdown form (the others: `ghost_fidelity.rs`).
#[test]
fn each_card_type_is_kept_and_reported() {
    let site = TestSite::empty();
    let cards = [
        ("toggle", r#"<div class="kg-card kg-toggle-card" data-kg-toggle-state="close"><div class="kg-toggle-heading"><h4 class="kg-toggle-heading-text">Question?</h4></div><div class="kg-toggle-content"><p>Answer.</p></div></div>"#),
        ("embed", r#"<figure class="kg-card kg-embed-card"><iframe src="https://www.youtube.com/embed/x"></iframe></figure>"#),
        ("gallery", r#"<figure class="kg-card kg-gallery-card kg-width-wide"><div class="kg-gallery-container"><div class="kg-gallery-row"><div class="kg-gallery-image"><img src="__GHOST_URL__/content/images/2024/01/a.jpg" alt="A"></div></div></div></figure>"#),
        ("html", "<!--kg-card-begin: html--><marquee>Raw</marquee>\n\n<p>two</p><!--kg-card-end: html-->"),
    ];
    let posts = cards
        .iter()
        .map(|(_, html)| json!({ "html": format!("<p>Before.</p>{html}<p>After.</p>") }))
        .collect();
    let file = write(
        &site,
        "cards.json",
        &serde_json::to_vec(&hand_export("5.2.0", posts)).expect("JSON"),
    );
    let report = import(&site, &file, &[]);
    let (ok, _, stderr) = run(&site, &["publish"]);
    assert!(ok, "{stderr}");
    for (i, (card, html)) in cards.iter().enumerate() {
        assert_eq!(
            report["cards_kept_as_html"][format!("post-{i}")],
            json!([card]),
            "{report}"
        );
        let page = site.read_out(&format!("post-{i}/index.html"));
        assert!(
            page.contains("<p>Before.</p>") && page.contains("<p>After.</p>"),
            "{card}: {page}"
        );
        // The card's own markup reaches the page as it was.
        let first_tag = html
            .trim_start_matches("<!--kg-card-begin: html-->")
            .split('>')
            .next()
            .expect("a tag");
        assert!(
            page.contains(first_tag),
            "{card}: {first_tag} missing from {page}"
        );
    }
    assert!(site.read_out("post-3/index.html").contains("<p>two</p>"));
}

#[test]
fn bad_exports_are_refused_by_name_and_change_nothing() {
    let site = TestSite::empty();
    let good = import(&site, &fixture("products_export.json"), &[]);
    assert_eq!(good["added"], 1);
    let refuse = |name: &str, bytes: Vec<u8>, extra: &[&str], expected: &str| {
        let file = write(&site, name, &bytes);
        let file = file.to_string_lossy().into_owned();
        let mut args = vec!["import", "ghost", file.as_str()];
        args.extend_from_slice(extra);
        let (ok, _, stderr) = run(&site, &args);
        assert!(!ok, "{name} was accepted");
        assert!(
            stderr.contains(name),
            "{name}: the message does not name the file: {stderr}"
        );
        assert!(
            stderr.contains(expected),
            "{name}: expected {expected:?} in {stderr}"
        );
    };
    refuse(
        "not-ghost.json",
        br#"{"hello": "world"}"#.to_vec(),
        &[],
        "not a Ghost export",
    );
    let truncated = std::fs::read(fixture("v4_export.json")).expect("read");
    refuse(
        "truncated.json",
        truncated[..truncated.len() / 2].to_vec(),
        &[],
        "not valid JSON",
    );
    let old = serde_json::to_vec(&hand_export("3.41.0", vec![json!({})])).expect("JSON");
    refuse(
        "ghost3.json",
        old,
        &[],
        "Ghost 3.41.0 exports are not supported",
    );
    let duplicate = hand_export(
        "5.0.0",
        vec![
            json!({ "slug": "same", "title": "The post" }),
            json!({ "slug": "same", "title": "The page", "type": "page" }),
        ],
    );
    refuse(
        "duplicate.json",
        serde_json::to_vec(&duplicate).expect("JSON"),
        &[],
        "two posts have the slug \"same\": \"The post\" (id p0) and \"The page\" (id p1)",
    );
    let big = serde_json::to_vec(&hand_export(
        "5.0.0",
        vec![json!({ "html": "x".repeat(5000) })],
    ))
    .expect("JSON");
    refuse(
        "big.json",
        big,
        &["--max-bytes", "1000"],
        "more than the limit of 1000",
    );
    let bad_date = hand_export("6.0.0", vec![json!({ "published_at": "yesterday" })]);
    refuse(
        "bad-date.json",
        serde_json::to_vec(&bad_date).expect("JSON"),
        &[],
        "data.posts[0].published_at",
    );

    // None of it reached the store: the one good import is all there is.
    let (ok, stdout, _) = run(
        &site,
        &[
            "import",
            "ghost",
            fixture("products_export.json").to_str().expect("utf-8"),
        ],
    );
    assert!(ok);
    assert!(
        stdout.contains("0 added, 0 updated, 1 unchanged"),
        "{stdout}"
    );

    // An empty body is imported, with a warning naming the post.
    let empty = hand_export("6.0.0", vec![json!({ "slug": "empty-one", "html": "" })]);
    let file = write(
        &site,
        "empty.json",
        &serde_json::to_vec(&empty).expect("JSON"),
    );
    let report = import(&site, &file, &[]);
    assert!(
        report["warnings"].to_string().contains("empty-one"),
        "{report}"
    );
}

#[test]
fn media_paths_that_climb_out_of_the_upload_folders_are_refused_and_named() {
    let site = TestSite::empty();
    // Ghost's content folder beside its database, as on a Ghost server.
    let ghost = site.path().join("ghost");
    std::fs::create_dir_all(ghost.join("content/images")).expect("mkdir");
    std::fs::create_dir_all(ghost.join("content/data")).expect("mkdir");
    std::fs::write(ghost.join("content/data/ghost.db"), "SQLite format 3").expect("db");
    std::fs::write(ghost.join("content/images/ok.png"), "png").expect("image");
    std::fs::write(site.path().join("outside-write.txt"), "original").expect("file");
    let html = "<p><a href=\"__GHOST_URL__/content/images/../data/ghost.db\">db</a>\
        <img src=\"__GHOST_URL__/content/images/../../outside-write.txt\">\
        <img src=\"__GHOST_URL__/content/images/%2e%2e/data/ghost.db\">\
        <img src=\"__GHOST_URL__/content/files/..%2F..%2Foutside-write.txt\">\
        <img src=\"__GHOST_URL__/content/images/ok.png\"></p>";
    let export = hand_export("6.0.0", vec![json!({ "slug": "climber", "html": html })]);
    let file = write(&site, "climb.json", export.to_string().as_bytes());
    let images = ghost.join("content/images").to_string_lossy().into_owned();
    let report = import(&site, &file, &["--images", &images]);
    assert!(site.content().join("images/ok.png").is_file(), "{report}");
    assert!(
        !site.content().join("data").exists(),
        "Ghost's database was copied"
    );
    assert_eq!(
        std::fs::read_to_string(site.path().join("outside-write.txt")).expect("file"),
        "original"
    );
    let warnings = report["warnings"].to_string();
    assert!(
        warnings.contains("climber") && warnings.contains("refused"),
        "{warnings}"
    );
    assert!(
        !site.cli(&["publish"]).status.success() || !site.out().join("data").exists(),
        "the database was published"
    );
}

#[test]
fn ten_thousand_nested_elements_are_kept_as_html_without_a_crash() {
    let site = TestSite::empty();
    let html = format!(
        "<p>before</p>{}deep{}",
        "<div><ul><li>".repeat(10_000),
        "</li></ul></div>".repeat(10_000)
    );
    let export = hand_export("6.0.0", vec![json!({ "slug": "nested", "html": html })]);
    let file = write(&site, "nested.json", export.to_string().as_bytes());
    let report = import(&site, &file, &[]);
    assert_eq!(report["added"], 1, "{report}");
    assert!(
        report["elements_kept_as_html"]["nested"]
            .to_string()
            .contains("nested over"),
        "{report}"
    );
}

#[test]
fn a_ghost_import_is_written_to_the_content_folder_and_a_store_rebuilt_from_it_renders_the_same_site(
) {
    // Slugs no slugifier would make of the names: Ghost's own transliteration and a
    // short author slug.
    let mut own_slugs = hand_export("6.0", vec![json!({ "slug": "tokyo" })]);
    let data = &mut own_slugs["db"][0]["data"];
    data["tags"] = json!([{ "id": "t1", "name": "日本旅行", "slug": "ri-ben-lu-xing",
                            "description": "Trips." }]);
    data["posts_tags"] = json!([{ "post_id": "p0", "tag_id": "t1", "sort_order": 0 }]);
    data["users"] = json!([{ "id": "u1", "name": "Mara Lindqvist", "slug": "mara",
                             "email": "mara@example.com", "bio": "Writes." }]);
    data["posts_authors"] = json!([{ "post_id": "p0", "author_id": "u1", "sort_order": 0 }]);
    data["settings"] = json!([{ "key": "title", "value": "Mara's travels" }]);
    let scratch = TestSite::empty();
    let own = write(
        &scratch,
        "own.json",
        &serde_json::to_vec(&own_slugs).expect("JSON"),
    );
    for file in [
        fixture("v4_export.json"),
        fixture("products_export.json"),
        fixture("ghost-6.65.0-local-export.json"),
        fixture("ghost6-cards-a.json"),
        own,
    ] {
        let name = file
            .file_name()
            .expect("a name")
            .to_string_lossy()
            .into_owned();
        let site = TestSite::empty();
        let report = import(&site, &file, &[]);
        let posts = report["added"].as_u64().expect("added");
        assert_eq!(report["files_written"], posts, "{name}: {report}");
        for file in ["tags.yaml", "authors.yaml", "site.yaml"] {
            assert!(site.content().join(file).is_file(), "{name}: no {file}");
        }
        let (ok, _, stderr) = run(&site, &["publish"]);
        assert!(ok, "{name}: publish failed: {stderr}");

        // Only the folder goes to the new machine (as from Git): same site, byte for
        // byte, so every Ghost address (slugs of posts, tags, authors) is kept.
        let rebuilt = TestSite::empty();
        common::copy_dir(&site.content(), &rebuilt.content());
        let (ok, _, stderr) = run(&rebuilt, &["publish"]);
        assert!(ok, "{name}: the rebuild failed: {stderr}");
        let differ = common::differing(&site.output(), &rebuilt.output());
        assert_eq!(differ, Vec::<String>::new(), "{name}");
        if name == "own.json" {
            let out = rebuilt.output();
            for page in ["tag/ri-ben-lu-xing/index.html", "author/mara/index.html"] {
                assert!(out.contains_key(page), "{page}: {:?}", out.keys());
            }
            assert!(
                rebuilt
                    .read_out("index.html")
                    .contains("Mara&#x27;s travels")
                    || rebuilt.read_out("index.html").contains("Mara's travels")
            );
            let authors = std::fs::read_to_string(rebuilt.content().join("authors.yaml"))
                .expect("authors.yaml");
            assert!(
                !authors.contains("mara@example.com"),
                "an e-mail in Git: {authors}"
            );
        }
        // And the folder it read is the folder it was given.
        let changed = common::differing(
            &common::read_tree(&site.content()),
            &common::read_tree(&rebuilt.content()),
        );
        assert_eq!(
            changed,
            Vec::<String>::new(),
            "{name}: the rebuild rewrote files"
        );
    }
}
