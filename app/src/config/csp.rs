//! The Content-Security-Policy of the site's pages, unless `folio.toml` gives one.

macro_rules! players {
    () => {
        "https://www.youtube.com https://www.youtube-nocookie.com https://player.vimeo.com \
         https://open.spotify.com https://w.soundcloud.com https://codepen.io https://embed.music.apple.com"
    };
}

/// The site's own assets, images from anywhere over https, the players an author's
/// post may frame, no plugins, forms only to the site. JSON-LD is data, not script.
pub const DEFAULT_CSP: &str = concat!(
    "default-src 'self'; img-src 'self' https: data:; \
    media-src 'self' https:; style-src 'self' 'unsafe-inline'; script-src 'self'; frame-src ",
    players!(),
    "; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'self'"
);

/// The players an author's post may frame (Ghost's embed cards), for a CSP.
pub const PLAYERS: &str = players!();
