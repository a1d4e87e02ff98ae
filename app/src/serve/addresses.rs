//! The addresses the site is served on and named by, checked at start: the admin
//! sharing the site's origin, a `base_url` that names this machine elsewhere.

use std::net::SocketAddr;

use super::AppState;

/// `host[:port]` of an absolute URL.
pub(super) fn authority(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    rest.split(['/', '?', '#'])
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase()
}

/// Warns when the admin shares the site's origin on an address others can reach:
/// then any script on a page (an author's post, code injection) runs beside the
/// owner's session.
pub(super) fn warn_shared_origin(state: &AppState, addr: SocketAddr, separate_listener: bool) {
    let config = &state.site.config_at_start;
    let separate = separate_listener
        || config
            .admin_url
            .as_deref()
            .is_some_and(|admin| authority(admin) != authority(&config.base_url));
    if state.admin.is_some() && !separate && !addr.ip().is_loopback() {
        tracing::warn!(
            "the admin shares the site's origin on {addr}: set admin_url in folio.toml to \
             its own host (e.g. https://admin.blog.example) or use --admin-listen, so no \
             page of the site can act as a logged-in user"
        );
    }
}

/// A `base_url` naming this machine (the sample's `http://127.0.0.1:8080`) that is not
/// where the site is served: every canonical link, og:url and feed entry would point
/// elsewhere. A public `base_url` is left alone: a proxy or a CDN serves it.
pub(super) fn base_url_mismatch(base_url: &str, addr: SocketAddr) -> Option<String> {
    let authority = authority(base_url);
    let (host, port) = match authority.rsplit_once(':') {
        Some((host, port)) if !port.contains(']') => (host, port.parse::<u16>().ok()?),
        _ => (
            authority.as_str(),
            if base_url.starts_with("https://") {
                443
            } else {
                80
            },
        ),
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let local = host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    if !local || (addr.ip().is_loopback() && addr.port() == port) {
        return None;
    }
    let why = if addr.ip().is_loopback() {
        "another port"
    } else {
        "an address other machines reach, while base_url names this machine only"
    };
    Some(format!(
        "base_url is {base_url} but the site is served on http://{addr} ({why}): canonical \
         links, og:url, feeds and the sitemap point at base_url; set base_url in folio.toml \
         (or FOLIO_BASE_URL) to the address readers use"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_local_base_url_must_be_where_the_site_is_served() {
        let at = |a: &str| a.parse::<SocketAddr>().expect("an address");
        assert_eq!(
            base_url_mismatch("http://127.0.0.1:8080", at("127.0.0.1:8080")),
            None
        );
        assert_eq!(
            base_url_mismatch("http://localhost:8080", at("127.0.0.1:8080")),
            None
        );
        assert_eq!(
            base_url_mismatch("http://[::1]:8080", at("[::1]:8080")),
            None
        );
        assert_eq!(
            base_url_mismatch("http://localhost", at("127.0.0.1:80")),
            None
        );
        let port =
            base_url_mismatch("http://127.0.0.1:8080", at("127.0.0.1:4000")).expect("a warning");
        assert!(
            port.contains("http://127.0.0.1:4000 (another port)"),
            "{port}"
        );
        let everywhere =
            base_url_mismatch("http://127.0.0.1:8080", at("0.0.0.0:8080")).expect("a warning");
        assert!(
            everywhere.contains("names this machine only"),
            "{everywhere}"
        );
        // Public addresses are a proxy's business.
        assert_eq!(
            base_url_mismatch("https://blog.example", at("0.0.0.0:8080")),
            None
        );
        assert_eq!(
            base_url_mismatch("https://blog.example:8443/", at("127.0.0.1:8080")),
            None
        );
    }
}
