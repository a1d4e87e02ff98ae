//! The files of a build made from every post at once: the feed, the sitemaps and
//! robots.txt. They are written at every build that renders anything.

use super::plan::Plan;
use super::PublishError;
use crate::output::SiteWriter;
use crate::render::views::{self, author_url, tag_url, PostSummary};
use crate::render::{feeds, seo, sitemap};

impl Plan<'_> {
    /// rss.xml, sitemap.xml and robots.txt. Returns how many files they are.
    pub(super) fn write_feeds_and_maps(&self, writer: &SiteWriter) -> Result<usize, PublishError> {
        let config = self.input.config;
        let snapshot = self.input.snapshot;
        let newest: Vec<usize> = self
            .lists
            .posts
            .iter()
            .take(config.feed_limit)
            .copied()
            .collect();
        let mut bodies = self.bodies_html(&newest)?;
        let items: Vec<(&PostSummary, String)> = newest
            .iter()
            .map(|i| (self.summary(*i), bodies.remove(i).unwrap_or_default()))
            .collect();
        writer.put("rss.xml", feeds::rss(config, &items).as_bytes(), "the feed")?;

        // From the documents, as summaries have them: a build after an edit makes few
        // summaries, and the sitemap lists every post.
        let doc = |i: usize| &snapshot.posts[i].post.doc;
        let newest_of = |list: &[usize]| {
            list.iter()
                .filter_map(|&i| doc(i).updated_at.or(doc(i).published_at))
                .max()
                .map(crate::store::timestamp)
        };
        let mut entries = vec![sitemap::Entry {
            loc: format!("{}/", config.base_url),
            lastmod: self
                .lists
                .posts
                .first()
                .and_then(|&i| views::updated(doc(i))),
        }];
        entries.extend(snapshot.posts.iter().map(|p| sitemap::Entry {
            loc: views::permalink(&config.base_url, &p.post.doc.slug),
            lastmod: views::updated(&p.post.doc),
        }));
        for (t, list) in self
            .lists
            .by_tag
            .iter()
            .enumerate()
            .filter(|(_, l)| !l.is_empty())
        {
            entries.push(sitemap::Entry {
                loc: seo::absolute(&config.base_url, &tag_url(&snapshot.tags[t].slug)),
                lastmod: newest_of(list),
            });
        }
        for (a, list) in self
            .lists
            .by_author
            .iter()
            .enumerate()
            .filter(|(_, l)| !l.is_empty())
        {
            entries.push(sitemap::Entry {
                loc: seo::absolute(&config.base_url, &author_url(&snapshot.authors[a].slug)),
                lastmod: newest_of(list),
            });
        }
        let maps = sitemap::sitemaps(&config.base_url, &entries);
        for (name, xml) in &maps {
            writer.put(name, xml.as_bytes(), "the sitemap")?;
        }
        let robots = if self.input.preview {
            "User-agent: *\nDisallow: /\n".to_owned()
        } else {
            format!(
                "User-agent: *\nAllow: /\n\nSitemap: {}/sitemap.xml\n",
                config.base_url
            )
        };
        writer.put("robots.txt", robots.as_bytes(), "robots.txt")?;
        Ok(maps.len() + 2)
    }
}
