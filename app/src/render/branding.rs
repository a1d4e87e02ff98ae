//! The site's identity as the theme prints it, from the Design settings: the accent
//! colour where it reads (links and buttons must keep 4.5:1 on the page, in light and
//! in dark), and the social accounts as links.

use serde::Serialize;

use crate::config::Design;

/// The theme's page backgrounds, light and dark (`--bg` in `style.css`).
const LIGHT_BG: (u8, u8, u8) = (0xfb, 0xfa, 0xf7);
const DARK_BG: (u8, u8, u8) = (0x15, 0x18, 0x1b);
/// WCAG AA for text.
const READABLE: f64 = 4.5;

#[derive(Debug, Clone, Default, Serialize)]
pub(crate) struct Branding {
    /// The accent colour on the light page, when it reads there (else the theme's).
    pub accent_light: Option<String>,
    /// The same colour on the dark page, when it reads there too.
    pub accent_dark: Option<String>,
    /// The site's accounts elsewhere, in a fixed order.
    pub social: Vec<SocialLink>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct SocialLink {
    pub name: &'static str,
    pub url: String,
}

impl Branding {
    pub(crate) fn new(design: &Design) -> Self {
        let accent = design.accent_color.as_deref().and_then(rgb);
        let reads_on = |bg| accent.filter(|&c| contrast(c, bg) >= READABLE).map(hex);
        Self {
            accent_light: reads_on(LIGHT_BG),
            accent_dark: reads_on(DARK_BG),
            social: social(design),
        }
    }
}

fn social(design: &Design) -> Vec<SocialLink> {
    let s = &design.social;
    let x = s.x.as_deref().filter(|x| !x.is_empty()).map(|x| {
        let handle = x.trim_start_matches('@');
        format!("https://x.com/{handle}")
    });
    let pages = [
        ("X", x.as_deref()),
        ("Facebook", s.facebook.as_deref()),
        ("Bluesky", s.bluesky.as_deref()),
        ("Mastodon", s.mastodon.as_deref()),
        ("Threads", s.threads.as_deref()),
        ("LinkedIn", s.linkedin.as_deref()),
        ("Instagram", s.instagram.as_deref()),
        ("YouTube", s.youtube.as_deref()),
    ];
    pages
        .into_iter()
        .filter_map(|(name, url)| {
            let url = url.filter(|u| !u.is_empty())?;
            Some(SocialLink {
                name,
                url: url.to_owned(),
            })
        })
        .collect()
}

fn rgb(colour: &str) -> Option<(u8, u8, u8)> {
    let hex = colour.strip_prefix('#')?;
    if hex.len() != 6 {
        return None;
    }
    let part = |i: usize| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok();
    Some((part(0)?, part(2)?, part(4)?))
}

fn hex((r, g, b): (u8, u8, u8)) -> String {
    format!("#{r:02x}{g:02x}{b:02x}")
}

/// WCAG 2's contrast ratio.
fn contrast(a: (u8, u8, u8), b: (u8, u8, u8)) -> f64 {
    let luminance = |(r, g, b): (u8, u8, u8)| {
        let channel = |v: u8| {
            let s = f64::from(v) / 255.0;
            if s <= 0.039_28 {
                s / 12.92
            } else {
                ((s + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)
    };
    let (x, y) = (luminance(a), luminance(b));
    (x.max(y) + 0.05) / (x.min(y) + 0.05)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_accent(colour: &str) -> Branding {
        Branding::new(&Design {
            accent_color: Some(colour.to_owned()),
            ..Design::default()
        })
    }

    #[test]
    fn an_accent_is_used_only_where_it_reads() {
        let green = with_accent("#1A7F37");
        assert_eq!(green.accent_light.as_deref(), Some("#1a7f37"));
        assert_eq!(green.accent_dark, None, "too dark on the dark page");
        let yellow = with_accent("#FFD700");
        assert_eq!(yellow.accent_light, None, "too light on the light page");
        assert_eq!(yellow.accent_dark.as_deref(), Some("#ffd700"));
        assert!(with_accent("").accent_light.is_none());
        assert!((contrast((0, 0, 0), (255, 255, 255)) - 21.0).abs() < 1e-9);
    }

    #[test]
    fn social_accounts_become_links() {
        let mut design = Design::default();
        design.social.x = Some("@tidewater".into());
        design.social.mastodon = Some("https://mastodon.social/@tide".into());
        let links: Vec<(&str, String)> = Branding::new(&design)
            .social
            .into_iter()
            .map(|l| (l.name, l.url))
            .collect();
        assert_eq!(
            links,
            [
                ("X", "https://x.com/tidewater".to_owned()),
                ("Mastodon", "https://mastodon.social/@tide".to_owned())
            ]
        );
    }
}
