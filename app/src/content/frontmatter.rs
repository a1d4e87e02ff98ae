//! One Markdown file to a [`PostDoc`]: YAML (`---`) or TOML (`+++`) front matter
//! with the field names of Ghost, Hugo and Zola, and the body after it.

use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde::Deserialize;

use super::front_errors::{at_key, yaml_error};
use super::{is_reserved, validate_alias, validate_slug, ContentError};
use crate::store::{Kind, PostDoc, Status};

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct FrontMatter {
    title: Option<String>,
    slug: Option<String>,
    date: Option<DateValue>,
    updated: Option<DateValue>,
    tags: Vec<String>,
    /// Zola keeps tags under `[taxonomies]`.
    taxonomies: Option<Taxonomies>,
    draft: Option<bool>,
    status: Option<String>,
    excerpt: Option<String>,
    /// Hugo's and Zola's name for the excerpt.
    description: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    featured: bool,
    featured_image: Option<String>,
    featured_image_alt: Option<String>,
    featured_image_caption: Option<String>,
    feed_id: Option<String>,
    author: Option<String>,
    /// `authors: []` says the post has none; no key at all, the default author.
    authors: Option<Vec<String>>,
    canonical_url: Option<String>,
    meta_title: Option<String>,
    meta_description: Option<String>,
    og_title: Option<String>,
    og_description: Option<String>,
    og_image: Option<String>,
    twitter_title: Option<String>,
    twitter_description: Option<String>,
    twitter_image: Option<String>,
    codeinjection_head: Option<String>,
    codeinjection_foot: Option<String>,
    aliases: Vec<String>,
    /// The post's HTML is cleaned when rendered: it was written by an author.
    sanitize: bool,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Taxonomies {
    tags: Vec<String>,
}

/// A date as YAML (a string) or TOML (a native datetime) gives it.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum DateValue {
    Toml(toml::value::Datetime),
    Text(String),
}

/// What a file parses to, with the warnings (unknown keys) it raised.
#[derive(Debug)]
pub struct ParsedFile {
    pub doc: PostDoc,
    /// `sanitize: true`: raw HTML in the post is cleaned (an author wrote it).
    pub sanitize: bool,
    pub warnings: Vec<String>,
}

/// What a file's fields default to when its front matter says nothing.
pub struct Defaults<'a> {
    /// The slug when the front matter has none: the file name, slugified.
    pub slug: String,
    pub kind: Kind,
    pub author: &'a str,
    pub now: DateTime<Utc>,
}

/// Parses `text`, the content of the file `path` (used in messages only).
pub fn parse(path: &str, text: &str, defaults: &Defaults) -> Result<ParsedFile, ContentError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let (format, header, body) = split(text).ok_or_else(|| ContentError::Invalid {
        path: path.to_owned(),
        message: "no front matter: the file must start with `---` (YAML) or `+++` (TOML) \
                  and close it with the same line"
            .into(),
    })?;
    check_shape(path, header)?;
    let mut unknown = BTreeSet::new();
    let mut front: FrontMatter = match format {
        Format::Yaml => {
            let de = serde_yaml_ng::Deserializer::from_str(header);
            serde_ignored::deserialize(de, |p| {
                unknown.insert(p.to_string());
            })
            .map_err(|e| yaml_error(path, &e))?
        }
        Format::Toml => {
            let de = toml::Deserializer::new(header);
            serde_ignored::deserialize(de, |p| {
                unknown.insert(p.to_string());
            })
            .map_err(|e| {
                let line = e
                    .span()
                    .map_or(0, |s| header[..s.start].matches('\n').count())
                    + 2;
                let message = e.message().trim().replace('\n', ": ");
                ContentError::Syntax {
                    path: path.to_owned(),
                    line,
                    message: format!("invalid TOML front matter: {message}"),
                }
            })?
        }
    };
    let mut warnings: Vec<String> = unknown
        .into_iter()
        .map(|key| format!("{path}: unknown front matter key `{key}` (ignored)"))
        .collect();
    // One bad alias leaves that alias out, not the post.
    front.aliases.retain(|alias| match validate_alias(alias) {
        Ok(()) => true,
        Err(m) => {
            warnings.push(format!("{path}: alias {alias:?} {m}: left out"));
            false
        }
    });
    let sanitize = front.sanitize;
    let doc = into_doc((path, header), front, body, defaults)?;
    Ok(ParsedFile {
        doc,
        sanitize,
        warnings,
    })
}

/// `front` as a post; `header` is the front matter's text, for the line of a field
/// that is wrong.
fn into_doc(
    (path, header): (&str, &str),
    front: FrontMatter,
    body: &str,
    defaults: &Defaults,
) -> Result<PostDoc, ContentError> {
    let invalid = |message: String| ContentError::Invalid {
        path: path.to_owned(),
        message,
    };
    // A field that is wrong is named with its line, as a syntax error is.
    let wrong = |key: &'static str| at_key(path, header, key);
    let title = front
        .title
        .filter(|t| !t.trim().is_empty())
        .ok_or_else(|| invalid("missing `title`".into()))?;
    let slug = slug(front.slug, defaults).map_err(wrong("slug"))?;
    if is_reserved(&slug) {
        return Err(ContentError::ReservedSlug {
            path: path.to_owned(),
            slug,
        });
    }
    let kind = match front.kind.as_deref() {
        None => defaults.kind,
        Some(k) => Kind::parse(k)
            .ok_or_else(|| wrong("type")(format!("`type` must be post or page, not {k:?}")))?,
    };
    let published_at = front
        .date
        .map(|d| parse_date(&d))
        .transpose()
        .map_err(|m| wrong("date")(format!("`date`: {m}")))?;
    let updated_at = front
        .updated
        .map(|d| parse_date(&d))
        .transpose()
        .map_err(|m| wrong("updated")(format!("`updated`: {m}")))?;
    let status = status(
        front.status.as_deref(),
        front.draft,
        published_at,
        defaults.now,
    )
    .map_err(wrong(if front.status.is_some() {
        "status"
    } else {
        "draft"
    }))?;
    let mut tags = front.tags;
    tags.extend(front.taxonomies.map(|t| t.tags).unwrap_or_default());
    let none_given = front.authors.is_none() && front.author.is_none();
    let mut authors = front.authors.unwrap_or_default();
    authors.extend(front.author);
    if none_given {
        authors.push(defaults.author.to_owned());
    }
    Ok(PostDoc {
        kind,
        slug,
        title,
        status,
        published_at,
        updated_at,
        excerpt: front.excerpt.or(front.description),
        tags,
        authors,
        featured: front.featured,
        featured_image: front.featured_image,
        featured_image_alt: front.featured_image_alt,
        featured_image_caption: front.featured_image_caption,
        feed_id: front.feed_id,
        meta_title: front.meta_title,
        meta_description: front.meta_description,
        canonical_url: front.canonical_url,
        og_title: front.og_title,
        og_description: front.og_description,
        og_image: front.og_image,
        twitter_title: front.twitter_title,
        twitter_description: front.twitter_description,
        twitter_image: front.twitter_image,
        codeinjection_head: front.codeinjection_head,
        codeinjection_foot: front.codeinjection_foot,
        aliases: front.aliases,
        markdown: body.to_owned(),
    })
}

/// The slug the front matter gives, else the file name's; checked.
fn slug(given: Option<String>, defaults: &Defaults) -> Result<String, String> {
    match given {
        // A reserved slug is told apart by the caller: that file is left out.
        Some(slug) if is_reserved(&slug) => Ok(slug),
        Some(slug) => {
            validate_slug(&slug).map_err(|m| format!("slug {slug:?}: {m}"))?;
            Ok(slug)
        }
        None if is_reserved(&defaults.slug) => Ok(defaults.slug.clone()),
        None => {
            let slug = defaults.slug.clone();
            validate_slug(&slug).map_err(|m| {
                format!("the file name gives the slug {slug:?}, which {m}; set `slug`")
            })?;
            Ok(slug)
        }
    }
}

/// `status`, else `draft`, else what the date says: a date to come schedules.
fn status(
    given: Option<&str>,
    draft: Option<bool>,
    published_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<Status, String> {
    let status = match (given, draft) {
        (Some(s), _) => Status::parse(s)
            .ok_or_else(|| format!("`status` must be draft, scheduled or published, not {s:?}"))?,
        (None, Some(true)) => Status::Draft,
        (None, _) if published_at.is_some_and(|d| d > now) => Status::Scheduled,
        (None, _) => Status::Published,
    };
    if status == Status::Scheduled && published_at.is_none() {
        return Err("a scheduled post needs a `date`".into());
    }
    Ok(status)
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Format {
    Yaml,
    Toml,
}

/// Splits a file into (format, front matter, body).
/// Largest front matter accepted: real ones are a few hundred bytes.
const MAX_HEADER: usize = 64 * 1024;
/// Deepest nesting accepted (flow brackets, indentation, `- - -` sequences). The YAML
/// parser takes time quadratic in the depth: 100,000 levels kept a core busy for a
/// minute, where front matter needs three.
const MAX_DEPTH: usize = 32;

/// Refuses front matter too large or too deeply nested to be parsed in reasonable
/// time, naming the line where the limit is crossed.
fn check_shape(path: &str, header: &str) -> Result<(), ContentError> {
    let refuse = |line: usize, message: String| ContentError::Syntax {
        path: path.to_owned(),
        line,
        message,
    };
    if header.len() > MAX_HEADER {
        return Err(refuse(
            2,
            format!("the front matter is larger than {} KiB", MAX_HEADER / 1024),
        ));
    }
    let mut flow = 0usize;
    for (n, line) in header.lines().enumerate() {
        let indent = line.len() - line.trim_start_matches([' ', '\t']).len();
        let rest = &line[indent..];
        let dashes = rest
            .split_inclusive(' ')
            .take_while(|t| t.trim() == "-" || t.trim() == "?")
            .count();
        let mut quote = None;
        for c in rest.chars() {
            match (quote, c) {
                (None, '"' | '\'') => quote = Some(c),
                (Some(q), c) if c == q => quote = None,
                (None, '[' | '{') => flow += 1,
                (None, ']' | '}') => flow = flow.saturating_sub(1),
                (None, '#') => break,
                _ => {}
            }
            if flow > MAX_DEPTH {
                break;
            }
        }
        // Two columns of indentation per level, as every editor writes it.
        let depth = indent / 2 + dashes + flow;
        if depth > MAX_DEPTH {
            return Err(refuse(
                n + 2,
                format!("the front matter is nested deeper than {MAX_DEPTH} levels"),
            ));
        }
    }
    Ok(())
}

/// The Markdown of a file: what follows its front matter (all of it when it has none).
pub fn body_of(text: &str) -> &str {
    split(text.strip_prefix('\u{feff}').unwrap_or(text)).map_or(text, |(_, _, body)| body)
}

fn split(text: &str) -> Option<(Format, &str, &str)> {
    let (format, fence) = if text.starts_with("---") {
        (Format::Yaml, "---")
    } else if text.starts_with("+++") {
        (Format::Toml, "+++")
    } else {
        return None;
    };
    let first_break = text.find('\n')?;
    if text[..first_break].trim_end() != fence {
        return None;
    }
    let rest = &text[first_break + 1..];
    let mut offset = 0;
    for line in rest.split_inclusive('\n') {
        if line.trim_end() == fence {
            let header = &rest[..offset];
            let body = &rest[offset + line.len()..];
            return Some((format, header, body.strip_prefix('\n').unwrap_or(body)));
        }
        offset += line.len();
    }
    None
}

/// Accepts `2026-01-31`, `2026-01-31T10:00:00Z`, `2026-01-31T10:00:00+02:00` and
/// `2026-01-31 10:00:00` (taken as UTC).
fn parse_date(value: &DateValue) -> Result<DateTime<Utc>, String> {
    let text = match value {
        DateValue::Toml(d) => d.to_string(),
        DateValue::Text(t) => t.trim().to_owned(),
    };
    if let Ok(d) = DateTime::parse_from_rfc3339(&text) {
        return Ok(d.with_timezone(&Utc));
    }
    for format in [
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M",
    ] {
        if let Ok(d) = NaiveDateTime::parse_from_str(&text, format) {
            return Ok(d.and_utc());
        }
    }
    NaiveDate::parse_from_str(&text, "%Y-%m-%d")
        .map(|d| d.and_hms_opt(0, 0, 0).expect("midnight exists").and_utc())
        .map_err(|_| format!("{text:?} is not a date (use 2026-01-31 or 2026-01-31T10:00:00Z)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn defaults() -> Defaults<'static> {
        Defaults {
            slug: "from-file".into(),
            kind: Kind::Post,
            author: "Ed",
            now: Utc::now(),
        }
    }

    #[test]
    fn deep_or_huge_front_matter_is_refused_with_its_line() {
        let deep = format!("---\ntitle: T\nx: {}\n---\nbody\n", "[".repeat(60_000));
        let err = parse("deep.md", &deep, &defaults()).expect_err("too deep");
        assert!(
            err.to_string().starts_with("deep.md:3: ") && err.to_string().contains("nested"),
            "{err}"
        );
        let dashes = format!("---\ntitle: T\nx:\n{}1\n---\n", "- ".repeat(50));
        let err = parse("dash.md", &dashes, &defaults()).expect_err("too deep");
        assert!(err.to_string().starts_with("dash.md:4: "), "{err}");
        let huge = format!("---\ntitle: T\nx: \"{}\"\n---\n", "a".repeat(70_000));
        let err = parse("huge.md", &huge, &defaults()).expect_err("too large");
        assert!(err.to_string().contains("larger than 64 KiB"), "{err}");
        // Ordinary nesting and brackets inside strings pass.
        let fine = "---\ntitle: \"[[[[ not nested ]]]]\"\ntags: [a, b]\ntaxonomies:\n  tags:\n    - x\n---\n";
        parse("fine.md", fine, &defaults()).expect("ordinary front matter");
    }

    #[test]
    fn yaml_and_toml_give_the_same_document() {
        let yaml = "---\ntitle: Hi\ndate: 2024-02-03\ntags: [a, b]\ndescription: d\n---\nBody\n";
        let toml = "+++\ntitle = \"Hi\"\ndate = 2024-02-03\ndescription = \"d\"\n[taxonomies]\ntags = [\"a\", \"b\"]\n+++\nBody\n";
        let a = parse("a.md", yaml, &defaults()).expect("yaml").doc;
        let b = parse("b.md", toml, &defaults()).expect("toml").doc;
        assert_eq!(a, b);
        assert_eq!(a.slug, "from-file");
        assert_eq!(a.excerpt.as_deref(), Some("d"));
        assert_eq!(a.markdown, "Body\n");
        assert_eq!(a.authors, vec!["Ed"]);
        assert_eq!(a.status, Status::Published);
    }

    #[test]
    fn a_syntax_error_names_the_file_and_line() {
        let text = "---\ntitle: ok\ntags: [unclosed\n---\nbody";
        let err = parse("posts/x.md", text, &defaults()).expect_err("bad yaml");
        let msg = err.to_string();
        assert!(
            msg.starts_with("posts/x.md:3:") || msg.starts_with("posts/x.md:4:"),
            "{msg}"
        );
        let text = "+++\ntitle = \"ok\"\ndate = \n+++\n";
        let msg = parse("y.md", text, &defaults())
            .expect_err("bad toml")
            .to_string();
        assert!(msg.starts_with("y.md:3:"), "{msg}");
    }

    #[test]
    fn unknown_keys_warn_and_bad_values_fail() {
        let parsed =
            parse("a.md", "---\ntitle: t\ncolour: red\n---\n", &defaults()).expect("parses");
        assert_eq!(
            parsed.warnings,
            vec!["a.md: unknown front matter key `colour` (ignored)"]
        );
        for (text, needle) in [
            ("---\ntitle: t\nslug: ../etc\n---\n", "slug"),
            ("---\ntitle: t\ndate: yesterday\n---\n", "`date`"),
            ("---\ntitle: t\nstatus: live\n---\n", "`status`"),
            ("---\nslug: s\n---\n", "`title`"),
            ("no front matter", "front matter"),
        ] {
            let msg = parse("a.md", text, &defaults())
                .expect_err(text)
                .to_string();
            assert!(msg.contains(needle) && msg.starts_with("a.md"), "{msg}");
        }
    }

    #[test]
    fn future_dates_are_scheduled_and_draft_wins() {
        let doc = parse(
            "a.md",
            "---\ntitle: t\ndate: 2999-01-01\n---\n",
            &defaults(),
        )
        .expect("ok")
        .doc;
        assert_eq!(doc.status, Status::Scheduled);
        let doc = parse("a.md", "---\ntitle: t\ndraft: true\n---\n", &defaults())
            .expect("ok")
            .doc;
        assert_eq!(doc.status, Status::Draft);
    }
}
