//! Ghost API webhooks: an integration adds, edits and deletes its own
//! (`POST/PUT/DELETE webhooks/`), each for one of Ghost's events, called by
//! `delivery` with Ghost's payload and signature. A target on a loopback or private
//! address is refused unless the owner allows it (`webhooks_private_targets`), so a
//! key holder cannot make the server call into its own network.

use std::net::IpAddr;
use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde_json::{json, Value};

use super::caller::GhostCaller;
use super::error::{GhostError, GhostResult};
use crate::admin::auth::{Auth, Need};
use crate::admin::error::{ApiError, Body};
use crate::admin::Admin;
use crate::store::webhooks::Webhook;

/// The events a webhook may be for: Ghost's, of what folio has.
pub(super) const EVENTS: [&str; 16] = [
    "site.changed",
    "post.added",
    "post.deleted",
    "post.edited",
    "post.published",
    "post.published.edited",
    "post.unpublished",
    "page.added",
    "page.deleted",
    "page.edited",
    "page.published",
    "page.published.edited",
    "page.unpublished",
    "tag.added",
    "tag.edited",
    "tag.deleted",
];

fn invalid(message: impl Into<String>) -> GhostError {
    GhostError(ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, message))
}

/// Whether an address is one a webhook may not call unless the owner allows it.
pub(super) fn private(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.octets()[0] == 100 && (64..128).contains(&v4.octets()[1])
        }
        IpAddr::V6(v6) => {
            v6.is_loopback()
                || v6.is_unspecified()
                || (v6.segments()[0] & 0xfe00) == 0xfc00
                || (v6.segments()[0] & 0xffc0) == 0xfe80
                || v6
                    .to_ipv4_mapped()
                    .is_some_and(|v4| private(IpAddr::V4(v4)))
        }
    }
}

/// The addresses `url` may be called at: http(s) only, and public ones unless
/// `allow_private`. Resolved once, and the call goes to these (no second lookup a
/// DNS answer could change in between).
pub(super) async fn addresses(
    url: &str,
    allow_private: bool,
) -> Result<(reqwest::Url, Vec<std::net::SocketAddr>), String> {
    let parsed = reqwest::Url::parse(url).map_err(|e| format!("target_url: {e}"))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err("target_url must be http:// or https://".into());
    }
    let host = parsed
        .host_str()
        .ok_or("target_url has no host")?
        .to_owned();
    let port = parsed.port_or_known_default().unwrap_or(443);
    let found: Vec<std::net::SocketAddr> =
        tokio::net::lookup_host((host.trim_matches(['[', ']']), port))
            .await
            .map_err(|e| format!("target_url: {host} does not resolve: {e}"))?
            .collect();
    if found.is_empty() {
        return Err(format!("target_url: {host} does not resolve"));
    }
    if !allow_private && found.iter().any(|a| private(a.ip())) {
        return Err(format!(
            "target_url: {host} is a loopback or private address; the owner may allow those \
             (webhooks_private_targets in folio.toml)"
        ));
    }
    Ok((parsed, found))
}

fn shape(hook: &Webhook, secret: Option<&str>) -> Value {
    json!({
        "id": hook.id, "event": hook.event, "target_url": hook.target_url, "name": hook.name,
        "secret": secret, "api_version": "v6", "integration_id": hook.key_id, "status": "available",
        "created_at": hook.created_at, "last_triggered_at": hook.last_triggered_at,
        "last_triggered_status": hook.last_triggered_status,
        "last_triggered_error": hook.last_triggered_error,
    })
}

/// The integration whose key calls: webhooks are an integration's (as in Ghost).
fn integration(caller: &GhostCaller) -> GhostResult<String> {
    caller.0.require(Need::Publish)?;
    match &caller.0.auth {
        Auth::GhostKey {
            id,
            integration: true,
            ..
        } => Ok(id.clone()),
        _ => Err(GhostError(ApiError::forbidden(
            "webhooks belong to integrations: use an integration's Admin API key",
        ))),
    }
}

/// The webhook of Ghost's envelope, checked.
async fn read_hook(
    admin: &Admin,
    body: &Value,
) -> GhostResult<(String, String, Option<String>, Option<String>)> {
    let hook = match body
        .get("webhooks")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
    {
        Some([hook]) => hook,
        _ => return Err(invalid("the body must be {\"webhooks\": [{...}]}")),
    };
    let text = |k: &str| hook.get(k).and_then(Value::as_str).map(str::to_owned);
    let event = text("event").ok_or_else(|| invalid("event is required"))?;
    if !EVENTS.contains(&event.as_str()) {
        return Err(invalid(format!(
            "event {event:?} is not one folio sends: {}",
            EVENTS.join(", ")
        )));
    }
    let target = text("target_url").ok_or_else(|| invalid("target_url is required"))?;
    let allow = admin.site.current_config().webhooks_private_targets;
    addresses(&target, allow).await.map_err(invalid)?;
    Ok((event, target, text("name"), text("secret")))
}

pub(super) async fn add(
    State(admin): State<Arc<Admin>>,
    caller: GhostCaller,
    Body(body): Body,
) -> GhostResult<(StatusCode, Json<Value>)> {
    let key_id = integration(&caller)?;
    let (event, target_url, name, secret) = read_hook(&admin, &body).await?;
    let id = super::keys::random_hex(12);
    let sealed = secret
        .as_deref()
        .map(|s| admin.keys.encrypt(s.as_bytes(), &seal_context(&id)));
    let hook = admin
        .site
        .store
        .add_webhook(&Webhook {
            id,
            key_id,
            event,
            target_url,
            name,
            secret: sealed,
            created_at: String::new(),
            last_triggered_at: None,
            last_triggered_status: None,
            last_triggered_error: None,
        })
        .await?;
    caller
        .0
        .audit(&admin, "webhook.created", Some(&hook.event), None)
        .await;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "webhooks": [shape(&hook, secret.as_deref())] })),
    ))
}

pub(super) async fn edit(
    State(admin): State<Arc<Admin>>,
    caller: GhostCaller,
    Path(id): Path<String>,
    Body(body): Body,
) -> GhostResult<Json<Value>> {
    let key_id = integration(&caller)?;
    let (event, target_url, name, _) = read_hook(&admin, &body).await?;
    let edited = admin
        .site
        .store
        .edit_webhook(&Webhook {
            id,
            key_id,
            event,
            target_url,
            name,
            secret: None,
            created_at: String::new(),
            last_triggered_at: None,
            last_triggered_status: None,
            last_triggered_error: None,
        })
        .await?
        .ok_or_else(|| GhostError::not_found("Webhook not found."))?;
    Ok(Json(json!({ "webhooks": [shape(&edited, None)] })))
}

pub(super) async fn delete(
    State(admin): State<Arc<Admin>>,
    caller: GhostCaller,
    Path(id): Path<String>,
) -> GhostResult<StatusCode> {
    let key_id = integration(&caller)?;
    if !admin.site.store.delete_webhook(&id, &key_id).await? {
        return Err(GhostError::not_found("Webhook not found."));
    }
    caller
        .0
        .audit(&admin, "webhook.deleted", Some(&id), None)
        .await;
    Ok(StatusCode::NO_CONTENT)
}

/// What the sealed secret of webhook `id` is bound to.
pub(super) fn seal_context(id: &str) -> String {
    format!("ghost webhook {id}")
}

#[cfg(test)]
mod tests {
    use super::private;

    #[test]
    fn loopback_private_and_link_local_addresses_are_private() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "192.168.1.1",
            "172.16.0.1",
            "169.254.169.254",
            "100.64.0.1",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "0.0.0.0",
        ] {
            assert!(private(ip.parse().expect("an address")), "{ip}");
        }
        for ip in ["1.1.1.1", "2606:4700::1111"] {
            assert!(!private(ip.parse().expect("an address")), "{ip}");
        }
    }
}
