//! The `folio` binary: parse the command line, set up logging, run one command.

use std::io::IsTerminal;

use clap::Parser;

mod cli;
mod cmd;

use cli::Cli;

// glibc's allocator spent ~13% of a cold render in malloc/free and fragments across
// rayon's threads; mimalloc is faster (user time of a cold 10k render -10%).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    // Where transparent huge pages are always on (Debian's default), mimalloc's
    // aligned regions fault in 2 MiB at a time: +25-50% resident memory for no
    // measurable speed. Memory is what a small VPS runs out of first.
    #[cfg(target_os = "linux")]
    let _ = rustix::thread::disable_transparent_huge_pages(true);
    let cli = Cli::parse();
    let json = cli.wants_json();
    init_logging(matches!(cli.command, cli::Command::Serve(_)));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime starts");
    match runtime.block_on(cmd::run(cli)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            if json {
                println!("{}", cmd::json_error(&e));
            }
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// Logs to standard error: with times and sources for the server (a log that is
/// read later), as plain lines for a command a person or a CI job reads as it runs.
fn init_logging(server: bool) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("FOLIO_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if std::env::var("FOLIO_LOG_FORMAT").is_ok_and(|f| f == "json") {
        builder.json().init();
    } else if server {
        builder.with_ansi(std::io::stderr().is_terminal()).init();
    } else {
        builder
            .without_time()
            .with_target(false)
            .with_ansi(std::io::stderr().is_terminal())
            .init();
    }
}
