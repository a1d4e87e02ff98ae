//! The head of every page: title, description, canonical URL, Open Graph and
//! Twitter card fields, and JSON-LD for articles. Themes print what this computes.

use serde::Serialize;
use serde_json::json;

use super::views::{PostSummary, SiteView};
use crate::store::PostDoc;

#[derive(Debug, Serialize)]
pub(crate) struct Seo {
    pub title: String,
    pub description: String,
    pub canonical: String,
    pub og_type: &'static str,
    pub og_title: String,
    pub og_description: String,
    pub image: Option<String>,
    pub twitter_card: &'static str,
    pub twitter_title: String,
    pub twitter_description: String,
    pub twitter_image: Option<String>,
    pub published_time: Option<String>,
    pub modified_time: Option<String>,
    /// A `<script type="application/ld+json">` body, safe to print unescaped.
    pub json_ld: Option<String>,
    /// Pages a search engine should not index (404, previews).
    pub noindex: bool,
}

/// `url` made absolute against the site's base URL.
pub(crate) fn absolute(base_url: &str, url: &str) -> String {
    if url.starts_with("http://") || url.starts_with("https://") {
        url.to_owned()
    } else {
        format!("{base_url}/{}", url.trim_start_matches('/'))
    }
}

fn non_empty(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

/// JSON for a `<script>` element: `<` escaped so no `</script>` can end it early.
fn script_json(value: &serde_json::Value) -> String {
    value.to_string().replace('<', "\\u003c")
}

/// For a list page (home, tag, author).
pub(crate) fn for_list(site: &SiteView, title: String, description: String, url: &str) -> Seo {
    let canonical = absolute(site.base_url, url);
    let json_ld = json!({
        "@context": "https://schema.org",
        "@type": "WebSite",
        "name": site.title,
        "url": canonical,
        "description": description,
    });
    let mut seo = Seo {
        og_title: title.clone(),
        twitter_title: title.clone(),
        og_description: description.clone(),
        twitter_description: description.clone(),
        title,
        description,
        canonical,
        og_type: "website",
        image: None,
        twitter_card: "summary",
        twitter_image: None,
        published_time: None,
        modified_time: None,
        json_ld: Some(script_json(&json_ld)),
        noindex: site.preview,
    };
    // The home's cover is its picture; any list falls back to the site's default.
    let cover = (url == "/").then_some(site.design.cover_image.as_deref());
    seo.with_image(site, cover.flatten());
    seo
}

/// The image the site shares a page with when the page has none of its own.
fn default_image(site: &SiteView) -> Option<String> {
    non_empty(&site.design.og_image).map(|i| absolute(site.base_url, i))
}

impl Seo {
    /// Shared with `image` (a site path or URL), else the site's default image.
    pub(crate) fn with_image(&mut self, site: &SiteView, image: Option<&str>) {
        let image = image
            .map(str::trim)
            .filter(|i| !i.is_empty())
            .map(|i| absolute(site.base_url, i))
            .or_else(|| default_image(site));
        if image.is_some() {
            self.twitter_card = "summary_large_image";
        }
        self.image.clone_from(&image);
        self.twitter_image = image;
    }
}

/// For a post or page, honouring its meta, Open Graph and Twitter overrides.
pub(crate) fn for_post(site: &SiteView, post: &PostSummary, doc: &PostDoc) -> Seo {
    let title = non_empty(&doc.meta_title).unwrap_or(&post.title).to_owned();
    let description = non_empty(&doc.meta_description)
        .unwrap_or(&post.excerpt)
        .to_owned();
    let canonical = non_empty(&doc.canonical_url)
        .map(|c| absolute(site.base_url, c))
        .unwrap_or_else(|| post.permalink.clone());
    let image = non_empty(&doc.og_image)
        .or(post.featured_image.as_deref())
        .map(|i| absolute(site.base_url, i))
        .or_else(|| default_image(site));
    let twitter_image = non_empty(&doc.twitter_image)
        .map(|i| absolute(site.base_url, i))
        .or_else(|| image.clone());
    let json_ld = json!({
        "@context": "https://schema.org",
        "@type": "Article",
        "headline": post.title,
        "description": description,
        "url": canonical,
        "mainEntityOfPage": canonical,
        "datePublished": post.date,
        "dateModified": post.updated,
        "image": image,
        "author": post.authors.iter().map(|a| json!({
            "@type": "Person",
            "name": a.name,
            "url": absolute(site.base_url, &a.url),
        })).collect::<Vec<_>>(),
        "publisher": { "@type": "Organization", "name": site.title, "url": site.base_url },
        "keywords": post.tags.iter().map(|t| t.name.as_str()).collect::<Vec<_>>().join(", "),
    });
    Seo {
        og_title: non_empty(&doc.og_title).unwrap_or(&title).to_owned(),
        og_description: non_empty(&doc.og_description)
            .unwrap_or(&description)
            .to_owned(),
        twitter_title: non_empty(&doc.twitter_title).unwrap_or(&title).to_owned(),
        twitter_description: non_empty(&doc.twitter_description)
            .unwrap_or(&description)
            .to_owned(),
        twitter_card: if twitter_image.is_some() {
            "summary_large_image"
        } else {
            "summary"
        },
        title,
        description,
        canonical,
        og_type: "article",
        image,
        twitter_image,
        published_time: post.date.clone(),
        modified_time: post.updated.clone(),
        json_ld: Some(script_json(&json_ld)),
        noindex: site.preview,
    }
}
