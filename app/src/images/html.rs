//! Images in pages: the `srcset` of an image for templates ([`ImageSet`]), and every
//! `<img>` of a post's body that shows a resized image given its variants, its size
//! (no layout shift) and lazy loading, all but a page's first.

use std::borrow::Cow;
use std::sync::LazyLock;

use regex::Regex;
use serde::{Deserialize, Serialize};

use super::{url, Format, Image, Images};

/// How wide the default theme shows a post's images: its column (42rem, less its
/// padding) or the screen. Browsers pick a variant from it and the screen's density.
pub const SIZES: &str = "(min-width: 42rem) 42rem, calc(100vw - 2.5rem)";

/// An image's variants, for a template's `<picture>`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImageSet {
    pub width: u32,
    pub height: u32,
    /// In the image's own format, the original included when it is not too large;
    /// empty for an image folio does not resize (a GIF, an SVG).
    pub srcset: String,
    /// In WebP (none for a WebP original: `srcset` is WebP).
    pub webp_srcset: Option<String>,
    pub sizes: String,
}

impl Image {
    pub fn set(&self) -> ImageSet {
        let list = |format: Format| {
            let mut entries: Vec<(u32, String)> = self
                .variants
                .iter()
                .filter(|v| v.format == format)
                .map(|v| (v.width, url(&v.rel)))
                .collect();
            if format == self.format && !entries.iter().any(|(w, _)| *w >= self.width) {
                entries.push((self.width, url(&self.rel)));
            }
            entries.sort_by_key(|(w, _)| *w);
            entries
                .iter()
                .map(|(w, u)| format!("{u} {w}w"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        if !self.format.resized() {
            return ImageSet {
                width: self.width,
                height: self.height,
                srcset: String::new(),
                webp_srcset: None,
                sizes: String::new(),
            };
        }
        let webp = (self.format != Format::Webp)
            .then(|| list(Format::Webp))
            .filter(|s| !s.is_empty());
        ImageSet {
            width: self.width,
            height: self.height,
            srcset: list(self.format),
            webp_srcset: webp,
            sizes: SIZES.to_owned(),
        }
    }
}

impl Images {
    /// The image a root-relative URL of the site names: `/images/a%20b.jpg`, or one
    /// of its variants' Ghost addresses (`/images/size/w600/a.jpg`).
    pub fn find(&self, src: &str) -> Option<&Image> {
        let path = src.split(['?', '#']).next()?.strip_prefix('/')?;
        let rel = crate::disk::confine::decoded(path)?;
        if let Some(image) = self.get(&rel) {
            return Some(image);
        }
        let (top, rest) = rel.split_once("/size/w")?;
        let (_, rest) = rest.split_once('/')?;
        self.get(&format!("{top}/{rest}"))
    }

    /// `html` with each `<img>` of a resized image given its variants (in a
    /// `<picture>` with a WebP source), width and height, and `loading="lazy"
    /// decoding="async"` unless it is the page's first image (`eager`). A `srcset`
    /// of the same image's sizes (Ghost's, whose `size/wN` addresses the import made
    /// the original's) is replaced; one naming other files is the author's, and left
    /// alone with its tag, as are images that are not the site's.
    pub fn responsive<'h>(&self, html: &'h str, mut eager: bool) -> Cow<'h, str> {
        if self.by_rel.is_empty() || !html.contains("<img") {
            return Cow::Borrowed(html);
        }
        let mut out = String::with_capacity(html.len() + html.len() / 4);
        let rows = gallery_rows(html);
        let mut rest = html;
        while let Some(start) = rest.find("<img") {
            let Some(len) = tag_len(&rest[start..]) else {
                break;
            };
            let at = html.len() - rest.len() + start;
            out.push_str(&rest[..start]);
            let tag = &rest[start..start + len];
            let inside_picture = out
                .rfind("<picture")
                .is_some_and(|p| !out[p..].contains("</picture>"));
            let row = rows.iter().find(|(from, to, _)| (*from..*to).contains(&at));
            match self.rewrite(tag, eager, inside_picture, row.map(|r| r.2)) {
                Some(new) => out.push_str(&new),
                None => out.push_str(tag),
            }
            eager = false;
            rest = &rest[start + len..];
        }
        out.push_str(rest);
        Cow::Owned(out)
    }

    /// `in_row`: the image is one of so many side by side (a Ghost gallery's row).
    fn rewrite(
        &self,
        tag: &str,
        eager: bool,
        inside_picture: bool,
        in_row: Option<usize>,
    ) -> Option<String> {
        let attrs = attributes(tag);
        let value = |name: &str| {
            attrs
                .iter()
                .find(|(n, _, _)| n.eq_ignore_ascii_case(name))
                .map(|(_, v, _)| v.as_str())
        };
        if inside_picture {
            return None;
        }
        let image = self.find(value("src")?)?;
        if let Some(srcset) = value("srcset") {
            let same = srcset.split(',').all(|entry| {
                let url = entry.split_whitespace().next().unwrap_or_default();
                self.find(url).is_some_and(|i| i.rel == image.rel)
            });
            if !same {
                return None;
            }
        }
        let mut set = image.set();
        // The theme's column, not what the tag says: Ghost's `sizes` are its themes'
        // (a wide card 1200 px), and the default theme shows every card in its
        // column. A gallery row shares the column between its images.
        if let Some(n) = in_row.filter(|&n| n > 1) {
            set.sizes =
                format!("(min-width: 42rem) calc(42rem / {n}), calc((100vw - 2.5rem) / {n})");
        } else if let Some((width, height)) =
            // A drawing is sharp at any size.
            (image.format != Format::Svg)
                .then(|| sharp_size(set.width, set.height))
                .flatten()
        {
            set.width = width;
            set.height = height;
            if !set.srcset.is_empty() {
                set.sizes = format!("{width}px");
            }
        }
        let mut img = String::from("<img");
        for (name, _, raw) in &attrs {
            let dropped = ["width", "height", "loading", "decoding", "sizes", "srcset"];
            if name.eq_ignore_ascii_case("src") {
                // The original: a size address may have no file (no variant is wider
                // than its image).
                img.push_str(&format!(" src=\"{}\"", url(&image.rel)));
            } else if !dropped.iter().any(|d| name.eq_ignore_ascii_case(d)) {
                img.push(' ');
                img.push_str(raw);
            }
        }
        if !set.srcset.is_empty() {
            img.push_str(&format!(
                " srcset=\"{}\" sizes=\"{}\"",
                set.srcset, set.sizes
            ));
        }
        img.push_str(&format!(
            " width=\"{}\" height=\"{}\"",
            set.width, set.height
        ));
        if !eager {
            img.push_str(" loading=\"lazy\" decoding=\"async\"");
        }
        img.push('>');
        Some(match set.webp_srcset {
            Some(webp) => format!(
                "<picture><source type=\"image/webp\" srcset=\"{webp}\" sizes=\"{}\">{img}</picture>",
                set.sizes
            ),
            None => img,
        })
    }
}

/// The size at which an image narrower than one and a half columns is drawn, if it
/// is one: at most 2 image pixels to 1.5 CSS pixels, so that on a phone's or a
/// laptop's high-density screen it is not stretched into a blur (Lighthouse asks the
/// same: 2 per CSS pixel, less a quarter). The `width` attribute is what the theme's
/// `max-width: 100%` then keeps: a 400-px portrait is drawn 266 px wide, not 672.
fn sharp_size(width: u32, height: u32) -> Option<(u32, u32)> {
    const COLUMN_PX: u32 = 672;
    let sharp = width * 2 / 3;
    (width > 0 && sharp < COLUMN_PX).then(|| (sharp, (height * sharp).div_ceil(width)))
}

/// (start, end, images) of each row of Ghost's galleries in `html`: a row runs to
/// the next row or the end of its figure.
fn gallery_rows(html: &str) -> Vec<(usize, usize, usize)> {
    const ROW: &str = "class=\"kg-gallery-row\"";
    let starts: Vec<usize> = html.match_indices(ROW).map(|(i, _)| i).collect();
    starts
        .iter()
        .enumerate()
        .map(|(k, &start)| {
            let figure_end = html[start..]
                .find("</figure>")
                .map_or(html.len(), |e| start + e);
            let end = starts
                .get(k + 1)
                .copied()
                .unwrap_or(html.len())
                .min(figure_end);
            (start, end, html[start..end].matches("<img").count())
        })
        .collect()
}

/// The length of the tag `html` starts with, up to its `>` outside quotes.
fn tag_len(html: &str) -> Option<usize> {
    let mut quote = None;
    for (i, c) in html.char_indices() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '>') => return Some(i + 1),
            _ => {}
        }
    }
    None
}

/// (name, value with entities as written, the attribute as written) of each
/// attribute of a tag.
fn attributes(tag: &str) -> Vec<(String, String, String)> {
    static ATTR: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r#"([^\s"'>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?"#)
            .expect("a valid pattern")
    });
    let inner = tag
        .strip_prefix("<img")
        .unwrap_or(tag)
        .trim_end_matches('>')
        .trim_end_matches('/');
    ATTR.captures_iter(inner)
        .map(|c| {
            let value = c
                .get(2)
                .or_else(|| c.get(3))
                .or_else(|| c.get(4))
                .map_or("", |m| m.as_str());
            (
                c[1].to_owned(),
                value.replace("&amp;", "&"),
                c[0].to_owned(),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::Variant;
    use super::*;

    fn images() -> Images {
        let rel = "images/2026/a b.jpg";
        let variant = |width, format| Variant {
            width,
            height: width / 2,
            format,
            rel: super::super::variant_rel(rel, width, format, Format::Jpeg),
            source: Default::default(),
            key: String::new(),
        };
        let mut images = Images::default();
        images.by_rel.insert(
            rel.into(),
            Image {
                rel: rel.into(),
                width: 1200,
                height: 600,
                format: Format::Jpeg,
                variants: vec![
                    variant(600, Format::Webp),
                    variant(600, Format::Jpeg),
                    variant(1000, Format::Webp),
                    variant(1000, Format::Jpeg),
                    variant(1200, Format::Webp),
                ],
            },
        );
        images
    }

    #[test]
    fn each_image_of_the_site_gets_its_variants_and_only_the_first_is_eager() {
        let html = r#"<p><img src="/images/2026/a%20b.jpg" alt="A &amp; B" width="9" /></p><img src="/images/size/w600/2026/a%20b.jpg" alt="again"><img src="https://elsewhere.example/x.jpg" alt="x"><img src="/images/2026/a%20b.jpg" srcset="/mine.jpg 1w" alt="own"><img class="kg-image" src="/images/2026/a%20b.jpg" srcset="/images/2026/a%20b.jpg 600w, /images/2026/a%20b.jpg 1200w" sizes="(min-width: 1200px) 1200px" alt="ghost">"#;
        let out = images().responsive(html, true);
        assert!(
            out.starts_with(r#"<p><picture><source type="image/webp" srcset="/images/size/w600/format/webp/2026/a%20b.webp 600w, /images/size/w1000/format/webp/2026/a%20b.webp 1000w, /images/size/w1200/format/webp/2026/a%20b.webp 1200w" sizes=""#),
            "{out}"
        );
        assert!(
            out.contains(r#"<img src="/images/2026/a%20b.jpg" alt="A &amp; B" srcset="/images/size/w600/2026/a%20b.jpg 600w, /images/size/w1000/2026/a%20b.jpg 1000w, /images/2026/a%20b.jpg 1200w" sizes=""#),
            "{out}"
        );
        assert!(
            out.contains(r#"width="1200" height="600"></picture></p>"#),
            "{out}"
        );
        assert_eq!(out.matches("loading=\"lazy\"").count(), 2, "{out}");
        assert!(
            out.contains(r#"<img src="/images/2026/a%20b.jpg" alt="again" srcset="#),
            "{out}"
        );
        assert!(out.contains(r#"<img src="https://elsewhere.example/x.jpg" alt="x">"#));
        assert!(out.contains(r#"srcset="/mine.jpg 1w" alt="own">"#));
        assert!(
            out.contains(r#"<img class="kg-image" src="/images/2026/a%20b.jpg" alt="ghost" srcset="/images/size/w600/2026/a%20b.jpg 600w, /images/size/w1000/2026/a%20b.jpg 1000w, /images/2026/a%20b.jpg 1200w" sizes="(min-width: 42rem) 42rem, calc(100vw - 2.5rem)" width="1200""#),
            "Ghost's srcset is replaced: {out}"
        );
        assert_eq!(out.matches("<picture>").count(), 3);

        // Images side by side in a gallery row share the column.
        let gallery = r#"<figure class="kg-gallery-card"><div class="kg-gallery-row"><div class="kg-gallery-image"><img src="/images/2026/a%20b.jpg" sizes="(min-width: 720px) 720px"></div><div class="kg-gallery-image"><img src="/images/2026/a%20b.jpg"></div></div><div class="kg-gallery-row"><div class="kg-gallery-image"><img src="/images/2026/a%20b.jpg"></div></div></figure><img src="/images/2026/a%20b.jpg">"#;
        let out = images().responsive(gallery, false);
        assert_eq!(
            out.matches(
                r#"sizes="(min-width: 42rem) calc(42rem / 2), calc((100vw - 2.5rem) / 2)""#
            )
            .count(),
            4,
            "{out}"
        );
        assert_eq!(
            out.matches(&format!(r#"sizes="{SIZES}""#)).count(),
            4,
            "{out}"
        );
    }

    #[test]
    fn an_image_narrower_than_the_column_is_drawn_at_the_size_it_stays_sharp_at() {
        let mut images = images();
        let rel = "images/portrait.jpg";
        images.by_rel.insert(
            rel.into(),
            Image {
                rel: rel.into(),
                width: 400,
                height: 500,
                format: Format::Jpeg,
                variants: vec![],
            },
        );
        let out = images.responsive(r#"<img src="/images/portrait.jpg" width="400" height="500"><img src="/images/2026/a%20b.jpg">"#, true);
        // 400 pixels over 1.5 (two per CSS pixel on a phone, less a quarter of
        // slack): drawn 266 wide, its height in proportion, and asked for at that width.
        assert!(
            out.starts_with(r#"<img src="/images/portrait.jpg" srcset="/images/portrait.jpg 400w" sizes="266px" width="266" height="333">"#),
            "{out}"
        );
        // A photo wider than one and a half columns fills the column as before.
        assert!(out.contains(r#"width="1200" height="600""#), "{out}");
    }
}
