//! The fields of tags and authors as the API takes them: a change is the current
//! fields with the body's on top (a key left out stays, `null` clears it), checked
//! before it is stored. What a lower role writes here reaches public pages, so every
//! link must be a web address or a path of the site.

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{Map, Value};

use super::error::{from_json, ApiError, ApiResult};
use crate::render::views::is_safe_link;
use crate::store::Refused;

/// Names are short (Ghost's limit).
const NAME_MAX: usize = 191;

/// `current` with the keys of `body` on top; a key `current` does not have is refused.
pub(super) fn merge<T: Serialize + DeserializeOwned>(current: &T, body: Value) -> ApiResult<T> {
    let Value::Object(body) = body else {
        return Err(ApiError::bad_request("the body must be a JSON object"));
    };
    let Value::Object(mut fields) = serde_json::to_value(current).map_err(ApiError::internal)?
    else {
        return Err(ApiError::internal("fields serialize as an object"));
    };
    overlay(&mut fields, body)?;
    from_json(Value::Object(fields))
}

fn overlay(fields: &mut Map<String, Value>, body: Map<String, Value>) -> ApiResult<()> {
    for (key, value) in body {
        match fields.get_mut(&key) {
            Some(slot) => *slot = value,
            None => {
                let known: Vec<&str> = fields.keys().map(String::as_str).collect();
                return Err(ApiError::field(
                    &key,
                    format!("unknown field {key:?}: {}", known.join(", ")),
                ));
            }
        }
    }
    Ok(())
}

/// A name: trimmed, 1 to 191 characters, no control characters.
pub(super) fn name(field: &str, value: &str) -> ApiResult<String> {
    let value = value.trim();
    if value.is_empty() || value.chars().count() > NAME_MAX {
        return Err(ApiError::field(
            field,
            format!("{field} is 1 to {NAME_MAX} characters"),
        ));
    }
    if value.chars().any(char::is_control) {
        return Err(ApiError::field(
            field,
            format!("{field} has a control character"),
        ));
    }
    // Invisible characters (zero-width spaces, direction overrides) make one name
    // look like another.
    if let Some(c) = value.chars().find(|c| invisible(*c)) {
        return Err(ApiError::field(
            field,
            format!(
                "{field} has an invisible character (U+{:04X}); type the name plainly",
                u32::from(c)
            ),
        ));
    }
    Ok(value.to_owned())
}

/// Whether `c` is shown as nothing: Unicode's default-ignorable characters.
fn invisible(c: char) -> bool {
    use unicode_security::general_security_profile::IdentifierType;
    use unicode_security::GeneralSecurityProfile;
    c.identifier_type() == Some(IdentifierType::Default_Ignorable)
}

/// A slug as URLs have it: lowercase letters, digits and single hyphens.
pub(super) fn slug(value: &str) -> ApiResult<String> {
    let value = value.trim();
    if value.is_empty() || value.len() > NAME_MAX || slug::slugify(value) != value {
        return Err(ApiError::field(
            "slug",
            format!(
                "a slug is lowercase letters, digits and hyphens (like {:?})",
                slug::slugify(value)
            ),
        ));
    }
    Ok(value.to_owned())
}

/// Plain text of at most `max` characters; empty is none.
pub(super) fn text(field: &str, value: Option<String>, max: usize) -> ApiResult<Option<String>> {
    let Some(value) = value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    if value.chars().count() > max {
        return Err(ApiError::field(
            field,
            format!("{field} is at most {max} characters"),
        ));
    }
    Ok(Some(value))
}

/// A link (a website, an image): `https://…`, `http://…` or a path of the site such
/// as `/content/images/me.jpg`; empty is none.
pub(super) fn link(field: &str, value: Option<String>) -> ApiResult<Option<String>> {
    let value = text(field, value, 2000)?;
    match value {
        Some(url) if !is_safe_link(&url) => Err(ApiError::field(
            field,
            format!("{field} must start with https://, http:// or / (a path of this site)"),
        )),
        other => Ok(other),
    }
}

/// The API's answer to a refused change.
pub(super) fn refused(what: &str, refused: Refused) -> ApiError {
    match refused {
        Refused::NotFound => ApiError::not_found(format!("no such {what}")),
        Refused::NameTaken => {
            ApiError::conflict(format!("another {what} has that name")).with_field("name")
        }
        Refused::SlugTaken => ApiError::conflict(format!(
            "another {what} has that slug, or had it (its old address redirects there)"
        ))
        .with_field("slug"),
    }
}
