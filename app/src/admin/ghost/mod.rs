//! Ghost's Admin API, for the clients that speak it: writing apps (Ulysses, iA
//! Writer, Obsidian's plugins), automations (n8n, Zapier) and scripts on Ghost's
//! official SDKs. Under `/ghost/api/admin/` and the legacy `/ghost/api/{v2,v3,v4,
//! canary}/admin/`, on the admin's origin only; authenticated by Ghost's Admin API
//! keys (`jwt`), answered in Ghost's shapes and errors, and every write goes through
//! the admin's own handlers. See `docs/ghost-api.md`.

mod caller;
mod content;
pub mod delivery;
mod documents;
mod error;
pub(super) mod jwt;
pub mod keys;
mod nql;
mod posts;
mod resources;
mod site;
mod webhooks;
mod writes;

use std::sync::Arc;

use axum::http::{HeaderName, HeaderValue};
use axum::routing::get;
use axum::Router;

use super::Admin;

/// The versions of Ghost's API whose paths old clients (n8n) still call.
const LEGACY: [&str; 4] = ["v2", "v3", "v4", "canary"];

/// What `GET site/` says folio is: Zapier refuses a Ghost below 2.19.
pub(super) const GHOST_VERSION: &str = "6.0";

/// The API's routes, to be nested under `/ghost/api`.
pub fn router<S: Clone + Send + Sync + 'static>(admin: Arc<Admin>) -> Router<S> {
    let media_limit = admin.options.media_max_bytes;
    let mut router = Router::new()
        .nest("/admin", admin_api("/admin/", media_limit))
        .nest("/content", content_api());
    for version in LEGACY {
        let deprecated = || {
            let value =
                HeaderValue::from_str(&format!("version=\"{version}\"")).expect("a header value");
            tower_http::set_header::SetResponseHeaderLayer::overriding(
                HeaderName::from_static("deprecation"),
                value,
            )
        };
        let audience = format!("/{version}/admin/");
        router = router
            .nest(
                &format!("/{version}/admin"),
                admin_api(&audience, media_limit).layer(deprecated()),
            )
            .nest(
                &format!("/{version}/content"),
                content_api().layer(deprecated()),
            );
    }
    router
        .layer(axum::middleware::from_fn(super::security_headers))
        .with_state(admin)
}

type Routes = Router<Arc<Admin>>;

/// The Admin API, whose tokens name `audience`.
fn admin_api(audience: &str, media_limit: usize) -> Routes {
    Router::new()
        .route("/site/", get(site::site))
        .route("/config/", get(resources::config))
        .route(
            "/tags/",
            get(resources::browse_tags).post(resources::add_tag),
        )
        .route(
            "/tags/{id}/",
            get(resources::read_tag)
                .put(resources::edit_tag)
                .delete(resources::delete_tag),
        )
        .route("/users/", get(resources::browse_users))
        .route("/users/{id}/", get(resources::read_user))
        .route("/users/slug/{slug}/", get(resources::read_user_by_slug))
        .route(
            "/images/upload/",
            axum::routing::post(resources::upload_image)
                .layer(axum::extract::DefaultBodyLimit::max(media_limit)),
        )
        .route("/webhooks/", axum::routing::post(webhooks::add))
        .route(
            "/webhooks/{id}/",
            axum::routing::put(webhooks::edit).delete(webhooks::delete),
        )
        .merge(post_routes())
        .fallback(|| async { error::GhostError::not_found("Resource not found") })
        .layer(axum::Extension(caller::Audience(audience.to_owned())))
}

/// Posts and pages alike: `{resource}` is `posts` or `pages` (the static routes of
/// tags, users and the rest take precedence).
fn post_routes() -> Routes {
    Router::new()
        .route(
            "/{resource}/",
            get(posts::browse_kind).post(writes::add_kind),
        )
        .route(
            "/{resource}/{id}/",
            get(posts::read)
                .put(writes::edit_kind)
                .delete(writes::delete_kind),
        )
        .route("/{resource}/slug/{slug}/", get(posts::read_by_slug))
}

/// The Content API: read-only, `?key=`.
fn content_api() -> Routes {
    Router::new()
        .route("/{resource}/", get(content::browse_kind))
        .route("/{resource}/{id}/", get(content::read))
        .route("/{resource}/slug/{slug}/", get(content::read_by_slug))
        .route("/tags/", get(content::tags))
        .route("/authors/", get(content::authors))
        .route("/settings/", get(content::settings))
        .fallback(|| async { error::GhostError::not_found("Resource not found") })
        // Read by front ends on other origins, with the key in the URL: no cookie is
        // ever read here, so any origin may ask.
        .layer(
            tower_http::cors::CorsLayer::new()
                .allow_origin(tower_http::cors::Any)
                .allow_methods([axum::http::Method::GET])
                .allow_headers(tower_http::cors::Any),
        )
}
