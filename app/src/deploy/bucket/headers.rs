//! The headers each object of the site is stored with: `folio.toml`'s
//! `[[deploy.headers]]` rules over the defaults `folio serve` sends.

use super::BucketError;
use crate::config::HeaderRule;
use crate::output::delivery;
use crate::render::csp::Policies;

/// Header rules from `folio.toml`, checked once: the first whose glob matches a
/// path sets its headers; the defaults fill the rest.
pub struct Headers {
    rules: Vec<(globset::GlobMatcher, HeaderRule)>,
    cdn_max_age: u32,
    /// The pages' Content-Security-Policy, stored as object metadata for the CDN to
    /// send (a CloudFront response headers policy or a Cloudflare transform rule).
    csp: Policies,
}

impl Headers {
    pub fn new(rules: &[HeaderRule], cdn_max_age: u32, csp: Policies) -> Result<Self, BucketError> {
        let rules = rules
            .iter()
            .map(|rule| {
                globset::Glob::new(&rule.glob)
                    .map(|g| (g.compile_matcher(), rule.clone()))
                    .map_err(|e| {
                        BucketError::Rules(format!(
                            "folio.toml: deploy.headers glob {:?}: {e}",
                            rule.glob
                        ))
                    })
            })
            .collect::<Result<_, _>>()?;
        Ok(Self {
            rules,
            cdn_max_age,
            csp,
        })
    }

    /// (Content-Type, Cache-Control) of a site path.
    pub fn for_path(&self, path: &str) -> (String, String) {
        let rule = self
            .rules
            .iter()
            .find(|(glob, _)| glob.is_match(path))
            .map(|(_, r)| r);
        let content_type = rule
            .and_then(|r| r.content_type.clone())
            .unwrap_or_else(|| delivery::content_type(path));
        let cache_control = rule
            .and_then(|r| r.cache_control.clone())
            .unwrap_or_else(|| delivery::cache_control(path, self.cdn_max_age));
        (content_type, cache_control)
    }

    /// The Content-Security-Policy of a site path: pages, and drawings and XML (which
    /// could run scripts when opened directly).
    pub fn csp_for(&self, path: &str) -> Option<&str> {
        let kind = crate::output::delivery::content_type(path);
        if crate::output::delivery::is_scriptable_document(&kind) {
            return Some(crate::output::delivery::DOCUMENT_CSP);
        }
        self.csp.for_file(path).filter(|_| path.ends_with(".html"))
    }
}
