//! The OpenAPI document of the admin API, generated (utoipa) from the handlers'
//! annotations and the types they take and answer. The router and the document come
//! from one list of routes ([`super::routes`]), so nothing is routed undocumented or
//! documented unrouted.

use std::sync::OnceLock;

use utoipa::openapi::path::Operation;
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{Content, Ref, RefOr};
use utoipa::{Modify, OpenApi, ToSchema};

use super::error::ErrorBody;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "folio admin API",
        version = "1",
        description = "Login is two steps: POST /session (password) answers a challenge; \
            POST /session/totp (or enroll + enroll/confirm) sets the session cookie. Changes \
            made with the cookie send X-CSRF-Token (from /me) and come from the same origin. \
            CI uses `Authorization: Bearer folio_...` tokens instead."
    ),
    servers((url = "/admin/api")),
    security(("session" = []), ("token" = [])),
    components(schemas(ErrorBody)),
    modifiers(&Schemes),
    tags(
        (name = "sign-in", description = "Logging in, sessions, one's own account, API tokens"),
        (name = "posts", description = "Posts and pages, their revisions and unpublished changes"),
        (name = "tags", description = "Tags and their pages"),
        (name = "media", description = "Uploads, and content files pushed by CI"),
        (name = "people", description = "Accounts, invitations, author profiles"),
        (name = "site", description = "Settings, publishing, previews, the deploy, the audit log"),
    )
)]
pub(super) struct ApiDoc;

/// How a caller proves who they are: the session cookie or a bearer token.
struct Schemes;

impl Modify for Schemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let session = ApiKey::Cookie(ApiKeyValue::with_description(
            "__Host-folio_session",
            "Set by the second login step; `folio_session` when the server runs with \
             --insecure-cookies.",
        ));
        components.add_security_scheme("session", SecurityScheme::ApiKey(session));
        components.add_security_scheme(
            "token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "An API token (folio_...) with scopes content:read, content:write, \
                         publish.",
                    ))
                    .build(),
            ),
        );
    }
}

/// The document as the router leaves it, finished: a catch-all segment (axum's
/// `{*path}`) written as OpenAPI writes a parameter, and every operation's other
/// answers: an [`ErrorBody`] (what went wrong, and the field at fault).
fn finish(mut openapi: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    let paths = std::mem::take(&mut openapi.paths.paths);
    openapi.paths.paths = paths
        .into_iter()
        .map(|(path, item)| (path.replace("{*", "{"), item))
        .collect();
    let error = ResponseBuilder::new()
        .description("An error: 400 names the field at fault, 401 no session, 403 a role, scope, CSRF token or origin that does not allow it, 404, 409 a conflict, 413 too large, 422 a failed render, 429 and 503 with Retry-After.")
        .content(
            "application/json",
            Content::new(Some(RefOr::Ref(Ref::from_schema_name(ErrorBody::name())))),
        )
        .build();
    for item in openapi.paths.paths.values_mut() {
        let operations: [&mut Option<Operation>; 5] = [
            &mut item.get,
            &mut item.post,
            &mut item.put,
            &mut item.patch,
            &mut item.delete,
        ];
        for operation in operations.into_iter().flatten() {
            operation
                .responses
                .responses
                .entry("default".into())
                .or_insert_with(|| error.clone().into());
        }
    }
    openapi
}

/// The document as served, made once.
pub(super) fn document() -> &'static str {
    static DOCUMENT: OnceLock<String> = OnceLock::new();
    DOCUMENT.get_or_init(|| {
        let (_, openapi) = super::routes::api(0).split_for_parts();
        finish(openapi)
            .to_pretty_json()
            .expect("an OpenAPI document serializes")
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_document_names_each_path_as_openapi_does() {
        let doc: serde_json::Value =
            serde_json::from_str(super::document()).expect("the document is JSON");
        let paths = doc["paths"].as_object().expect("paths");
        assert!(paths.contains_key("/media/{path}"));
        assert!(
            paths.keys().all(|p| !p.contains("{*")),
            "{:?}",
            paths.keys()
        );
        if let Ok(out) = std::env::var("FOLIO_OPENAPI_OUT") {
            std::fs::write(out, super::document()).expect("written");
        }
    }
}
