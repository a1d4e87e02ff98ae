//! Responsive images: at publish, every raster image of `content/` gets width
//! variants, in WebP and in its own format ([`encode`]), kept between builds by the
//! image's content hash ([`cache`]), so no image is encoded twice. The build copies
//! them beside the original, where Ghost kept its own (`images/size/w600/2026/a.jpg`,
//! `images/size/w600/format/webp/2026/a.webp`), and the renderer gives every `<img>`
//! of them a `srcset`, its size and lazy loading ([`html`]).
//!
//! An image that cannot be resized (truncated, misnamed, too large) is named in a
//! warning and copied as it is: no publish fails because of one.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

use percent_encoding::{utf8_percent_encode, AsciiSet, CONTROLS};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::content::media::Media;

pub mod budget;
pub mod cache;
pub mod encode;
pub mod html;

/// Widths made of every image wider than them (Ghost's own sizes, so that its
/// `size/wN` addresses have a file).
pub const WIDTHS: [u32; 4] = [600, 1000, 1600, 2400];

/// The memory every decode of this process shares (see [`budget`]).
static DECODES: std::sync::LazyLock<budget::Budget> =
    std::sync::LazyLock::new(budget::Budget::of_this_process);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Jpeg,
    Png,
    Webp,
    /// Kept as they are, only measured: an animated GIF, a drawing.
    Gif,
    Svg,
}

impl Format {
    /// The format a file's name says it has, for the images folio measures.
    pub fn of(rel: &str) -> Option<Self> {
        let ext = rel.rsplit_once('.')?.1.to_ascii_lowercase();
        match ext.as_str() {
            "jpg" | "jpeg" => Some(Self::Jpeg),
            "png" => Some(Self::Png),
            "webp" => Some(Self::Webp),
            "gif" => Some(Self::Gif),
            "svg" => Some(Self::Svg),
            _ => None,
        }
    }

    /// Whether folio makes width variants of it (a GIF may be animated, a drawing
    /// has no pixels: those are only given their size).
    pub fn resized(self) -> bool {
        matches!(self, Self::Jpeg | Self::Png | Self::Webp)
    }

    pub fn extension(self) -> &'static str {
        match self {
            Self::Jpeg => "jpg",
            Self::Png => "png",
            Self::Webp => "webp",
            Self::Gif => "gif",
            Self::Svg => "svg",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Jpeg => "JPEG",
            Self::Png => "PNG",
            Self::Webp => "WEBP",
            Self::Gif => "GIF",
            Self::Svg => "SVG",
        }
    }

    fn image_format(self) -> Option<image::ImageFormat> {
        match self {
            Self::Jpeg => Some(image::ImageFormat::Jpeg),
            Self::Png => Some(image::ImageFormat::Png),
            Self::Webp => Some(image::ImageFormat::WebP),
            Self::Gif | Self::Svg => None,
        }
    }
}

/// One variant of an image: where it goes in the site, and the cached file it is.
#[derive(Debug, Clone)]
pub struct Variant {
    pub width: u32,
    pub height: u32,
    pub format: Format,
    /// Relative to the site, with `/`.
    pub rel: String,
    pub source: PathBuf,
    /// What the page keys hold for the file: the image's hash and the variant.
    pub key: String,
}

/// An image of `content/` with its variants.
#[derive(Debug, Clone)]
pub struct Image {
    /// Relative to the site, with `/`: the original's path.
    pub rel: String,
    pub width: u32,
    pub height: u32,
    pub format: Format,
    /// Widest last within each format.
    pub variants: Vec<Variant>,
}

/// Every resized image of a build, by its site path, and what could not be resized.
#[derive(Debug, Default)]
pub struct Images {
    by_rel: HashMap<String, Image>,
    pub warnings: Vec<String>,
}

/// Characters a path keeps in a URL; the rest are percent-encoded.
const PATH: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}');

/// The root-relative URL of a site path.
pub fn url(rel: &str) -> String {
    format!("/{}", utf8_percent_encode(rel, PATH))
}

/// Where a variant goes: `size/w{width}/` after the top folder (`images/size/w600/
/// 2026/a.jpg`), and `format/webp/` with the extension changed for a WebP of
/// another format, as Ghost lays out its own.
pub fn variant_rel(rel: &str, width: u32, format: Format, own: Format) -> String {
    let (top, rest) = match rel.split_once('/') {
        Some((top, rest)) => (format!("{top}/"), rest),
        None => (String::new(), rel),
    };
    if format == own {
        return format!("{top}size/w{width}/{rest}");
    }
    let stem = rest.rsplit_once('.').map_or(rest, |(stem, _)| stem);
    format!(
        "{top}size/w{width}/format/{}/{stem}.{}",
        format.extension(),
        format.extension()
    )
}

/// Whether `rel` is a variant's path (a Ghost `content/images` copied whole holds
/// them): such files are copied, never resized again.
fn is_variant_path(rel: &str) -> bool {
    rel.split('/').any(|segment| segment == "size")
}

impl Images {
    /// None: a build without a cache keeps images as they are.
    pub fn none() -> Self {
        Self::default()
    }

    /// The variants of every raster image of `media`, made where the cache has none,
    /// side by side; the cache keeps them for the next build.
    pub fn prepare(media: &[Media], cache_dir: &std::path::Path) -> Self {
        let cache = cache::Cache::new(cache_dir);
        let killers = cache.refuse_killers();
        let mut index = cache.index();
        // Their files are looked at again, and found refused by their hash.
        index.retain(|_, k| !killers.contains(&k.hash));
        let originals: HashSet<&str> = media.iter().map(|m| m.rel.as_str()).collect();
        type Found = (String, Option<cache::Known>, Result<cache::Meta, String>);
        let results: Vec<Found> = media
            .par_iter()
            .filter(|m| !is_variant_path(&m.rel))
            .filter_map(|m| Some((m, Format::of(&m.rel)?)))
            .map(|(m, format)| {
                let (known, meta) = one(&cache, index.get(&m.rel), m, format);
                (m.rel.clone(), known, meta)
            })
            .collect();
        let mut images = Self::default();
        let mut known = HashMap::new();
        for (rel, k, result) in results {
            let Some(k) = k else {
                if let Err(warning) = result {
                    images.warnings.push(format!("content/{rel}: {warning}"));
                }
                continue;
            };
            match result {
                Ok(meta) => {
                    let format = Format::of(&rel).expect("filtered on its format");
                    let variants = meta
                        .variants
                        .iter()
                        .map(|&(width, height, f)| Variant {
                            width,
                            height,
                            format: f,
                            rel: variant_rel(&rel, width, f, format),
                            source: cache.variant(&k.hash, width, f),
                            key: format!("image {} w{width} {}", k.hash, f.extension()),
                        })
                        // A file of content/ at a variant's path is the site's own.
                        .filter(|v| !originals.contains(v.rel.as_str()))
                        .collect();
                    images.by_rel.insert(
                        rel.clone(),
                        Image {
                            rel: rel.clone(),
                            width: meta.width,
                            height: meta.height,
                            format,
                            variants,
                        },
                    );
                }
                Err(warning) => images
                    .warnings
                    .push(format!("content/{rel}: {warning}; copied as it is")),
            }
            known.insert(rel, k);
        }
        images.warnings.sort();
        if known != index {
            if let Err(e) = cache.save_index(&known) {
                tracing::warn!("cannot save the image cache's index: {e}");
            }
            let used: HashSet<&str> = known.values().map(|k| k.hash.as_str()).collect();
            cache.prune(&used);
        }
        images
    }

    /// The image at a site path (`images/2026/a.jpg`).
    pub fn get(&self, rel: &str) -> Option<&Image> {
        self.by_rel.get(rel)
    }

    pub fn variants(&self) -> impl Iterator<Item = &Variant> {
        self.by_rel.values().flat_map(|i| &i.variants)
    }

    /// Changes whenever any image's size or variants do: a build's frame holds it,
    /// since pages carry their images' sizes.
    pub fn signature(&self) -> blake3::Hash {
        let mut rels: Vec<&String> = self.by_rel.keys().collect();
        rels.sort_unstable();
        let mut hasher = blake3::Hasher::new();
        for rel in rels {
            let image = &self.by_rel[rel];
            hasher.update(rel.as_bytes());
            hasher.update(&image.width.to_le_bytes());
            hasher.update(&image.height.to_le_bytes());
            for v in &image.variants {
                hasher.update(v.rel.as_bytes());
            }
        }
        hasher.finalize()
    }
}

/// The cached variants of one image, made if the cache has none; an image that
/// cannot be resized is remembered as such, and never decoded again.
fn one(
    cache: &cache::Cache,
    known: Option<&cache::Known>,
    media: &Media,
    format: Format,
) -> (Option<cache::Known>, Result<cache::Meta, String>) {
    if let Some(known) = known.filter(|k| k.stamp == media.stamp) {
        return (Some(known.clone()), known.meta.result());
    }
    let bytes = match std::fs::read(&media.source) {
        Ok(bytes) => bytes,
        Err(e) => return (None, Err(e.to_string())),
    };
    let hash = blake3::hash(&bytes).to_hex().to_string();
    let known = |meta: cache::Meta| cache::Known {
        stamp: media.stamp.clone(),
        hash: hash.clone(),
        meta,
    };
    // Another file with the same content (a copy, a rename) was made already.
    if let Some(meta) = cache.meta(&hash) {
        let result = meta.result();
        return (Some(known(meta)), result);
    }
    let made = if format.resized() {
        let _mark = match cache.mark_decoding(&hash) {
            Ok(mark) => mark,
            Err(e) => return (None, Err(format!("cannot mark its decode: {e}"))),
        };
        let made = encode::variants(&bytes, format, &DECODES);
        if let Err(refused @ encode::Refused::OverBudget { .. }) = &made {
            // Not remembered: a server given more memory resizes it.
            return (None, Err(format!("{refused}; copied as it is")));
        }
        made
    } else {
        encode::measure(&bytes, format).map(|(width, height)| encode::Made {
            width,
            height,
            variants: Vec::new(),
        })
    };
    let (meta, made) = match made {
        Ok(made) => (
            cache::Meta {
                width: made.width,
                height: made.height,
                variants: made
                    .variants
                    .iter()
                    .map(|(w, h, f, _)| (*w, *h, *f))
                    .collect(),
                refused: None,
            },
            made.variants,
        ),
        Err(refused) => (cache::Meta::refused(refused.to_string()), Vec::new()),
    };
    let files: Vec<(u32, Format, &[u8])> = made
        .iter()
        .map(|(w, _, f, bytes)| (*w, *f, bytes.as_slice()))
        .collect();
    if let Err(e) = cache.put(&hash, &meta, &files) {
        return (None, Err(format!("cannot keep its variants: {e}")));
    }
    let result = meta.result();
    (Some(known(meta)), result)
}
