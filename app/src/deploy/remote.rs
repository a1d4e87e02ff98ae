//! `folio publish --remote https://ADMIN-HOST --token ...`: CI pushes the files of
//! `content/` that differ from the server's to the admin API, which checks them,
//! imports them and publishes.
//!
//! The admin writes the server's files too. A file is sent when it changed here since
//! the last push; one that changed only on the server is left there (and named, to be
//! taken into Git), one that changed on both sides is a conflict the server refuses,
//! unless `--force`.

use std::collections::BTreeMap;
use std::path::Path;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde::Serialize;
use serde_json::{json, Value};

/// Bytes of files per request (base64 adds a third; the server takes 64 MiB).
const BATCH_BYTES: usize = 24 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum RemoteError {
    /// Said once: reqwest's own message repeats the address at each level.
    #[error("{reason}")]
    Http { reason: String },
    #[error("the server answered {status}: {message}")]
    Server { status: u16, message: String },
    #[error("reading {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
}

impl RemoteError {
    /// What went wrong with a request: the innermost cause (the refused connection,
    /// the name not found), with what kind of failure it was.
    fn http(error: reqwest::Error) -> Self {
        let mut root: &dyn std::error::Error = &error;
        while let Some(next) = root.source() {
            root = next;
        }
        let cause = root.to_string();
        let reason = if error.is_connect() {
            format!("cannot connect: {cause}")
        } else if error.is_timeout() {
            "no answer in time".to_owned()
        } else if error.is_decode() || error.is_body() {
            format!("a broken answer: {cause}")
        } else {
            cause
        };
        RemoteError::Http { reason }
    }
}

#[derive(Debug, Default, Serialize)]
pub struct RemoteReport {
    /// Files sent (new or changed), in content/.
    pub sent: Vec<String>,
    /// Files removed on the server (with --prune).
    pub deleted: Vec<String>,
    pub unchanged: usize,
    /// Files of `content/` a push may not carry (see [`crate::content::PUSHABLE`]).
    pub skipped: Vec<String>,
    /// Files changed on the server (in the admin) since the last push, and not here:
    /// left as the server has them. Take them into Git.
    pub kept: Vec<String>,
    /// Files gone here that the server wrote or changed since the last push (in the
    /// admin): not removed by `--prune`. Take them into Git.
    pub server_only: Vec<String>,
    /// The server's answer to the last request: its import and publish.
    pub server: Value,
}

/// How a push goes: whether posts whose file is gone here are removed there
/// (`prune`), and whether the server's own changes may be overwritten (`force`).
#[derive(Debug, Clone, Copy, Default)]
pub struct PushOptions {
    pub prune: bool,
    pub force: bool,
}

/// Pushes the changed files of `content` to the folio at `base`, which imports and
/// publishes them.
pub async fn push(
    content: &Path,
    base: &str,
    token: &str,
    options: PushOptions,
) -> Result<RemoteReport, RemoteError> {
    let remote = Remote::new(base, token)?;
    let (theirs, pushed) = remote.files().await?;
    let dir = content.to_owned();
    let ours = tokio::task::spawn_blocking(move || crate::content::hashes(&dir))
        .await
        .expect("hashing does not panic");
    let mut report = RemoteReport::default();
    let (ours, skipped): (BTreeMap<String, String>, BTreeMap<String, String>) = ours
        .into_iter()
        .partition(|(path, _)| crate::content::pushable(path));
    report.skipped = skipped.into_keys().collect();
    let mut send: Vec<&String> = Vec::new();
    for (path, hash) in &ours {
        let same = theirs.get(path) == Some(hash);
        let base = pushed.get(path) == Some(hash);
        match (same, base) {
            (true, true) => report.unchanged += 1,
            // Unchanged here since the last push: the server's change stands.
            (false, true) if !options.force => report.kept.push(path.clone()),
            // Changed here; or the same on both sides but not what the last push sent
            // (the server's version taken into Git), sent so the server takes it as
            // the base of the next push.
            _ => send.push(path),
        }
    }
    // Images before the posts that show them.
    send.sort_by_key(|path| (path.ends_with(".md"), (*path).clone()));
    if options.prune {
        let gone = theirs
            .iter()
            .filter(|(path, _)| path.ends_with(".md") && !ours.contains_key(*path));
        for (path, hash) in gone {
            // Only what a push sent, unchanged since, is removed.
            if options.force || pushed.get(path) == Some(hash) {
                report.deleted.push(path.clone());
            } else {
                report.server_only.push(path.clone());
            }
        }
    }
    if send.is_empty() && report.deleted.is_empty() {
        report.server = json!({ "up_to_date": true });
        return Ok(report);
    }
    let batches = batches(content, &send)?;
    report.sent = send.into_iter().cloned().collect();
    let last = batches.len() - 1;
    for (i, files) in batches.into_iter().enumerate() {
        let body = json!({
            "files": files,
            "delete": if i == last { report.deleted.clone() } else { Vec::new() },
            "publish": i == last,
            "force": options.force,
        });
        report.server = remote.send(&body).await?;
    }
    Ok(report)
}

/// The files `send` (paths in `content`), base64 in JSON, in batches of about
/// [`BATCH_BYTES`].
fn batches(content: &Path, send: &[&String]) -> Result<Vec<Vec<Value>>, RemoteError> {
    let mut batches: Vec<Vec<Value>> = vec![Vec::new()];
    let mut size = 0;
    for path in send {
        let bytes = std::fs::read(content.join(path)).map_err(|source| RemoteError::Io {
            path: (*path).clone(),
            source,
        })?;
        if size + bytes.len() > BATCH_BYTES && !batches.last().is_some_and(Vec::is_empty) {
            batches.push(Vec::new());
            size = 0;
        }
        size += bytes.len();
        batches
            .last_mut()
            .expect("a batch")
            .push(json!({ "path": path, "base64": STANDARD.encode(&bytes) }));
    }
    Ok(batches)
}

/// Path -> BLAKE3 hash of files of `content/`.
type Hashes = BTreeMap<String, String>;

/// The content API of a folio server.
struct Remote<'a> {
    client: reqwest::Client,
    api: String,
    token: &'a str,
}

impl<'a> Remote<'a> {
    fn new(base: &str, token: &'a str) -> Result<Self, RemoteError> {
        let api = format!("{}/admin/api/content", base.trim_end_matches('/'));
        let client = reqwest::Client::builder()
            .user_agent(concat!("folio/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(RemoteError::http)?;
        Ok(Self { client, api, token })
    }

    fn http(&self) -> impl FnOnce(reqwest::Error) -> RemoteError + '_ {
        RemoteError::http
    }

    /// Path -> hash of the files the server has, and of what the last push sent of
    /// those that changed on the server since.
    async fn files(&self) -> Result<(Hashes, Hashes), RemoteError> {
        let request = self.client.get(&self.api).bearer_auth(self.token);
        let theirs = answer(request.send().await.map_err(self.http())?).await?;
        let map = |key: &str| serde_json::from_value(theirs[key].clone()).unwrap_or_default();
        Ok((map("files"), map("pushed")))
    }

    /// Posts one batch; the server's answer.
    async fn send(&self, body: &Value) -> Result<Value, RemoteError> {
        let request = self
            .client
            .post(&self.api)
            .bearer_auth(self.token)
            .json(body);
        answer(request.send().await.map_err(self.http())?).await
    }
}

/// `folio sync`: asks the folio at `base` to pull its content repository (`[git]`);
/// with `wait`, the answer comes once what it pulled is published.
pub async fn sync(base: &str, token: &str, wait: bool) -> Result<Value, RemoteError> {
    let url = format!("{}/admin/api/git/sync", base.trim_end_matches('/'));
    let http = RemoteError::http;
    let client = reqwest::Client::builder()
        .user_agent(concat!("folio/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(http)?;
    let request = client
        .post(&url)
        .bearer_auth(token)
        .json(&json!({ "wait": wait }));
    answer(request.send().await.map_err(http)?).await
}

/// The body of a 2xx answer; else the server's error as it said it.
async fn answer(response: reqwest::Response) -> Result<Value, RemoteError> {
    let status = response.status().as_u16();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    if (200..300).contains(&status) {
        return Ok(body);
    }
    let message = body["error"]
        .as_str()
        .map(str::to_owned)
        .unwrap_or_else(|| body.to_string());
    Err(RemoteError::Server { status, message })
}
