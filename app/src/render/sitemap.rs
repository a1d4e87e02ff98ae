//! `sitemap.xml`: every public URL with its last modification date. Past the
//! protocol's 50,000 URLs per file, `sitemap.xml` becomes an index of numbered parts.

use pulldown_cmark_escape::escape_html;

const URLS_PER_FILE: usize = 50_000;

/// One URL: absolute location and optional lastmod (RFC 3339).
pub(crate) struct Entry {
    pub loc: String,
    pub lastmod: Option<String>,
}

/// The sitemap files: (output path, XML).
pub(crate) fn sitemaps(base_url: &str, entries: &[Entry]) -> Vec<(String, String)> {
    if entries.len() <= URLS_PER_FILE {
        return vec![("sitemap.xml".to_owned(), urlset(entries))];
    }
    let mut files = Vec::new();
    let mut index = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n");
    for (i, chunk) in entries.chunks(URLS_PER_FILE).enumerate() {
        let name = format!("sitemap-{}.xml", i + 1);
        index.push_str("<sitemap><loc>");
        escape_html(&mut index, &format!("{base_url}/{name}"))
            .expect("writing to a String cannot fail");
        index.push_str("</loc></sitemap>\n");
        files.push((name, urlset(chunk)));
    }
    index.push_str("</sitemapindex>\n");
    files.push(("sitemap.xml".to_owned(), index));
    files
}

fn urlset(entries: &[Entry]) -> String {
    let mut xml = String::with_capacity(entries.len() * 120 + 200);
    xml.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n");
    for entry in entries {
        xml.push_str("<url><loc>");
        escape_html(&mut xml, &entry.loc).expect("writing to a String cannot fail");
        xml.push_str("</loc>");
        if let Some(lastmod) = &entry.lastmod {
            xml.push_str("<lastmod>");
            escape_html(&mut xml, lastmod).expect("writing to a String cannot fail");
            xml.push_str("</lastmod>");
        }
        xml.push_str("</url>\n");
    }
    xml.push_str("</urlset>\n");
    xml
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn large_sites_get_an_index() {
        let entries: Vec<Entry> = (0..50_001)
            .map(|i| Entry {
                loc: format!("https://x.example/{i}/"),
                lastmod: None,
            })
            .collect();
        let files = sitemaps("https://x.example", &entries);
        let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["sitemap-1.xml", "sitemap-2.xml", "sitemap.xml"]);
        assert!(files[2]
            .1
            .contains("<loc>https://x.example/sitemap-2.xml</loc>"));
        assert_eq!(files[1].1.matches("<url>").count(), 1);
    }
}
