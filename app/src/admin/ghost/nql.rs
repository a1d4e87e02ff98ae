//! The forms of Ghost's filter language (NQL) that clients send: `field:value`,
//! `field:-value` (not), `field:[a,b]` (any of), joined by `+` (and) and `,` (or,
//! binding looser), values bare or quoted. Fields: `status`, `tag` (`tags`,
//! `tags.slug`), `author` (`authors`, `authors.slug`), `slug`, `id`, `featured`,
//! `visibility`. Written here: NQL has no Rust implementation, and these forms are a
//! few lines; anything else is refused by name, nothing is guessed.

/// One post as a filter sees it.
pub(super) struct Row<'a> {
    pub id: &'a str,
    pub slug: &'a str,
    pub status: &'a str,
    pub featured: bool,
    pub tags: &'a [String],
    pub authors: &'a [String],
}

#[derive(Debug, PartialEq)]
struct Term {
    field: String,
    negated: bool,
    values: Vec<String>,
}

/// A filter: any of its groups, each all of its terms.
#[derive(Debug, PartialEq)]
pub(super) struct Filter(Vec<Vec<Term>>);

const FIELDS: [&str; 10] = [
    "status",
    "tag",
    "tags",
    "tags.slug",
    "author",
    "authors",
    "authors.slug",
    "slug",
    "id",
    "featured",
];

/// Splits `text` at `sep` outside brackets and quotes.
fn split(text: &str, sep: char) -> Vec<&str> {
    let (mut parts, mut depth, mut quote, mut start) = (Vec::new(), 0, None, 0);
    for (i, c) in text.char_indices() {
        match c {
            '\'' | '"' if quote == Some(c) => quote = None,
            '\'' | '"' if quote.is_none() => quote = Some(c),
            '[' if quote.is_none() => depth += 1,
            ']' if quote.is_none() => depth -= 1,
            c if c == sep && depth == 0 && quote.is_none() => {
                parts.push(&text[start..i]);
                start = i + c.len_utf8();
            }
            _ => {}
        }
    }
    parts.push(&text[start..]);
    parts
}

fn unquote(value: &str) -> String {
    value
        .trim()
        .trim_matches(|c| c == '\'' || c == '"')
        .to_owned()
}

impl Filter {
    pub(super) fn parse(text: &str) -> Result<Self, String> {
        let mut groups = Vec::new();
        for group in split(text, ',') {
            let mut terms = Vec::new();
            for term in split(group, '+')
                .into_iter()
                .map(str::trim)
                .filter(|t| !t.is_empty())
            {
                let (field, value) = term
                    .split_once(':')
                    .ok_or_else(|| format!("filter: cannot read {term:?} (field:value)"))?;
                let field = field.trim().to_ascii_lowercase();
                if !FIELDS.contains(&field.as_str()) && field != "visibility" {
                    return Err(format!("filter: the field {field:?} is not supported"));
                }
                let (negated, value) = match value.trim().strip_prefix('-') {
                    Some(rest) => (true, rest),
                    None => (false, value.trim()),
                };
                let values = match value.strip_prefix('[').and_then(|v| v.strip_suffix(']')) {
                    Some(list) => split(list, ',').into_iter().map(unquote).collect(),
                    None => vec![unquote(value)],
                };
                terms.push(Term {
                    field,
                    negated,
                    values,
                });
            }
            if !terms.is_empty() {
                groups.push(terms);
            }
        }
        Ok(Self(groups))
    }

    pub(super) fn matches(&self, row: &Row<'_>) -> bool {
        self.0.is_empty()
            || self
                .0
                .iter()
                .any(|terms| terms.iter().all(|t| t.matches(row)))
    }
}

impl Term {
    fn matches(&self, row: &Row<'_>) -> bool {
        let any = |have: &[String]| self.values.iter().any(|v| have.iter().any(|h| h == v));
        let one = |have: &str| self.values.iter().any(|v| v == have);
        let hit = match self.field.as_str() {
            "status" => one(row.status),
            "tag" | "tags" | "tags.slug" => any(row.tags),
            "author" | "authors" | "authors.slug" => any(row.authors),
            "slug" => one(row.slug),
            "id" => one(row.id),
            "featured" => one(if row.featured { "true" } else { "false" }),
            // Every post is public: folio has no members.
            _ => one("public"),
        };
        hit != self.negated
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_forms_clients_send_are_read() {
        let tags = vec!["news".to_owned(), "rust".to_owned()];
        let authors = vec!["ada".to_owned()];
        let row = Row {
            id: "0a",
            slug: "hello",
            status: "published",
            featured: true,
            tags: &tags,
            authors: &authors,
        };
        let yes = [
            "status:published",
            "tag:news+featured:true",
            "tags:[go,rust]",
            "slug:'hello'",
            "status:draft,slug:hello",
            "author:ada+tag:-sport",
            "id:0a",
            "visibility:public",
            "",
        ];
        for filter in yes {
            assert!(
                Filter::parse(filter).expect(filter).matches(&row),
                "{filter}"
            );
        }
        let no = [
            "status:draft",
            "tag:news+featured:false",
            "tags:[go,c]",
            "slug:-hello",
            "author:bo,tag:go",
        ];
        for filter in no {
            assert!(
                !Filter::parse(filter).expect(filter).matches(&row),
                "{filter}"
            );
        }
        assert!(Filter::parse("published_at:>'2020-01-01'").is_err());
        assert!(Filter::parse("nonsense").is_err());
    }
}
