//! What a Ghost export says of its site besides posts: its authors and tags, their
//! images pointed into the site, and its title, description and navigation.

use super::export;
use super::{documents, html, GhostReport};
use crate::store::tags::TagFields;
use crate::store::users::{Author, Social};

/// The site's title, description and navigation, as settings (they override
/// folio.toml).
pub(super) fn site_settings(
    data: &export::Data,
    report: &mut GhostReport,
) -> Vec<(String, serde_json::Value)> {
    let mut settings = Vec::new();
    for key in ["title", "description"] {
        if let Some(value) = data.setting(key).filter(|v| !v.is_empty()) {
            settings.push((key.to_owned(), serde_json::Value::String(value)));
        }
    }
    settings.extend(navigation(data, report));
    settings.extend(super::design::settings(data, report));
    settings
}

/// The export's authors (with their emails) and tags, their images pointed into the
/// site and noted for copying.
pub(super) fn profiles(
    data: &export::Data,
    report: &mut GhostReport,
) -> (Vec<(Author, Option<String>)>, Vec<TagFields>) {
    let image = |url: &Option<String>, name: &str, report: &mut GhostReport| {
        let url = url.as_deref().filter(|u| !u.is_empty())?;
        let mut media = Vec::new();
        let rewritten = html::rewrite_urls(url, &mut media);
        documents::note_media(media, name, report);
        Some(rewritten)
    };
    // A slug names a folder of the site: one that the admin would refuse is left
    // out with a warning (its posts still get a tag or a byline, by the name).
    let valid = |kind: &str, slug: &str, report: &mut GhostReport| {
        let checked = crate::content::validate_slug(slug);
        if let Err(m) = &checked {
            report.warnings.push(format!(
                "the {kind} slug {slug:?} {m}: its profile was left out (the {kind} gets a slug made from its name)"
            ));
        }
        checked.is_ok()
    };
    let users: Vec<_> = (data.users.iter())
        .filter(|user| valid("author", &user.slug, report))
        .collect();
    let tags: Vec<_> = (data.tags.iter())
        .filter(|tag| valid("tag", &tag.slug, report))
        .collect();
    let authors = users
        .into_iter()
        .map(|user| {
            let name = format!("author {:?}", user.slug);
            // Accounts folio cannot make a link of are left out.
            let account = |value: &Option<String>| {
                (value.clone()).filter(|v| crate::render::views::account_name(v).is_some())
            };
            let author = Author {
                id: 0,
                slug: user.slug.clone(),
                name: user.name.clone(),
                bio: user.bio.clone(),
                profile_image: image(&user.profile_image, &name, report),
                website: user.website.clone(),
                location: user.location.clone(),
                cover_image: image(&user.cover_image, &name, report),
                twitter: account(&user.twitter),
                facebook: account(&user.facebook),
                social: social(user.social(), &name, report),
                aliases: Vec::new(),
            };
            (author, user.email.clone())
        })
        .collect();
    let tags = tags
        .into_iter()
        .map(|tag| TagFields {
            name: tag.name.clone(),
            slug: tag.slug.clone(),
            description: tag.description.clone().filter(|d| !d.is_empty()),
            feature_image: image(&tag.feature_image, &format!("tag {:?}", tag.slug), report),
            meta_title: tag.meta_title.clone().filter(|d| !d.is_empty()),
            meta_description: tag.meta_description.clone().filter(|d| !d.is_empty()),
        })
        .collect();
    (authors, tags)
}

/// Ghost's primary and secondary navigation, as the settings of the header's and the
/// footer's links. Links into Ghost's members portal (`#/portal/...`) do nothing on a
/// static site: left out, with a warning.
fn navigation(data: &export::Data, report: &mut GhostReport) -> Vec<(String, serde_json::Value)> {
    let mut settings = Vec::new();
    for key in ["navigation", "secondary_navigation"] {
        let Some(text) = data.setting(key) else {
            continue;
        };
        let items: Vec<crate::config::NavItem> = match serde_json::from_str(&text) {
            Ok(items) => items,
            Err(e) => {
                report.warnings.push(format!(
                    "the {key} setting is not a list of links ({e}): left out"
                ));
                continue;
            }
        };
        let (portal, kept): (Vec<_>, Vec<_>) = items
            .into_iter()
            .filter(|item| !item.label.trim().is_empty() && !item.url.trim().is_empty())
            .partition(|item| item.url.contains("#/portal"));
        for item in portal {
            report.warnings.push(format!(
                "{key}: the link {:?} to Ghost's members portal ({}) was left out",
                item.label, item.url
            ));
        }
        let value = serde_json::to_value(&kept).expect("links serialize");
        settings.push((key.to_owned(), value));
    }
    settings
}

/// Ghost's staff with the role each had, as folio's (Ghost's five are folio's five).
/// The import makes no account (an account needs a password and a TOTP key its person
/// sets): the report lists whom to invite, and as what. A role folio does not know
/// (a newer Ghost's) is given as the least, contributor, with a warning.
pub(super) fn staff(data: &export::Data, report: &mut GhostReport) -> Vec<super::Staff> {
    let mut staff = Vec::new();
    for user in &data.users {
        let ghost_role = (data.roles_users.iter())
            .filter(|link| link.user_id == user.id)
            .filter_map(|link| data.roles.iter().find(|r| r.id == link.role_id))
            .map(|r| r.name.clone())
            .next();
        let Some(ghost_role) = ghost_role else {
            continue;
        };
        let role = crate::store::Role::parse(&ghost_role.to_lowercase()).unwrap_or_else(|| {
            report.warnings.push(format!(
                "{}: Ghost's role {ghost_role:?} has no equal here; invite them as a contributor and raise them if they need more",
                user.slug
            ));
            crate::store::Role::Contributor
        });
        staff.push(super::Staff {
            name: user.name.clone(),
            slug: user.slug.clone(),
            ghost_role,
            role,
        });
    }
    staff
}

/// `social` with each account the author's page can link; another is left out, with a
/// warning that names it.
fn social(mut social: Social, name: &str, report: &mut GhostReport) -> Social {
    for (network, account) in social.accounts_mut() {
        let Some(value) = account.take().filter(|v| !v.trim().is_empty()) else {
            continue;
        };
        if crate::render::social::page(network, &value).is_some() {
            *account = Some(value);
        } else {
            report.warnings.push(format!(
                "{name}: the {} account {value:?} is not one folio can link: left out",
                crate::render::social::label(network)
            ));
        }
    }
    social
}
