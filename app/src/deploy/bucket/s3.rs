//! An S3-compatible bucket named `s3://BUCKET/PREFIX`, opened with the credentials and
//! endpoint of the environment (`AWS_*`): the one way the site's sync and the
//! off-site backup reach a bucket, with errors that say what to fix.

use std::sync::Arc;

use object_store::aws::{AmazonS3Builder, AmazonS3ConfigKey};
use object_store::path::Path as ObjectPath;
use object_store::ObjectStore;

use super::BucketError;

pub struct S3 {
    pub store: Arc<dyn ObjectStore>,
    /// The bucket's name.
    pub name: String,
    /// Without slashes at either end; empty for the whole bucket.
    pub prefix: String,
    /// What `AWS_ENDPOINT_URL` says, for messages.
    pub endpoint: String,
}

impl S3 {
    pub fn open(url: &str) -> Result<Self, BucketError> {
        let rest = url
            .strip_prefix("s3://")
            .filter(|r| !r.is_empty())
            .ok_or_else(|| BucketError::Url(url.to_owned()))?;
        let (name, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        let endpoint = std::env::var("AWS_ENDPOINT_URL")
            .or_else(|_| std::env::var("AWS_ENDPOINT"))
            .unwrap_or_else(|_| "AWS".to_owned());
        let mut builder = AmazonS3Builder::from_env();
        // A key kept in a file (a mounted Secret) rather than in the environment,
        // where every process of the user and every crash report can read it.
        for (var, key) in [
            ("AWS_ACCESS_KEY_ID", AmazonS3ConfigKey::AccessKeyId),
            ("AWS_SECRET_ACCESS_KEY", AmazonS3ConfigKey::SecretAccessKey),
            ("AWS_SESSION_TOKEN", AmazonS3ConfigKey::Token),
        ] {
            let Some(file) = std::env::var_os(format!("{var}_FILE")) else {
                continue;
            };
            let value = std::fs::read_to_string(&file).map_err(|e| {
                BucketError::Config(format!("{var}_FILE {}: {e}", file.to_string_lossy()))
            })?;
            builder = builder.with_config(key, value.trim());
        }
        let store = builder
            .with_bucket_name(name)
            .with_allow_http(endpoint.starts_with("http://"))
            .build()
            .map_err(|e| BucketError::Config(e.to_string()))?;
        Ok(Self {
            store: Arc::new(store),
            name: name.to_owned(),
            prefix: prefix.trim_matches('/').to_owned(),
            endpoint,
        })
    }

    /// The object of `path`, under the prefix.
    pub fn key(&self, path: &str) -> ObjectPath {
        if self.prefix.is_empty() {
            ObjectPath::from(path)
        } else {
            ObjectPath::from(format!("{}/{path}", self.prefix))
        }
    }

    /// The path under the prefix of an object.
    pub fn path_of(&self, location: &ObjectPath) -> String {
        let text = location.to_string();
        if self.prefix.is_empty() {
            return text;
        }
        text.strip_prefix(&format!("{}/", self.prefix))
            .unwrap_or(&text)
            .to_owned()
    }

    /// What went wrong `what`ing `path`, in terms of what to fix.
    pub fn explain(&self, what: &'static str, path: &str, e: object_store::Error) -> BucketError {
        let message = e.to_string();
        let refused = [
            "InvalidAccessKeyId",
            "SignatureDoesNotMatch",
            "AccessDenied",
            "403 Forbidden",
        ];
        if message.contains("NoSuchBucket") {
            BucketError::NoBucket {
                bucket: self.name.clone(),
                endpoint: self.endpoint.clone(),
            }
        } else if refused.iter().any(|m| message.contains(m)) {
            BucketError::Access {
                bucket: self.name.clone(),
                message: first_line(&message),
            }
        } else {
            BucketError::Transfer {
                what,
                path: path.to_owned(),
                message: first_line(&message),
            }
        }
    }
}

fn first_line(text: &str) -> String {
    text.lines()
        .next()
        .unwrap_or_default()
        .chars()
        .take(300)
        .collect()
}
