//! The writer against a real folder: what a build publishes, links, removes and
//! leaves behind, and that any sequence of builds leaves exactly the last site.

use std::fs;
use std::path::Path;

use super::trees::{files_under, siblings, BEHIND};
use super::trees::{settle, unsettled};
use super::SiteWriter;
use std::os::unix::fs::MetadataExt;

fn read(path: &Path) -> String {
    fs::read_to_string(path).expect("read")
}

#[test]
fn a_build_writes_changed_links_unchanged_and_drops_stale() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("public");
    fs::create_dir_all(out.join("old")).expect("mkdir");
    fs::write(out.join("old/index.html"), "stale").expect("write");
    fs::write(out.join("same.txt"), "same").expect("write");
    let writer = SiteWriter::begin(&out).expect("begin");
    writer.put("same.txt", b"same", "test").expect("put");
    writer.put("new/index.html", b"new", "test").expect("put");
    assert!(
        !out.join("new/index.html").exists(),
        "nothing is published before commit"
    );
    // Taken paths and paths out of the folder are left out with a warning.
    writer.put("same.txt", b"x", "again").expect("left out");
    writer
        .put("new", b"x", "a file where a folder is")
        .expect("left out");
    writer
        .put("same.txt/index.html", b"x", "a folder where a file is")
        .expect("left out");
    writer
        .put("../escaped.txt", b"x", "an escape")
        .expect("left out");
    assert!(!writer
        .keep("../../etc/passwd", "an escape kept")
        .expect("not looked up"));
    writer
        .put("../../etc/passwd", b"x", "an escape kept")
        .expect("left out");
    writer
        .put(".redirects.json", b"{}", "the redirects")
        .expect("put");
    let report = writer.commit(None).expect("commit");
    assert!(!dir.path().join("escaped.txt").exists());
    assert_eq!(report.warnings.len(), 5, "{:?}", report.warnings);
    for what in [
        "again",
        "a file where",
        "a folder where",
        "an escape",
        "escape kept",
    ] {
        assert!(report.warnings.iter().any(|w| w.contains(what)), "{what}");
    }
    assert_eq!(read(&out.join("same.txt")), "same");
    assert_eq!(report.written, vec![".redirects.json", "new/index.html"]);
    assert_eq!(report.removed, vec!["old/index.html"]);
    assert_eq!(report.unchanged, 1);
    assert!(fs::symlink_metadata(&out).expect("out").is_symlink());
    assert!(!out.join("old").exists());
    assert_eq!(read(&out.join("new/index.html")), "new");

    // The next build links what did not change to the published file.
    let before = fs::metadata(out.join("same.txt")).expect("meta").ino();
    let writer = SiteWriter::begin(&out).expect("begin");
    writer.put("same.txt", b"same", "test").expect("put");
    assert!(writer.keep("new/index.html", "test").expect("keep"));
    let report = writer.commit(None).expect("commit");
    assert!(report.written.is_empty(), "{report:?}");
    assert_eq!(
        fs::metadata(out.join("same.txt")).expect("meta").ino(),
        before
    );
    assert_eq!(read(&out.join("new/index.html")), "new");
}

#[test]
fn with_the_last_file_list_only_listed_files_are_looked_for() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("public");
    fs::create_dir_all(out.join("old/deep")).expect("mkdir");
    fs::write(out.join("old/deep/index.html"), "stale").expect("write");
    fs::write(out.join("keep.txt"), "keep").expect("write");
    let writer = SiteWriter::begin(&out).expect("begin");
    writer.put("keep.txt", b"keep", "test").expect("put");
    let report = writer
        .commit(Some(&[
            "old/deep/index.html",
            "keep.txt",
            "gone-already.txt",
        ]))
        .expect("commit");
    assert_eq!(report.removed, ["old/deep/index.html"]);
    assert_eq!(report.files, ["keep.txt"]);
    assert!(!out.join("old").exists());
}

#[test]
fn a_fresh_site_appears_at_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("public");
    let writer = SiteWriter::begin(&out).expect("begin");
    writer.put("a/index.html", b"a", "test").expect("put");
    assert!(!out.exists(), "nothing is published before commit");
    assert!(
        !writer.keep("b.html", "test").expect("keep"),
        "nothing to keep"
    );
    let report = writer.commit(None).expect("commit");
    assert_eq!(report.written, vec!["a/index.html"]);
    assert_eq!(read(&out.join("a/index.html")), "a");
}

#[test]
fn abort_leaves_the_published_build_alone() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("public");
    let writer = SiteWriter::begin(&out).expect("begin");
    writer.put("a.html", b"a", "test").expect("put");
    writer.commit(None).expect("commit");
    let writer = SiteWriter::begin(&out).expect("begin");
    writer.put("a.html", b"changed", "test").expect("put");
    writer
        .put("new/deep/index.html", b"new", "test")
        .expect("put");
    writer.abort();
    assert_eq!(read(&out.join("a.html")), "a");
    let left: Vec<_> = fs::read_dir(&out)
        .expect("list")
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert_eq!(left, ["a.html"]);
}

#[test]
fn an_interrupted_build_is_swept_by_the_next() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("public");
    let writer = SiteWriter::begin(&out).expect("begin");
    writer.put("a.html", b"a", "test").expect("put");
    writer.commit(None).expect("commit");
    // A build killed half way: a changed file, a stray one, a link never renamed.
    let interrupted = SiteWriter::begin(&out).expect("begin");
    interrupted.put("a.html", b"half", "test").expect("put");
    interrupted
        .put("stray.html", b"stray", "test")
        .expect("put");
    std::mem::forget(interrupted);
    let (builds, link) = siblings(&out);
    std::os::unix::fs::symlink("nowhere", &link).expect("link");
    fs::create_dir_all(builds.join("7")).expect("a folder not ours");

    let writer = SiteWriter::begin(&out).expect("begin");
    writer.put("a.html", b"b", "test").expect("put");
    writer.commit(None).expect("commit");
    assert!(
        unsettled(&out),
        "the records of this build are not kept yet"
    );
    settle(&out).expect("settle");
    assert!(!unsettled(&out));
    assert_eq!(read(&out.join("a.html")), "b");
    assert!(!out.join("stray.html").exists());
    assert!(fs::symlink_metadata(&link).is_err());
    let mut left: Vec<String> = fs::read_dir(&builds)
        .expect("list")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(left, ["a", "b", BEHIND]);
}

#[test]
fn a_file_that_became_a_folder_and_back() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("public");
    for round in 0..4 {
        let writer = SiteWriter::begin(&out).expect("begin");
        if round % 2 == 0 {
            writer.put("x", b"file", "test").expect("put");
        } else {
            writer.put("x/index.html", b"folder", "test").expect("put");
        }
        writer.commit(None).expect("commit");
        let expected = if round % 2 == 0 { "x" } else { "x/index.html" };
        assert_eq!(common_files(&out), [expected], "round {round}");
    }
}

/// Builds of random sites, some killed half way, some told the last file list:
/// after each completed one, the output is exactly that site.
#[test]
fn any_sequence_of_builds_leaves_exactly_the_last_site() {
    use rand::{Rng, SeedableRng};
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("public");
    let paths = [
        "a.html",
        "b/index.html",
        "b/c/index.html",
        "d.xml",
        "e/index.html",
        "f",
    ];
    let mut last: Vec<String> = Vec::new();
    for round in 0..200 {
        let mut site: Vec<(String, String)> = Vec::new();
        for p in paths {
            if rng.gen_bool(0.6) {
                site.push((p.to_owned(), format!("{p} v{}", rng.gen_range(0..3))));
            }
        }
        let writer = SiteWriter::begin(&out).expect("begin");
        let killed = rng.gen_bool(0.2);
        for (i, (rel, text)) in site.iter().enumerate() {
            if killed && i == site.len() / 2 {
                break;
            }
            // Kept when the caller knows it unchanged, as a build does.
            let published = fs::read_to_string(out.join(rel)).ok();
            if published.as_ref() == Some(text) && rng.gen_bool(0.5) {
                assert!(writer.keep(rel, "test").expect("keep"));
                continue;
            }
            writer.put(rel, text.as_bytes(), "test").expect("put");
        }
        if killed {
            std::mem::forget(writer);
            continue;
        }
        let listed: Vec<&str> = last.iter().map(String::as_str).collect();
        let given = rng.gen_bool(0.5).then_some(listed.as_slice());
        let report = writer.commit(given).expect("commit");
        let mut expected: Vec<String> = site.iter().map(|(p, _)| p.clone()).collect();
        expected.sort();
        let mut found = common_files(&out);
        found.sort();
        assert_eq!(found, expected, "round {round}");
        for (rel, text) in &site {
            assert_eq!(read(&out.join(rel)), *text, "round {round}: {rel}");
        }
        last = report.files;
    }
}

fn common_files(out: &Path) -> Vec<String> {
    files_under(&fs::canonicalize(out).expect("resolve")).expect("files")
}
