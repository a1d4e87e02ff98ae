//! Ghost's Content API: what is on the site, read-only, for headless front ends and
//! widgets on `@tryghost/content-api`. `?key=` a Content API key on every request;
//! published posts and pages only, public tags and authors with posts, and the
//! site's settings. Open to any origin (CORS), for reads.

use std::sync::Arc;

use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::Json;
use serde_json::{json, Value};

use super::error::{GhostError, GhostResult};
use super::keys::content_hash;
use super::posts::{
    browse, by_slug, ghost_id, kind_of, post_id, read_as, whole, Browse, Formats, Reader,
};
use crate::admin::error::ApiError;
use crate::admin::Admin;

#[derive(serde::Deserialize)]
struct KeyParam {
    key: Option<String>,
}

/// A request with a known Content API key.
pub(super) struct ContentKey;

impl FromRequestParts<Arc<Admin>> for ContentKey {
    type Rejection = GhostError;

    async fn from_request_parts(parts: &mut Parts, admin: &Arc<Admin>) -> Result<Self, GhostError> {
        let key = Query::<KeyParam>::try_from_uri(&parts.uri)
            .ok()
            .and_then(|q| q.0.key);
        let refused = |m: &str| GhostError(ApiError::unauthorized(m));
        let key =
            key.ok_or_else(|| refused("Authorization failed: the key parameter is missing"))?;
        match admin
            .site
            .store
            .use_content_key(&content_hash(&admin.keys, &key))
            .await?
        {
            Some(_) => Ok(ContentKey),
            None => Err(refused("Unknown Content API Key")),
        }
    }
}

/// `posts/` and `pages/`: what is on the site.
pub(super) async fn browse_kind(
    State(admin): State<Arc<Admin>>,
    _: ContentKey,
    Path(resource): Path<String>,
    Query(query): Query<Browse>,
) -> GhostResult<Json<Value>> {
    let kind = kind_of(&resource)?;
    Ok(Json(browse(&admin, Reader::Public, kind, query).await?))
}

/// `posts/{id}/` and `pages/{id}/`; `tags/{id}/` and `authors/{id}/`.
pub(super) async fn read(
    State(admin): State<Arc<Admin>>,
    _: ContentKey,
    Path((resource, id)): Path<(String, String)>,
) -> GhostResult<Json<Value>> {
    if matches!(resource.as_str(), "tags" | "authors") {
        return one(&admin, &resource, "id", &id).await;
    }
    let kind = kind_of(&resource)?;
    let id = post_id(&admin, &id).await?;
    let formats = Formats::default();
    Ok(Json(
        read_as(&admin, Reader::Public, (kind, id), &formats).await?,
    ))
}

/// `posts/slug/{slug}/` and `pages/slug/{slug}/`; the same of tags and authors.
pub(super) async fn read_by_slug(
    State(admin): State<Arc<Admin>>,
    _: ContentKey,
    Path((resource, slug)): Path<(String, String)>,
) -> GhostResult<Json<Value>> {
    if matches!(resource.as_str(), "tags" | "authors") {
        return one(&admin, &resource, "slug", &slug).await;
    }
    let kind = kind_of(&resource)?;
    let id = by_slug(&admin, &slug, kind).await?;
    let formats = Formats::default();
    Ok(Json(
        read_as(&admin, Reader::Public, (kind, id), &formats).await?,
    ))
}

/// Public tags (not `#internal` ones) that are on a published post, with their count.
async fn public_tags(admin: &Admin) -> GhostResult<Vec<Value>> {
    let base = base_url(admin);
    Ok((admin.site.store.public_tag_counts().await?.into_iter())
        .filter(|t| !t.internal && t.posts > 0)
        .map(|t| {
            json!({
                "id": ghost_id(t.id), "name": t.name, "slug": t.slug, "description": t.description,
                "feature_image": null, "visibility": "public",
                "url": format!("{base}/tag/{}/", t.slug), "count": { "posts": t.posts },
            })
        })
        .collect())
}

/// Authors credited on a published post.
async fn public_authors(admin: &Admin) -> GhostResult<Vec<Value>> {
    let base = base_url(admin);
    let mut conn = admin.site.store.read().await?;
    let all = crate::store::users::all(&mut conn).await?;
    drop(conn);
    let credited = admin.site.store.credited_authors().await?;
    Ok(all
        .into_iter()
        .filter(|a| credited.contains(&a.id))
        .map(|a| {
            json!({
                "id": ghost_id(a.id), "name": a.name, "slug": a.slug, "bio": a.bio,
                "profile_image": a.profile_image, "cover_image": a.cover_image,
                "website": a.website, "location": a.location,
                "twitter": a.twitter, "facebook": a.facebook,
                "bluesky": a.social.bluesky, "mastodon": a.social.mastodon,
                "threads": a.social.threads, "instagram": a.social.instagram,
                "linkedin": a.social.linkedin, "youtube": a.social.youtube,
                "tiktok": a.social.tiktok,
                "url": format!("{base}/author/{}/", a.slug),
            })
        })
        .collect())
}

/// `tags/` or `authors/`, all of them.
async fn list(admin: &Admin, resource: &str) -> GhostResult<Vec<Value>> {
    match resource {
        "tags" => public_tags(admin).await,
        "authors" => public_authors(admin).await,
        _ => Err(GhostError::not_found("Resource not found")),
    }
}

/// One public tag or author, by `field` (`id` or `slug`).
async fn one(admin: &Admin, resource: &str, field: &str, key: &str) -> GhostResult<Json<Value>> {
    let found = (list(admin, resource).await?.into_iter())
        .find(|item| item[field] == key)
        .ok_or_else(|| GhostError::not_found("Resource not found"))?;
    Ok(Json(json!({ resource: [found] })))
}

pub(super) async fn tags(
    State(admin): State<Arc<Admin>>,
    _: ContentKey,
) -> GhostResult<Json<Value>> {
    let tags = list(&admin, "tags").await?;
    Ok(whole("tags", tags))
}

pub(super) async fn authors(
    State(admin): State<Arc<Admin>>,
    _: ContentKey,
) -> GhostResult<Json<Value>> {
    let authors = list(&admin, "authors").await?;
    Ok(whole("authors", authors))
}

/// The site's settings, as a theme or a front end reads them.
pub(super) async fn settings(
    State(admin): State<Arc<Admin>>,
    _: ContentKey,
) -> GhostResult<Json<Value>> {
    let config =
        (admin.site.effective_config().await).map_err(|e| GhostError(ApiError::internal(e)))?;
    let links = |nav: &[crate::config::NavItem]| -> Vec<Value> {
        nav.iter()
            .map(|n| json!({ "label": n.label, "url": n.url }))
            .collect()
    };
    Ok(Json(json!({ "settings": {
        "title": config.title,
        "description": config.description,
        "url": format!("{}/", config.base_url.trim_end_matches('/')),
        "lang": config.language,
        "locale": config.language,
        "logo": null, "icon": null, "accent_color": null, "cover_image": null,
        "navigation": links(&config.navigation),
        "secondary_navigation": links(&config.secondary_navigation),
        "codeinjection_head": config.codeinjection_head,
        "codeinjection_foot": config.codeinjection_foot,
        "members_support_address": null,
    }, "meta": {} })))
}

fn base_url(admin: &Admin) -> String {
    admin
        .site
        .current_config()
        .base_url
        .trim_end_matches('/')
        .to_owned()
}
