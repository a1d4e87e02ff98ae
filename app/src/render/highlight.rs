//! Build-time syntax highlighting of fenced code into CSS classes (`hl-*`), styled
//! by the theme, so pages need no JavaScript.

use std::sync::LazyLock;

use pulldown_cmark_escape::escape_html;
use syntect::html::{ClassStyle, ClassedHTMLGenerator};
use syntect::parsing::SyntaxSet;
use syntect::util::LinesWithEndings;

static SYNTAXES: LazyLock<SyntaxSet> = LazyLock::new(SyntaxSet::load_defaults_newlines);

const CLASS_STYLE: ClassStyle = ClassStyle::SpacedPrefixed { prefix: "hl-" };

/// The `<pre>` block for `code` in `lang`; plain escaped text for a language the
/// highlighter does not know, or no language at all.
pub fn code_block(lang: &str, code: &str) -> String {
    let lang = lang
        .split([' ', ',', '{'])
        .next()
        .unwrap_or_default()
        .trim();
    let mut html = String::with_capacity(code.len() * 3 + 64);
    if lang.is_empty() {
        html.push_str("<pre><code>");
    } else {
        html.push_str("<pre class=\"hl\"><code class=\"language-");
        escape_html(&mut html, lang).expect("writing to a String cannot fail");
        html.push_str("\">");
    }
    match SYNTAXES
        .find_syntax_by_token(lang)
        .filter(|_| !lang.is_empty())
    {
        Some(syntax) => {
            let mut generator =
                ClassedHTMLGenerator::new_with_class_style(syntax, &SYNTAXES, CLASS_STYLE);
            let mut ok = true;
            for line in LinesWithEndings::from(code) {
                if generator
                    .parse_html_for_line_which_includes_newline(line)
                    .is_err()
                {
                    ok = false;
                    break;
                }
            }
            if ok {
                html.push_str(&generator.finalize());
            } else {
                escape_html(&mut html, code).expect("writing to a String cannot fail");
            }
        }
        None => escape_html(&mut html, code).expect("writing to a String cannot fail"),
    }
    html.push_str("</code></pre>\n");
    html
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_languages_get_classes_and_unknown_ones_are_escaped() {
        let rust = code_block("rust", "fn main() { let x = \"<s>\"; }\n");
        assert!(
            rust.contains("hl-keyword") || rust.contains("hl-storage"),
            "{rust}"
        );
        assert!(rust.contains("&lt;s&gt;"), "{rust}");
        let plain = code_block("no-such-language", "<b>\n");
        assert_eq!(plain, "<pre class=\"hl\"><code class=\"language-no-such-language\">&lt;b&gt;\n</code></pre>\n");
    }
}
