//! Attacks on a real `folio serve` over loopback, each test named after one: what a
//! lower role, a stolen token or an anonymous client tried, and what must hold.

mod common;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde_json::{json, Value};

use common::api::{add_user, enroll, owner_session, staff, Api, Server};
use common::{post, TestSite};

async fn public(server: &Server, path: &str) -> reqwest::Response {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("a client")
        .get(format!("{}{path}", server.base))
        .send()
        .await
        .expect("the site answers")
}

fn file(path: &str, bytes: &[u8]) -> Value {
    json!({ "path": path, "base64": STANDARD.encode(bytes) })
}

fn png(site: &TestSite) -> Vec<u8> {
    std::fs::read(site.content().join("images/banner.png")).expect("the sample PNG")
}

#[tokio::test(flavor = "multi_thread")]
async fn an_author_pushing_a_script_page_into_content_is_refused() {
    let site = TestSite::sample();
    let (server, owner, editor, author) = staff(&site).await;
    let script = b"<script>fetch('/admin/api/users',{method:'POST'})</script>";
    for (who, api) in [("author", &author), ("editor", &editor)] {
        let reply = api
            .post(
                "/content",
                json!({ "files": [file("images/gallery.html", script)], "publish": true }),
            )
            .await
            .expect(403);
        assert!(
            reply.body["error"]
                .as_str()
                .unwrap_or_default()
                .contains("administrators"),
            "{who}: {}",
            reply.body
        );
        api.post(
            "/content",
            json!({ "files": [file("posts/x.md", b"---\ntitle: X\nstatus: published\n---\nx\n")] }),
        )
        .await
        .expect(403);
        api.post("/content", json!({ "delete": ["pages/about.md"] }))
            .await
            .expect(403);
        api.get("/content").await.expect(403);
    }
    // A token that may write but not publish cannot push either.
    let token = owner
        .post(
            "/tokens",
            json!({ "name": "w", "scopes": ["content:read", "content:write"] }),
        )
        .await
        .expect(201);
    let writer = owner.with_token(token.body["token"].as_str().expect("token"));
    writer
        .post(
            "/content",
            json!({ "files": [file("posts/y.md", b"---\ntitle: Y\n---\n")] }),
        )
        .await
        .expect(403);

    // Even the owner pushes only Markdown and real images, never over generated files.
    let png = png(&site);
    for (path, bytes, says) in [
        ("images/gallery.html", &script[..], "only Markdown"),
        (
            "images/logo.svg",
            b"<svg onload=alert(1)/>",
            "only Markdown",
        ),
        ("robots.txt", b"User-agent: *", "shadow"),
        ("assets/style.png", &png[..], "shadow"),
        (
            "images/fake.png",
            b"<html>not an image</html>",
            "not an image",
        ),
        ("images/banner.gif", &png[..], "png image, not gif"),
        (
            "images/../../data/x.md",
            b"---\ntitle: X\n---\n",
            "plain relative path",
        ),
        ("images/a\0b.png", &png[..], "plain relative path"),
        (
            &format!("{}.md", "n".repeat(5000)),
            b"---\ntitle: X\n---\n",
            "too long",
        ),
    ] {
        let reply = owner
            .post("/content", json!({ "files": [file(path, bytes)] }))
            .await
            .expect(400);
        let error = reply.body["error"].as_str().unwrap_or_default();
        assert!(error.contains(says), "{path}: {error}");
        assert_eq!(reply.body["field"], "files[0]");
    }
    assert!(!site.content().join("images/gallery.html").exists());
    assert!(!site.content().join("robots.txt").exists());
    // A folder is not a file to remove.
    owner
        .post("/content", json!({ "delete": ["posts"] }))
        .await
        .expect(400);
    assert_eq!(public(&server, "/robots.txt").await.status(), 200);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_push_that_fails_on_its_second_file_keeps_nothing() {
    let site = TestSite::sample();
    let (_server, owner) = owner_session(&site, "olga", &[]).await;
    let before = common::read_tree(&site.content());
    // The second file is refused by its front matter; the first was fine.
    owner
        .post(
            "/content",
            json!({ "files": [
                file("posts/new.md", b"---\ntitle: New\n---\nnew\n"),
                file("posts/broken.md", b"---\ntitle: [unclosed\n---\n"),
            ], "delete": ["pages/about.md"], "publish": true }),
        )
        .await
        .expect(400);
    // The second is refused by the file system: a folder stands where it would go.
    // (`force`: the server's files were never pushed, so they count as its own.)
    std::fs::create_dir_all(site.content().join("posts/blocked.md/inside")).expect("mkdir");
    owner
        .post(
            "/content",
            json!({ "files": [
                file("posts/getting-started.md", b"---\ntitle: Replaced\n---\nreplaced\n"),
                file("posts/blocked.md", b"---\ntitle: Blocked\n---\n"),
            ], "delete": ["pages/about.md"], "force": true }),
        )
        .await
        .expect(500);
    std::fs::remove_dir_all(site.content().join("posts/blocked.md")).expect("rmdir");
    assert!(
        common::differing(&before, &common::read_tree(&site.content())).is_empty(),
        "content/ changed"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_symlink_in_content_does_not_let_a_token_read_or_write_outside() {
    let site = TestSite::sample();
    let (_server, owner) = owner_session(&site, "olga", &[]).await;
    let secret = site.path().join("data/secret.txt");
    std::fs::write(&secret, "the secret").expect("write");
    std::os::unix::fs::symlink(site.path().join("data"), site.content().join("images/data"))
        .expect("link");
    std::os::unix::fs::symlink(&secret, site.content().join("images/leak.png")).expect("link");
    for path in ["/media/images/data/secret.txt", "/media/images/leak.png"] {
        let refused = owner.get(path).await.expect(400);
        assert!(refused.body["error"]
            .as_str()
            .expect("error")
            .contains("symbolic link"));
    }
    owner
        .post(
            "/content",
            json!({ "files": [file("images/data/x.png", &png(&site))] }),
        )
        .await
        .expect(400);
    assert!(!site.path().join("data/x.png").exists());
    // The listing never follows the link either.
    let list = owner.get("/content").await.expect(200);
    let files = list.body["files"].as_object().expect("files");
    assert!(
        files
            .keys()
            .all(|k| !k.contains("secret") && !k.contains("leak")),
        "{files:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_authors_script_goes_live_cleaned_when_an_editor_publishes_it() {
    let site = TestSite::empty();
    let (server, _owner, editor, author) = staff(&site).await;
    let body = "Hello.\n\n<script>fetch('/admin/api/users')</script>\n\n\
        <img src=\"/x.png\" onerror=\"alert(1)\">\n\n<a href=\"javascript:alert(1)\">link</a>\n\n\
        <iframe src=\"https://evil.example/\"></iframe>\n\n\
        <iframe src=\"https://www.youtube.com/embed/abc\"></iframe>\n\n\
        ```rust\nfn main() {}\n```\n";
    let draft = author
        .post(
            "/posts",
            json!({ "title": "Trojan", "markdown": body, "status": "draft" }),
        )
        .await
        .expect(201);
    let id = draft.body["id"].as_i64().expect("id");
    assert_eq!(draft.body["sanitized"], true);
    // Code injection is raw HTML on every page: authors may not set it.
    let refused = author
        .post(
            "/posts",
            json!({ "title": "T2", "markdown": "x", "codeinjection_head": "<script>x()</script>" }),
        )
        .await
        .expect(403);
    assert_eq!(refused.body["field"], "codeinjection_head");
    author
        .patch(
            &format!("/posts/{id}"),
            json!({ "revision": draft.body["revision"], "codeinjection_foot": "<script>y()</script>" }),
        )
        .await
        .expect(403);
    // The editor publishes it as it is.
    editor
        .patch(
            &format!("/posts/{id}"),
            json!({ "revision": draft.body["revision"], "status": "published" }),
        )
        .await
        .expect(200);
    editor.post("/publish", json!({})).await.expect(200);
    let page = public(&server, "/trojan/")
        .await
        .text()
        .await
        .expect("page");
    for gone in ["<script>fetch", "onerror", "javascript:", "evil.example"] {
        assert!(!page.contains(gone), "{gone} is on the page");
    }
    assert!(page.contains("https://www.youtube.com/embed/abc"), "{page}");
    assert!(page.contains("class=\"hl-"), "code is still highlighted");

    // An editor's own raw HTML stays (Ghost's trust model); once the editor takes
    // the body over, saying so, it is theirs.
    let current = editor.get(&format!("/posts/{id}")).await.expect(200);
    let edited = editor
        .patch(
            &format!("/posts/{id}"),
            json!({ "revision": current.body["revision"], "markdown": "Mine.\n\n<div onclick=\"go()\">kept</div>\n", "publish": true, "trust_html": true }),
        )
        .await
        .expect(200);
    assert_eq!(edited.body["sanitized"], false);
    editor.post("/publish", json!({})).await.expect(200);
    let page = public(&server, "/trojan/")
        .await
        .text()
        .await
        .expect("page");
    assert!(page.contains("onclick=\"go()\""), "{page}");
}

#[tokio::test(flavor = "multi_thread")]
async fn public_pages_carry_a_content_security_policy() {
    let site = TestSite::sample();
    add_user(&site, "olga", "owner");
    let server = Server::start(&site, &[]);
    for path in ["/", "/getting-started/", "/no-such-page/"] {
        let response = public(&server, path).await;
        let csp = response
            .headers()
            .get("content-security-policy")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        assert!(
            csp.contains("script-src 'self'") && csp.contains("object-src 'none'"),
            "{path}: {csp:?}"
        );
    }
    // Pages keep working under it: their scripts and styles are the site's own files.
    let home = public(&server, "/").await.text().await.expect("home");
    assert!(
        !home.contains("<script>"),
        "an inline script would be refused"
    );

    // The setting replaces it, once the build made with it is published.
    drop(server);
    let (server, _) = Server::start_reading_log(
        &site,
        &[(
            "FOLIO_CONTENT_SECURITY_POLICY",
            "default-src 'self'; script-src 'self' https://stats.example",
        )],
    );
    let response = public(&server, "/").await;
    assert_eq!(
        response.headers()["content-security-policy"],
        "default-src 'self'; script-src 'self' https://stats.example"
    );
}

/// Code injection's inline scripts (the owner's, site-wide; an editor's, in a post)
/// run by their hashes in the policy: the site's on every page, a post's on its page
/// only; any other inline script stays refused.
#[tokio::test(flavor = "multi_thread")]
async fn injected_inline_scripts_run_by_their_hashes_and_no_other() {
    let site = TestSite::sample();
    let hash = |script: &str| {
        use base64::Engine;
        use sha2::Digest;
        let digest = sha2::Sha256::digest(script.as_bytes());
        format!(
            "'sha256-{}'",
            base64::engine::general_purpose::STANDARD.encode(digest)
        )
    };
    std::fs::write(
        site.content().join("posts/injected.md"),
        "---\ntitle: Injected\nslug: injected\ndate: 2026-01-02T10:00:00Z\n\
         codeinjection_foot: \"<script>post()</script>\"\n---\n\
         Words, and a script of the body's own.\n\n<script>body()</script>\n",
    )
    .expect("a post");
    let (server, _) = Server::start_reading_log(
        &site,
        &[(
            "FOLIO_CODEINJECTION_HEAD",
            "<script>\r\nsite()</script><script src=\"/a.js\"></script>",
        )],
    );
    let policy = |response: reqwest::Response| {
        response.headers()["content-security-policy"]
            .to_str()
            .expect("ascii")
            .to_owned()
    };
    let home = policy(public(&server, "/").await);
    let post = policy(public(&server, "/injected/").await);
    // As the browser parses it: the line ending is `\n`.
    let (site_hash, post_hash) = (hash("\nsite()"), hash("post()"));
    assert!(
        home.contains(&format!("script-src 'self' {site_hash}")),
        "{home}"
    );
    assert!(!home.contains(&post_hash), "{home}");
    assert!(
        post.contains(&site_hash) && post.contains(&post_hash),
        "{post}"
    );
    assert!(!post.contains(&hash("body()")), "{post}");
}

/// Comments from another service are off by default; on, its origin (and only it)
/// may load a script and a frame, and a host that would smuggle a directive in is
/// refused by name.
#[tokio::test(flavor = "multi_thread")]
async fn a_comments_service_gets_its_origin_in_the_policy_and_nothing_more() {
    let site = TestSite::sample();
    let server = Server::start(&site, &[]);
    let (_, page) = common::api::page(&server, "/getting-started/").await;
    assert!(!page.contains("id=\"comments\""), "off by default");
    drop(server);
    std::fs::write(
        site.path().join("folio.toml"),
        "[comments]\nprovider = \"remark42\"\nhost = \"https://comments.example.com\"\nsite_id = \"tide\"\n",
    )
    .expect("a config");
    let (server, _) = Server::start_reading_log(&site, &[]);
    let response = public(&server, "/getting-started/").await;
    let policy = response.headers()["content-security-policy"]
        .to_str()
        .expect("ascii")
        .to_owned();
    let page = response.text().await.expect("a page");
    assert!(
        page.contains("data-provider=\"remark42\" data-host=\"https://comments.example.com\" data-site-id=\"tide\""),
        "{page}"
    );
    for directive in ["script-src", "frame-src"] {
        let sources = policy
            .split(';')
            .map(str::trim)
            .find(|d| d.starts_with(directive))
            .unwrap_or_default();
        assert!(
            sources.ends_with(" https://comments.example.com"),
            "{policy}"
        );
    }
    assert_eq!(
        policy.matches("comments.example.com").count(),
        2,
        "{policy}"
    );
    drop(server);

    std::fs::write(
        site.path().join("folio.toml"),
        "[comments]\nprovider = \"remark42\"\nhost = \"https://a.example; script-src *\"\nsite_id = \"tide\"\n",
    )
    .expect("a config");
    let output = site.cli(&["publish"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        !output.status.success() && stderr.contains("comments.host"),
        "{stderr}"
    );
}

/// The admin page allows one `<style>`: the editor's, by a nonce new at each load;
/// never an inline script, never `unsafe-inline`. Its files are revalidated by tag.
#[tokio::test(flavor = "multi_thread")]
async fn the_admin_page_allows_only_its_own_style_by_a_nonce_new_at_each_load() {
    let site = TestSite::sample();
    let server = Server::start(&site, &[]);
    let mut nonces = Vec::new();
    for path in ["/admin/", "/admin/index.html"] {
        let page = public(&server, path).await;
        let csp = page.headers()["content-security-policy"]
            .to_str()
            .expect("ascii")
            .to_owned();
        assert_eq!(page.headers()["cache-control"], "no-store");
        let html = page.text().await.expect("the page");
        let nonce = html
            .split("<meta name=\"style-nonce\" content=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .expect("the page names its nonce")
            .to_owned();
        assert!(nonce.len() >= 22, "{nonce}");
        assert!(
            csp.contains(&format!("style-src 'self' 'nonce-{nonce}';")),
            "{csp}"
        );
        assert!(
            csp.contains("script-src 'self';") && !csp.contains("unsafe"),
            "{csp}"
        );
        nonces.push(nonce);
    }
    assert_ne!(nonces[0], nonces[1], "a nonce is never used twice");

    let bundle = public(&server, "/admin/vendor/codemirror.js").await;
    let csp = bundle.headers()["content-security-policy"]
        .to_str()
        .expect("ascii");
    assert!(
        csp.contains("style-src 'self';"),
        "no nonce outside the page: {csp}"
    );
    let tag = bundle.headers()["etag"].to_str().expect("ascii").to_owned();
    let again = reqwest::Client::new()
        .get(format!("{}/admin/vendor/codemirror.js", server.base))
        .header("if-none-match", &tag)
        .send()
        .await
        .expect("answers");
    assert_eq!(again.status(), 304, "unchanged: no body again");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_build_temporary_file_is_not_served_even_percent_encoded() {
    let site = TestSite::sample();
    site.write("posts/hello.md", &post("Hello", "", "Hi."));
    let report = site.publish().await;
    assert!(report.build.is_some());
    std::fs::write(site.out().join(".index.html.folio-tmp"), "half a page").expect("write");
    let (base, _state) = common::serve(site.site().await, true).await;
    let client = reqwest::Client::new();
    for path in [
        "/.index.html.folio-tmp",
        "/%2eindex.html.folio-tmp",
        "/%2Eindex.html.folio-tmp",
        "/hello/%2e%2e/.index.html.folio-tmp",
    ] {
        let response = client
            .get(format!("{base}{path}"))
            .send()
            .await
            .expect("an answer");
        let status = response.status().as_u16();
        let text = response.text().await.expect("text");
        assert!(
            !text.contains("half a page"),
            "{path} served the temporary file"
        );
        assert!(status == 404 || status == 400, "{path}: {status}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn deeply_nested_front_matter_is_refused_without_stalling_the_server() {
    let site = TestSite::empty();
    let (server, owner) = owner_session(&site, "olga", &[]).await;
    let deep = format!("---\ntitle: T\nx: {}\n---\n", "[".repeat(60_000));
    let push = {
        let owner = owner.clone();
        let deep = deep.clone();
        tokio::spawn(async move {
            owner
                .post(
                    "/content",
                    json!({ "files": [file("posts/deep.md", deep.as_bytes())] }),
                )
                .await
        })
    };
    let health = reqwest::get(format!("{}/healthz", server.base))
        .await
        .expect("healthz answers");
    assert_eq!(health.status(), 200);
    let reply = push.await.expect("the push ends").expect(400);
    let error = reply.body["error"].as_str().unwrap_or_default();
    assert!(
        error.contains("posts/deep.md:3") && error.contains("nested"),
        "{error}"
    );
}

/// The status a login answers to a request that announces a body of `length` bytes
/// and sends none: a body too large is refused from its Content-Length, before a byte
/// of it is read. (Sending the body too races the answer: the server closes the
/// connection while the client still writes.)
async fn announced_body_answer(base: &str, length: usize) -> u16 {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let authority = base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(authority)
        .await
        .expect("connect");
    let request = format!(
        "POST /admin/api/session HTTP/1.1\r\nHost: {authority}\r\n\
         Content-Type: application/json\r\nContent-Length: {length}\r\n\
         X-Forwarded-For: 192.0.2.2\r\n\r\n"
    );
    stream
        .write_all(request.as_bytes())
        .await
        .expect("send the headers");
    let mut answer = vec![0; 64];
    let read = tokio::time::timeout(std::time::Duration::from_secs(5), stream.read(&mut answer))
        .await
        .expect("an answer before the body is sent")
        .expect("read");
    let line = String::from_utf8_lossy(&answer[..read]);
    line.split(' ')
        .nth(1)
        .and_then(|status| status.parse().ok())
        .unwrap_or_else(|| panic!("not an HTTP answer: {line}"))
}

/// A body that is not JSON gets the API's own error, in JSON, saying why.
#[tokio::test(flavor = "multi_thread")]
async fn a_body_that_is_not_json_is_answered_in_json() {
    let site = TestSite::empty();
    let server = Server::start(&site, &PROXIED);
    let reply = reqwest::Client::new()
        .post(format!("{}/admin/api/session", server.base))
        .header("content-type", "application/json")
        .body("{\"username\": ")
        .send()
        .await
        .expect("an answer");
    assert_eq!(reply.status(), 400);
    assert!(reply
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json")));
    let body: Value = reply.json().await.expect("a JSON body");
    let error = body["error"].as_str().unwrap_or_default();
    assert!(error.contains("EOF") || error.contains("JSON"), "{error}");
}

/// A login's first step from `ip` (through a trusted proxy).
async fn password_from(api: &Api, ip: &str, username: &str, password: &str) -> common::api::Reply {
    let request = api
        .request(reqwest::Method::POST, "/session")
        .header("x-forwarded-for", ip)
        .json(&json!({ "username": username, "password": password }));
    Api::reply(request.send().await.expect("an answer")).await
}

/// The second step from `ip`.
async fn code_from(api: &Api, ip: &str, body: Value) -> common::api::Reply {
    let request = api
        .request(reqwest::Method::POST, "/session/totp")
        .header("x-forwarded-for", ip)
        .json(&body);
    Api::reply(request.send().await.expect("an answer")).await
}

/// Peak resident memory of a process, in bytes.
fn peak_rss(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("/proc status");
    let line = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .expect("VmHWM");
    let kb: u64 = line
        .split_whitespace()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .expect("a number");
    kb * 1024
}

const PROXIED: [(&str, &str); 1] = [("FOLIO_TRUSTED_PROXIES", "127.0.0.1/32")];

#[tokio::test(flavor = "multi_thread")]
async fn a_hundred_concurrent_logins_neither_exhaust_memory_nor_beat_the_limit() {
    let site = TestSite::empty();
    add_user(&site, "olga", "owner");
    let server = Server::start(&site, &PROXIED);
    let api = server.api();
    // 30 guesses at once from one address, the right password third: no more are
    // judged than the limit allows.
    let guesses = (0..30).map(|i| {
        let api = api.clone();
        async move {
            let password = if i == 2 {
                common::api::PASSWORD.to_owned()
            } else {
                format!("wrong {i}")
            };
            password_from(&api, "203.0.113.7", "olga", &password).await
        }
    });
    let replies = futures_util::future::join_all(guesses).await;
    let judged = replies.iter().filter(|r| r.status != 429).count();
    assert!(judged <= 5, "{judged} guesses were judged");
    let limited = replies.iter().find(|r| r.status == 429).expect("a 429");
    assert!(limited
        .header("retry-after")
        .parse::<u64>()
        .is_ok_and(|s| s > 0));
    assert!(
        limited.body["error"]
            .as_str()
            .unwrap_or_default()
            .contains("try again in"),
        "{}",
        limited.body
    );

    // 100 logins at once from 100 addresses: the hashes wait their turn.
    let logins = (0..100).map(|i| {
        let api = api.clone();
        async move { password_from(&api, &format!("198.51.100.{i}"), "olga", "nope").await }
    });
    let replies = futures_util::future::join_all(logins).await;
    assert!(replies
        .iter()
        .all(|r| [401, 503].contains(&r.status.as_u16())));
    let peak = peak_rss(server.pid());
    eprintln!(
        "peak RSS after 100 concurrent logins: {} MB",
        peak / 1024 / 1024
    );
    assert!(
        peak < 150 * 1024 * 1024,
        "peak RSS {} MB",
        peak / 1024 / 1024
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_third_party_guessing_cannot_lock_the_owner_out() {
    let site = TestSite::empty();
    add_user(&site, "olga", "owner");
    let server = Server::start(&site, &PROXIED);
    let api = server.api();
    let (owner, secret, _) = enroll(&api, "olga").await;
    for i in 0..8 {
        let reply = password_from(&api, "203.0.113.9", "olga", &format!("guess {i}")).await;
        assert_eq!(reply.status, if i < 5 { 401 } else { 429 }, "guess {i}");
    }
    // The owner, from an address with no failures, still gets in.
    let challenge = password_from(&api, "192.0.2.1", "olga", common::api::PASSWORD)
        .await
        .expect(200);
    // The next period's code: enrollment used this one.
    let code = common::api::oathtool(&secret, 30);
    code_from(
        &api,
        "192.0.2.1",
        json!({ "challenge": challenge.body["challenge"], "code": code }),
    )
    .await
    .expect(200);
    // Names of any size never reach the limiter or the audit log.
    // A body that size is refused before it is read; a name too long in a body of
    // a normal size is refused by name.
    assert_eq!(announced_body_answer(&server.base, 1_900_000).await, 413);
    let long = "x".repeat(1_000);
    let reply = password_from(&api, "192.0.2.2", &long, "x")
        .await
        .expect(400);
    assert_eq!(reply.body["field"], "username");
    let audit = owner.get("/audit?limit=50").await.expect(200);
    assert!(
        !audit.body.to_string().contains(&long),
        "the name went into the audit log"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_recovery_code_gets_in_while_the_address_is_at_its_limit() {
    let site = TestSite::empty();
    add_user(&site, "olga", "owner");
    let server = Server::start(&site, &PROXIED);
    let api = server.api();
    let (_, _, recovery) = enroll(&api, "olga").await;
    let ip = "203.0.113.20";
    let challenge = password_from(&api, ip, "olga", common::api::PASSWORD)
        .await
        .expect(200);
    let challenge = challenge.body["challenge"].clone();
    for _ in 0..4 {
        code_from(
            &api,
            ip,
            json!({ "challenge": challenge, "code": "000000" }),
        )
        .await
        .expect(401);
    }
    // The address is at its limit now (a password and four codes)...
    password_from(&api, ip, "olga", common::api::PASSWORD)
        .await
        .expect(429);
    // ...and a recovery code on the challenge still gets in.
    code_from(
        &api,
        ip,
        json!({ "challenge": challenge, "recovery_code": recovery[0] }),
    )
    .await
    .expect(200);
    // That success forgave this address's attempts on the account.
    password_from(&api, ip, "olga", common::api::PASSWORD)
        .await
        .expect(200);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_login_begun_before_a_password_change_cannot_finish() {
    let site = TestSite::empty();
    add_user(&site, "olga", "owner");
    let server = Server::start(&site, &[]);
    let api = server.api();
    let (session, secret, _) = enroll(&api, "olga").await;
    // Someone who knows the old password starts a login...
    let stolen = api
        .post(
            "/session",
            json!({ "username": "olga", "password": common::api::PASSWORD }),
        )
        .await
        .expect(200);
    // ...the owner changes the password...
    session
        .post(
            "/me/password",
            json!({ "current_password": common::api::PASSWORD, "new_password": "a brand new passphrase 2026" }),
        )
        .await
        .expect(200);
    // ...and the old challenge is void, even with a right code.
    let code = common::api::oathtool(&secret, 30);
    let reply = api
        .post(
            "/session/totp",
            json!({ "challenge": stolen.body["challenge"], "code": code }),
        )
        .await
        .expect(401);
    assert!(
        reply.body["error"]
            .as_str()
            .unwrap_or_default()
            .contains("password changed"),
        "{}",
        reply.body
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_lost_secret_key_stops_the_server_instead_of_locking_everyone_out() {
    use std::os::unix::fs::PermissionsExt;
    let site = TestSite::empty();
    add_user(&site, "olga", "owner");
    // No FOLIO_SECRET_KEY: the key file beside the database is made on first use.
    let server = Server::start(&site, &[("FOLIO_SECRET_KEY", "")]);
    enroll(&server.api(), "olga").await;
    server.stop();
    let key = site.path().join("data/secret.key");
    assert!(key.is_file());
    let mode =
        |p: &std::path::Path| std::fs::metadata(p).expect("metadata").permissions().mode() & 0o777;
    assert_eq!(mode(&key), 0o600);
    assert_eq!(mode(&site.db()), 0o600, "the database is private");
    let backup = site.path().join("backup.db");
    let out = site.cli(&["backup", "--out", backup.to_str().expect("utf-8")]);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(mode(&backup), 0o600, "the backup is private");

    let kept = std::fs::read(&key).expect("key");
    std::fs::remove_file(&key).expect("remove");
    let log = common::api::refused_start(&site, &[("FOLIO_SECRET_KEY", "")]);
    assert!(
        log.contains("secret.key") && log.contains("missing"),
        "{log}"
    );
    assert!(!key.exists(), "a new key was made");
    // Another key is refused too, rather than failing every login with 500.
    let log = common::api::refused_start(
        &site,
        &[(
            "FOLIO_SECRET_KEY",
            "a different key that is long enough to be used",
        )],
    );
    assert!(log.contains("not the one"), "{log}");
    // The right key starts it again.
    std::fs::write(&key, kept).expect("restore the key");
    let server = Server::start(&site, &[("FOLIO_SECRET_KEY", "")]);
    server.api().get("/setup").await.expect(200);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_folder_named_like_a_host_never_redirects_off_site() {
    let site = TestSite::empty();
    site.write("posts/evil.md", &post("Evil", "slug: evil.example\n", "x"));
    site.publish().await;
    assert!(site.out().join("evil.example").is_dir());
    let (server, _) = Server::start_logging(&site, &[], None);
    let first = public(&server, "//evil.example").await;
    assert!(first.status().is_redirection(), "{}", first.status());
    for path in ["//evil.example", "/\\evil.example", "//evil.example/.."] {
        let response = public(&server, path).await;
        if let Some(location) = response.headers().get("location") {
            let location = location.to_str().expect("ascii");
            assert!(
                location.starts_with('/')
                    && !location.starts_with("//")
                    && !location.starts_with("/\\"),
                "{path} -> {location}"
            );
        }
    }
}

/// Raw TCP connections that send half a request and then a byte now and then.
fn slow_clients(addr: &str, n: usize) -> Vec<std::net::TcpStream> {
    use std::io::Write;
    (0..n)
        .filter_map(|_| {
            let mut tcp = std::net::TcpStream::connect(addr).ok()?;
            tcp.write_all(b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ")
                .ok()?;
            Some(tcp)
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn slow_clients_are_cut_off_and_health_probes_keep_answering() {
    use std::io::{Read, Write};
    let site = TestSite::sample();
    let server = Server::start(
        &site,
        &[
            ("FOLIO_MAX_CONNECTIONS", "50"),
            ("FOLIO_HEADER_TIMEOUT", "2"),
        ],
    );
    let addr = server.base.trim_start_matches("http://").to_owned();
    let mut slow = slow_clients(&addr, 300);
    assert!(slow.len() > 250, "only {} connected", slow.len());
    // Probes complete while the slow clients trickle, far more of them than the cap.
    for _ in 0..8 {
        for tcp in &mut slow {
            let _ = tcp.write_all(b"a");
        }
        let health = reqwest::get(format!("{}/healthz", server.base))
            .await
            .expect("healthz answers");
        assert_eq!(health.status(), 200);
    }
    // Every slow client is closed: by the cap at once, or by the header deadline.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    for tcp in &mut slow {
        tcp.set_read_timeout(Some(std::time::Duration::from_millis(200)))
            .expect("timeout");
        let mut buf = [0u8; 512];
        loop {
            match tcp.read(&mut buf) {
                // Closed (an answer such as 408 may come first).
                Ok(0) | Err(_) if std::time::Instant::now() > deadline => {
                    panic!("a slow client was never closed")
                }
                Ok(0) => break,
                Ok(_) => continue,
                Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => break,
                Err(_) => {
                    let _ = tcp.write_all(b"a");
                }
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_admin_on_its_own_listener_is_unreachable_from_the_site() {
    let site = TestSite::sample();
    add_user(&site, "olga", "owner");
    let (server, admin) = Server::start_logging(
        &site,
        &[("FOLIO_ADMIN_LISTEN", "127.0.0.1:0")],
        Some("admin on "),
    );
    let admin = admin
        .expect("the admin's address is logged")
        .trim_end_matches("/admin/")
        .to_owned();
    for path in ["/admin/", "/admin/api/setup", "/admin/api/me"] {
        assert_eq!(public(&server, path).await.status(), 404, "{path}");
    }
    assert_eq!(public(&server, "/getting-started/").await.status(), 200);
    // The admin's origin has the admin and nothing of the site.
    let (session, _, _) = enroll(&Api::new(&admin), "olga").await;
    session.get("/me").await.expect(200);
    let page = reqwest::get(format!("{admin}/getting-started/"))
        .await
        .expect("an answer");
    assert_eq!(page.status(), 404);
    assert_eq!(
        reqwest::get(format!("{admin}/healthz"))
            .await
            .expect("ok")
            .status(),
        200
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn with_an_admin_url_each_host_gets_only_its_own() {
    let site = TestSite::sample();
    add_user(&site, "olga", "owner");
    let server = Server::start(&site, &[("FOLIO_ADMIN_URL", "http://admin.test")]);
    let client = reqwest::Client::new();
    let get = |host: &'static str, path: &'static str| {
        let request = client
            .get(format!("{}{path}", server.base))
            .header("host", host);
        async move { request.send().await.expect("an answer").status().as_u16() }
    };
    assert_eq!(get("blog.example.com", "/admin/").await, 404);
    assert_eq!(get("blog.example.com", "/admin/api/setup").await, 404);
    assert_eq!(get("blog.example.com", "/getting-started/").await, 200);
    assert_eq!(get("admin.test", "/admin/api/setup").await, 200);
    assert_eq!(get("admin.test", "/getting-started/").await, 404);
    assert_eq!(get("admin.test", "/healthz").await, 200);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_author_cannot_read_others_drafts_or_byline_someone_else() {
    let site = TestSite::empty();
    let (_server, _owner, editor, author) = staff(&site).await;
    let secret = editor
        .post(
            "/posts",
            json!({ "title": "Embargoed", "markdown": "the launch date", "status": "draft" }),
        )
        .await
        .expect(201);
    let id = secret.body["id"].as_i64().expect("id");
    let mine = author
        .post("/posts", json!({ "title": "Mine", "markdown": "x" }))
        .await
        .expect(201);
    let list = author.get("/posts").await.expect(200);
    let titles: Vec<&str> = list.body["posts"]
        .as_array()
        .expect("posts")
        .iter()
        .filter_map(|p| p["title"].as_str())
        .collect();
    assert_eq!(titles, ["Mine"]);
    let asked = author.get("/posts?author=ed").await.expect(200);
    assert_eq!(asked.body["total"], 1, "{}", asked.body);
    author.get(&format!("/posts/{id}")).await.expect(404);
    author
        .get(&format!("/posts/{id}/revisions"))
        .await
        .expect(404);
    // A byline of someone else is refused, on create and on update.
    let refused = author
        .post(
            "/posts",
            json!({ "title": "Forged", "markdown": "x", "authors": ["ed"] }),
        )
        .await
        .expect(403);
    assert_eq!(refused.body["field"], "authors");
    author
        .patch(
            &format!("/posts/{}", mine.body["id"]),
            json!({ "revision": mine.body["revision"], "authors": ["au", "ed"] }),
        )
        .await
        .expect(403);
    // Editors still read and credit anyone.
    let credited = editor
        .post(
            "/posts",
            json!({ "title": "Joint", "markdown": "x", "authors": ["au", "ed"] }),
        )
        .await
        .expect(201);
    assert_eq!(credited.body["authors"], json!(["au", "ed"]));
}

/// How many pages of the output name each of `titles` (the site's title is in every
/// page's header).
fn pages_by_title(out: &std::path::Path, titles: &[&str]) -> Vec<usize> {
    let mut counts = vec![0; titles.len()];
    for (rel, bytes) in common::read_tree(out) {
        if !rel.ends_with(".html") || rel == "404.html" {
            continue;
        }
        let text = String::from_utf8_lossy(&bytes);
        // A redirect page (`/subscribe/`, an alias) names no site.
        if text.contains("http-equiv=\"refresh\"") {
            continue;
        }
        let which = titles.iter().position(|t| text.contains(t));
        counts[which.unwrap_or_else(|| panic!("{rel} names neither site title"))] += 1;
    }
    counts
}

#[test]
fn a_publish_killed_at_any_moment_leaves_the_old_site_or_the_new() {
    let site = TestSite::empty();
    for i in 0..400 {
        site.write(
            &format!("posts/post-{i}.md"),
            &post(&format!("Post {i}"), "date: 2025-01-01\n", "A paragraph."),
        );
    }
    let titles = ["Site Alpha", "Site Beta"];
    let config = |title: &str| {
        std::fs::write(
            site.path().join("folio.toml"),
            format!("title = \"{title}\"\n"),
        )
        .expect("write folio.toml");
    };
    config(titles[0]);
    let first = site.cli(&["publish"]);
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let pages = pages_by_title(&site.out(), &titles)[0];
    assert!(pages > 400, "every post has a page: {pages}");

    // How long a whole publish takes here, to spread the kills over it.
    config(titles[1]);
    let started = std::time::Instant::now();
    assert!(site.cli(&["publish"]).status.success());
    let whole = started.elapsed();
    let mut published = 1;
    for round in 0..12u32 {
        let target = 1 - published;
        config(titles[target]);
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_folio"))
            .arg("publish")
            .current_dir(site.path())
            .env("FOLIO_BASE_URL", common::BASE_URL)
            .env("FOLIO_LOG", "warn")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("folio runs");
        // sleep: a kill at a chosen moment of the publish is the behaviour under test
        std::thread::sleep(whole * round / 10);
        let _ = child.kill();
        let status = child.wait().expect("wait");
        let counts = pages_by_title(&site.out(), &titles);
        assert!(
            counts[0] == 0 || counts[1] == 0,
            "round {round} ({status}): a mixed site, {counts:?} pages per title"
        );
        if counts[target] > 0 {
            published = target;
        }
    }
    // The next publish finishes the job and sweeps what the killed ones left.
    config(titles[0]);
    assert!(site.cli(&["publish"]).status.success());
    assert_eq!(pages_by_title(&site.out(), &titles)[1], 0);
    let builds = std::fs::read_dir(site.path().join(".public.builds"))
        .expect("the builds folder")
        .filter(|e| e.as_ref().is_ok_and(|e| e.path().is_dir()))
        .count();
    assert!(
        builds <= 2,
        "{builds} builds kept: the live one and the one before"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn odd_media_names_get_a_400_or_a_clean_name_never_a_500() {
    let site = TestSite::sample();
    let (_server, owner) = owner_session(&site, "olga", &[]).await;
    let png = png(&site);
    let long = format!("{}.png", "a".repeat(5000));
    for name in [long.as_str(), "nul\0byte.png", "a/b/../../c.png", "folder/"] {
        let form = reqwest::multipart::Form::new().part(
            "file",
            reqwest::multipart::Part::bytes(png.clone()).file_name(name.to_owned()),
        );
        let response = owner
            .request(reqwest::Method::POST, "/media")
            .multipart(form)
            .send()
            .await
            .expect("an answer");
        let reply = Api::reply(response).await;
        assert!(
            reply.status == 201 || reply.status == 400,
            "{name:.40}: {} {}",
            reply.status,
            reply.body
        );
        if reply.status == 201 {
            let path = reply.body["path"].as_str().expect("path");
            let stored = path.rsplit('/').next().expect("a name");
            assert!(stored.len() <= 120, "{stored}");
            assert!(site.content().join(path).is_file(), "{path}");
        }
    }
    // Reading one back: a bad path is a 400 that says why, a missing file a 404.
    let bad = owner
        .get(&format!("/media/images/{}", "b".repeat(5000)))
        .await
        .expect(400);
    assert!(
        bad.body["error"]
            .as_str()
            .expect("error")
            .contains("too long"),
        "{}",
        bad.body
    );
    owner.get("/media/images/%00.png").await.expect(400);
    owner.get("/media/images/.hidden.png").await.expect(400);
    owner.get("/media/images/none-such.png").await.expect(404);
    owner.get("/media/posts/hello.md").await.expect(400);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_login_body_sent_a_byte_at_a_time_is_cut_off() {
    use std::io::{Read, Write};
    let site = TestSite::sample();
    let server = Server::start(&site, &[]);
    let addr = server.base.trim_start_matches("http://").to_owned();
    let mut tcp = std::net::TcpStream::connect(&addr).expect("connect");
    // A body that would take over an hour at one byte a second, each byte well within
    // the wait allowed between two.
    write!(
        tcp,
        "POST /admin/api/session HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
         Content-Length: 4000\r\n\r\n{{\"username\":\"olga\",\"password\":\""
    )
    .expect("send");
    tcp.set_read_timeout(Some(std::time::Duration::from_secs(1)))
        .expect("timeout");
    let mut answer = Vec::new();
    let mut buf = [0u8; 1024];
    for _ in 0..120 {
        match tcp.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => answer.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => break,
            Err(_) => {
                if tcp.write_all(b"x").is_err() {
                    break;
                }
            }
        }
    }
    let answer = String::from_utf8_lossy(&answer);
    assert!(
        answer.starts_with("HTTP/1.1 408"),
        "the request was not cut off: {answer:?}"
    );
}
