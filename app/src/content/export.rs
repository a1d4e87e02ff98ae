//! A post as a whole Markdown file with YAML front matter (the admin's first write of
//! a post), and `folio export`, a copy of the content folder.

use std::path::Path;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::ContentError;
use crate::disk::atomic::write_if_changed;
use crate::store::{Kind, PostDoc, Status, Store};

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
    /// Always written: no `authors` key reads as the default author.
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

/// `folio export`: the content folder is the site, so an export is a copy of it.
/// Posts the store has without a file (written in the admin before it wrote files)
/// and the tags, authors and settings files are written into the content folder
/// first; then, when `dir` is another folder, every file of the content folder
/// (hidden ones aside) is copied there, those already the same left alone.
pub async fn export_dir(
    store: &Store,
    content: &Path,
    dir: &Path,
    reading: super::save::Reading<'_>,
) -> Result<ExportReport, ContentError> {
    let mut report = ExportReport {
        written: super::save::write_missing(store, content, reading).await?,
        unchanged: 0,
    };
    let same = |a: &Path, b: &Path| match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    };
    if same(content, dir) {
        return Ok(report);
    }
    for (rel, _) in super::hashes(content) {
        let from = content.join(&rel);
        let bytes = std::fs::read(&from).map_err(|source| ContentError::Read {
            path: from.clone(),
            source,
        })?;
        let path = dir.join(&rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|source| ContentError::Write {
                path: parent.to_owned(),
                source,
            })?;
        }
        let written = write_if_changed(&path, &bytes)
            .map_err(|source| ContentError::Write { path, source })?;
        if written {
            report.written += 1;
        } else {
            report.unchanged += 1;
        }
    }
    Ok(report)
}
