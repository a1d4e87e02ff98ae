//! The site's icon (the Design settings' one upload) at the sizes browsers and phones
//! ask for: a 32 px favicon and the 180 px `apple-touch-icon`, square, in PNG. Made
//! again only when the icon's file changes; an SVG icon is used as it is.

use std::path::Path;

use super::plan::RenderPlan;
use super::PublishError;
use crate::content::media::Media;
use crate::output::SiteWriter;

/// Where each size goes in the site.
pub(crate) const SIZES: [(u32, &str); 2] = [
    (32, "icons/favicon-32.png"),
    (180, "icons/apple-touch-icon.png"),
];

/// The file of `content/` the icon at `src` is, when folio can resize it.
pub(crate) fn source<'a>(media: &'a [Media], src: Option<&str>) -> Option<&'a Media> {
    let rel = src?.strip_prefix('/')?;
    let rel = crate::disk::confine::decoded(rel).unwrap_or_else(|| rel.to_owned());
    let raster = [".png", ".jpg", ".jpeg", ".webp", ".gif"];
    let lower = rel.to_ascii_lowercase();
    raster
        .iter()
        .any(|ext| lower.ends_with(ext))
        .then(|| media.iter().find(|m| m.rel == rel))
        .flatten()
}

impl RenderPlan<'_> {
    /// Writes the icon's sizes (or keeps last build's); how many files they are.
    pub(super) fn write_icons(&self, writer: &SiteWriter) -> Result<usize, PublishError> {
        let design = &self.input.config.design;
        let Some(icon) = source(self.input.media, design.icon.as_deref()) else {
            return Ok(0);
        };
        let key = format!("icon {}", icon.stamp);
        for (size, rel) in SIZES {
            let what = || format!("the icon at {size} px");
            let same = self.input.previous.and_then(|p| p.get(rel)) == Some(&key);
            if !(same && writer.keep(rel, &what())?) {
                match square_png(&icon.source, size) {
                    Ok(bytes) => writer.put(rel, &bytes, &what())?,
                    Err(e) => {
                        writer.warn(format!("the icon {}: {e}", icon.rel));
                        return Ok(0);
                    }
                }
            }
            self.record(rel.to_owned(), key.clone());
        }
        Ok(SIZES.len())
    }
}

/// The image at `path` cropped to its centre square and resized to `size` px, as PNG.
fn square_png(path: &Path, size: u32) -> Result<Vec<u8>, image::ImageError> {
    let image = image::ImageReader::open(path)?
        .with_guessed_format()?
        .decode()?;
    let side = image.width().min(image.height());
    let square = image.crop_imm(
        (image.width() - side) / 2,
        (image.height() - side) / 2,
        side,
        side,
    );
    let resized = square.resize_exact(size, size, image::imageops::FilterType::Lanczos3);
    let mut out = std::io::Cursor::new(Vec::new());
    resized.write_to(&mut out, image::ImageFormat::Png)?;
    Ok(out.into_inner())
}
