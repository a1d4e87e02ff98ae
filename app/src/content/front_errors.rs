//! Front matter errors said where they are: at the line of the file that is wrong,
//! every line number counted in the file. YAML's own numbers count from the front
//! matter, and its first complaint is often a line after the fault.

use super::ContentError;

/// The error of a field `key` of the front matter `header` that is wrong: at its line
/// when it has one (a default that is wrong has none).
pub(super) fn at_key<'a>(
    path: &'a str,
    header: &'a str,
    key: &'static str,
) -> impl Fn(String) -> ContentError + 'a {
    move |message| match key_line(header, key) {
        Some(line) => ContentError::Syntax {
            path: path.to_owned(),
            line,
            message,
        },
        None => ContentError::Invalid {
            path: path.to_owned(),
            message,
        },
    }
}

/// The file line of the top-level `key` in the front matter `header` (which starts on
/// the file's second line).
fn key_line(header: &str, key: &str) -> Option<usize> {
    header
        .lines()
        .position(|line| {
            line.strip_prefix(key)
                .is_some_and(|rest| rest.trim_start().starts_with([':', '=']))
        })
        .map(|n| n + 2)
}

/// A YAML syntax error, named at the line of the file that is wrong, its line numbers
/// counted in the file (libyaml counts them from the front matter). An unclosed
/// bracket or quote is the fault of the line that opened it, which libyaml gives as
/// the context ("while parsing a flow sequence at line 3"); anything else is where
/// it stopped.
pub(super) fn yaml_error(path: &str, e: &serde_yaml_ng::Error) -> ContentError {
    static LINE: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r"line (\d+) column (\d+)").expect("a valid pattern")
    });
    let text = first_line(&e.to_string()).to_owned();
    // The header starts on the file's second line.
    let in_file = |n: &str| n.parse::<usize>().map_or(1, |n| n + 1);
    let message = LINE.replace_all(&text, |c: &regex::Captures| {
        format!("line {} column {}", in_file(&c[1]), &c[2])
    });
    let opened = [
        "while parsing a flow",
        "while scanning a quoted",
        "while scanning a block scalar",
    ]
    .iter()
    .find_map(|context| text.find(context))
    .and_then(|at| LINE.captures(&text[at..]))
    .map(|c| in_file(&c[1]));
    let line = opened.unwrap_or_else(|| e.location().map_or(1, |l| l.line()) + 1);
    ContentError::Syntax {
        path: path.to_owned(),
        line,
        message: format!("invalid YAML front matter: {message}"),
    }
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or(text)
}
