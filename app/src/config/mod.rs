//! Site configuration: defaults, then `folio.toml`, then `FOLIO_*` environment
//! variables, then `--set key=value` flags. One typed struct, validated once at start.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

mod comments;
mod csp;
mod design;
mod git;
pub use comments::Comments;
pub use csp::{DEFAULT_CSP, PLAYERS};
pub use design::{valid_language, Design, PostFeed, Social};
pub use git::GitConfig;

/// Environment variables that configure the process rather than the site; they are
/// read by the CLI (clap) and must not be reported as unknown site keys.
const PROCESS_ENV: &[&str] = &[
    "FOLIO_DB",
    "FOLIO_CONTENT",
    "FOLIO_THEME",
    "FOLIO_OUT",
    "FOLIO_CONFIG",
    "FOLIO_LISTEN",
    "FOLIO_TEMPLATES",
    "FOLIO_LOG",
    "FOLIO_LOG_FORMAT",
    "FOLIO_SECRET_KEY",
    "FOLIO_SECRET_KEY_FILE",
    "FOLIO_TOKEN",
    "FOLIO_METRICS_LISTEN",
    "FOLIO_ADMIN_LISTEN",
    "FOLIO_MAX_CONNECTIONS",
    "FOLIO_HEADER_TIMEOUT",
    "FOLIO_NO_ADMIN",
    "FOLIO_INSECURE_COOKIES",
    "FOLIO_TRUSTED_PROXIES",
    "FOLIO_CLOUDFLARE_API_TOKEN",
    "FOLIO_CLOUDFLARE_API_TOKEN_FILE",
    "FOLIO_CLOUDFLARE_API_URL",
    "FOLIO_MEDIA_MAX_BYTES",
    "FOLIO_GIT_TOKEN",
    "FOLIO_GIT_TOKEN_FILE",
    "FOLIO_GIT_WEBHOOK_SECRET",
    "FOLIO_GIT_WEBHOOK_SECRET_FILE",
];

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{var}: {message}")]
    Secret { var: String, message: String },
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("{origin}: {message}")]
    Value { origin: String, message: String },
    /// A key `--set` or a `FOLIO_*` variable names that is no setting.
    #[error("{origin}: unknown key")]
    UnknownKey { origin: String },
}

/// A link in the site's navigation menu.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NavItem {
    pub label: String,
    pub url: String,
}

/// Everything `folio.toml` may hold. Unknown keys are an error there.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SiteConfig {
    pub title: String,
    pub description: String,
    /// Absolute URL the site is published at, used for canonical links, feeds and the sitemap.
    pub base_url: String,
    pub language: String,
    /// Theme directory; `--theme` / `FOLIO_THEME` take precedence.
    pub theme: Option<PathBuf>,
    pub posts_per_page: usize,
    /// Items in `rss.xml`.
    pub feed_limit: usize,
    /// Author of posts whose front matter names none.
    pub default_author: String,
    /// `s-maxage` for HTML responses of `folio serve`, for a CDN such as Cloudflare.
    pub cdn_max_age: u32,
    pub navigation: Vec<NavItem>,
    /// The footer's links (Ghost's secondary navigation).
    pub secondary_navigation: Vec<NavItem>,
    /// Logo, icon, cover, accent colour, time zone, social accounts, meta defaults.
    pub design: Design,
    /// Comments under posts from another service (`[comments]`, file only); none by default.
    pub comments: Option<Comments>,
    /// How `publish --bucket` delivers files (file only).
    pub deploy: DeployConfig,
    /// HTML added to every page's head and before its end (analytics, fonts), as in Ghost.
    pub codeinjection_head: Option<String>,
    pub codeinjection_foot: Option<String>,
    /// The admin's own origin (`https://admin.blog.example`), as Ghost's `admin.url`:
    /// sessions and the API live there only, so no page of the site can reach them.
    pub admin_url: Option<String>,
    /// The `Content-Security-Policy` of the site's pages (`folio serve` and bucket
    /// objects); unset, [`DEFAULT_CSP`]; empty, none. Code injection that loads
    /// scripts from elsewhere (analytics) needs their host added here.
    pub content_security_policy: Option<String>,
    /// Where readers sign up as members (a Ghost site kept for its members): posts
    /// imported with `--members preview` link there after their public part.
    pub members_url: Option<String>,
    /// The content folder as a clone of a Git repository (file only, but for
    /// `git_remote` and `git_branch`).
    pub git: GitConfig,
    /// Whether Ghost API webhooks may call loopback and private addresses (a receiver
    /// on the cluster's own network); by default only public ones, so a key holder
    /// cannot make the server call inside its network.
    pub webhooks_private_targets: bool,
}

/// Who a post whose file names no author is by, unless folio.toml says.
pub const DEFAULT_AUTHOR: &str = "Editor";

/// The settings the admin API may change; its values override `folio.toml`'s.
pub const EDITABLE: [&str; 8] = [
    "title",
    "description",
    "language",
    "design",
    "navigation",
    "secondary_navigation",
    "codeinjection_head",
    "codeinjection_foot",
];

impl Default for SiteConfig {
    fn default() -> Self {
        Self {
            title: "My folio".into(),
            description: String::new(),
            base_url: "http://127.0.0.1:8080".into(),
            language: "en".into(),
            theme: None,
            posts_per_page: 10,
            feed_limit: 20,
            default_author: DEFAULT_AUTHOR.into(),
            cdn_max_age: 300,
            navigation: Vec::new(),
            secondary_navigation: Vec::new(),
            design: Design::default(),
            comments: None,
            codeinjection_head: None,
            codeinjection_foot: None,
            deploy: DeployConfig::default(),
            admin_url: None,
            content_security_policy: None,
            members_url: None,
            webhooks_private_targets: false,
            git: GitConfig::default(),
        }
    }
}

/// `[deploy]` in folio.toml: where a publish goes beyond the output folder. Each part
/// is optional and works alone.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DeployConfig {
    /// Headers by path, checked in order; the first match wins, the defaults (an
    /// immutable year for fingerprinted assets, revalidation for pages) fill the rest.
    pub headers: Vec<HeaderRule>,
    /// `s3://BUCKET/PREFIX`: synced after every publish of the server (and by
    /// `folio publish`), credentials from `AWS_*`.
    pub bucket: Option<String>,
    /// A CloudFront distribution (`E...`) whose cache is invalidated for the changed
    /// paths after every publish.
    pub cloudfront_distribution: Option<String>,
    /// A Cloudflare zone id whose cache is purged for the changed URLs, with the
    /// token of `FOLIO_CLOUDFLARE_API_TOKEN` (or `_FILE`).
    pub cloudflare_zone: Option<String>,
    /// More changed URLs than this purge the whole cache instead (one request, where
    /// CloudFront bills per path and Cloudflare takes 30 URLs a request).
    pub purge_all_above: usize,
}

impl Default for DeployConfig {
    fn default() -> Self {
        Self {
            headers: Vec::new(),
            bucket: None,
            cloudfront_distribution: None,
            cloudflare_zone: None,
            purge_all_above: 300,
        }
    }
}

impl DeployConfig {
    /// Whether a publish goes anywhere beyond the output folder.
    pub fn any(&self) -> bool {
        self.bucket.is_some()
            || self.cloudfront_distribution.is_some()
            || self.cloudflare_zone.is_some()
    }
}

/// `[[deploy.headers]]`: e.g. `glob = "images/**"`, `cache_control = "public, max-age=86400"`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HeaderRule {
    pub glob: String,
    pub cache_control: Option<String>,
    pub content_type: Option<String>,
}

impl SiteConfig {
    /// The Content-Security-Policy of the site's pages, if any.
    pub fn csp(&self) -> Option<&str> {
        match self.content_security_policy.as_deref() {
            None => Some(DEFAULT_CSP),
            Some("") => None,
            Some(policy) => Some(policy),
        }
    }

    /// Loads `path` if it exists (a missing file means defaults), then applies the
    /// environment and the `--set` overrides, in that order.
    pub fn load(path: &Path, overrides: &[(String, String)]) -> Result<Self, ConfigError> {
        let mut config = match std::fs::read_to_string(path) {
            Ok(text) => toml::from_str::<SiteConfig>(&text).map_err(|e| ConfigError::Parse {
                path: path.to_owned(),
                message: e.to_string(),
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => SiteConfig::default(),
            Err(source) => {
                return Err(ConfigError::Read {
                    path: path.to_owned(),
                    source,
                })
            }
        };
        if let Some(dir) = path.parent() {
            // A theme named in folio.toml is relative to the file, not to the cwd.
            config.theme = config.theme.map(|t| dir.join(t));
        }
        for (name, value) in std::env::vars() {
            let Some(key) = name.strip_prefix("FOLIO_") else {
                continue;
            };
            if PROCESS_ENV.contains(&name.as_str()) || key.starts_with("SECRET") {
                continue;
            }
            match config.set(&key.to_ascii_lowercase(), &value) {
                Err(ConfigError::UnknownKey { .. }) => {
                    tracing::warn!("ignoring environment variable {name}: not a folio setting");
                }
                other => other.map_err(|e| with_origin(e, &name))?,
            }
        }
        for (key, value) in overrides {
            config
                .set(key, value)
                .map_err(|e| with_origin(e, &format!("--set {key}")))?;
        }
        config.validate()?;
        Ok(config)
    }

    /// Sets one key from its text form, as the environment and `--set` give it.
    /// Applies settings saved through the admin API (key, JSON value), which win over
    /// the file and the environment.
    pub fn with_settings(
        &self,
        settings: &[(String, serde_json::Value)],
    ) -> Result<Self, ConfigError> {
        let mut value = serde_json::to_value(self).expect("the configuration serializes");
        for (key, setting) in settings {
            if !EDITABLE.contains(&key.as_str()) {
                return Err(ConfigError::Value {
                    origin: key.clone(),
                    message: format!(
                        "not a setting the admin API changes ({})",
                        EDITABLE.join(", ")
                    ),
                });
            }
            value[key] = setting.clone();
        }
        let config: Self = serde_json::from_value(value).map_err(|e| ConfigError::Value {
            origin: "settings".into(),
            message: e.to_string(),
        })?;
        config.check_settings()?;
        Ok(config)
    }

    /// The checks of what the admin's Settings change beyond their types.
    fn check_settings(&self) -> Result<(), ConfigError> {
        if !design::valid_language(&self.language) {
            return Err(ConfigError::Value {
                origin: "language".into(),
                message: format!(
                    "expected a language tag such as en or pt-BR, got {:?}",
                    self.language
                ),
            });
        }
        self.design
            .validate()
            .map_err(|(origin, message)| ConfigError::Value { origin, message })
    }

    pub fn set(&mut self, key: &str, value: &str) -> Result<(), ConfigError> {
        let number = |v: &str| {
            v.parse::<u32>().map_err(|_| ConfigError::Value {
                origin: key.to_owned(),
                message: format!("expected a whole number, got {v:?}"),
            })
        };
        match key {
            "title" => self.title = value.to_owned(),
            "description" => self.description = value.to_owned(),
            "base_url" => self.base_url = value.to_owned(),
            "language" => self.language = value.to_owned(),
            "theme" => self.theme = Some(PathBuf::from(value)),
            "posts_per_page" => self.posts_per_page = number(value)? as usize,
            "feed_limit" => self.feed_limit = number(value)? as usize,
            "default_author" => self.default_author = value.to_owned(),
            "cdn_max_age" => self.cdn_max_age = number(value)?,
            "codeinjection_head" => self.codeinjection_head = Some(value.to_owned()),
            "codeinjection_foot" => self.codeinjection_foot = Some(value.to_owned()),
            "admin_url" => self.admin_url = Some(value.to_owned()).filter(|v| !v.is_empty()),
            "members_url" => self.members_url = Some(value.to_owned()).filter(|v| !v.is_empty()),
            "content_security_policy" => self.content_security_policy = Some(value.to_owned()),
            "git_remote" => self.git.remote = Some(value.to_owned()).filter(|v| !v.is_empty()),
            "git_branch" => self.git.branch = value.to_owned(),
            "webhooks_private_targets" => {
                self.webhooks_private_targets = match value {
                    "true" | "1" | "yes" => true,
                    "false" | "0" | "no" | "" => false,
                    _ => {
                        return Err(ConfigError::Value {
                            origin: key.to_owned(),
                            message: format!("expected true or false, got {value:?}"),
                        })
                    }
                }
            }
            "navigation" | "secondary_navigation" => {
                return Err(ConfigError::Value {
                    origin: key.to_owned(),
                    message: format!("{key} can only be set in folio.toml"),
                })
            }
            _ => {
                return Err(ConfigError::UnknownKey {
                    origin: key.to_owned(),
                })
            }
        }
        Ok(())
    }

    fn validate(&mut self) -> Result<(), ConfigError> {
        let invalid = |field: &str, message: &str| ConfigError::Value {
            origin: field.to_owned(),
            message: message.to_owned(),
        };
        if self.posts_per_page == 0 {
            return Err(invalid("posts_per_page", "must be at least 1"));
        }
        self.check_settings()?;
        self.git.validate().map_err(|m| invalid("git", &m))?;
        if !(self.base_url.starts_with("http://") || self.base_url.starts_with("https://")) {
            return Err(invalid(
                "base_url",
                "must be an absolute http:// or https:// URL",
            ));
        }
        if let Some(members) = &self.members_url {
            if !(members.starts_with("http://") || members.starts_with("https://")) {
                return Err(invalid(
                    "members_url",
                    "must be an absolute http:// or https:// URL",
                ));
            }
        }
        // One spelling, so URLs are joined the same way everywhere.
        while self.base_url.ends_with('/') {
            self.base_url.pop();
        }
        if let Some(admin) = &mut self.admin_url {
            if !(admin.starts_with("http://") || admin.starts_with("https://")) {
                return Err(invalid(
                    "admin_url",
                    "must be an absolute http:// or https:// URL",
                ));
            }
            while admin.ends_with('/') {
                admin.pop();
            }
        }
        if let Some(Err((origin, message))) = self.comments.as_ref().map(Comments::validate) {
            return Err(ConfigError::Value { origin, message });
        }
        if let Some(csp) = &self.content_security_policy {
            if csp.contains(['\n', '\r']) {
                return Err(invalid(
                    "content_security_policy",
                    "must be on one line (it is sent as a header)",
                ));
            }
        }
        Ok(())
    }
}

fn with_origin(error: ConfigError, origin: &str) -> ConfigError {
    match error {
        ConfigError::Value { message, .. } => ConfigError::Value {
            origin: origin.to_owned(),
            message,
        },
        ConfigError::UnknownKey { .. } => ConfigError::UnknownKey {
            origin: origin.to_owned(),
        },
        other => other,
    }
}

/// A secret from the environment: `VAR` itself, else the contents of the file
/// `VAR_FILE` names (a mounted Kubernetes Secret, which keeps it out of the
/// environment), trimmed; None when neither is set. The one rule for every secret.
pub fn secret(var: &str) -> Result<Option<String>, ConfigError> {
    if let Some(value) = std::env::var(var).ok().filter(|v| !v.trim().is_empty()) {
        return Ok(Some(value.trim().to_owned()));
    }
    let file_var = format!("{var}_FILE");
    let Some(path) = std::env::var(&file_var).ok().filter(|p| !p.is_empty()) else {
        return Ok(None);
    };
    let refused = |message: String| ConfigError::Secret {
        var: file_var.clone(),
        message,
    };
    let value = std::fs::read_to_string(&path).map_err(|e| refused(format!("{path}: {e}")))?;
    let value = value.trim();
    if value.is_empty() {
        return Err(refused(format!("{path} is empty")));
    }
    Ok(Some(value.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_keys_in_the_file_are_an_error_naming_the_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("folio.toml");
        std::fs::write(&path, "title = \"x\"\ncolour = \"red\"\n").expect("write");
        let err = SiteConfig::load(&path, &[]).expect_err("unknown key");
        let text = err.to_string();
        assert!(
            text.contains("folio.toml") && text.contains("colour"),
            "{text}"
        );
    }

    #[test]
    fn overrides_win_and_are_typed() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("folio.toml");
        std::fs::write(
            &path,
            "title = \"file\"\nbase_url = \"https://a.example/\"\n",
        )
        .expect("write");
        let set = vec![
            ("title".to_owned(), "flag".to_owned()),
            ("posts_per_page".to_owned(), "3".to_owned()),
        ];
        let config = SiteConfig::load(&path, &set).expect("load");
        assert_eq!(config.title, "flag");
        assert_eq!(config.posts_per_page, 3);
        assert_eq!(config.base_url, "https://a.example");
        let bad = vec![("posts_per_page".to_owned(), "many".to_owned())];
        let err = SiteConfig::load(&path, &bad).expect_err("not a number");
        assert!(err.to_string().contains("--set posts_per_page"), "{err}");
    }
}
