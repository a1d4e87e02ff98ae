//! The Ghost JSON export (`{"db":[{"meta":{...},"data":{...}}]}`, the `db` wrapper
//! optional), as far as folio reads it. Unknown tables and fields are ignored.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::Deserialize;

/// An export in Ghost's wrapper: `{"db": [export]}`.
#[derive(Debug, Deserialize)]
pub(super) struct Wrapped {
    pub db: Vec<Export>,
}

/// What a file is, read without keeping any of its values: wrapped or not, its
/// version, and whether it has a posts table.
#[derive(Debug, Deserialize)]
pub(super) struct Shape {
    pub db: Option<Vec<ShapeOf>>,
    pub meta: Option<ShapeMeta>,
    pub data: Option<ShapeData>,
}

#[derive(Debug, Deserialize)]
pub(super) struct ShapeOf {
    pub meta: Option<ShapeMeta>,
    pub data: Option<ShapeData>,
}

#[derive(Debug, Deserialize)]
pub(super) struct ShapeMeta {
    pub version: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(super) struct ShapeData {
    pub posts: Option<serde::de::IgnoredAny>,
}

#[derive(Debug, Deserialize)]
pub(super) struct Export {
    pub meta: Meta,
    pub data: Data,
}

#[derive(Debug, Deserialize)]
pub(super) struct Meta {
    pub version: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct Data {
    pub posts: Vec<Post>,
    pub posts_meta: Vec<PostMeta>,
    pub tags: Vec<Tag>,
    pub posts_tags: Vec<Link>,
    pub users: Vec<User>,
    pub posts_authors: Vec<Link>,
    pub roles: Vec<RoleRow>,
    pub roles_users: Vec<RoleUser>,
    pub settings: Vec<Setting>,
}

/// A row of `posts`; in Ghost 3 and older exports the SEO fields live here too.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct Post {
    pub id: String,
    pub uuid: Option<String>,
    pub title: Option<String>,
    pub slug: String,
    pub html: Option<String>,
    pub lexical: Option<String>,
    pub mobiledoc: Option<String>,
    pub feature_image: Option<String>,
    /// `true`/`false`, or `1`/`0` from SQLite-backed Ghost sites.
    #[serde(deserialize_with = "flag")]
    pub featured: bool,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub status: Option<String>,
    pub visibility: Option<String>,
    #[serde(deserialize_with = "date")]
    pub published_at: Option<DateTime<Utc>>,
    #[serde(deserialize_with = "date")]
    pub updated_at: Option<DateTime<Utc>>,
    pub custom_excerpt: Option<String>,
    pub codeinjection_head: Option<String>,
    pub codeinjection_foot: Option<String>,
    pub canonical_url: Option<String>,
    pub meta_title: Option<String>,
    pub meta_description: Option<String>,
    pub og_image: Option<String>,
    pub og_title: Option<String>,
    pub og_description: Option<String>,
    pub twitter_image: Option<String>,
    pub twitter_title: Option<String>,
    pub twitter_description: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct PostMeta {
    pub post_id: String,
    pub feature_image_alt: Option<String>,
    pub feature_image_caption: Option<String>,
    pub meta_title: Option<String>,
    pub meta_description: Option<String>,
    pub og_image: Option<String>,
    pub og_title: Option<String>,
    pub og_description: Option<String>,
    pub twitter_image: Option<String>,
    pub twitter_title: Option<String>,
    pub twitter_description: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct Tag {
    pub id: String,
    pub name: String,
    pub slug: String,
    pub description: Option<String>,
    pub feature_image: Option<String>,
    pub meta_title: Option<String>,
    pub meta_description: Option<String>,
}

/// A row of `roles`: Ghost's staff roles and its integrations' ones.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct RoleRow {
    pub id: String,
    pub name: String,
}

/// A row of `roles_users`: which role a staff user has.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct RoleUser {
    pub role_id: String,
    pub user_id: String,
}

/// A row of `posts_tags` or `posts_authors`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct Link {
    pub post_id: String,
    pub tag_id: Option<String>,
    pub author_id: Option<String>,
    pub sort_order: Option<i64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct User {
    pub id: String,
    pub name: String,
    pub slug: String,
    pub email: Option<String>,
    pub bio: Option<String>,
    pub profile_image: Option<String>,
    pub cover_image: Option<String>,
    pub website: Option<String>,
    pub location: Option<String>,
    pub twitter: Option<String>,
    pub facebook: Option<String>,
    // Ghost 6's other networks.
    pub bluesky: Option<String>,
    pub mastodon: Option<String>,
    pub threads: Option<String>,
    pub instagram: Option<String>,
    pub linkedin: Option<String>,
    pub youtube: Option<String>,
    pub tiktok: Option<String>,
}

impl User {
    /// The other networks' accounts, as folio keeps them.
    pub(super) fn social(&self) -> crate::store::users::Social {
        crate::store::users::Social {
            bluesky: self.bluesky.clone(),
            mastodon: self.mastodon.clone(),
            threads: self.threads.clone(),
            instagram: self.instagram.clone(),
            linkedin: self.linkedin.clone(),
            youtube: self.youtube.clone(),
            tiktok: self.tiktok.clone(),
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct Setting {
    pub key: String,
    pub value: Option<serde_json::Value>,
}

impl Data {
    /// A setting's value as text.
    pub(super) fn setting(&self, key: &str) -> Option<String> {
        self.settings
            .iter()
            .find(|s| s.key == key)
            .and_then(|s| match &s.value {
                Some(serde_json::Value::String(text)) => Some(text.clone()),
                _ => None,
            })
    }

    /// For each post id, the ids a link table gives it, in order.
    pub(super) fn linked(
        links: &[Link],
        other: fn(&Link) -> Option<&String>,
    ) -> HashMap<&str, Vec<&str>> {
        let mut sorted: Vec<&Link> = links.iter().collect();
        sorted.sort_by_key(|l| l.sort_order.unwrap_or(0));
        let mut map: HashMap<&str, Vec<&str>> = HashMap::new();
        for link in sorted {
            if let Some(id) = other(link) {
                map.entry(&link.post_id).or_default().push(id);
            }
        }
        map
    }
}

/// Ghost writes dates as RFC 3339 (`2021-03-24T04:47:29.000Z`, MySQL) or as
/// `2025-05-18 08:30:00` (SQLite), both UTC.
fn flag<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<bool, D::Error> {
    Ok(match serde_json::Value::deserialize(deserializer)? {
        serde_json::Value::Bool(b) => b,
        serde_json::Value::Number(n) => n.as_i64().is_some_and(|n| n != 0),
        serde_json::Value::String(s) => matches!(s.as_str(), "1" | "true"),
        _ => false,
    })
}

fn date<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<DateTime<Utc>>, D::Error> {
    let Some(text) = Option::<String>::deserialize(deserializer)? else {
        return Ok(None);
    };
    if let Ok(date) = DateTime::parse_from_rfc3339(&text) {
        return Ok(Some(date.with_timezone(&Utc)));
    }
    chrono::NaiveDateTime::parse_from_str(&text, "%Y-%m-%d %H:%M:%S%.f")
        .map(|naive| Some(naive.and_utc()))
        .map_err(|_| serde::de::Error::custom(format!("not a date: {text:?}")))
}
