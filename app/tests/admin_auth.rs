//! The admin API's login, sessions, CSRF, tokens and rate limits, over real HTTP
//! against `folio serve` with a real SQLite file.

mod common;

use reqwest::Method;
use serde_json::json;

use common::api::{add_user, enroll, oathtool, Api, Server, PASSWORD};
use common::TestSite;

#[tokio::test(flavor = "multi_thread")]
async fn no_session_without_password_and_totp() {
    let site = TestSite::empty();
    add_user(&site, "ada", "contributor");
    let server = Server::start(&site, &[]);
    let api = server.api();

    // Nothing without a session.
    api.get("/me").await.expect(401);

    // The password alone answers a challenge, never a cookie.
    let first = api
        .post(
            "/session",
            json!({ "username": "ada", "password": PASSWORD }),
        )
        .await
        .expect(200);
    assert_eq!(first.body["next"], "enroll");
    assert!(first.header("set-cookie").is_empty());
    let challenge = first.body["challenge"]
        .as_str()
        .expect("challenge")
        .to_owned();
    // The challenge is no session either.
    let mut pretender = api.clone();
    pretender.cookie = Some(format!("folio_session={challenge}"));
    pretender.get("/me").await.expect(401);

    // Enrollment: a 160-bit key (32 base32 characters), its URI and QR code.
    let key = api
        .post("/session/enroll", json!({ "challenge": challenge }))
        .await
        .expect(200);
    let secret = key.body["secret"].as_str().expect("secret").to_owned();
    assert_eq!(secret.len(), 32, "{secret}");
    let url = key.body["otpauth_url"].as_str().expect("url");
    assert!(
        url.starts_with("otpauth://totp/") && url.contains(&secret),
        "{url}"
    );
    assert!(key.body["qr_svg"].as_str().expect("svg").contains("<svg"));

    // A wrong code does not enroll.
    let wrong = if oathtool(&secret, 0) == "000000" {
        "111111"
    } else {
        "000000"
    };
    api.post(
        "/session/enroll/confirm",
        json!({ "challenge": challenge, "code": wrong }),
    )
    .await
    .expect(401);
    // The code oathtool computes from the key does: recovery codes, once, and a cookie.
    let enrolled_at = oathtool(&secret, 0);
    let confirmed = api
        .post(
            "/session/enroll/confirm",
            json!({ "challenge": challenge, "code": enrolled_at }),
        )
        .await
        .expect(200);
    let codes: Vec<String> =
        serde_json::from_value(confirmed.body["recovery_codes"].clone()).expect("recovery codes");
    assert_eq!(codes.len(), 10);
    let cookie = confirmed.header("set-cookie").to_owned();
    for flag in ["HttpOnly", "SameSite=Strict", "Path=/", "Max-Age="] {
        assert!(cookie.contains(flag), "{flag} missing from {cookie}");
    }
    let mut session = api.clone();
    session.keep_session(&confirmed);
    let me = session.get("/me").await.expect(200);
    assert_eq!(me.body["username"], "ada");
    assert_eq!(me.body["role"], "owner", "the first account is an owner");
    assert_eq!(me.header("cache-control"), "no-store");
    assert_eq!(me.header("x-frame-options"), "DENY");
    assert!(me
        .header("content-security-policy")
        .contains("frame-ancestors 'none'"));

    // The challenge was used up.
    api.post(
        "/session/enroll/confirm",
        json!({ "challenge": challenge, "code": enrolled_at }),
    )
    .await
    .expect(401);

    // Logging in again: the code of the enrollment's time step is spent (replay)...
    let login = |api: Api| async move {
        let reply = api
            .post(
                "/session",
                json!({ "username": "ada", "password": PASSWORD }),
            )
            .await
            .expect(200);
        assert_eq!(reply.body["next"], "totp");
        reply.body["challenge"]
            .as_str()
            .expect("challenge")
            .to_owned()
    };
    let challenge = login(api.clone()).await;
    let replay = api
        .post(
            "/session/totp",
            json!({ "challenge": challenge, "code": enrolled_at }),
        )
        .await
        .expect(401);
    assert_eq!(replay.body["field"], "code");
    // ...the next step's code (one step of clock skew) logs in...
    let next = oathtool(&secret, 30);
    let second = api
        .post(
            "/session/totp",
            json!({ "challenge": challenge, "code": next }),
        )
        .await
        .expect(200);
    assert!(!second.header("set-cookie").is_empty());
    // ...once.
    let challenge = login(api.clone()).await;
    api.post(
        "/session/totp",
        json!({ "challenge": challenge, "code": next }),
    )
    .await
    .expect(401);

    // A recovery code works once, whatever its spacing and case.
    let code = codes[3].to_uppercase().replace('-', " ");
    let recovered = api
        .post(
            "/session/totp",
            json!({ "challenge": challenge, "recovery_code": code }),
        )
        .await
        .expect(200);
    assert_eq!(recovered.body["recovery_codes_left"], 9);
    let challenge = login(api.clone()).await;
    api.post(
        "/session/totp",
        json!({ "challenge": challenge, "recovery_code": codes[3] }),
    )
    .await
    .expect(401);

    // Logging out ends the session; a tampered cookie is nobody.
    let mut tampered = session.clone();
    tampered.cookie = Some(format!("{}x", session.cookie.clone().expect("cookie")));
    tampered.get("/me").await.expect(401);
    session.delete("/session").await.expect(204);
    session.get("/me").await.expect(401);

    // What the database keeps is useless without FOLIO_SECRET_KEY: no TOTP key, no
    // recovery code, no session id in the clear.
    server.stop();
    let mut bytes = std::fs::read(site.db()).expect("the database");
    if let Ok(wal) = std::fs::read(site.path().join("data/folio.db-wal")) {
        bytes.extend(wal);
    }
    let text = String::from_utf8_lossy(&bytes);
    assert!(
        !text.contains(&secret),
        "the TOTP key is stored in the clear"
    );
    for code in &codes {
        assert!(
            !text.contains(code.as_str()),
            "a recovery code is stored in the clear"
        );
    }
    let session_id = session.cookie.expect("cookie");
    let session_id = session_id.split('=').nth(1).expect("a value");
    assert!(
        !text.contains(session_id),
        "a session id is stored in the clear"
    );
    assert!(!text.contains(PASSWORD));

    // With another key, the stolen database lets nobody finish a login: the server
    // does not even start, rather than fail every login.
    let log = common::api::refused_start(
        &site,
        &[(
            "FOLIO_SECRET_KEY",
            "some other key that is long enough, too",
        )],
    );
    assert!(log.contains("not the one"), "{log}");
}

#[tokio::test(flavor = "multi_thread")]
async fn failed_logins_are_limited_per_address_and_account() {
    let site = TestSite::empty();
    add_user(&site, "ada", "owner");
    let server = Server::start(&site, &[]);
    let api = server.api();
    // Unknown users and wrong passwords get the same answer.
    let unknown = api
        .post(
            "/session",
            json!({ "username": "nobody", "password": PASSWORD }),
        )
        .await
        .expect(401);
    for _ in 0..4 {
        let wrong = api
            .post(
                "/session",
                json!({ "username": "ada", "password": "not the password" }),
            )
            .await
            .expect(401);
        assert_eq!(wrong.body, unknown.body);
    }
    // Five failures from this address: even the right password waits now.
    let limited = api
        .post(
            "/session",
            json!({ "username": "ada", "password": PASSWORD }),
        )
        .await
        .expect(429);
    let retry: u64 = limited
        .header("retry-after")
        .parse()
        .expect("Retry-After seconds");
    assert!(retry > 0 && retry <= 15 * 60, "{retry}");

    // The failures are in the audit log.
    let site_db = site.store().await;
    let failures = site_db
        .audit_log(100, None)
        .await
        .expect("the audit log")
        .into_iter()
        .filter(|e| e.action == "login.failed")
        .count();
    assert_eq!(failures, 5);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_trusted_proxy_reports_the_client_address() {
    let site = TestSite::empty();
    add_user(&site, "ada", "owner");
    let server = Server::start(&site, &[("FOLIO_TRUSTED_PROXIES", "127.0.0.1/32")]);
    let api = server.api();
    let attempt = |ip: &'static str| {
        let api = api.clone();
        async move {
            api.request(Method::POST, "/session")
                .header("cf-connecting-ip", ip)
                .json(&json!({ "username": format!("user-{ip}"), "password": "wrong password!" }))
                .send()
                .await
                .expect("an answer")
                .status()
                .as_u16()
        }
    };
    for _ in 0..5 {
        assert_eq!(attempt("203.0.113.7").await, 401);
    }
    assert_eq!(attempt("203.0.113.7").await, 429, "the client is limited");
    assert_eq!(attempt("198.51.100.1").await, 401, "another client is not");
}

#[tokio::test(flavor = "multi_thread")]
async fn changes_need_the_csrf_token_and_the_same_origin() {
    let site = TestSite::empty();
    add_user(&site, "ada", "owner");
    let server = Server::start(&site, &[]);
    let (session, _, _) = enroll(&server.api(), "ada").await;
    let post = json!({ "title": "Hello", "markdown": "Hi." });

    let mut no_token = session.clone();
    no_token.csrf = None;
    let refused = no_token.post("/posts", post.clone()).await.expect(403);
    assert!(refused.body["error"]
        .as_str()
        .expect("message")
        .contains("CSRF"));

    let mut elsewhere = session.clone();
    elsewhere.origin = Some("https://evil.example".into());
    elsewhere.post("/posts", post.clone()).await.expect(403);

    let mut no_origin = session.clone();
    no_origin.origin = None;
    no_origin.post("/posts", post.clone()).await.expect(403);

    // Reading needs neither.
    no_token.get("/posts").await.expect(200);
    session.post("/posts", post).await.expect(201);

    // Log out everywhere ends this session too.
    session.delete("/sessions").await.expect(204);
    session.get("/me").await.expect(401);
}

#[tokio::test(flavor = "multi_thread")]
async fn api_tokens_have_scopes_and_can_be_revoked() {
    let site = TestSite::empty();
    add_user(&site, "ada", "owner");
    let server = Server::start(&site, &[]);
    let (session, _, _) = enroll(&server.api(), "ada").await;

    let create = |name: &'static str, scopes: serde_json::Value| {
        let session = session.clone();
        async move {
            let reply = session
                .post("/tokens", json!({ "name": name, "scopes": scopes }))
                .await
                .expect(201);
            let token = reply.body["token"].as_str().expect("plaintext").to_owned();
            assert!(token.starts_with("folio_"));
            (reply.body["id"].as_i64().expect("id"), token)
        }
    };
    let bad = session
        .post(
            "/tokens",
            json!({ "name": "x", "scopes": ["content:read", "root"] }),
        )
        .await
        .expect(400);
    assert_eq!(bad.body["field"], "scopes[1]");

    let (_, reader) = create("reader", json!(["content:read"])).await;
    let (writer_id, writer) = create("ci", json!(["content:write"])).await;
    let (_, publisher) = create("deploy", json!(["publish", "content:read"])).await;
    let reader = server.api().with_token(&reader);
    let writer = server.api().with_token(&writer);
    let publisher = server.api().with_token(&publisher);

    reader.get("/posts").await.expect(200);
    let denied = reader
        .post("/posts", json!({ "title": "No", "markdown": "" }))
        .await
        .expect(403);
    assert!(denied.body["error"]
        .as_str()
        .expect("message")
        .contains("scope"));
    // Tokens need no CSRF token: they are not sent by browsers on their own.
    writer
        .post("/posts", json!({ "title": "From CI", "markdown": "Yes." }))
        .await
        .expect(201);
    writer.post("/publish", json!({})).await.expect(403);
    publisher.post("/publish", json!({})).await.expect(200);
    // No token manages tokens or users.
    writer
        .post("/tokens", json!({ "name": "more", "scopes": ["publish"] }))
        .await
        .expect(403);
    publisher.get("/users").await.expect(403);

    // The plaintext is not kept: the list shows names and use.
    let list = session.get("/tokens").await.expect(200);
    assert!(!list.body.to_string().contains("folio_"));
    let ci = list.body["tokens"]
        .as_array()
        .expect("tokens")
        .iter()
        .find(|t| t["name"] == "ci")
        .expect("the ci token")
        .clone();
    assert!(ci["last_used_at"].is_string(), "{ci}");

    session
        .delete(&format!("/tokens/{writer_id}"))
        .await
        .expect(204);
    writer.get("/posts").await.expect(401);
    server
        .api()
        .with_token("folio_made-up")
        .get("/posts")
        .await
        .expect(401);

    // Each of these is in the audit log.
    let audit = session.get("/audit").await.expect(200);
    let actions: Vec<&str> = audit.body["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| e["action"].as_str().expect("action"))
        .collect();
    for action in [
        "login",
        "2fa.enrolled",
        "token.created",
        "token.revoked",
        "publish",
    ] {
        assert!(
            actions.contains(&action),
            "{action} missing from {actions:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn first_run_setup_with_the_token_from_the_log() {
    let site = TestSite::empty();
    site.write(
        "posts/theirs.md",
        &common::post("Theirs", "author: Ada Byron\n", "x"),
    );
    let (server, line) = Server::start_logging(&site, &[], Some("no admin account yet: "));
    let line = line.expect("the log has the setup token");
    // The line says where to go, and with which token.
    assert!(
        line.contains(&format!("open {}/admin/ ", server.base)),
        "{line}"
    );
    let token = line
        .split("setup token ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .expect("a token")
        .to_owned();
    let api = server.api();
    assert_eq!(api.get("/setup").await.expect(200).body["needed"], true);
    let wrong = api
        .post(
            "/setup",
            json!({ "setup_token": "guess", "username": "owner", "password": PASSWORD }),
        )
        .await
        .expect(401);
    assert_eq!(wrong.body["field"], "setup_token");
    api.post(
        "/setup",
        json!({ "setup_token": token, "username": "owner", "password": "short" }),
    )
    .await
    .expect(400);
    // A name that passes for another author's, or a title the site refuses: nothing
    // is made.
    let look_alike = json!({ "setup_token": token, "username": "owner", "password": PASSWORD,
        "display_name": "ada byron", "site_title": "Notes" });
    let publish = api.post("/setup", look_alike).await;
    assert_eq!(publish.status, 409, "{}", publish.body);
    assert_eq!(publish.body["field"], "display_name");
    assert_eq!(api.get("/setup").await.expect(200).body["needed"], true);
    let created = api
        .post(
            "/setup",
            json!({ "setup_token": token, "username": "owner", "password": PASSWORD,
                    "display_name": "Olga Owner", "site_title": "Olga's notes" }),
        )
        .await
        .expect(200);
    assert_eq!(created.body["next"], "enroll");
    let (status, home) = common::api::page(&server, "/").await;
    assert_eq!(status, 200);
    assert!(
        home.contains("Olga&#x27;s notes") || home.contains("Olga's notes"),
        "the title is the site's: {home}"
    );
    // Once only.
    api.post(
        "/setup",
        json!({ "setup_token": token, "username": "second", "password": PASSWORD }),
    )
    .await
    .expect(409);
    let (session, _, _) = enroll(&api, "owner").await;
    let me = session.get("/me").await.expect(200);
    assert_eq!(me.body["role"], "owner");
    assert_eq!(api.get("/setup").await.expect(200).body["needed"], false);
    // The first post is bylined with the name given, not the username.
    let first = session
        .post("/posts", json!({ "title": "Hello", "markdown": "Hi." }))
        .await
        .expect(201);
    assert_eq!(first.body["authors"], json!(["Olga Owner"]));
}

#[tokio::test(flavor = "multi_thread")]
async fn roles_limit_what_accounts_do() {
    let site = TestSite::empty();
    add_user(&site, "owner", "owner");
    add_user(&site, "ed", "editor");
    add_user(&site, "au", "contributor");
    let server = Server::start(&site, &[]);
    let api = server.api();
    let (owner, _, _) = enroll(&api, "owner").await;
    let (editor, _, _) = enroll(&api, "ed").await;
    let (author, _, _) = enroll(&api, "au").await;

    // Authors write their own drafts and nothing else.
    let draft = author
        .post("/posts", json!({ "title": "My draft", "markdown": "..." }))
        .await
        .expect(201);
    assert_eq!(draft.body["authors"], json!(["au"]));
    let id = draft.body["id"].as_i64().expect("id");
    author
        .patch(
            &format!("/posts/{id}"),
            json!({ "revision": 1, "status": "published" }),
        )
        .await
        .expect(403);
    author.post("/publish", json!({})).await.expect(403);
    let theirs = editor
        .post("/posts", json!({ "title": "Editor's", "markdown": "..." }))
        .await
        .expect(201);
    let theirs = theirs.body["id"].as_i64().expect("id");
    author
        .patch(
            &format!("/posts/{theirs}"),
            json!({ "revision": 1, "title": "Mine now" }),
        )
        .await
        .expect(403);
    author.delete(&format!("/posts/{theirs}")).await.expect(403);

    // Editors publish, see the people (and manage authors and contributors only), and
    // cannot read the audit log.
    editor
        .patch(
            &format!("/posts/{id}"),
            json!({ "revision": 1, "status": "published" }),
        )
        .await
        .expect(200);
    editor.post("/publish", json!({})).await.expect(200);
    editor.get("/users").await.expect(200);
    editor.get("/audit").await.expect(403);

    // Owners manage users; the last owner stays one.
    let users = owner.get("/users").await.expect(200);
    assert_eq!(users.body["users"].as_array().expect("users").len(), 3);
    let owner_id = users.body["users"]
        .as_array()
        .expect("users")
        .iter()
        .find(|u| u["username"] == "owner")
        .expect("owner")["id"]
        .as_i64()
        .expect("id");
    editor
        .patch(
            &format!("/users/{owner_id}"),
            json!({ "role": "contributor" }),
        )
        .await
        .expect(403);
    owner
        .patch(&format!("/users/{owner_id}"), json!({ "role": "editor" }))
        .await
        .expect(409);
    owner
        .delete(&format!("/users/{owner_id}"))
        .await
        .expect(409);
    let new = owner
        .post(
            "/users",
            json!({ "username": "guest", "password": PASSWORD, "role": "contributor" }),
        )
        .await
        .expect(201);
    assert_eq!(new.body["two_factor"], false);
    owner
        .post(
            "/users",
            json!({ "username": "guest", "password": PASSWORD, "role": "contributor" }),
        )
        .await
        .expect(409);
}

#[tokio::test(flavor = "multi_thread")]
async fn user_commands_manage_accounts_and_reset_two_factor() {
    let site = TestSite::empty();
    add_user(&site, "ada", "editor");
    add_user(&site, "bob", "contributor");
    let list = site.cli(&["user", "list"]);
    let list = String::from_utf8_lossy(&list.stdout).to_string();
    assert!(list.contains("ada\towner\t2fa not set up"), "{list}");
    assert!(list.contains("bob\tcontributor"), "{list}");

    let server = Server::start(&site, &[]);
    let (session, _, _) = enroll(&server.api(), "bob").await;
    session.get("/me").await.expect(200);
    // The break-glass path: the TOTP is forgotten, sessions end, the next login enrolls.
    let reset = site.cli(&["user", "reset-2fa", "bob"]);
    assert!(reset.status.success(), "{reset:?}");
    session.get("/me").await.expect(401);
    let again = server
        .api()
        .post(
            "/session",
            json!({ "username": "bob", "password": PASSWORD }),
        )
        .await
        .expect(200);
    assert_eq!(again.body["next"], "enroll");

    let last = site.cli(&["user", "delete", "ada"]);
    assert!(!last.status.success(), "the last owner cannot be deleted");
    assert!(String::from_utf8_lossy(&last.stderr).contains("last owner"));
    assert!(site.cli(&["user", "delete", "bob"]).status.success());
    let missing = site.cli(&["user", "reset-2fa", "bob"]);
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no account named"));
}

/// An owner invites by username and role and passes a one-time link on; its holder
/// sets the password and enrolls TOTP (no session before), the owner never knows the
/// password, and the link works once, for a week, unless replaced or revoked.
#[tokio::test(flavor = "multi_thread")]
async fn an_invitation_link_sets_a_password_once_and_enrollment_follows() {
    let site = TestSite::empty();
    add_user(&site, "owner", "owner");
    add_user(&site, "ed", "editor");
    let server = Server::start(&site, &[]);
    let anonymous = server.api();
    let (owner, _, _) = enroll(&anonymous, "owner").await;
    let (editor, _, _) = enroll(&anonymous, "ed").await;
    let me = owner.get("/me").await.expect(200);
    assert_eq!(
        me.body["site"]["base_url"],
        common::BASE_URL,
        "the UI compares its address"
    );

    // An editor invites authors and contributors, not their own peers or above.
    editor
        .post(
            "/users/invites",
            json!({ "username": "alice", "role": "editor" }),
        )
        .await
        .expect(403);
    let taken = owner
        .post(
            "/users/invites",
            json!({ "username": "ED", "role": "contributor" }),
        )
        .await
        .expect(409);
    assert_eq!(taken.body["field"], "username");
    owner
        .post(
            "/users/invites",
            json!({ "username": "no spaces", "role": "contributor" }),
        )
        .await
        .expect(400);

    let invite = owner
        .post(
            "/users/invites",
            json!({ "username": "alice", "role": "editor" }),
        )
        .await
        .expect(201);
    let token = invite.body["token"].as_str().expect("a token").to_owned();
    assert_eq!(invite.body["path"], format!("/admin/#/invite/{token}"));
    let listed = owner.get("/users/invites").await.expect(200);
    assert_eq!(listed.body["invites"][0]["username"], "alice");
    assert!(
        !listed.body.to_string().contains(&token),
        "the token is shown once"
    );
    let db = std::fs::read(site.db()).expect("the database");
    assert!(
        !db.windows(token.len()).any(|w| w == token.as_bytes()),
        "only a hash of the token is stored"
    );

    let opened = anonymous
        .get(&format!("/invites/{token}"))
        .await
        .expect(200);
    assert_eq!(opened.body["username"], "alice");
    assert_eq!(opened.body["role"], "editor");
    let short = anonymous
        .post(
            "/invites/accept",
            json!({ "token": token, "password": "short" }),
        )
        .await
        .expect(400);
    assert_eq!(short.body["field"], "password");
    let accepted = anonymous
        .post(
            "/invites/accept",
            json!({ "token": token, "password": PASSWORD }),
        )
        .await
        .expect(200);
    assert_eq!(accepted.body["next"], "enroll");
    assert!(
        accepted.header("set-cookie").is_empty(),
        "no session before TOTP"
    );
    anonymous
        .get(&format!("/invites/{token}"))
        .await
        .expect(404);
    anonymous
        .post(
            "/invites/accept",
            json!({ "token": token, "password": PASSWORD }),
        )
        .await
        .expect(404);
    // The password set through the link is the account's; enrollment follows as at a
    // first login.
    let (alice, _, _) = enroll(&anonymous, "alice").await;
    assert_eq!(alice.get("/me").await.expect(200).body["role"], "editor");
    assert!(
        owner.get("/users/invites").await.expect(200).body["invites"]
            .as_array()
            .expect("a list")
            .is_empty()
    );
    let audit = owner.get("/audit").await.expect(200).body.to_string();
    assert!(
        audit.contains("user.invited") && audit.contains("invite.accepted"),
        "{audit}"
    );

    // Invited again, the first link stops working; revoked, so does the second.
    let first = owner
        .post(
            "/users/invites",
            json!({ "username": "bob", "role": "contributor" }),
        )
        .await
        .expect(201);
    let second = owner
        .post(
            "/users/invites",
            json!({ "username": "bob", "role": "contributor" }),
        )
        .await
        .expect(201);
    anonymous
        .get(&format!(
            "/invites/{}",
            first.body["token"].as_str().expect("a token")
        ))
        .await
        .expect(404);
    let bob = second.body["token"].as_str().expect("a token");
    anonymous.get(&format!("/invites/{bob}")).await.expect(200);
    owner
        .delete(&format!("/users/invites/{}", second.body["id"]))
        .await
        .expect(204);
    anonymous.get(&format!("/invites/{bob}")).await.expect(404);

    // A username taken after the invitation was made: refused by name, and the
    // invitation is left as it was (nothing is lost to the refusal).
    let carol = owner
        .post(
            "/users/invites",
            json!({ "username": "carol", "role": "contributor" }),
        )
        .await
        .expect(201);
    let carol = carol.body["token"].as_str().expect("a token").to_owned();
    owner
        .post(
            "/users",
            json!({ "username": "carol", "password": PASSWORD, "role": "contributor" }),
        )
        .await
        .expect(201);
    let taken = anonymous
        .post(
            "/invites/accept",
            json!({ "token": carol, "password": PASSWORD }),
        )
        .await
        .expect(409);
    assert!(
        taken.body["error"]
            .as_str()
            .expect("a message")
            .contains("carol was taken since"),
        "{}",
        taken.body
    );
    anonymous
        .get(&format!("/invites/{carol}"))
        .await
        .expect(200);

    // Guessing links is counted per address: after a few, the wait is given.
    let mut last = None;
    for i in 0..8 {
        let reply = anonymous.get(&format!("/invites/guess{i}")).await;
        last = Some(reply.status.as_u16());
        if reply.status == 429 {
            assert!(reply.body["error"]
                .as_str()
                .expect("a message")
                .contains("try again in"));
            assert!(!reply.header("retry-after").is_empty());
            break;
        }
    }
    assert_eq!(last, Some(429));
}
