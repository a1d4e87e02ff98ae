//! The files of a build made from every post at once: the feeds, the sitemaps and
//! robots.txt. They are written at every build that renders anything.

use rayon::prelude::*;

use super::plan::RenderPlan;
use super::PublishError;
use crate::content::redirects::{self, Redirect};
use crate::output::SiteWriter;
use crate::render::views::{self, author_url, output_path, tag_url, PostSummary};
use crate::render::{feeds, seo, sitemap};

/// Feeds made at a time: their bodies are in memory together.
const FEED_BATCH: usize = 32;

/// One feed to write: where, what it follows, and its posts (snapshot indexes).
struct Feed {
    file: String,
    url: String,
    /// The page it is the feed of.
    page: String,
    title: String,
    description: String,
    items: Vec<usize>,
}

impl RenderPlan<'_> {
    /// The feeds, sitemap.xml and robots.txt. Returns how many files they are.
    pub(super) fn write_feeds_and_maps(&self, writer: &SiteWriter) -> Result<usize, PublishError> {
        let config = self.input.config;
        let snapshot = self.input.snapshot;
        let feeds = self.write_feeds(writer)?;
        self.write_redirects(writer)?;
        self.write_policies(writer)?;
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
        Ok(maps.len() + 2 + feeds)
    }

    /// Every redirect of the site, for `folio serve` to answer with real redirects
    /// and the bucket sync to turn into redirect objects: `redirects.yaml`'s first,
    /// then the posts' aliases and the old slugs of tags and authors.
    fn write_redirects(&self, writer: &SiteWriter) -> Result<(), PublishError> {
        let snapshot = self.input.snapshot;
        let moved = |from: String, to: String| Redirect {
            from,
            to,
            status: 301,
        };
        let mut all = self.input.redirects.to_vec();
        // `folio serve` answers redirects before files, matching without case: an
        // alias (which an author writes) must not take an address of the site's own.
        let own = self.own_addresses();
        for post in &snapshot.posts {
            let doc = &post.post.doc;
            let to = views::post_url(&doc.slug);
            for alias in &doc.aliases {
                if redirects::takes_address(alias, &own) {
                    tracing::warn!(
                        "the alias {alias} of /{}/ is an address of the site: not redirected",
                        doc.slug
                    );
                } else {
                    all.push(moved(alias.clone(), to.clone()));
                }
            }
        }
        for tag in &snapshot.tags {
            let to = tag_url(&tag.slug);
            all.extend(tag.aliases.iter().map(|a| moved(tag_url(a), to.clone())));
        }
        for author in &snapshot.authors {
            let to = author_url(&author.slug);
            all.extend(
                author
                    .aliases
                    .iter()
                    .map(|a| moved(author_url(a), to.clone())),
            );
        }
        // A page of the site at the subscribe address is the site's own.
        let subscribe = redirects::normal(redirects::SUBSCRIBE);
        all.retain(|r| {
            !(r.from == redirects::SUBSCRIBE && r.status == 302 && own.contains(&subscribe))
        });
        let json = serde_json::to_vec(&all).expect("redirects serialize");
        writer.put(redirects::SERVED, &json, "the redirects")?;
        Ok(())
    }

    /// The Content-Security-Policy of each page, letting the scripts the owner and
    /// editors injected run (see [`crate::render::csp`]), for `folio serve` and the
    /// bucket sync.
    fn write_policies(&self, writer: &SiteWriter) -> Result<(), PublishError> {
        use crate::render::csp::{Policies, SERVED};
        let pages = self.input.snapshot.posts.iter().map(|p| {
            let doc = &p.post.doc;
            let injected = [
                doc.codeinjection_head.as_deref(),
                doc.codeinjection_foot.as_deref(),
            ];
            (views::output_path(&views::post_url(&doc.slug)), injected)
        });
        let policies = Policies::new(self.input.config, pages);
        let json = serde_json::to_vec(&policies).expect("policies serialize");
        writer.put(SERVED, &json, "the pages' Content-Security-Policy")?;
        Ok(())
    }

    /// The site's feed (at `rss.xml` and at Ghost's `/rss/`) and one per tag and
    /// author with posts (`/tag/{slug}/rss/`, `/author/{slug}/rss/`, as Ghost has
    /// them). Returns how many files they are.
    fn write_feeds(&self, writer: &SiteWriter) -> Result<usize, PublishError> {
        let config = self.input.config;
        let snapshot = self.input.snapshot;
        let limit = config.feed_limit;
        let newest = |list: &[usize]| list.iter().take(limit).copied().collect::<Vec<_>>();
        let mut feeds: Vec<Feed> = Vec::new();
        let site_items = newest(&self.lists.posts);
        for (file, url) in [("rss.xml", "/rss.xml"), ("rss/index.html", "/rss/")] {
            feeds.push(Feed {
                file: file.to_owned(),
                url: url.to_owned(),
                page: "/".to_owned(),
                title: self.site.title.to_owned(),
                description: self.site.description.to_owned(),
                items: site_items.clone(),
            });
        }
        let lists = self
            .lists
            .by_tag
            .iter()
            .enumerate()
            .filter(|(_, l)| !l.is_empty());
        for (t, list) in lists {
            let tag = &snapshot.tags[t];
            let page = tag_url(&tag.slug);
            feeds.push(Feed {
                file: output_path(&format!("{page}rss/")),
                url: format!("{page}rss/"),
                title: format!("{} - {}", tag.name, self.site.title),
                description: tag.description.clone().unwrap_or_default(),
                items: newest(list),
                page,
            });
        }
        let lists = self
            .lists
            .by_author
            .iter()
            .enumerate()
            .filter(|(_, l)| !l.is_empty());
        for (a, list) in lists {
            let author = &snapshot.authors[a];
            let page = author_url(&author.slug);
            feeds.push(Feed {
                file: output_path(&format!("{page}rss/")),
                url: format!("{page}rss/"),
                title: format!("{} - {}", author.name, self.site.title),
                description: author.bio.clone().unwrap_or_default(),
                items: newest(list),
                page,
            });
        }
        let count = feeds.len();
        // A feed whose posts, texts and titles are the last build's stays as it was: a
        // site has a feed per tag and author, and an edit changes a few.
        let mut changed = Vec::new();
        for feed in feeds {
            let key = self.feed_key(&feed);
            let unchanged = self.input.previous.and_then(|p| p.get(&feed.file)) == Some(&key);
            if unchanged && writer.keep(&feed.file, "a feed")? {
                self.record(feed.file, key);
            } else {
                changed.push((feed, key));
            }
        }
        // In batches, side by side: every body of a batch read once however many of
        // its feeds list it, and never all of them in memory at once.
        for batch in changed.chunks(FEED_BATCH) {
            let mut wanted: Vec<usize> = batch
                .iter()
                .flat_map(|(f, _)| f.items.iter().copied())
                .collect();
            wanted.sort_unstable();
            wanted.dedup();
            let bodies = self.bodies_html(&wanted)?;
            batch
                .par_iter()
                .try_for_each(|(feed, key)| self.write_feed(writer, feed, key, &bodies))?;
        }
        Ok(count)
    }

    fn write_feed(
        &self,
        writer: &SiteWriter,
        feed: &Feed,
        key: &str,
        bodies: &std::collections::HashMap<usize, String>,
    ) -> Result<(), PublishError> {
        let config = self.input.config;
        let posts = &self.input.snapshot.posts;
        let items: Vec<(&PostSummary, String, Option<&str>)> = feed
            .items
            .iter()
            .map(|&i| {
                let guid = posts[i].post.doc.feed_id.as_deref();
                let body = bodies.get(&i).cloned().unwrap_or_default();
                (self.summary(i), body, guid)
            })
            .collect();
        let channel = feeds::Channel {
            title: &feed.title,
            description: &feed.description,
            link: seo::absolute(&config.base_url, &feed.page),
            feed: seo::absolute(&config.base_url, &feed.url),
        };
        let xml = feeds::rss(config, &channel, &items);
        writer.put(
            &feed.file,
            xml.as_bytes(),
            &format!("the feed {}", feed.url),
        )?;
        self.record(feed.file.clone(), key.to_owned());
        Ok(())
    }

    /// The addresses of the site's own pages and files, as redirects compare them.
    fn own_addresses(&self) -> std::collections::HashSet<String> {
        let snapshot = self.input.snapshot;
        let mut own: std::collections::HashSet<String> =
            ["/", "/rss/", "/rss.xml", "/robots.txt", "/404.html"]
                .iter()
                .map(|a| redirects::normal(a))
                .collect();
        own.extend(
            snapshot
                .posts
                .iter()
                .map(|p| redirects::normal(&views::post_url(&p.post.doc.slug))),
        );
        own.extend(
            self.input
                .media
                .iter()
                .map(|m| redirects::normal(&format!("/{}", m.rel))),
        );
        own
    }

    /// Everything a feed is made of: the build's frame, its channel, and each item's
    /// summary, body and guid.
    fn feed_key(&self, feed: &Feed) -> String {
        let posts = &self.input.snapshot.posts;
        let mut key = blake3::Hasher::new();
        key.update(self.input.frame.as_str().as_bytes());
        for part in [&feed.url, &feed.page, &feed.title, &feed.description] {
            key.update(part.as_bytes());
            key.update(&[0]);
        }
        for &i in &feed.items {
            key.update(&self.summary_hashes[i]);
            key.update(posts[i].digest.hash.as_bytes());
            let guid = posts[i].post.doc.feed_id.as_deref().unwrap_or_default();
            key.update(guid.as_bytes());
            key.update(&[0]);
        }
        key.finalize().to_hex().to_string()
    }
}
