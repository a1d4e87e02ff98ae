//! Ghost's Admin API as a lower role would try it: an author's staff access token
//! does what the author may and nothing more (no publishing, no one else's posts, no
//! raw HTML, nothing of folio's own admin API), and a key stops with its account.
//! The official SDK's journeys are in `tests/ui/ghost_api.test.mjs`; here the JWT is
//! made by hand, as Ghost documents it, so that its checks are tried one by one.

mod common;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use reqwest::Method;
use serde_json::{json, Value};
use sha2::Sha256;

use common::api::{add_user, enroll, Server};
use common::TestSite;

/// A token for `admin_key` (`id:secret`), as Ghost's SDK makes it, for `aud`,
/// made `age` seconds ago and living `life` seconds.
fn token(admin_key: &str, aud: &str, age: i64, life: i64) -> String {
    let (id, secret) = admin_key.split_once(':').expect("id:secret");
    let secret = hex::decode(secret).expect("hex");
    let iat = chrono::Utc::now().timestamp() - age;
    let header = json!({ "alg": "HS256", "typ": "JWT", "kid": id });
    let claims = json!({ "iat": iat, "exp": iat + life, "aud": aud });
    let part = |v: &Value| URL_SAFE_NO_PAD.encode(v.to_string());
    let signed = format!("{}.{}", part(&header), part(&claims));
    let mut mac = Hmac::<Sha256>::new_from_slice(&secret).expect("a key");
    mac.update(signed.as_bytes());
    format!(
        "{signed}.{}",
        URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
    )
}

/// A Ghost Admin API call with `key`: (status, body).
async fn ghost(
    server: &Server,
    key: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut request = reqwest::Client::new()
        .request(method, format!("{}/ghost/api/admin/{path}", server.base))
        .header(
            "authorization",
            format!("Ghost {}", token(key, "/admin/", 0, 300)),
        );
    if let Some(body) = body {
        request = request.json(&body);
    }
    let answer = request.send().await.expect("the server answers");
    let status = answer.status().as_u16();
    (status, answer.json().await.unwrap_or(Value::Null))
}

fn error_type(body: &Value) -> &str {
    body["errors"][0]["type"].as_str().unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread")]
async fn an_authors_staff_token_does_what_the_author_may_and_nothing_more() {
    let site = TestSite::sample();
    add_user(&site, "ada", "owner");
    add_user(&site, "bo", "contributor");
    let server = Server::start(&site, &[]);
    let (owner, _, _) = enroll(&server.api(), "ada").await;
    let (author, _, _) = enroll(&server.api(), "bo").await;
    author
        .post("/integrations", json!({ "name": "mine" }))
        .await
        .expect(403);
    let integration = owner
        .post("/integrations", json!({ "name": "n8n" }))
        .await
        .expect(201);
    let ada = integration.body["admin_key"]
        .as_str()
        .expect("a key")
        .to_owned();
    let staff = author
        .post("/account/staff-token", json!({}))
        .await
        .expect(201);
    let bo = staff.body["admin_key"].as_str().expect("a key").to_owned();
    assert!(
        staff.body.get("content_key").is_none(),
        "a staff token is an Admin key"
    );

    // The owner's draft, made through the owner's integration.
    let draft = json!({ "posts": [{ "title": "Ada's draft", "html": "<p>Not yet.</p>" }] });
    let (status, made) = ghost(
        &server,
        &ada,
        Method::POST,
        "posts/?source=html",
        Some(draft),
    )
    .await;
    assert_eq!(status, 201, "{made}");
    let adas = made["posts"][0]["id"].as_str().expect("an id").to_owned();

    // Bo's own draft: saved, bylined to Bo whatever it asks, its raw HTML cleaned.
    let mine = json!({ "posts": [{ "title": "Bo's draft",
        "html": "<p>Mine.</p><script>alert(document.cookie)</script>" }] });
    let (status, made) = ghost(&server, &bo, Method::POST, "posts/?source=html", Some(mine)).await;
    assert_eq!(status, 201, "{made}");
    let post = &made["posts"][0];
    assert_eq!(post["status"], "draft");
    assert_eq!(post["authors"][0]["name"], "bo", "{post}");
    assert!(
        !post["html"].as_str().expect("html").contains("<script"),
        "{post}"
    );
    let bos = post["id"].as_str().expect("an id").to_owned();

    // What an author may not do, each refused as Ghost refuses it, nothing changed.
    let publish = json!({ "posts": [{ "title": "Live", "status": "published" }] });
    let (status, body) = ghost(&server, &bo, Method::POST, "posts/", Some(publish)).await;
    assert_eq!(
        (status, error_type(&body)),
        (403, "NoPermissionError"),
        "{body}"
    );
    let credit = json!({ "posts": [{ "title": "Byline", "authors": [{ "name": "ada" }] }] });
    let (status, body) = ghost(&server, &bo, Method::POST, "posts/", Some(credit)).await;
    assert_eq!(
        (status, error_type(&body)),
        (403, "NoPermissionError"),
        "{body}"
    );
    let updated_at = post["updated_at"].clone();
    let go_live = json!({ "posts": [{ "updated_at": updated_at, "status": "published" }] });
    let (status, body) = ghost(
        &server,
        &bo,
        Method::PUT,
        &format!("posts/{bos}/"),
        Some(go_live),
    )
    .await;
    assert_eq!(status, 403, "{body}");
    let (_, now) = ghost(&server, &bo, Method::GET, &format!("posts/{bos}/"), None).await;
    assert_eq!(now["posts"][0]["status"], "draft");
    for method in [Method::GET, Method::PUT, Method::DELETE] {
        let body = (method == Method::PUT)
            .then(|| json!({ "posts": [{ "updated_at": updated_at, "title": "Taken" }] }));
        let (status, answer) = ghost(
            &server,
            &bo,
            method.clone(),
            &format!("posts/{adas}/"),
            body,
        )
        .await;
        assert_eq!(status, 404, "{method} of another's post: {answer}");
    }
    let (_, listed) = ghost(&server, &bo, Method::GET, "posts/?limit=all", None).await;
    let listed = listed["posts"].as_array().expect("posts");
    assert!(!listed.is_empty());
    assert!(
        listed.iter().all(|p| p["authors"]
            .as_array()
            .expect("authors")
            .iter()
            .any(|a| a["name"] == "bo")),
        "an author lists their own posts only: {listed:?}"
    );
    let (_, ada_sees) = ghost(&server, &ada, Method::GET, &format!("posts/{adas}/"), None).await;
    assert_eq!(
        ada_sees["posts"][0]["title"], "Ada's draft",
        "nothing taken"
    );

    // Webhooks are an integration's, and never call inside the server's network
    // unless the owner allows it.
    let hook =
        |url: &str| json!({ "webhooks": [{ "event": "post.published", "target_url": url }] });
    let (status, body) = ghost(
        &server,
        &bo,
        Method::POST,
        "webhooks/",
        Some(hook("https://hooks.example.com/x")),
    )
    .await;
    assert_eq!(
        (status, error_type(&body)),
        (403, "NoPermissionError"),
        "{body}"
    );
    for inside in [
        "http://127.0.0.1:9/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/",
        "http://10.0.0.1/",
        "ftp://example.com/",
    ] {
        let (status, body) =
            ghost(&server, &ada, Method::POST, "webhooks/", Some(hook(inside))).await;
        assert_eq!(
            (status, error_type(&body)),
            (422, "ValidationError"),
            "{inside}: {body}"
        );
    }

    // A Ghost key is no key to folio's own admin API.
    let settings = reqwest::Client::new()
        .get(format!("{}/admin/api/settings", server.base))
        .header(
            "authorization",
            format!("Ghost {}", token(&ada, "/admin/", 0, 300)),
        )
        .send()
        .await
        .expect("answers");
    assert_eq!(settings.status(), 401);

    // Ghost's checks of the token: its life, its age, its audience.
    for (aud, age, life, why) in [
        ("/admin/", 0, 3600, "a life over five minutes"),
        ("/admin/", 900, 300, "expired"),
        ("/v2/admin/", 0, 300, "the audience of another path"),
    ] {
        let answer = reqwest::Client::new()
            .get(format!("{}/ghost/api/admin/posts/", server.base))
            .header(
                "authorization",
                format!("Ghost {}", token(&ada, aud, age, life)),
            )
            .send()
            .await
            .expect("answers");
        assert_eq!(answer.status(), 401, "{why}");
    }

    // New keys for the integration: the old stop at once, the new work, authors
    // cannot ask for them.
    let id = integration.body["id"].as_str().expect("an id");
    author
        .post(&format!("/integrations/{id}/rotate"), json!({}))
        .await
        .expect(403);
    let rotated = owner
        .post(&format!("/integrations/{id}/rotate"), json!({}))
        .await
        .expect(201);
    let new_key = rotated.body["admin_key"]
        .as_str()
        .expect("a key")
        .to_owned();
    assert_ne!(new_key, ada);
    assert_eq!(
        ghost(&server, &ada, Method::GET, "posts/", None).await.0,
        401
    );
    assert_eq!(
        ghost(&server, &new_key, Method::GET, "posts/", None)
            .await
            .0,
        200
    );

    // A key stops with its account.
    let users = owner.get("/users").await.expect(200);
    let bo_id = users.body["users"]
        .as_array()
        .expect("users")
        .iter()
        .find(|u| u["username"] == "bo")
        .expect("bo")["id"]
        .clone();
    owner.delete(&format!("/users/{bo_id}")).await.expect(204);
    let (status, _) = ghost(&server, &bo, Method::GET, "posts/", None).await;
    assert_eq!(status, 401);
    server.stop();
}
