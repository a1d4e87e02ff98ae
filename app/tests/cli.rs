//! The `folio` binary's commands and exit codes, run in a temporary site folder.

mod common;

use common::{post, TestSite};

fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn publish_then_a_bad_file_fails_naming_it_and_keeps_the_site() {
    let site = TestSite::sample();
    let ok = site.cli(&["publish"]);
    assert!(ok.status.success(), "{}", stderr(&ok));
    let summary = String::from_utf8_lossy(&ok.stdout);
    assert!(
        summary.contains("added") && summary.contains("rendered"),
        "{summary}"
    );
    let before = site.output();
    assert!(before.contains_key("index.html"));
    let again = site.cli(&["publish"]);
    assert!(again.status.success());
    assert!(String::from_utf8_lossy(&again.stdout).contains("up to date"));

    site.write(
        "posts/typo.md",
        "---\ntitle: Typo\ntags: [a, b\n---\nbody\n",
    );
    let failed = site.cli(&["publish"]);
    assert!(!failed.status.success());
    let message = stderr(&failed);
    assert!(
        message.contains("posts/typo.md:3:") || message.contains("posts/typo.md:4:"),
        "{message}"
    );
    assert_eq!(
        before,
        site.output(),
        "public/ changed after a failed publish"
    );
}

#[test]
fn unknown_keys_warn_without_failing_and_json_is_machine_readable() {
    let site = TestSite::empty();
    site.write("posts/a.md", &post("A", "mood: sunny\n", "text"));
    let output = site.cli(&["publish", "--json"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON summary");
    assert_eq!(report["import"]["added"], 1);
    assert_eq!(
        report["import"]["warnings"][0],
        "posts/a.md: unknown front matter key `mood` (ignored)"
    );
    assert!(report["build"]["files"].as_u64().expect("a count") > 5);
}

#[test]
fn a_missing_theme_folder_and_a_bad_config_are_named() {
    let site = TestSite::sample();
    let output = site.cli(&["publish", "--theme", "no-such-theme"]);
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("no-such-theme"),
        "{}",
        stderr(&output)
    );

    std::fs::write(
        site.path().join("folio.toml"),
        "title = \"x\"\ncolour = \"red\"\n",
    )
    .expect("write");
    let output = site.cli(&["publish"]);
    assert!(!output.status.success());
    let message = stderr(&output);
    assert!(
        message.contains("folio.toml") && message.contains("colour"),
        "{message}"
    );
}

#[test]
fn import_and_export_commands_round_trip() {
    let site = TestSite::sample();
    let first = site.cli(&["import"]);
    assert!(first.status.success(), "{}", stderr(&first));
    let exported = site.path().join("exported");
    let export = site.cli(&["export", exported.to_str().expect("utf-8 path")]);
    assert!(export.status.success(), "{}", stderr(&export));
    assert!(exported.join("posts/getting-started.md").is_file());
    let again = site.cli(&["import", exported.to_str().expect("utf-8 path"), "--json"]);
    let report: serde_json::Value = serde_json::from_slice(&again.stdout).expect("JSON");
    assert_eq!(
        (report["added"].as_u64(), report["updated"].as_u64()),
        (Some(0), Some(0)),
        "{report}"
    );
}
