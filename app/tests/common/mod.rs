//! Shared test scaffolding: a site in a temporary folder with a real SQLite file,
//! the real renderer, and the real HTTP server on a loopback port.

#![allow(dead_code)]

pub(crate) mod api;
pub(crate) mod ghost;
pub(crate) mod git_server;
pub(crate) mod moto;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::Arc;

use folio::config::SiteConfig;
use folio::render::ThemeSource;
use folio::site::{Paths, PublishOptions, PublishReport, Site};
use folio::store::Store;

pub(crate) const BASE_URL: &str = "https://blog.example.com";

/// The repository root (the folder holding `content/` and `themes/`).
pub(crate) fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("app/ has a parent")
        .to_owned()
}

pub(crate) struct TestSite {
    pub dir: tempfile::TempDir,
}

impl TestSite {
    /// An empty site: no content yet.
    pub(crate) fn empty() -> Self {
        let dir = tempfile::tempdir().expect("a temporary folder");
        std::fs::create_dir_all(dir.path().join("content")).expect("mkdir content");
        Self { dir }
    }

    /// A site holding a copy of the repository's sample content.
    pub(crate) fn sample() -> Self {
        let site = Self::empty();
        copy_dir(&repo().join("content"), &site.content());
        site
    }

    pub(crate) fn path(&self) -> &Path {
        self.dir.path()
    }
    pub(crate) fn content(&self) -> PathBuf {
        self.path().join("content")
    }
    pub(crate) fn out(&self) -> PathBuf {
        self.path().join("public")
    }
    pub(crate) fn db(&self) -> PathBuf {
        self.path().join("data/folio.db")
    }

    pub(crate) fn write(&self, rel: &str, text: &str) {
        let path = self.content().join(rel);
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("mkdir");
        std::fs::write(path, text).expect("write content");
    }

    pub(crate) fn config(&self) -> SiteConfig {
        SiteConfig {
            title: "Test blog".into(),
            base_url: BASE_URL.into(),
            posts_per_page: 3,
            ..SiteConfig::default()
        }
    }

    pub(crate) async fn store(&self) -> Store {
        Store::open(&self.db()).await.expect("the store opens")
    }

    /// The site with the repository's default theme (or `theme`) and this folder's paths.
    pub(crate) async fn site_with(&self, theme: ThemeSource) -> Site {
        self.site_into(theme, self.out()).await
    }

    /// The same site rendering into another output folder.
    pub(crate) async fn site_into(&self, theme: ThemeSource, out: PathBuf) -> Site {
        let paths = Paths {
            content: self.content(),
            theme,
            templates: self.path().join("templates"),
            out,
            cache: Some(self.path().join("data/cache")),
        };
        Site::new(self.store().await, self.config(), paths)
    }

    pub(crate) async fn site(&self) -> Site {
        self.site_with(ThemeSource::Dir(repo().join("themes/default")))
            .await
    }

    pub(crate) async fn publish(&self) -> PublishReport {
        self.publish_with(PublishOptions {
            import: true,
            ..Default::default()
        })
        .await
    }

    pub(crate) async fn publish_with(&self, options: PublishOptions) -> PublishReport {
        let site = self.site().await;
        let report = site.publish(options).await.expect("publish succeeds");
        site.store.close().await;
        report
    }

    /// Every file of the output folder with its bytes.
    pub(crate) fn output(&self) -> BTreeMap<String, Vec<u8>> {
        read_tree(&self.out())
    }

    pub(crate) fn read_out(&self, rel: &str) -> String {
        std::fs::read_to_string(self.out().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
    }

    /// Runs the real `folio` binary in this folder.
    pub(crate) fn cli(&self, args: &[&str]) -> Output {
        self.cli_with(args, &[])
    }

    /// [`TestSite::cli`] with more environment variables.
    pub(crate) fn cli_with(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        std::process::Command::new(env!("CARGO_BIN_EXE_folio"))
            .args(args)
            .envs(env.iter().copied())
            .current_dir(self.path())
            .env_remove("FOLIO_DB")
            .env_remove("FOLIO_OUT")
            .env_remove("FOLIO_CONTENT")
            .env("FOLIO_BASE_URL", BASE_URL)
            .env("FOLIO_LOG", "warn")
            .output()
            .expect("the folio binary runs")
    }
}

/// Serves `site` on an ephemeral loopback port; returns its base URL.
pub(crate) async fn serve(site: Site, mark_rendered: bool) -> (String, folio::serve::AppState) {
    let state = folio::serve::AppState::new(Arc::new(site));
    if mark_rendered {
        state
            .rendered
            .store(true, std::sync::atomic::Ordering::SeqCst);
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let addr = listener.local_addr().expect("local addr");
    let app = folio::serve::app(state.clone());
    tokio::spawn(async move {
        axum::serve(listener, app).await.expect("server runs");
    });
    (format!("http://{addr}"), state)
}

pub(crate) fn copy_dir(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.expect("walk");
        let target = to.join(entry.path().strip_prefix(from).expect("under from"));
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).expect("mkdir");
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

pub(crate) fn read_tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let rel = e
                .path()
                .strip_prefix(dir)
                .expect("under dir")
                .to_string_lossy()
                .replace('\\', "/");
            (rel, std::fs::read(e.path()).expect("read"))
        })
        .collect()
}

/// A photo-like JPEG (gradients, so it does not compress to nothing).
pub(crate) fn jpeg(width: u32, height: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([
            (x * 255 / width) as u8,
            (y * 255 / height) as u8,
            ((x ^ y) & 0xff) as u8,
        ])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Jpeg)
        .expect("encode");
    out.into_inner()
}

/// A post file with YAML front matter.
pub(crate) fn post(title: &str, extra: &str, body: &str) -> String {
    format!("---\ntitle: {title}\n{extra}---\n\n{body}\n")
}

/// The build of a publish that was expected to render.
pub(crate) fn built(report: &PublishReport) -> &folio::site::BuildReport {
    report
        .build
        .as_ref()
        .expect("the publish rendered the site")
}

/// The paths whose bytes differ between two trees (or that only one has): an empty
/// list means identical, and a failure names files rather than dumping bytes.
pub(crate) fn differing(
    a: &BTreeMap<String, Vec<u8>>,
    b: &BTreeMap<String, Vec<u8>>,
) -> Vec<String> {
    let mut paths: Vec<String> = a
        .keys()
        .chain(b.keys())
        .filter(|p| a.get(*p) != b.get(*p))
        .cloned()
        .collect();
    paths.dedup();
    paths
}

/// The real binary running `folio ARGS` in a site folder, its log read line by line.
pub(crate) struct Running {
    pub child: std::process::Child,
    log: std::io::BufReader<std::process::ChildStderr>,
}

impl Running {
    /// Starts `folio` with `args` in `dir`, logging at info level.
    pub(crate) fn start(dir: &Path, args: &[&str]) -> Self {
        Self::start_with(dir, args, &[])
    }

    /// [`Running::start`] with more environment variables.
    pub(crate) fn start_with(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Self {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_folio"))
            .args(args)
            .envs(env.iter().copied())
            .current_dir(dir)
            .env("FOLIO_LOG", "info")
            .env_remove("FOLIO_LOG_FORMAT")
            // Not the test's own stdout: a server a failed test leaves running would
            // hold it open, and whoever reads the test's output would wait for it.
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("folio starts");
        let log = std::io::BufReader::new(child.stderr.take().expect("stderr"));
        Self { child, log }
    }

    /// Reads the log until a line contains `needle`; returns the rest of that line.
    pub(crate) fn wait_for_log(&mut self, needle: &str) -> String {
        use std::io::BufRead;
        let mut line = String::new();
        loop {
            line.clear();
            let read = self.log.read_line(&mut line).expect("read the log");
            assert!(read > 0, "folio exited before logging {needle:?}");
            if let Some(at) = line.find(needle) {
                return line[at + needle.len()..].trim().to_owned();
            }
        }
    }

    /// Reads the log up to and including the first line holding `needle`; returns
    /// all it read.
    pub(crate) fn log_until(&mut self, needle: &str) -> String {
        self.log_until_any(&[needle])
    }

    /// Reads the log up to and including the first line holding one of `needles`;
    /// returns all it read.
    pub(crate) fn log_until_any(&mut self, needles: &[&str]) -> String {
        use std::io::BufRead;
        let mut text = String::new();
        loop {
            let before = text.len();
            let read = self.log.read_line(&mut text).expect("read the log");
            assert!(read > 0, "folio exited before logging {needles:?}:\n{text}");
            if needles.iter().any(|needle| text[before..].contains(needle)) {
                return text;
            }
        }
    }

    /// The base URL once the server listens.
    pub(crate) fn base_url(&mut self) -> String {
        self.wait_for_log("listening on ")
    }

    /// Keeps reading the log (a full pipe would block the server), echoing it to the
    /// test's output.
    pub(crate) fn drain_log(self) -> std::process::Child {
        use std::io::BufRead;
        let Running { child, log } = self;
        std::thread::spawn(move || {
            for line in log.lines().map_while(Result::ok) {
                eprintln!("folio: {line}");
            }
        });
        child
    }

    /// Sends SIGTERM.
    pub(crate) fn signal_term(child: &std::process::Child) {
        let pid = child.id().to_string();
        assert!(std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("kill")
            .success());
    }

    /// Sends SIGTERM and returns the exit status.
    pub(crate) fn terminate(mut child: std::process::Child) -> std::process::ExitStatus {
        Self::signal_term(&child);
        child.wait().expect("folio exits")
    }
}
