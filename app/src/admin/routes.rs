//! The admin API's routes, each with its OpenAPI operation: `routes!` takes a handler
//! and its `#[utoipa::path]`, so the router and the served document are one list.

use std::sync::Arc;

use axum::extract::DefaultBodyLimit;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;
use utoipa::OpenApi;
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouter};
use utoipa_axum::routes;

use super::api_doc::{self, ApiDoc};
use super::content::{files, media, posts, revisions, tags};
use super::people::{authors, invites, users};
use super::sign_in::{account, ghost_keys, session, setup, tokens};
use super::sitewide::{audit, git, preview, publish, settings};
use super::{error, security_headers, Admin};

/// JSON bodies larger than this get 413 (media has its own limit).
const JSON_LIMIT: usize = 2 * 1024 * 1024;
/// Largest preview request: a long post's Markdown with room to spare.
const PREVIEW_LIMIT: usize = 1024 * 1024;
/// The body of a sign-in request: a name, a password and a code fit many times over.
const SIGN_IN_LIMIT: usize = 16 * 1024;
/// A sign-in request from its first byte to its answer (which may wait up to 3 s for a
/// password hash and be slowed up to 5 s after failures).
const SIGN_IN_DEADLINE: std::time::Duration = std::time::Duration::from_secs(15);

type State = Arc<Admin>;

/// The API's routes, to be nested under `/admin/api`.
pub fn router<S: Clone + Send + Sync + 'static>(admin: Arc<Admin>) -> Router<S> {
    let (router, _) = api(admin.options.media_max_bytes).split_for_parts();
    router
        .fallback(|| async {
            error::ApiError::not_found("no such admin API endpoint").into_response()
        })
        .layer(DefaultBodyLimit::max(JSON_LIMIT))
        .layer(axum::middleware::from_fn(security_headers))
        .with_state(admin)
}

/// `routes` with its own body limit (larger or smaller than the API's).
fn limited(routes: UtoipaMethodRouter<State>, bytes: usize) -> UtoipaMethodRouter<State> {
    let (schemas, paths, method_router) = routes;
    (
        schemas,
        paths,
        method_router.layer(DefaultBodyLimit::max(bytes)),
    )
}

/// Every route and its operation; `media_limit` is the largest upload.
pub(super) fn api(media_limit: usize) -> OpenApiRouter<State> {
    // What anyone may call before signing in: small bodies, and a deadline for the
    // whole request, so a client sending a byte now and then cannot hold it open.
    let signing_in = OpenApiRouter::new()
        .routes(routes!(session::login, session::logout))
        .routes(routes!(session::enroll))
        .routes(routes!(session::confirm))
        .routes(routes!(session::totp))
        .routes(routes!(setup::status, setup::create))
        .routes(routes!(invites::accept))
        .routes(routes!(invites::show))
        .layer(DefaultBodyLimit::max(SIGN_IN_LIMIT))
        // A body announced too large is refused before a byte of it is read.
        .layer(tower_http::limit::RequestBodyLimitLayer::new(SIGN_IN_LIMIT))
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            SIGN_IN_DEADLINE,
        ));
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(signing_in)
        .routes(routes!(session::logout_everywhere))
        .routes(routes!(account::me))
        .routes(routes!(account::password))
        .routes(routes!(account::recovery_codes))
        .routes(routes!(posts::list, posts::create))
        .routes(routes!(posts::get, posts::update, posts::trash))
        .routes(routes!(posts::restore))
        .routes(routes!(revisions::discard_pending))
        .routes(routes!(revisions::revisions))
        .routes(routes!(revisions::restore_revision))
        .routes(routes!(revisions::restore_commit))
        .routes(limited(
            routes!(files::list, files::upload),
            files::CONTENT_LIMIT,
        ))
        .routes(routes!(tags::list, tags::create))
        .routes(routes!(tags::get, tags::update, tags::delete))
        .routes(routes!(authors::list))
        .routes(routes!(authors::update))
        .routes(routes!(settings::settings, settings::update_settings))
        .routes(limited(routes!(preview::preview), PREVIEW_LIMIT))
        .routes(routes!(preview::framed))
        .routes(routes!(publish::publish))
        .routes(routes!(publish::deploy_status))
        .routes(routes!(git::status))
        .routes(routes!(git::sync))
        .routes(routes!(git::resolve))
        .routes(routes!(git::conflict))
        .routes(limited(routes!(git::webhook), git::WEBHOOK_LIMIT))
        .routes(limited(routes!(media::upload), media_limit))
        .routes(routes!(media::file))
        .routes(routes!(tokens::list, tokens::create))
        .routes(routes!(tokens::revoke))
        .routes(routes!(ghost_keys::list, ghost_keys::create))
        .routes(routes!(ghost_keys::revoke))
        .routes(routes!(ghost_keys::rotate))
        .routes(routes!(ghost_keys::staff_token))
        .routes(routes!(users::list, users::create))
        .routes(routes!(users::update, users::delete))
        .routes(routes!(users::reset_totp))
        .routes(routes!(invites::list, invites::create))
        .routes(routes!(invites::revoke))
        .routes(routes!(audit::audit))
        .routes(routes!(openapi))
}

/// This document: the OpenAPI 3.1 description of the admin API.
#[utoipa::path(get, path = "/openapi.json", tag = "site", security(()),
    responses((status = 200, description = "The OpenAPI document", content_type = "application/json")))]
async fn openapi() -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        api_doc::document(),
    )
        .into_response()
}
