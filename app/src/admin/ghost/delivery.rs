//! Calling Ghost API webhooks. After every publish (whatever made it: the admin, the
//! Ghost API, a Git pull, the schedule, a file edited by hand), the site's posts and
//! tags are compared with what they were at the publish before, and each change is
//! Ghost's event (`post.published`, `post.unpublished`, `tag.edited`...), then
//! `site.changed`. Each webhook of the event is called with Ghost's payload, signed
//! as Ghost signs (`X-Ghost-Signature`), retried with backoff, at the addresses its
//! target was checked at, and its last outcome recorded.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;
use sqlx::Row;
use tokio::sync::broadcast;

use super::webhooks::{addresses, seal_context};
use crate::admin::Admin;
use crate::site::Changed;
use crate::store::webhooks::Webhook;

/// Calls of one event to one webhook: the first and the retries, 1, 4 and 16 s apart.
const ATTEMPTS: u32 = 4;
/// A receiver that does not answer within this is failed (and retried).
const TIMEOUT: Duration = Duration::from_secs(10);

/// A post as the comparison needs it.
#[derive(Clone, PartialEq)]
struct PostState {
    kind: String,
    slug: String,
    live: bool,
    revision: i64,
}

/// What the site held at a publish: posts (not deleted) and tags, by id.
#[derive(Default)]
struct Snapshot {
    posts: HashMap<i64, PostState>,
    tags: HashMap<i64, (String, String, Option<String>)>,
}

impl Snapshot {
    async fn take(admin: &Admin) -> Result<Self, crate::store::StoreError> {
        let now = crate::store::timestamp(admin.now());
        let mut conn = admin.site.store.read().await?;
        let rows = sqlx::query(
            "SELECT id, kind, slug, revision, (status = 'published' OR (status = 'scheduled' \
             AND published_at <= ?)) AS live FROM posts WHERE deleted_at IS NULL AND trashed = 0",
        )
        .bind(&now)
        .fetch_all(&mut *conn)
        .await?;
        let mut posts = HashMap::with_capacity(rows.len());
        for row in rows {
            posts.insert(
                row.try_get("id")?,
                PostState {
                    kind: row.try_get("kind")?,
                    slug: row.try_get("slug")?,
                    live: row.try_get("live")?,
                    revision: row.try_get("revision")?,
                },
            );
        }
        let tags = sqlx::query_as::<_, (i64, String, String, Option<String>)>(
            "SELECT id, slug, name, description FROM tags",
        )
        .fetch_all(&mut *conn)
        .await?
        .into_iter()
        .map(|(id, slug, name, description)| (id, (slug, name, description)))
        .collect();
        Ok(Self { posts, tags })
    }
}

/// An event: its name, and what it is about (a post's or a tag's id, or the site).
#[derive(Debug, PartialEq)]
enum Subject {
    Post { id: i64, slug: String, kind: String },
    Tag { id: i64, slug: String },
    Site,
}

/// The events between two snapshots, `site.changed` last when anything changed.
fn events(before: &Snapshot, now: &Snapshot) -> Vec<(String, Subject)> {
    let mut events = Vec::new();
    for (id, post) in &now.posts {
        let subject = || Subject::Post {
            id: *id,
            slug: post.slug.clone(),
            kind: post.kind.clone(),
        };
        let kind = &post.kind;
        match before.posts.get(id) {
            None => {
                events.push((format!("{kind}.added"), subject()));
                if post.live {
                    events.push((format!("{kind}.published"), subject()));
                }
            }
            Some(old) if old == post => {}
            Some(old) => {
                if old.revision != post.revision {
                    events.push((format!("{kind}.edited"), subject()));
                }
                match (old.live, post.live) {
                    (false, true) => events.push((format!("{kind}.published"), subject())),
                    (true, false) => events.push((format!("{kind}.unpublished"), subject())),
                    (true, true) if old.revision != post.revision => {
                        events.push((format!("{kind}.published.edited"), subject()));
                    }
                    _ => {}
                }
            }
        }
    }
    for (id, old) in &before.posts {
        if !now.posts.contains_key(id) {
            let subject = Subject::Post {
                id: *id,
                slug: old.slug.clone(),
                kind: old.kind.clone(),
            };
            events.push((format!("{}.deleted", old.kind), subject));
        }
    }
    for (id, tag) in &now.tags {
        let subject = Subject::Tag {
            id: *id,
            slug: tag.0.clone(),
        };
        match before.tags.get(id) {
            None => events.push(("tag.added".into(), subject)),
            Some(old) if old != tag => events.push(("tag.edited".into(), subject)),
            Some(_) => {}
        }
    }
    for (id, old) in &before.tags {
        if !now.tags.contains_key(id) {
            events.push((
                "tag.deleted".into(),
                Subject::Tag {
                    id: *id,
                    slug: old.0.clone(),
                },
            ));
        }
    }
    if !events.is_empty() {
        events.push(("site.changed".into(), Subject::Site));
    }
    events
}

/// Compares the site after every publish and calls the webhooks of what changed,
/// until the process ends. Subscribe before the first publish.
pub async fn run(admin: Arc<Admin>, mut published: broadcast::Receiver<Arc<Changed>>) {
    let mut before = Snapshot::take(&admin).await.unwrap_or_default();
    loop {
        match published.recv().await {
            Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => {}
            Err(broadcast::error::RecvError::Closed) => return,
        }
        let now = match Snapshot::take(&admin).await {
            Ok(now) => now,
            Err(e) => {
                tracing::error!("webhooks: cannot read the site: {e}");
                continue;
            }
        };
        let happened = events(&before, &now);
        before = now;
        if happened.is_empty() {
            continue;
        }
        let hooks = match admin.site.store.webhooks().await {
            Ok(hooks) => hooks,
            Err(e) => {
                tracing::error!("webhooks: cannot list them: {e}");
                continue;
            }
        };
        for (event, subject) in happened {
            let mut payload = None;
            for hook in hooks.iter().filter(|h| h.event == event) {
                if payload.is_none() {
                    payload = Some(payload_of(&admin, &subject).await);
                }
                let body = payload.clone().unwrap_or_default();
                tokio::spawn(deliver(admin.clone(), hook.clone(), body));
            }
        }
    }
}

/// Ghost's payload: `{"post": {"current": {...}, "previous": {...}}}` (`page`,
/// `tag`); `{}` for `site.changed`. Something deleted has an empty `current`.
async fn payload_of(admin: &Admin, subject: &Subject) -> Value {
    match subject {
        Subject::Site => json!({}),
        Subject::Post { id, slug, kind } => {
            let current = super::posts::shape_by_id(admin, *id)
                .await
                .unwrap_or_else(|| json!({}));
            let previous = json!({ "id": super::posts::ghost_id(*id), "slug": slug });
            json!({ kind.as_str(): { "current": current, "previous": previous } })
        }
        Subject::Tag { id, slug } => {
            let current = match admin.site.store.tag(*id).await {
                Ok(Some(tag)) => json!({ "id": super::posts::ghost_id(tag.id), "name": tag.name,
                    "slug": tag.slug, "description": tag.description }),
                _ => json!({}),
            };
            json!({ "tag": { "current": current,
                "previous": { "id": super::posts::ghost_id(*id), "slug": slug } } })
        }
    }
}

/// `X-Ghost-Signature` of `body` at `millis`: HMAC-SHA256 of the body followed by the
/// time, keyed with the webhook's secret.
fn signature(secret: &[u8], body: &str, millis: i64) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes any key");
    mac.update(body.as_bytes());
    mac.update(millis.to_string().as_bytes());
    let hex = hex::encode(mac.finalize().into_bytes());
    format!("sha256={hex}, t={millis}")
}

/// Calls `hook` with `payload`, retrying a failure; records the last outcome.
async fn deliver(admin: Arc<Admin>, hook: Webhook, payload: Value) {
    let body = payload.to_string();
    let secret = hook
        .secret
        .as_deref()
        .and_then(|sealed| admin.keys.decrypt(sealed, &seal_context(&hook.id)));
    let mut wait = Duration::from_secs(1);
    for attempt in 1..=ATTEMPTS {
        let outcome = call(&admin, &hook, &body, secret.as_deref()).await;
        let (status, error) = match &outcome {
            Ok(status) => (Some(*status), None),
            Err(e) => (None, Some(e.as_str())),
        };
        if let Err(e) = admin
            .site
            .store
            .webhook_called(&hook.id, status, error)
            .await
        {
            tracing::error!("webhooks: cannot record a call: {e}");
        }
        match outcome {
            Ok(status) if status < 300 => return,
            Ok(status) => {
                tracing::warn!(webhook = %hook.id, event = %hook.event, attempt, status, "webhook refused")
            }
            Err(e) => {
                tracing::warn!(webhook = %hook.id, event = %hook.event, attempt, "webhook failed: {e}")
            }
        }
        if attempt < ATTEMPTS {
            // sleep: the receiver failed; the next try waits, longer each time.
            tokio::time::sleep(wait).await;
            wait *= 4;
        }
    }
}

/// One call: to the addresses the target resolves to now, checked again (a name may
/// point elsewhere since the webhook was added), no redirect followed.
async fn call(
    admin: &Admin,
    hook: &Webhook,
    body: &str,
    secret: Option<&[u8]>,
) -> Result<u16, String> {
    let allow = admin.site.current_config().webhooks_private_targets;
    let (url, found) = addresses(&hook.target_url, allow).await?;
    let host = url.host_str().unwrap_or_default().to_owned();
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(TIMEOUT)
        .resolve_to_addrs(&host, &found)
        .build()
        .map_err(|e| e.to_string())?;
    let mut request = client
        .post(url)
        .header("content-type", "application/json")
        .header("user-agent", "folio webhooks (Ghost-compatible)")
        .body(body.to_owned());
    if let Some(secret) = secret {
        let millis = admin.now().timestamp_millis();
        request = request.header("x-ghost-signature", signature(secret, body, millis));
    }
    let answer = request
        .send()
        .await
        .map_err(|e| e.without_url().to_string())?;
    Ok(answer.status().as_u16())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn post(slug: &str, live: bool, revision: i64) -> PostState {
        PostState {
            kind: "post".into(),
            slug: slug.into(),
            live,
            revision,
        }
    }

    #[test]
    fn the_changes_between_two_publishes_are_ghosts_events() {
        let mut before = Snapshot::default();
        before.posts.insert(1, post("a", false, 1));
        before.posts.insert(2, post("b", true, 1));
        before.posts.insert(3, post("c", true, 1));
        before.posts.insert(4, post("d", true, 1));
        let mut now = Snapshot::default();
        now.posts.insert(1, post("a", true, 2));
        now.posts.insert(2, post("b", true, 2));
        now.posts.insert(3, post("c", false, 1));
        now.posts.insert(5, post("e", false, 1));
        let names: Vec<String> = events(&before, &now)
            .into_iter()
            .map(|(e, s)| match s {
                Subject::Post { slug, .. } => format!("{e} {slug}"),
                _ => e,
            })
            .collect();
        for expected in [
            "post.edited a",
            "post.published a",
            "post.edited b",
            "post.published.edited b",
            "post.unpublished c",
            "post.deleted d",
            "post.added e",
            "site.changed",
        ] {
            assert!(
                names.contains(&expected.to_owned()),
                "{expected} in {names:?}"
            );
        }
        assert_eq!(names.len(), 8, "{names:?}");
        assert!(
            events(&now, &now).is_empty(),
            "nothing changed, nothing sent"
        );
    }

    #[test]
    fn the_signature_is_ghosts() {
        // As Ghost computes it: HMAC-SHA256 of the body and the time in milliseconds.
        let signed = signature(b"secret", "{}", 1_700_000_000_000);
        let mut mac = Hmac::<Sha256>::new_from_slice(b"secret").expect("a key");
        mac.update(b"{}1700000000000");
        let hex = hex::encode(mac.finalize().into_bytes());
        assert_eq!(signed, format!("sha256={hex}, t=1700000000000"));
    }
}
