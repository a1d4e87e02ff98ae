//! `folio backup` and `folio restore`.

use std::path::Path;

use anyhow::Result;

use folio::site::Site;
use folio::store::backup;

use crate::cli::BackupArgs;

/// Writes a checked copy of the database, and keeps the newest `keep` in a folder.
pub(super) async fn backup(site: &Site, args: BackupArgs) -> Result<()> {
    let BackupArgs { out, keep } = args;
    let target = if out.is_dir() || out.to_string_lossy().ends_with('/') {
        let name = format!(
            "folio-{}.db",
            site.clock().now().format("%Y%m%dT%H%M%S%.3fZ")
        );
        out.join(name)
    } else {
        out.clone()
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

/// Replaces the database `db` with the checked backup `file`.
pub(super) async fn restore(file: &Path, db: &Path) -> Result<()> {
    let checked = backup::restore(file, db).await?;
    println!(
        "restored {} into {} ({} posts; the previous database is kept as {}.before-restore)",
        file.display(),
        db.display(),
        checked.posts,
        db.display()
    );
    Ok(())
}
