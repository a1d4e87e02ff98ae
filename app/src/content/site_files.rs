//! The site's data beside its posts, as files of the content folder: `tags.yaml`
//! (every tag with its slug, profile and old slugs), `authors.yaml` (every author's
//! public profile: no e-mail, no account) and `site.yaml` (the settings saved in the
//! admin: title, description, navigation, code injection...).
//!
//! The admin writes them after each change; an import reads them before the posts,
//! so a post naming a tag finds it with the slug it has (a Ghost slug is not always
//! the one folio would derive from the name). Each is written whole, in a fixed order
//! (by slug; settings by key), so a change is a diff of its own lines only, and a file
//! written and read back changes nothing.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::author_entry::AuthorEntry;
use super::ContentError;
use crate::store::tags::{self, Tag, TagFields};
use crate::store::users::{self, Author};
use crate::store::Connection;

pub const TAGS: &str = "tags.yaml";
pub const AUTHORS: &str = "authors.yaml";
pub const SETTINGS: &str = "site.yaml";

/// A tag as `tags.yaml` lists it.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct TagEntry {
    name: String,
    slug: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    feature_image: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    meta_title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    meta_description: Option<String>,
    /// Slugs it had before a rename: their pages redirect to its own.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    old_slugs: Vec<String>,
}

/// Writes the three files from the store, each only if its text changed.
pub async fn write(conn: &mut Connection, root: &Path) -> Result<(), ContentError> {
    let (tags, authors, settings) = from_store(conn).await?;
    put(root, TAGS, &yaml(&tags, "tags"))?;
    put(root, AUTHORS, &yaml(&authors, "authors"))?;
    put(root, SETTINGS, &yaml(&settings, "settings"))?;
    Ok(())
}

type Settings = BTreeMap<String, serde_json::Value>;

/// What the three files hold of the store: its tags, public profiles and settings.
async fn from_store(
    conn: &mut Connection,
) -> Result<(Vec<TagEntry>, Vec<AuthorEntry>, Settings), ContentError> {
    let tags: Vec<TagEntry> = tags::all(conn).await?.into_iter().map(tag_entry).collect();
    let private = users::unnamed_accounts(conn).await?;
    let authors: Vec<AuthorEntry> = users::all(conn)
        .await?
        .into_iter()
        .filter(|a| !private.contains(&a.id))
        .map(AuthorEntry::from)
        .collect();
    let settings: Settings = crate::store::settings::all(conn)
        .await?
        .into_iter()
        .collect();
    Ok((tags, authors, settings))
}

fn yaml<T: Serialize>(value: &T, what: &str) -> String {
    let body = serde_yaml_ng::to_string(value).unwrap_or_else(|e| panic!("{what} serialize: {e}"));
    format!("# Written by folio from the admin; edits here are read at the next import.\n{body}")
}

/// The files with `tags`, `authors` and `settings` merged into what they hold (a tag
/// or an author by slug, keeping its old slugs; a setting by key; a file not there
/// yet holds what the store has), as the writes of those whose text changes. A Ghost
/// import writes them with its posts and then reads them back, as any import does.
pub async fn merged(
    conn: &mut Connection,
    root: &Path,
    tags: &[TagFields],
    authors: &[Author],
    settings: &[(String, serde_json::Value)],
) -> Result<Vec<(PathBuf, Vec<u8>)>, ContentError> {
    let (store_tags, store_authors, store_settings) = from_store(conn).await?;
    let by_slug = |entries: Vec<TagEntry>| -> BTreeMap<String, TagEntry> {
        entries.into_iter().map(|e| (e.slug.clone(), e)).collect()
    };
    let mut tag_entries = by_slug(read(root, TAGS)?.unwrap_or(store_tags));
    for fields in tags {
        let old_slugs = (tag_entries.remove(&fields.slug))
            .map(|e| e.old_slugs)
            .unwrap_or_default();
        let entry = TagEntry {
            name: fields.name.clone(),
            slug: fields.slug.clone(),
            description: fields.description.clone(),
            feature_image: fields.feature_image.clone(),
            meta_title: fields.meta_title.clone(),
            meta_description: fields.meta_description.clone(),
            old_slugs,
        };
        tag_entries.insert(entry.slug.clone(), entry);
    }
    let mut author_entries: BTreeMap<String, AuthorEntry> = (read(root, AUTHORS)?)
        .unwrap_or(store_authors)
        .into_iter()
        .map(|e: AuthorEntry| (e.slug.clone(), e))
        .collect();
    for author in authors {
        let old_slugs = (author_entries.remove(&author.slug))
            .map(|e| e.old_slugs)
            .unwrap_or_default();
        let mut entry = AuthorEntry::from(author.clone());
        entry.old_slugs = old_slugs;
        author_entries.insert(entry.slug.clone(), entry);
    }
    let mut site: Settings = read(root, SETTINGS)?.unwrap_or(store_settings);
    site.extend(settings.iter().cloned());
    let tag_entries: Vec<TagEntry> = tag_entries.into_values().collect();
    let author_entries: Vec<AuthorEntry> = author_entries.into_values().collect();
    let texts = [
        (TAGS, yaml(&tag_entries, "tags")),
        (AUTHORS, yaml(&author_entries, "authors")),
        (SETTINGS, yaml(&site, "settings")),
    ];
    Ok(texts
        .into_iter()
        .map(|(name, text)| (root.join(name), text.into_bytes()))
        .filter(|(path, bytes)| std::fs::read(path).ok().as_ref() != Some(bytes))
        .collect())
}

/// Writes `text` to `root/name` if it differs.
fn put(root: &Path, name: &str, text: &str) -> Result<(), ContentError> {
    let path = root.join(name);
    crate::disk::atomic::write_if_changed(&path, text.as_bytes())
        .map(|_| ())
        .map_err(|source| ContentError::Write { path, source })
}

fn tag_entry(tag: Tag) -> TagEntry {
    TagEntry {
        name: tag.name,
        slug: tag.slug,
        description: tag.description,
        feature_image: tag.feature_image,
        meta_title: tag.meta_title,
        meta_description: tag.meta_description,
        old_slugs: sorted(tag.aliases),
    }
}

pub(super) fn sorted(mut list: Vec<String>) -> Vec<String> {
    list.sort();
    list
}

/// Reads the files under `root` that are there into the store (in the import's
/// transaction): tags and authors by slug, created or updated, their old slugs
/// added; the settings replaced by the file's. Returns warnings for entries left out.
pub async fn import(
    conn: &mut Connection,
    root: &Path,
    at: DateTime<Utc>,
) -> Result<Vec<String>, ContentError> {
    // Read on every publish: skipped while the files are the ones last read (a
    // restore forgets the record, as it does every `build:` one).
    let mut hasher = blake3::Hasher::new();
    for name in [TAGS, AUTHORS, SETTINGS] {
        let bytes = std::fs::read(root.join(name)).unwrap_or_default();
        hasher
            .update(name.as_bytes())
            .update(&(bytes.len() as u64).to_le_bytes());
        hasher.update(&bytes);
    }
    let hash = hasher.finalize().to_hex().to_string();
    if crate::store::state::get(conn, LAST_READ).await?.as_deref() == Some(hash.as_str()) {
        return Ok(Vec::new());
    }
    let warnings = import_files(conn, root, at).await?;
    crate::store::state::set(conn, LAST_READ, &hash, at).await?;
    Ok(warnings)
}

/// The key under which the store keeps the hash of the files it last read.
const LAST_READ: &str = "build:site_files";

async fn import_files(
    conn: &mut Connection,
    root: &Path,
    at: DateTime<Utc>,
) -> Result<Vec<String>, ContentError> {
    let mut warnings = Vec::new();
    if let Some(entries) = read::<Vec<TagEntry>>(root, TAGS)? {
        import_tags(conn, entries, at, &mut warnings).await?;
    }
    if let Some(entries) = read::<Vec<AuthorEntry>>(root, AUTHORS)? {
        import_authors(conn, entries, at, &mut warnings).await?;
    }
    if let Some(settings) = read::<Settings>(root, SETTINGS)? {
        // One bad setting is left out, not the site.
        let mut kept = Vec::with_capacity(settings.len());
        for (key, value) in settings {
            match check_setting(&key, &value) {
                Ok(()) => kept.push((key, value)),
                Err(m) => warnings.push(format!("{SETTINGS}: {m}: left out")),
            }
        }
        crate::store::settings::replace(conn, &kept, at).await?;
    }
    Ok(warnings)
}

async fn import_tags(
    conn: &mut Connection,
    entries: Vec<TagEntry>,
    at: DateTime<Utc>,
    warnings: &mut Vec<String>,
) -> Result<(), ContentError> {
    for entry in entries {
        if let Err(m) = crate::content::validate_slug(&entry.slug) {
            warnings.push(format!("{TAGS}: tag {:?}: slug {m}: left out", entry.name));
            continue;
        }
        let fields = TagFields {
            name: entry.name,
            slug: entry.slug,
            description: entry.description,
            feature_image: entry.feature_image,
            meta_title: entry.meta_title,
            meta_description: entry.meta_description,
        };
        // A slug changed in the file, the old one listed: a rename, not a new tag.
        match tags::rename_from(conn, &entry.old_slugs, &fields, at).await? {
            Some(Err(refused)) => warnings.push(format!(
                "{TAGS}: tag {:?}: not renamed ({refused:?}): another tag has the name or the slug",
                fields.name
            )),
            Some(Ok(_)) => {}
            None => tags::upsert(conn, &fields, at).await?,
        }
        let left = tags::add_old_slugs(conn, &fields.slug, &entry.old_slugs, at).await?;
        warnings.extend(left.into_iter().map(|s| {
            format!(
                "{TAGS}: tag {:?}: old slug {s:?} is in use: left out",
                fields.name
            )
        }));
    }
    Ok(())
}

async fn import_authors(
    conn: &mut Connection,
    entries: Vec<AuthorEntry>,
    at: DateTime<Utc>,
    warnings: &mut Vec<String>,
) -> Result<(), ContentError> {
    for entry in entries {
        if let Err(m) = crate::content::validate_slug(&entry.slug) {
            warnings.push(format!("{AUTHORS}: {:?}: slug {m}: left out", entry.name));
            continue;
        }
        let (author, old_slugs) = entry.into_author();
        // As for tags: a slug changed, the old one listed, is a rename.
        let fields = users::AuthorFields::from(&author);
        match users::rename_from(conn, &old_slugs, &fields, at).await? {
            Some(Err(refused)) => warnings.push(format!(
                "{AUTHORS}: {:?}: not renamed ({refused:?}): another author has the name or the slug",
                author.name
            )),
            Some(Ok(_)) => {}
            None => users::upsert(conn, &author, None, at).await?,
        }
        let left = users::add_old_slugs(conn, &author.slug, &old_slugs, at).await?;
        warnings.extend(left.into_iter().map(|s| {
            format!(
                "{AUTHORS}: {:?}: old slug {s:?} is in use: left out",
                author.name
            )
        }));
    }
    Ok(())
}

/// Whether `key` is a setting the admin edits (deployment settings stay in
/// `folio.toml`) and `value` one it takes.
fn check_setting(key: &str, value: &serde_json::Value) -> Result<(), String> {
    crate::config::SiteConfig::default()
        .with_settings(&[(key.to_owned(), value.clone())])
        .map(|_| ())
        .map_err(|e| format!("{key}: {e}"))
}

/// Checks `text` as the file `name` (one of [`TAGS`], [`AUTHORS`], [`SETTINGS`]).
pub fn check(name: &str, text: &str) -> Result<(), ContentError> {
    match name {
        TAGS => parse::<Vec<TagEntry>>(name, text).map(|_| ()),
        AUTHORS => parse::<Vec<AuthorEntry>>(name, text).map(|_| ()),
        _ => {
            let settings = parse::<BTreeMap<String, serde_json::Value>>(name, text)?;
            for (key, value) in settings.unwrap_or_default() {
                check_setting(&key, &value).map_err(|message| ContentError::Invalid {
                    path: name.to_owned(),
                    message,
                })?;
            }
            Ok(())
        }
    }
}

/// The file `root/name` parsed, if it is there.
fn read<T: serde::de::DeserializeOwned>(
    root: &Path,
    name: &str,
) -> Result<Option<T>, ContentError> {
    let path = root.join(name);
    match std::fs::read_to_string(&path) {
        Ok(text) => parse(name, &text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(ContentError::Read { path, source }),
    }
}

/// `text` parsed as the file `name`; its line on an error.
fn parse<T: serde::de::DeserializeOwned>(
    name: &str,
    text: &str,
) -> Result<Option<T>, ContentError> {
    // An empty file (or one of comments) lists nothing.
    if text
        .lines()
        .all(|l| l.trim().is_empty() || l.trim_start().starts_with('#'))
    {
        return Ok(None);
    }
    let de = serde_yaml_ng::Deserializer::from_str(text);
    serde_path_to_error::deserialize(de).map(Some).map_err(|e| {
        let line = e.inner().location().map_or(1, |l| l.line());
        ContentError::Syntax {
            path: name.to_owned(),
            line,
            message: format!("{}: {}", e.path(), e.inner()),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_setting_the_admin_does_not_edit_is_left_out_of_the_store_with_a_warning() {
        let dir = tempfile::tempdir().expect("tempdir");
        let text = "title: Mine\nbase_url: https://elsewhere.example\nposts_per_page: many\n";
        std::fs::write(dir.path().join(SETTINGS), text).expect("write");
        assert!(check(SETTINGS, text).is_err());
        let store = crate::store::Store::open(&dir.path().join("folio.db"))
            .await
            .expect("store");
        let mut tx = store.write().await.expect("tx");
        let warnings = import(&mut tx, dir.path(), chrono::Utc::now())
            .await
            .expect("imports");
        let saved = crate::store::settings::all(&mut tx)
            .await
            .expect("settings");
        tx.commit().await.expect("commit");
        assert_eq!(saved, vec![("title".to_owned(), serde_json::json!("Mine"))]);
        assert_eq!(warnings.len(), 2, "{warnings:?}");
        assert!(
            warnings.iter().all(|w| w.starts_with("site.yaml: ")),
            "{warnings:?}"
        );
        store.close().await;
    }

    #[tokio::test]
    async fn a_slug_changed_in_tags_or_authors_yaml_renames_and_keeps_the_old_address() {
        let dir = tempfile::tempdir().expect("tempdir");
        let content = dir.path().join("content");
        std::fs::create_dir_all(content.join("posts")).expect("mkdir");
        let post = "---\ntitle: Borrowing\ndate: 2025-01-01\ntags: [Rust]\n---\nBody.\n";
        std::fs::write(content.join("posts/borrow.md"), post).expect("write");
        let store = crate::store::Store::open(&dir.path().join("folio.db"))
            .await
            .expect("store");
        let now = chrono::Utc::now();
        crate::content::import_dir(&store, &content, false, "Ada", now)
            .await
            .expect("imports");
        let renamed = "- name: Rust lang\n  slug: rust-lang\n  old_slugs: [rust]\n";
        std::fs::write(content.join(TAGS), renamed).expect("write");
        let renamed = "- name: Ada Lovelace\n  slug: ada-lovelace\n  old_slugs: [ada]\n";
        std::fs::write(content.join(AUTHORS), renamed).expect("write");
        let report = crate::content::import_dir(&store, &content, false, "Ada", now)
            .await
            .expect("imports");
        assert!(report.warnings.is_empty(), "{:?}", report.warnings);
        let all = tags::all(&mut store.read().await.expect("conn"))
            .await
            .expect("tags");
        assert_eq!(all.len(), 1, "one tag, renamed: {all:?}");
        assert_eq!(
            (all[0].slug.as_str(), all[0].name.as_str()),
            ("rust-lang", "Rust lang")
        );
        assert_eq!(all[0].aliases, vec!["rust"]);
        let mut conn = store.read().await.expect("conn");
        let authors = users::all(&mut conn).await.expect("authors");
        assert_eq!(authors.len(), 1, "one author, renamed: {authors:?}");
        assert_eq!(authors[0].slug, "ada-lovelace");
        assert_eq!(authors[0].aliases, vec!["ada"]);
        let id = crate::store::posts::id_by_slug(&mut conn, "borrow")
            .await
            .expect("query")
            .expect("the post");
        let post = crate::store::posts::load(&mut conn, id)
            .await
            .expect("load")
            .expect("the post");
        assert_eq!(post.doc.authors, vec!["Ada Lovelace"], "{:?}", post.doc);
        drop(conn);
        store.close().await;
    }
}
