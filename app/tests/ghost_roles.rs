//! Ghost's five roles over a real `folio serve`: each reaches what Ghost gives it and
//! no more, whatever it tries (an author publishing another's post, an editor raising
//! someone to their own rank, an administrator touching the owner).

mod common;

use serde_json::{json, Value};

use common::api::{add_user, enroll, page, Api, Server};
use common::TestSite;

/// The account named `name` in the owner's list of users.
async fn user_id(owner: &Api, name: &str) -> i64 {
    let users = owner.get("/users").await.expect(200);
    users.body["users"]
        .as_array()
        .expect("users")
        .iter()
        .find(|u| u["username"] == name)
        .and_then(|u| u["id"].as_i64())
        .unwrap_or_else(|| panic!("no user {name}: {}", users.body))
}

fn created(reply: &common::api::Reply) -> (i64, Value) {
    (
        reply.body["id"].as_i64().expect("id"),
        reply.body["revision"].clone(),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn an_author_publishes_their_own_posts_and_nothing_else() {
    let site = TestSite::empty();
    for (name, role) in [("owner", "owner"), ("ed", "editor"), ("au", "author")] {
        add_user(&site, name, role);
    }
    let server = Server::start(&site, &[]);
    let api = server.api();
    let (_owner, _, _) = enroll(&api, "owner").await;
    let (editor, _, _) = enroll(&api, "ed").await;
    let (author, _, _) = enroll(&api, "au").await;
    assert_eq!(
        author.get("/me").await.expect(200).body["can_publish"],
        true
    );

    // Their own: written, published, on the site at once, unpublished.
    let body = "Mine.\n\n<script>alert(1)</script>\n";
    let mine = author
        .post(
            "/posts",
            json!({ "title": "By the author", "markdown": body }),
        )
        .await
        .expect(201);
    let (id, revision) = created(&mine);
    let live = author
        .patch(
            &format!("/posts/{id}"),
            json!({ "revision": revision, "status": "published" }),
        )
        .await
        .expect(200);
    let (status, html) = page(&server, "/by-the-author/").await;
    assert_eq!(status, 200);
    assert!(
        !html.contains("<script>alert"),
        "an author's HTML is cleaned: {html}"
    );
    author
        .patch(
            &format!("/posts/{id}"),
            json!({ "revision": live.body["revision"], "status": "draft" }),
        )
        .await
        .expect(200);
    assert_eq!(page(&server, "/by-the-author/").await.0, 404);

    // Another's: not seen, not published; the site, tags, code injection and people
    // are beyond an author.
    let theirs = editor
        .post(
            "/posts",
            json!({ "title": "By the editor", "markdown": "Theirs." }),
        )
        .await
        .expect(201);
    let (other, other_revision) = created(&theirs);
    author.get(&format!("/posts/{other}")).await.expect(404);
    let refused = author
        .patch(
            &format!("/posts/{other}"),
            json!({ "revision": other_revision, "status": "published" }),
        )
        .await;
    assert!(
        refused.status == 403 || refused.status == 404,
        "{}",
        refused.body
    );
    assert_eq!(page(&server, "/by-the-editor/").await.0, 404);
    author.post("/publish", json!({})).await.expect(403);
    author
        .post("/tags", json!({ "name": "Mine" }))
        .await
        .expect(403);
    author
        .patch(
            &format!("/posts/{id}"),
            json!({ "revision": 3, "codeinjection_head": "<script>x</script>" }),
        )
        .await
        .expect(403);
    author.get("/users").await.expect(403);
    author
        .post(
            "/users/invites",
            json!({ "username": "friend", "role": "contributor" }),
        )
        .await
        .expect(403);
}

#[tokio::test(flavor = "multi_thread")]
async fn editors_manage_authors_and_contributors_administrators_everyone_but_the_owner() {
    let site = TestSite::empty();
    for (name, role) in [
        ("owner", "owner"),
        ("admin", "administrator"),
        ("ed", "editor"),
        ("au", "author"),
        ("co", "contributor"),
    ] {
        add_user(&site, name, role);
    }
    let server = Server::start(&site, &[]);
    let api = server.api();
    let (owner, _, _) = enroll(&api, "owner").await;
    let (admin, _, _) = enroll(&api, "admin").await;
    let (editor, _, _) = enroll(&api, "ed").await;
    let (owner_id, admin_id) = (
        user_id(&owner, "owner").await,
        user_id(&owner, "admin").await,
    );
    let (au, co) = (user_id(&owner, "au").await, user_id(&owner, "co").await);
    assert_eq!(
        editor.get("/me").await.expect(200).body["manages"],
        json!(["contributor", "author"])
    );

    // An editor: authors and contributors, in and out of those two roles only.
    editor
        .post(
            "/users/invites",
            json!({ "username": "newbie", "role": "author" }),
        )
        .await
        .expect(201);
    for role in ["editor", "administrator", "owner"] {
        editor
            .post(
                "/users/invites",
                json!({ "username": "climber", "role": role }),
            )
            .await
            .expect(403);
        editor
            .patch(&format!("/users/{co}"), json!({ "role": role }))
            .await
            .expect(403);
    }
    editor
        .patch(&format!("/users/{co}"), json!({ "role": "author" }))
        .await
        .expect(200);
    editor
        .delete(&format!("/users/{admin_id}"))
        .await
        .expect(403);
    editor
        .post(&format!("/users/{admin_id}/reset-2fa"), json!({}))
        .await
        .expect(403);
    editor.get("/audit").await.expect(403);
    let renamed = json!({ "title": "Renamed by an editor" });
    editor.patch("/settings", renamed).await.expect(403);
    editor
        .post("/integrations", json!({ "name": "x" }))
        .await
        .expect(403);

    // An administrator: settings, the audit log, integrations, every account but the
    // owner's, and never the owner's role to give.
    admin.get("/audit").await.expect(200);
    admin
        .patch(
            "/settings",
            json!({ "title": "Renamed by an administrator" }),
        )
        .await
        .expect(200);
    admin
        .post("/integrations", json!({ "name": "Zapier" }))
        .await
        .expect(201);
    admin
        .post(
            "/users/invites",
            json!({ "username": "second", "role": "administrator" }),
        )
        .await
        .expect(201);
    admin
        .post(
            "/users/invites",
            json!({ "username": "usurper", "role": "owner" }),
        )
        .await
        .expect(403);
    admin
        .patch(&format!("/users/{au}"), json!({ "role": "owner" }))
        .await
        .expect(403);
    admin
        .patch(
            &format!("/users/{owner_id}"),
            json!({ "role": "contributor" }),
        )
        .await
        .expect(403);
    admin
        .delete(&format!("/users/{owner_id}"))
        .await
        .expect(403);
    admin
        .post(&format!("/users/{owner_id}/reset-2fa"), json!({}))
        .await
        .expect(403);
    admin.delete(&format!("/users/{au}")).await.expect(204);

    // The owner's tokens are the owner's: an administrator neither sees nor revokes them.
    let token = owner
        .post(
            "/tokens",
            json!({ "name": "ci", "scopes": ["content:read"] }),
        )
        .await
        .expect(201);
    let listed = admin.get("/tokens").await.expect(200);
    assert!(
        !listed.body.to_string().contains("\"ci\""),
        "{}",
        listed.body
    );
    admin
        .delete(&format!("/tokens/{}", token.body["id"]))
        .await
        .expect(404);
    owner.get("/tokens").await.expect(200);
}
