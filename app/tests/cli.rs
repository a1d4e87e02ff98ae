//! The `folio` binary's commands and exit codes, run in a temporary site folder.

mod common;

use common::{post, TestSite};

fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn publish_then_a_bad_file_fails_naming_it_and_keeps_the_site() {
    let site = TestSite::sample();
    let ok = site.cli(&["publish"]);
    assert!(ok.status.success(), "{}", stderr(&ok));
    let summary = String::from_utf8_lossy(&ok.stdout);
    assert!(
        summary.contains("added") && summary.contains("rendered"),
        "{summary}"
    );
    let before = site.output();
    assert!(before.contains_key("index.html"));
    let again = site.cli(&["publish"]);
    assert!(again.status.success());
    assert!(String::from_utf8_lossy(&again.stdout).contains("up to date"));

    site.write(
        "posts/typo.md",
        "---\ntitle: Typo\ntags: [a, b\n---\nbody\n",
    );
    let failed = site.cli(&["publish"]);
    assert!(!failed.status.success());
    let message = stderr(&failed);
    assert!(
        message.contains("posts/typo.md:3:") || message.contains("posts/typo.md:4:"),
        "{message}"
    );
    assert_eq!(
        before,
        site.output(),
        "public/ changed after a failed publish"
    );
}

#[test]
fn unknown_keys_warn_without_failing_and_json_is_machine_readable() {
    let site = TestSite::empty();
    site.write("posts/a.md", &post("A", "mood: sunny\n", "text"));
    let output = site.cli(&["publish", "--json"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON summary");
    assert_eq!(report["import"]["added"], 1);
    assert_eq!(
        report["import"]["warnings"][0],
        "posts/a.md: unknown front matter key `mood` (ignored)"
    );
    assert!(report["build"]["files"].as_u64().expect("a count") > 5);
}

#[test]
fn a_missing_theme_folder_and_a_bad_config_are_named() {
    let site = TestSite::sample();
    let output = site.cli(&["publish", "--theme", "no-such-theme"]);
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("no-such-theme"),
        "{}",
        stderr(&output)
    );

    std::fs::write(
        site.path().join("folio.toml"),
        "title = \"x\"\ncolour = \"red\"\n",
    )
    .expect("write");
    let output = site.cli(&["publish"]);
    assert!(!output.status.success());
    let message = stderr(&output);
    assert!(
        message.contains("folio.toml") && message.contains("colour"),
        "{message}"
    );
}

#[test]
fn import_and_export_commands_round_trip() {
    let site = TestSite::sample();
    let first = site.cli(&["import"]);
    assert!(first.status.success(), "{}", stderr(&first));
    let exported = site.path().join("exported");
    let export = site.cli(&["export", exported.to_str().expect("utf-8 path")]);
    assert!(export.status.success(), "{}", stderr(&export));
    assert!(exported.join("posts/getting-started.md").is_file());
    let again = site.cli(&["import", exported.to_str().expect("utf-8 path"), "--json"]);
    let report: serde_json::Value = serde_json::from_slice(&again.stdout).expect("JSON");
    assert_eq!(
        (report["added"].as_u64(), report["updated"].as_u64()),
        (Some(0), Some(0)),
        "{report}"
    );
}

/// Each kind of front matter mistake, and the line of the file that holds it.
#[test]
fn a_front_matter_error_names_the_line_of_the_file_that_is_wrong() {
    let cases = [
        // An unclosed list: the line that opened it, not where the parser gave up.
        (
            "open-list",
            "---\ntitle: A\ntags: [a, b\nexcerpt: x\n---\nx\n",
            3,
        ),
        (
            "open-quote",
            "---\ntitle: \"A\nexcerpt: x\nslug: a\n---\nx\n",
            2,
        ),
        ("indent", "---\ntitle: A\n  bad: indent\n---\nx\n", 3),
        ("tab", "---\ntitle: A\n\tslug: x\n---\nx\n", 3),
        (
            "wrong-type",
            "---\ntitle: A\nfeatured: \"yes\"\n---\nx\n",
            3,
        ),
        (
            "bad-date",
            "---\ntitle: A\nexcerpt: x\ndate: not-a-date\n---\nx\n",
            4,
        ),
        ("bad-slug", "---\ntitle: A\n\nslug: Not A Slug\n---\nx\n", 4),
        (
            "bad-toml",
            "+++\ntitle = \"A\"\n\ndate = 2026-13-01\n+++\nx\n",
            4,
        ),
    ];
    for (name, text, line) in cases {
        let site = TestSite::empty();
        site.write(&format!("posts/{name}.md"), text);
        let failed = site.cli(&["publish", "--json"]);
        assert!(!failed.status.success(), "{name}");
        let message = stderr(&failed);
        assert!(
            message.contains(&format!("posts/{name}.md:{line}:")),
            "{name}: line {line} expected: {message}"
        );
        // Every line number said is the file's: none beyond its last line.
        let lines = text.lines().count();
        for said in message.split("line ").skip(1) {
            let n: usize = said
                .split(|c: char| !c.is_ascii_digit())
                .next()
                .and_then(|n| n.parse().ok())
                .unwrap_or(0);
            assert!(n <= lines, "{name}: line {n} of {lines}: {message}");
        }
        // --json: the failure as an object, on standard output.
        let report: serde_json::Value =
            serde_json::from_slice(&failed.stdout).expect("a JSON error object");
        assert!(
            report["error"].as_str().is_some_and(|e| !e.is_empty()),
            "{report}"
        );
        assert_eq!(report["files"][0]["path"], format!("posts/{name}.md"));
        assert_eq!(report["files"][0]["line"], line, "{name}: {report}");
    }
}

#[test]
fn a_link_or_image_to_a_missing_file_of_the_site_is_a_warning_naming_the_post() {
    let site = TestSite::sample();
    site.write(
        "posts/linker.md",
        &post(
            "Linker",
            "",
            "See [the guide](/writing-posts/), [gone](/no-such-post/#part) and \
             [ok](/rss.xml).\n\n![a photo](/images/banner.png) ![lost](/images/lost.jpg)\n\n\
             [away](https://example.com/x) [up](/../../etc/passwd)\n",
        ),
    );
    let output = site.cli(&["publish"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let message = stderr(&output);
    for missing in [
        "/no-such-post/#part",
        "/images/lost.jpg",
        "/../../etc/passwd",
    ] {
        assert!(
            message
                .lines()
                .any(|l| l.contains("posts/linker.md: ") && l.contains(missing)),
            "{missing}: {message}"
        );
    }
    for fine in [
        "/writing-posts/",
        "/rss.xml",
        "/images/banner.png",
        "example.com",
    ] {
        assert!(!message.contains(fine), "{fine} is there: {message}");
    }
    // Human output: no log times mixed in.
    assert!(
        !message.contains(&chrono::Utc::now().format("%Y-%m-%dT").to_string()),
        "{message}"
    );
}

/// One icon upload (any shape, any size) becomes the square favicon and touch icon
/// phones ask for, made again only when the icon changes.
#[test]
fn the_site_icon_is_made_at_the_sizes_browsers_ask_for() {
    let site = TestSite::sample();
    let icon = site.content().join("images/brand.png");
    image::RgbImage::from_fn(600, 400, |x, _| image::Rgb([(x % 256) as u8, 90, 160]))
        .save(&icon)
        .expect("an icon");
    std::fs::write(
        site.path().join("folio.toml"),
        "[design]\nicon = \"/images/brand.png\"\n",
    )
    .expect("a config");
    let output = site.cli(&["publish"]);
    assert!(output.status.success(), "{}", stderr(&output));
    for (size, rel) in [
        (32, "icons/favicon-32.png"),
        (180, "icons/apple-touch-icon.png"),
    ] {
        let made = image::open(site.out().join(rel)).expect("a PNG");
        assert_eq!((made.width(), made.height()), (size, size), "{rel}");
    }
    let home = site.read_out("index.html");
    assert!(
        home.contains(
            r#"<link rel="apple-touch-icon" sizes="180x180" href="/icons/apple-touch-icon.png">"#
        ),
        "{home}"
    );
    assert!(home.contains(r#"sizes="32x32" href="/icons/favicon-32.png""#));

    // Unchanged, kept; a new icon, made again.
    let before = std::fs::read(site.out().join("icons/favicon-32.png")).expect("the icon");
    image::RgbImage::from_pixel(64, 64, image::Rgb([200, 30, 30]))
        .save(&icon)
        .expect("another icon");
    let output = site.cli(&["publish"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let after = image::open(site.out().join("icons/favicon-32.png")).expect("a PNG");
    assert_ne!(
        std::fs::read(site.out().join("icons/favicon-32.png")).expect("icon"),
        before
    );
    assert_eq!(
        after.to_rgb8().get_pixel(16, 16),
        &image::Rgb([200, 30, 30])
    );
}

/// A site in French reads in French: `<html lang>`, the theme's words, dates with the
/// month's name in the language's order; a regional tag (`pt-BR`) takes its language's
/// words, and the search speaks it too.
#[test]
fn the_theme_speaks_the_site_language() {
    let site = TestSite::sample();
    let config = site.path().join("folio.toml");
    std::fs::write(&config, "language = \"fr\"\nposts_per_page = 3\n").expect("a config");
    let output = site.cli(&["publish"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let post = site.read_out("getting-started/index.html");
    assert!(post.contains("<html lang=\"fr\">"), "{post}");
    // 2026-09-01T09:00:00Z.
    assert!(post.contains(">1 septembre 2026</time>"), "{post}");
    assert!(post.contains("min de lecture") && !post.contains("min read"));
    let home = site.read_out("index.html");
    assert!(home.contains("Page 1 sur "), "{home}");
    assert!(home.contains("data-none=\"Aucun article ne correspond à « {query} »\""));
    assert!(site
        .read_out("404.html")
        .contains("<title>Page introuvable - "));
    // The lists' own titles and descriptions too.
    let author = site.read_out("author/editor/index.html");
    assert!(
        author.contains(r#"<meta name="description" content="Articles de Editor">"#),
        "{author}"
    );

    std::fs::write(&config, "language = \"pt-BR\"\n").expect("a config");
    let output = site.cli(&["publish"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let post = site.read_out("getting-started/index.html");
    assert!(post.contains(">1 de setembro de 2026</time>"), "{post}");
    assert!(post.contains("min de leitura"));
}
