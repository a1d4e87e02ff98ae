//! The site's look and identity, as Ghost's Design and General settings hold them:
//! logo, icon, cover, accent colour, time zone, social accounts, and what search
//! engines and social cards show when a page says nothing of its own. Set in
//! `folio.toml` (`[design]`) or in the admin's Settings; the theme reads them.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Design {
    /// The site's logo (a site path such as `/images/logo.png`, or an https URL),
    /// shown in place of the title.
    pub logo: Option<String>,
    /// A square image: the favicon and the icon of a saved bookmark.
    pub icon: Option<String>,
    /// The home page's cover image.
    pub cover_image: Option<String>,
    /// `#rrggbb`: the colour of links and buttons.
    pub accent_color: Option<String>,
    /// An IANA time zone (`Europe/Lisbon`): the zone of the dates readers see.
    pub timezone: String,
    pub social: Social,
    /// The home page's title for search engines (else the site's title).
    pub meta_title: Option<String>,
    /// The home page's description for search engines (else the site's).
    pub meta_description: Option<String>,
    /// The image of a shared link to a page that has none of its own.
    pub og_image: Option<String>,
    /// How the home, tag and author pages list posts.
    pub post_feed: PostFeed,
}

/// The look of a list of posts: Ghost's card grid (Casper, Source), or one column.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PostFeed {
    #[default]
    Grid,
    List,
}

impl Default for Design {
    fn default() -> Self {
        Self {
            logo: None,
            icon: None,
            cover_image: None,
            accent_color: None,
            timezone: "Etc/UTC".into(),
            social: Social::default(),
            meta_title: None,
            meta_description: None,
            og_image: None,
            post_feed: PostFeed::Grid,
        }
    }
}

/// The site's accounts elsewhere: an X handle (`@name`, as `twitter:site` wants it),
/// the others as the addresses of their pages.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Social {
    pub x: Option<String>,
    pub facebook: Option<String>,
    pub bluesky: Option<String>,
    pub mastodon: Option<String>,
    pub threads: Option<String>,
    pub linkedin: Option<String>,
    pub instagram: Option<String>,
    pub youtube: Option<String>,
}

/// A field of [`Design`] that is wrong: its name (`design.accent_color`) and why.
pub(super) type Invalid = (String, String);

fn invalid(field: &str, message: String) -> Invalid {
    (format!("design.{field}"), message)
}

/// A site path or an https URL, with nothing that could end an HTML attribute.
fn image(field: &str, value: &Option<String>) -> Result<(), Invalid> {
    let Some(value) = value.as_deref().filter(|v| !v.is_empty()) else {
        return Ok(());
    };
    let shaped =
        (value.starts_with('/') && !value.starts_with("//")) || value.starts_with("https://");
    if !shaped || value.contains(|c: char| c.is_whitespace() || "\"'<>`\\".contains(c)) {
        return Err(invalid(
            field,
            format!(
                "expected an image of the site (/images/...) or an https:// URL, got {value:?}"
            ),
        ));
    }
    Ok(())
}

fn text(field: &str, value: &Option<String>, max: usize) -> Result<(), Invalid> {
    match value {
        Some(v) if v.chars().count() > max => Err(invalid(
            field,
            format!("at most {max} characters ({} given)", v.chars().count()),
        )),
        _ => Ok(()),
    }
}

impl Design {
    /// Checks every field; the first wrong one is named.
    pub fn validate(&self) -> Result<(), Invalid> {
        image("logo", &self.logo)?;
        image("icon", &self.icon)?;
        image("cover_image", &self.cover_image)?;
        image("og_image", &self.og_image)?;
        if let Some(colour) = self.accent_color.as_deref().filter(|c| !c.is_empty()) {
            let hex = colour.strip_prefix('#').unwrap_or("");
            if hex.len() != 6 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
                return Err(invalid(
                    "accent_color",
                    format!("expected a colour as #rrggbb, got {colour:?}"),
                ));
            }
        }
        if self.timezone.parse::<chrono_tz::Tz>().is_err() {
            return Err(invalid(
                "timezone",
                format!(
                    "{:?} is not an IANA time zone (such as Europe/Lisbon or America/New_York)",
                    self.timezone
                ),
            ));
        }
        text("meta_title", &self.meta_title, 300)?;
        text("meta_description", &self.meta_description, 500)?;
        self.social.validate()
    }
}

impl Social {
    fn validate(&self) -> Result<(), Invalid> {
        if let Some(x) = self.x.as_deref().filter(|x| !x.is_empty()) {
            let handle = x.strip_prefix('@').unwrap_or(x);
            if handle.is_empty()
                || handle.len() > 15
                || !handle
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_')
            {
                return Err(invalid(
                    "social.x",
                    format!("expected an X handle such as @folio, got {x:?}"),
                ));
            }
        }
        let pages = [
            ("facebook", &self.facebook),
            ("bluesky", &self.bluesky),
            ("mastodon", &self.mastodon),
            ("threads", &self.threads),
            ("linkedin", &self.linkedin),
            ("instagram", &self.instagram),
            ("youtube", &self.youtube),
        ];
        for (network, page) in pages {
            let Some(page) = page.as_deref().filter(|p| !p.is_empty()) else {
                continue;
            };
            if !page.starts_with("https://")
                || page.contains(|c: char| c.is_whitespace() || "\"'<>`".contains(c))
            {
                return Err(invalid(
                    &format!("social.{network}"),
                    format!("expected the https:// address of the page, got {page:?}"),
                ));
            }
        }
        Ok(())
    }
}

/// A language tag as `<html lang>` takes it (BCP 47's shape: `en`, `pt-BR`,
/// `zh-Hant-TW`).
pub fn valid_language(tag: &str) -> bool {
    let mut parts = tag.split('-');
    let first = parts.next().unwrap_or("");
    (2..=3).contains(&first.len())
        && first.chars().all(|c| c.is_ascii_alphabetic())
        && parts.all(|p| (1..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_wrong_field_is_named() {
        let wrong = |change: fn(&mut Design)| {
            let mut design = Design::default();
            change(&mut design);
            design.validate().expect_err("refused").0
        };
        assert_eq!(
            wrong(|d| d.accent_color = Some("red".into())),
            "design.accent_color"
        );
        assert_eq!(
            wrong(|d| d.accent_color = Some("#12345g".into())),
            "design.accent_color"
        );
        assert_eq!(
            wrong(|d| d.timezone = "Mars/Olympus".into()),
            "design.timezone"
        );
        assert_eq!(
            wrong(|d| d.logo = Some("javascript:alert(1)".into())),
            "design.logo"
        );
        assert_eq!(
            wrong(|d| d.icon = Some("//evil.example/i.png".into())),
            "design.icon"
        );
        assert_eq!(
            wrong(|d| d.cover_image = Some("/a.png\" onerror=\"x".into())),
            "design.cover_image"
        );
        assert_eq!(
            wrong(|d| d.social.x = Some("@not a handle".into())),
            "design.social.x"
        );
        assert_eq!(
            wrong(|d| d.social.mastodon = Some("http://m.example/@a".into())),
            "design.social.mastodon"
        );
        assert_eq!(
            wrong(|d| d.meta_title = Some("x".repeat(301))),
            "design.meta_title"
        );
        let mut good = Design {
            logo: Some("/images/logo.png".into()),
            accent_color: Some("#24584A".into()),
            timezone: "Europe/Lisbon".into(),
            ..Design::default()
        };
        good.social.x = Some("@tidewater_j".into());
        good.social.bluesky = Some("https://bsky.app/profile/tidewater.example".into());
        assert_eq!(good.validate(), Ok(()));
        assert_eq!(Design::default().validate(), Ok(()));
    }

    #[test]
    fn language_tags() {
        for tag in ["en", "pt-BR", "zh-Hant-TW", "gsw"] {
            assert!(valid_language(tag), "{tag}");
        }
        for tag in ["", "e", "english", "en_US", "en-", "<x>"] {
            assert!(!valid_language(tag), "{tag}");
        }
    }
}
