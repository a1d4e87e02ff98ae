//! What templates see: serializable views of the site, posts, tags, authors and
//! pagination, computed once per build and shared by every page that lists them.

use serde::Serialize;

use crate::config::{NavItem, SiteConfig};
use crate::store::snapshot::{Snapshot, SnapshotPost};
use crate::store::{timestamp, Kind, PostDoc, Status};

/// Words read per minute, for `reading_time`.
pub(crate) const WORDS_PER_MINUTE: usize = 230;

#[derive(Debug, Serialize)]
pub(crate) struct SiteView<'a> {
    pub title: &'a str,
    pub description: &'a str,
    pub base_url: &'a str,
    pub language: &'a str,
    pub navigation: &'a [NavItem],
    pub secondary_navigation: &'a [NavItem],
    pub codeinjection_head: Option<&'a str>,
    pub codeinjection_foot: Option<&'a str>,
    /// Where readers become members (a Ghost site kept for its members), if anywhere.
    pub members_url: Option<&'a str>,
    /// True in a `--drafts` preview build.
    pub preview: bool,
    /// Logo, icon, cover, time zone, meta defaults, the post feed's look.
    pub design: &'a crate::config::Design,
    /// The accent colour where it reads, and the social accounts as links.
    pub branding: super::branding::Branding,
    /// The comments service under posts, if any (`provider` names it).
    pub comments: Option<&'a crate::config::Comments>,
    /// Whether the build made the icon's favicon and touch icon sizes (`icons/`).
    pub icon_sizes: bool,
}

impl<'a> SiteView<'a> {
    pub(crate) fn new(config: &'a SiteConfig, preview: bool) -> Self {
        Self {
            title: &config.title,
            description: &config.description,
            base_url: &config.base_url,
            language: &config.language,
            navigation: &config.navigation,
            secondary_navigation: &config.secondary_navigation,
            codeinjection_head: config.codeinjection_head.as_deref(),
            codeinjection_foot: config.codeinjection_foot.as_deref(),
            members_url: config.members_url.as_deref(),
            preview,
            design: &config.design,
            branding: super::branding::Branding::new(&config.design),
            comments: config.comments.as_ref(),
            icon_sizes: false,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct TagRef {
    pub name: String,
    pub slug: String,
    pub url: String,
    pub description: Option<String>,
    pub feature_image: Option<String>,
    pub meta_title: Option<String>,
    pub meta_description: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct AuthorRef {
    pub name: String,
    pub slug: String,
    pub url: String,
    pub bio: Option<String>,
    pub profile_image: Option<String>,
    pub website: Option<String>,
    pub location: Option<String>,
    pub cover_image: Option<String>,
    /// Their accounts elsewhere, as links.
    pub social: Vec<super::branding::SocialLink>,
}

/// A post as lists show it; the post page adds its `html`.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct PostSummary {
    #[serde(rename = "type")]
    pub kind: Kind,
    pub status: Status,
    pub slug: String,
    pub title: String,
    /// Root-relative, e.g. `/hello/`.
    pub url: String,
    /// Absolute, with the site's base URL.
    pub permalink: String,
    pub excerpt: String,
    /// RFC 3339; format it in templates with Tera's `date` filter.
    pub date: Option<String>,
    pub updated: Option<String>,
    pub featured_image: Option<String>,
    pub featured_image_alt: Option<String>,
    /// HTML, cleaned: Markdown inline (a link to the photographer), whoever wrote it.
    pub featured_image_caption: Option<String>,
    /// The featured image's variants, when it is one of the site's resized images.
    pub featured_image_set: Option<crate::images::html::ImageSet>,
    pub featured: bool,
    /// Public tags only; internal (`#`) tags never reach templates.
    pub tags: Vec<TagRef>,
    pub primary_tag: Option<TagRef>,
    pub authors: Vec<AuthorRef>,
    pub primary_author: Option<AuthorRef>,
    pub word_count: usize,
    pub reading_time: usize,
    /// Only the public part of a post for members is here (a Ghost import with
    /// `--members preview`): the theme says the rest is for members.
    pub members_preview: bool,
}

/// Where a post or page is, root-relative: `/hello/`.
pub(crate) fn post_url(slug: &str) -> String {
    format!("/{slug}/")
}

/// Where a post or page is, absolute: the site's base URL and [`post_url`].
pub(crate) fn permalink(base_url: &str, slug: &str) -> String {
    format!("{base_url}{}", post_url(slug))
}

/// When a post last changed as its author states it (else when it was published),
/// RFC 3339.
pub(crate) fn updated(doc: &PostDoc) -> Option<String> {
    doc.updated_at.or(doc.published_at).map(timestamp)
}

pub(crate) fn tag_url(slug: &str) -> String {
    format!("/tag/{slug}/")
}

pub(crate) fn author_url(slug: &str) -> String {
    format!("/author/{slug}/")
}

pub(crate) fn tag_ref(snapshot: &Snapshot, index: usize) -> TagRef {
    let tag = &snapshot.tags[index];
    TagRef {
        name: tag.name.clone(),
        slug: tag.slug.clone(),
        url: tag_url(&tag.slug),
        description: tag.description.clone(),
        feature_image: safe_link(&tag.feature_image),
        meta_title: tag.meta_title.clone(),
        meta_description: tag.meta_description.clone(),
    }
}

pub(crate) fn author_ref(snapshot: &Snapshot, index: usize) -> AuthorRef {
    let author = &snapshot.authors[index];
    AuthorRef {
        name: author.name.clone(),
        slug: author.slug.clone(),
        url: author_url(&author.slug),
        bio: author.bio.clone(),
        profile_image: safe_link(&author.profile_image),
        website: safe_link(&author.website),
        location: author.location.clone(),
        cover_image: safe_link(&author.cover_image),
        social: author_social(author),
    }
}

/// An account name as Ghost keeps one (`@name`, `page.name`), or the https address of
/// its page: the name alone, or the address; None for anything else.
pub(crate) fn account_name(value: &str) -> Option<&str> {
    let value = value.trim();
    if value.starts_with("https://") {
        // No character that could close the attribute the address is written in.
        let odd = |c: char| c.is_whitespace() || "\"'<>`".contains(c);
        return (is_safe_link(value) && !value.contains(odd)).then_some(value);
    }
    let name = value.trim_start_matches('@');
    let plain = |c: char| c.is_ascii_alphanumeric() || "._-".contains(c);
    (!name.is_empty() && name.len() <= 50 && name.chars().all(plain)).then_some(name)
}

/// An author's accounts elsewhere as links: X, Facebook, then the others.
pub(crate) fn author_social(
    author: &crate::store::users::Author,
) -> Vec<super::branding::SocialLink> {
    let link = |name: &'static str, value: &Option<String>, site: &str| {
        let account = account_name(value.as_deref()?)?;
        let url = if account.starts_with("https://") {
            account.to_owned()
        } else {
            format!("{site}{account}")
        };
        Some(super::branding::SocialLink { name, url })
    };
    let others = author
        .social
        .accounts()
        .into_iter()
        .filter_map(|(network, account)| {
            let url = super::social::page(network, account.as_deref()?)?;
            let name = super::social::label(network);
            Some(super::branding::SocialLink { name, url })
        });
    [
        link("X", &author.twitter, "https://x.com/"),
        link("Facebook", &author.facebook, "https://www.facebook.com/"),
    ]
    .into_iter()
    .flatten()
    .chain(others)
    .collect()
}

pub(crate) fn summarize(snapshot: &Snapshot, post: &SnapshotPost, base_url: &str) -> PostSummary {
    let doc = &post.post.doc;
    let url = post_url(&doc.slug);
    let tags: Vec<TagRef> = post
        .tags
        .iter()
        .filter(|&&t| !snapshot.tags[t].internal)
        .map(|&t| tag_ref(snapshot, t))
        .collect();
    let authors: Vec<AuthorRef> = post
        .authors
        .iter()
        .map(|&a| author_ref(snapshot, a))
        .collect();
    let word_count = post.digest.word_count;
    PostSummary {
        kind: doc.kind,
        status: doc.status,
        slug: doc.slug.clone(),
        title: doc.title.clone(),
        permalink: permalink(base_url, &doc.slug),
        url,
        excerpt: match &doc.excerpt {
            Some(e) if !e.trim().is_empty() => e.trim().to_owned(),
            _ => post.digest.excerpt.clone(),
        },
        date: doc.published_at.map(timestamp),
        updated: updated(doc),
        featured_image: doc.featured_image.clone(),
        featured_image_alt: doc.featured_image_alt.clone(),
        featured_image_caption: doc.featured_image_caption.as_deref().and_then(caption_html),
        featured_image_set: None,
        featured: doc.featured,
        primary_tag: tags.first().cloned(),
        tags,
        primary_author: authors.first().cloned(),
        authors,
        word_count,
        reading_time: word_count.div_ceil(WORDS_PER_MINUTE).max(1),
        members_preview: post
            .tags
            .iter()
            .any(|&t| snapshot.tags[t].name == crate::store::tags::PREVIEW_TAG),
    }
}

/// A caption's Markdown as HTML without its paragraph, cleaned of anything active.
fn caption_html(markdown: &str) -> Option<String> {
    let html = super::sanitize::clean(&super::markdown::to_html(markdown.trim()));
    let html = html.trim();
    let inner = html
        .strip_prefix("<p>")
        .and_then(|h| h.strip_suffix("</p>"))
        .filter(|h| !h.contains("<p>"))
        .unwrap_or(html);
    (!inner.is_empty()).then(|| inner.to_owned())
}

/// Where a list is in its pages.
#[derive(Debug, Serialize)]
pub(crate) struct Paginator {
    pub current: usize,
    pub total: usize,
    pub prev: Option<String>,
    pub next: Option<String>,
}

/// The URL of page `n` (from 1) of the list at `base` (`/` or `/tag/x/`).
pub(crate) fn page_url(base: &str, n: usize) -> String {
    if n <= 1 {
        base.to_owned()
    } else {
        format!("{base}page/{n}/")
    }
}

impl Paginator {
    pub(crate) fn new(base: &str, current: usize, total: usize) -> Self {
        Self {
            current,
            total,
            prev: (current > 1).then(|| page_url(base, current - 1)),
            next: (current < total).then(|| page_url(base, current + 1)),
        }
    }
}
/// Whether `url` may go into an `href` or a `src` as it is: a web address or a path
/// of the site, never a `javascript:` or `data:` URL, nor `//host` (another site that
/// looks like a path).
pub(crate) fn is_safe_link(url: &str) -> bool {
    let lower = url.trim().to_ascii_lowercase();
    let path = lower.starts_with('/') && !lower.starts_with("//") && !lower.starts_with("/\\");
    let web = (lower.starts_with("https://") || lower.starts_with("http://")) && lower.len() > 8;
    (path || web) && !url.chars().any(|c| c.is_control() || c.is_whitespace())
}

/// A link of a profile (a website, an avatar) for a template: left out unless safe,
/// whoever wrote it (a Ghost export, an old store).
fn safe_link(url: &Option<String>) -> Option<String> {
    url.clone().filter(|u| is_safe_link(u))
}

/// `/hello/` -> `hello/index.html`; `/old.html` stays a file.
pub(crate) fn output_path(url: &str) -> String {
    let path = url.trim_start_matches('/');
    if path.is_empty() || path.ends_with('/') {
        format!("{path}index.html")
    } else if path.ends_with(".html") {
        path.to_owned()
    } else {
        format!("{path}/index.html")
    }
}

/// A page that sends browsers and crawlers on to `url`.
pub(crate) fn redirect_page(url: &str, permalink: &str) -> String {
    let mut href = String::new();
    pulldown_cmark_escape::escape_html(&mut href, url).expect("writing to a String cannot fail");
    let mut canonical = String::new();
    pulldown_cmark_escape::escape_html(&mut canonical, permalink)
        .expect("writing to a String cannot fail");
    format!(
        "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>Redirecting…</title>\
         <link rel=\"canonical\" href=\"{canonical}\"><meta name=\"robots\" content=\"noindex\">\
         <meta http-equiv=\"refresh\" content=\"0; url={href}\"></head>\
         <body><p>This page moved to <a href=\"{href}\">{href}</a>.</p></body></html>\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_paths() {
        assert_eq!(output_path("/"), "index.html");
        assert_eq!(output_path("/hello/"), "hello/index.html");
        assert_eq!(output_path("/tag/x/page/2/"), "tag/x/page/2/index.html");
        assert_eq!(output_path("/old/post.html"), "old/post.html");
        assert_eq!(output_path("/old/post"), "old/post/index.html");
    }

    #[test]
    fn only_web_addresses_and_site_paths_are_safe_links() {
        for good in [
            "https://ada.example/",
            "http://x.org/a?b=c",
            "/content/images/a.png",
        ] {
            assert!(is_safe_link(good), "{good}");
        }
        for bad in [
            "javascript:alert(1)",
            " JavaScript:alert(1)",
            "data:text/html,<script>alert(1)</script>",
            "//evil.example/a.png",
            "/\\evil.example",
            "https://",
            "vbscript:x",
            "https://a.example/\nx",
            "relative.png",
        ] {
            assert!(!is_safe_link(bad), "{bad}");
        }
    }
}
