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
    let warnings = report.server["import"]["warnings"].as_array();
    for warning in warnings.into_iter().flatten().filter_map(|w| w.as_str()) {
        eprintln!("warning: {warning}");
    }
    for path in &report.sent {
        println!("sent {path}");
    }
    for path in &report.deleted {
        println!("removed {path}");
    }
    println!(
        "{}: {} sent, {} removed, {} unchanged; {}",
        remote,
        report.sent.len(),
        report.deleted.len(),
        report.unchanged,
        server_said(&report.server)
    );
    Ok(())
}

/// The server's import and publish, said in words (`--json` has them whole).
fn server_said(answer: &serde_json::Value) -> String {
    let count = |v: &serde_json::Value| v.as_u64().unwrap_or(0);
    if answer["up_to_date"] == true {
        return "the server's site is up to date".to_owned();
    }
    let import = &answer["import"];
    let publish = &answer["publish"];
    let imported = format!(
        "the server imported {} added, {} updated, {} unchanged",
        count(&import["added"]),
        count(&import["updated"]),
        count(&import["unchanged"])
    );
    if publish.is_null() {
        return format!("{imported}; nothing published");
    }
    if publish["up_to_date"] == true {
        return format!("{imported}; the site was up to date");
    }
    format!(
        "{imported}; published {} page(s), {} file(s) written, {} removed, in {} ms",
        count(&publish["rendered"]),
        publish["written"].as_array().map_or(0, Vec::len),
        publish["deleted"].as_array().map_or(0, Vec::len),
        count(&publish["millis"])
    )
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
