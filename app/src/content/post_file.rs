//! A post as the text of its Markdown file, as the admin writes it.
//!
//! A new file is written whole ([`to_markdown`]). An existing file is patched: only
//! the front matter keys whose value changed are set or removed, through lossless
//! editors of YAML (`yaml-edit`) and TOML (`toml_edit`), so keys, their order,
//! quoting and comments stay as the person wrote them and a one-word edit is a
//! one-line diff. The keys a file already uses are kept (Hugo's `description`,
//! `draft`, a single `author`, Zola's `[taxonomies]`). A patch that would not read
//! back as the document (front matter no editor can patch safely) is replaced by the
//! whole file: the file always says what the store holds.

use std::str::FromStr;

use chrono::{DateTime, Utc};

use super::export::to_markdown;
use super::frontmatter::{self, Defaults};
use crate::store::PostDoc;

/// The text of the file that holds `doc`: `existing` patched, or a new file.
/// `sanitize` marks a post whose HTML is cleaned (written by an author), so a store
/// rebuilt from the files cleans it too.
pub fn file_text(doc: &PostDoc, sanitize: bool, existing: Option<(&str, &Defaults)>) -> String {
    let whole = || to_markdown(doc, sanitize);
    let Some((text, defaults)) = existing else {
        return whole();
    };
    let Ok(old) = frontmatter::parse("", text, defaults) else {
        return whole();
    };
    let Some(patched) = patch(text, &old.doc, old.sanitize, doc, sanitize) else {
        return whole();
    };
    // The patch must read back as the document, or the file would lie.
    match frontmatter::parse("", &patched, defaults) {
        Ok(back) if back.doc == *doc && back.sanitize == sanitize => patched,
        _ => whole(),
    }
}

/// A front matter value as the file writes it.
#[derive(Debug, Clone, PartialEq)]
enum Value {
    Text(String),
    Date(DateTime<Utc>),
    Flag(bool),
    List(Vec<String>),
}

/// One key to set (`Some`) or remove (`None`), and the other names the same field
/// goes by in front matter (removed when the key is set).
struct Change {
    key: &'static str,
    aliases: &'static [&'static str],
    value: Option<Value>,
}

/// The changes that turn `old` into `new`, field by field.
fn changes(old: &PostDoc, new: &PostDoc, sanitize: (bool, bool)) -> Vec<Change> {
    let mut out = Vec::new();
    let mut push = |key, aliases, value: Option<Value>| {
        out.push(Change {
            key,
            aliases,
            value,
        });
    };
    let text = |v: &Option<String>| v.clone().map(Value::Text);
    if old.title != new.title {
        push("title", &[], Some(Value::Text(new.title.clone())));
    }
    if old.slug != new.slug {
        push("slug", &[], Some(Value::Text(new.slug.clone())));
    }
    if old.kind != new.kind {
        push("type", &[], Some(Value::Text(new.kind.as_str().into())));
    }
    if old.status != new.status {
        push(
            "status",
            &["draft"],
            Some(Value::Text(new.status.as_str().into())),
        );
    }
    if old.published_at != new.published_at {
        push("date", &[], new.published_at.map(Value::Date));
    }
    if old.updated_at != new.updated_at {
        push("updated", &[], new.updated_at.map(Value::Date));
    }
    if old.tags != new.tags {
        let list = (!new.tags.is_empty()).then(|| Value::List(new.tags.clone()));
        push("tags", &[], list);
    }
    if old.authors != new.authors {
        push(
            "authors",
            &["author"],
            Some(Value::List(new.authors.clone())),
        );
    }
    if old.excerpt != new.excerpt {
        push("excerpt", &["description"], text(&new.excerpt));
    }
    if old.featured != new.featured {
        push("featured", &[], new.featured.then_some(Value::Flag(true)));
    }
    if old.aliases != new.aliases {
        let list = (!new.aliases.is_empty()).then(|| Value::List(new.aliases.clone()));
        push("aliases", &[], list);
    }
    if sanitize.0 != sanitize.1 {
        push("sanitize", &[], sanitize.1.then_some(Value::Flag(true)));
    }
    out.extend(text_changes(old, new));
    out
}

/// The changes of the optional text fields, each under its own key.
fn text_changes(old: &PostDoc, new: &PostDoc) -> Vec<Change> {
    let optional: [(&'static str, &Option<String>, &Option<String>); 15] = [
        ("featured_image", &old.featured_image, &new.featured_image),
        (
            "featured_image_alt",
            &old.featured_image_alt,
            &new.featured_image_alt,
        ),
        (
            "featured_image_caption",
            &old.featured_image_caption,
            &new.featured_image_caption,
        ),
        ("meta_title", &old.meta_title, &new.meta_title),
        (
            "meta_description",
            &old.meta_description,
            &new.meta_description,
        ),
        ("canonical_url", &old.canonical_url, &new.canonical_url),
        ("og_title", &old.og_title, &new.og_title),
        ("og_description", &old.og_description, &new.og_description),
        ("og_image", &old.og_image, &new.og_image),
        ("twitter_title", &old.twitter_title, &new.twitter_title),
        (
            "twitter_description",
            &old.twitter_description,
            &new.twitter_description,
        ),
        ("twitter_image", &old.twitter_image, &new.twitter_image),
        (
            "codeinjection_head",
            &old.codeinjection_head,
            &new.codeinjection_head,
        ),
        (
            "codeinjection_foot",
            &old.codeinjection_foot,
            &new.codeinjection_foot,
        ),
        ("feed_id", &old.feed_id, &new.feed_id),
    ];
    optional
        .into_iter()
        .filter(|(_, before, after)| before != after)
        .map(|(key, _, after)| Change {
            key,
            aliases: &[],
            value: after.clone().map(Value::Text),
        })
        .collect()
}

/// `text` with its front matter patched from `old` to `new` and `new`'s body, or
/// `None` when the front matter cannot be edited losslessly.
fn patch(
    text: &str,
    old: &PostDoc,
    old_sanitize: bool,
    new: &PostDoc,
    sanitize: bool,
) -> Option<String> {
    let bom = if text.starts_with('\u{feff}') {
        "\u{feff}"
    } else {
        ""
    };
    let text = &text[bom.len()..];
    let (fence, (open, close), header, rest) = split(text)?;
    let changes = changes(old, new, (old_sanitize, sanitize));
    let header = if changes.is_empty() {
        header.to_owned()
    } else if fence == "---" {
        yaml(header, &changes)?
    } else {
        toml(header, &changes)?
    };
    // The parser drops one blank line after the closing fence: keep the file's, and
    // add one when the body itself starts with a line break.
    let blank = if rest.starts_with('\n') || new.markdown.starts_with('\n') {
        "\n"
    } else {
        ""
    };
    let header = if header.is_empty() || header.ends_with('\n') {
        header
    } else {
        header + "\n"
    };
    Some(format!("{bom}{open}{header}{close}{blank}{}", new.markdown))
}

/// The fence, its opening and closing lines as written (line breaks included), the
/// front matter, and what follows the closing line.
type Parts<'a> = (&'static str, (&'a str, &'a str), &'a str, &'a str);

fn split(text: &str) -> Option<Parts<'_>> {
    let fence = ["---", "+++"].into_iter().find(|f| text.starts_with(f))?;
    let first = text.find('\n')?;
    if text[..first].trim_end() != fence {
        return None;
    }
    let (open, rest) = text.split_at(first + 1);
    let mut offset = 0;
    for line in rest.split_inclusive('\n') {
        if line.trim_end() == fence {
            let (header, after) = (&rest[..offset], &rest[offset + line.len()..]);
            return Some((fence, (open, line), header, after));
        }
        offset += line.len();
    }
    None
}

/// YAML front matter with `changes` applied.
fn yaml(header: &str, changes: &[Change]) -> Option<String> {
    use yaml_edit::{Document, YamlValue};
    let doc = Document::from_str(header).ok()?;
    let map = doc.as_mapping()?;
    let scalar = |value: &Value| match value {
        Value::Text(t) => YamlValue::scalar(t.as_str()),
        Value::Date(d) => YamlValue::scalar(crate::store::timestamp(*d)),
        Value::Flag(b) => YamlValue::scalar(*b),
        Value::List(items) => YamlValue::Sequence(
            items
                .iter()
                .map(|i| YamlValue::scalar(i.as_str()))
                .collect(),
        ),
    };
    for change in changes {
        let present = |k: &str| map.get(k).is_some();
        match &change.value {
            None => {
                for key in std::iter::once(&change.key).chain(change.aliases) {
                    map.remove(*key);
                }
            }
            // A single `author` stays one while the post has one author.
            Some(Value::List(items)) if change.key == "authors" && present("author") => {
                if let [one] = items.as_slice() {
                    map.set("author", YamlValue::scalar(one.as_str()));
                } else {
                    map.remove("author");
                    map.set("authors", scalar(&Value::List(items.clone())));
                }
            }
            Some(Value::Text(t)) if change.key == "excerpt" && present("description") => {
                map.set("description", YamlValue::scalar(t.as_str()));
            }
            Some(value) => {
                for alias in change.aliases {
                    map.remove(*alias);
                }
                map.set(change.key, scalar(value));
            }
        }
    }
    Some(doc.to_string())
}

/// TOML front matter with `changes` applied.
fn toml(header: &str, changes: &[Change]) -> Option<String> {
    use toml_edit::{value, Array, DocumentMut, Item};
    let mut doc = DocumentMut::from_str(header).ok()?;
    let item = |v: &Value| -> Option<Item> {
        Some(match v {
            Value::Text(t) => value(t.as_str()),
            Value::Date(d) => {
                value(toml_edit::Datetime::from_str(&crate::store::timestamp(*d)).ok()?)
            }
            Value::Flag(b) => value(*b),
            Value::List(items) => value(items.iter().map(String::as_str).collect::<Array>()),
        })
    };
    for change in changes {
        let zola_tags = change.key == "tags"
            && !doc.contains_key("tags")
            && doc
                .get("taxonomies")
                .and_then(Item::as_table_like)
                .is_some_and(|t| t.contains_key("tags"));
        match &change.value {
            None if zola_tags => {
                doc["taxonomies"].as_table_like_mut()?.remove("tags");
            }
            None => {
                for key in std::iter::once(&change.key).chain(change.aliases) {
                    doc.remove(key);
                }
            }
            Some(v) if zola_tags => doc["taxonomies"]["tags"] = item(v)?,
            Some(Value::List(items)) if change.key == "authors" && doc.contains_key("author") => {
                if let [one] = items.as_slice() {
                    doc["author"] = value(one.as_str());
                } else {
                    doc.remove("author");
                    doc["authors"] = item(&Value::List(items.clone()))?;
                }
            }
            Some(Value::Text(t)) if change.key == "excerpt" && doc.contains_key("description") => {
                doc["description"] = value(t.as_str());
            }
            Some(v) => {
                for alias in change.aliases {
                    doc.remove(alias);
                }
                doc[change.key] = item(v)?;
            }
        }
    }
    Some(doc.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{Kind, Status};

    fn defaults() -> Defaults<'static> {
        Defaults {
            slug: "hello".into(),
            kind: Kind::Post,
            author: "Ada",
            now: "2026-01-01T00:00:00Z".parse().expect("a date"),
        }
    }

    fn read(text: &str) -> PostDoc {
        frontmatter::parse("", text, &defaults())
            .expect("parses")
            .doc
    }

    /// Lines that differ between two texts (a crude `git diff --stat`).
    fn changed_lines(a: &str, b: &str) -> usize {
        let (a, b): (Vec<_>, Vec<_>) = (a.lines().collect(), b.lines().collect());
        let same_len = a.len() == b.len();
        assert!(same_len, "line count changed:\n{a:?}\n{b:?}");
        a.iter().zip(&b).filter(|(x, y)| x != y).count()
    }

    #[test]
    fn a_one_word_edit_is_a_one_line_diff_and_keeps_the_files_style() {
        let text = "---\n# written by hand\ntitle: \"Hello: world\"  # the title\n\
                    description: Short.\ntags: [Rust, 'K3s']\nauthor: Mara\n\
                    date: 2024-01-02\n---\n\nFirst paragraph.\n\nSecond one.\n";
        let mut doc = read(text);
        doc.markdown = doc.markdown.replace("Second", "Last");
        let out = file_text(&doc, false, Some((text, &defaults())));
        assert_eq!(changed_lines(text, &out), 1, "{out}");
        doc.excerpt = Some("Longer.".into());
        let out = file_text(&doc, false, Some((text, &defaults())));
        assert_eq!(changed_lines(text, &out), 2, "{out}");
        assert!(out.contains("description: Longer."), "{out}");
        assert!(
            out.contains("title: \"Hello: world\"  # the title"),
            "{out}"
        );
        assert_eq!(read(&out), doc);
    }

    #[test]
    fn a_file_written_and_read_back_is_left_as_it_is() {
        for text in [
            "---\ntitle: A\nslug: hello\n---\nBody.\n",
            "+++\ntitle = \"A\"\n[taxonomies]\ntags = [\"x\"]\n+++\n\nBody.\n",
            "\u{feff}---\r\ntitle: A\r\n---\r\nBody.\r\n",
        ] {
            let doc = read(text);
            assert_eq!(file_text(&doc, false, Some((text, &defaults()))), text);
        }
        let doc = read("---\ntitle: A\n---\nB\n");
        let whole = file_text(&doc, true, None);
        assert_eq!(file_text(&doc, true, Some((&whole, &defaults()))), whole);
    }

    #[test]
    fn every_changed_field_reads_back_in_yaml_and_toml() {
        let yaml = "---\ntitle: A\ndraft: true\nauthor: Mara\n---\nB\n";
        let toml = "+++\ntitle = \"A\"\ndraft = true\n[taxonomies]\ntags = [\"x\"]\n+++\nB\n";
        for text in [yaml, toml] {
            let mut doc = read(text);
            doc.title = "New: title".into();
            doc.slug = "new-slug".into();
            doc.status = Status::Published;
            doc.published_at = Some("2025-05-05T05:05:05Z".parse().expect("a date"));
            doc.tags = vec!["Rust".into(), "Ops: yes".into()];
            doc.authors = vec!["Mara".into(), "Ada".into()];
            doc.excerpt = Some("Line one\nline two".into());
            doc.featured = true;
            doc.og_title = Some("O".into());
            let out = file_text(&doc, true, Some((text, &defaults())));
            let back = frontmatter::parse("", &out, &defaults()).expect("parses");
            assert_eq!(back.doc, doc, "{out}");
            assert!(back.sanitize, "{out}");
            // A patch, not a rewrite: the file's own keys are still there.
            assert!(!out.contains("type:") && !out.contains("type ="), "{out}");
        }
    }

    #[test]
    fn front_matter_no_editor_can_patch_is_written_whole() {
        let text = "---\ntitle: &a A\nog_title: *a\n---\nB\n";
        let mut doc = read(text);
        doc.title = "C".into();
        let out = file_text(&doc, false, Some((text, &defaults())));
        assert_eq!(read(&out), doc, "{out}");
    }
}
