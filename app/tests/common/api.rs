//! A client of the admin API over real HTTP, and a `folio serve` to point it at.
//! Sessions are carried by hand (Cookie, X-CSRF-Token, Origin headers) so tests can
//! also leave them out or tamper with them.

use std::process::Child;

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use super::{Running, TestSite};

pub(crate) const SECRET_KEY: &str = "test secret key: long enough, never used elsewhere";
pub(crate) const PASSWORD: &str = "correct horse battery staple";

/// `folio serve` on a loopback port with the admin API, in `site`'s folder.
pub(crate) struct Server {
    pub base: String,
    child: Option<Child>,
}

impl Server {
    pub(crate) fn start(site: &TestSite, env: &[(&str, &str)]) -> Self {
        let (server, _) = Self::start_logging(site, env, None);
        server
    }

    /// Starts the server; with `needle`, also returns the rest of the first log line
    /// holding it (read before the log is drained).
    pub(crate) fn start_logging(
        site: &TestSite,
        env: &[(&str, &str)],
        needle: Option<&str>,
    ) -> (Self, Option<String>) {
        let mut running = Self::running(site, env);
        let base = running.base_url();
        let found = needle.map(|n| running.wait_for_log(n));
        let child = running.drain_log();
        let server = Self {
            base,
            child: Some(child),
        };
        server.wait_ready();
        (server, found)
    }

    /// Starts the server; returns with it the log of its start, up to the end of its
    /// first publish (a line it always logs, so a test of what comes before cannot
    /// hang).
    pub(crate) fn start_reading_log(site: &TestSite, env: &[(&str, &str)]) -> (Self, String) {
        let mut running = Self::running(site, env);
        let base = running.base_url();
        let log = running.log_until_any(&[
            "site published",
            "site unchanged since the last build",
            "publish failed",
        ]);
        let server = Self {
            base,
            child: Some(running.drain_log()),
        };
        server.wait_ready();
        (server, log)
    }

    /// `folio serve` started with the tests' secrets and `env`, its log unread.
    fn running(site: &TestSite, env: &[(&str, &str)]) -> Running {
        let mut vars = vec![
            ("FOLIO_SECRET_KEY", SECRET_KEY),
            ("FOLIO_INSECURE_COOKIES", "true"),
            ("FOLIO_BASE_URL", super::BASE_URL),
        ];
        vars.extend_from_slice(env);
        Running::start_with(site.path(), &["serve", "--listen", "127.0.0.1:0"], &vars)
    }

    /// Waits until the first publish is done (readyz answers 200).
    fn wait_ready(&self) {
        use std::io::{Read, Write};
        let addr = self.base.trim_start_matches("http://").to_owned();
        let ready = || -> std::io::Result<bool> {
            let mut tcp = std::net::TcpStream::connect(&addr)?;
            tcp.write_all(b"GET /readyz HTTP/1.0\r\nHost: folio\r\n\r\n")?;
            let mut answer = String::new();
            tcp.read_to_string(&mut answer)?;
            Ok(answer.starts_with("HTTP/1.0 200") || answer.starts_with("HTTP/1.1 200"))
        };
        for _ in 0..400 {
            if ready().unwrap_or(false) {
                return;
            }
            // sleep: polling /readyz, with a deadline
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        panic!("the server never became ready");
    }

    pub(crate) fn api(&self) -> Api {
        Api::new(&self.base)
    }

    /// The server process's id (to read its memory from /proc).
    pub(crate) fn pid(&self) -> u32 {
        self.child.as_ref().map_or(0, std::process::Child::id)
    }

    pub(crate) fn stop(mut self) {
        if let Some(child) = self.child.take() {
            Running::terminate(child);
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// The status and text of a page of the public site.
pub(crate) async fn page(server: &Server, path: &str) -> (u16, String) {
    let response = reqwest::get(format!("{}{path}", server.base))
        .await
        .expect("an answer");
    let status = response.status().as_u16();
    (status, response.text().await.expect("text"))
}

/// The status and `Location` of a request to the public site, not followed.
pub(crate) async fn redirect(server: &Server, path: &str) -> (u16, String) {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("a client");
    let response = client
        .get(format!("{}{path}", server.base))
        .send()
        .await
        .expect("an answer");
    let location = response
        .headers()
        .get("location")
        .and_then(|l| l.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (response.status().as_u16(), location)
}

/// An owner, an editor and an author, each logged in.
pub(crate) async fn staff(site: &TestSite) -> (Server, Api, Api, Api) {
    add_user(site, "olga", "owner");
    add_user(site, "ed", "editor");
    add_user(site, "au", "contributor");
    let server = Server::start(site, &[]);
    let (owner, _, _) = enroll(&server.api(), "olga").await;
    let (editor, _, _) = enroll(&server.api(), "ed").await;
    let (author, _, _) = enroll(&server.api(), "au").await;
    (server, owner, editor, author)
}

/// `folio serve` in `site` with the owner `name` enrolled and logged in.
pub(crate) async fn owner_session(
    site: &TestSite,
    name: &str,
    env: &[(&str, &str)],
) -> (Server, Api) {
    add_user(site, name, "owner");
    let server = Server::start(site, env);
    let (session, _, _) = enroll(&server.api(), name).await;
    (server, session)
}

/// A response: status, headers, and the body as JSON (or as a JSON string when it
/// is not JSON).
pub(crate) struct Reply {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl Reply {
    pub(crate) fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }
    /// Asserts the status, printing the body when it differs.
    pub(crate) fn expect(self, status: u16) -> Self {
        assert_eq!(self.status.as_u16(), status, "body: {}", self.body);
        self
    }
}

#[derive(Clone)]
pub(crate) struct Api {
    pub base: String,
    http: reqwest::Client,
    pub cookie: Option<String>,
    pub csrf: Option<String>,
    pub bearer: Option<String>,
    pub origin: Option<String>,
}

impl Api {
    pub(crate) fn new(base: &str) -> Self {
        Self {
            base: base.to_owned(),
            http: reqwest::Client::new(),
            cookie: None,
            csrf: None,
            bearer: None,
            origin: Some(base.to_owned()),
        }
    }

    pub(crate) fn with_token(&self, token: &str) -> Self {
        Self {
            cookie: None,
            csrf: None,
            bearer: Some(token.to_owned()),
            ..self.clone()
        }
    }

    pub(crate) async fn send(&self, method: Method, path: &str, body: Option<Value>) -> Reply {
        let mut request = self.request(method, path);
        if let Some(body) = body {
            request = request.json(&body);
        }
        Self::reply(request.send().await.expect("the server answers")).await
    }

    pub(crate) fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        let mut request = self
            .http
            .request(method, format!("{}/admin/api{path}", self.base));
        if let Some(cookie) = &self.cookie {
            request = request.header("cookie", cookie);
        }
        if let Some(csrf) = &self.csrf {
            request = request.header("x-csrf-token", csrf);
        }
        if let Some(origin) = &self.origin {
            request = request.header("origin", origin);
        }
        if let Some(token) = &self.bearer {
            request = request.bearer_auth(token);
        }
        request
    }

    pub(crate) async fn reply(response: reqwest::Response) -> Reply {
        let status = response.status();
        let headers = response.headers().clone();
        let text = response.text().await.expect("a body");
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        Reply {
            status,
            headers,
            body,
        }
    }

    pub(crate) async fn get(&self, path: &str) -> Reply {
        self.send(Method::GET, path, None).await
    }
    pub(crate) async fn post(&self, path: &str, body: Value) -> Reply {
        self.send(Method::POST, path, Some(body)).await
    }
    pub(crate) async fn patch(&self, path: &str, body: Value) -> Reply {
        self.send(Method::PATCH, path, Some(body)).await
    }
    pub(crate) async fn delete(&self, path: &str) -> Reply {
        self.send(Method::DELETE, path, None).await
    }

    /// Keeps the session a login answer started.
    pub(crate) fn keep_session(&mut self, reply: &Reply) {
        let set_cookie = reply.header("set-cookie");
        let pair = set_cookie.split(';').next().expect("a cookie");
        assert!(!pair.is_empty(), "the reply set no cookie");
        self.cookie = Some(pair.to_owned());
        self.csrf = reply.body["csrf_token"].as_str().map(str::to_owned);
    }
}

/// The TOTP code `offset` seconds from now, as the `oathtool` command computes it
/// from the base32 key (the same key a person types into an authenticator app).
pub(crate) fn oathtool(secret: &str, offset: i64) -> String {
    let at = chrono::Utc::now() + chrono::Duration::seconds(offset);
    let output = std::process::Command::new("oathtool")
        .args([
            "--totp",
            "-b",
            "--now",
            &at.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
            secret,
        ])
        .output()
        .expect("oathtool runs (apt-get install oathtool; .ci/run installs it)");
    assert!(output.status.success(), "{output:?}");
    String::from_utf8(output.stdout)
        .expect("digits")
        .trim()
        .to_owned()
}

/// Creates an account with the real CLI.
pub(crate) fn add_user(site: &TestSite, name: &str, role: &str) {
    use std::io::Write;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_folio"))
        .args(["user", "add", name, "--role", role, "--password-stdin"])
        .current_dir(site.path())
        .env("FOLIO_LOG", "warn")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("folio runs");
    writeln!(child.stdin.take().expect("stdin"), "{PASSWORD}").expect("write the password");
    let output = child.wait_with_output().expect("folio ends");
    assert!(output.status.success(), "{output:?}");
}

/// A logged-in session of a new account: password, enrollment, confirmation.
/// Returns the API with the session and the account's TOTP key.
pub(crate) async fn enroll(api: &Api, username: &str) -> (Api, String, Vec<String>) {
    let challenge = api
        .post(
            "/session",
            json!({ "username": username, "password": PASSWORD }),
        )
        .await
        .expect(200);
    assert_eq!(challenge.body["next"], "enroll");
    let challenge = challenge.body["challenge"]
        .as_str()
        .expect("a challenge")
        .to_owned();
    let key = api
        .post("/session/enroll", json!({ "challenge": challenge }))
        .await
        .expect(200);
    let secret = key.body["secret"].as_str().expect("a key").to_owned();
    let code = oathtool(&secret, 0);
    let session = api
        .post(
            "/session/enroll/confirm",
            json!({ "challenge": challenge, "code": code }),
        )
        .await
        .expect(200);
    let codes = session.body["recovery_codes"]
        .as_array()
        .expect("recovery codes")
        .iter()
        .map(|c| c.as_str().expect("a code").to_owned())
        .collect();
    let mut logged_in = api.clone();
    logged_in.keep_session(&session);
    (logged_in, secret, codes)
}

/// Runs `folio serve` expecting it to refuse to start; returns its log.
pub(crate) fn refused_start(site: &TestSite, env: &[(&str, &str)]) -> String {
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_folio"))
        .args(["serve", "--listen", "127.0.0.1:0"])
        .current_dir(site.path())
        .envs(env.iter().copied())
        .env("FOLIO_INSECURE_COOKIES", "true")
        .env("FOLIO_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("folio starts");
    for _ in 0..400 {
        if let Some(status) = child.try_wait().expect("wait") {
            assert!(!status.success(), "folio started");
            let mut log = String::new();
            std::io::Read::read_to_string(&mut child.stderr.take().expect("stderr"), &mut log)
                .expect("read");
            return log;
        }
        // sleep: polling for the process to end, with a deadline
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let _ = child.kill();
    panic!("folio kept running");
}
