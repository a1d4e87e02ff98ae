//! Git's smart HTTP protocol for libgit2, over the HTTP client folio already links
//! (reqwest with rustls). libgit2's own HTTPS needs OpenSSL, a second TLS library
//! in the image (and its SSH, libssh2, needs it too); this keeps one. Written by
//! hand because no crate offers it without curl or OpenSSL: it is the four requests
//! of the protocol (refs, then a POST, for fetching and for pushing), each body
//! streamed, each answer read as it arrives.

use std::io::{Read, Write};
use std::sync::{Arc, Once, RwLock};

use git2::transport::{Service, SmartSubtransport, SmartSubtransportStream, Transport};

/// Who the Git server is told the requests are from: `Authorization: Basic` with the
/// token as the password, as GitHub, Gitea, Forgejo and GitLab take it.
#[derive(Clone)]
pub(super) struct Credential {
    pub(super) username: String,
    pub(super) token: String,
}

impl std::fmt::Debug for Credential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credential")
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}

/// The one remote of this process and its credential: the transport is registered
/// once, for every repository libgit2 opens.
static REMOTE: RwLock<Option<(String, Option<Credential>)>> = RwLock::new(None);

/// Makes libgit2 use this transport for `http://` and `https://` URLs, with
/// `credential` for those under `remote`.
pub(super) fn install(
    remote: &str,
    credential: Option<Credential>,
    runtime: tokio::runtime::Handle,
) {
    *REMOTE.write().expect("no panic while holding the lock") =
        Some((remote.trim_end_matches('/').to_owned(), credential));
    static REGISTERED: Once = Once::new();
    REGISTERED.call_once(|| {
        let client = reqwest::Client::builder()
            .user_agent(concat!("git/2.0 (folio ", env!("CARGO_PKG_VERSION"), ")"))
            .connect_timeout(std::time::Duration::from_secs(10))
            .build()
            .expect("an HTTP client without extra options builds");
        let shared = Arc::new(Http { client, runtime });
        for prefix in ["http", "https"] {
            let http = shared.clone();
            // SAFETY: `register` is unsafe because libgit2 keeps the factory in a
            // global table without locking it; `Once` makes this the only call, made
            // before any Git operation of the process.
            #[allow(unsafe_code)]
            let registered = unsafe {
                git2::transport::register(prefix, move |remote| {
                    Transport::smart(remote, true, Subtransport(http.clone()))
                })
            };
            registered.expect("a prefix registers once");
        }
    });
}

struct Http {
    client: reqwest::Client,
    runtime: tokio::runtime::Handle,
}

struct Subtransport(Arc<Http>);

impl SmartSubtransport for Subtransport {
    fn action(
        &self,
        url: &str,
        action: Service,
    ) -> Result<Box<dyn SmartSubtransportStream>, git2::Error> {
        let base = url.trim_end_matches('/');
        let (method, path, content_type) = match action {
            Service::UploadPackLs => ("GET", "/info/refs?service=git-upload-pack", None),
            Service::ReceivePackLs => ("GET", "/info/refs?service=git-receive-pack", None),
            Service::UploadPack => ("POST", "/git-upload-pack", Some("upload-pack")),
            Service::ReceivePack => ("POST", "/git-receive-pack", Some("receive-pack")),
        };
        Ok(Box::new(Stream {
            http: self.0.clone(),
            url: format!("{base}{path}"),
            credential: credential_for(base),
            post: content_type.filter(|_| method == "POST"),
            body: Vec::new(),
            answer: None,
        }))
    }

    fn close(&self) -> Result<(), git2::Error> {
        Ok(())
    }
}

/// The credential for `url`, if it is under the configured remote: a token is never
/// sent to another host (a redirect, a submodule).
fn credential_for(url: &str) -> Option<Credential> {
    let remote = REMOTE.read().expect("no panic while holding the lock");
    let (base, credential) = remote.as_ref()?;
    let under = url == base || url.starts_with(&format!("{base}/"));
    credential.clone().filter(|_| under)
}

/// One request: the body libgit2 writes, then the answer it reads.
struct Stream {
    http: Arc<Http>,
    url: String,
    credential: Option<Credential>,
    /// `upload-pack` or `receive-pack`, for a POST.
    post: Option<&'static str>,
    body: Vec<u8>,
    answer: Option<Answer>,
}

struct Answer {
    response: reqwest::Response,
    chunk: bytes::Bytes,
}

impl Stream {
    fn send(&mut self) -> std::io::Result<Answer> {
        let mut request = match self.post {
            Some(service) => self
                .http
                .client
                .post(&self.url)
                .header(
                    "Content-Type",
                    format!("application/x-git-{service}-request"),
                )
                .header("Accept", format!("application/x-git-{service}-result"))
                .body(std::mem::take(&mut self.body)),
            None => self.http.client.get(&self.url),
        };
        if let Some(c) = &self.credential {
            request = request.basic_auth(&c.username, Some(&c.token));
        }
        let response = self
            .http
            .runtime
            .block_on(request.send())
            .map_err(|e| std::io::Error::other(plain(e)))?;
        let status = response.status();
        if status == reqwest::StatusCode::UNAUTHORIZED || status == reqwest::StatusCode::FORBIDDEN {
            return Err(std::io::Error::new(
                std::io::ErrorKind::PermissionDenied,
                format!("the Git server refused the credential ({status}): check FOLIO_GIT_TOKEN"),
            ));
        }
        if !status.is_success() {
            return Err(std::io::Error::other(format!(
                "the Git server answered {status}"
            )));
        }
        Ok(Answer {
            response,
            chunk: bytes::Bytes::new(),
        })
    }
}

/// An error of the HTTP client without the URL (which names the repository only,
/// but keep every message of this module free of anything a person configured).
fn plain(e: reqwest::Error) -> String {
    let e = e.without_url();
    let mut message = e.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(inner) = source {
        message = format!("{message}: {inner}");
        source = inner.source();
    }
    message
}

impl Write for Stream {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.body.extend_from_slice(data);
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.answer.is_none() {
            self.answer = Some(self.send()?);
        }
        let answer = self.answer.as_mut().expect("just set");
        while answer.chunk.is_empty() {
            let next = self.http.runtime.block_on(answer.response.chunk());
            match next.map_err(|e| std::io::Error::other(plain(e)))? {
                Some(chunk) => answer.chunk = chunk,
                None => return Ok(0),
            }
        }
        let n = buf.len().min(answer.chunk.len());
        buf[..n].copy_from_slice(&answer.chunk[..n]);
        answer.chunk = answer.chunk.slice(n..);
        Ok(n)
    }
}
