//! The static search index: written at publish for themes that ask for it, in chunks
//! that an edit rewrites one at a time; it holds the words of bodies (CJK included)
//! and leaves drafts out.

mod common;

use std::collections::BTreeMap;

use serde_json::Value;

use common::TestSite;

fn publish(site: &TestSite) -> String {
    let out = site.cli(&["publish"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Posts `posts/p000.md`... "Post N", each with a body of its own.
fn write_posts(site: &TestSite, count: usize) {
    for i in 0..count {
        site.write(
            &format!("posts/p{i:03}.md"),
            &format!("---\ntitle: Post {i}\n---\n\nBody of post {i}.\n"),
        );
    }
}

/// Every chunk of the published index, by its URL.
fn chunks(site: &TestSite) -> BTreeMap<String, Value> {
    let manifest: Value = serde_json::from_str(&site.read_out("search.json")).expect("search.json");
    manifest["chunks"]
        .as_array()
        .expect("chunks")
        .iter()
        .map(|url| {
            let url = url.as_str().expect("a URL").to_owned();
            let chunk = serde_json::from_str(&site.read_out(&url[1..])).expect("a chunk");
            (url, chunk)
        })
        .collect()
}

/// The URLs of the posts that have `word`, in every chunk.
fn find(site: &TestSite, word: &str) -> Vec<String> {
    let mut found = Vec::new();
    for chunk in chunks(site).values() {
        for post in chunk["terms"][word].as_array().into_iter().flatten() {
            let doc = &chunk["docs"][post.as_u64().expect("an index") as usize];
            found.push(doc[0].as_str().expect("url").to_owned());
        }
    }
    found.sort();
    found
}

#[test]
fn the_index_finds_body_words_and_cjk_and_never_a_draft() {
    let site = TestSite::empty();
    site.write(
        "posts/breakfast.md",
        "---\ntitle: Breakfast in Tokyo\ntags: [Travel]\n---\n\nThe tamagoyaki was warm.\n\n東京の朝ごはんは美味しい。\n\n```\nzz-code-only\n```\n",
    );
    site.write(
        "posts/other.md",
        "---\ntitle: Other\n---\n\nNothing but a quixotic word, once.\n",
    );
    site.write(
        "posts/secret.md",
        "---\ntitle: Secret\ndraft: true\n---\n\nThe unannounced thing.\n",
    );
    publish(&site);
    assert_eq!(find(&site, "tamagoyaki"), vec!["/breakfast/"]);
    assert_eq!(find(&site, "quixotic"), vec!["/other/"]);
    assert_eq!(find(&site, "東京"), vec!["/breakfast/"]);
    assert_eq!(find(&site, "ごは"), vec!["/breakfast/"]);
    assert_eq!(find(&site, "travel"), vec!["/breakfast/"], "tags are words");
    assert!(
        find(&site, "unannounced").is_empty(),
        "a draft is not searchable"
    );
    assert!(find(&site, "zz").is_empty(), "code blocks are left out");
    let chunk = chunks(&site).into_values().next().expect("a chunk");
    let doc = chunk["docs"]
        .as_array()
        .expect("docs")
        .iter()
        .find(|d| d[0] == "/breakfast/")
        .expect("the post");
    assert_eq!(doc[1], "Breakfast in Tokyo");
    assert_eq!(doc[4], serde_json::json!(["Travel"]));
}

#[test]
fn an_edit_rewrites_the_one_chunk_of_its_post() {
    let site = TestSite::empty();
    write_posts(&site, 520);
    publish(&site);
    let before = chunks(&site);
    assert!(before.len() >= 2, "{:?}", before.keys());

    site.write(
        "posts/p007.md",
        "---\ntitle: Post 7\n---\n\nBody of post 7, now with a zeugma.\n",
    );
    publish(&site);
    let after = chunks(&site);
    let changed: Vec<&String> = after.keys().filter(|k| !before.contains_key(*k)).collect();
    assert_eq!(changed.len(), 1, "one chunk is new: {changed:?}");
    assert_eq!(find(&site, "zeugma"), vec!["/p007/"]);
    // The other chunks are the same files, and the old one is gone from the site.
    assert_eq!(after.len(), before.len());
    let kept: Vec<&String> = after.keys().filter(|k| before.contains_key(*k)).collect();
    assert_eq!(kept.len(), before.len() - 1);
    for url in before.keys().filter(|k| !after.contains_key(*k)) {
        assert!(!site.out().join(&url[1..]).exists(), "{url} left behind");
    }
}

/// A chunk is made of its posts' summaries and bodies alone: a new image (which
/// changes the build's frame, so every page is keyed again) rewrites no chunk unless a
/// summary shows it.
#[test]
fn a_new_image_rewrites_no_chunk() {
    let site = TestSite::empty();
    write_posts(&site, 3);
    publish(&site);
    let before = chunks(&site);
    let banner = std::fs::read(common::repo().join("content/images/banner.png"))
        .expect("the sample's image");
    std::fs::create_dir_all(site.content().join("images")).expect("images/");
    std::fs::write(site.content().join("images/new.png"), banner).expect("an image");
    let report = publish(&site);
    assert!(site.out().join("images/new.png").is_file(), "{report}");
    assert_eq!(
        chunks(&site).keys().collect::<Vec<_>>(),
        before.keys().collect::<Vec<_>>()
    );
}

#[test]
fn a_theme_can_leave_search_out() {
    let site = TestSite::sample();
    let theme = site.path().join("mytheme");
    common::copy_dir(&common::repo().join("themes/default"), &theme);
    std::fs::write(theme.join("theme.toml"), "name = \"mine\"\n").expect("write");
    let out = site.cli(&["publish", "--theme", theme.to_str().expect("utf-8")]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(site.out().join("index.html").is_file());
    assert!(!site.out().join("search.json").exists());
    assert!(!site.out().join("search").exists());

    // A theme.toml that is not TOML is named.
    std::fs::write(theme.join("theme.toml"), "search = maybe\n").expect("write");
    let out = site.cli(&["publish", "--theme", theme.to_str().expect("utf-8")]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("theme.toml"), "{stderr}");
}
