//! A real Git server on loopback: Debian's `git http-backend` (Git's own smart HTTP
//! server, a CGI program) behind a small HTTP front that asks for Basic auth with a
//! token, as a forge does. It can be taken down and brought back. People and CI are
//! the real `git` client, cloning and pushing through it.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::Response;
use base64::Engine;

pub(crate) const TOKEN: &str = "test-git-token-0123456789";

/// Debian's `git http-backend` (`.ci/run` installs the package).
const HTTP_BACKEND: &str = "/usr/lib/git-core/git-http-backend";

pub(crate) struct GitServer {
    /// The repository's URL (`http://127.0.0.1:PORT/site.git`).
    pub url: String,
    /// The bare repository on disk.
    pub bare: PathBuf,
    up: Arc<AtomicBool>,
    _root: tempfile::TempDir,
}

impl GitServer {
    /// A server with one empty repository, `site.git`, whose branch is `main`.
    pub(crate) fn start() -> Self {
        let root = tempfile::tempdir().expect("tempdir");
        let bare = root.path().join("site.git");
        git(
            root.path(),
            &["init", "-q", "--bare", "-b", "main", "site.git"],
        );
        git(&bare, &["config", "http.receivepack", "true"]);
        let up = Arc::new(AtomicBool::new(true));
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
        listener.set_nonblocking(true).expect("nonblocking");
        let port = listener.local_addr().expect("an address").port();
        let (project, serving) = (root.path().to_owned(), up.clone());
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime");
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).expect("listener");
                let app = axum::Router::new().fallback(
                    move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
                        let (project, serving) = (project.clone(), serving.clone());
                        async move { answer(&project, &serving, method, uri, headers, body).await }
                    },
                );
                axum::serve(listener, app).await.expect("serves");
            });
        });
        Self {
            url: format!("http://127.0.0.1:{port}/site.git"),
            bare,
            up,
            _root: root,
        }
    }

    /// Takes the server down (every request 503) or brings it back.
    pub(crate) fn set_up(&self, up: bool) {
        self.up.store(up, Ordering::SeqCst);
    }

    /// A person's clone in `dir`, with the token, ready to commit and push.
    pub(crate) fn clone_into(&self, dir: &Path) {
        let parent = dir.parent().expect("a parent");
        let name = dir.file_name().expect("a name").to_str().expect("UTF-8");
        git(
            parent,
            &["-c", &self.auth(), "clone", "-q", &self.url, name],
        );
        git(dir, &["config", "http.extraHeader", &self.header()]);
    }

    fn header(&self) -> String {
        let basic = base64::engine::general_purpose::STANDARD.encode(format!("ci:{TOKEN}"));
        format!("Authorization: Basic {basic}")
    }

    fn auth(&self) -> String {
        format!("http.extraHeader={}", self.header())
    }

    /// The commits of `main` on the server, newest first: (author name, author
    /// e-mail, committer name, subject).
    pub(crate) fn log(&self) -> Vec<(String, String, String, String)> {
        let out = git(
            &self.bare,
            &["log", "--format=%an%x1f%ae%x1f%cn%x1f%s", "main"],
        );
        out.lines()
            .map(|line| {
                let f: Vec<&str> = line.split('\x1f').collect();
                (f[0].into(), f[1].into(), f[2].into(), f[3].into())
            })
            .collect()
    }

    /// A file of `main` on the server.
    pub(crate) fn show(&self, path: &str) -> Option<String> {
        self.show_at("main", path)
    }

    /// A file of the branch (or commit) `at` on the server.
    pub(crate) fn show_at(&self, at: &str, path: &str) -> Option<String> {
        let out = Command::new("git")
            .args(["show", &format!("{at}:{path}")])
            .current_dir(&self.bare)
            .output()
            .expect("git runs");
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
    }
}

/// Runs the real `git` in `dir` as a person (name, e-mail) would; its output.
pub(crate) fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args([
            "-c",
            "user.name=CI Robot",
            "-c",
            "user.email=ci@example.com",
        ])
        .args(["-c", "init.defaultBranch=main", "-c", "protocol.version=2"])
        .args(args)
        .current_dir(dir)
        .output()
        .expect("git runs");
    assert!(out.status.success(), "git {args:?}: {out:?}");
    String::from_utf8(out.stdout).expect("UTF-8")
}

/// One request: Basic auth checked, then handed to `git http-backend`.
async fn answer(
    project: &Path,
    up: &AtomicBool,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if !up.load(Ordering::SeqCst) {
        return status(StatusCode::SERVICE_UNAVAILABLE);
    }
    let given = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
        .and_then(|b| String::from_utf8(b).ok());
    // Any user name, as GitHub takes it; the token is what counts.
    if given.and_then(|g| g.split_once(':').map(|(_, t)| t == TOKEN)) != Some(true) {
        let mut refused = status(StatusCode::UNAUTHORIZED);
        refused.headers_mut().insert(
            "www-authenticate",
            "Basic realm=\"git\"".parse().expect("a header"),
        );
        return refused;
    }
    let content_type = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let (project, path, query) = (
        project.to_owned(),
        uri.path().to_owned(),
        uri.query().unwrap_or_default().to_owned(),
    );
    let out = tokio::task::spawn_blocking(move || {
        use std::io::Write;
        let mut child = Command::new(HTTP_BACKEND)
            .env("GIT_PROJECT_ROOT", project)
            .env("GIT_HTTP_EXPORT_ALL", "1")
            .env("REQUEST_METHOD", method.as_str())
            .env("PATH_INFO", path)
            .env("QUERY_STRING", query)
            .env("CONTENT_TYPE", content_type)
            .env("CONTENT_LENGTH", body.len().to_string())
            .env("REMOTE_USER", "ci")
            .env("REMOTE_ADDR", "127.0.0.1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("git http-backend runs");
        let mut stdin = child.stdin.take().expect("stdin");
        let writing = std::thread::spawn(move || {
            let _ = stdin.write_all(&body);
        });
        let out = child.wait_with_output().expect("git http-backend ends");
        let _ = writing.join();
        out
    })
    .await
    .expect("the backend does not panic");
    cgi_response(&out.stdout)
}

/// A CGI program's output as an HTTP response: headers (with `Status:`) up to the
/// first blank line, then the body.
fn cgi_response(out: &[u8]) -> Response {
    let split = out
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|i| (i, i + 4))
        .or_else(|| {
            out.windows(2)
                .position(|w| w == b"\n\n")
                .map(|i| (i, i + 2))
        });
    let Some((end, start)) = split else {
        return status(StatusCode::BAD_GATEWAY);
    };
    let mut response = Response::new(Body::from(out[start..].to_vec()));
    for line in String::from_utf8_lossy(&out[..end]).lines() {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim();
        if name.eq_ignore_ascii_case("status") {
            let code = value.split(' ').next().and_then(|c| c.parse().ok());
            *response.status_mut() = code
                .and_then(|c| StatusCode::from_u16(c).ok())
                .unwrap_or(StatusCode::BAD_GATEWAY);
        } else if let (Ok(name), Ok(value)) = (
            axum::http::HeaderName::from_bytes(name.as_bytes()),
            axum::http::HeaderValue::from_str(value),
        ) {
            response.headers_mut().insert(name, value);
        }
    }
    response
}

fn status(code: StatusCode) -> Response {
    let mut response = Response::new(Body::empty());
    *response.status_mut() = code;
    response
}
