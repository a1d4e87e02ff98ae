//! What a push from CI (`folio publish --remote`) may change in the server's content
//! folder, decided before any file is written.
//!
//! Each file is checked three ways: the file as the last push sent it (the base), the
//! server's file now (the admin writes there too), and the pushed one. A file only the
//! push changed is written; one only the server changed is kept; one both changed is
//! a conflict, and nothing is written. A removal is checked the same way, so `--prune`
//! never removes what was written in the admin. Slugs are checked across the folder
//! as it would be, so a clash is refused before it is written.

use std::collections::{BTreeMap, HashMap};

/// One file of a push: its path in `content/`, the hash of its bytes, and its slug
/// when it is Markdown.
pub struct Incoming<'a> {
    pub path: &'a str,
    pub hash: String,
    pub slug: Option<String>,
}

/// What the server knows: each file's hash now (`None`: no such file), and what the
/// last push sent of it.
pub struct Server<'a> {
    pub current: &'a dyn Fn(&str) -> Option<String>,
    pub pushed: &'a BTreeMap<String, String>,
    /// Path -> slug of every post in the store that came from a file.
    pub slugs: &'a HashMap<String, String>,
    /// Slug -> title of every post in the store that has no file.
    pub fileless: &'a HashMap<String, String>,
}

/// The decision on a push.
#[derive(Debug, Default, PartialEq)]
pub struct Plan {
    /// Paths to write (indices into the incoming files).
    pub write: Vec<usize>,
    /// Paths to remove.
    pub remove: Vec<String>,
    /// Files the server changed since the last push and the push did not: left as
    /// the server has them.
    pub kept: Vec<String>,
    /// What makes the push impossible as it is, one line per file.
    pub conflicts: Vec<String>,
}

/// Decides `incoming` and `removals` against `server`; with `force`, a file both
/// sides changed is the push's.
pub fn plan(incoming: &[Incoming], removals: &[String], server: &Server, force: bool) -> Plan {
    let mut plan = Plan::default();
    for (i, file) in incoming.iter().enumerate() {
        let current = (server.current)(file.path);
        let base = server.pushed.get(file.path);
        if current.as_deref() == Some(file.hash.as_str()) || !changed(&current, base) || force {
            plan.write.push(i);
        } else if base == Some(&file.hash) {
            plan.kept.push(file.path.to_owned());
        } else {
            plan.conflicts.push(format!(
                "{}: changed on the server since the last push (in the admin) and in this \
                 push: take the server's version into Git first, or push with --force to \
                 replace it",
                file.path
            ));
        }
    }
    for path in removals {
        let current = (server.current)(path);
        if current.is_none() || !changed(&current, server.pushed.get(path)) || force {
            plan.remove.push(path.clone());
        } else {
            plan.conflicts.push(format!(
                "{path}: removed by this push but changed on the server since the last \
                 push (or written in the admin): take it into Git, or push with --force"
            ));
        }
    }
    check_slugs(incoming, &mut plan, server);
    plan
}

/// Whether the server's file differs from what the last push sent (a file no push
/// sent was written on the server).
fn changed(current: &Option<String>, base: Option<&String>) -> bool {
    match (current, base) {
        (None, None) => false,
        (Some(c), Some(b)) => c != b,
        _ => true,
    }
}

/// Adds a conflict for each slug two files would claim after `plan`, or a file would
/// take from a post that has no file.
fn check_slugs(incoming: &[Incoming], plan: &mut Plan, server: &Server) {
    let written: Vec<&Incoming> = plan.write.iter().map(|&i| &incoming[i]).collect();
    let replaced = |path: &str| {
        plan.remove.iter().any(|r| r == path) || written.iter().any(|f| f.path == path)
    };
    let mut owners: HashMap<&str, &str> = server
        .slugs
        .iter()
        .filter(|(path, _)| !replaced(path))
        .map(|(path, slug)| (slug.as_str(), path.as_str()))
        .collect();
    let mut clashes = Vec::new();
    for file in written {
        let Some(slug) = file.slug.as_deref() else {
            continue;
        };
        if let Some(title) = server.fileless.get(slug) {
            clashes.push(format!(
                "{}: the slug {slug:?} is the address of \"{title}\", a post with no file \
                 (written in the admin or imported from Ghost): give the file another `slug`",
                file.path
            ));
        } else if let Some(other) = owners.insert(slug, file.path) {
            clashes.push(format!(
                "{}: the slug {slug:?} is {other}'s too: give one of them another `slug`",
                file.path
            ));
        }
    }
    plan.conflicts.extend(clashes);
}

#[cfg(test)]
mod tests {
    use super::*;

    static NO_POSTS: std::sync::LazyLock<HashMap<String, String>> =
        std::sync::LazyLock::new(HashMap::new);

    fn server<'a>(
        pushed: &'a BTreeMap<String, String>,
        current: &'a dyn Fn(&str) -> Option<String>,
        slugs: &'a HashMap<String, String>,
    ) -> Server<'a> {
        Server {
            current,
            pushed,
            slugs,
            fileless: &NO_POSTS,
        }
    }

    #[test]
    fn each_side_keeps_what_only_it_changed_and_both_is_a_conflict() {
        let files: HashMap<&str, &str> = [
            ("a.md", "A2"),
            ("b.md", "B1"),
            ("c.md", "C2"),
            ("admin.md", "X"),
        ]
        .into();
        let current = |p: &str| files.get(p).map(|h| (*h).to_owned());
        let pushed: BTreeMap<String, String> = [("a.md", "A1"), ("b.md", "B1"), ("c.md", "C1")]
            .map(|(p, h)| (p.to_owned(), h.to_owned()))
            .into();
        let none = HashMap::new();
        let server = server(&pushed, &current, &none);
        let incoming = |path, hash: &str| Incoming {
            path,
            hash: hash.into(),
            slug: None,
        };
        // a: the server changed it, the push did not; b: only the push changed it;
        // c: both did; new.md: new on both sides.
        let push = [
            incoming("a.md", "A1"),
            incoming("b.md", "B2"),
            incoming("c.md", "C3"),
            incoming("new.md", "N"),
        ];
        let removals = ["admin.md".to_owned(), "b.md".to_owned()];
        let decided = plan(&push, &removals, &server, false);
        assert_eq!(decided.write, vec![1, 3]);
        assert_eq!(decided.kept, vec!["a.md"]);
        assert_eq!(decided.remove, vec!["b.md"]);
        assert_eq!(decided.conflicts.len(), 2, "{:?}", decided.conflicts);
        assert!(decided.conflicts[0].starts_with("c.md:"));
        assert!(decided.conflicts[1].starts_with("admin.md:"));
        let forced = plan(&push, &removals, &server, true);
        assert_eq!(forced.write, vec![0, 1, 2, 3]);
        assert!(forced.conflicts.is_empty());
    }

    #[test]
    fn a_slug_clash_is_refused_before_anything_is_written() {
        let current = |_: &str| None;
        let pushed = BTreeMap::new();
        let slugs: HashMap<String, String> = [("posts/a.md", "a"), ("posts/b.md", "b")]
            .map(|(p, s)| (p.to_owned(), s.to_owned()))
            .into();
        let fileless: HashMap<String, String> = [("mine".to_owned(), "Mine".to_owned())].into();
        let mut server = server(&pushed, &current, &slugs);
        server.fileless = &fileless;
        let file = |path, slug: &str| Incoming {
            path,
            hash: path.into(),
            slug: Some(slug.into()),
        };
        // A new file with a's slug; b gives its slug up to c in the same push; a
        // post with no file keeps its slug.
        let push = [
            file("posts/x.md", "a"),
            file("posts/b.md", "b2"),
            file("posts/c.md", "b"),
        ];
        let decided = plan(&push, &[], &server, false);
        assert_eq!(decided.conflicts.len(), 1, "{:?}", decided.conflicts);
        assert!(
            decided.conflicts[0].contains("posts/a.md"),
            "{:?}",
            decided.conflicts
        );
        let decided = plan(&[file("posts/m.md", "mine")], &[], &server, true);
        assert_eq!(decided.conflicts.len(), 1, "{:?}", decided.conflicts);
    }
}
