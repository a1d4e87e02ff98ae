//! The subcommands, one file each. Each gets its arguments and, when it needs one,
//! the site opened from the command line's paths; it closes the store when done.

mod backup;
mod import;
mod integration;
mod publish;
mod push;
mod serve;
mod user;

use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, Result};

use folio::config::SiteConfig;
use folio::render::ThemeSource;
use folio::site::{Paths, Progress, Site};
use folio::store::Store;

use crate::cli::{Cli, Command, PathArgs};

/// A failure as `--json` prints it: `error`, the message's first line, and `files`,
/// each file at fault with its line (empty when the failure is not a file's).
pub(crate) fn json_error(error: &anyhow::Error) -> serde_json::Value {
    let files: Vec<folio::content::FileError> = error
        .chain()
        .find_map(|e| {
            // A publish's content error is transparent: it is its own source.
            e.downcast_ref::<folio::content::ContentError>().or(
                match e.downcast_ref::<folio::site::PublishError>() {
                    Some(folio::site::PublishError::Content(inner)) => Some(inner),
                    _ => None,
                },
            )
        })
        .map(folio::content::ContentError::by_file)
        .unwrap_or_default();
    let message = format!("{error:#}");
    serde_json::json!({
        "error": message.lines().next().unwrap_or_default().trim_end_matches(':'),
        "files": files,
    })
}

pub(crate) async fn run(cli: Cli) -> Result<()> {
    let Cli { paths, command } = cli;
    match command {
        // Restoring replaces the database: it must not be open.
        Command::Restore(args) => backup::restore(&paths, args).await,
        Command::Healthcheck { url, listen } => health(&url.unwrap_or_else(|| healthz(listen))),
        Command::Sync {
            remote,
            token,
            wait,
        } => push::sync(&remote, &token, wait).await,
        // A push renders nothing here: the server it goes to does.
        Command::Publish(args) if args.remote.is_some() => push::run(&paths, &args).await,
        command => {
            let site = open_site(&paths).await?;
            let result = match command {
                Command::Serve(args) => serve::run(site.clone(), &paths, args).await,
                Command::Publish(args) => publish::run(&site, &paths, args).await,
                Command::Import(args) => import::run(&site, args).await,
                Command::Export { dir } => import::export(&site, dir).await,
                Command::Backup(args) => backup::backup(&site, args).await,
                Command::User { command } => user::run(&site.store, command).await,
                Command::Integration { command } => {
                    integration::run(&site.store, &paths, command).await
                }
                Command::Restore(_) | Command::Healthcheck { .. } | Command::Sync { .. } => Ok(()),
            };
            site.store.close().await;
            result
        }
    }
}

/// `/healthz` of a server listening on `listen`, asked on loopback when it listens on
/// every address (`0.0.0.0:8080`, as in the container).
fn healthz(listen: std::net::SocketAddr) -> String {
    let mut at = listen;
    if at.ip().is_unspecified() {
        at.set_ip(match at {
            std::net::SocketAddr::V4(_) => std::net::Ipv4Addr::LOCALHOST.into(),
            std::net::SocketAddr::V6(_) => std::net::Ipv6Addr::LOCALHOST.into(),
        });
    }
    format!("http://{at}/healthz")
}

/// `folio healthcheck`: exit 0 when the server answers 200.
fn health(url: &str) -> Result<()> {
    let status = folio::serve::health::probe(url, std::time::Duration::from_secs(3))
        .with_context(|| format!("asking {url}"))?;
    if status != 200 {
        anyhow::bail!("{url} answered {status}");
    }
    println!("{url}: 200 OK");
    Ok(())
}

/// The site the paths and `folio.toml` describe, its store open.
async fn open_site(args: &PathArgs) -> Result<Arc<Site>> {
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
    Ok(Arc::new(Site::new(store, config, paths)))
}

/// A progress bar on a terminal (`{verb} ...`), none in CI or with `--json`: there
/// only the summary lines are printed. Returns the bar, to clear, and what tells it.
fn progress(verb: &str, json: bool) -> (Option<indicatif::ProgressBar>, Option<Progress>) {
    use std::io::IsTerminal;
    if json || !std::io::stderr().is_terminal() {
        return (None, None);
    }
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template(&format!(
            "{verb} {{bar:30}} {{pos}}/{{len}} {{elapsed}}"
        ))
        .expect("a valid progress template"),
    );
    let told = bar.clone();
    let progress: Progress = Arc::new(move |done, total| {
        told.set_length(total);
        told.set_position(done);
    });
    (Some(bar), Some(progress))
}

fn print_warnings(warnings: &[String]) {
    for warning in warnings {
        eprintln!("warning: {warning}");
    }
}
