//! `folio publish --remote URL`: push the changed files of `content/` to a folio
//! server, which imports and publishes them; `folio sync`: ask a server whose content
//! is in Git to pull it.

use anyhow::{Context, Result};

use crate::cli::{PathArgs, PublishArgs};

pub(super) async fn run(paths: &PathArgs, args: &PublishArgs) -> Result<()> {
    let remote = args.remote.as_deref().unwrap_or_default();
    let token = args
        .token
        .as_deref()
        .context("--remote needs a token: --token or FOLIO_TOKEN")?;
    let options = folio::deploy::remote::PushOptions {
        prune: args.prune,
        force: args.force,
    };
    let report = folio::deploy::remote::push(&paths.content, remote, token, options)
        .await
        .with_context(|| format!("publishing to {remote}"))?;
    for path in &report.skipped {
        tracing::warn!(
            "not pushed: {path} (a push carries Markdown, PNG, JPEG, GIF, WebP or AVIF \
             images and the site's data files only; publish other files from where the \
             site is built)"
        );
    }
    for path in &report.kept {
        tracing::warn!(
            "kept on the server: {path} changed there (in the admin) since the last push and \
             not here; take the server's version into Git (--force replaces it)"
        );
    }
    for path in &report.server_only {
        tracing::warn!(
            "not removed: {path} was written or changed on the server (in the admin) since \
             the last push; take it into Git (--force with --prune removes it)"
        );
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
        return Ok(());
    }
    for path in &report.sent {
        println!("sent {path}");
    }
    for path in &report.deleted {
        println!("removed {path}");
    }
    println!(
        "{}: {} sent, {} removed, {} unchanged; the server says: {}",
        remote,
        report.sent.len(),
        report.deleted.len(),
        report.unchanged,
        report.server
    );
    Ok(())
}

pub(super) async fn sync(remote: &str, token: &str, wait: bool) -> Result<()> {
    let answer = folio::deploy::remote::sync(remote, token, wait)
        .await
        .with_context(|| format!("syncing {remote}"))?;
    let head = answer["head"].as_str().unwrap_or("none");
    match answer["pulled"].as_str() {
        Some(pulled) => println!("{remote}: {pulled}, published at commit {head}"),
        None => println!("{remote}: a pull is on its way (at commit {head} now)"),
    }
    Ok(())
}
