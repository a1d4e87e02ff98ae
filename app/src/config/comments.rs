//! Comments under each post, from a service that is not folio's (off by default):
//! Giscus (GitHub Discussions) or a Remark42 server. The theme's `comments.js` loads
//! it; its host is added to the site's Content-Security-Policy (`script-src` and
//! `frame-src`), and to nothing else.

use serde::{Deserialize, Serialize};

/// `[comments]` in `folio.toml`, by `provider`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "provider", rename_all = "lowercase", deny_unknown_fields)]
pub enum Comments {
    /// <https://giscus.app>: the ids its configuration page gives.
    Giscus {
        /// `owner/name` of a public repository with Discussions on.
        repo: String,
        repo_id: String,
        category: String,
        category_id: String,
    },
    /// A self-hosted Remark42 (<https://remark42.com>).
    Remark42 {
        /// Its address, `https://comments.example.com`.
        host: String,
        site_id: String,
    },
}

const GISCUS: &str = "https://giscus.app";

impl Comments {
    /// The origin the service's script and frame come from.
    pub fn origin(&self) -> &str {
        match self {
            Comments::Giscus { .. } => GISCUS,
            Comments::Remark42 { host, .. } => host.trim_end_matches('/'),
        }
    }

    /// Checks each field; the first wrong one is named (`comments.host`).
    pub fn validate(&self) -> Result<(), (String, String)> {
        let field = |name: &str, message: String| Err((format!("comments.{name}"), message));
        // Values go into attributes and the CSP header: plain characters only.
        let plain = |v: &str| {
            !v.is_empty()
                && v.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_./:".contains(c))
        };
        match self {
            Comments::Giscus {
                repo,
                repo_id,
                category,
                category_id,
            } => {
                if repo.split('/').count() != 2 || !plain(repo) {
                    return field("repo", format!("expected owner/name, got {repo:?}"));
                }
                for (name, value) in [("repo_id", repo_id), ("category_id", category_id)] {
                    if !plain(value) {
                        return field(
                            name,
                            format!("expected the id giscus.app gives, got {value:?}"),
                        );
                    }
                }
                if category.trim().is_empty() || category.contains(['"', '<', '>', '\n']) {
                    return field(
                        "category",
                        format!("expected a category name, got {category:?}"),
                    );
                }
            }
            Comments::Remark42 { host, site_id } => {
                let bare = host
                    .strip_prefix("https://")
                    .map(|b| b.trim_end_matches('/'));
                let origin = bare.is_some_and(|b| {
                    !b.is_empty()
                        && b.chars()
                            .all(|c| c.is_ascii_alphanumeric() || ".-:".contains(c))
                });
                if !origin {
                    return field(
                        "host",
                        format!("expected the server's https:// address, got {host:?}"),
                    );
                }
                if !plain(site_id) {
                    return field(
                        "site_id",
                        format!("expected the server's SITE id, got {site_id:?}"),
                    );
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_wrong_field_is_named() {
        let giscus = |repo: &str| Comments::Giscus {
            repo: repo.into(),
            repo_id: "R_kgDO".into(),
            category: "Comments".into(),
            category_id: "DIC_kwDO".into(),
        };
        assert!(giscus("mara/tidewater").validate().is_ok());
        assert_eq!(
            giscus("tidewater").validate().expect_err("no owner").0,
            "comments.repo"
        );
        assert_eq!(
            giscus("a/b\" onload=\"x").validate().expect_err("quote").0,
            "comments.repo"
        );
        let remark = |host: &str| Comments::Remark42 {
            host: host.into(),
            site_id: "remark".into(),
        };
        assert!(remark("https://comments.example.com").validate().is_ok());
        assert_eq!(
            remark("http://comments.example.com")
                .validate()
                .expect_err("http")
                .0,
            "comments.host"
        );
        assert_eq!(
            remark("https://a.example; script-src *")
                .validate()
                .expect_err("a directive")
                .0,
            "comments.host"
        );
        assert_eq!(
            remark("https://comments.example.com").origin(),
            "https://comments.example.com"
        );
    }
}
