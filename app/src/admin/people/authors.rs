//! Authors' profiles: the name, slug, bio, avatar, website and location posts and
//! author pages show. Each person edits their own; the owner edits anyone's (authors
//! from files in `content/` included). A profile shows on live pages, so a change is
//! published at once; a new slug keeps the old one, as a tag's does.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

use crate::admin::auth::{Caller, Need};
use crate::admin::error::{ApiError, ApiResult, Body};
use crate::admin::profile_fields::{link, merge, name, refused, slug, text};
use crate::admin::sitewide::publish::{go_live, Saved};
use crate::admin::Admin;
use crate::store::users::{Author, AuthorFields, Profile, Social};

#[derive(Serialize, ToSchema)]
pub(in crate::admin) struct AuthorList {
    authors: Vec<Profile>,
}

/// Every author; the accounts behind them only for those who manage people (login
/// names stay private).
#[utoipa::path(get, path = "/authors", tag = "people", responses((status = 200, body = AuthorList)))]
pub(in crate::admin) async fn list(
    State(admin): State<Arc<Admin>>,
    caller: Caller,
) -> ApiResult<Json<AuthorList>> {
    caller.require(Need::ReadContent)?;
    let owner = caller.require(Need::People).is_ok();
    let mut profiles = admin.site.store.profiles().await?;
    if !owner {
        for profile in &mut profiles {
            profile.username = None;
            profile.account_id = None;
        }
    }
    Ok(Json(AuthorList { authors: profiles }))
}

/// Profile changes one account may make in [`crate::admin::PROFILE_WINDOW`].
pub(in crate::admin) const PROFILE_SAVES: usize = 20;

/// Whether `caller` may change the profile `id`: their own, or anyone's for an
/// administrator or owner.
fn may_edit(caller: &Caller, id: i64) -> ApiResult<()> {
    if caller.require(Need::Administer).is_ok() {
        return Ok(());
    }
    caller.require(Need::Account)?;
    if caller.account.user_id == Some(id) {
        Ok(())
    } else {
        Err(ApiError::forbidden(
            "only an administrator or the owner changes another person's profile",
        ))
    }
}

fn checked(fields: AuthorFields) -> ApiResult<AuthorFields> {
    Ok(AuthorFields {
        name: name("name", &fields.name)?,
        slug: slug(&fields.slug)?,
        bio: text("bio", fields.bio, 1000)?,
        profile_image: link("profile_image", fields.profile_image)?,
        website: link("website", fields.website)?,
        location: text("location", fields.location, 150)?,
        cover_image: link("cover_image", fields.cover_image)?,
        twitter: account("twitter", fields.twitter, "an X handle such as @folio")?,
        facebook: account("facebook", fields.facebook, "a Facebook page's name")?,
        social: social(fields.social)?,
    })
}

/// The other networks' accounts: each one the author's page can link, or none.
fn social(mut social: Social) -> ApiResult<Social> {
    for (network, account) in social.accounts_mut() {
        let field = format!("social.{network}");
        *account = text(&field, account.take(), 100)?;
        if let Some(value) = account.as_deref() {
            if crate::render::social::page(network, value).is_none() {
                return Err(ApiError::field(
                    &field,
                    format!("{field}: expected a {} account or the https:// address of its page, got {value:?}", crate::render::social::label(network)),
                ));
            }
        }
    }
    Ok(social)
}

/// An account elsewhere as Ghost keeps it (`@name`, `page.name`): what
/// [`crate::render::views::author_social`] turns into a link; empty is none.
fn account(field: &str, value: Option<String>, what: &str) -> ApiResult<Option<String>> {
    let value = text(field, value, 100)?;
    match value {
        Some(v) if crate::render::views::account_name(&v).is_none() => Err(ApiError::field(
            field,
            format!("{field}: expected {what}, got {v:?}"),
        )),
        other => Ok(other),
    }
}

/// Changes an author's profile (one's own; an owner: anyone's) and publishes.
#[utoipa::path(patch, path = "/authors/{id}", tag = "people", params(("id" = i64, Path)),
    request_body = AuthorFields, responses((status = 200, body = Saved<Author>)))]
pub(in crate::admin) async fn update(
    State(admin): State<Arc<Admin>>,
    caller: Caller,
    Path(id): Path<i64>,
    Body(body): Body,
) -> ApiResult<Json<Saved<Author>>> {
    may_edit(&caller, id)?;
    let store = &admin.site.store;
    let current = store
        .author(id)
        .await?
        .ok_or_else(|| ApiError::not_found("no such author"))?;
    let before = AuthorFields::from(&current);
    let fields = checked(merge(&before, body)?)?;
    if fields == before {
        // Nothing a reader sees changed: no write, no publish.
        return Ok(Json(Saved {
            saved: current,
            published: None,
        }));
    }
    check_look_alike(store, id, &fields.name).await?;
    // Each save publishes: a stream of them would keep the site rebuilding.
    admin
        .profile_saves
        .attempt(&format!("account:{}", caller.account.id), 0)
        .map_err(|wait| {
            let mut refused = ApiError::too_many(wait);
            refused.message = format!(
                "at most {PROFILE_SAVES} profile changes in 10 minutes: try again in {} minutes",
                wait.as_secs().div_ceil(60)
            );
            refused
        })?;
    let author = store
        .update_author(id, &fields)
        .await?
        .map_err(|r| refused("author", r))?;
    admin.write_site_files().await?;
    let detail = (current.slug != author.slug).then(|| format!("was {}", current.slug));
    caller
        .audit(
            &admin,
            "author.changed",
            Some(&author.slug),
            detail.as_deref(),
        )
        .await;
    let published = Some(go_live(&admin).await);
    Ok(Json(Saved {
        saved: author,
        published,
    }))
}

/// `given` as the display name of profile `id` (`field` names it in errors): a valid
/// name that looks like no other author's.
pub(in crate::admin) async fn display_name(
    store: &crate::store::Store,
    id: i64,
    (field, given): (&str, &str),
) -> ApiResult<String> {
    let checked = name(field, given)?;
    check_look_alike(store, id, &checked)
        .await
        .map_err(|e| e.with_field(field))?;
    Ok(checked)
}

/// 409 when `name` looks like another author's name: the same letters once
/// confusables (Cyrillic `а` for Latin `a`), spaces and case are set aside, so no one
/// can pass for someone else in a byline.
async fn check_look_alike(store: &crate::store::Store, id: i64, name: &str) -> ApiResult<()> {
    let skeleton = |text: &str| -> String {
        unicode_security::confusable_detection::skeleton(&text.to_lowercase())
            .filter(|c| !c.is_whitespace())
            .collect()
    };
    let wanted = skeleton(name);
    let profiles = store.profiles().await?;
    let other = profiles
        .iter()
        .find(|p| p.author.id != id && skeleton(&p.author.name) == wanted);
    match other {
        Some(other) => Err(ApiError::conflict(format!(
            "{name:?} looks like the name of another author, {:?}: choose a name readers can tell apart",
            other.author.name
        ))
        .with_field("name")),
        None => Ok(()),
    }
}
