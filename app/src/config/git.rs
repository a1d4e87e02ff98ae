//! `[git]` in `folio.toml`: the content repository the server clones, commits to
//! and pulls from (see `crate::git`).

use serde::{Deserialize, Serialize};

/// `[git]` in `folio.toml`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GitConfig {
    /// The content repository, `https://host/owner/repo.git`; unset, the content
    /// folder is not synced. The token comes from `FOLIO_GIT_TOKEN` (or `_FILE`),
    /// never from the URL.
    pub remote: Option<String>,
    pub branch: String,
    /// The user name sent with the token: any for GitHub, the token's owner for
    /// Gitea and Forgejo, `oauth2` for GitLab.
    pub username: String,
    /// Seconds between fetches of the remote (0: only on a webhook or `folio sync`).
    pub poll_seconds: u64,
    /// Who commits; the author of a commit is the person whose change it is.
    pub committer_name: String,
    pub committer_email: String,
}

impl Default for GitConfig {
    fn default() -> Self {
        Self {
            remote: None,
            branch: "main".into(),
            username: "folio".into(),
            poll_seconds: 0,
            committer_name: "folio".into(),
            committer_email: "folio@localhost".into(),
        }
    }
}

impl GitConfig {
    /// Checks the remote: HTTP(S) only (libgit2's SSH would bring OpenSSL into the
    /// image), and no credential in the URL, where logs and errors would show it.
    pub fn validate(&self) -> Result<(), String> {
        let Some(remote) = &self.remote else {
            return Ok(());
        };
        let Some(rest) = remote
            .strip_prefix("https://")
            .or_else(|| remote.strip_prefix("http://"))
        else {
            return Err(format!(
                "git.remote must be an https:// URL (SSH is not supported: use HTTPS with FOLIO_GIT_TOKEN), got {:?}",
                remote.split(':').next().unwrap_or_default()
            ));
        };
        let authority = rest.split('/').next().unwrap_or_default();
        if authority.contains('@') {
            return Err(
                "git.remote has a user or a token in it: set FOLIO_GIT_TOKEN (or FOLIO_GIT_TOKEN_FILE) instead"
                    .into(),
            );
        }
        if self.branch.is_empty() || git2::Branch::name_is_valid(&self.branch) != Ok(true) {
            return Err(format!("git.branch {:?} is not a branch name", self.branch));
        }
        Ok(())
    }
}
