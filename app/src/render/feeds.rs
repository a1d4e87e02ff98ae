//! `rss.xml`: the newest posts, full content included, as RSS 2.0.

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

/// The feed for `items`: (summary, body HTML), newest first.
pub fn rss(config: &SiteConfig, items: &[(&PostSummary, String)]) -> String {
    let mut xml =
        String::with_capacity(4096 + items.iter().map(|(_, h)| h.len() * 2).sum::<usize>());
    xml.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    xml.push_str("<rss version=\"2.0\" xmlns:atom=\"http://www.w3.org/2005/Atom\" xmlns:content=\"http://purl.org/rss/1.0/modules/content/\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\">\n<channel>\n");
    xml.push_str("<title>");
    esc(&mut xml, &config.title);
    xml.push_str("</title>\n<link>");
    esc(&mut xml, &format!("{}/", config.base_url));
    xml.push_str("</link>\n<description>");
    esc(&mut xml, &config.description);
    xml.push_str("</description>\n<language>");
    esc(&mut xml, &config.language);
    xml.push_str("</language>\n<generator>folio</generator>\n<atom:link href=\"");
    esc(&mut xml, &format!("{}/rss.xml", config.base_url));
    xml.push_str("\" rel=\"self\" type=\"application/rss+xml\"/>\n");
    // The newest post's date, not the build time, so an unchanged site gives an unchanged feed.
    if let Some(date) = items.first().and_then(|(p, _)| p.date.as_deref()) {
        xml.push_str(&format!(
            "<lastBuildDate>{}</lastBuildDate>\n",
            rfc2822(date)
        ));
    }
    for (post, html) in items {
        xml.push_str("<item>\n<title>");
        esc(&mut xml, &post.title);
        xml.push_str("</title>\n<link>");
        esc(&mut xml, &post.permalink);
        xml.push_str("</link>\n<guid isPermaLink=\"true\">");
        esc(&mut xml, &post.permalink);
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
