//! `folio backup` and `folio restore`: to and from a file, or an S3-compatible bucket.

use std::path::Path;

use anyhow::{Context, Result};

use folio::backup::{self as offsite, Content};
use folio::site::Site;
use folio::store::backup;

use crate::cli::{BackupArgs, PathArgs, RestoreArgs};

/// Writes a checked copy of the database into a file or a folder (keeping the newest
/// `keep`), or backs the site up into a bucket.
pub(super) async fn backup(site: &Site, args: BackupArgs) -> Result<()> {
    let BackupArgs {
        out,
        to,
        keep,
        json,
    } = args;
    let now = site.clock().now();
    let stamp = now.format("%Y%m%dT%H%M%S%.3fZ").to_string();
    if let Some(url) = to {
        to_bucket(site, &url, &stamp, keep, json).await?;
    } else if let Some(out) = out {
        to_file(site, &out, &stamp, keep).await?;
    }
    site.store
        .set_state(backup::LAST_BACKUP, &now.timestamp().to_string())
        .await?;
    Ok(())
}

async fn to_file(site: &Site, out: &Path, stamp: &str, keep: Option<usize>) -> Result<()> {
    let target = if out.is_dir() || out.to_string_lossy().ends_with('/') {
        out.join(format!("folio-{stamp}.db"))
    } else {
        out.to_owned()
    };
    site.store.backup_to(&target).await?;
    let checked = backup::check(&target).await?;
    println!(
        "backed up to {} ({} posts, integrity ok)",
        target.display(),
        checked.posts
    );
    if let Some(keep) = keep {
        let dir = target.parent().unwrap_or(Path::new("."));
        for removed in backup::prune(dir, keep)? {
            println!("removed the old backup {}", removed.display());
        }
    }
    Ok(())
}

async fn to_bucket(
    site: &Site,
    url: &str,
    stamp: &str,
    keep: Option<usize>,
    json: bool,
) -> Result<()> {
    // The content folder is left out only when Git holds it: the remote is the copy.
    let content = match &site.config_at_start.git.remote {
        Some(remote) => Content::InGit(remote.clone()),
        None => Content::Folder(&site.paths.content),
    };
    // The database's copy is made beside it, on the volume (the root is read-only).
    let db = site.store.files().into_iter().next();
    let scratch = db
        .as_deref()
        .and_then(Path::parent)
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .to_owned();
    let report = offsite::back_up(&site.store, content, url, stamp, keep, &scratch)
        .await
        .with_context(|| format!("backing up to {url}"))?;
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
        return Ok(());
    }
    let folder = match &report.content_in_git {
        Some(remote) => format!("the content folder is in Git ({remote}), not in the backup"),
        None => format!("{} files of the content folder", report.files),
    };
    println!(
        "backed up to {url} as {} ({} posts, {folder}; {} bytes in all, {} new blobs of {} bytes uploaded)",
        report.set, report.posts, report.bytes, report.uploaded, report.uploaded_bytes
    );
    for set in &report.removed_sets {
        println!("removed the old backup {set}");
    }
    if report.removed_blobs > 0 {
        println!(
            "removed {} blobs no kept backup names",
            report.removed_blobs
        );
    }
    Ok(())
}

/// Replaces the database (and, from a bucket, the content folder) with a checked backup.
pub(super) async fn restore(paths: &PathArgs, args: RestoreArgs) -> Result<()> {
    let db = &paths.db;
    let Some(url) = args.from else {
        let file = args.file.expect("clap requires a file or --from");
        let checked = backup::restore(&file, db).await?;
        println!(
            "restored {} into {} ({} posts; the previous database is kept as {}.before-restore)",
            file.display(),
            db.display(),
            checked.posts,
            db.display()
        );
        return Ok(());
    };
    if args.list {
        for (name, set) in offsite::list(&url).await? {
            let folder = set.content.map_or("content in Git".to_owned(), |files| {
                format!("{} files", files.len())
            });
            println!("{name}  {} posts, {folder}, folio {}", set.posts, set.folio);
        }
        return Ok(());
    }
    let report = offsite::restore(&url, args.set.as_deref(), db, &paths.content)
        .await
        .with_context(|| format!("restoring from {url}"))?;
    println!(
        "restored {} from {url} into {} ({} posts)",
        report.set,
        db.display(),
        report.posts
    );
    match (report.files, &report.content_in_git) {
        (Some(files), _) => println!("restored {files} files into {}", paths.content.display()),
        (None, Some(remote)) => println!(
            "the content folder is in Git ({remote}): folio serve clones it into an empty folder"
        ),
        (None, None) => {}
    }
    for kept in [&report.kept_database, &report.kept_content]
        .into_iter()
        .flatten()
    {
        println!("what was there is kept as {}", kept.display());
    }
    Ok(())
}
