//! The image work per stage, on a folder of photos: decode, resize, and each
//! encoder, the ones folio uses now beside the ones it used before, with the quality
//! each reaches (PSNR against the resized pixels) and its size. CPU time on one
//! thread, medians over the photos; a benchmark, not a test.
//!
//!     cargo bench --bench image_stages -- DIR [LIMIT]
//!
//! `benches/images.py --photos-only DIR` makes the photos of the image benchmark.

use std::time::Instant;

use folio::images::budget::Budget;
use folio::images::encode;
use folio::images::Format;
use image::DynamicImage;

fn main() {
    let mut args = std::env::args().skip(1).filter(|a| a != "--bench");
    // `cargo test --all-targets` runs every bench once, with no arguments.
    let Some(dir) = args.next() else {
        println!("usage: cargo bench --bench image_stages -- DIR [LIMIT] (DIR: JPEG photos)");
        return;
    };
    let limit: usize = args.next().map_or(200, |n| n.parse().expect("a number"));
    let mut photos: Vec<_> = std::fs::read_dir(&dir)
        .expect("the folder")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "jpg"))
        .collect();
    photos.sort();
    photos.truncate(limit);
    let budget = Budget::new(1 << 30);
    let mut rows: Vec<Row> = Vec::new();
    let mut add = |name: String, ms: f64, psnr: f64, bytes: usize| {
        let at = rows.iter().position(|r| r.0 == name).unwrap_or_else(|| {
            rows.push((name, Vec::new(), Vec::new(), Vec::new()));
            rows.len() - 1
        });
        rows[at].1.push(ms);
        rows[at].2.push(psnr);
        rows[at].3.push(bytes as f64);
    };
    for path in &photos {
        let bytes = std::fs::read(path).expect("a photo");
        let (ms, made) = timed(|| encode::variants(&bytes, Format::Jpeg, &budget).expect("made"));
        add("all variants".into(), ms, f64::NAN, made.variants.len());
        let (ms, source) = timed(|| image::load_from_memory(&bytes).expect("decodes"));
        add("decode".into(), ms, f64::NAN, 0);
        for width in [600u32, 1000] {
            let height = source.height() * width / source.width();
            let (ms, small) = timed(|| encode::resize(&source, width, height).expect("resized"));
            add(format!("resize to {width} px"), ms, f64::NAN, 0);
            stages(&small, &mut add);
        }
        stages(&source, &mut add);
    }
    println!(
        "{} photos from {dir}, medians per photo or per variant\n",
        photos.len()
    );
    println!("| stage | CPU ms | PSNR dB | bytes |");
    println!("|---|---|---|---|");
    for (name, ms, psnr, bytes) in rows {
        println!(
            "| {name} | {:.2} | {:.2} | {:.0} |",
            median(ms),
            median(psnr),
            median(bytes)
        );
    }
}

/// A stage's name, and its CPU ms, PSNR and bytes of each photo or variant.
type Row = (String, Vec<f64>, Vec<f64>, Vec<f64>);

/// Each encoder on one variant's pixels.
fn stages(pixels: &DynamicImage, add: &mut impl FnMut(String, f64, f64, usize)) {
    let at = |name: &str| format!("{name}, {} px", pixels.width());
    let (ms, webp) = timed(|| encode::webp(pixels).expect("webp"));
    add(
        at("WebP, method 2 (now)"),
        ms,
        psnr(pixels, &webp),
        webp.len(),
    );
    let (ms, webp) = timed(|| webp_method(pixels, 4));
    add(
        at("WebP, method 4 (before)"),
        ms,
        psnr(pixels, &webp),
        webp.len(),
    );
    let (ms, jpeg) = timed(|| encode::jpeg(pixels).expect("jpeg"));
    add(at("JPEG, image crate"), ms, psnr(pixels, &jpeg), jpeg.len());
}

fn webp_method(pixels: &DynamicImage, method: i32) -> Vec<u8> {
    let rgb = pixels.to_rgb8();
    let mut config = webp::WebPConfig::new().expect("config");
    config.quality = 80.0;
    config.method = method;
    webp::Encoder::from_rgb(rgb.as_raw(), rgb.width(), rgb.height())
        .encode_advanced(&config)
        .expect("webp")
        .to_vec()
}

fn psnr(reference: &DynamicImage, encoded: &[u8]) -> f64 {
    let decoded = image::load_from_memory(encoded).expect("decodes").to_rgb8();
    let reference = reference.to_rgb8();
    let mse = (decoded.as_raw().iter().zip(reference.as_raw()))
        .map(|(a, b)| f64::from(a.abs_diff(*b)).powi(2))
        .sum::<f64>()
        / reference.as_raw().len() as f64;
    10.0 * (255.0f64.powi(2) / mse).log10()
}

fn timed<T>(work: impl FnOnce() -> T) -> (f64, T) {
    let start = Instant::now();
    let out = work();
    (start.elapsed().as_secs_f64() * 1e3, out)
}

fn median(mut values: Vec<f64>) -> f64 {
    values.retain(|v| !v.is_nan());
    if values.is_empty() {
        return f64::NAN;
    }
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}
