//! An author as `authors.yaml` lists them (public profiles only: no e-mail, no
//! account), and the store's author that entry is.

use serde::{Deserialize, Serialize};

use crate::store::users::{Author, Social};

/// An author as `authors.yaml` lists them.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct AuthorEntry {
    pub(super) name: String,
    pub(super) slug: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    bio: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    profile_image: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    website: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    location: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    cover_image: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    twitter: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    facebook: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    bluesky: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    mastodon: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    threads: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    instagram: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    linkedin: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    youtube: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    tiktok: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(super) old_slugs: Vec<String>,
}

impl From<Author> for AuthorEntry {
    fn from(author: Author) -> Self {
        let Social {
            bluesky,
            mastodon,
            threads,
            instagram,
            linkedin,
            youtube,
            tiktok,
        } = author.social;
        AuthorEntry {
            name: author.name,
            slug: author.slug,
            bio: author.bio,
            profile_image: author.profile_image,
            website: author.website,
            location: author.location,
            cover_image: author.cover_image,
            twitter: author.twitter,
            facebook: author.facebook,
            bluesky,
            mastodon,
            threads,
            instagram,
            linkedin,
            youtube,
            tiktok,
            old_slugs: super::site_files::sorted(author.aliases),
        }
    }
}

impl AuthorEntry {
    /// The author, and the slugs the entry says it had.
    pub(super) fn into_author(self) -> (Author, Vec<String>) {
        let author = Author {
            id: 0,
            slug: self.slug,
            name: self.name,
            bio: self.bio,
            profile_image: self.profile_image,
            website: self.website,
            location: self.location,
            cover_image: self.cover_image,
            twitter: self.twitter,
            facebook: self.facebook,
            social: Social {
                bluesky: self.bluesky,
                mastodon: self.mastodon,
                threads: self.threads,
                instagram: self.instagram,
                linkedin: self.linkedin,
                youtube: self.youtube,
                tiktok: self.tiktok,
            },
            aliases: Vec::new(),
        };
        (author, self.old_slugs)
    }
}
