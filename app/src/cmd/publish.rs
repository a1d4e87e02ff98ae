//! `folio publish`: import `content/`, render, and with `--bucket` (or `[deploy]
//! bucket`) sync the bucket, with `--purge` purge the CDNs; with `--watch`, go on
//! publishing changes.

use std::sync::Arc;

use anyhow::{Context, Result};

use folio::deploy::bucket::{BucketOptions, BucketReport};
use folio::deploy::purge::Purgers;
use folio::deploy::sequence::{self, Changes, DeployReport, Target};
use folio::site::{PublishOptions, PublishReport, Site};

use super::import::import_line;
use super::{print_warnings, progress};
use crate::cli::{PathArgs, PublishArgs};

pub(super) async fn run(site: &Arc<Site>, paths: &PathArgs, args: PublishArgs) -> Result<()> {
    let options = PublishOptions {
        import: true,
        prune: args.prune,
        drafts: args.drafts,
        force: args.force,
    };
    let (bar, told) = progress("rendering", args.json);
    let report = site.publish_reporting(options, told).await;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    let mut report = report?;
    if let Some(import) = &report.import {
        let (content, out) = (&site.paths.content, &site.paths.out);
        let started = std::time::Instant::now();
        let links = folio::site::links::broken(content, out, &import.changed);
        tracing::debug!(
            files = import.changed.len(),
            millis = started.elapsed().as_millis() as u64,
            "checked the links of the files imported"
        );
        report.warnings.extend(links);
    }
    // The bucket of the flag, else the one `[deploy]` names.
    let bucket = args
        .bucket
        .bucket
        .as_deref()
        .or(site.config_at_start.deploy.bucket.as_deref());
    if bucket.is_some() || args.bucket.purge {
        let deployed = deploy(site, bucket, &args, &report).await?;
        if args.json {
            let all = serde_json::json!({
                "publish": report,
                "bucket": deployed.bucket,
                "purge": deployed.purged,
            });
            println!("{}", serde_json::to_string_pretty(&all)?);
        } else {
            print_publish(&report, site, false)?;
            if let Some(synced) = &deployed.bucket {
                print_bucket(synced);
            }
            for (cdn, purged) in &deployed.purged {
                let what = if purged.everything {
                    "everything".to_owned()
                } else {
                    format!("{} URLs", purged.urls.len())
                };
                println!("purged {cdn}: {what} in {} requests", purged.requests);
            }
        }
        return Ok(());
    }
    print_publish(&report, site, args.json)?;
    if args.watch {
        // Nobody listens for reloads here: the log says what happened.
        let (live, _) = tokio::sync::broadcast::channel(1);
        let options = PublishOptions {
            force: false,
            ..options
        };
        let config = folio::watch::ConfigSource {
            file: paths.config.clone(),
            overrides: paths.set.clone(),
        };
        tokio::select! {
            result = folio::watch::run(site.clone(), options, config, live) => result?,
            _ = tokio::signal::ctrl_c() => {}
        }
    }
    Ok(())
}

/// The deploy after a publish (see [`folio::deploy::sequence`]): the bucket, if
/// any, then with `--purge` the CDNs of `[deploy]`.
async fn deploy(
    site: &Site,
    bucket: Option<&str>,
    args: &PublishArgs,
    report: &PublishReport,
) -> Result<DeployReport> {
    let purgers = if args.bucket.purge {
        let deploy = &site.config_at_start.deploy;
        let purgers = Purgers::from_config(deploy).context("[deploy] in folio.toml")?;
        if purgers.is_empty() {
            anyhow::bail!(
                "--purge needs cloudfront_distribution or cloudflare_zone in [deploy] of folio.toml"
            );
        }
        purgers
    } else {
        Purgers::none()
    };
    // A dry run changes nothing anywhere, CDN caches included.
    let purgers = if args.bucket.dry_run {
        Purgers::none()
    } else {
        purgers
    };
    let target = Target {
        bucket,
        bucket_options: BucketOptions {
            dry_run: args.bucket.dry_run,
            delete: !args.bucket.no_delete,
            concurrency: args.bucket.concurrency,
        },
        purgers: &purgers,
    };
    let changes = Changes {
        files: (report.build.iter())
            .flat_map(|b| b.write.written.iter().chain(&b.write.removed))
            .cloned()
            .collect(),
        everything: false,
    };
    let (bar, told) = progress("uploading", args.json || bucket.is_none());
    let deployed = sequence::deploy(site, &target, &changes, told).await;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    Ok(deployed?)
}

fn print_bucket(report: &BucketReport) {
    let verb = if report.dry_run { "would" } else { "did" };
    for change in &report.changes {
        println!(
            "{verb} {} {} ({} bytes)",
            change.op, change.path, change.bytes
        );
    }
    let count = |op: &str| report.changes.iter().filter(|c| c.op == op).count();
    println!(
        "{}{}: {} new, {} updated, {} deleted, {} unchanged ({} bytes up) in {} ms",
        if report.dry_run {
            "dry run, nothing changed in "
        } else {
            "published to "
        },
        report.bucket,
        count("upload"),
        count("update"),
        count("delete"),
        report.unchanged,
        report.uploaded_bytes,
        report.millis
    );
    if !report.changed_pages.is_empty() {
        println!("changed pages (to purge from a CDN cache):");
        for page in &report.changed_pages {
            println!("  {page}");
        }
    }
}

fn print_publish(report: &PublishReport, site: &Site, json: bool) -> Result<()> {
    if json {
        println!("{}", serde_json::to_string_pretty(report)?);
        return Ok(());
    }
    if let Some(import) = &report.import {
        print_warnings(&import.warnings);
        println!("{}", import_line(import, &site.paths.content));
    }
    print_warnings(&report.warnings);
    let Some(build) = &report.build else {
        println!(
            "nothing changed since the last build of {}: the site is up to date (--force renders anyway)",
            site.paths.out.display()
        );
        return Ok(());
    };
    println!(
        "rendered {} posts and {} pages into {} in {} ms (import {} ms, store {} ms): \
         {} files, {} written, {} unchanged, {} removed",
        build.posts,
        build.pages,
        site.paths.out.display(),
        build.millis,
        report.import_millis,
        report.snapshot_millis,
        build.files,
        build.write.written.len(),
        build.write.unchanged,
        build.write.removed.len()
    );
    Ok(())
}
