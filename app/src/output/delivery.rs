//! How each file of the rendered site is delivered: its Content-Type and its
//! Cache-Control, the same whether `folio serve` sends it or a bucket does.

/// The Cache-Control of a site path (`post/index.html`, `/post/`, `assets/x.1a2b3c4d.css`).
pub fn cache_control(path: &str, cdn_max_age: u32) -> String {
    if is_fingerprinted(path) {
        // The name changes with the content: keep it forever.
        "public, max-age=31536000, immutable".to_owned()
    } else if is_page(path) {
        // Browsers revalidate every time; the CDN may keep a copy for a while.
        format!("public, max-age=0, must-revalidate, s-maxage={cdn_max_age}")
    } else {
        "public, max-age=3600".to_owned()
    }
}

/// Pages, feeds and the sitemap: what changes in place, under the same name.
pub fn is_page(path: &str) -> bool {
    path.is_empty()
        || path.ends_with('/')
        || path.ends_with(".html")
        || path.ends_with(".xml")
        || path.ends_with(".txt")
}

const RSS: &str = "application/rss+xml";

/// Whether a site path is one of the feeds at Ghost's addresses, `/rss/`,
/// `/tag/{slug}/rss/` and `/author/{slug}/rss/`: an `index.html` that is RSS, so that
/// the address works from any static host that serves a folder's `index.html`.
pub fn is_feed(path: &str) -> bool {
    let path = path.trim_start_matches('/');
    let path = path.strip_suffix("index.html").unwrap_or(path);
    let segments: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    matches!(segments.as_slice(), ["rss"] | ["tag" | "author", _, "rss"])
}

/// The Content-Security-Policy of documents that are not pages but can hold scripts
/// (SVG drawings, XML): opened directly, nothing in them runs on the site's origin.
pub const DOCUMENT_CSP: &str =
    "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; sandbox";

/// Whether a Content-Type is of a document that gets [`DOCUMENT_CSP`].
pub fn is_scriptable_document(kind: &str) -> bool {
    kind.starts_with("image/svg+xml") || kind.contains("xml")
}

/// The Content-Type of a site path; text types say they are UTF-8.
pub fn content_type(path: &str) -> String {
    if is_feed(path) {
        return with_charset(RSS);
    }
    with_charset(
        mime_guess::from_path(path)
            .first_raw()
            .unwrap_or("application/octet-stream"),
    )
}

/// A media type with `charset=utf-8` added when it is text (everything folio writes
/// is UTF-8), so browsers never sniff.
pub fn with_charset(kind: &str) -> String {
    let text = kind.starts_with("text/")
        || kind == "application/xml"
        || kind == RSS
        || kind == "image/svg+xml"
        || kind == "application/javascript"
        || kind == "application/json";
    if text && !kind.contains("charset") {
        format!("{kind}; charset=utf-8")
    } else {
        kind.to_owned()
    }
}

/// Whether a Content-Type is text worth compressing: markup, styles, scripts, data
/// and drawings (images, fonts and media are compressed already).
pub fn is_compressible(kind: &str) -> bool {
    let kind = kind.split(';').next().unwrap_or_default().trim();
    kind.starts_with("text/")
        || kind == "image/svg+xml"
        || kind == "application/javascript"
        || kind == "application/json"
        || kind == "application/manifest+json"
        || kind == "application/xml"
        || kind == "application/atom+xml"
        || kind == RSS
}

/// Whether an output path is a fingerprinted asset (safe to cache forever).
pub fn is_fingerprinted(path: &str) -> bool {
    let Some(rest) = path.trim_start_matches('/').strip_prefix("assets/") else {
        return false;
    };
    let file = rest.rsplit('/').next().unwrap_or(rest);
    file.split('.').any(|part| {
        part.len() == 8
            && part
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn feeds_at_ghost_addresses_are_rss() {
        for feed in [
            "rss/index.html",
            "/rss/",
            "tag/rust/rss/index.html",
            "/author/ada/rss/",
        ] {
            assert_eq!(
                content_type(feed),
                "application/rss+xml; charset=utf-8",
                "{feed}"
            );
        }
        for page in [
            "rss.xml",
            "rss-notes/index.html",
            "tag/rss/index.html",
            "a/rss/index.html",
        ] {
            assert_ne!(
                content_type(page),
                "application/rss+xml; charset=utf-8",
                "{page}"
            );
        }
    }

    #[test]
    fn policies_by_kind_of_file() {
        assert!(cache_control("assets/style.1a2b3c4d.css", 300).contains("immutable"));
        assert!(is_fingerprinted("/assets/css/style.1a2b3c4d.css"));
        assert!(!is_fingerprinted("/assets/style.css"));
        assert!(!is_fingerprinted("/hello/index.html"));
        assert_eq!(
            cache_control("post/index.html", 300),
            "public, max-age=0, must-revalidate, s-maxage=300"
        );
        assert_eq!(cache_control("images/a.png", 300), "public, max-age=3600");
        assert_eq!(content_type("post/index.html"), "text/html; charset=utf-8");
        assert_eq!(content_type("rss.xml"), "text/xml; charset=utf-8");
        assert_eq!(content_type("images/a.png"), "image/png");
    }
}
