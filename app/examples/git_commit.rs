//! What one commit of the content folder costs (`[git]` commits after every admin
//! change): nine one-file edits, each committed, then a commit with nothing changed.
//! DIR is a Git working copy, e.g. the benchmark corpus with `git init` and one
//! commit (see `docs/benchmarks.md`).
//!
//! `cargo run --release --example git_commit -- DIR`

fn main() {
    let dir = std::path::PathBuf::from(std::env::args().nth(1).expect("usage: git_commit DIR"));
    let config = folio::git::GitConfig::default();
    let run = std::process::id();
    let mut times = Vec::new();
    for n in 0..9 {
        let file = dir.join(format!("edit-{run}-{n}.md"));
        std::fs::write(&file, format!("---\ntitle: Edit {n}\n---\nBody.\n")).expect("write");
        let started = std::time::Instant::now();
        let id = folio::git::commit_folder(&config, &dir, "one edit").expect("commit");
        times.push(started.elapsed().as_secs_f64() * 1000.0);
        assert!(id.is_some(), "the edit was committed");
    }
    let started = std::time::Instant::now();
    let none = folio::git::commit_folder(&config, &dir, "nothing").expect("commit");
    let nothing = started.elapsed().as_secs_f64() * 1000.0;
    assert!(none.is_none(), "nothing to commit");
    times.sort_by(f64::total_cmp);
    println!(
        "one edit: median {:.1} ms (min {:.1}, max {:.1}); nothing changed: {nothing:.1} ms",
        times[4], times[0], times[8]
    );
}
