//! A build against a real folder and a real body cache: it reads only the bodies of
//! the pages it renders.

use std::collections::HashMap;
use std::sync::Mutex;

use super::bodies::Bodies;
use super::cache::BodyCache;
use super::frame::Frame;
use super::pages::render_site;
use super::plan::RenderInput;
use crate::config::SiteConfig;
use crate::render::Theme;
use crate::render::{theme_hash, ThemeSource};
use crate::store::posts::Digest;
use crate::store::snapshot::SnapshotPost;
use crate::store::Snapshot;
use crate::store::{PostDoc, Status, StoredPost};

/// Bodies that count who asks for them.
struct Counting {
    bodies: HashMap<i64, String>,
    asked: Mutex<Vec<i64>>,
}

impl Bodies for Counting {
    fn markdown(&self, ids: &[i64]) -> Result<HashMap<i64, String>, crate::store::StoreError> {
        self.asked
            .lock()
            .expect("no panic while holding the lock")
            .extend(ids);
        self.bodies.markdown(ids)
    }
}

fn snapshot(bodies: &HashMap<i64, String>) -> Snapshot {
    let mut posts: Vec<SnapshotPost> = bodies
        .iter()
        .map(|(&id, markdown)| SnapshotPost {
            post: StoredPost {
                id,
                revision: 1,
                doc: PostDoc {
                    slug: format!("post-{id}"),
                    title: format!("Post {id}"),
                    status: Status::Published,
                    published_at: chrono::DateTime::from_timestamp(1_700_000_000 + id, 0),
                    ..PostDoc::default()
                },
                source_path: None,
                source_hash: None,
                archived: false,
                sanitized: false,
            },
            digest: Digest::of(markdown),
            tags: Vec::new(),
            authors: Vec::new(),
        })
        .collect();
    posts.sort_by_key(|p| std::cmp::Reverse(p.post.doc.published_at));
    Snapshot {
        posts,
        ..Snapshot::default()
    }
}

#[test]
fn a_build_reads_only_the_bodies_it_renders() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("public");
    // The cache's queries run on a runtime's threads, not the build's.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let cache = runtime
        .block_on(BodyCache::open(&dir.path().join("cache")))
        .expect("cache");
    let theme = Theme::load(&ThemeSource::Embedded, None).expect("theme");
    let config = SiteConfig::default();
    let none = dir.path().join("no templates");
    let frame = Frame::new(
        &config,
        false,
        theme_hash(&ThemeSource::Embedded, &none),
        crate::images::Images::none().signature(),
    );
    let mut bodies: HashMap<i64, String> = (1..=3)
        .map(|id| {
            (
                id,
                format!("Body of post {id}.\n\n```rust\nfn f() {{}}\n```\n"),
            )
        })
        .collect();
    let build_with = |bodies: &HashMap<i64, String>, previous: &HashMap<String, String>| {
        let counting = Counting {
            bodies: bodies.clone(),
            asked: Mutex::new(Vec::new()),
        };
        let report = render_site(
            &RenderInput {
                snapshot: &snapshot(bodies),
                bodies: &counting,
                theme: &theme,
                frame: &frame,
                config: &config,
                media: &[],
                images: &crate::images::Images::none(),
                redirects: &[],
                preview: false,
                cache: Some(&cache),
                previous: Some(previous),
                last: None,
                progress: None,
            },
            &out,
        )
        .expect("build");
        let mut asked = counting.asked.into_inner().expect("no panic");
        asked.sort_unstable();
        (report, asked)
    };

    let (first, asked) = build_with(&bodies, &HashMap::new());
    assert_eq!(asked, [1, 2, 3], "a first build reads every body, once");
    let keys: HashMap<String, String> = first.keys.into_iter().collect();

    bodies.insert(2, "Body of post 2, edited.\n".to_owned());
    let (second, asked) = build_with(&bodies, &keys);
    assert_eq!(
        asked,
        [2],
        "only the edited body is read; the others are cached"
    );
    assert!(second
        .write
        .written
        .contains(&"post-2/index.html".to_owned()));
    assert!(!second
        .write
        .written
        .contains(&"post-1/index.html".to_owned()));
    let page = std::fs::read_to_string(out.join("post-2/index.html")).expect("page");
    assert!(page.contains("edited"), "{page}");

    let keys: HashMap<String, String> = second.keys.into_iter().collect();
    let (third, asked) = build_with(&bodies, &keys);
    assert!(asked.is_empty(), "nothing changed, nothing read: {asked:?}");
    assert_eq!(third.rendered, 0);
}
