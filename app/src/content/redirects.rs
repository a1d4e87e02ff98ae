//! Redirects, in Ghost's format: `content/redirects.yaml` maps old paths to new ones
//! under `301:` (permanent) and `302:` (temporary); Ghost's `redirects.json` (a list of
//! `from`, `to`, `permanent`) reads too. A `from` is a path (`/old/`) or, as in Ghost, a
//! regular expression (`^/blog/(.*)$`) whose groups `to` may use (`/$1`); matching
//! ignores case, as Ghost's does. `folio serve` answers them with real redirects; a
//! plain path also gets a redirect page (and, in a bucket, a redirect object).

use std::path::Path;

use regex::{Regex, RegexBuilder};
use serde::{Deserialize, Serialize};

use super::ContentError;

/// Where a site keeps its redirects, under `content/`.
pub const FILE: &str = "redirects.yaml";
/// Where a build writes every redirect of the site (those of `redirects.yaml`, post
/// aliases, tags' and authors' old slugs) for `folio serve` and the bucket sync.
/// Hidden: never served, never uploaded.
pub const SERVED: &str = ".redirects.json";
/// Regular expressions are limited in size, so no rule can make matching slow.
const REGEX_SIZE_LIMIT: usize = 256 * 1024;

/// One redirect.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Redirect {
    pub from: String,
    pub to: String,
    /// 301 or 302.
    pub status: u16,
}

impl Redirect {
    /// The path `from` names when it is a plain path rather than a pattern (`^/old/$`
    /// is the plain `/old/`): such a redirect can also be a file of a static site.
    pub fn plain_path(&self) -> Option<String> {
        let bare = self.from.strip_prefix('^').unwrap_or(&self.from);
        let bare = bare.strip_suffix('$').unwrap_or(bare);
        let bare = bare
            .replace("\\/", "/")
            .replace("\\.", ".")
            .replace("\\-", "-");
        let special = bare.chars().any(|c| "^$*+?()[]{}|\\".contains(c));
        (!special && bare.starts_with('/')).then_some(bare)
    }
}

/// Ghost's `redirects.json`.
#[derive(Deserialize)]
struct JsonRule {
    from: String,
    to: String,
    #[serde(default)]
    permanent: bool,
}

/// The redirects of `content/` (none when it has no `redirects.yaml`), checked.
pub fn load(content: &Path) -> Result<Vec<Redirect>, ContentError> {
    let path = content.join(FILE);
    match std::fs::read_to_string(&path) {
        Ok(text) => parse(&text, FILE),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(source) => Err(ContentError::Read { path, source }),
    }
}

/// Redirects in Ghost's YAML or JSON form (`name` says which file, for errors), checked.
pub fn parse(text: &str, name: &str) -> Result<Vec<Redirect>, ContentError> {
    let rules = if text.trim_start().starts_with('[') {
        let rules: Vec<JsonRule> =
            serde_json::from_str(text).map_err(|e| ContentError::Syntax {
                path: name.to_owned(),
                line: e.line(),
                message: e.to_string(),
            })?;
        rules
            .into_iter()
            .map(|r| Redirect {
                from: r.from,
                to: r.to,
                status: if r.permanent { 301 } else { 302 },
            })
            .collect()
    } else {
        from_yaml(text, name)?
    };
    check(&rules).map_err(|message| ContentError::Invalid {
        path: name.to_owned(),
        message,
    })?;
    Ok(rules)
}

fn from_yaml(text: &str, name: &str) -> Result<Vec<Redirect>, ContentError> {
    use serde_yaml_ng::Value;
    let syntax = |e: serde_yaml_ng::Error| ContentError::Syntax {
        path: name.to_owned(),
        line: e.location().map_or(0, |l| l.line()),
        message: e.to_string(),
    };
    let invalid = |message: String| ContentError::Invalid {
        path: name.to_owned(),
        message,
    };
    // A YAML mapping keeps the file's order: the first rule that matches wins.
    let groups = match serde_yaml_ng::from_str::<Value>(text).map_err(syntax)? {
        Value::Null => return Ok(Vec::new()),
        Value::Mapping(groups) => groups,
        _ => {
            return Err(invalid(
                "expected `301:` and `302:` maps of old path: new path".into(),
            ))
        }
    };
    let mut rules = Vec::new();
    for (status, entries) in groups {
        let status = match status.as_u64() {
            Some(code @ (301 | 302)) => code as u16,
            _ => {
                return Err(invalid(format!(
                    "{}: only 301 (permanent) and 302 (temporary) redirect",
                    serde_yaml_ng::to_string(&status).unwrap_or_default().trim()
                )))
            }
        };
        let Value::Mapping(entries) = entries else {
            return Err(invalid(format!(
                "{status}: expected a map of old path: new path"
            )));
        };
        for (from, to) in entries {
            let (Some(from), Some(to)) = (from.as_str(), to.as_str()) else {
                return Err(invalid(format!(
                    "{status}: each entry is `old path: new path`"
                )));
            };
            rules.push(Redirect {
                from: from.to_owned(),
                to: to.to_owned(),
                status,
            });
        }
    }
    Ok(rules)
}

/// Ghost's media addresses as redirects to the same files here: its resized copies
/// (`/content/images/size/w600/...`) to the original, since the sizes here are not
/// Ghost's, then every upload (`/content/images|files|media/...`). A Ghost import puts
/// them first in `redirects.yaml`; with them, a build also puts the files themselves
/// at those addresses (see [`super::media::at_old_addresses`]).
pub const GHOST_MEDIA: [(&str, &str); 2] = [
    (
        "^/content/images/size/[^/]+/(?:format/[^/]+/)?(.+)$",
        "/images/$1",
    ),
    ("^/content/(images|files|media)/(.+)$", "/$1/$2"),
];

/// Where readers subscribe. Ghost's "Subscribe" buttons open its members portal
/// (`#/portal/signup`), which a static site does not have: imported ones point here.
pub const SUBSCRIBE: &str = "/subscribe/";

/// The site's subscribe address as a redirect: to where readers sign up
/// (`members_url`), else to the feed. Temporary, since either may change. Last of the
/// rules: one of `redirects.yaml` for the same path wins, and a page of the site at
/// that address is not redirected.
pub fn subscribe(members_url: Option<&str>) -> Redirect {
    Redirect {
        from: SUBSCRIBE.to_owned(),
        to: members_url.unwrap_or("/rss.xml").to_owned(),
        status: 302,
    }
}

/// The file text of `rules`, in Ghost's YAML form.
pub fn to_yaml(rules: &[Redirect]) -> String {
    use serde_yaml_ng::{Mapping, Value};
    let mut groups = Mapping::new();
    for status in [301u16, 302] {
        let mut entries = Mapping::new();
        for rule in rules.iter().filter(|r| r.status == status) {
            entries.insert(
                Value::from(rule.from.as_str()),
                Value::from(rule.to.as_str()),
            );
        }
        if !entries.is_empty() {
            groups.insert(Value::from(status), Value::Mapping(entries));
        }
    }
    serde_yaml_ng::to_string(&groups).expect("redirects serialize")
}

/// Each rule makes sense alone, and no plain redirect leads back to where it started.
fn check(rules: &[Redirect]) -> Result<(), String> {
    for rule in rules {
        let what = format!("the redirect {:?} -> {:?}", rule.from, rule.to);
        if !(rule.from.starts_with('/') || rule.from.starts_with("^/")) {
            return Err(format!(
                "{what}: `from` must be a path starting with / (or ^/)"
            ));
        }
        let to = &rule.to;
        let local = to.starts_with('/') && !to.starts_with("//");
        if !(local || to.starts_with("https://") || to.starts_with("http://")) {
            return Err(format!(
                "{what}: `to` must be a path of the site or an http(s) URL"
            ));
        }
        if to.chars().any(|c| c.is_control()) {
            return Err(format!("{what}: `to` has a control character"));
        }
        compile(&rule.from).map_err(|e| format!("{what}: {e}"))?;
    }
    let plain: std::collections::HashMap<String, &str> = rules
        .iter()
        .filter_map(|r| r.plain_path().map(|p| (normal(&p), r.to.as_str())))
        .collect();
    for start in plain.keys() {
        let mut at = start.clone();
        for _ in 0..=plain.len() {
            let Some(next) = plain.get(&at) else { break };
            at = normal(next);
            if &at == start {
                return Err(format!(
                    "the redirects from {start:?} lead back to it (a loop)"
                ));
            }
        }
    }
    Ok(())
}

/// Whether `path` (an alias) would take an address the site has: one of `own` (as
/// [`normal`] makes them), or any under the addresses the site writes itself (see
/// [`super::is_reserved`]: tags, authors, pages of lists, assets, sitemaps, feeds).
pub fn takes_address(path: &str, own: &std::collections::HashSet<String>) -> bool {
    let path = normal(path);
    own.contains(&path) || super::is_reserved(&path)
}

/// A path compared as Ghost compares them: without case, with or without its last `/`.
pub fn normal(path: &str) -> String {
    let path = path.split(['?', '#']).next().unwrap_or(path);
    format!("{}/", path.trim_end_matches('/')).to_lowercase()
}

fn compile(pattern: &str) -> Result<Regex, String> {
    RegexBuilder::new(pattern)
        .case_insensitive(true)
        .size_limit(REGEX_SIZE_LIMIT)
        .build()
        .map_err(|e| format!("not a valid pattern: {e}"))
}

/// Redirects ready to answer requests.
#[derive(Debug, Default)]
pub struct Matcher {
    plain: std::collections::HashMap<String, (String, u16)>,
    patterns: Vec<(Regex, String, u16)>,
}

impl Matcher {
    /// `rules` (checked) in order; a plain path listed twice keeps its first rule.
    pub fn new(rules: &[Redirect]) -> Self {
        let mut matcher = Matcher::default();
        for rule in rules {
            match rule.plain_path() {
                Some(path) => {
                    matcher
                        .plain
                        .entry(normal(&path))
                        .or_insert((rule.to.clone(), rule.status));
                }
                None => {
                    if let Ok(regex) = compile(&rule.from) {
                        matcher.patterns.push((regex, rule.to.clone(), rule.status));
                    }
                }
            }
        }
        matcher
    }

    /// Where `path` goes, and with which status: plain paths first, then the
    /// patterns in their order.
    pub fn find(&self, path: &str) -> Option<(String, u16)> {
        if let Some(found) = self.plain.get(&normal(path)) {
            return Some(found.clone());
        }
        self.patterns.iter().find_map(|(regex, to, status)| {
            let caps = regex.captures(path)?;
            let mut target = String::new();
            caps.expand(to, &mut target);
            Some((safe_target(target)?, *status))
        })
    }
}

/// A pattern's target once the request's text is in it, if it still says what the
/// rule meant: a path of the site (made to start with one `/`) or an http(s) URL,
/// with no control character or backslash (browsers drop tabs and read a backslash
/// as `/`, so `/<tab>/evil.example` would leave the site). Spaces are encoded.
fn safe_target(target: String) -> Option<String> {
    if target.chars().any(|c| c.is_control() || c == '\\') {
        return None;
    }
    let target = target.replace(' ', "%20");
    if target.starts_with('/') {
        // `/$1` with a group starting `/`: a path of the site, never a host.
        return Some(format!("/{}", target.trim_start_matches('/')));
    }
    (target.starts_with("https://") || target.starts_with("http://")).then_some(target)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ghost_yaml_and_json_read_alike() {
        let yaml = "301:\n  /old/: /new/\n  ^/blog/(.*)$: /$1\n302:\n  /temp: https://elsewhere.example/\n";
        let rules = parse(yaml, "redirects.yaml").expect("valid");
        assert_eq!(rules.len(), 3);
        let json = r#"[{"from":"/old/","to":"/new/","permanent":true},{"from":"^/blog/(.*)$","to":"/$1","permanent":true},{"from":"/temp","to":"https://elsewhere.example/"}]"#;
        assert_eq!(parse(json, "redirects.json").expect("valid"), rules);
        let matcher = Matcher::new(&rules);
        assert_eq!(matcher.find("/OLD"), Some(("/new/".into(), 301)));
        assert_eq!(
            matcher.find("/blog/a-post/"),
            Some(("/a-post/".into(), 301))
        );
        assert_eq!(
            matcher.find("/temp/"),
            Some(("https://elsewhere.example/".into(), 302))
        );
        assert_eq!(matcher.find("/other/"), None);
        assert_eq!(rules[0].plain_path().as_deref(), Some("/old/"));
        assert_eq!(rules[1].plain_path(), None);
        assert_eq!(
            Redirect {
                from: "^\\/old\\/$".into(),
                to: "/".into(),
                status: 301
            }
            .plain_path()
            .as_deref(),
            Some("/old/")
        );
        assert_eq!(parse(&to_yaml(&rules), "again").expect("round trip"), rules);
    }

    #[test]
    fn bad_redirects_are_refused_with_a_reason() {
        for (text, says) in [
            ("301:\n  /a/: /b/\n  /b: /a\n", "loop"),
            ("301:\n  /a/: /a/\n", "loop"),
            ("307:\n  /a/: /b/\n", "only 301"),
            ("301:\n  old/: /b/\n", "must be a path"),
            ("301:\n  /a/: javascript:alert(1)\n", "`to` must be"),
            ("301:\n  ^/(unclosed: /b/\n", "not a valid pattern"),
            ("301:\n  /a/: [x\n", "redirects.yaml:"),
        ] {
            let error = parse(text, "redirects.yaml").expect_err(text).to_string();
            assert!(error.contains(says), "{text}: {error}");
        }
    }
}
