//! Ghost exports for the importer's tests: the fixtures, hand-written exports, and
//! the CLI run on them.

use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use super::TestSite;

pub(crate) fn fixture(name: &str) -> PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/ghost")
        .join(name)
}

pub(crate) fn run(site: &TestSite, args: &[&str]) -> (bool, String, String) {
    let out = site.cli(args);
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

pub(crate) fn import(site: &TestSite, file: &Path, extra: &[&str]) -> Value {
    let file = file.to_string_lossy().into_owned();
    let mut args = vec!["import", "ghost", file.as_str(), "--json"];
    args.extend_from_slice(extra);
    let (ok, stdout, stderr) = run(site, &args);
    assert!(ok, "import failed: {stderr}");
    serde_json::from_str(&stdout).expect("a JSON report")
}

pub(crate) fn export_data(file: &Path) -> Value {
    let export: Value =
        serde_json::from_slice(&std::fs::read(file).expect("the export")).expect("JSON");
    export["db"][0]["data"].clone()
}

pub(crate) fn hand_export(version: &str, posts: Vec<Value>) -> Value {
    let posts: Vec<Value> = posts
        .into_iter()
        .enumerate()
        .map(|(i, extra)| {
            let mut post = json!({
                "id": format!("p{i}"),
                "title": format!("Post {i}"),
                "slug": format!("post-{i}"),
                "html": format!("<p>Body {i}.</p>"),
                "type": "post",
                "status": "published",
                "visibility": "public",
                "published_at": "2024-01-02T03:04:05.000Z",
                "updated_at": "2024-01-02T03:04:05.000Z",
            });
            for (k, v) in extra.as_object().expect("an object") {
                post[k] = v.clone();
            }
            post
        })
        .collect();
    json!({ "db": [{ "meta": { "exported_on": 0, "version": version }, "data": {
        "posts": posts, "tags": [], "posts_tags": [], "users": [], "posts_authors": [], "settings": []
    } }] })
}

pub(crate) fn write(site: &TestSite, name: &str, bytes: &[u8]) -> PathBuf {
    let path = site.path().join(name);
    std::fs::write(&path, bytes).expect("write");
    path
}
