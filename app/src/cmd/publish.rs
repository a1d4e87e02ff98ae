//! `folio publish`: import `content/`, render, and with `--bucket` (or `[deploy]
//! bucket`) sync the bucket, with `--purge` purge the CDNs; with `--watch`, go on
//! publishing changes.

use std::sync::Arc;

use anyhow::{Context, Result};

use folio::deploy::bucket::{self, BucketOptions, BucketReport, Headers};
use folio::deploy::purge::{paths_of, PurgeReport, Purgers};
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
    let report = report?;
    // The bucket of the flag, else the one `[deploy]` names.
    let bucket = args
        .bucket
        .bucket
        .as_ref()
        .or(site.config_at_start.deploy.bucket.as_ref());
    if args.bucket.purge {
        // After the sync: a CDN refetching from the bucket must find the new files.
        let synced = match bucket {
            Some(url) => Some(sync(site, url, &args).await?),
            None => None,
        };
        // What the bucket took is what the CDN caches; without one, what was written.
        let changed: Vec<String> = match &synced {
            Some(synced) => synced.changes.iter().map(|c| c.path.clone()).collect(),
            None => report
                .build
                .iter()
                .flat_map(|b| b.write.written.iter().chain(&b.write.removed))
                .cloned()
                .collect(),
        };
        let purged = purge(site, &changed).await?;
        if args.json {
            let all = serde_json::json!({ "publish": report, "bucket": synced, "purge": purged });
            println!("{}", serde_json::to_string_pretty(&all)?);
        } else {
            print_publish(&report, site, false)?;
            if let Some(synced) = &synced {
                print_bucket(synced);
            }
            for (cdn, purged) in &purged {
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
    if let Some(url) = bucket {
        let synced = sync(site, url, &args).await?;
        if args.json {
            let both = serde_json::json!({ "publish": report, "bucket": synced });
            println!("{}", serde_json::to_string_pretty(&both)?);
        } else {
            print_publish(&report, site, false)?;
            print_bucket(&synced);
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

/// Purges the CDNs of `[deploy]` of the URLs of the output files `changed`.
async fn purge(site: &Site, changed: &[String]) -> Result<Vec<(&'static str, PurgeReport)>> {
    let deploy = &site.config_at_start.deploy;
    let purgers = Purgers::from_config(deploy).context("[deploy] in folio.toml")?;
    if purgers.is_empty() {
        anyhow::bail!(
            "--purge needs cloudfront_distribution or cloudflare_zone in [deploy] of folio.toml"
        );
    }
    let paths = paths_of(changed);
    let mut done = Vec::new();
    if paths.is_empty() {
        return Ok(done);
    }
    if let Some(cloudfront) = &purgers.cloudfront {
        done.push((
            "CloudFront",
            cloudfront.invalidate(&paths, purgers.all_above).await?,
        ));
    }
    if let Some(cloudflare) = &purgers.cloudflare {
        let base = site.config_at_start.base_url.trim_end_matches('/');
        let urls = paths.iter().map(|p| format!("{base}{p}")).collect();
        done.push((
            "Cloudflare",
            cloudflare.purge(urls, purgers.all_above).await?,
        ));
    }
    Ok(done)
}

/// Syncs the output folder to the bucket at `url`.
async fn sync(site: &Site, url: &str, args: &PublishArgs) -> Result<BucketReport> {
    let options = BucketOptions {
        dry_run: args.bucket.dry_run,
        delete: !args.bucket.no_delete,
        concurrency: args.bucket.concurrency,
    };
    let config = site.effective_config().await?;
    let headers = Headers::new(&config.deploy.headers, config.cdn_max_age, config.csp())?;
    let (bar, told) = progress("uploading", args.json);
    let synced = bucket::sync(&site.paths.out, url, &headers, options, told).await;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    synced.with_context(|| format!("publishing to {url}"))
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
