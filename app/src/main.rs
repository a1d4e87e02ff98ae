//! The `folio` binary: parse the command line, set up logging, run one command.

use std::io::IsTerminal;
use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, Result};
use clap::Parser;

use folio::admin::{parse_proxies, Admin, AdminOptions, Keys};
use folio::build::{Paths, Progress, PublishOptions, PublishReport, Site};
use folio::config::SiteConfig;
use folio::content;
use folio::render::ThemeSource;
use folio::store::Store;

mod cli;
mod user;

use cli::{Cli, Command, ImportFrom, PathArgs};

// glibc's allocator spent ~13% of a cold render in malloc/free and fragments across
// rayon's threads; mimalloc is faster (user time of a cold 10k render -10%).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    // Where transparent huge pages are always on (Debian's default), mimalloc's
    // aligned regions fault in 2 MiB at a time: +25-50% resident memory for no
    // measurable speed. Memory is what a small VPS runs out of first.
    #[cfg(target_os = "linux")]
    let _ = rustix::thread::disable_transparent_huge_pages(true);
    let cli = Cli::parse();
    init_logging();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime starts");
    match runtime.block_on(run(cli)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("FOLIO_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if std::env::var("FOLIO_LOG_FORMAT").is_ok_and(|f| f == "json") {
        builder.json().init();
    } else {
        builder.with_ansi(std::io::stderr().is_terminal()).init();
    }
}

async fn run(cli: Cli) -> Result<()> {
    // Restoring replaces the database: it must not be open.
    if let Command::Restore { file } = &cli.command {
        let checked = folio::store::backup::restore(file, &cli.paths.db).await?;
        println!(
            "restored {} into {} ({} posts; the previous database is kept as {}.before-restore)",
            file.display(),
            cli.paths.db.display(),
            checked.posts,
            cli.paths.db.display()
        );
        return Ok(());
    }
    if let Command::Publish {
        remote: Some(remote),
        token,
        prune,
        json,
        ..
    } = &cli.command
    {
        let token = token
            .as_deref()
            .context("--remote needs a token: --token or FOLIO_TOKEN")?;
        let report = folio::deploy::remote::push(&cli.paths.content, remote, token, *prune)
            .await
            .with_context(|| format!("publishing to {remote}"))?;
        for path in &report.skipped {
            tracing::warn!(
                "not pushed: {path} (a push carries Markdown and PNG, JPEG, GIF, WebP or \
                 AVIF images only; publish other files from where the site is built)"
            );
        }
        if *json {
            println!("{}", serde_json::to_string_pretty(&report)?);
        } else {
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
        }
        return Ok(());
    }
    if let Command::Healthcheck { url } = &cli.command {
        let status = folio::serve::health::probe(url, std::time::Duration::from_secs(3))
            .with_context(|| format!("asking {url}"))?;
        if status != 200 {
            anyhow::bail!("{url} answered {status}");
        }
        println!("{url}: 200 OK");
        return Ok(());
    }
    let site = open_site(&cli.paths).await?;
    match cli.command {
        Command::Restore { .. } | Command::Healthcheck { .. } => {
            unreachable!("handled before the store opens")
        }
        Command::Backup { out, keep } => {
            let target = if out.is_dir() || out.to_string_lossy().ends_with('/') {
                let name = format!("folio-{}.db", chrono::Utc::now().format("%Y%m%dT%H%M%SZ"));
                out.join(name)
            } else {
                out.clone()
            };
            site.store.backup_to(&target).await?;
            let checked = folio::store::backup::check(&target).await?;
            println!(
                "backed up to {} ({} posts, integrity ok)",
                target.display(),
                checked.posts
            );
            if let Some(keep) = keep {
                let dir = target.parent().unwrap_or(Path::new("."));
                for removed in folio::store::backup::prune(dir, keep)? {
                    println!("removed the old backup {}", removed.display());
                }
            }
            site.store.close().await;
        }
        Command::Serve {
            listen,
            metrics_listen,
            admin_listen,
            max_connections,
            header_timeout,
            drafts,
            watch,
            admin,
        } => {
            let options = PublishOptions {
                import: true,
                drafts,
                ..PublishOptions::default()
            };
            let watch = watch.then(|| folio::watch::ConfigSource {
                file: cli.paths.config.clone(),
                overrides: cli.paths.set.clone(),
            });
            let site = Arc::new(site);
            // Publishes asked for while serving (the admin, the schedule) share builds.
            let publisher = folio::build::Publisher::new(site.clone(), options);
            let admin = if admin.no_admin {
                None
            } else {
                let keys = Keys::for_store(secret_key()?, &cli.paths.db, &site.store).await?;
                let trusted_proxies = parse_proxies(&admin.trusted_proxies)
                    .map_err(anyhow::Error::msg)
                    .context("FOLIO_TRUSTED_PROXIES")?;
                let admin_options = AdminOptions {
                    secure_cookies: !admin.insecure_cookies,
                    trusted_proxies,
                    media_max_bytes: admin.media_max_bytes,
                };
                Some(Arc::new(Admin::new(
                    site.clone(),
                    keys,
                    admin_options,
                    publisher.clone(),
                )))
            };
            let timeout = std::time::Duration::from_secs(header_timeout.max(1));
            let serve = folio::serve::ServeOptions {
                listen,
                admin_listen,
                limits: folio::serve::listener::Limits {
                    max_connections,
                    header_timeout: timeout,
                    body_timeout: timeout,
                },
                publish: options,
                publisher,
                watch,
                admin,
                metrics: metrics_listen,
            };
            folio::serve::run(site, serve).await?;
        }
        Command::User { command } => {
            user::run(&site.store, command).await?;
            site.store.close().await;
        }
        Command::Publish {
            drafts,
            prune,
            force,
            watch,
            json,
            bucket,
            ..
        } => {
            let options = PublishOptions {
                import: true,
                prune,
                drafts,
                force,
            };
            // A bar on a terminal; in CI (no terminal) only the summary lines.
            let bar = (!json && std::io::stderr().is_terminal()).then(progress_bar);
            let progress = bar.clone().map(|bar| -> Progress {
                Arc::new(move |done, total| {
                    bar.set_length(total);
                    bar.set_position(done);
                })
            });
            let report = site.publish_reporting(options, progress).await;
            if let Some(bar) = bar {
                bar.finish_and_clear();
            }
            let report = report?;
            if let Some(url) = &bucket.bucket {
                let options = folio::deploy::bucket::BucketOptions {
                    dry_run: bucket.dry_run,
                    delete: !bucket.no_delete,
                    concurrency: bucket.concurrency,
                };
                let config = site.effective_config().await?;
                let headers = folio::deploy::bucket::Headers::new(
                    &config.deploy.headers,
                    config.cdn_max_age,
                    config.csp(),
                )?;
                let bar = (!json && std::io::stderr().is_terminal()).then(|| {
                    let bar = indicatif::ProgressBar::new(0);
                    bar.set_style(
                        indicatif::ProgressStyle::with_template(
                            "uploading {bar:30} {pos}/{len} {elapsed}",
                        )
                        .expect("a valid progress template"),
                    );
                    bar
                });
                let progress = bar.clone().map(|bar| -> Progress {
                    Arc::new(move |done, total| {
                        bar.set_length(total);
                        bar.set_position(done);
                    })
                });
                let synced =
                    folio::deploy::bucket::sync(&site.paths.out, url, &headers, options, progress)
                        .await;
                if let Some(bar) = bar {
                    bar.finish_and_clear();
                }
                let synced = synced.with_context(|| format!("publishing to {url}"))?;
                if json {
                    let both = serde_json::json!({ "publish": report, "bucket": synced });
                    println!("{}", serde_json::to_string_pretty(&both)?);
                } else {
                    print_publish(&report, &site, false)?;
                    print_bucket(&synced);
                }
                site.store.close().await;
                return Ok(());
            }
            print_publish(&report, &site, json)?;
            if watch {
                // Nobody listens for reloads here: the log says what happened.
                let (live, _) = tokio::sync::broadcast::channel(1);
                let site = Arc::new(site);
                let options = PublishOptions {
                    force: false,
                    ..options
                };
                tokio::select! {
                    result = folio::watch::run(site.clone(), options, folio::watch::ConfigSource { file: cli.paths.config.clone(), overrides: cli.paths.set.clone() }, live) => result?,
                    _ = tokio::signal::ctrl_c() => {}
                }
                site.store.close().await;
            } else {
                site.store.close().await;
            }
        }
        Command::Import {
            from:
                Some(ImportFrom::Ghost {
                    file,
                    images,
                    permalink,
                    max_bytes,
                    json,
                }),
            ..
        } => {
            let options = folio::ghost::GhostOptions {
                images: images.as_deref(),
                content: &site.paths.content,
                max_bytes,
                permalink: permalink.as_deref(),
            };
            let report = folio::ghost::import(&site.store, &file, &options).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                print_ghost(&report, &file);
            }
            site.store.close().await;
        }
        Command::Import {
            from: None,
            dir,
            prune,
            json,
        } => {
            let dir = dir.unwrap_or_else(|| site.paths.content.clone());
            let report = content::import_dir(&site.store, &dir, prune, &site.config.default_author)
                .await
                .with_context(|| format!("importing {}", dir.display()))?;
            if json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                print_warnings(&report.warnings);
                println!("{}", import_line(&report, &dir));
            }
            site.store.close().await;
        }
        Command::Export { dir } => {
            let dir = dir.unwrap_or_else(|| site.paths.content.clone());
            let report = content::export_dir(&site.store, &dir).await?;
            println!(
                "exported to {}: {} written, {} unchanged",
                dir.display(),
                report.written,
                report.unchanged
            );
            site.store.close().await;
        }
    }
    Ok(())
}

/// `FOLIO_SECRET_KEY`, or the contents of the file `FOLIO_SECRET_KEY_FILE` names (a
/// mounted Kubernetes Secret, which keeps the key out of the environment).
fn secret_key() -> Result<Option<String>> {
    if let Ok(key) = std::env::var("FOLIO_SECRET_KEY") {
        return Ok(Some(key));
    }
    match std::env::var("FOLIO_SECRET_KEY_FILE") {
        Ok(path) => std::fs::read_to_string(&path)
            .map(|key| Some(key.trim().to_owned()))
            .with_context(|| format!("reading FOLIO_SECRET_KEY_FILE {path}")),
        Err(_) => Ok(None),
    }
}

async fn open_site(args: &PathArgs) -> Result<Site> {
    let config = SiteConfig::load(&args.config, &args.set)?;
    let theme = match args.theme.clone().or_else(|| config.theme.clone()) {
        Some(dir) => ThemeSource::Dir(dir),
        None if Path::new("themes/default").is_dir() => ThemeSource::Dir("themes/default".into()),
        None => ThemeSource::Embedded,
    };
    let store = Store::open(&args.db).await?;
    let paths = Paths {
        content: args.content.clone(),
        theme,
        templates: args.templates.clone(),
        out: args.out.clone(),
        // Beside the database: the volume that keeps state between runs.
        cache: Some(args.db.parent().unwrap_or(Path::new(".")).join("cache")),
    };
    Ok(Site::new(store, config, paths))
}

fn progress_bar() -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template("rendering {bar:30} {pos}/{len} pages {elapsed}")
            .expect("a valid progress template"),
    );
    bar
}

fn print_warnings(warnings: &[String]) {
    for warning in warnings {
        eprintln!("warning: {warning}");
    }
}

fn import_line(report: &content::ImportReport, dir: &Path) -> String {
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

fn print_ghost(report: &folio::ghost::GhostReport, file: &Path) {
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

fn print_bucket(report: &folio::deploy::bucket::BucketReport) {
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
