//! Links and images of a post's Markdown that point at a file of the site which is not
//! there: a CI job's publish warns of each, naming the post and the link, and goes on
//! (a link is the writer's to fix; the site is still worth publishing).

use std::path::{Component, Path};

use pulldown_cmark::{Event, Parser, Tag};
use rayon::prelude::*;

/// The warnings for the files `files` (paths in `content`, the ones an import added or
/// changed): each site-absolute link (`/path`) or image whose target the published
/// folder `out` does not hold.
pub fn broken(content: &Path, out: &Path, files: &[String]) -> Vec<String> {
    let mut warnings: Vec<String> = files
        .par_iter()
        .flat_map_iter(|file| {
            let text = std::fs::read_to_string(content.join(file)).unwrap_or_default();
            let body = crate::content::frontmatter::body_of(&text).to_owned();
            site_links(&body)
                .into_iter()
                .filter(|(_, target)| !exists(out, target))
                .map(move |(image, target)| {
                    let what = if image { "the image" } else { "the link" };
                    format!("{file}: {what} {target} goes to no file of the site")
                })
                .collect::<Vec<_>>()
        })
        .collect();
    warnings.sort();
    warnings
}

/// The site-absolute targets of the links and images of `markdown`, each with whether
/// it is an image. Other links (other sites, `mailto:`, `#part`) are not the site's.
fn site_links(markdown: &str) -> Vec<(bool, String)> {
    Parser::new_ext(markdown, crate::render::markdown::options())
        .filter_map(|event| match event {
            Event::Start(Tag::Link { dest_url, .. }) => Some((false, dest_url)),
            Event::Start(Tag::Image { dest_url, .. }) => Some((true, dest_url)),
            _ => None,
        })
        .filter(|(_, url)| url.starts_with('/') && !url.starts_with("//"))
        .map(|(image, url)| (image, url.into_string()))
        .collect()
}

/// Whether the site path `target` (query and fragment aside) is a file of `out`, or a
/// folder with its `index.html`. A path that would climb out of `out` is not.
fn exists(out: &Path, target: &str) -> bool {
    let path = target.split(['?', '#']).next().unwrap_or_default();
    let decoded = percent_encoding::percent_decode_str(path).decode_utf8_lossy();
    let relative = Path::new(decoded.trim_start_matches('/'));
    if relative
        .components()
        .any(|c| !matches!(c, Component::Normal(_)))
    {
        return false;
    }
    let at = out.join(relative);
    at.is_file() || at.join("index.html").is_file()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_site_paths_are_checked_and_none_climbs_out() {
        let out = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(out.path().join("a b")).expect("mkdir");
        std::fs::write(out.path().join("a b/index.html"), "x").expect("write");
        std::fs::write(out.path().join("feed.xml"), "x").expect("write");
        let markdown = "[1](/a%20b/#top) [2](/feed.xml?x=1) [3](/gone/) [4](https://x.org/) \
                        [5](//cdn.example/x) [6](#here) ![7](/img.png) [8](/a%20b/../../x)";
        let links = site_links(markdown);
        let missing: Vec<&str> = links
            .iter()
            .filter(|(_, t)| !exists(out.path(), t))
            .map(|(_, t)| t.as_str())
            .collect();
        assert_eq!(missing, ["/gone/", "/img.png", "/a%20b/../../x"]);
        assert!(links.iter().any(|(image, t)| *image && t == "/img.png"));
    }
}
