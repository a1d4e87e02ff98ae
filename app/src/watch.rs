//! `--watch`: live editing. Changes under `content/`, the theme and the template
//! overrides are debounced, then imported and rendered incrementally; browsers
//! following `/__folio/live` reload by themselves, or show the error of a broken file
//! while the last good site stays published.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use notify::event::{EventKind, ModifyKind};
use notify::{RecursiveMode, Watcher};
use tokio::sync::{broadcast, mpsc};

use crate::config::SiteConfig;
use crate::render::ThemeSource;
use crate::site::{PublishOptions, Site};

/// What the browsers of a watching server are told.
#[derive(Debug, Clone, PartialEq)]
pub enum LiveEvent {
    /// The site was rebuilt: reload.
    Reload,
    /// The last change could not be published; the message says why.
    Error(String),
}

/// What kind of input a changed path is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeKind {
    Content,
    Theme,
    Config,
}

#[derive(Debug, thiserror::Error)]
#[error("cannot watch {path}: {message}")]
pub struct WatchError {
    path: PathBuf,
    message: String,
}

/// Editors write backups, swap files and temporary files next to the real ones;
/// none of them is content.
pub fn is_editor_leftover(path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    name.starts_with('.')
        || name.starts_with('#')
        || name.ends_with('~')
        || name.ends_with(".swp")
        || name.ends_with(".swx")
        || name.ends_with(".tmp")
        || name == "4913"
}

/// Which input `path` belongs to, if any.
pub fn classify(path: &Path, site: &Site, config_file: &Path) -> Option<ChangeKind> {
    if is_editor_leftover(path) {
        return None;
    }
    let under = |dir: &Path| std::path::absolute(dir).is_ok_and(|dir| path.starts_with(dir));
    if std::path::absolute(config_file).is_ok_and(|c| c == path) {
        Some(ChangeKind::Config)
    } else if under(&site.paths.content) {
        Some(ChangeKind::Content)
    } else if under(&site.paths.templates)
        || matches!(&site.paths.theme, ThemeSource::Dir(d) if under(d))
    {
        Some(ChangeKind::Theme)
    } else {
        None
    }
}

/// Where the site's configuration comes from, to load it again when it changes.
#[derive(Debug, Clone)]
pub struct ConfigSource {
    /// `folio.toml`.
    pub file: PathBuf,
    /// `--set` overrides, applied on top.
    pub overrides: Vec<(String, String)>,
}

/// Watches the site's inputs until the process ends, publishing after each change and
/// telling `live` (the browsers) what happened.
pub async fn run(
    site: Arc<Site>,
    options: PublishOptions,
    config: ConfigSource,
    live: broadcast::Sender<LiveEvent>,
) -> Result<(), WatchError> {
    let ConfigSource {
        file: config_file,
        overrides,
    } = config;
    let (tx, mut rx) = mpsc::unbounded_channel::<Vec<PathBuf>>();
    // Dropped when the loop ends, which stops the watching.
    let _watcher = watch_folders(&site, &config_file, tx)?;
    // Browsers show the last error until told to reload, even when the fix brings
    // back the very site that was published before it.
    let mut showing_error = false;
    while let Some(mut paths) = rx.recv().await {
        // Debounce: an editor's save is several events; take them as one change.
        while let Ok(Some(more)) = tokio::time::timeout(Duration::from_millis(150), rx.recv()).await
        {
            paths.extend(more);
        }
        let kinds: Vec<ChangeKind> = paths
            .iter()
            .filter_map(|p| classify(p, &site, &config_file))
            .collect();
        if kinds.is_empty() {
            continue;
        }
        if kinds.contains(&ChangeKind::Config) && !reload(&site, &config_file, &overrides, &live) {
            showing_error = true;
            continue;
        }
        match site.publish(options).await {
            Ok(report) => {
                if let Some(build) = &report.build {
                    tracing::info!(
                        rendered = build.rendered,
                        written = build.write.written.len(),
                        millis = build.millis as u64,
                        "rebuilt after a change"
                    );
                }
                if report.build.is_some() || showing_error {
                    let _ = live.send(LiveEvent::Reload);
                    showing_error = false;
                }
            }
            Err(e) => {
                tracing::error!("not published, the last good site stays: {e}");
                let _ = live.send(LiveEvent::Error(e.to_string()));
                showing_error = true;
            }
        }
    }
    Ok(())
}

/// Watches what a build reads (`content/`, the templates, a theme folder, the
/// configuration file's folder), sending the paths of writes to `tx`.
fn watch_folders(
    site: &Site,
    config_file: &Path,
    tx: mpsc::UnboundedSender<Vec<PathBuf>>,
) -> Result<notify::RecommendedWatcher, WatchError> {
    let mut watcher = notify::recommended_watcher(move |result: notify::Result<notify::Event>| {
        // Only writes: a build reads these files, and reading must not start a build.
        let Ok(event) = result else { return };
        let write = match event.kind {
            EventKind::Create(_) | EventKind::Remove(_) => true,
            EventKind::Modify(kind) => !matches!(kind, ModifyKind::Metadata(_)),
            _ => false,
        };
        if write {
            let _ = tx.send(event.paths);
        }
    })
    .map_err(|e| WatchError {
        path: site.paths.content.clone(),
        message: e.to_string(),
    })?;
    let mut watched = vec![site.paths.content.clone(), site.paths.templates.clone()];
    if let ThemeSource::Dir(dir) = &site.paths.theme {
        watched.push(dir.clone());
    }
    // Absolute, so the paths of events compare with them whatever the working folder.
    let watched: Vec<PathBuf> = watched
        .iter()
        .filter_map(|d| std::path::absolute(d).ok())
        .collect();
    for dir in watched.iter().filter(|d| d.is_dir()) {
        watcher
            .watch(dir, RecursiveMode::Recursive)
            .map_err(|e| WatchError {
                path: dir.clone(),
                message: e.to_string(),
            })?;
    }
    // The file itself may be replaced by an editor's rename: watch its folder.
    if let Some(dir) = std::path::absolute(config_file)
        .ok()
        .and_then(|c| c.parent().map(Path::to_owned))
    {
        let _ = watcher.watch(&dir, RecursiveMode::NonRecursive);
    }
    let list: Vec<String> = watched.iter().map(|d| d.display().to_string()).collect();
    tracing::info!("watching {} for changes", list.join(", "));
    Ok(watcher)
}

/// Reloads `folio.toml`; false (and the error shown in browsers) when it is broken.
fn reload(
    site: &Site,
    config_file: &Path,
    overrides: &[(String, String)],
    live: &broadcast::Sender<LiveEvent>,
) -> bool {
    match SiteConfig::load(config_file, overrides) {
        Ok(config) => {
            if config.theme != site.config_at_start.theme
                || config.cdn_max_age != site.config_at_start.cdn_max_age
            {
                tracing::warn!(
                    "{}: theme and cdn_max_age apply at the next start",
                    config_file.display()
                );
            }
            tracing::info!("{} reloaded", config_file.display());
            site.reload_config(config);
            true
        }
        Err(e) => {
            tracing::error!("not published, the last good site stays: {e}");
            let _ = live.send(LiveEvent::Error(e.to_string()));
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn editor_leftovers_are_ignored() {
        for leftover in [
            ".post.md.swp",
            "#post.md#",
            "post.md~",
            "4913",
            ".#post.md",
            "x.tmp",
        ] {
            assert!(is_editor_leftover(Path::new(leftover)), "{leftover}");
        }
        assert!(!is_editor_leftover(Path::new("content/posts/post.md")));
    }
}
