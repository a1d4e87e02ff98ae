//! A Ghost export's posts and pages as folio documents: their tags, authors, SEO
//! fields and old URLs looked up by id, their HTML converted to Markdown, the media
//! they use noted for copying.

use std::collections::HashMap;

use super::export::{self, Data};
use super::{html, GhostOptions, GhostReport, Members};
use crate::content::validate_slug;
use crate::store::{Kind, PostDoc, Status};

/// Where Ghost's editor put the paywall: what comes before it is public.
const MARKER: &str = "<!--members-only-->";
/// The internal tag of a members post imported whole (a draft, or public on purpose).
const MEMBERS_TAG: &str = "#members-only";
pub use crate::store::tags::PREVIEW_TAG;

/// The export's tables by id, as a post's document needs them.
struct Links<'a> {
    tag_names: HashMap<&'a str, &'a str>,
    tag_slugs: HashMap<&'a str, &'a str>,
    user_names: HashMap<&'a str, &'a str>,
    user_slugs: HashMap<&'a str, &'a str>,
    post_tags: HashMap<&'a str, Vec<&'a str>>,
    post_authors: HashMap<&'a str, Vec<&'a str>>,
    metas: HashMap<&'a str, &'a export::PostMeta>,
}

impl<'a> Links<'a> {
    fn of(data: &'a Data) -> Self {
        let by_id = |pairs: Vec<(&'a str, &'a str)>| pairs.into_iter().collect();
        Self {
            tag_names: by_id(
                data.tags
                    .iter()
                    .map(|t| (t.id.as_str(), t.name.as_str()))
                    .collect(),
            ),
            tag_slugs: by_id(
                data.tags
                    .iter()
                    .map(|t| (t.id.as_str(), t.slug.as_str()))
                    .collect(),
            ),
            user_names: by_id(
                data.users
                    .iter()
                    .map(|u| (u.id.as_str(), u.name.as_str()))
                    .collect(),
            ),
            user_slugs: by_id(
                data.users
                    .iter()
                    .map(|u| (u.id.as_str(), u.slug.as_str()))
                    .collect(),
            ),
            post_tags: Data::linked(&data.posts_tags, |l| l.tag_id.as_ref()),
            post_authors: Data::linked(&data.posts_authors, |l| l.author_id.as_ref()),
            metas: data
                .posts_meta
                .iter()
                .map(|m| (m.post_id.as_str(), m))
                .collect(),
        }
    }
}

/// The documents of every post and page, checked; fills the report's per-post notes.
pub(super) fn all(
    data: &Data,
    options: &GhostOptions<'_>,
    report: &mut GhostReport,
) -> Result<Vec<PostDoc>, String> {
    let links = Links::of(data);
    let mut seen: HashMap<&str, &export::Post> = HashMap::new();
    let mut docs = Vec::with_capacity(data.posts.len());
    for post in &data.posts {
        if let Some(other) = seen.insert(&post.slug, post) {
            return Err(format!(
                "two posts have the slug {:?}: {:?} (id {}) and {:?} (id {})",
                post.slug,
                other.title.clone().unwrap_or_default(),
                other.id,
                post.title.clone().unwrap_or_default(),
                post.id
            ));
        }
        docs.push(document(post, &links, options, report)?);
    }
    report.media_missing.sort();
    report.media_missing.dedup();
    Ok(docs)
}

/// The document of one post or page.
fn document(
    post: &export::Post,
    links: &Links,
    options: &GhostOptions<'_>,
    report: &mut GhostReport,
) -> Result<PostDoc, String> {
    let kind = if post.kind.as_deref() == Some("page") {
        Kind::Page
    } else {
        Kind::Post
    };
    let name = format!("{} {:?} (id {})", kind.as_str(), post.slug, post.id);
    validate_slug(&post.slug).map_err(|m| format!("{name}: the slug {m}"))?;
    let mut status = status(post, &name, report)?;
    let mut tags = names(&links.post_tags, &links.tag_names, &post.id);
    let mut html = post.html.as_deref().unwrap_or_default();
    let for_members = matches!(
        post.visibility.as_deref(),
        Some("members" | "paid" | "tiers")
    );
    if for_members {
        report.members_posts.push(post.slug.clone());
        match options.members {
            Members::Draft => {
                tags.push(MEMBERS_TAG.into());
                status = Status::Draft;
            }
            Members::Preview => {
                tags.push(PREVIEW_TAG.into());
                html = match html.find(MARKER) {
                    Some(at) => &html[..at],
                    None => {
                        report.warnings.push(format!(
                            "{name} has no members-only marker in Ghost: only its excerpt is public"
                        ));
                        ""
                    }
                };
            }
            Members::Public => {
                tags.push(MEMBERS_TAG.into());
                report.warnings.push(format!(
                    "{name} was for members only in Ghost and is published whole (--members public)"
                ));
            }
        }
    }
    let authors = names(&links.post_authors, &links.user_names, &post.id);
    let converted = body(post, html, &name, report);
    let mut media = converted.media;
    let mut doc = PostDoc {
        kind,
        slug: post.slug.clone(),
        title: post.title.clone().unwrap_or_default(),
        status,
        published_at: post.published_at,
        updated_at: post.updated_at,
        excerpt: post.custom_excerpt.clone().filter(|s| !s.is_empty()),
        tags,
        authors,
        canonical_url: post.canonical_url.clone().filter(|s| !s.is_empty()),
        codeinjection_head: post.codeinjection_head.clone().filter(|s| !s.is_empty()),
        codeinjection_foot: post.codeinjection_foot.clone().filter(|s| !s.is_empty()),
        featured: post.featured,
        // Feed readers know the post by the guid Ghost's feed gave it: its id.
        feed_id: Some(post.id.clone()),
        markdown: converted.markdown,
        ..PostDoc::default()
    };
    seo_fields(
        &mut doc,
        post,
        links.metas.get(post.id.as_str()).copied(),
        &mut media,
    );
    if let (Some(pattern), Kind::Post) = (options.permalink, doc.kind) {
        if let Some(alias) = old_url(pattern, &doc, post, links) {
            crate::content::validate_alias(&alias)
                .map_err(|m| format!("{name}: the old URL {alias:?} {m}"))?;
            doc.aliases.push(alias);
        }
    }
    note_media(media, &name, report);
    Ok(doc)
}

/// Notes the files `media` (named by what uses them) for copying.
pub(super) fn note_media(media: Vec<String>, name: &str, report: &mut GhostReport) {
    for rel in media {
        // `__GHOST_URL__/content/images/../data/ghost.db` names a file outside the
        // upload folders: never copied, never published.
        match crate::disk::confine::segments(&rel) {
            Ok(_) => report.media_missing.push(rel),
            Err(e) => report
                .warnings
                .push(format!("{name}: a media path was refused: {e}")),
        }
    }
}

/// The names of what `linked` ties to the post `id` (its tags, its authors), in order.
fn names(linked: &HashMap<&str, Vec<&str>>, names: &HashMap<&str, &str>, id: &str) -> Vec<String> {
    linked
        .get(id)
        .into_iter()
        .flatten()
        .filter_map(|id| names.get(id).map(|n| (*n).to_owned()))
        .collect()
}

/// The post's HTML (`body`: all of it, or a members post's public part) as Markdown;
/// what stays HTML is noted in the report.
fn body(post: &export::Post, body: &str, name: &str, report: &mut GhostReport) -> html::Converted {
    if body.trim().is_empty() {
        report.warnings.push(format!("{name} has an empty body"));
    }
    let converted = html::convert(body);
    if let Some((from, to)) = skipped_heading(body) {
        report.warnings.push(format!(
            "{name} goes from a level-{from} heading to a level-{to} one: screen readers \
             announce a missing level (make it level {})",
            from + 1
        ));
    }
    report.portal_links += converted.portal_links;
    if !converted.kept_cards.is_empty() {
        report
            .cards_kept_as_html
            .insert(post.slug.clone(), converted.kept_cards.clone());
    }
    if !converted.kept_elements.is_empty() {
        report
            .elements_kept_as_html
            .insert(post.slug.clone(), converted.kept_elements.clone());
    }
    if converted.html_share > 0 {
        report
            .html_share
            .insert(post.slug.clone(), converted.html_share);
    }
    converted
}

/// The first heading of `html` that is more than one level below the one before it
/// (the page's title is the level-1 heading): the levels, as (before, that one).
fn skipped_heading(html: &str) -> Option<(u8, u8)> {
    static HEADING: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r"(?i)<h([1-6])[\s>]").expect("a valid pattern")
    });
    let mut before = 1;
    for caps in HEADING.captures_iter(html) {
        let level = caps[1].parse::<u8>().unwrap_or(before);
        if level > before + 1 {
            return Some((before, level));
        }
        before = level;
    }
    None
}

/// A post's status in folio: an email-only post becomes a draft.
fn status(post: &export::Post, name: &str, report: &mut GhostReport) -> Result<Status, String> {
    let status = match post.status.as_deref() {
        Some("published") => Status::Published,
        Some("scheduled") => Status::Scheduled,
        Some("draft") | None => Status::Draft,
        Some("sent") => {
            report.warnings.push(format!(
                "{name} was sent by email only: imported as a draft"
            ));
            Status::Draft
        }
        Some(other) => return Err(format!("{name}: unknown status {other:?}")),
    };
    if status == Status::Scheduled && post.published_at.is_none() {
        return Err(format!("{name} is scheduled but has no published_at"));
    }
    Ok(status)
}

/// The featured image and the SEO, Open Graph and Twitter fields: from `posts_meta`
/// (Ghost 4 and later) else from the post; image URLs rewritten into the site, the
/// files they name added to `media`.
fn seo_fields(
    doc: &mut PostDoc,
    post: &export::Post,
    meta: Option<&export::PostMeta>,
    media: &mut Vec<String>,
) {
    let pick = |from_meta: Option<&Option<String>>, from_post: &Option<String>| {
        from_meta
            .and_then(|m| m.clone())
            .or_else(|| from_post.clone())
            .filter(|s: &String| !s.is_empty())
    };
    let mut url = |text: Option<String>| text.map(|t| html::rewrite_urls(&t, media));
    doc.featured_image = url(post.feature_image.clone());
    let text = |value: Option<&Option<String>>| {
        value
            .and_then(|v| v.clone())
            .filter(|v| !v.trim().is_empty())
    };
    doc.featured_image_alt = text(meta.map(|m| &m.feature_image_alt));
    // Ghost's caption is HTML (a link to the photographer): kept, cleaned when shown.
    doc.featured_image_caption = url(text(meta.map(|m| &m.feature_image_caption)));
    doc.og_image = url(pick(meta.map(|m| &m.og_image), &post.og_image));
    doc.twitter_image = url(pick(meta.map(|m| &m.twitter_image), &post.twitter_image));
    doc.meta_title = pick(meta.map(|m| &m.meta_title), &post.meta_title);
    doc.meta_description = pick(meta.map(|m| &m.meta_description), &post.meta_description);
    doc.og_title = pick(meta.map(|m| &m.og_title), &post.og_title);
    doc.og_description = pick(meta.map(|m| &m.og_description), &post.og_description);
    doc.twitter_title = pick(meta.map(|m| &m.twitter_title), &post.twitter_title);
    doc.twitter_description = pick(
        meta.map(|m| &m.twitter_description),
        &post.twitter_description,
    );
}

/// The URL Ghost gave `post` under its permalink pattern, unless it is `/{slug}/`.
fn old_url(pattern: &str, doc: &PostDoc, post: &export::Post, links: &Links) -> Option<String> {
    let primary_tag = links
        .post_tags
        .get(post.id.as_str())
        .and_then(|ids| ids.first())
        .and_then(|id| links.tag_slugs.get(id))
        .copied()
        .unwrap_or("all");
    let primary_author = links
        .post_authors
        .get(post.id.as_str())
        .and_then(|ids| ids.first())
        .and_then(|id| links.user_slugs.get(id))
        .copied()
        .unwrap_or("author");
    permalink(pattern, doc, &post.id, primary_tag, primary_author)
}

/// The URL Ghost gave a post under a custom permalink pattern, unless it is the
/// `/{slug}/` folio uses anyway.
fn permalink(
    pattern: &str,
    doc: &PostDoc,
    id: &str,
    primary_tag: &str,
    primary_author: &str,
) -> Option<String> {
    let date = doc.published_at.unwrap_or_else(chrono::Utc::now);
    let url = pattern
        .replace("{slug}", &doc.slug)
        .replace("{year}", &date.format("%Y").to_string())
        .replace("{month}", &date.format("%m").to_string())
        .replace("{day}", &date.format("%d").to_string())
        .replace("{id}", id)
        .replace("{primary_tag}", primary_tag)
        .replace("{primary_author}", primary_author);
    let url = if url.ends_with('/') {
        url
    } else {
        format!("{url}/")
    };
    (url != format!("/{}/", doc.slug)).then_some(url)
}
