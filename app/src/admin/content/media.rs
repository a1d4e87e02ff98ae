//! Image uploads: checked by their content (not their name), stored under
//! `content/images/YYYY/MM/` with a name no other file has, published with the site.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::Json;
use chrono::Datelike;
use serde::Serialize;
use utoipa::ToSchema;

use crate::admin::auth::{Caller, Need};
use crate::admin::error::{ApiError, ApiResult};
use crate::admin::Admin;

/// An image stored.
#[derive(Serialize, ToSchema)]
pub(in crate::admin) struct Uploaded {
    /// Its address on the site (after the next publish).
    pub url: String,
    /// Its path in `content/`.
    path: String,
    width: u32,
    height: u32,
}

/// A multipart upload with the image in the field `file`: the document's description
/// of what `Multipart` reads field by field (never built).
#[derive(ToSchema)]
#[allow(dead_code)]
pub(in crate::admin) struct ImageForm {
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

/// Uploads an image (PNG, JPEG, GIF, WebP or AVIF; never SVG), checked by its
/// content, within the account's hourly quota.
#[utoipa::path(post, path = "/media", tag = "media",
    request_body(content = ImageForm, content_type = "multipart/form-data"),
    responses((status = 201, body = Uploaded)))]
pub(in crate::admin) async fn upload(
    State(admin): State<Arc<Admin>>,
    caller: Caller,
    multipart: Multipart,
) -> ApiResult<(StatusCode, Json<Uploaded>)> {
    caller.require(Need::WriteContent)?;
    let form = read_form(&admin, multipart).await?;
    let (name, bytes) = form
        .file
        .ok_or_else(|| ApiError::field("file", "send the image as the multipart field \"file\""))?;
    let uploaded = store_image(&admin, &caller, &name, bytes).await?;
    Ok((StatusCode::CREATED, Json(uploaded)))
}

/// A multipart upload read: its `file` (name and bytes) and its other text fields
/// (Ghost's clients send `purpose` and `ref`).
pub(in crate::admin) struct Form {
    pub file: Option<(String, axum::body::Bytes)>,
    pub fields: Vec<(String, String)>,
}

/// Reads a multipart upload within the media limit (the route's body limit).
pub(in crate::admin) async fn read_form(
    admin: &Admin,
    mut multipart: Multipart,
) -> ApiResult<Form> {
    let read_error = |e: axum::extract::multipart::MultipartError| {
        let status = e.status();
        let message = if status == StatusCode::PAYLOAD_TOO_LARGE {
            format!(
                "the file is larger than the limit of {} bytes",
                admin.options.media_max_bytes
            )
        } else {
            e.body_text()
        };
        ApiError::new(status, message).with_field("file")
    };
    let mut form = Form {
        file: None,
        fields: Vec::new(),
    };
    while let Some(field) = multipart.next_field().await.map_err(read_error)? {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "file" {
            let file_name = field.file_name().unwrap_or("image").to_owned();
            form.file = Some((file_name, field.bytes().await.map_err(read_error)?));
        } else if form.fields.len() < 8 {
            let text = field.text().await.map_err(read_error)?;
            form.fields.push((name, text.chars().take(1000).collect()));
        }
    }
    Ok(form)
}

/// Checks an image by its content and stores it under `content/images/YYYY/MM/`,
/// within the caller's hourly quota and the disk's free space.
pub(in crate::admin) async fn store_image(
    admin: &Admin,
    caller: &Caller,
    name: &str,
    bytes: axum::body::Bytes,
) -> ApiResult<Uploaded> {
    let ext = image_extension(&bytes).map_err(|m| ApiError::field("file", m))?;
    let size = imagesize::blob_size(&bytes)
        .map_err(|_| ApiError::field("file", "the image is damaged: its size cannot be read"))?;
    let now = admin.now();
    let rel_dir = format!("images/{}/{:02}", now.year(), now.month());
    let dir = admin.site.paths.content.join(&rel_dir);
    crate::admin::content::quota::check_free_space(&dir, bytes.len() as u64)?;
    admin.uploads.take(
        caller.account.id,
        bytes.len() as u64,
        std::time::Instant::now(),
    )?;
    let stem = stem_of(name);
    let stored = tokio::task::spawn_blocking(move || store_file(&dir, &stem, ext, &bytes))
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::internal)?;
    let file = stored
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default()
        .to_owned();
    let path = format!("{rel_dir}/{file}");
    caller
        .audit(admin, "media.uploaded", Some(&path), None)
        .await;
    Ok(Uploaded {
        url: format!("/{path}"),
        path,
        width: u32::try_from(size.width).unwrap_or(u32::MAX),
        height: u32::try_from(size.height).unwrap_or(u32::MAX),
    })
}

/// The longest stem a stored name keeps: room for `-999.avif` within any file
/// system's 255 bytes, and short enough to read in a URL.
const MAX_STEM: usize = 100;

/// The name an upload is stored under: its own file name, slugified (which keeps
/// `a-z`, `0-9` and `-` only, so no path, NUL or dot survives) and cut short.
fn stem_of(name: &str) -> String {
    let stem = Path::new(name)
        .file_stem()
        .and_then(|s| s.to_str())
        .map(slug::slugify)
        .unwrap_or_default();
    let stem = stem[..stem.len().min(MAX_STEM)].trim_end_matches('-');
    if stem.is_empty() {
        "image".to_owned()
    } else {
        stem.to_owned()
    }
}

/// The extension of the image format the bytes are, if it is one the web shows.
pub(in crate::admin) fn image_extension(bytes: &[u8]) -> Result<&'static str, String> {
    use imagesize::ImageType;
    let head = &bytes[..bytes.len().min(512)];
    let text = String::from_utf8_lossy(head).to_ascii_lowercase();
    if text.contains("<svg") || text.trim_start().starts_with("<?xml") {
        return Err("SVG images are refused: they can carry scripts".into());
    }
    match imagesize::image_type(bytes) {
        Ok(ImageType::Png) => Ok("png"),
        Ok(ImageType::Jpeg) => Ok("jpg"),
        Ok(ImageType::Gif) => Ok("gif"),
        Ok(ImageType::Webp) => Ok("webp"),
        Ok(ImageType::Heif(imagesize::Compression::Av1)) => Ok("avif"),
        _ => Err("not an image this site accepts (PNG, JPEG, GIF, WebP or AVIF)".into()),
    }
}

/// Writes the bytes under `dir` as `stem.ext`, or `stem-2.ext`... whichever is free;
/// the file appears complete or not at all.
fn store_file(dir: &Path, stem: &str, ext: &str, bytes: &[u8]) -> std::io::Result<PathBuf> {
    let names = (1..1000).map(|n| match n {
        1 => format!("{stem}.{ext}"),
        n => format!("{stem}-{n}.{ext}"),
    });
    crate::disk::atomic::create_new(dir, names, bytes)
}

/// An uploaded file as the admin sees it before it is published: the preview points
/// here, since `public/` gets the file only at the next publish.
#[utoipa::path(get, path = "/media/{*path}", tag = "media",
    params(("path" = String, Path, description = "Under images/, files/ or media/")),
    responses((status = 200, description = "The file", content_type = "application/octet-stream")))]
pub(in crate::admin) async fn file(
    State(admin): State<Arc<Admin>>,
    caller: Caller,
    axum::extract::Path(path): axum::extract::Path<String>,
) -> ApiResult<axum::response::Response> {
    use axum::response::IntoResponse;
    caller.require(Need::ReadContent)?;
    let media = matches!(path.split('/').next(), Some("images" | "files" | "media"));
    if !media || path.ends_with(".md") {
        return Err(ApiError::bad_request(
            "media files are under images/, files/ or media/, and are not Markdown",
        ));
    }
    let file = crate::disk::confine::resolve(&admin.site.paths.content, &path)
        .map_err(|e| ApiError::bad_request(e.to_string()))?;
    let bytes = tokio::fs::read(&file)
        .await
        .map_err(|_| ApiError::not_found("no such media file"))?;
    Ok((
        [(
            axum::http::header::CONTENT_TYPE,
            crate::output::delivery::content_type(&path),
        )],
        bytes,
    )
        .into_response())
}
