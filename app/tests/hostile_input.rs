//! What a user uploads, imports or names, tried as an attacker would, through the
//! real CLI: no one input stops publishing, writes outside the site, or takes the
//! process past its memory.

mod common;

use std::io::Write;

use common::ghost::{hand_export, import, run, write};
use common::{jpeg, post, TestSite};
use image::{ImageFormat, Rgb, RgbImage};
use serde_json::json;

fn put(site: &TestSite, rel: &str, bytes: &[u8]) {
    let path = site.content().join(rel);
    std::fs::create_dir_all(path.parent().expect("a folder")).expect("mkdir");
    std::fs::write(path, bytes).expect("write");
}

/// `folio publish`, its success and everything it printed.
fn publish(site: &TestSite, env: &[(&str, &str)]) -> (bool, String) {
    let out = site.cli_with(&["publish"], env);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[test]
fn a_phone_photo_wider_than_the_largest_variant_publishes_every_time() {
    let site = TestSite::empty();
    site.write(
        "hello.md",
        &post("Hello", "", "![A tram](/images/phone.jpg)"),
    );
    put(&site, "images/phone.jpg", &jpeg(4032, 3024));
    for round in 0..2 {
        let (ok, text) = publish(&site, &[]);
        assert!(ok, "publish {round}: {text}");
    }
    for rel in [
        "images/size/w2400/phone.jpg",
        "images/size/w2400/format/webp/phone.webp",
        "images/size/w600/phone.jpg",
    ] {
        assert!(site.out().join(rel).is_file(), "{rel}");
    }
    let page = site.read_out("hello/index.html");
    assert!(
        page.contains("w2400/format/webp/phone.webp 2400w"),
        "{page}"
    );
}

#[test]
fn names_of_generated_files_in_aliases_and_redirects_are_left_out_with_a_warning() {
    let site = TestSite::empty();
    site.write(
        "a.md",
        &post(
            "A",
            "aliases: [/search.json, /sitemap.xml, /images/size/w600/x.jpg, /old-a/]\n",
            "Text.",
        ),
    );
    site.write(
        "redirects.yaml",
        "301:\n  /robots.txt: /a/\n  /gone/: /a/\n",
    );
    let (ok, text) = publish(&site, &[]);
    assert!(ok, "{text}");
    for alias in ["/search.json", "/sitemap.xml", "/images/size/w600/x.jpg"] {
        assert!(
            text.contains(&format!("alias \"{alias}\"")),
            "{alias} named: {text}"
        );
    }
    assert!(site.read_out("sitemap.xml").contains("<urlset"));
    assert!(site.read_out("robots.txt").contains("Sitemap"));
    assert!(site.out().join("old-a/index.html").is_file());
    assert!(site.out().join("gone/index.html").is_file());
}

#[test]
fn a_ghost_export_with_hostile_tag_and_author_slugs_writes_nothing_outside_the_site() {
    let site = TestSite::empty();
    let outside = tempfile::tempdir().expect("a folder outside");
    let escape = format!("../../../../../../../..{}/tag", outside.path().display());
    let mut export = hand_export(
        "5.80.0",
        vec![
            json!({ "id": "p0", "slug": "first" }),
            json!({ "id": "p1" }),
        ],
    );
    let data = &mut export["db"][0]["data"];
    data["tags"] = json!([
        { "id": "t1", "name": "Escape", "slug": escape },
        { "id": "t2", "name": "Fine", "slug": "fine" },
    ]);
    data["users"] = json!([
        { "id": "u1", "name": "Admin page", "slug": "../admin", "email": "a@example.com" },
        { "id": "u2", "name": "Sneaky", "slug": "admin", "email": "s@example.com" },
    ]);
    data["posts_tags"] = json!([
        { "post_id": "p0", "tag_id": "t1" },
        { "post_id": "p1", "tag_id": "t2" },
    ]);
    data["posts_authors"] = json!([
        { "post_id": "p0", "author_id": "u1" },
        { "post_id": "p1", "author_id": "u2" },
    ]);
    let file = write(&site, "ghost.json", export.to_string().as_bytes());
    let report = import(&site, &file, &[]);
    let warnings = report["warnings"].to_string();
    for slug in ["../admin", "\\\"admin\\\"", "/tag"] {
        assert!(warnings.contains(slug), "{slug} named: {warnings}");
    }
    let (ok, text) = publish(&site, &[]);
    assert!(ok, "{text}");
    let stray: Vec<_> = walkdir::WalkDir::new(outside.path())
        .min_depth(1)
        .into_iter()
        .collect();
    assert!(stray.is_empty(), "written outside: {stray:?}");
    assert!(
        !site.out().join("admin").exists(),
        "no admin folder in the site"
    );
    assert!(!site.path().join("admin").exists());
    assert!(site.out().join("tag/fine/index.html").is_file());
    assert!(site.out().join("first/index.html").is_file());
}

/// A PNG of `width` x `height` px whose iCCP chunk inflates to `inflated` bytes.
fn png_with_profile_bomb(width: u32, height: u32, inflated: usize) -> Vec<u8> {
    let img = RgbImage::from_fn(width, height, |x, _| Rgb([x as u8, 40, 90]));
    let mut plain = std::io::Cursor::new(Vec::new());
    img.write_to(&mut plain, ImageFormat::Png).expect("encode");
    let plain = plain.into_inner();
    let mut deflated = Vec::new();
    {
        let mut encoder =
            flate2::write::ZlibEncoder::new(&mut deflated, flate2::Compression::best());
        let zeros = vec![0u8; 1 << 20];
        for _ in 0..inflated / zeros.len() {
            encoder.write_all(&zeros).expect("deflate");
        }
        encoder.finish().expect("deflate");
    }
    let mut data = b"profile\0\0".to_vec();
    data.extend_from_slice(&deflated);
    let mut chunk = (data.len() as u32).to_be_bytes().to_vec();
    chunk.extend_from_slice(b"iCCP");
    chunk.extend_from_slice(&data);
    let crc = crc32fast::hash(&chunk[4..]);
    chunk.extend_from_slice(&crc.to_be_bytes());
    // After the signature (8 bytes) and IHDR (25).
    let mut png = plain[..33].to_vec();
    png.extend_from_slice(&chunk);
    png.extend_from_slice(&plain[33..]);
    png
}

#[test]
fn image_bombs_publish_within_a_512_mib_address_space() {
    let site = TestSite::empty();
    site.write("hello.md", &post("Hello", "", "Text."));
    let bomb = png_with_profile_bomb(3000, 40, 200 << 20);
    assert!(bomb.len() < 1 << 20, "a small file: {} bytes", bomb.len());
    for n in 0..4 {
        put(&site, &format!("images/bomb-{n}.png"), &bomb);
    }
    // 50 megapixels, flat: a small file that decodes to 150 MB.
    let flat = RgbImage::from_pixel(7070, 7070, Rgb([200, 30, 30]));
    let mut bytes = std::io::Cursor::new(Vec::new());
    flat.write_to(&mut bytes, ImageFormat::Png).expect("encode");
    put(&site, "images/flat.png", bytes.get_ref());
    drop(flat);
    let binary = env!("CARGO_BIN_EXE_folio");
    let out = std::process::Command::new("prlimit")
        .args(["--as=536870912", "--", binary, "publish"])
        .current_dir(site.path())
        .env("FOLIO_LOG", "warn")
        .env_remove("FOLIO_DB")
        .env_remove("FOLIO_OUT")
        .env_remove("FOLIO_CONTENT")
        .output()
        .expect("prlimit runs folio");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{text}");
    // The profiles are skipped: the bombs get their variants.
    for n in 0..4 {
        let rel = format!("images/size/w2400/bomb-{n}.png");
        assert!(site.out().join(&rel).is_file(), "{rel}: {text}");
    }
    // The large one is resized within the budget, or named and copied as it is.
    let resized = site.out().join("images/size/w600/flat.png").is_file();
    assert!(resized || text.contains("images/flat.png"), "{text}");
    assert!(site.out().join("images/flat.png").is_file());
}

#[test]
fn an_image_that_killed_a_publish_is_copied_as_it_is_and_named_next_time() {
    let site = TestSite::empty();
    site.write("hello.md", &post("Hello", "", "Text."));
    let photo = jpeg(1200, 800);
    put(&site, "images/killer.jpg", &photo);
    // What a process killed during the decode leaves: its mark, with a dead pid.
    let hash = blake3::hash(&photo).to_hex().to_string();
    let marks = site.path().join("data/cache/images/.decoding");
    std::fs::create_dir_all(&marks).expect("mkdir");
    std::fs::write(marks.join(&hash), "999999999").expect("a mark");
    let (ok, text) = publish(&site, &[]);
    assert!(ok, "{text}");
    assert!(
        text.contains("content/images/killer.jpg") && text.contains("stopped while decoding"),
        "{text}"
    );
    assert!(site.out().join("images/killer.jpg").is_file());
    assert!(!site.out().join("images/size/w600/killer.jpg").exists());
    assert!(!marks.join(&hash).exists(), "the mark is gone");
    let (ok, again) = publish(&site, &[]);
    assert!(ok && again.contains("stopped while decoding"), "{again}");
}

#[test]
fn two_publishes_of_one_folder_at_once_both_finish() {
    let site = TestSite::sample();
    let (ok, text) = publish(&site, &[]);
    assert!(ok, "{text}");
    let binary = env!("CARGO_BIN_EXE_folio");
    let children: Vec<_> = (0..4)
        .map(|_| {
            std::process::Command::new(binary)
                .args(["publish", "--force"])
                .current_dir(site.path())
                .env("FOLIO_LOG", "warn")
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("folio starts")
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().expect("folio ends");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let (ok, _, stderr) = run(&site, &["publish"]);
    assert!(ok, "{stderr}");
    assert!(site.out().join("index.html").is_file());
}

#[test]
fn a_file_whose_slug_names_a_generated_file_is_left_out_and_the_rest_publishes() {
    let site = TestSite::empty();
    site.write("a.md", &post("A", "", "Text."));
    site.write("kept.md", &post("Kept", "", "First version."));
    let (ok, text) = publish(&site, &[]);
    assert!(ok, "{text}");
    site.write("search.md", &post("Search", "", "Shadowing the index."));
    site.write(
        "feed.md",
        &post("Feed", "slug: rss.xml\n", "Shadowing the feed."),
    );
    site.write(
        "kept.md",
        &post("Kept", "slug: sitemap.xml\n", "Second version."),
    );
    let out = site.cli(&["publish", "--prune"]);
    let text = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{text}");
    for file in ["search.md", "feed.md", "kept.md"] {
        assert!(
            text.contains(&format!("{file}: the slug")),
            "{file} named: {text}"
        );
    }
    assert!(
        site.read_out("search.json").starts_with('{'),
        "the index is the site's"
    );
    assert!(site.read_out("rss.xml").contains("<rss"));
    assert!(
        site.read_out("kept/index.html").contains("First version."),
        "kept as it was"
    );
    assert!(site.out().join("a/index.html").is_file());
}
