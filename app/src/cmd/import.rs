//! `folio import` (a folder of Markdown, or a Ghost export) and `folio export`.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use folio::content::{self, ImportReport};
use folio::ghost::{GhostOptions, GhostReport};
use folio::site::Site;

use super::print_warnings;
use crate::cli::{ImportArgs, ImportFrom};

pub(super) async fn run(site: &Site, args: ImportArgs) -> Result<()> {
    match args.from {
        Some(ImportFrom::Ghost {
            file,
            images,
            permalink,
            members,
            redirects,
            max_bytes,
            verify,
            json,
        }) => {
            let author = site.current_config().default_author;
            let options = GhostOptions {
                images: images.as_deref(),
                content: &site.paths.content,
                author: &author,
                max_bytes,
                permalink: permalink.as_deref(),
                members,
                redirects: redirects.as_deref(),
            };
            let report = folio::ghost::import(&site.store, &file, &options).await?;
            commit_import(site, &file, &report)?;
            let verified = if verify {
                Some(verify_site(site, &file, max_bytes, members).await?)
            } else {
                None
            };
            if json {
                let mut value = serde_json::to_value(&report)?;
                if let Some(verified) = &verified {
                    value["verify"] = serde_json::to_value(verified)?;
                }
                println!("{}", serde_json::to_string_pretty(&value)?);
            } else {
                print_ghost(&report, &file);
                if let Some(verified) = &verified {
                    print_verified(verified);
                }
            }
            if let Some(verified) = verified.filter(|v| !v.missing.is_empty()) {
                anyhow::bail!(
                    "{} of the Ghost site's {} addresses are missing from the rendered site",
                    verified.missing.len(),
                    verified.checked
                );
            }
        }
        None => {
            let dir = args.dir.unwrap_or_else(|| site.paths.content.clone());
            let author = &site.config_at_start.default_author;
            let report =
                content::import_dir(&site.store, &dir, args.prune, author, site.clock().now())
                    .await
                    .with_context(|| format!("importing {}", dir.display()))?;
            if args.json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                print_warnings(&report.warnings);
                println!("{}", import_line(&report, &dir));
            }
        }
    }
    Ok(())
}

/// With `[git]`, or a content folder that is a Git working copy: the import is one
/// commit, which the server pushes at its next sync (with `[git]`). Members' posts go
/// with it: the repository must be private.
fn commit_import(site: &Site, file: &Path, report: &GhostReport) -> Result<()> {
    let config = &site.config_at_start.git;
    if config.remote.is_none() && !site.paths.content.join(".git").exists() {
        return Ok(());
    }
    let name = file.file_name().unwrap_or_default().to_string_lossy();
    let message = format!("Import from Ghost ({name})");
    let committed = folio::git::commit_folder(config, &site.paths.content, &message)
        .context("committing the import to the content repository")?;
    if let Some(id) = committed {
        tracing::info!(
            commit = id,
            "the import is one commit; the server pushes it at its next sync (or run `folio sync`)"
        );
    }
    let members = report.members_posts.len();
    if members > 0 {
        tracing::warn!(
            "{members} post(s) for Ghost's members are in the content repository (as drafts unless --members says otherwise): keep the repository private"
        );
    }
    Ok(())
}

pub(super) async fn export(site: &Site, dir: Option<PathBuf>) -> Result<()> {
    let dir = dir.unwrap_or_else(|| site.paths.content.clone());
    let author = site.current_config().default_author;
    let reading = content::save::Reading {
        author: &author,
        now: site.clock().now(),
    };
    let report = content::export_dir(&site.store, &site.paths.content, &dir, reading).await?;
    println!(
        "exported to {}: {} written, {} unchanged",
        dir.display(),
        report.written,
        report.unchanged
    );
    Ok(())
}

pub(super) fn import_line(report: &ImportReport, dir: &Path) -> String {
    let mut line = format!(
        "imported {}: {} added, {} updated, {} unchanged",
        dir.display(),
        report.added,
        report.updated,
        report.unchanged
    );
    if report.archived > 0 {
        line.push_str(&format!(", {} archived", report.archived));
    }
    if report.missing > 0 {
        line.push_str(&format!(
            ", {} whose file is gone (kept; --prune archives them)",
            report.missing
        ));
    }
    line
}

fn print_ghost(report: &GhostReport, file: &Path) {
    print_warnings(&report.warnings);
    for (slug, share) in &report.html_share {
        let mut kept = Vec::new();
        if let Some(cards) = report.cards_kept_as_html.get(slug) {
            kept.push(format!("{} card(s): {}", cards.len(), cards.join(", ")));
        }
        if let Some(elements) = report.elements_kept_as_html.get(slug) {
            kept.push(elements.join(", "));
        }
        println!(
            "{slug}: {share}% of the body kept as HTML: {}",
            kept.join("; ")
        );
    }
    if report.redirects > 0 {
        println!(
            "{} redirect(s) merged into content/redirects.yaml",
            report.redirects
        );
    }
    if !report.redirects_not_for_buckets.is_empty() {
        println!("patterns only `folio serve` answers (a bucket has no redirect for them):");
        for rule in &report.redirects_not_for_buckets {
            println!("  {rule}");
        }
    }
    if report.portal_links > 0 {
        println!(
            "{} link(s) to Ghost's members portal now go to /subscribe/ (members_url if set, else the feed)",
            report.portal_links
        );
    }
    if !report.members_posts.is_empty() {
        let what = match report.members {
            folio::ghost::Members::Draft => {
                "imported as drafts (--members preview or public to publish them)"
            }
            folio::ghost::Members::Preview => "published up to their members-only marker",
            folio::ghost::Members::Public => "published whole, to everyone",
        };
        println!("{} post(s) for members {what}:", report.members_posts.len());
        for slug in &report.members_posts {
            println!("  {slug}");
        }
    }
    if !report.media_missing.is_empty() {
        println!(
            "{} file(s) the posts use were not found (pass --images path/to/ghost/content/images):",
            report.media_missing.len()
        );
        for path in &report.media_missing {
            println!("  {path}");
        }
    }
    if !report.staff.is_empty() {
        println!("Ghost's staff, to invite under Users with the role each had (or from here):");
        for person in &report.staff {
            println!(
                "  {} ({}): folio user add {} --role {}",
                person.name,
                person.ghost_role,
                person.slug,
                person.role.as_str()
            );
        }
    }
    println!(
        "imported {} (Ghost {}): {} added, {} updated, {} unchanged; {} tags, {} authors, {} files copied",
        file.display(),
        report.version,
        report.added,
        report.updated,
        report.unchanged,
        report.tags,
        report.authors,
        report.media_copied
    );
}

/// Publishes the site (content/ imported), then checks every address of the Ghost
/// export against it.
async fn verify_site(
    site: &Site,
    file: &std::path::Path,
    max_bytes: u64,
    members: folio::ghost::Members,
) -> Result<folio::ghost::verify::Verified> {
    let options = folio::site::PublishOptions {
        import: true,
        ..folio::site::PublishOptions::default()
    };
    site.publish(options).await?;
    Ok(folio::ghost::verify::verify(
        file,
        max_bytes,
        members,
        &site.paths.out,
    )?)
}

fn print_verified(verified: &folio::ghost::verify::Verified) {
    println!(
        "verified {} addresses of the Ghost site: {} missing",
        verified.checked,
        verified.missing.len()
    );
    for url in &verified.missing {
        println!("  missing: {url}");
    }
    if verified.members_unpublished > 0 {
        println!(
            "  ({} post(s) for members left unpublished on purpose, not checked)",
            verified.members_unpublished
        );
    }
}
