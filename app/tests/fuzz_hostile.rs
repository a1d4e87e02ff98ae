//! Generated hostile input for what `fuzz.rs` leaves out: image files (real headers
//! with their chunks and sizes changed, cut and spliced) through the decoder and the
//! variant maker, and Ghost exports whose post, tag and author slugs climb, hide or
//! name the site's own files, imported and published. No panic, no abort, and no
//! file outside the content and output folders. The number of cases is fixed.

mod common;

use proptest::prelude::*;
use proptest::test_runner::{Config, FileFailurePersistence};
use serde_json::json;

use folio::images::budget::Budget;
use folio::images::{encode, Format};
use folio::site::PublishOptions;

fn config(cases: u32) -> Config {
    Config {
        cases,
        failure_persistence: Some(Box::new(FileFailurePersistence::Off)),
        ..Config::default()
    }
}

/// A small image of each kind folio reads, as a start for the mutations.
fn seeds() -> Vec<(Format, Vec<u8>)> {
    let img = image::RgbaImage::from_fn(40, 30, |x, y| image::Rgba([x as u8, y as u8, 7, 200]));
    let rgb = image::DynamicImage::ImageRgba8(img.clone()).into_rgb8();
    let encode = |format: image::ImageFormat, rgba: bool| {
        let mut out = std::io::Cursor::new(Vec::new());
        if rgba {
            img.write_to(&mut out, format).expect("encode");
        } else {
            rgb.write_to(&mut out, format).expect("encode");
        }
        out.into_inner()
    };
    vec![
        (Format::Png, encode(image::ImageFormat::Png, true)),
        (Format::Jpeg, encode(image::ImageFormat::Jpeg, false)),
        (Format::Webp, encode(image::ImageFormat::WebP, true)),
        // A 1x1 GIF and a drawing: measured, not resized (no GIF encoder here).
        (
            Format::Gif,
            b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;".to_vec(),
        ),
        (
            Format::Svg,
            br#"<svg xmlns="http://www.w3.org/2000/svg" width="40" height="30" viewBox="0 0 40 30"/>"#.to_vec(),
        ),
    ]
}

/// One change to an image's bytes: a byte set, a 32-bit field (a size, a chunk
/// length) set to an extreme, a cut, or a run of bytes repeated.
#[derive(Debug, Clone)]
enum Change {
    Byte(usize, u8),
    Field(usize, u32),
    Cut(usize),
    Repeat(usize, usize, usize),
}

fn change() -> impl Strategy<Value = Change> {
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(at, b)| Change::Byte(at, b)),
        (
            any::<usize>(),
            prop_oneof![
                Just(0u32),
                Just(1),
                Just(0x7fff_ffff),
                Just(u32::MAX),
                Just(65_535),
                any::<u32>()
            ]
        )
            .prop_map(|(at, v)| Change::Field(at, v)),
        any::<usize>().prop_map(Change::Cut),
        (any::<usize>(), 1usize..64, 1usize..200)
            .prop_map(|(at, len, n)| Change::Repeat(at, len, n)),
    ]
}

fn apply(bytes: &mut Vec<u8>, change: &Change) {
    if bytes.is_empty() {
        return;
    }
    let len = bytes.len();
    match *change {
        Change::Byte(at, b) => bytes[at % len] = b,
        Change::Field(at, v) => {
            let at = at % len.saturating_sub(4).max(1);
            for (i, b) in v.to_be_bytes().iter().enumerate() {
                if let Some(slot) = bytes.get_mut(at + i) {
                    *slot = *b;
                }
            }
        }
        Change::Cut(at) => bytes.truncate(at % len),
        Change::Repeat(at, run, n) => {
            let at = at % len;
            let piece: Vec<u8> = bytes[at..(at + run).min(len)].to_vec();
            let tail = bytes.split_off(at);
            for _ in 0..n {
                bytes.extend_from_slice(&piece);
            }
            bytes.extend_from_slice(&tail);
        }
    }
}

#[test]
fn changed_images_are_resized_or_refused_never_a_crash() {
    let seeds = seeds();
    // What a small pod would give images; a mutated header claiming more is refused.
    let budget = Budget::new(256 * 1024 * 1024);
    let strategy = (
        0..seeds.len(),
        proptest::collection::vec(change(), 1..6),
        any::<bool>(),
    );
    let mut runner = proptest::test_runner::TestRunner::new(config(300));
    runner
        .run(&strategy, |(seed, changes, misnamed)| {
            let (format, mut bytes) = seeds[seed].clone();
            for change in &changes {
                apply(&mut bytes, change);
            }
            // Named as another format too: the name is what a file system says.
            let named = if misnamed { Format::Png } else { format };
            let result = if named.resized() {
                encode::variants(&bytes, named, &budget).map(|m| (m.width, m.height))
            } else {
                encode::measure(&bytes, named)
            };
            if let Ok((width, height)) = result {
                prop_assert!(width > 0 && height > 0, "{width}x{height}");
                if named.resized() {
                    prop_assert!(width <= encode::MAX_SIDE && height <= encode::MAX_SIDE);
                }
            }
            Ok(())
        })
        .unwrap_or_else(|e| panic!("{e}"));
}

/// Slug pieces an attacker tries: climbing, hiding, absolute, encoded, and the names
/// of files and folders the site writes itself.
const SLUG: &[&str] = &[
    "../",
    "..",
    "/",
    "./",
    ".",
    "%2e%2e",
    "\\",
    "admin",
    "tag",
    "search.json",
    "sitemap.xml",
    "assets",
    "images",
    "rss",
    "index.html",
    "a",
    "-",
    "\0",
    "\u{202e}",
];

fn slug() -> impl Strategy<Value = String> {
    proptest::collection::vec(proptest::sample::select(SLUG), 1..6).prop_map(|p| p.concat())
}

#[test]
fn ghost_exports_with_hostile_slugs_import_and_publish_inside_the_site() {
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    // The post's slug hostile in a quarter of cases (that refuses the import, named);
    // tag and author slugs always (their profiles are left out, the posts publish).
    let post_slug = prop_oneof![1 => slug(), 3 => Just("hostile".to_owned())];
    let strategy = (post_slug, slug(), slug());
    let mut runner = proptest::test_runner::TestRunner::new(config(40));
    runner
        .run(&strategy, |(post, tag, author)| {
            let site = common::TestSite::empty();
            let export = json!({"db": [{
                "meta": {"version": "5.80.0"},
                "data": {
                    "posts": [
                        {"id": "p0", "title": "Hostile", "slug": post, "html": "<p>x</p>",
                         "type": "post", "status": "published",
                         "published_at": "2024-01-02T03:04:05.000Z"},
                        {"id": "p1", "title": "Plain", "slug": "plain", "html": "<p>y</p>",
                         "type": "post", "status": "published",
                         "published_at": "2024-01-02T03:04:05.000Z"},
                    ],
                    "tags": [{"id": "t", "name": "T", "slug": tag}],
                    "posts_tags": [{"post_id": "p1", "tag_id": "t"}],
                    "users": [{"id": "u", "name": "U", "slug": author, "email": "u@example.com"}],
                    "posts_authors": [{"post_id": "p1", "author_id": "u"}],
                }
            }]});
            let file = site.path().join("export.json");
            std::fs::write(&file, export.to_string()).expect("write");
            let result = runtime.block_on(async {
                let store = site.store().await;
                let content = site.content();
                let options = folio::ghost::GhostOptions::into_folder(&content);
                let imported = folio::ghost::import(&store, &file, &options).await;
                store.close().await;
                imported
            });
            let refused_by_slug = post != "hostile";
            prop_assert!(result.is_ok() || refused_by_slug, "{result:?}");
            if result.is_ok() {
                let report = runtime.block_on(site.publish_with(PublishOptions::default()));
                prop_assert!(report.build.is_some());
                prop_assert!(site.out().join("plain/index.html").is_file());
            }
            // Nothing beside the site's own folders, and nothing of the admin's.
            let allowed = [
                "content",
                "data",
                "public",
                ".public.builds",
                ".public.lock",
                "export.json",
            ];
            for entry in std::fs::read_dir(site.path()).expect("list").flatten() {
                let name = entry.file_name().to_string_lossy().into_owned();
                prop_assert!(
                    allowed.contains(&name.as_str()),
                    "written beside the site: {name}"
                );
            }
            prop_assert!(!site.out().join("admin").exists());
            Ok(())
        })
        .unwrap_or_else(|e| panic!("{e}"));
}
