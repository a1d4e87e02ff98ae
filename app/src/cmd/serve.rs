//! `folio serve`: the site, the admin (unless `--no-admin`), the schedule, the
//! deploy after each publish (when `[deploy]` names a bucket or a CDN), metrics.

use std::sync::Arc;

use anyhow::{Context, Result};

use folio::admin::{parse_proxies, Admin, AdminOptions, Keys};
use folio::deploy::worker::Deployer;
use folio::serve::listener::Limits;
use folio::serve::ServeOptions;
use folio::site::{PublishOptions, Publisher, Site};

use crate::cli::{PathArgs, ServeArgs};

pub(super) async fn run(site: Arc<Site>, paths: &PathArgs, args: ServeArgs) -> Result<()> {
    let options = PublishOptions {
        import: true,
        drafts: args.drafts,
        ..PublishOptions::default()
    };
    let watch = args.watch.then(|| folio::watch::ConfigSource {
        file: paths.config.clone(),
        overrides: paths.set.clone(),
    });
    // Publishes asked for while serving (the admin, the schedule) share builds.
    let publisher = Publisher::new(site.clone(), options);
    // A CDN named without its credentials stops the start, not the first deploy.
    let deployer = Deployer::new(site.clone()).context("[deploy] in folio.toml")?;
    let git = start_git(&site).await?;
    // Who may speak for clients: believed by the admin, and not held to the
    // listener's per-address cap.
    let proxies = parse_proxies(&args.admin.trusted_proxies)
        .map_err(anyhow::Error::msg)
        .context("FOLIO_TRUSTED_PROXIES")?;
    let admin = if args.admin.no_admin {
        None
    } else {
        let options = AdminOptions {
            secure_cookies: !args.admin.insecure_cookies,
            trusted_proxies: proxies.clone(),
            media_max_bytes: args.admin.media_max_bytes,
            own_listener: args.admin_listen.is_some(),
        };
        let admin = admin(&site, paths, options, publisher.clone()).await?;
        let webhook_secret = match &git {
            Some(_) => folio::config::secret("FOLIO_GIT_WEBHOOK_SECRET")?,
            None => None,
        };
        let admin = admin
            .with_deployer(deployer.clone())
            .with_git(git.clone(), webhook_secret);
        Some(Arc::new(admin))
    };
    let timeout = std::time::Duration::from_secs(args.header_timeout.max(1));
    let serve = ServeOptions {
        listen: args.listen,
        admin_listen: args.admin_listen,
        limits: Limits {
            max_connections: args.max_connections,
            per_address: args.max_connections_per_address,
            proxies: proxies.as_slice().into(),
            header_timeout: timeout,
            body_timeout: timeout,
        },
        publish: options,
        publisher,
        watch,
        admin,
        deployer,
        git,
        metrics: args.metrics_listen,
    };
    folio::serve::run(site, serve).await?;
    Ok(())
}

/// With `[git]`: the content folder made a working copy of the remote (cloned on an
/// empty volume) and caught up, before the first publish reads it.
async fn start_git(site: &Arc<Site>) -> Result<Option<Arc<folio::git::Git>>> {
    let config = &site.config_at_start.git;
    // Without a remote, a content folder that is a Git working copy gets the admin's
    // commits (nothing is pushed).
    if config.remote.is_none() && !site.paths.content.join(".git").exists() {
        return Ok(None);
    }
    // A push cut short by the last run is put back before anything is committed.
    folio::serve::recover_content(&site.paths.content);
    let git = folio::git::Git::start(site.clone())
        .await
        .context("[git] in folio.toml")?;
    let status = git.status();
    if git.has_remote() {
        tracing::info!(
            branch = status.branch,
            head = status.head,
            unpushed = status.unpushed,
            "git: the content folder is a working copy of the remote"
        );
    } else {
        tracing::info!(
            head = status.head,
            "git: the content folder is a Git working copy: the admin commits to it"
        );
    }
    Ok(Some(git))
}

/// The admin, with the server's secret key.
async fn admin(
    site: &Arc<Site>,
    paths: &PathArgs,
    options: AdminOptions,
    publisher: Arc<Publisher>,
) -> Result<Admin> {
    let keys = Keys::for_store(secret_key()?, &paths.db, &site.store).await?;
    Ok(Admin::new(site.clone(), keys, options, publisher))
}

/// `FOLIO_SECRET_KEY`, or the contents of the file `FOLIO_SECRET_KEY_FILE` names (a
/// mounted Kubernetes Secret, which keeps the key out of the environment).
pub(super) fn secret_key() -> Result<Option<String>> {
    Ok(folio::config::secret("FOLIO_SECRET_KEY")?)
}
