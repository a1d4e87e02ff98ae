//! The command line: paths shared by every command (each also read from a
//! `FOLIO_*` variable), and one subcommand per job.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use folio::store::Role;

#[derive(Debug, Parser)]
#[command(
    name = "folio",
    version,
    about = "A self-hosted Markdown publisher: SQLite store, static renderer, server"
)]
pub(crate) struct Cli {
    #[command(flatten)]
    pub paths: PathArgs,
    #[command(subcommand)]
    pub command: Command,
}

impl Cli {
    /// Whether the command was asked for JSON (`--json`): its failure is then a JSON
    /// object on standard output too, for the CI job that parses it.
    pub(crate) fn wants_json(&self) -> bool {
        match &self.command {
            Command::Publish(args) => args.json,
            Command::Import(args) => match &args.from {
                Some(ImportFrom::Ghost { json, .. }) => *json,
                None => args.json,
            },
            Command::Integration {
                command: IntegrationCommand::Add { json, .. },
            } => *json,
            _ => false,
        }
    }
}

#[derive(Debug, Args)]
pub(crate) struct PathArgs {
    /// The SQLite database (created on first run).
    #[arg(long, env = "FOLIO_DB", default_value = "data/folio.db", global = true)]
    pub db: PathBuf,
    /// The Markdown content folder.
    #[arg(long, env = "FOLIO_CONTENT", default_value = "content", global = true)]
    pub content: PathBuf,
    /// The theme folder [default: themes/default, else the built-in theme].
    #[arg(long, env = "FOLIO_THEME", global = true)]
    pub theme: Option<PathBuf>,
    /// Templates that override the theme's, file by file (used if the folder exists).
    #[arg(
        long,
        env = "FOLIO_TEMPLATES",
        default_value = "templates",
        global = true
    )]
    pub templates: PathBuf,
    /// The output folder: the static site, ready for a bucket.
    #[arg(long, env = "FOLIO_OUT", default_value = "public", global = true)]
    pub out: PathBuf,
    /// The site configuration (optional).
    #[arg(
        long,
        env = "FOLIO_CONFIG",
        default_value = "folio.toml",
        global = true
    )]
    pub config: PathBuf,
    /// Override a folio.toml key, e.g. --set base_url=https://blog.example.
    #[arg(long = "set", value_name = "KEY=VALUE", global = true, value_parser = parse_key_value)]
    pub set: Vec<(String, String)>,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Import content/, render the site and serve it with health endpoints.
    Serve(ServeArgs),
    /// Import content/ and render the site into the output folder, then exit (for CI).
    Publish(PublishArgs),
    /// Import Markdown files into the store without rendering (or a Ghost export:
    /// `folio import ghost FILE`).
    #[command(args_conflicts_with_subcommands = true)]
    Import(ImportArgs),
    /// Write a consistent copy of the database while the server runs: into a file
    /// (`--out`), or with the content folder into an S3-compatible bucket (`--to`).
    Backup(BackupArgs),
    /// Replace the database with a backup, after checking it (stop the server first):
    /// a file, or the database and the content folder from a bucket (`--from`).
    Restore(RestoreArgs),
    /// Ask a running server whether it is healthy (exit 0 on 200): for container
    /// images without curl.
    Healthcheck {
        /// What to ask [default: /healthz on loopback, at the port of FOLIO_LISTEN].
        #[arg(long)]
        url: Option<String>,
        /// The server's address, as `folio serve` reads it.
        #[arg(long, env = "FOLIO_LISTEN", default_value = "127.0.0.1:8080")]
        listen: SocketAddr,
    },
    /// Manage the accounts that log in to the admin API.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Keys for Ghost's Admin and Content APIs (writing apps, automations, the
    /// official SDKs): see docs/ghost-api.md.
    Integration {
        #[command(subcommand)]
        command: IntegrationCommand,
    },
    /// Ask a folio server whose content folder is a Git clone (`[git]`) to pull and
    /// publish (from CI, after a push to the content repository).
    Sync {
        /// The server's admin address (https://admin.blog.example).
        #[arg(long)]
        remote: String,
        /// An API token with the `sync` scope.
        #[arg(long, env = "FOLIO_TOKEN", hide_env_values = true)]
        token: String,
        /// Wait for the publish of what was pulled; exit non-zero if it failed.
        #[arg(long)]
        wait: bool,
    },
    /// Copy the content folder, which holds the whole site, to another folder (posts
    /// the store has without a file are written into the content folder first).
    Export {
        /// Folder to write [default: the content folder].
        dir: Option<PathBuf>,
    },
}

// The arguments of `folio serve` (its help is the variant's doc comment).
#[derive(Debug, Args)]
pub(crate) struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "FOLIO_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Serve Prometheus metrics at /metrics on this address (never on the public one).
    #[arg(long, env = "FOLIO_METRICS_LISTEN")]
    pub metrics_listen: Option<SocketAddr>,
    /// Serve the admin (/admin/) on this address only; the public address then
    /// answers /admin/ with 404.
    #[arg(long, env = "FOLIO_ADMIN_LISTEN")]
    pub admin_listen: Option<SocketAddr>,
    /// Open connections at most (at the limit, the oldest idle one is closed).
    #[arg(long, env = "FOLIO_MAX_CONNECTIONS", default_value_t = 1024)]
    pub max_connections: usize,
    /// Open connections one client address may hold (trusted proxies excepted).
    #[arg(long, env = "FOLIO_MAX_CONNECTIONS_PER_ADDRESS", default_value_t = 64)]
    pub max_connections_per_address: usize,
    /// Seconds a client has to send a request's headers (and a connection may idle).
    #[arg(long, env = "FOLIO_HEADER_TIMEOUT", default_value_t = 10)]
    pub header_timeout: u64,
    /// Render drafts too (a private preview).
    #[arg(long)]
    pub drafts: bool,
    /// Publish changes to content/, the theme and templates as they happen, and
    /// reload the browser.
    #[arg(long)]
    pub watch: bool,
    #[command(flatten)]
    pub admin: AdminArgs,
}

// The arguments of `folio publish` (its help is the variant's doc comment).
#[derive(Debug, Args)]
pub(crate) struct PublishArgs {
    /// Render drafts too (a private preview).
    #[arg(long)]
    pub drafts: bool,
    /// Archive posts whose file is gone from content/.
    #[arg(long)]
    pub prune: bool,
    /// Render even when nothing changed since the last build. With --remote: replace
    /// (and with --prune, remove) files changed on the server since the last push.
    #[arg(long)]
    pub force: bool,
    /// Keep running and publish changes as they happen.
    #[arg(long, conflicts_with = "bucket")]
    pub watch: bool,
    /// Print the summary as JSON.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub bucket: BucketArgs,
    /// Push the changed files of content/ to the folio at this address, which
    /// imports and publishes them (nothing is rendered here).
    #[arg(long, value_name = "https://ADMIN-HOST", conflicts_with_all = ["bucket", "watch"])]
    pub remote: Option<String>,
    /// The API token for --remote (scopes content:read, content:write, publish).
    #[arg(long, env = "FOLIO_TOKEN", hide_env_values = true, requires = "remote")]
    pub token: Option<String>,
}

// The arguments of `folio import` (its help is the variant's doc comment).
#[derive(Debug, Args)]
pub(crate) struct ImportArgs {
    #[command(subcommand)]
    pub from: Option<ImportFrom>,
    /// Folder to import [default: the content folder].
    pub dir: Option<PathBuf>,
    /// Archive posts whose file is gone (kept in the store, no longer published).
    #[arg(long)]
    pub prune: bool,
    /// Print the summary as JSON.
    #[arg(long)]
    pub json: bool,
}

// The arguments of `folio backup` (its help is the variant's doc comment).
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("where").required(true).args(["out", "to"])))]
pub(crate) struct BackupArgs {
    /// The copy to write, or a folder to write `folio-<UTC time>.db` into.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// An S3-compatible bucket, `s3://BUCKET/PREFIX` (credentials and endpoint from
    /// AWS_* variables): the database, and the content folder unless Git holds it.
    #[arg(long)]
    pub to: Option<String>,
    /// Keep only this many backups, the newest (in the folder or the bucket).
    #[arg(long)]
    pub keep: Option<usize>,
    /// With --to: print what was done as JSON.
    #[arg(long, requires = "to")]
    pub json: bool,
}

// The arguments of `folio restore`.
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("source").required(true).args(["file", "from"])))]
pub(crate) struct RestoreArgs {
    /// The backup file to restore.
    pub file: Option<PathBuf>,
    /// An S3-compatible bucket `folio backup --to` wrote to, `s3://BUCKET/PREFIX`.
    #[arg(long)]
    pub from: Option<String>,
    /// With --from: the backup to restore, by its name [default: the newest].
    #[arg(long, requires = "from")]
    pub set: Option<String>,
    /// With --from: list the bucket's backups, restore nothing.
    #[arg(long, requires = "from")]
    pub list: bool,
}

/// Where `publish` sends the site after rendering it.
#[derive(Debug, Args)]
pub(crate) struct BucketArgs {
    /// Upload the site to an S3-compatible bucket (settings from AWS_* variables:
    /// AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION, AWS_ENDPOINT_URL).
    #[arg(long, value_name = "s3://BUCKET/PREFIX")]
    pub bucket: Option<String>,
    /// Print what the bucket upload would do and change nothing there.
    #[arg(long, requires = "bucket")]
    pub dry_run: bool,
    /// Keep objects the site no longer has.
    #[arg(long, requires = "bucket")]
    pub no_delete: bool,
    /// Uploads at once.
    #[arg(long, default_value_t = 8, requires = "bucket")]
    pub concurrency: usize,
    /// Then purge the CDNs `[deploy]` names (cloudfront_distribution, cloudflare_zone)
    /// of the URLs this publish changed.
    #[arg(long)]
    pub purge: bool,
}

/// The admin API's settings (the secret key comes only from `FOLIO_SECRET_KEY`,
/// never from an argument, which other users could read in the process list).
#[derive(Debug, Args)]
pub(crate) struct AdminArgs {
    /// Serve the public site only, without the admin API.
    #[arg(long, env = "FOLIO_NO_ADMIN")]
    pub no_admin: bool,
    /// Send the session cookie over plain HTTP too (local development only).
    #[arg(long, env = "FOLIO_INSECURE_COOKIES")]
    pub insecure_cookies: bool,
    /// Proxies whose CF-Connecting-IP / X-Forwarded-For is trusted (CIDRs, comma-separated).
    #[arg(long, env = "FOLIO_TRUSTED_PROXIES", default_value = "")]
    pub trusted_proxies: String,
    /// Largest image upload, in bytes.
    #[arg(long, env = "FOLIO_MEDIA_MAX_BYTES", default_value_t = 20 * 1024 * 1024)]
    pub media_max_bytes: usize,
}

#[derive(Debug, Subcommand)]
pub(crate) enum IntegrationCommand {
    /// Make an integration: prints its Admin API key (`id:secret`) and Content API
    /// key, shown this once.
    Add {
        name: String,
        /// The account it acts for (never beyond its role) [default: the first owner].
        #[arg(long)]
        user: Option<String>,
        /// Print the keys as JSON (`admin_key`, `content_key`).
        #[arg(long)]
        json: bool,
    },
    /// List the keys (never their secrets).
    List,
    /// Revoke a key by its id.
    Revoke { id: String },
}

#[derive(Debug, Subcommand)]
pub(crate) enum UserCommand {
    /// Create an account (the first one is always an owner).
    Add {
        name: String,
        /// Ghost's roles: owner, administrator, editor, author (publishes their own
        /// posts), contributor (drafts only).
        #[arg(long, default_value = "contributor")]
        role: Role,
        /// Read the password from standard input instead of prompting.
        #[arg(long)]
        password_stdin: bool,
    },
    /// List the accounts.
    List,
    /// Set an account's password (its sessions end).
    Passwd {
        name: String,
        #[arg(long)]
        password_stdin: bool,
    },
    /// Forget an account's TOTP: its next login enrolls again (the break-glass path).
    #[command(name = "reset-2fa")]
    Reset2fa { name: String },
    /// Delete an account (not the last owner).
    Delete { name: String },
}

#[derive(Debug, Subcommand)]
pub(crate) enum ImportFrom {
    /// A Ghost JSON export (Ghost 4, 5 or 6): posts, pages, tags, authors, settings,
    /// at the URLs they had.
    Ghost {
        /// The export (Ghost admin: Settings > Advanced > Export).
        file: PathBuf,
        /// Ghost's content/images folder; its files/ and media/ siblings are read too.
        #[arg(long)]
        images: Option<PathBuf>,
        /// Ghost's permalink pattern if it was not /{slug}/ (e.g. /{year}/{month}/{slug}/):
        /// the old URLs redirect to the new ones.
        #[arg(long)]
        permalink: Option<String>,
        /// Posts for members or paid tiers: `draft` (whole, unpublished), `preview`
        /// (only the part before Ghost's members-only marker is published) or `public`
        /// (whole, to everyone).
        #[arg(long, value_enum, default_value_t)]
        members: folio::ghost::Members,
        /// Ghost's redirects.yaml or redirects.json (Settings > Labs): merged into
        /// content/redirects.yaml.
        #[arg(long)]
        redirects: Option<PathBuf>,
        /// Refuse exports larger than this many bytes.
        #[arg(long, default_value_t = folio::ghost::DEFAULT_MAX_BYTES)]
        max_bytes: u64,
        /// Then publish, and check every address the Ghost site had (posts, pages,
        /// tags, authors, feeds, sitemap, images, files) against the rendered site:
        /// missing ones are listed and the command fails.
        #[arg(long)]
        verify: bool,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
}

fn parse_key_value(text: &str) -> Result<(String, String), String> {
    text.split_once('=')
        .map(|(k, v)| (k.trim().to_owned(), v.to_owned()))
        .ok_or_else(|| format!("expected KEY=VALUE, got {text:?}"))
}
