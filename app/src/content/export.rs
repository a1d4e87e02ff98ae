//! `folio export`: the store back to Markdown files with YAML front matter, so posts
//! edited in the admin can be committed to Git. Importing the export changes nothing.

use std::path::Path;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::ContentError;
use crate::disk::atomic::write_if_changed;
use crate::store::{posts, Kind, PostDoc, Status, Store};

/// What an export did.
#[derive(Debug, Default, Clone, PartialEq, Serialize)]
pub struct ExportReport {
    pub written: usize,
    pub unchanged: usize,
}

/// Front matter as export writes it: every field the store holds, empty ones left out.
#[derive(Serialize)]
struct ExportedFront<'a> {
    title: &'a str,
    slug: &'a str,
    #[serde(rename = "type")]
    kind: Kind,
    status: Status,
    #[serde(skip_serializing_if = "Option::is_none")]
    date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    updated: Option<String>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    tags: &'a [String],
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    authors: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    excerpt: &'a Option<String>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    featured: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    featured_image: &'a Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    featured_image_alt: &'a Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    featured_image_caption: &'a Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    meta_title: &'a Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    meta_description: &'a Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    canonical_url: &'a Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    og_title: &'a Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    og_description: &'a Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    og_image: &'a Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    twitter_title: &'a Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    twitter_description: &'a Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    twitter_image: &'a Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    codeinjection_head: &'a Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    codeinjection_foot: &'a Option<String>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    aliases: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    feed_id: &'a Option<String>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    sanitize: bool,
}

/// The file text for one post: front matter, then the Markdown body unchanged.
/// `sanitize`: the post's HTML is cleaned (an author wrote it).
pub fn to_markdown(doc: &PostDoc, sanitize: bool) -> String {
    let date = |d: Option<DateTime<Utc>>| d.map(crate::store::timestamp);
    let front = ExportedFront {
        title: &doc.title,
        slug: &doc.slug,
        kind: doc.kind,
        status: doc.status,
        date: date(doc.published_at),
        updated: date(doc.updated_at),
        tags: &doc.tags,
        authors: &doc.authors,
        excerpt: &doc.excerpt,
        featured: doc.featured,
        featured_image: &doc.featured_image,
        featured_image_alt: &doc.featured_image_alt,
        featured_image_caption: &doc.featured_image_caption,
        meta_title: &doc.meta_title,
        meta_description: &doc.meta_description,
        canonical_url: &doc.canonical_url,
        og_title: &doc.og_title,
        og_description: &doc.og_description,
        og_image: &doc.og_image,
        twitter_title: &doc.twitter_title,
        twitter_description: &doc.twitter_description,
        twitter_image: &doc.twitter_image,
        codeinjection_head: &doc.codeinjection_head,
        codeinjection_foot: &doc.codeinjection_foot,
        aliases: &doc.aliases,
        feed_id: &doc.feed_id,
        sanitize,
    };
    let yaml = serde_yaml_ng::to_string(&front).expect("front matter serializes");
    // The blank line after the fence is dropped by the parser, so any body round-trips.
    format!("---\n{yaml}---\n\n{}", doc.markdown)
}

/// Writes every post and page not archived under `dir`: at the path it was imported
/// from, else `posts/<slug>.md` or `pages/<slug>.md`. Files whose text is already
/// right are left alone.
pub async fn export_dir(store: &Store, dir: &Path) -> Result<ExportReport, ContentError> {
    let mut conn = store.read().await?;
    let all = posts::load_all(&mut conn).await?;
    drop(conn);
    let mut report = ExportReport::default();
    for post in all {
        let rel = post
            .source_path
            .clone()
            .unwrap_or_else(|| match post.doc.kind {
                Kind::Post => format!("posts/{}.md", post.doc.slug),
                Kind::Page => format!("pages/{}.md", post.doc.slug),
            });
        let path = dir.join(&rel);
        let written = write_if_changed(&path, to_markdown(&post.doc, post.sanitized).as_bytes())
            .map_err(|source| ContentError::Write { path, source })?;
        if written {
            report.written += 1;
        } else {
            report.unchanged += 1;
        }
    }
    Ok(report)
}
