//! The Content-Security-Policy a build's pages are sent with: the site's policy, with
//! the hash of every inline script of code injection (the site's, set by its owner,
//! and a post's, set by an editor or the owner) added to the directive that governs
//! scripts. Analytics snippets have an inline part, and `script-src 'self'` would
//! refuse it silently; a hash lets exactly that script run, and any other inline
//! script (one an author's HTML slipped in) stays refused.

use std::collections::{BTreeMap, BTreeSet};

use base64::Engine;
use html5ever::tendril::TendrilSink;
use markup5ever_rcdom::{Handle, NodeData, RcDom};
use sha2::Digest;

/// Where a build writes its pages' policies, for `folio serve` and the bucket sync.
/// Hidden: never served, never uploaded.
pub const SERVED: &str = ".csp.json";

/// The policies of a build's pages.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Policies {
    /// Every page's (none: the site sends no policy), with the site's injected scripts.
    pub all: Option<String>,
    /// Pages with injected scripts of their own (a post's code injection), by file
    /// (`slug/index.html`): only that page lets them run.
    pub pages: BTreeMap<String, String>,
}

impl Policies {
    /// The policies of `config`'s site (its policy, with the scripts of its code
    /// injection and the origin of its comments service), whose pages (by file) have
    /// the code injection `pages` of their own.
    pub fn new<'a>(
        config: &crate::config::SiteConfig,
        pages: impl Iterator<Item = (String, [Option<&'a str>; 2])>,
    ) -> Self {
        let Some(policy) = config.csp() else {
            return Self::default();
        };
        let policy = match &config.comments {
            Some(comments) => with_origin(policy, comments.origin()),
            None => policy.to_owned(),
        };
        let hashes_of = |texts: &[Option<&str>]| -> BTreeSet<String> {
            texts
                .iter()
                .flatten()
                .flat_map(|t| script_hashes(t))
                .collect()
        };
        let site = [
            config.codeinjection_head.as_deref(),
            config.codeinjection_foot.as_deref(),
        ];
        let shared = hashes_of(&site);
        let pages = pages
            .filter_map(|(file, injected)| {
                let own = hashes_of(&injected);
                (!own.is_empty()).then(|| {
                    let both: BTreeSet<String> = own.union(&shared).cloned().collect();
                    (file, with_hashes(&policy, &both))
                })
            })
            .collect();
        Self {
            all: Some(with_hashes(&policy, &shared)),
            pages,
        }
    }

    /// What the build in `out` wrote; None before the first build, or unreadable.
    pub fn of_build(out: &std::path::Path) -> Option<Self> {
        let bytes = std::fs::read(out.join(SERVED)).ok()?;
        serde_json::from_slice(&bytes).ok()
    }

    /// The policy of the page at `file` (relative to the output folder).
    pub fn for_file(&self, file: &str) -> Option<&str> {
        self.pages
            .get(file)
            .or(self.all.as_ref())
            .map(String::as_str)
    }
}

/// Script types a browser runs; others (JSON-LD, templates) are data.
const RUNS: [&str; 4] = ["", "text/javascript", "application/javascript", "module"];

/// The `'sha256-...'` source of each inline script `html` has, as a browser hashes it
/// (the element's text after parsing: line endings are `\n`).
pub fn script_hashes(html: &str) -> BTreeSet<String> {
    if !html.to_ascii_lowercase().contains("<script") {
        return BTreeSet::new();
    }
    let dom = html5ever::parse_document(RcDom::default(), Default::default()).one(html);
    let mut hashes = BTreeSet::new();
    collect(&dom.document, &mut hashes);
    hashes
}

fn collect(node: &Handle, hashes: &mut BTreeSet<String>) {
    if let NodeData::Element { name, attrs, .. } = &node.data {
        if name.local.as_ref() == "script" {
            let attrs = attrs.borrow();
            let attr = |n: &str| {
                attrs
                    .iter()
                    .find(|a| a.name.local.as_ref() == n)
                    .map(|a| a.value.to_string())
            };
            let kind = attr("type").unwrap_or_default().trim().to_ascii_lowercase();
            if attr("src").is_none() && RUNS.contains(&kind.as_str()) {
                let mut text = String::new();
                for child in node.children.borrow().iter() {
                    if let NodeData::Text { contents } = &child.data {
                        text.push_str(&contents.borrow());
                    }
                }
                let digest = sha2::Sha256::digest(text.as_bytes());
                let encoded = base64::engine::general_purpose::STANDARD.encode(digest);
                hashes.insert(format!("'sha256-{encoded}'"));
            }
        }
    }
    for child in node.children.borrow().iter() {
        collect(child, hashes);
    }
}

/// `policy` with `hashes` allowed to run: added to `script-src` (made from
/// `default-src` when the policy has none), and to `script-src-elem` if it has one. Nothing is added where inline scripts run
/// anyway (`'unsafe-inline'`: a hash would turn it off) or none may (`'none'`).
pub fn with_hashes(policy: &str, hashes: &BTreeSet<String>) -> String {
    let policy = with_sources(policy, hashes, "script-src", true);
    if policy.to_ascii_lowercase().contains("script-src-elem") {
        return with_sources(&policy, hashes, "script-src-elem", true);
    }
    policy
}

/// `policy` letting pages load scripts and frames from `origin` (a comments service).
fn with_origin(policy: &str, origin: &str) -> String {
    let origin = BTreeSet::from([origin.to_owned()]);
    let policy = with_sources(policy, &origin, "script-src", false);
    with_sources(&policy, &origin, "frame-src", false)
}

/// `policy` with `added` sources in `directive` (made from `default-src` when the
/// policy has none). `'none'` is kept as it is, and so, when `hashes` are added, is
/// `'unsafe-inline'` (a hash would turn it off).
fn with_sources(policy: &str, added: &BTreeSet<String>, directive: &str, hashes: bool) -> String {
    if added.is_empty() {
        return policy.to_owned();
    }
    let directives: Vec<Vec<&str>> = policy
        .split(';')
        .map(|d| d.split_ascii_whitespace().collect::<Vec<_>>())
        .filter(|d| !d.is_empty())
        .collect();
    let named = |name: &str| {
        directives
            .iter()
            .position(|d| d[0].eq_ignore_ascii_case(name))
    };
    let (at, sources): (Option<usize>, Vec<&str>) = match (named(directive), named("default-src")) {
        (Some(at), _) => (Some(at), directives[at][1..].to_vec()),
        (None, Some(default)) => (None, directives[default][1..].to_vec()),
        // No directive governs these: everything loads already.
        (None, None) => return policy.to_owned(),
    };
    let open = |s: &&str| {
        (hashes && s.eq_ignore_ascii_case("'unsafe-inline'")) || s.eq_ignore_ascii_case("'none'")
    };
    if sources.iter().any(open) {
        return policy.to_owned();
    }
    let mut merged = vec![directive];
    merged.extend(sources.iter().copied());
    merged.extend(
        added
            .iter()
            .map(String::as_str)
            .filter(|h| !sources.contains(h)),
    );
    let mut out: Vec<String> = directives.iter().map(|d| d.join(" ")).collect();
    match at {
        Some(at) => out[at] = merged.join(" "),
        None => out.push(merged.join(" ")),
    }
    out.join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_scripts_are_hashed_as_a_browser_reads_them() {
        // `alert(1)`'s hash (`printf 'alert(1)' | openssl dgst -sha256 -binary | base64`).
        let hashes = script_hashes("<script>alert(1)</script>");
        assert_eq!(
            hashes,
            BTreeSet::from(["'sha256-bhHHL3z2vDgxUt0W3dWQOrprscmda2Y5pLsLg4GF+pI='".to_owned()])
        );
        // Line endings as the parser gives them; files, data and handlers are not
        // inline scripts.
        assert_eq!(
            script_hashes("<script>\r\nalert(1)</script>"),
            script_hashes("<script>\nalert(1)</script>")
        );
        let none =
            "<script src=\"/a.js\"></script><script type=\"application/ld+json\">{}</script>\
                    <p onclick=\"x()\">hi</p>";
        assert!(script_hashes(none).is_empty());
        assert_eq!(
            script_hashes("<script type=module>a()</script><script>b()</script>").len(),
            2
        );
    }

    #[test]
    fn hashes_go_where_scripts_are_governed() {
        let hashes = BTreeSet::from(["'sha256-x'".to_owned()]);
        assert_eq!(
            with_hashes(
                "default-src 'self'; script-src 'self' https://a.example",
                &hashes
            ),
            "default-src 'self'; script-src 'self' https://a.example 'sha256-x'"
        );
        assert_eq!(
            with_hashes("default-src 'self'; img-src *", &hashes),
            "default-src 'self'; img-src *; script-src 'self' 'sha256-x'"
        );
        for untouched in [
            "img-src *",
            "script-src 'self' 'unsafe-inline'",
            "script-src 'none'",
        ] {
            assert_eq!(with_hashes(untouched, &hashes), untouched);
        }
    }
}
