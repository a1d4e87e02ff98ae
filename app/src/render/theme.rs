//! A theme: Tera templates and static assets, from a folder or from the default theme
//! compiled into the binary. A site may override single templates of its theme with
//! files of the same name in its own templates folder.

use std::collections::HashMap;
use std::error::Error as _;
use std::path::{Path, PathBuf};

use include_dir::{include_dir, Dir};
use tera::Tera;

use super::RenderError;

static EMBEDDED: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/../themes/default");

/// The templates every theme must have.
pub(super) const REQUIRED_TEMPLATES: &[&str] = &[
    "index.html",
    "post.html",
    "page.html",
    "tag.html",
    "author.html",
    "404.html",
];

/// Where a theme's files come from.
#[derive(Debug, Clone)]
pub enum ThemeSource {
    Dir(PathBuf),
    /// The default theme built into the binary.
    Embedded,
}

/// A theme asset with its content-hashed output path.
#[derive(Debug)]
pub struct Asset {
    /// Path under the theme's `static/`, as templates ask for it.
    pub name: String,
    /// Path in the output, e.g. `assets/style.3f2a9c1e.css`.
    pub output: String,
    pub bytes: Vec<u8>,
}

pub struct Theme {
    pub tera: Tera,
    pub assets: Vec<Asset>,
    /// `search = true` in its `theme.toml`: the build writes the search index its
    /// script reads (see `render::search`).
    pub search: bool,
    /// Its words in each language it has (`locales/*.toml`).
    pub locales: super::locales::Locales,
    /// Template name -> the file it was read from, for error messages.
    origins: HashMap<String, String>,
}

/// What a theme's `theme.toml` asks of the build: whether it wants a search index.
fn manifest(bytes: &[u8]) -> Result<bool, String> {
    #[derive(serde::Deserialize)]
    struct Manifest {
        #[serde(default)]
        search: bool,
    }
    let text = std::str::from_utf8(bytes).map_err(|_| "not valid UTF-8".to_owned())?;
    let manifest: Manifest = toml::from_str(text).map_err(|e| e.to_string())?;
    Ok(manifest.search)
}

impl Theme {
    /// Loads the theme and then the site's `overrides` folder, if it exists.
    pub fn load(source: &ThemeSource, overrides: Option<&Path>) -> Result<Self, RenderError> {
        let files = match source {
            ThemeSource::Dir(dir) => read_dir(dir)?,
            ThemeSource::Embedded => embedded_files(),
        };
        let label = match source {
            ThemeSource::Dir(dir) => dir.display().to_string(),
            ThemeSource::Embedded => "the built-in default theme".to_owned(),
        };
        let Parts {
            mut templates,
            assets,
            search,
            locales,
        } = Parts::of(files, &label)?;
        if let Some(dir) = overrides.filter(|d| d.is_dir()) {
            for (rel, bytes) in read_dir(dir)? {
                let file = dir.join(&rel).display().to_string();
                let text = String::from_utf8(bytes).map_err(|_| RenderError::Theme {
                    file: file.clone(),
                    message: "not valid UTF-8".into(),
                })?;
                templates.insert(rel, (text, file));
            }
        }
        for name in REQUIRED_TEMPLATES {
            if !templates.contains_key(*name) {
                return Err(RenderError::MissingTemplate {
                    name: (*name).to_owned(),
                    theme: label.clone(),
                });
            }
        }
        let origins: HashMap<String, String> = templates
            .iter()
            .map(|(name, (_, file))| (name.clone(), file.clone()))
            .collect();
        let mut tera = Tera::default();
        // Tera's default also escapes `/`, which turns every URL into `&#x2F;` soup;
        // escaping `&<>"'` is what HTML needs.
        tera.set_escape_fn(escape);
        let mut sorted: Vec<(String, String)> =
            templates.into_iter().map(|(n, (t, _))| (n, t)).collect();
        sorted.sort();
        tera.add_raw_templates(sorted).map_err(|e| {
            let message = error_chain(&e);
            let file = origins
                .iter()
                .filter(|(name, _)| message.contains(&format!("'{name}'")))
                .map(|(_, file)| file.clone())
                .next()
                .unwrap_or_else(|| label.clone());
            RenderError::Theme { file, message }
        })?;
        register_asset_function(&mut tera, &assets);
        Ok(Theme {
            tera,
            assets,
            search,
            locales,
            origins,
        })
    }

    /// Renders one template, turning Tera's error into one that names the file.
    pub fn render(&self, name: &str, context: &tera::Context) -> Result<String, RenderError> {
        self.tera
            .render(name, context)
            .map_err(|e| RenderError::Theme {
                file: self
                    .origins
                    .get(name)
                    .cloned()
                    .unwrap_or_else(|| name.to_owned()),
                message: error_chain(&e),
            })
    }
}

/// A theme's files, sorted by what they are.
#[derive(Default)]
struct Parts {
    /// Name -> (text, the file it was read from).
    templates: HashMap<String, (String, String)>,
    assets: Vec<Asset>,
    search: bool,
    locales: super::locales::Locales,
}

impl Parts {
    /// `files` of the theme `label` (relative path, bytes).
    fn of(files: Vec<(String, Vec<u8>)>, label: &str) -> Result<Self, RenderError> {
        let mut parts = Parts::default();
        for (rel, bytes) in files {
            if rel == "theme.toml" {
                parts.search = manifest(&bytes).map_err(|message| RenderError::Theme {
                    file: format!("{label}/{rel}"),
                    message,
                })?;
                continue;
            }
            if let Some(name) = rel.strip_prefix("templates/") {
                let text = String::from_utf8(bytes).map_err(|_| RenderError::Theme {
                    file: format!("{label}/{rel}"),
                    message: "not valid UTF-8".into(),
                })?;
                parts
                    .templates
                    .insert(name.to_owned(), (text, format!("{label}/{rel}")));
            } else if let Some(tag) =
                (rel.strip_prefix("locales/")).and_then(|name| name.strip_suffix(".toml"))
            {
                (parts.locales)
                    .add(tag, &bytes)
                    .map_err(|message| RenderError::Theme {
                        file: format!("{label}/{rel}"),
                        message,
                    })?;
            } else if let Some(name) = rel.strip_prefix("static/") {
                parts.assets.push(Asset {
                    output: fingerprinted(name, &bytes),
                    name: name.to_owned(),
                    bytes,
                });
            }
        }
        Ok(parts)
    }
}

/// `style.css` -> `assets/style.3f2a9c1e.css`: a new name whenever the content
/// changes, so a CDN may cache assets forever.
fn fingerprinted(name: &str, bytes: &[u8]) -> String {
    let hash = blake3::hash(bytes).to_hex();
    let short = &hash.as_str()[..8];
    let (dir, file) = name.rsplit_once('/').map_or(("", name), |(d, f)| (d, f));
    let file = match file.rsplit_once('.') {
        Some((stem, ext)) => format!("{stem}.{short}.{ext}"),
        None => format!("{file}.{short}"),
    };
    if dir.is_empty() {
        format!("assets/{file}")
    } else {
        format!("assets/{dir}/{file}")
    }
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    pulldown_cmark_escape::escape_html(&mut out, text).expect("writing to a String cannot fail");
    out
}

fn error_chain(e: &tera::Error) -> String {
    let mut message = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        message.push_str(": ");
        message.push_str(&s.to_string());
        source = s.source();
    }
    message
}

fn read_dir(dir: &Path) -> Result<Vec<(String, Vec<u8>)>, RenderError> {
    if !dir.is_dir() {
        return Err(RenderError::Theme {
            file: dir.display().to_string(),
            message: "no such folder".into(),
        });
    }
    let mut files = Vec::new();
    for entry in walkdir::WalkDir::new(dir).sort_by_file_name() {
        let entry = entry.map_err(|e| RenderError::Theme {
            file: dir.display().to_string(),
            message: e.to_string(),
        })?;
        if entry.file_type().is_file() && !entry.file_name().to_string_lossy().starts_with('.') {
            let bytes = std::fs::read(entry.path()).map_err(|e| RenderError::Theme {
                file: entry.path().display().to_string(),
                message: e.to_string(),
            })?;
            files.push((crate::disk::relative_path(dir, entry.path()), bytes));
        }
    }
    Ok(files)
}

/// `asset(path="css/style.css")` in templates: the fingerprinted URL of a file of
/// the theme's `static/` folder; an error naming the path when there is none.
fn register_asset_function(tera: &mut Tera, assets: &[Asset]) {
    let urls: HashMap<String, String> = assets
        .iter()
        .map(|a| (a.name.clone(), format!("/{}", a.output)))
        .collect();
    tera.register_function("asset", move |args: &HashMap<String, tera::Value>| {
        let path = args
            .get("path")
            .and_then(|p| p.as_str())
            .ok_or_else(|| tera::Error::msg("asset() needs path=\"file under static/\""))?;
        urls.get(path.trim_start_matches('/'))
            .map(|u| tera::Value::String(u.clone()))
            .ok_or_else(|| {
                tera::Error::msg(format!(
                    "asset({path:?}): no such file in the theme's static/ folder"
                ))
            })
    });
}

/// A hash of every file of the theme from `source` and of the site's `overrides`:
/// what a build's pages are made with besides their data. Reading the files is
/// cheaper than loading the theme, so a publish with nothing to do knows it sooner.
pub fn theme_hash(source: &ThemeSource, overrides: &Path) -> blake3::Hash {
    let mut hasher = blake3::Hasher::new();
    match source {
        ThemeSource::Dir(dir) => hash_tree(&mut hasher, dir),
        ThemeSource::Embedded => {
            for (name, bytes) in embedded_files() {
                hasher.update(name.as_bytes());
                hasher.update(&bytes);
            }
        }
    }
    hash_tree(&mut hasher, overrides);
    hasher.finalize()
}

/// Adds the names and contents of the files under `dir` to `hasher` (Markdown
/// excepted: a theme has none, and the store keeps a site's).
fn hash_tree(hasher: &mut blake3::Hasher, dir: &Path) {
    for entry in walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .flatten()
    {
        if !entry.file_type().is_file() || entry.file_name().to_string_lossy().ends_with(".md") {
            continue;
        }
        hasher.update(entry.path().to_string_lossy().as_bytes());
        if let Ok(bytes) = std::fs::read(entry.path()) {
            hasher.update(&bytes);
        }
    }
}

fn embedded_files() -> Vec<(String, Vec<u8>)> {
    fn walk(dir: &Dir<'static>, files: &mut Vec<(String, Vec<u8>)>) {
        for file in dir.files() {
            files.push((
                file.path().to_string_lossy().replace('\\', "/"),
                file.contents().to_vec(),
            ));
        }
        for sub in dir.dirs() {
            walk(sub, files);
        }
    }
    let mut files = Vec::new();
    walk(&EMBEDDED, &mut files);
    files
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints() {
        let out = fingerprinted("css/style.css", b"body{}");
        assert!(
            out.starts_with("assets/css/style.") && out.ends_with(".css"),
            "{out}"
        );
        let hash = out.rsplit('.').nth(1).expect("a hash before the extension");
        assert!(hash.len() == 8 && hash.bytes().all(|b| b.is_ascii_hexdigit()));
    }

    #[test]
    fn the_embedded_theme_loads() {
        let theme = Theme::load(&ThemeSource::Embedded, None).expect("the default theme is valid");
        assert!(theme.assets.iter().any(|a| a.name == "style.css"));
    }
}
