//! Ghost's Design and General settings, as folio's: the logo, icon and cover (copied
//! with the media, pointed into the site), the accent colour, time zone, language,
//! social accounts, meta defaults and the site's code injection. A value folio would
//! refuse is left out with a warning, never the whole import.

use serde_json::Value;

use super::{documents, export, html, GhostReport};
use crate::config::Design;

/// Ghost's placeholder cover, on Ghost's own server: not the blog's.
const GHOST_DEFAULT_IMAGES: &str = "https://static.ghost.org/";

/// The settings (`design`, `language`, code injection) the export gives.
pub(super) fn settings(data: &export::Data, report: &mut GhostReport) -> Vec<(String, Value)> {
    let mut settings = Vec::new();
    let design = design(data, report);
    if design != Design::default() {
        let value = serde_json::to_value(&design).expect("the design serializes");
        settings.push(("design".to_owned(), value));
    }
    let language = data.setting("locale").or_else(|| data.setting("lang"));
    if let Some(language) = language.filter(|l| !l.is_empty() && l != "en") {
        if crate::config::valid_language(&language) {
            settings.push(("language".to_owned(), Value::String(language)));
        } else {
            report.warnings.push(format!(
                "the site's language {language:?} is not a language tag: left out"
            ));
        }
    }
    for key in ["codeinjection_head", "codeinjection_foot"] {
        if let Some(code) = data.setting(key).filter(|c| !c.trim().is_empty()) {
            settings.push((key.to_owned(), Value::String(code)));
        }
    }
    settings
}

fn design(data: &export::Data, report: &mut GhostReport) -> Design {
    let text = |key: &str| data.setting(key).filter(|v| !v.trim().is_empty());
    let mut image = |key: &str| {
        let url = text(key).filter(|u| !u.starts_with(GHOST_DEFAULT_IMAGES))?;
        let mut media = Vec::new();
        let rewritten = html::rewrite_urls(&url, &mut media);
        documents::note_media(media, &format!("the site's {key}"), report);
        Some(rewritten)
    };
    let mut design = Design {
        logo: image("logo"),
        icon: image("icon"),
        cover_image: image("cover_image"),
        og_image: image("og_image"),
        accent_color: text("accent_color").map(|c| c.to_ascii_lowercase()),
        meta_title: text("meta_title"),
        meta_description: text("meta_description"),
        ..Design::default()
    };
    if let Some(zone) = text("timezone") {
        design.timezone = zone;
    }
    design.social.x = text("twitter");
    // Ghost keeps the page's name; folio, its address.
    design.social.facebook = text("facebook").map(|name| {
        let name = name.trim_start_matches("https://www.facebook.com/");
        format!("https://www.facebook.com/{name}")
    });
    // Each field as folio checks it: a wrong one goes, with a warning.
    while let Err((field, why)) = design.validate() {
        report
            .warnings
            .push(format!("the site's {field}: {why}; left out"));
        let default = Design::default();
        match field.trim_start_matches("design.") {
            "accent_color" => design.accent_color = None,
            "timezone" => design.timezone = default.timezone,
            "social.x" => design.social.x = None,
            "social.facebook" => design.social.facebook = None,
            "meta_title" => design.meta_title = None,
            "meta_description" => design.meta_description = None,
            // Images come rewritten into the site, or as https URLs: kept as given.
            _ => break,
        }
    }
    design
}
