//! The page of an author's account on a network, from the account as Ghost keeps it:
//! a handle (`name.bsky.social`, `@name`), Mastodon's `@name@instance`, or the page's
//! own address. One function for the author's page, the admin's check and the import.

/// The address of `account` on `network` (a field of [`crate::store::users::Social`]),
/// or None for an account folio cannot make a safe link of.
pub(crate) fn page(network: &str, account: &str) -> Option<String> {
    let account = account.trim();
    if account.starts_with("https://") {
        return super::views::account_name(account).map(str::to_owned);
    }
    let plain = |c: char| c.is_ascii_alphanumeric() || "._-".contains(c);
    let name = account.trim_start_matches('@');
    let is_plain = |text: &str| !text.is_empty() && text.len() <= 100 && text.chars().all(plain);
    match network {
        "bluesky" => is_plain(name).then(|| format!("https://bsky.app/profile/{name}")),
        "mastodon" => {
            // `@name@instance`, `name@instance` or `instance/@name`.
            let (user, instance) = match name.split_once("/@") {
                Some((instance, user)) => (user, instance),
                None => name.split_once('@')?,
            };
            (is_plain(user) && is_plain(instance) && instance.contains('.'))
                .then(|| format!("https://{instance}/@{user}"))
        }
        "threads" => is_plain(name).then(|| format!("https://www.threads.net/@{name}")),
        "instagram" => is_plain(name).then(|| format!("https://www.instagram.com/{name}")),
        "linkedin" => {
            // A person's name, or `company/name`.
            let path = name.trim_start_matches("in/");
            match path.split_once('/') {
                Some(("company", company)) if is_plain(company) => {
                    Some(format!("https://www.linkedin.com/company/{company}"))
                }
                None if is_plain(path) => Some(format!("https://www.linkedin.com/in/{path}")),
                _ => None,
            }
        }
        "youtube" => {
            // `@handle`, or `channel/ID`, `c/name`, `user/name`.
            match account.split_once('/') {
                Some((kind, id)) if ["channel", "c", "user"].contains(&kind) && is_plain(id) => {
                    Some(format!("https://www.youtube.com/{kind}/{id}"))
                }
                None if is_plain(name) => Some(format!("https://www.youtube.com/@{name}")),
                _ => None,
            }
        }
        "tiktok" => is_plain(name).then(|| format!("https://www.tiktok.com/@{name}")),
        _ => None,
    }
}

/// How a page names `network`.
pub(crate) fn label(network: &str) -> &'static str {
    match network {
        "bluesky" => "Bluesky",
        "mastodon" => "Mastodon",
        "threads" => "Threads",
        "instagram" => "Instagram",
        "linkedin" => "LinkedIn",
        "youtube" => "YouTube",
        "tiktok" => "TikTok",
        _ => "Elsewhere",
    }
}

#[cfg(test)]
mod tests {
    use super::page;

    #[test]
    fn each_network_s_accounts_as_ghost_keeps_them_become_their_pages() {
        let cases = [
            (
                "bluesky",
                "mara.bsky.social",
                Some("https://bsky.app/profile/mara.bsky.social"),
            ),
            (
                "bluesky",
                "@mara.bsky.social",
                Some("https://bsky.app/profile/mara.bsky.social"),
            ),
            (
                "mastodon",
                "@mara@mastodon.social",
                Some("https://mastodon.social/@mara"),
            ),
            (
                "mastodon",
                "mastodon.social/@mara",
                Some("https://mastodon.social/@mara"),
            ),
            ("mastodon", "@mara", None),
            ("threads", "@mara", Some("https://www.threads.net/@mara")),
            (
                "instagram",
                "mara.photos",
                Some("https://www.instagram.com/mara.photos"),
            ),
            (
                "linkedin",
                "mara-lindqvist",
                Some("https://www.linkedin.com/in/mara-lindqvist"),
            ),
            (
                "linkedin",
                "company/tidewater",
                Some("https://www.linkedin.com/company/tidewater"),
            ),
            (
                "youtube",
                "@tidewater",
                Some("https://www.youtube.com/@tidewater"),
            ),
            (
                "youtube",
                "channel/UC123_x",
                Some("https://www.youtube.com/channel/UC123_x"),
            ),
            ("tiktok", "mara", Some("https://www.tiktok.com/@mara")),
            (
                "tiktok",
                "https://www.tiktok.com/@mara",
                Some("https://www.tiktok.com/@mara"),
            ),
            // What would smuggle markup or another scheme into a link.
            ("instagram", "a\"><script>", None),
            ("bluesky", "javascript:alert(1)", None),
            ("youtube", "../../admin", None),
            ("tiktok", "https://x.example/\"onmouseover=\"", None),
            ("myspace", "tom", None),
        ];
        for (network, account, wanted) in cases {
            assert_eq!(
                page(network, account).as_deref(),
                wanted,
                "{network} {account:?}"
            );
        }
    }
}
