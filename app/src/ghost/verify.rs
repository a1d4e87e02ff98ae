//! `folio import ghost EXPORT --verify`: every address the Ghost site had — posts,
//! pages, tags and authors with posts, their feeds and the site's, the sitemap, every
//! image and file the posts point at — checked against the rendered site: a file, or a
//! redirect to one. Nothing here changes anything.

use std::collections::BTreeSet;
use std::path::Path;

use super::export::Data;
use super::{html, read, GhostError, Members};
use crate::content::redirects::{Matcher, Redirect, SERVED};
use crate::render::views::{author_url, output_path, tag_url};

/// What a verification found.
#[derive(Debug, Default, serde::Serialize)]
pub struct Verified {
    /// Addresses checked.
    pub checked: usize,
    /// Addresses the rendered site has no file or redirect for.
    pub missing: Vec<String>,
    /// Posts for members left unpublished on purpose (`--members draft`), not checked.
    pub members_unpublished: usize,
}

/// Checks the addresses of the Ghost export at `path` against the site in `out`.
pub fn verify(
    path: &Path,
    max_bytes: u64,
    members: Members,
    out: &Path,
) -> Result<Verified, GhostError> {
    let export = read(path, max_bytes)?;
    let (urls, members_unpublished) = addresses(&export.data, members);
    let redirects: Vec<Redirect> = std::fs::read(out.join(SERVED))
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .unwrap_or_default();
    let matcher = Matcher::new(&redirects);
    let exists = |url: &str| {
        let file = file_of(url);
        let decoded = percent_encoding::percent_decode_str(&file).decode_utf8_lossy();
        out.join(&file).is_file() || out.join(decoded.as_ref()).is_file()
    };
    let missing = urls
        .iter()
        .filter(|url| {
            !exists(url)
                && !matcher
                    .find(url)
                    .is_some_and(|(to, _)| to.starts_with("http") || exists(&to))
        })
        .cloned()
        .collect();
    Ok(Verified {
        checked: urls.len(),
        missing,
        members_unpublished,
    })
}

/// The file of the output folder an address is served from: a page's `index.html`,
/// or the file itself (`/sitemap.xml`, `/images/a.jpg`).
fn file_of(url: &str) -> String {
    let last = url.rsplit('/').next().unwrap_or_default();
    if last.contains('.') {
        url.trim_start_matches('/').to_owned()
    } else {
        output_path(url)
    }
}

/// Every address of the Ghost site (root-relative), and how many members' posts are
/// left out of the check on purpose.
fn addresses(data: &Data, members: Members) -> (BTreeSet<String>, usize) {
    let mut urls = BTreeSet::from([
        "/".to_owned(),
        "/rss/".to_owned(),
        "/sitemap.xml".to_owned(),
    ]);
    let tags = Data::linked(&data.posts_tags, |l| l.tag_id.as_ref());
    let authors = Data::linked(&data.posts_authors, |l| l.author_id.as_ref());
    let mut used_tags = BTreeSet::new();
    let mut used_authors = BTreeSet::new();
    let mut left_out = 0;
    for post in &data.posts {
        if post.status.as_deref() != Some("published") {
            continue;
        }
        let for_members = matches!(
            post.visibility.as_deref(),
            Some("members" | "paid" | "tiers")
        );
        if for_members && members == Members::Draft {
            left_out += 1;
            continue;
        }
        urls.insert(format!("/{}/", post.slug));
        // The media of a preview's hidden part is not the site's: only whole posts.
        if !for_members || members == Members::Public {
            let mut media = Vec::new();
            html::rewrite_urls(post.html.as_deref().unwrap_or_default(), &mut media);
            html::rewrite_urls(
                post.feature_image.as_deref().unwrap_or_default(),
                &mut media,
            );
            urls.extend(media.into_iter().map(|rel| format!("/{rel}")));
            for text in [post.html.as_deref(), post.feature_image.as_deref()] {
                old_media(text.unwrap_or_default(), &mut urls);
            }
        }
        if post.kind.as_deref() != Some("page") {
            used_tags.extend(tags.get(post.id.as_str()).into_iter().flatten().copied());
            used_authors.extend(authors.get(post.id.as_str()).into_iter().flatten().copied());
        }
    }
    for tag in data
        .tags
        .iter()
        .filter(|t| used_tags.contains(t.id.as_str()))
    {
        old_media(tag.feature_image.as_deref().unwrap_or_default(), &mut urls);
        if !tag.name.starts_with('#') {
            urls.insert(tag_url(&tag.slug));
            urls.insert(format!("{}rss/", tag_url(&tag.slug)));
        }
    }
    for user in data
        .users
        .iter()
        .filter(|u| used_authors.contains(u.id.as_str()))
    {
        for image in [&user.profile_image, &user.cover_image] {
            old_media(image.as_deref().unwrap_or_default(), &mut urls);
        }
        urls.insert(author_url(&user.slug));
        urls.insert(format!("{}rss/", author_url(&user.slug)));
    }
    (urls, left_out)
}

/// The addresses of Ghost's resized copies of images (`/content/images/size/w600/...`)
/// that the export names, in posts, tags and profiles.
pub(super) fn resized_media(data: &Data) -> BTreeSet<String> {
    let mut urls = BTreeSet::new();
    let posts = data
        .posts
        .iter()
        .flat_map(|p| [p.html.as_deref(), p.feature_image.as_deref()]);
    let tags = data.tags.iter().map(|t| t.feature_image.as_deref());
    let users = data
        .users
        .iter()
        .flat_map(|u| [u.profile_image.as_deref(), u.cover_image.as_deref()]);
    for text in posts.chain(tags).chain(users) {
        old_media(text.unwrap_or_default(), &mut urls);
    }
    urls.retain(|url| url.starts_with("/content/images/size/"));
    urls
}

/// The addresses Ghost served its media at, as `text` names them (resized copies
/// included): shared links, feed readers and hotlinks still ask for them.
fn old_media(text: &str, urls: &mut BTreeSet<String>) {
    static OLD: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r#"__GHOST_URL__(/content/(?:images|files|media)/[^"'\s<>)?#]+)"#)
            .expect("a valid pattern")
    });
    urls.extend(OLD.captures_iter(text).map(|c| c[1].to_owned()));
}
