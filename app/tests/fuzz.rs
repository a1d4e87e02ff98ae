//! Generated input against every parser a writer or an export reaches: front matter,
//! Markdown (rendered and sanitized), Ghost exports (JSON, Lexical, Mobiledoc) and the
//! HTML inside them. Each either works or returns an error: no panic, no abort (a
//! stack overflow would end the test binary). The inputs are built from the syntax
//! that matters to each parser, nested and cut at random, so few cases reach deep;
//! the number of cases is fixed, which bounds the time CI spends here.

mod common;

use proptest::prelude::*;
use proptest::test_runner::{Config, FileFailurePersistence};
use serde_json::{json, Value};

use folio::content::frontmatter::{self, Defaults};
use folio::render::{markdown, sanitize};
use folio::store::Kind;

fn config(cases: u32) -> Config {
    Config {
        cases,
        // A failure prints its input; nothing is written into the source tree.
        failure_persistence: Some(Box::new(FileFailurePersistence::Off)),
        ..Config::default()
    }
}

/// Text made of `pieces` and free text, `0..len` of them.
fn made_of(pieces: &'static [&'static str], len: usize) -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        4 => proptest::sample::select(pieces).prop_map(str::to_owned),
        1 => "[a-zA-Z0-9 \\n\\t:#%&<>\"'`\\\\/.-]{0,12}",
        1 => any::<String>(),
    ];
    proptest::collection::vec(piece, 0..len).prop_map(|p| p.concat())
}

/// `piece` repeated `n` times: what deep nesting looks like.
fn nested(piece: &'static [&'static str]) -> impl Strategy<Value = String> {
    (proptest::sample::select(piece), 0usize..20_000).prop_map(|(p, n)| p.repeat(n))
}

const YAML: &[&str] = &[
    "title: ",
    "slug: ",
    "date: ",
    "tags: ",
    "authors: ",
    "status: ",
    "draft: ",
    "- ",
    "[",
    "]",
    "{",
    "}",
    ": ",
    "\n",
    "  ",
    "&a ",
    "*a",
    "!!str ",
    "!!binary ",
    "? ",
    "'",
    "\"",
    "|\n",
    ">\n",
    "2025-13-45",
    "published",
    "scheduled",
    "true",
    "~",
    "<<: *a\n",
    "---\n",
    "...\n",
    "#",
    "\t",
    "\u{feff}",
    "null",
    "1e999",
];

const MARKDOWN: &[&str] = &[
    "*",
    "**",
    "_",
    "`",
    "```\n",
    "```rust\n",
    "~~~",
    "# ",
    "###### ",
    "> ",
    "- ",
    "1. ",
    "| a | b |\n|---|---|\n",
    "[",
    "](",
    ")",
    "![",
    "<",
    ">",
    "<div>",
    "</div>",
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<a href=\"javascript:x\">",
    "<iframe src=\"https://evil.example\">",
    "&amp;",
    "&#x0;",
    "&#99999999;",
    "\n\n",
    "    ",
    "[^1]",
    "[^1]: note\n",
    "---\n",
    "$$",
    "\\",
    "<!--",
    "-->",
    "<style>",
    "{{",
    "}}",
    "{%",
];

const HTML: &[&str] = &[
    "<div>",
    "</div>",
    "<ul><li>",
    "</li></ul>",
    "<ol start=\"0\"><li>",
    "<p>",
    "</p>",
    "<figure class=\"kg-card kg-image-card\">",
    "</figure>",
    "<figcaption>",
    "<img src=\"__GHOST_URL__/content/images/a.png\">",
    "<img src=\"__GHOST_URL__/content/images/../../data/ghost.db\">",
    "<a href=\"__GHOST_URL__/content/images/%2e%2e/%2e%2e/x\">",
    "<a href=\"/content/files/\\..\\x\">",
    "<pre><code class=\"language-js\">",
    "</code></pre>",
    "<table><tr><td>",
    "</td></tr></table>",
    "<!--kg-card-begin: html-->",
    "<!--kg-card-end: html-->",
    "<blockquote>",
    "<h2>",
    "<div class=\"kg-card kg-gallery-card\"><div class=\"kg-gallery-row\">",
    "<div class=\"kg-card kg-bookmark-card\"><a class=\"kg-bookmark-container\" href=\"x\">",
    "<iframe src=\"https://www.youtube.com/embed/x\">",
    "<br>",
    "&nbsp;",
    "<",
    ">",
    "\"",
];

/// A Lexical or Mobiledoc-like JSON value: objects with the keys those formats use.
fn editor_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        made_of(HTML, 8).prop_map(Value::from),
        proptest::sample::select(
            &[
                "root",
                "paragraph",
                "text",
                "heading",
                "list",
                "listitem",
                "link",
                "image",
                "code",
                "quote",
                "html",
                "markdown",
                "bookmark",
                "gallery",
                "callout",
            ][..]
        )
        .prop_map(Value::from),
    ];
    leaf.prop_recursive(6, 64, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::from),
            proptest::collection::btree_map(
                proptest::sample::select(
                    &[
                        "root", "children", "type", "text", "tag", "url", "src", "html",
                        "markdown", "cards", "sections", "atoms", "markups", "version", "format",
                        "listType", "language", "code", "caption", "images",
                    ][..]
                )
                .prop_map(str::to_owned),
                inner,
                0..6,
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn defaults() -> Defaults<'static> {
    Defaults {
        slug: "fuzzed".into(),
        kind: Kind::Post,
        author: "owner",
        now: chrono::Utc::now(),
    }
}

/// Markdown through everything a page does with it.
fn render_markdown(text: &str) {
    let html = markdown::to_html(text);
    let _ = sanitize::clean(&html);
    let _ = folio::store::digest::excerpt(text, 200);
    let _ = folio::store::digest::word_count(text);
}

proptest! {
    #![proptest_config(config(400))]

    #[test]
    fn front_matter_parses_or_says_why(
        header in prop_oneof![made_of(YAML, 80), nested(&["[", "{", "- ", "  - [", "a: {b: "])],
        body in made_of(MARKDOWN, 20),
    ) {
        for format in ["---\n{header}\n---\n{body}", "+++\n{header}\n+++\n{body}", "{header}"] {
            let text = format.replace("{header}", &header).replace("{body}", &body);
            if let Err(e) = frontmatter::parse("posts/fuzzed.md", &text, &defaults()) {
                prop_assert!(e.to_string().contains("posts/fuzzed.md"), "{e}");
            }
        }
    }

    #[test]
    fn markdown_renders_whatever_it_is(
        text in prop_oneof![
            3 => made_of(MARKDOWN, 120),
            1 => nested(&["> ", "- ", "* ", "[", "<div>", "![", "1. ", "**", "    - "]),
        ],
    ) {
        render_markdown(&text);
    }
}

/// A Ghost export holding one post made of `html`, `lexical` and `mobiledoc`.
fn export(slug: &str, title: &str, html: &str, lexical: &Value, mobiledoc: &Value) -> Value {
    json!({"db": [{
        "meta": {"exported_on": 1_700_000_000_000_i64, "version": "6.0.0"},
        "data": {
            "posts": [{
                "id": "p1", "uuid": "u1", "title": title, "slug": slug,
                "html": html,
                "lexical": lexical.to_string(),
                "mobiledoc": mobiledoc.to_string(),
                "type": "post", "status": "published", "visibility": "public",
                "published_at": "2024-05-01T10:00:00.000Z",
                "created_at": "2024-05-01T10:00:00.000Z",
                "updated_at": "2024-05-01T10:00:00.000Z",
                "feature_image": "__GHOST_URL__/content/images/../../x.png",
            }],
            "tags": [{"id": "t1", "name": title, "slug": slug}],
            "posts_tags": [{"post_id": "p1", "tag_id": "t1"}],
            "users": [{"id": "1", "name": title, "slug": slug, "email": "a@b.example"}],
            "posts_authors": [{"post_id": "p1", "author_id": "1"}],
        }
    }]})
}

#[test]
fn ghost_exports_import_or_say_why() {
    let site = common::TestSite::empty();
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    let store = runtime.block_on(site.store());
    let images = site.path().join("ghost-images");
    std::fs::create_dir_all(&images).expect("mkdir");
    std::fs::write(images.join("a.png"), b"not really a png").expect("write");
    let content = site.content();
    let file = site.path().join("export.json");
    let strategy = (
        prop_oneof![
            made_of(HTML, 60),
            nested(&["<div>", "<ul><li>", "<blockquote>", "<p><span>"])
        ],
        editor_json(),
        editor_json(),
        "[a-z0-9-]{0,8}|.{0,20}",
        made_of(HTML, 4),
    );
    let mut runner = proptest::test_runner::TestRunner::new(config(150));
    runner
        .run(&strategy, |(html, lexical, mobiledoc, slug, title)| {
            let text = serde_json::to_vec(&export(&slug, &title, &html, &lexical, &mobiledoc))
                .expect("JSON");
            std::fs::write(&file, text).expect("write the export");
            let options = folio::ghost::GhostOptions {
                images: Some(&images),
                ..folio::ghost::GhostOptions::into_folder(&content)
            };
            let _ = runtime.block_on(folio::ghost::import(&store, &file, &options));
            // Whatever it made, nothing left the content folder.
            let stray: Vec<_> = std::fs::read_dir(site.path())
                .expect("list")
                .filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| {
                    !["content", "data", "ghost-images", "export.json"].contains(&n.as_str())
                })
                .collect();
            prop_assert!(stray.is_empty(), "written beside content/: {stray:?}");
            Ok(())
        })
        .unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn a_whole_ghost_export_of_random_json_is_refused_cleanly() {
    let site = common::TestSite::empty();
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    let store = runtime.block_on(site.store());
    let content = site.content();
    let file = site.path().join("export.json");
    let mut runner = proptest::test_runner::TestRunner::new(config(150));
    runner
        .run(&editor_json(), |value| {
            let wrapped = json!({"db": [{"meta": {"version": "5.0.0"}, "data": value.clone()}]});
            for doc in [value, wrapped] {
                std::fs::write(&file, doc.to_string()).expect("write");
                let options = folio::ghost::GhostOptions::into_folder(&content);
                if let Err(e) = runtime.block_on(folio::ghost::import(&store, &file, &options)) {
                    prop_assert!(!e.to_string().is_empty());
                }
            }
            Ok(())
        })
        .unwrap_or_else(|e| panic!("{e}"));
}
