//! `folio import` (a folder of Markdown, or a Ghost export) and `folio export`.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use folio::build::Site;
use folio::content::{self, ImportReport};
use folio::ghost::{GhostOptions, GhostReport};

use super::print_warnings;
use crate::cli::{ImportArgs, ImportFrom};

pub async fn run(site: &Site, args: ImportArgs) -> Result<()> {
    match args.from {
        Some(ImportFrom::Ghost {
            file,
            images,
            permalink,
            members,
            redirects,
            max_bytes,
            json,
        }) => {
            let options = GhostOptions {
                images: images.as_deref(),
                content: &site.paths.content,
                max_bytes,
                permalink: permalink.as_deref(),
                members,
                redirects: redirects.as_deref(),
            };
            let report = folio::ghost::import(&site.store, &file, &options).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                print_ghost(&report, &file);
            }
        }
        None => {
            let dir = args.dir.unwrap_or_else(|| site.paths.content.clone());
            let author = &site.config.default_author;
            let report =
                content::import_dir(&site.store, &dir, args.prune, author, site.clock.now())
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

pub async fn export(site: &Site, dir: Option<PathBuf>) -> Result<()> {
    let dir = dir.unwrap_or_else(|| site.paths.content.clone());
    let report = content::export_dir(&site.store, &dir).await?;
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
    for (slug, cards) in &report.cards_kept_as_html {
        println!(
            "{slug}: kept as HTML: {} card(s): {}",
            cards.len(),
            cards.join(", ")
        );
    }
    for (slug, elements) in &report.elements_kept_as_html {
        println!("{slug}: kept as HTML: {}", elements.join(", "));
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
