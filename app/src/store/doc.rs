//! A post or page as every part of folio passes it around: its kind, status and
//! editable document, and the stored post around it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    #[default]
    Post,
    Page,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    #[default]
    Draft,
    Scheduled,
    Published,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Post => "post",
            Kind::Page => "page",
        }
    }

    pub(crate) fn parse(text: &str) -> Option<Self> {
        match text {
            "post" => Some(Kind::Post),
            "page" => Some(Kind::Page),
            _ => None,
        }
    }
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Scheduled => "scheduled",
            Status::Published => "published",
        }
    }

    pub(crate) fn parse(text: &str) -> Option<Self> {
        match text {
            "draft" => Some(Status::Draft),
            "scheduled" => Some(Status::Scheduled),
            "published" => Some(Status::Published),
            _ => None,
        }
    }
}

/// The editable fields of a post or page: what a Markdown file, an export, a revision
/// and the admin API all carry. Field names follow the front matter.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct PostDoc {
    #[serde(rename = "type")]
    pub kind: Kind,
    pub slug: String,
    pub title: String,
    pub status: Status,
    pub published_at: Option<DateTime<Utc>>,
    /// When the content last changed, as the author states it (the sitemap's lastmod).
    pub updated_at: Option<DateTime<Utc>>,
    pub excerpt: Option<String>,
    /// Tag names in order; the first is the primary tag.
    pub tags: Vec<String>,
    /// Author names in order; the first is the primary author.
    pub authors: Vec<String>,
    /// Shown first or marked by themes (Ghost's featured posts).
    pub featured: bool,
    pub featured_image: Option<String>,
    /// The featured image's alt text, for readers who do not see it.
    pub featured_image_alt: Option<String>,
    /// Shown under the featured image (may hold a link: Markdown inline).
    pub featured_image_caption: Option<String>,
    pub meta_title: Option<String>,
    pub meta_description: Option<String>,
    pub canonical_url: Option<String>,
    pub og_title: Option<String>,
    pub og_description: Option<String>,
    pub og_image: Option<String>,
    pub twitter_title: Option<String>,
    pub twitter_description: Option<String>,
    pub twitter_image: Option<String>,
    pub codeinjection_head: Option<String>,
    pub codeinjection_foot: Option<String>,
    /// Old URL paths that redirect to this post.
    pub aliases: Vec<String>,
    /// The guid feeds give the post, when not its permalink: the one its old feed
    /// gave it (a Ghost import keeps Ghost's post id).
    pub feed_id: Option<String>,
    pub markdown: String,
}

/// Who made a change to a post and when: what its revision, its unpublished changes
/// or its trashing record.
#[derive(Debug, Clone, Copy)]
pub struct Change<'a> {
    /// A person (`admin:name`), `import`, `ghost`...
    pub by: &'a str,
    pub at: DateTime<Utc>,
}

/// A post as the store holds it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoredPost {
    pub id: i64,
    pub revision: i64,
    pub doc: PostDoc,
    pub source_path: Option<String>,
    pub source_hash: Option<String>,
    pub archived: bool,
    /// Written by an author: raw HTML in the body is cleaned when rendered.
    pub sanitized: bool,
}
