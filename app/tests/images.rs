//! Responsive images: every raster image of `content/` gets width variants (WebP and
//! its own format, never upscaled) made once and kept by content hash; pages give
//! them `srcset`, sizes and lazy loading; bad images are named and copied as they are.

mod common;

use std::path::Path;

use common::{jpeg, TestSite};
use image::{ImageFormat, Rgba, RgbaImage};

fn png(width: u32, height: u32) -> Vec<u8> {
    let img = RgbaImage::from_fn(width, height, |x, _| Rgba([200, 20, 20, (x % 256) as u8]));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, ImageFormat::Png).expect("encode");
    out.into_inner()
}

fn put(site: &TestSite, rel: &str, bytes: &[u8]) {
    let path = site.content().join(rel);
    std::fs::create_dir_all(path.parent().expect("a folder")).expect("mkdir");
    std::fs::write(path, bytes).expect("write");
}

fn size_of(path: &Path) -> (u32, u32) {
    let size = imagesize::size(path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    (size.width as u32, size.height as u32)
}

fn publish(site: &TestSite, extra: &[&str]) -> String {
    let mut args = vec!["publish"];
    args.extend_from_slice(extra);
    let out = site.cli(&args);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{stderr}");
    format!("{}{stderr}", String::from_utf8_lossy(&out.stdout))
}

/// The folders of the image cache, one per image content hash.
fn cached(site: &TestSite) -> Vec<std::path::PathBuf> {
    let dir = site.path().join("data/cache/images");
    let mut found = Vec::new();
    for shard in std::fs::read_dir(&dir).expect("the image cache").flatten() {
        if shard.path().is_dir() {
            found.extend(
                std::fs::read_dir(shard.path())
                    .expect("a shard")
                    .flatten()
                    .map(|e| e.path()),
            );
        }
    }
    found.sort();
    found
}

#[test]
fn images_get_width_variants_in_webp_and_their_format_and_pages_use_them() {
    let site = TestSite::empty();
    put(&site, "images/2026/photo one.jpg", &jpeg(1800, 1200));
    put(&site, "images/2026/small.png", &png(500, 300));
    put(
        &site,
        "images/drawing.svg",
        br#"<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 640 200"><rect width="10" height="10"/></svg>"#,
    );
    site.write(
        "posts/photos.md",
        "---\ntitle: Photos\nfeatured_image: /images/2026/photo%20one.jpg\nfeatured_image_alt: The photo\n---\n\nText.\n\n![Small](/images/2026/small.png)\n\n![Ghost size](/images/size/w600/2026/photo%20one.jpg \"A caption\")\n\n![Far](https://elsewhere.example/x.jpg)\n\n![Drawing](/images/drawing.svg)\n",
    );
    publish(&site, &[]);
    let out = site.out();

    // Own format below the original's width, never above it; WebP up to its width.
    for (rel, size) in [
        ("images/size/w600/2026/photo one.jpg", (600, 400)),
        ("images/size/w1000/2026/photo one.jpg", (1000, 667)),
        ("images/size/w1600/2026/photo one.jpg", (1600, 1067)),
        (
            "images/size/w600/format/webp/2026/photo one.webp",
            (600, 400),
        ),
        (
            "images/size/w1800/format/webp/2026/photo one.webp",
            (1800, 1200),
        ),
        ("images/size/w500/format/webp/2026/small.webp", (500, 300)),
    ] {
        assert_eq!(size_of(&out.join(rel)), size, "{rel}");
    }
    let webp =
        std::fs::read(out.join("images/size/w1000/format/webp/2026/photo one.webp")).expect("webp");
    assert!(webp.starts_with(b"RIFF") && &webp[8..12] == b"WEBP");
    let jpeg_variant =
        std::fs::read(out.join("images/size/w1000/2026/photo one.jpg")).expect("jpeg");
    assert!(webp.len() < jpeg_variant.len(), "WebP is the smaller one");
    for absent in [
        "images/size/w2400/2026/photo one.jpg",
        "images/size/w600/2026/small.png",
        "images/size/w1800/2026/photo one.jpg",
    ] {
        assert!(!out.join(absent).exists(), "{absent} made");
    }
    assert_eq!(
        std::fs::read(out.join("images/2026/photo one.jpg")).expect("original"),
        jpeg(1800, 1200),
        "the original is there as it was"
    );

    // The post: the featured image first and eager, the body's images lazy, all sized.
    let page = site.read_out("photos/index.html");
    let featured = r#"<picture><source type="image/webp" srcset="/images/size/w600/format/webp/2026/photo%20one.webp 600w, /images/size/w1000/format/webp/2026/photo%20one.webp 1000w, /images/size/w1600/format/webp/2026/photo%20one.webp 1600w, /images/size/w1800/format/webp/2026/photo%20one.webp 1800w""#;
    assert!(page.contains(featured), "{page}");
    let first_img = &page[page.find("<img").expect("an image")..];
    let first_img = &first_img[..first_img.find('>').expect("its end")];
    assert!(
        first_img.contains(r#"srcset="/images/size/w600/2026/photo%20one.jpg 600w, /images/size/w1000/2026/photo%20one.jpg 1000w, /images/size/w1600/2026/photo%20one.jpg 1600w, /images/2026/photo%20one.jpg 1800w""#)
            && first_img.contains(r#"width="1800" height="1200""#)
            && first_img.contains(r#"alt="The photo""#)
            && !first_img.contains("loading="),
        "{first_img}"
    );
    assert!(
        // Narrower than one and a half columns: drawn at 2/3 of its width, sharp on a
        // high-density screen.
        page.contains(r#"<img src="/images/2026/small.png" alt="Small" srcset="/images/2026/small.png 500w" sizes="333px" width="333" height="200" loading="lazy" decoding="async">"#),
        "{page}"
    );
    assert!(
        page.contains(r#"<figure><picture><source type="image/webp" srcset="/images/size/w600/format/webp/2026/photo%20one.webp 600w"#),
        "a Ghost size address is its image: {page}"
    );
    assert!(page.contains(r#"<img src="https://elsewhere.example/x.jpg" alt="Far" />"#));
    assert!(
        page.contains(r#"<img src="/images/drawing.svg" alt="Drawing" width="640" height="200" loading="lazy" decoding="async">"#),
        "a drawing is sized, not resized: {page}"
    );
    assert!(!out.join("images/size/w600/drawing.svg").exists());
    assert_eq!(page.matches("loading=\"lazy\"").count(), 3, "{page}");

    // The home page shows the featured image, sized, first and eager.
    let home = site.read_out("index.html");
    assert!(
        home.contains(r#"class="card-image""#) && home.contains(featured),
        "{home}"
    );
}

#[test]
fn no_image_is_encoded_twice() {
    let site = TestSite::empty();
    let photo = jpeg(1200, 800);
    put(&site, "images/a.jpg", &photo);
    site.write("posts/a.md", "---\ntitle: A\n---\n\n![A](/images/a.jpg)\n");
    publish(&site, &[]);
    let folders = cached(&site);
    assert_eq!(folders.len(), 1, "{folders:?}");
    let meta = folders[0].join("meta.json");
    let made = std::fs::metadata(&meta)
        .expect("meta")
        .modified()
        .expect("mtime");

    // A forced build, the same image under another name, a touched file: no encoding.
    put(&site, "images/copy of a.jpg", &photo);
    let a = site.content().join("images/a.jpg");
    let later = std::time::SystemTime::now() + std::time::Duration::from_secs(5);
    std::fs::File::options()
        .write(true)
        .open(&a)
        .expect("open")
        .set_modified(later)
        .expect("touch");
    publish(&site, &["--force"]);
    assert_eq!(cached(&site), folders, "one folder for one content");
    assert_eq!(
        std::fs::metadata(&meta)
            .expect("meta")
            .modified()
            .expect("mtime"),
        made,
        "encoded again"
    );
    assert!(site.out().join("images/size/w1000/copy of a.jpg").is_file());

    // A changed image is encoded; the variants of one no file has are dropped.
    put(&site, "images/a.jpg", &jpeg(900, 600));
    std::fs::remove_file(site.content().join("images/copy of a.jpg")).expect("rm");
    publish(&site, &[]);
    let now = cached(&site);
    assert_eq!(now.len(), 1, "{now:?}");
    assert_ne!(now, folders);
    assert!(!site.out().join("images/size/w1000/a.jpg").exists());
    assert!(site.out().join("images/size/w600/a.jpg").is_file());
    // The new size is the page's: a 900-px photo drawn 600 wide.
    assert!(site
        .read_out("a/index.html")
        .contains(r#"width="600" height="400""#));
}

#[test]
fn bad_images_are_named_and_copied_as_they_are() {
    let site = TestSite::empty();
    let good = jpeg(800, 600);
    let truncated = good[..good.len() / 3].to_vec();
    let misnamed = png(700, 400);
    // 20,000 px wide, a few hundred bytes; and 8,000 x 8,000 (64 megapixels) in a
    // few kilobytes: a decompression bomb.
    let wide = {
        let img = image::GrayImage::new(20_000, 2);
        let mut out = std::io::Cursor::new(Vec::new());
        img.write_to(&mut out, ImageFormat::Png).expect("encode");
        out.into_inner()
    };
    let bomb = {
        let img = image::GrayImage::new(8_000, 8_000);
        let mut out = std::io::Cursor::new(Vec::new());
        img.write_to(&mut out, ImageFormat::Png).expect("encode");
        out.into_inner()
    };
    assert!(bomb.len() < 2_000_000, "{}", bomb.len());
    let bad = [
        ("images/truncated.jpg", truncated),
        ("images/really-a-png.jpg", misnamed),
        ("images/wide.png", wide),
        ("images/bomb.png", bomb),
    ];
    for (rel, bytes) in &bad {
        put(&site, rel, bytes);
    }
    put(&site, "images/good.jpg", &good);
    let body: String = bad
        .iter()
        .map(|(rel, _)| format!("![x](/{rel})\n\n"))
        .collect();
    site.write(
        "posts/bad.md",
        &format!("---\ntitle: Bad\n---\n\n{body}![good](/images/good.jpg)\n"),
    );
    let output = publish(&site, &[]);
    for (rel, bytes) in &bad {
        assert!(
            output.contains(&format!("content/{rel}:")),
            "{rel} not named:\n{output}"
        );
        assert_eq!(
            &std::fs::read(site.out().join(rel)).expect("copied"),
            bytes,
            "{rel}"
        );
    }
    assert!(output.contains("not what its name says"), "{output}");
    assert!(output.contains("20000x2 px"), "{output}");
    let page = site.read_out("bad/index.html");
    assert!(
        page.contains(r#"<img src="/images/truncated.jpg" alt="x" />"#),
        "{page}"
    );
    assert!(site.out().join("images/size/w600/good.jpg").is_file());

    // Named again at the next publish (nothing to build), never decoded again.
    let again = publish(&site, &[]);
    assert!(again.contains("content/images/bomb.png:"), "{again}");
}
