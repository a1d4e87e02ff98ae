//! Build-time syntax highlighting of fenced code into CSS classes (`hl-*`), styled
//! by the theme, so pages need no JavaScript.
//!
//! The languages most blogs show (Rust, Python, JavaScript, shell, YAML) go through
//! tree-sitter: on the benchmark corpus it highlights about 3.5 times faster than
//! syntect, whose regular-expression grammars were most of a cold build's CPU, and
//! marks up only the tokens a stylesheet colours (about 40% of syntect's markup).
//! Every other language syntect knows still goes through syntect. Both speak
//! syntect's class names (`hl-keyword`, `hl-entity hl-name hl-function`...), so one
//! stylesheet styles both.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::LazyLock;

use pulldown_cmark_escape::escape_html;
use rayon::prelude::*;
use syntect::html::{ClassStyle, ClassedHTMLGenerator};
use syntect::parsing::SyntaxSet;
use syntect::util::LinesWithEndings;
use tree_sitter_highlight::{Highlight, HighlightConfiguration, Highlighter, HtmlRenderer};

static SYNTAXES: LazyLock<SyntaxSet> = LazyLock::new(SyntaxSet::load_defaults_newlines);

const CLASS_STYLE: ClassStyle = ClassStyle::SpacedPrefixed { prefix: "hl-" };

/// The language token of a fence's info string (` ```rust,ignore ` -> `rust`).
fn token(lang: &str) -> &str {
    lang.split([' ', ',', '{'])
        .next()
        .unwrap_or_default()
        .trim()
}

/// How a highlighted block starts, up to its language. A block reached with the
/// keyboard can be scrolled with it (a long line on a phone).
const BLOCK_START: &str = "<pre class=\"hl\" tabindex=\"0\"><code class=\"language-";
const BLOCK_END: &str = "</code></pre>\n";

/// The `<pre>` block for `code` in `lang`; plain escaped text for a language the
/// highlighter does not know, or no language at all.
pub(crate) fn code_block(lang: &str, code: &str) -> String {
    let lang = token(lang);
    let mut html = String::with_capacity(code.len() * 2 + 64);
    if lang.is_empty() {
        html.push_str("<pre tabindex=\"0\"><code>");
        escape_html(&mut html, code).expect("writing to a String cannot fail");
    } else {
        html.push_str(BLOCK_START);
        escape_html(&mut html, lang).expect("writing to a String cannot fail");
        html.push_str("\">");
        let highlighted = Grammar::for_token(lang)
            .and_then(|grammar| grammar.highlight(code))
            .or_else(|| with_syntect(lang, code));
        match highlighted {
            Some(code) => html.push_str(&code),
            None => escape_html(&mut html, code).expect("writing to a String cannot fail"),
        }
    }
    html.push_str(BLOCK_END);
    html
}

/// The highlighted blocks of a body's last HTML, to be used again for the same code in
/// the same language: an edit of a post's prose then makes no highlighter (each takes
/// 10-30 ms to make in a new process).
#[derive(Default)]
pub struct Blocks {
    /// (escaped language token, code) -> the whole block.
    by_code: HashMap<(String, String), String>,
}

impl Blocks {
    /// The highlighted blocks of `html` (what [`code_block`] made).
    pub fn of(html: &str) -> Self {
        let mut by_code = HashMap::new();
        let mut rest = html;
        while let Some(at) = rest.find(BLOCK_START) {
            let block = &rest[at..];
            let Some(end) = block.find(BLOCK_END).map(|e| e + BLOCK_END.len()) else {
                break;
            };
            let (block, after) = block.split_at(end);
            rest = after;
            let inner = &block[BLOCK_START.len()..block.len() - BLOCK_END.len()];
            if let Some((lang, markup)) = inner.split_once("\">") {
                by_code.insert((lang.to_owned(), text_of(markup)), block.to_owned());
            }
        }
        Self { by_code }
    }

    /// The block [`code_block`] makes for `code` in `lang`, if it is one of these.
    pub fn get(&self, lang: &str, code: &str) -> Option<&str> {
        if self.by_code.is_empty() {
            return None; // A first render: no key to build.
        }
        let mut escaped = String::new();
        escape_html(&mut escaped, token(lang)).expect("writing to a String cannot fail");
        self.by_code
            .get(&(escaped, code.to_owned()))
            .map(String::as_str)
    }
}

/// The text of highlighted markup: its tags dropped, its entities decoded. Both
/// highlighters only wrap the escaped code in spans, so this is the code again.
fn text_of(markup: &str) -> String {
    let mut text = String::with_capacity(markup.len());
    let mut rest = markup;
    while let Some(at) = rest.find(['<', '&']) {
        text.push_str(&rest[..at]);
        rest = &rest[at..];
        if rest.starts_with('<') {
            rest = rest.find('>').map_or("", |end| &rest[end + 1..]);
            continue;
        }
        let entity = [
            ("&lt;", '<'),
            ("&gt;", '>'),
            ("&amp;", '&'),
            ("&quot;", '"'),
            ("&#39;", '\''),
            ("&#x27;", '\''),
        ]
        .into_iter()
        .find(|(name, _)| rest.starts_with(name));
        match entity {
            Some((name, c)) => {
                text.push(c);
                rest = &rest[name.len()..];
            }
            // Not one of ours: the text will not match, and the block is made afresh.
            None => {
                text.push('&');
                rest = &rest[1..];
            }
        }
    }
    text.push_str(rest);
    text
}

/// Makes ready, side by side, the highlighters the code blocks of `bodies` (Markdown)
/// will need. Each takes 10-30 ms to make, once per process: a page with Rust and
/// shell blocks waits for the slower of the two rather than both.
pub(crate) fn prepare<'a>(bodies: impl Iterator<Item = &'a str>) {
    let mut grammars = [false; COMPILED.len()];
    let mut syntect = false;
    for line in bodies.flat_map(str::lines) {
        let line = line.trim_start();
        let Some(info) = line
            .strip_prefix("```")
            .or_else(|| line.strip_prefix("~~~"))
        else {
            continue;
        };
        let token = info
            .split([' ', ',', '{', '`'])
            .next()
            .unwrap_or_default()
            .trim();
        match Grammar::for_token(token) {
            Some(grammar) => grammars[grammar as usize] = true,
            None if !token.is_empty() => syntect = true,
            None => {}
        }
    }
    let mut needed: Vec<usize> = (0..grammars.len()).filter(|&g| grammars[g]).collect();
    if syntect {
        needed.push(usize::MAX);
    }
    if needed.len() < 2 {
        return; // Nothing to overlap.
    }
    needed.into_par_iter().for_each(|g| match COMPILED.get(g) {
        Some(compiled) => {
            LazyLock::force(compiled);
        }
        None => {
            LazyLock::force(&SYNTAXES);
        }
    });
}

/// `code` highlighted by syntect, if it knows `lang`.
fn with_syntect(lang: &str, code: &str) -> Option<String> {
    let syntax = SYNTAXES.find_syntax_by_token(lang)?;
    let mut generator = ClassedHTMLGenerator::new_with_class_style(syntax, &SYNTAXES, CLASS_STYLE);
    for line in LinesWithEndings::from(code) {
        generator
            .parse_html_for_line_which_includes_newline(line)
            .ok()?;
    }
    Some(generator.finalize())
}

/// The languages highlighted by tree-sitter.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Grammar {
    Rust,
    Python,
    JavaScript,
    Bash,
    Yaml,
}

/// tree-sitter's capture names, and the classes syntect gives the same tokens.
/// Captures not listed (variables, operators, punctuation) get no markup, as the
/// theme colours none of them.
const CAPTURES: &[(&str, &str)] = &[
    ("comment", "hl-comment"),
    ("string", "hl-string"),
    ("escape", "hl-constant hl-character hl-escape"),
    ("number", "hl-constant hl-numeric"),
    ("boolean", "hl-constant hl-language"),
    ("constant.builtin", "hl-constant hl-language"),
    ("constant", "hl-constant hl-other"),
    ("keyword", "hl-keyword"),
    ("function", "hl-entity hl-name hl-function"),
    ("function.builtin", "hl-support hl-function"),
    ("type", "hl-entity hl-name hl-type"),
    ("type.builtin", "hl-storage hl-type"),
    ("constructor", "hl-entity hl-name hl-type"),
    ("attribute", "hl-entity hl-other hl-attribute-name"),
    ("variable.parameter", "hl-variable hl-parameter"),
    ("variable.builtin", "hl-variable hl-language"),
    ("property", "hl-variable hl-other hl-member"),
];

/// One grammar's compiled highlight query, with the `class="..."` attribute of each
/// capture of [`CAPTURES`].
struct Compiled {
    config: HighlightConfiguration,
    attributes: Vec<Vec<u8>>,
}

static COMPILED: [LazyLock<Option<Compiled>>; 5] = [
    LazyLock::new(|| Grammar::Rust.compile()),
    LazyLock::new(|| Grammar::Python.compile()),
    LazyLock::new(|| Grammar::JavaScript.compile()),
    LazyLock::new(|| Grammar::Bash.compile()),
    LazyLock::new(|| Grammar::Yaml.compile()),
];

thread_local! {
    /// A highlighter holds a parser and query cursors: one per rayon thread, reused.
    static HIGHLIGHTER: RefCell<(Highlighter, HtmlRenderer)> =
        RefCell::new((Highlighter::new(), HtmlRenderer::new()));
}

impl Grammar {
    /// The grammar for a fence's language token, as people write them.
    fn for_token(token: &str) -> Option<Grammar> {
        Some(match token.to_ascii_lowercase().as_str() {
            "rust" | "rs" => Grammar::Rust,
            "python" | "py" | "python3" => Grammar::Python,
            "javascript" | "js" | "jsx" | "mjs" | "cjs" | "node" => Grammar::JavaScript,
            "bash" | "sh" | "shell" | "zsh" => Grammar::Bash,
            "yaml" | "yml" => Grammar::Yaml,
            _ => return None,
        })
    }

    fn compile(self) -> Option<Compiled> {
        let (language, query) = match self {
            Grammar::Rust => (
                tree_sitter_rust::LANGUAGE,
                tree_sitter_rust::HIGHLIGHTS_QUERY,
            ),
            Grammar::Python => (
                tree_sitter_python::LANGUAGE,
                tree_sitter_python::HIGHLIGHTS_QUERY,
            ),
            Grammar::JavaScript => (
                tree_sitter_javascript::LANGUAGE,
                tree_sitter_javascript::HIGHLIGHT_QUERY,
            ),
            Grammar::Bash => (
                tree_sitter_bash::LANGUAGE,
                tree_sitter_bash::HIGHLIGHT_QUERY,
            ),
            Grammar::Yaml => (
                tree_sitter_yaml::LANGUAGE,
                tree_sitter_yaml::HIGHLIGHTS_QUERY,
            ),
        };
        let mut config = match HighlightConfiguration::new(
            language.into(),
            format!("{self:?}"),
            query,
            "",
            "",
        ) {
            Ok(config) => config,
            Err(e) => {
                // The queries ship with the grammars; a mismatch is a build problem,
                // and syntect still highlights the language.
                tracing::warn!("the {self:?} highlight query does not compile: {e}");
                return None;
            }
        };
        let names: Vec<&str> = CAPTURES.iter().map(|(name, _)| *name).collect();
        config.configure(&names);
        let attributes = CAPTURES
            .iter()
            .map(|&(name, class)| {
                // YAML's keys are its tags: syntect colours them so, and so do we.
                let class = match (self, name) {
                    (Grammar::Yaml, "property") => "hl-entity hl-name hl-tag",
                    _ => class,
                };
                format!("class=\"{class}\"").into_bytes()
            })
            .collect();
        Some(Compiled { config, attributes })
    }

    /// `code` as highlighted HTML, or `None` if tree-sitter gave up (then syntect
    /// tries).
    fn highlight(self, code: &str) -> Option<String> {
        let compiled = COMPILED[self as usize].as_ref()?;
        HIGHLIGHTER.with_borrow_mut(|(highlighter, renderer)| {
            let events = highlighter
                .highlight(&compiled.config, code.as_bytes(), None, |_| None)
                .ok()?;
            renderer.reset();
            renderer
                .render(
                    events,
                    code.as_bytes(),
                    &|Highlight(i), out: &mut Vec<u8>| {
                        out.extend_from_slice(&compiled.attributes[i])
                    },
                )
                .ok()?;
            // The renderer escapes text it was given as UTF-8 and adds ASCII markup.
            String::from_utf8(renderer.html.clone()).ok()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_languages_get_classes_and_unknown_ones_are_escaped() {
        let rust = code_block("rust", "fn main() { let x = \"<s>\"; }\n");
        assert!(rust.contains("class=\"hl-keyword\">fn<"), "{rust}");
        assert!(
            rust.contains("<span class=\"hl-string\">&quot;&lt;s&gt;&quot;</span>"),
            "{rust}"
        );
        let plain = code_block("no-such-language", "<b>\n");
        assert_eq!(plain, "<pre class=\"hl\" tabindex=\"0\"><code class=\"language-no-such-language\">&lt;b&gt;\n</code></pre>\n");
        let bare = code_block("", "<b>\n");
        assert_eq!(bare, "<pre tabindex=\"0\"><code>&lt;b&gt;\n</code></pre>\n");
    }

    #[test]
    fn every_tree_sitter_grammar_compiles_and_marks_keywords_strings_and_comments() {
        let samples = [
            ("rs", "// c\nfn f() -> &'static str { \"s\" }\n"),
            ("python", "# c\ndef f():\n    return \"s\"\n"),
            ("js", "// c\nexport function f() { return \"s\"; }\n"),
            ("sh", "# c\nif true; then echo \"s\"; fi\n"),
            ("yml", "# c\nkey: \"s\"\nlist: [1, true]\n"),
        ];
        let markup = regex::Regex::new("<[^>]*>").expect("regex");
        for (token, code) in samples {
            let grammar = Grammar::for_token(token).expect("a tree-sitter language");
            assert!(COMPILED[grammar as usize].is_some(), "{grammar:?} compiles");
            let html = grammar.highlight(code).expect("highlighted");
            assert!(
                html.contains("<span class=\"hl-comment\">"),
                "{token}: {html}"
            );
            assert!(html.contains("hl-string"), "{token}: {html}");
            // Nothing is lost: without the markup, the text is the code, escaped.
            let text = markup.replace_all(&html, "");
            let mut escaped = String::new();
            pulldown_cmark_escape::escape_html(&mut escaped, code).expect("escape");
            assert_eq!(text.replace("&#39;", "'"), escaped.replace("&#39;", "'"));
        }
        let yaml = Grammar::Yaml.highlight("key: 1\n").expect("yaml");
        assert!(yaml.contains("hl-entity hl-name hl-tag"), "{yaml}");
        assert!(yaml.contains("hl-constant hl-numeric"), "{yaml}");
    }

    #[test]
    fn other_languages_still_go_through_syntect() {
        assert_eq!(Grammar::for_token("go"), None);
        let go = code_block("go", "package main\nfunc main() {}\n");
        assert!(
            go.contains("hl-keyword") || go.contains("hl-storage"),
            "{go}"
        );
        assert!(go.contains("hl-source hl-go"), "syntect's scopes: {go}");
    }
}
