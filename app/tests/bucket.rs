//! `folio publish --bucket` against a real S3-protocol server on loopback (moto, from
//! PyPI; `.ci/run` installs it): uploads with the right headers, only what changed,
//! deletions last, nothing broken by a failure half-way, clear errors.

mod common;

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::process::Output;

use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use common::moto::Moto;
use common::TestSite;

fn publish(site: &TestSite, endpoint: &str, key_id: &str, args: &[&str]) -> (Output, Value) {
    let mut all = vec!["publish", "--json"];
    all.extend_from_slice(args);
    let output = site.cli_with(
        &all,
        &[
            ("AWS_ACCESS_KEY_ID", key_id),
            ("AWS_SECRET_ACCESS_KEY", "test-secret"),
            ("AWS_REGION", "us-east-1"),
            ("AWS_ENDPOINT_URL", endpoint),
        ],
    );
    let report = serde_json::from_slice(&output.stdout).unwrap_or(Value::Null);
    (output, report)
}

fn ops(report: &Value) -> Vec<(String, String)> {
    report["bucket"]["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .map(|c| {
            (
                c["op"].as_str().expect("op").to_owned(),
                c["path"].as_str().expect("path").to_owned(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn uploads_with_headers_then_only_what_changed_and_deletes_last() {
    let moto = Moto::start();
    moto.create_bucket("site").await;
    let site = TestSite::sample();
    let url = "s3://site/blog";

    let (out, report) = publish(&site, &moto.endpoint, "test-key", &["--bucket", url]);
    assert!(out.status.success(), "{out:?}");
    let local = site.output();
    let uploaded: BTreeSet<String> = ops(&report)
        .into_iter()
        .map(|(op, path)| {
            assert_eq!(op, "upload");
            path
        })
        .collect();
    // Hidden files (the build's redirects for `folio serve`) are not the site's.
    let site_files: BTreeSet<String> = local
        .keys()
        .filter(|k| !k.starts_with('.'))
        .cloned()
        .collect();
    assert_eq!(uploaded, site_files, "every file goes up");
    // Order: assets before pages before feeds.
    let order: Vec<String> = ops(&report).into_iter().map(|(_, p)| p).collect();
    let first_page = order
        .iter()
        .position(|p| p.ends_with(".html"))
        .expect("pages");
    let last_asset = order
        .iter()
        .rposition(|p| !(p.ends_with(".html") || p.ends_with(".xml") || p.ends_with(".txt")))
        .expect("assets");
    let first_feed = order
        .iter()
        .position(|p| p.ends_with(".xml"))
        .expect("feeds");
    let last_page = order
        .iter()
        .rposition(|p| p.ends_with(".html"))
        .expect("pages");
    assert!(
        last_asset < first_page && last_page < first_feed,
        "{order:?}"
    );

    let (status, content_type, cache_control, body) = moto.get("site", "blog/index.html").await;
    assert_eq!(status, 200);
    assert_eq!(body, local["index.html"]);
    assert_eq!(content_type, "text/html; charset=utf-8");
    assert!(
        cache_control.contains("must-revalidate") && cache_control.contains("s-maxage="),
        "{cache_control}"
    );
    let css = local
        .keys()
        .find(|k| k.starts_with("assets/") && k.ends_with(".css"))
        .expect("a stylesheet");
    let (_, content_type, cache_control, _) = moto.get("site", &format!("blog/{css}")).await;
    assert!(content_type.starts_with("text/css"));
    assert_eq!(cache_control, "public, max-age=31536000, immutable");
    let (_, content_type, _, _) = moto.get("site", "blog/rss.xml").await;
    assert!(content_type.contains("xml"), "{content_type}");

    // Nothing changed: nothing goes up.
    let (out, report) = publish(&site, &moto.endpoint, "test-key", &["--bucket", url]);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(ops(&report), vec![]);
    assert_eq!(report["bucket"]["unchanged"], site_files.len());

    // One post edited: exactly the files the render rewrote go up.
    let path = site.content().join("posts/writing-posts.md");
    let text = std::fs::read_to_string(&path).expect("read");
    std::fs::write(
        &path,
        text.replacen("---\n\n", "---\n\nA new first sentence. ", 1),
    )
    .expect("write");
    let (out, report) = publish(&site, &moto.endpoint, "test-key", &["--bucket", url]);
    assert!(out.status.success(), "{out:?}");
    let written: BTreeSet<String> = report["publish"]["build"]["written"]
        .as_array()
        .expect("written")
        .iter()
        .map(|p| p.as_str().expect("path").to_owned())
        .filter(|p| !p.starts_with('.'))
        .collect();
    // Pages are updated in place; the search index's chunk is named by its content,
    // so the edited post's chunk is a new object and the old one goes.
    let sent: BTreeSet<String> = ops(&report)
        .into_iter()
        .filter_map(|(op, p)| match op.as_str() {
            "update" => Some(p),
            "upload" | "delete" if p.starts_with("search/") => (op == "upload").then_some(p),
            _ => panic!("{op} {p}"),
        })
        .collect();
    assert_eq!(sent, written);
    assert!(report["bucket"]["changed_pages"]
        .as_array()
        .expect("pages")
        .contains(&Value::from("/writing-posts/")));

    // A post removed: its page is deleted from the bucket, after the uploads.
    std::fs::remove_file(site.content().join("posts/deploying-on-k3s.md")).expect("remove");
    let (out, report) = publish(
        &site,
        &moto.endpoint,
        "test-key",
        &["--bucket", url, "--prune"],
    );
    assert!(out.status.success(), "{out:?}");
    let changes = ops(&report);
    let first_delete = changes
        .iter()
        .position(|(op, _)| op == "delete")
        .expect("a deletion");
    assert!(
        changes[first_delete..].iter().all(|(op, _)| op == "delete"),
        "{changes:?}"
    );
    assert!(changes.contains(&(
        "delete".to_owned(),
        "deploying-on-k3s/index.html".to_owned()
    )));
    assert_eq!(
        moto.get("site", "blog/deploying-on-k3s/index.html").await.0,
        404
    );
    assert_eq!(moto.get("site", "blog/index.html").await.0, 200);

    // --no-delete keeps objects the site no longer has.
    std::fs::remove_file(site.content().join("posts/publishing-from-ci.md")).expect("remove");
    let (out, _) = publish(
        &site,
        &moto.endpoint,
        "test-key",
        &["--bucket", url, "--prune", "--no-delete"],
    );
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        moto.get("site", "blog/publishing-from-ci/index.html")
            .await
            .0,
        200
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_dry_run_prints_the_plan_and_changes_nothing() {
    let moto = Moto::start();
    moto.create_bucket("plan").await;
    let site = TestSite::sample();
    let (out, report) = publish(
        &site,
        &moto.endpoint,
        "test-key",
        &["--bucket", "s3://plan", "--dry-run"],
    );
    assert!(out.status.success(), "{out:?}");
    assert_eq!(report["bucket"]["dry_run"], true);
    assert!(!ops(&report).is_empty());
    assert_eq!(
        moto.get("plan", "index.html").await.0,
        404,
        "a dry run uploads nothing"
    );
    let (out, _) = publish(
        &site,
        &moto.endpoint,
        "test-key",
        &["--bucket", "s3://plan"],
    );
    assert!(out.status.success(), "{out:?}");
    assert_eq!(moto.get("plan", "index.html").await.0, 200);
}

/// Forwards to moto, but refuses what `refuse` says, as S3 would.
async fn proxy(
    refuse: fn(&Method, &str, &str) -> Option<(StatusCode, &'static str)>,
    target: String,
) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr: SocketAddr = listener.local_addr().expect("addr");
    let app = axum::Router::new()
        .fallback(move |State(target): State<String>, request: Request| async move {
            let auth = request
                .headers()
                .get("authorization")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned();
            if let Some((status, code)) = refuse(request.method(), request.uri().path(), &auth) {
                let body = format!(
                    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code><Message>refused by the test</Message></Error>"
                );
                return (status, [("content-type", "application/xml")], body).into_response();
            }
            let (parts, body) = request.into_parts();
            let bytes: Bytes = axum::body::to_bytes(body, usize::MAX).await.expect("a body");
            let url = format!("{target}{}", parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/"));
            let mut forward = reqwest::Client::new().request(parts.method.clone(), url).body(bytes);
            for (name, value) in &parts.headers {
                if name != "host" {
                    forward = forward.header(name, value);
                }
            }
            let answer = forward.send().await.expect("moto answers");
            let mut response = Response::builder().status(answer.status().as_u16());
            for (name, value) in answer.headers() {
                response = response.header(name, value);
            }
            response
                .body(axum::body::Body::from(answer.bytes().await.expect("a body")))
                .expect("a response")
        })
        .with_state(target);
    tokio::spawn(async move { axum::serve(listener, app).await.expect("proxy runs") });
    format!("http://{addr}")
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failure_half_way_leaves_every_page_with_its_assets_and_a_rerun_finishes() {
    let moto = Moto::start();
    moto.create_bucket("half").await;
    let site = TestSite::sample();
    // Feeds and the sitemap (the last uploads) fail.
    let failing = proxy(
        |method, path, _| {
            (method == Method::PUT && path.ends_with(".xml"))
                .then_some((StatusCode::BAD_REQUEST, "InvalidRequest"))
        },
        moto.endpoint.clone(),
    )
    .await;
    let (out, _) = publish(&site, &failing, "test-key", &["--bucket", "s3://half"]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(".xml"),
        "the error names the file: {stderr}"
    );

    // Every page that went up finds every asset it links to.
    let asset = regex::Regex::new(r#"(?:href|src)="(/assets/[^"]+)""#).expect("pattern");
    let mut pages = 0;
    for (path, bytes) in site.output() {
        if !path.ends_with(".html") {
            continue;
        }
        let (status, ..) = moto.get("half", &path).await;
        if status != 200 {
            continue;
        }
        pages += 1;
        for link in asset.captures_iter(&String::from_utf8_lossy(&bytes)) {
            let (status, ..) = moto.get("half", link[1].trim_start_matches('/')).await;
            assert_eq!(
                status, 200,
                "{path} links to {} which is not there",
                &link[1]
            );
        }
    }
    assert!(pages > 5, "pages were uploaded before the failure");
    assert_eq!(moto.get("half", "rss.xml").await.0, 404);

    // Run again without the failure: the job finishes.
    let (out, report) = publish(
        &site,
        &moto.endpoint,
        "test-key",
        &["--bucket", "s3://half"],
    );
    assert!(out.status.success(), "{out:?}");
    assert_eq!(moto.get("half", "rss.xml").await.0, 200);
    assert!(ops(&report).iter().any(|(_, p)| p == "rss.xml"));
}

#[tokio::test(flavor = "multi_thread")]
async fn wrong_credentials_and_unknown_buckets_are_named() {
    let moto = Moto::start();
    moto.create_bucket("real").await;
    let site = TestSite::sample();
    let (out, _) = publish(
        &site,
        &moto.endpoint,
        "test-key",
        &["--bucket", "s3://no-such-bucket"],
    );
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("no bucket no-such-bucket"), "{stderr}");

    // S3's answer to a key it does not know.
    let strict = proxy(
        |_, _, auth| {
            auth.contains("Credential=WRONGKEY/")
                .then_some((StatusCode::FORBIDDEN, "InvalidAccessKeyId"))
        },
        moto.endpoint.clone(),
    )
    .await;
    let (out, _) = publish(&site, &strict, "WRONGKEY", &["--bucket", "s3://real"]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("refused the credentials"), "{stderr}");

    let (out, _) = publish(
        &site,
        &moto.endpoint,
        "test-key",
        &["--bucket", "http://not-s3"],
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a bucket URL"));
}
