//! The feeds: the newest posts of the site, of a tag or of an author, full content
//! included, as RSS 2.0.

use chrono::DateTime;
use pulldown_cmark_escape::escape_html;

use super::views::PostSummary;
use crate::config::SiteConfig;

fn esc(out: &mut String, text: &str) {
    escape_html(out, text).expect("writing to a String cannot fail");
}

fn rfc2822(rfc3339: &str) -> String {
    DateTime::parse_from_rfc3339(rfc3339).map_or_else(|_| rfc3339.to_owned(), |d| d.to_rfc2822())
}

/// What a feed is of.
pub(crate) struct Channel<'a> {
    pub title: &'a str,
    pub description: &'a str,
    /// The page it follows, absolute.
    pub link: String,
    /// Its own address, absolute.
    pub feed: String,
}

/// The feed for `items`: (summary, body HTML, guid), newest first. Without a guid of
/// its own (an imported post keeps its old feed's), an item's guid is its permalink.
pub(crate) fn rss(
    config: &SiteConfig,
    channel: &Channel<'_>,
    items: &[(&PostSummary, String, Option<&str>)],
) -> String {
    let mut xml =
        String::with_capacity(4096 + items.iter().map(|(_, h, _)| h.len() * 2).sum::<usize>());
    xml.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    xml.push_str("<rss version=\"2.0\" xmlns:atom=\"http://www.w3.org/2005/Atom\" xmlns:content=\"http://purl.org/rss/1.0/modules/content/\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\">\n<channel>\n");
    xml.push_str("<title>");
    esc(&mut xml, channel.title);
    xml.push_str("</title>\n<link>");
    esc(&mut xml, &channel.link);
    xml.push_str("</link>\n<description>");
    esc(&mut xml, channel.description);
    xml.push_str("</description>\n<language>");
    esc(&mut xml, &config.language);
    xml.push_str("</language>\n<generator>folio</generator>\n<atom:link href=\"");
    esc(&mut xml, &channel.feed);
    xml.push_str("\" rel=\"self\" type=\"application/rss+xml\"/>\n");
    // The newest post's date, not the build time, so an unchanged site gives an unchanged feed.
    if let Some(date) = items.first().and_then(|(p, _, _)| p.date.as_deref()) {
        xml.push_str(&format!(
            "<lastBuildDate>{}</lastBuildDate>\n",
            rfc2822(date)
        ));
    }
    for (post, html, guid) in items {
        xml.push_str("<item>\n<title>");
        esc(&mut xml, &post.title);
        xml.push_str("</title>\n<link>");
        esc(&mut xml, &post.permalink);
        xml.push_str("</link>\n");
        match guid {
            Some(guid) => {
                xml.push_str("<guid isPermaLink=\"false\">");
                esc(&mut xml, guid);
            }
            None => {
                xml.push_str("<guid isPermaLink=\"true\">");
                esc(&mut xml, &post.permalink);
            }
        }
        xml.push_str("</guid>\n");
        if let Some(date) = &post.date {
            xml.push_str(&format!("<pubDate>{}</pubDate>\n", rfc2822(date)));
        }
        for author in &post.authors {
            xml.push_str("<dc:creator>");
            esc(&mut xml, &author.name);
            xml.push_str("</dc:creator>\n");
        }
        for tag in &post.tags {
            xml.push_str("<category>");
            esc(&mut xml, &tag.name);
            xml.push_str("</category>\n");
        }
        xml.push_str("<description>");
        esc(&mut xml, &post.excerpt);
        xml.push_str("</description>\n<content:encoded>");
        esc(&mut xml, html);
        xml.push_str("</content:encoded>\n</item>\n");
    }
    xml.push_str("</channel>\n</rss>\n");
    xml
}
