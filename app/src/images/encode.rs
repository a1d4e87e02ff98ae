//! One image decoded once and made into its width variants: resized with
//! fast_image_resize (SIMD, Lanczos3), written as lossy WebP (libwebp) and in the
//! image's own format. Decoding is bounded, so a decompression bomb or a 20,000 px
//! scan is refused before any pixel is allocated.

use std::io::Cursor;

use fast_image_resize::Resizer;
use image::metadata::Orientation;
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits};

use super::budget::{Budget, Permit};
use super::{Format, WIDTHS};

/// Widest or tallest image resized; larger ones are copied as they are.
pub const MAX_SIDE: u32 = 12_000;
/// Most pixels an image resized may have (a 48-megapixel phone photo takes 145 MB
/// as RGB), read from its header: a small file that claims more (a decompression
/// bomb) is refused before anything is decoded.
pub const MAX_PIXELS: u64 = 50_000_000;
/// Memory one decode may take, whatever its header said.
const MAX_ALLOC: u64 = 256 * 1024 * 1024;
/// libwebp's quality, 0 to 100.
const WEBP_QUALITY: f32 = 80.0;
/// libwebp's effort, 0 (fastest) to 6. Method 2 takes 2/5 of the CPU of the default
/// 4 for files about 3% larger at the same PSNR and SSIM (`docs/benchmarks.md`):
/// WebP was 80% of an image's work.
const WEBP_METHOD: i32 = 2;
/// JPEG variants' quality.
const JPEG_QUALITY: u8 = 82;

/// Why an image gets no variants (it is copied as it is).
#[derive(Debug, thiserror::Error)]
pub enum Refused {
    #[error("its content is {actual}, not what its name says ({named})")]
    Misnamed { named: &'static str, actual: String },
    #[error("{width}x{height} px is over the {MAX_SIDE} px or {} megapixels folio resizes", MAX_PIXELS / 1_000_000)]
    TooLarge { width: u32, height: u32 },
    #[error("it is cut short (no end of image)")]
    Truncated,
    #[error("it gives no size in pixels (width and height, or a viewBox)")]
    Unsized,
    #[error("needs about {need_mb} MB to resize, over the {budget_mb} MB this server gives images (its memory limit)")]
    OverBudget { need_mb: u64, budget_mb: u64 },
    #[error("cannot be read: {0}")]
    Decode(String),
    #[error("cannot be resized: {0}")]
    Resize(String),
    #[error("cannot be encoded: {0}")]
    Encode(String),
}

/// A decoded image's size, and its variants' bytes.
pub struct Made {
    pub width: u32,
    pub height: u32,
    pub variants: Vec<(u32, u32, Format, Vec<u8>)>,
}

/// The width variants of `bytes`, an image named as `format`: every width of
/// [`WIDTHS`] below the image's own (never upscaled) in its format, and the same plus
/// its own width (when not wider than the largest) in WebP. The decode holds its
/// share of `budget` from before its pixels exist until its variants are made.
pub fn variants(bytes: &[u8], format: Format, budget: &Budget) -> Result<Made, Refused> {
    let (image, orientation, _permit) = decode(bytes, format, budget)?;
    // Phones store photos sideways with an orientation tag: the variants are upright,
    // turned after they are resized (turning the full image would copy it whole).
    let sideways = matches!(
        orientation,
        Orientation::Rotate90
            | Orientation::Rotate270
            | Orientation::Rotate90FlipH
            | Orientation::Rotate270FlipH
    );
    let (width, height) = if sideways {
        (image.height(), image.width())
    } else {
        (image.width(), image.height())
    };
    let largest = *WIDTHS.last().expect("widths");
    let mut widths: Vec<u32> = WIDTHS.iter().copied().filter(|&w| w < width).collect();
    if width <= largest {
        // The original at its own size, in WebP; a wider original is stood for by
        // the largest width, which the list holds already.
        widths.push(width);
    }
    let upright = |mut pixels: DynamicImage| {
        pixels.apply_orientation(orientation);
        pixels
    };
    let mut variants = Vec::new();
    for &w in &widths {
        let h = scaled_height(width, height, w);
        let (stored_w, stored_h) = if sideways { (h, w) } else { (w, h) };
        let resized = if w == width {
            (orientation != Orientation::NoTransforms).then(|| upright(image.clone()))
        } else {
            Some(upright(resize(&image, stored_w, stored_h)?))
        };
        let pixels = resized.as_ref().unwrap_or(&image);
        if format != Format::Webp {
            variants.push((w, h, Format::Webp, webp(pixels)?));
        }
        // The original is its own format at its own size.
        if w < width {
            variants.push((w, h, format, encode(pixels, format)?));
        }
    }
    Ok(Made {
        width,
        height,
        variants,
    })
}

/// The size of an image folio does not resize: a GIF's from its header, a drawing's
/// from its `width` and `height` (in pixels) or else its `viewBox`.
pub fn measure(bytes: &[u8], format: Format) -> Result<(u32, u32), Refused> {
    let (width, height) = match format {
        Format::Svg => svg_size(bytes).ok_or(Refused::Unsized)?,
        _ => imagesize::blob_size(bytes)
            .map(|s| (s.width as u32, s.height as u32))
            .map_err(|e| Refused::Decode(e.to_string()))?,
    };
    // A header saying 0 px gives a page nothing to size.
    if width == 0 || height == 0 {
        return Err(Refused::Unsized);
    }
    Ok((width, height))
}

fn svg_size(bytes: &[u8]) -> Option<(u32, u32)> {
    static ATTR: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r#"\s(width|height|viewBox)\s*=\s*["']([^"']*)["']"#)
            .expect("a valid pattern")
    });
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(4096)]);
    let start = head.find("<svg")?;
    let tag = &head[start..start + head[start..].find('>')?];
    let (mut width, mut height, mut view) = (None, None, None);
    for c in ATTR.captures_iter(tag) {
        let value = c[2].trim();
        let pixels = || {
            value
                .strip_suffix("px")
                .unwrap_or(value)
                .parse::<f64>()
                .ok()
        };
        match &c[1] {
            "width" => width = pixels(),
            "height" => height = pixels(),
            _ => {
                let parts: Vec<f64> = value
                    .split([' ', ','])
                    .filter(|p| !p.is_empty())
                    .filter_map(|p| p.parse().ok())
                    .collect();
                if let [_, _, w, h] = parts[..] {
                    view = Some((w, h));
                }
            }
        }
    }
    let (w, h) = match (width, height, view) {
        (Some(w), Some(h), _) => (w, h),
        (_, _, Some(view)) => view,
        _ => return None,
    };
    (w >= 1.0 && h >= 1.0 && w <= 100_000.0 && h <= 100_000.0)
        .then(|| (w.round() as u32, h.round() as u32))
}

/// The height of a `width`-wide image shrunk to `to` wide, at least 1 px.
pub fn scaled_height(width: u32, height: u32, to: u32) -> u32 {
    ((u64::from(height) * u64::from(to) + u64::from(width) / 2) / u64::from(width)).max(1) as u32
}

/// The image's pixels (8 bits a channel, alpha only where it has it), its
/// orientation tag, and its share of `budget`, taken before any pixel is decoded.
fn decode<'b>(
    bytes: &[u8],
    format: Format,
    budget: &'b Budget,
) -> Result<(DynamicImage, Orientation, Permit<'b>), Refused> {
    let actual = image::guess_format(bytes).map_err(|e| Refused::Decode(e.to_string()))?;
    if Some(actual) != format.image_format() {
        return Err(Refused::Misnamed {
            named: format.name(),
            actual: format!("{actual:?}").to_ascii_uppercase(),
        });
    }
    // The size is read from the header before anything is decoded.
    let (width, height) = imagesize::blob_size(bytes)
        .map(|s| (s.width as u32, s.height as u32))
        .map_err(|e| Refused::Decode(e.to_string()))?;
    if width > MAX_SIDE || height > MAX_SIDE || u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Err(Refused::TooLarge { width, height });
    }
    // The JPEG decoder fills a cut file with grey rather than fail.
    if format == Format::Jpeg && !jpeg_is_whole(bytes) {
        return Err(Refused::Truncated);
    }
    // A PNG's ancillary chunks (colour profiles, compressed text) can inflate to
    // hundreds of megabytes from a few kilobytes; the variants keep none of them.
    let stripped = (format == Format::Png)
        .then(|| png_critical_chunks(bytes))
        .transpose()?;
    let bytes = stripped.as_deref().unwrap_or(bytes);
    let mut reader = ImageReader::with_format(Cursor::new(bytes), actual);
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_ALLOC);
    reader.limits(limits);
    let mut decoder = reader
        .into_decoder()
        .map_err(|e| Refused::Decode(e.to_string()))?;
    let (w, h) = decoder.dimensions();
    let need = memory_needed(decoder.total_bytes(), decoder.color_type(), w, h);
    let permit = budget.take(need).ok_or(Refused::OverBudget {
        need_mb: need / 1_000_000,
        budget_mb: budget.total() / 1_000_000,
    })?;
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let image = DynamicImage::from_decoder(decoder).map_err(|e| Refused::Decode(e.to_string()))?;
    let image = match image {
        DynamicImage::ImageRgb8(_) | DynamicImage::ImageRgba8(_) => image,
        other if other.color().has_alpha() => DynamicImage::ImageRgba8(other.into_rgba8()),
        other => DynamicImage::ImageRgb8(other.into_rgb8()),
    };
    Ok((image, orientation, permit))
}

/// What decoding an image and making its variants may hold at once: the decoded
/// pixels, their conversion to 8 bits a channel, and the largest variant resized,
/// turned and encoded (libwebp works on a copy of its own).
fn memory_needed(decoded: u64, color: image::ColorType, width: u32, height: u32) -> u64 {
    let pixels = u64::from(width) * u64::from(height);
    let converted = match color {
        image::ColorType::Rgb8 | image::ColorType::Rgba8 => 0,
        _ => pixels * 4,
    };
    let largest = u64::from(*WIDTHS.last().expect("widths"));
    let long_side = u64::from(width.max(height)).max(1);
    let variant =
        pixels * (largest.min(long_side) * largest.min(long_side)) / (long_side * long_side);
    decoded + converted + variant * 4 * 4 + 8 * 1024 * 1024
}

/// A PNG's chunks that the picture needs (header, palette, transparency, data,
/// end), checked to run whole to the end; the others are left out.
fn png_critical_chunks(bytes: &[u8]) -> Result<Vec<u8>, Refused> {
    const SIGNATURE: usize = 8;
    const KEPT: [&[u8; 4]; 5] = [b"IHDR", b"PLTE", b"tRNS", b"IDAT", b"IEND"];
    let mut out = Vec::with_capacity(bytes.len());
    out.extend_from_slice(bytes.get(..SIGNATURE).ok_or(Refused::Truncated)?);
    let mut at = SIGNATURE;
    loop {
        let head = bytes.get(at..at + 8).ok_or(Refused::Truncated)?;
        let len = u32::from_be_bytes([head[0], head[1], head[2], head[3]]) as usize;
        let end = at + 12 + len;
        let chunk = bytes.get(at..end).ok_or(Refused::Truncated)?;
        if KEPT.iter().any(|k| &head[4..8] == *k) {
            out.extend_from_slice(chunk);
        }
        if &head[4..8] == b"IEND" {
            return Ok(out);
        }
        at = end;
    }
}

/// Whether a JPEG's segments run from its start to an end-of-image marker: headers
/// by their lengths (an EXIF thumbnail, with its own end marker, is inside one),
/// scans up to the next marker. What follows the end (a phone's motion trailer) is
/// not looked at.
fn jpeg_is_whole(bytes: &[u8]) -> bool {
    let mut at = 2;
    while at + 1 < bytes.len() {
        if bytes[at] != 0xFF {
            return false;
        }
        let marker = bytes[at + 1];
        match marker {
            0xD9 => return true,
            // Fill bytes, and markers without a length.
            0xFF => at += 1,
            0x01 | 0xD0..=0xD7 => at += 2,
            _ => {
                let Some(len) = bytes.get(at + 2..at + 4) else {
                    return false;
                };
                at += 2 + usize::from(u16::from_be_bytes([len[0], len[1]]));
                if marker == 0xDA {
                    // Entropy-coded data: up to a marker that is not a stuffed byte
                    // or a restart.
                    while at + 1 < bytes.len()
                        && (bytes[at] != 0xFF || matches!(bytes[at + 1], 0x00 | 0xD0..=0xD7))
                    {
                        at += 1;
                    }
                }
            }
        }
    }
    false
}

/// `image` resized to `width` x `height` (Lanczos3).
pub fn resize(image: &DynamicImage, width: u32, height: u32) -> Result<DynamicImage, Refused> {
    let mut resized = DynamicImage::new(width, height, image.color());
    Resizer::new()
        .resize(image, &mut resized, None)
        .map_err(|e| Refused::Resize(e.to_string()))?;
    Ok(resized)
}

/// `image` as lossy WebP, 8-bit RGB or RGBA only.
pub fn webp(image: &DynamicImage) -> Result<Vec<u8>, Refused> {
    let encoder = match image {
        DynamicImage::ImageRgba8(pixels) => {
            webp::Encoder::from_rgba(pixels.as_raw(), image.width(), image.height())
        }
        DynamicImage::ImageRgb8(pixels) => {
            webp::Encoder::from_rgb(pixels.as_raw(), image.width(), image.height())
        }
        _ => return Err(Refused::Encode("not 8-bit RGB".into())),
    };
    let mut config =
        webp::WebPConfig::new().map_err(|()| Refused::Encode("WebP: no configuration".into()))?;
    config.quality = WEBP_QUALITY;
    config.method = WEBP_METHOD;
    config.alpha_compression = 1;
    let memory = encoder
        .encode_advanced(&config)
        .map_err(|e| Refused::Encode(format!("WebP: {e:?}")))?;
    Ok(memory.to_vec())
}

/// `image` as a JPEG. The `image` crate's encoder: jpeg-encoder, 2-3x faster, gave
/// files 2 dB further from the photo at the same size, or 32% larger at the same
/// distance (`docs/benchmarks.md`).
pub fn jpeg(image: &DynamicImage) -> Result<Vec<u8>, Refused> {
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, JPEG_QUALITY)
        .encode_image(&image.to_rgb8())
        .map_err(|e| Refused::Encode(e.to_string()))?;
    Ok(out)
}

fn encode(image: &DynamicImage, format: Format) -> Result<Vec<u8>, Refused> {
    let mut out = Vec::new();
    match format {
        Format::Jpeg => out = jpeg(image)?,
        Format::Png => image
            .write_to(&mut Cursor::new(&mut out), ImageFormat::Png)
            .map_err(|e| Refused::Encode(e.to_string()))?,
        Format::Webp => out = webp(image)?,
        Format::Gif | Format::Svg => {
            return Err(Refused::Encode(format!("{} is not resized", format.name())))
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jpeg() -> Vec<u8> {
        let img =
            image::RgbImage::from_fn(64, 48, |x, y| image::Rgb([x as u8 * 4, y as u8 * 5, 90]));
        let mut out = Cursor::new(Vec::new());
        img.write_to(&mut out, ImageFormat::Jpeg).expect("encode");
        out.into_inner()
    }

    #[test]
    fn a_jpeg_is_whole_up_to_its_end_marker_whatever_follows() {
        let whole = jpeg();
        assert!(jpeg_is_whole(&whole));
        let mut trailer = whole.clone();
        trailer.extend_from_slice(b"\0\0\0\x18ftypmp42 a motion photo's video");
        assert!(jpeg_is_whole(&trailer));
        for cut in [whole.len() - 2, whole.len() / 2, 40, 3] {
            assert!(!jpeg_is_whole(&whole[..cut]), "cut at {cut}");
        }
    }

    #[test]
    fn variants_are_never_wider_than_the_original() {
        let budget = Budget::new(1 << 30);
        let made = variants(&jpeg(), Format::Jpeg, &budget).expect("variants");
        assert_eq!((made.width, made.height), (64, 48));
        let widths: Vec<(u32, Format)> = made.variants.iter().map(|v| (v.0, v.2)).collect();
        assert_eq!(widths, vec![(64, Format::Webp)]);
        assert_eq!(scaled_height(1800, 1200, 1000), 667);
        assert_eq!(scaled_height(20_000, 2, 600), 1);
    }

    #[test]
    fn an_image_wider_than_the_largest_width_gets_each_variant_once() {
        let img = image::RgbImage::from_fn(3000, 20, |x, _| image::Rgb([x as u8, 9, 90]));
        let mut out = Cursor::new(Vec::new());
        img.write_to(&mut out, ImageFormat::Png).expect("encode");
        let made = variants(out.get_ref(), Format::Png, &Budget::new(1 << 30)).expect("made");
        let mut seen: Vec<(u32, Format)> = made.variants.iter().map(|v| (v.0, v.2)).collect();
        let all = seen.len();
        seen.sort_by_key(|v| (v.0, v.1.extension()));
        seen.dedup();
        assert_eq!(seen.len(), all, "{seen:?}");
        assert_eq!(all, 8, "4 widths, in PNG and in WebP: {seen:?}");
    }

    #[test]
    fn a_png_keeps_only_the_chunks_of_its_picture() {
        let img = image::RgbImage::from_fn(8, 8, |x, y| image::Rgb([x as u8, y as u8, 1]));
        let mut out = Cursor::new(Vec::new());
        img.write_to(&mut out, ImageFormat::Png).expect("encode");
        let png = out.into_inner();
        // A zTXt chunk after the header (its CRC is not checked here).
        let mut with_text = png[..33].to_vec();
        with_text.extend_from_slice(&[0, 0, 0, 4]);
        with_text.extend_from_slice(b"zTXtabcd\0\0\0\0");
        with_text.extend_from_slice(&png[33..]);
        assert_eq!(png_critical_chunks(&with_text).expect("whole"), png);
        assert!(matches!(
            png_critical_chunks(&png[..png.len() - 6]),
            Err(Refused::Truncated)
        ));
        let budget = Budget::new(1024);
        assert!(matches!(
            variants(&png, Format::Png, &budget),
            Err(Refused::OverBudget { .. })
        ));
    }

    /// Every variant of a photo decodes (by the `image` crate: zune-jpeg and
    /// image-webp, as folio reads them back) to its size and close to the photo.
    #[test]
    fn variants_decode_back_to_their_size_and_the_photo() {
        let mut seed = 7u32;
        let photo = image::RgbImage::from_fn(1200, 800, |x, y| {
            seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            let grain = (seed >> 27) as u8;
            let ring = u8::from((x as i32 - 500).pow(2) + (y as i32 - 400).pow(2) < 90_000);
            let (r, g) = ((x / 6) as u8, (y / 4) as u8);
            image::Rgb([
                r.saturating_add(grain),
                g.saturating_add(grain),
                60 + ring * 120,
            ])
        });
        let mut bytes = Cursor::new(Vec::new());
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, 95)
            .encode_image(&photo)
            .expect("encode");
        let made = variants(bytes.get_ref(), Format::Jpeg, &Budget::new(1 << 30)).expect("made");
        let source = image::load_from_memory(bytes.get_ref()).expect("the photo");
        let mut out = Vec::new();
        for (w, h, format, bytes) in made.variants {
            let expected = resize(&source, w, h).expect("resized").to_rgb8();
            let decoded = image::load_from_memory(&bytes).expect("decodes").to_rgb8();
            assert_eq!(decoded.dimensions(), (w, h), "{format:?} at {w}");
            let mse = (decoded.as_raw().iter().zip(expected.as_raw()))
                .map(|(a, b)| f64::from(a.abs_diff(*b)).powi(2))
                .sum::<f64>()
                / expected.as_raw().len() as f64;
            let psnr = 10.0 * (255.0f64.powi(2) / mse).log10();
            out.push(format!("{format:?} {w}: {psnr:.1} dB"));
            assert!(psnr > 30.0, "{out:?}");
        }
        // 600 and 1,000 px in JPEG and WebP, 1,200 in WebP.
        assert_eq!(out.len(), 5, "{out:?}");
    }
}
