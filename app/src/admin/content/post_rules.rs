//! What a post must pass to be stored, and who may change it: defaults and checks of
//! the document, code injection and raw HTML by role, a slug free, an edit made on
//! the current revision.

use chrono::{DateTime, Utc};
use serde_json::json;

use crate::admin::auth::Caller;
use crate::admin::content::post_view::{is_live, PostView};
use crate::admin::error::{ApiError, ApiResult};
use crate::admin::Admin;
use crate::content::{validate_alias, validate_slug};
use crate::store::{pending, posts, Connection, PostDoc, Status, StoredPost};

/// Fills defaults and checks a document before it is stored.
pub(in crate::admin) async fn prepare(
    admin: &Admin,
    caller: &Caller,
    doc: &mut PostDoc,
) -> ApiResult<()> {
    doc.title = doc.title.trim().to_owned();
    if doc.title.is_empty() {
        return Err(ApiError::field("title", "a title is required"));
    }
    if doc.slug.trim().is_empty() {
        doc.slug = slug::slugify(&doc.title);
    }
    validate_slug(&doc.slug).map_err(|m| ApiError::field("slug", format!("the slug {m}")))?;
    for (i, alias) in doc.aliases.iter().enumerate() {
        validate_alias(alias).map_err(|m| ApiError::field(&format!("aliases[{i}]"), m))?;
    }
    doc.tags.retain(|t| !t.trim().is_empty());
    doc.authors.retain(|a| !a.trim().is_empty());
    if let Some(own) = own_name(admin, caller).await? {
        // Bylines of others are for editors and owners.
        if doc.authors.iter().any(|a| *a != own) {
            return Err(ApiError::forbidden(
                "authors byline their own posts only; an editor or owner credits others",
            )
            .with_field("authors"));
        }
        doc.authors = vec![own];
    }
    if doc.authors.is_empty() {
        doc.authors.extend(admin.author_name(caller).await?);
    }
    let now = admin.now();
    match doc.status {
        Status::Published if doc.published_at.is_none() => doc.published_at = Some(now),
        // A date still to come schedules the post, as it does in front matter: never
        // live now and dated later, at the top of the site.
        Status::Published if doc.published_at.is_some_and(|at| at > now) => {
            doc.status = Status::Scheduled;
        }
        Status::Scheduled if doc.published_at.is_none() => {
            return Err(ApiError::field(
                "published_at",
                "a scheduled post needs published_at (when it goes live)",
            ))
        }
        _ => {}
    }
    if !caller.account.role().publishes() && doc.status != Status::Draft {
        return Err(ApiError::forbidden(
            "contributors save drafts; an author, an editor or an administrator publishes and schedules",
        )
        .with_field("status"));
    }
    Ok(())
}

/// What every save of an existing post passes, on the document it would store:
/// defaults and checks, code injection by role, a slug free. Returns whether its body
/// is to be cleaned (see [`sanitized_after`]); `before` is what the editor showed
/// (the unpublished changes, if any), `current` the post's live version.
pub(in crate::admin) async fn check_save(
    admin: &Admin,
    caller: &Caller,
    conn: &mut Connection,
    doc: &mut PostDoc,
    (current, before): (&StoredPost, &StoredPost),
    trust_html: bool,
) -> ApiResult<bool> {
    prepare(admin, caller, doc).await?;
    check_code_injection(caller, doc, Some(&current.doc))?;
    let sanitized = sanitized_after(caller, Some(before), trust_html)?;
    if doc.status == Status::Draft && current.doc.status == Status::Draft {
        doc.slug = free_slug(conn, &doc.slug, Some(current.id)).await?;
    }
    check_slug(conn, &doc.slug, Some(current.id)).await?;
    Ok(sanitized)
}

/// Code injection is raw HTML in the page head and foot, never cleaned: an author or
/// a contributor may not set or change it (Ghost's rule). `before` is the stored
/// version, if any.
pub(in crate::admin) fn check_code_injection(
    caller: &Caller,
    doc: &PostDoc,
    before: Option<&PostDoc>,
) -> ApiResult<()> {
    if caller.account.role().edits_all() {
        return Ok(());
    }
    let fields = [
        (
            "codeinjection_head",
            &doc.codeinjection_head,
            before.and_then(|b| b.codeinjection_head.as_ref()),
        ),
        (
            "codeinjection_foot",
            &doc.codeinjection_foot,
            before.and_then(|b| b.codeinjection_foot.as_ref()),
        ),
    ];
    for (field, now, was) in fields {
        if now.as_ref().filter(|s| !s.is_empty()) != was.filter(|s| !s.is_empty()) {
            return Err(ApiError::forbidden(
                "code injection is for editors and up: it runs on every reader's page",
            )
            .with_field(field));
        }
    }
    Ok(())
}

/// Whether the post's body is to be cleaned after this save: an author's or a
/// contributor's save makes it so, and it stays so through editors' and owners' edits
/// and restored revisions (a one-word fix must not publish what the author hid in the
/// text) until an editor or up takes the text over knowingly (`trust_html`).
pub(in crate::admin) fn sanitized_after(
    caller: &Caller,
    before: Option<&StoredPost>,
    trust_html: bool,
) -> ApiResult<bool> {
    if !caller.account.role().edits_all() {
        if trust_html {
            return Err(ApiError::forbidden(
                "raw HTML is trusted by an editor or up, never by its author",
            )
            .with_field("trust_html"));
        }
        return Ok(true);
    }
    Ok(before.is_some_and(|b| b.sanitized) && !trust_html)
}

/// An author may only touch their own posts, a contributor their own drafts.
pub(in crate::admin) async fn check_owner(
    admin: &Admin,
    caller: &Caller,
    post: &StoredPost,
) -> ApiResult<()> {
    let Some(profile) = own_profile(caller) else {
        return Ok(());
    };
    let own = admin.site.store.credits(post.id, profile).await?;
    if !own {
        return Err(ApiError::forbidden(
            "authors and contributors change only their own posts",
        ));
    }
    if post.doc.status != Status::Draft && !caller.account.role().publishes() {
        return Err(ApiError::forbidden(
            "contributors change only their own drafts: an editor published or scheduled this one",
        ));
    }
    Ok(())
}

/// The author profile (by id) whose posts an author or a contributor may see and
/// change; None for editors and up, who see every post. Without a profile, one owns
/// nothing.
pub(in crate::admin) fn own_profile(caller: &Caller) -> Option<i64> {
    (!caller.account.role().edits_all()).then(|| caller.account.user_id.unwrap_or(-1))
}

/// 409 unless the edit started from the post's current revision and from its current
/// unpublished changes (`saves_seen`: how many saves made them, 0 for none). The answer
/// carries the current version, unpublished changes included.
pub(in crate::admin) async fn check_revision(
    conn: &mut Connection,
    current: &StoredPost,
    (based_on, saves_seen): (i64, i64),
    now: DateTime<Utc>,
) -> ApiResult<Option<pending::Pending>> {
    let live = is_live(&current.doc, now) && !current.archived;
    let pending = pending::get(conn, current.id).await?.filter(|_| live);
    let saves = pending.as_ref().map_or(0, |p| p.saves);
    if current.revision == based_on && saves == saves_seen {
        return Ok(pending);
    }
    let message = if current.revision != based_on {
        format!(
            "the post changed since revision {based_on}: it is at revision {}; nothing was saved",
            current.revision
        )
    } else {
        let by = pending.as_ref().map_or("someone", |p| p.saved_by.as_str());
        format!("{by} saved other unpublished changes to this post meanwhile; nothing was saved")
    };
    Err(ApiError::conflict(message)
        .with_field("revision")
        .with_extra(json!({ "current": PostView::with_pending(conn, current, now).await? })))
}

/// 409 when the unpublished changes `waiting` were made on an older revision than
/// the live one: publishing them would undo what changed since (a push from CI). The
/// answer carries the live post, for the editor to show both.
pub(in crate::admin) fn check_base(
    waiting: Option<&pending::Pending>,
    current: &StoredPost,
    now: DateTime<Utc>,
) -> ApiResult<()> {
    let Some(stale) = waiting.filter(|p| p.base_revision != current.revision) else {
        return Ok(());
    };
    Err(ApiError::conflict(format!(
        "these unpublished changes were made on revision {}, and the live post has changed \
         since (revision {}): compare them with it, then update again; nothing was published",
        stale.base_revision, current.revision
    ))
    .with_field("over")
    .with_extra(json!({ "current": PostView::of(current, now), "stale": true })))
}

/// 409 when `slug` belongs to a post other than `id`.
pub(in crate::admin) async fn check_slug(
    conn: &mut Connection,
    slug: &str,
    id: Option<i64>,
) -> ApiResult<()> {
    let Some(other) = posts::id_by_slug(conn, slug).await? else {
        return Ok(());
    };
    if Some(other) == id {
        return Ok(());
    }
    let title = posts::load(conn, other)
        .await?
        .map(|p| p.doc.title)
        .unwrap_or_default();
    Err(ApiError::conflict(format!(
        "the slug {slug:?} is taken by post {other} ({title:?})"
    ))
    .with_field("slug")
    .with_extra(json!({ "other": { "id": other, "title": title } })))
}

/// `slug`, or the first free one after it (`slug-2`, `slug-3`...), as Ghost gives a
/// draft: a draft has no readers whose links a new address would break. Post `id`'s
/// own slug is free for it. A live post never gets one (see [`check_slug`]).
pub(in crate::admin) async fn free_slug(
    conn: &mut Connection,
    slug: &str,
    id: Option<i64>,
) -> ApiResult<String> {
    let mut candidate = slug.to_owned();
    for n in 2..100 {
        match posts::id_by_slug(conn, &candidate).await? {
            Some(other) if Some(other) != id => candidate = format!("{slug}-{n}"),
            _ => return Ok(candidate),
        }
        if validate_slug(&candidate).is_err() {
            break;
        }
    }
    // No free one near it (or too long to extend): the taken slug's own answer.
    Ok(slug.to_owned())
}

/// The name an author's posts carry, when the caller is an author or a contributor
/// (who see and byline their own posts only); None for editors and up.
pub(in crate::admin) async fn own_name(
    admin: &Admin,
    caller: &Caller,
) -> ApiResult<Option<String>> {
    if caller.account.role().edits_all() {
        return Ok(None);
    }
    // An author without a profile name owns nothing: an impossible name filters all out.
    Ok(Some(
        admin
            .author_name(caller)
            .await?
            .unwrap_or_else(|| "\0".to_owned()),
    ))
}

/// An author reads only their own posts: another's is not found, as if absent.
pub(in crate::admin) async fn check_reader(
    admin: &Admin,
    caller: &Caller,
    post: &StoredPost,
) -> ApiResult<()> {
    match own_profile(caller) {
        Some(profile) if !admin.site.store.credits(post.id, profile).await? => {
            Err(ApiError::not_found(format!("no post with id {}", post.id)))
        }
        _ => Ok(()),
    }
}

impl Admin {
    /// The author name posts by `caller` carry by default.
    pub(in crate::admin) async fn author_name(&self, caller: &Caller) -> ApiResult<Option<String>> {
        Ok(match caller.account.user_id {
            Some(id) => self.site.store.user_name(id).await?,
            None => None,
        })
    }
}
