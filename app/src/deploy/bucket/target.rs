//! One bucket, as a sync talks to it: objects under a prefix, listed, read, put and
//! deleted, with errors that say what to fix (the credentials, the bucket's name).

use std::collections::HashMap;
use std::sync::Arc;

use futures_util::TryStreamExt;
use object_store::aws::AmazonS3Builder;
use object_store::path::Path as ObjectPath;
use object_store::{Attribute, Attributes, ObjectStore, PutOptions, PutPayload};

use super::headers::Headers;
use super::plan::Local;
use super::redirect_object::RedirectPut;
use super::{BucketError, Manifest, MANIFEST};

pub(super) struct Bucket {
    store: Arc<dyn ObjectStore>,
    name: String,
    /// Without slashes at either end; empty for the whole bucket.
    prefix: String,
    /// What `AWS_ENDPOINT_URL` says, for messages.
    endpoint: String,
    /// Puts redirect pages as website redirects, when the credentials allow.
    redirect_put: Option<RedirectPut>,
}

impl Bucket {
    /// The bucket `s3://BUCKET/PREFIX`, with the credentials and endpoint of the
    /// environment (`AWS_*`).
    pub(super) fn open(url: &str) -> Result<Self, BucketError> {
        let rest = url
            .strip_prefix("s3://")
            .filter(|r| !r.is_empty())
            .ok_or_else(|| BucketError::Url(url.to_owned()))?;
        let (name, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        let endpoint = std::env::var("AWS_ENDPOINT_URL")
            .or_else(|_| std::env::var("AWS_ENDPOINT"))
            .unwrap_or_else(|_| "AWS".to_owned());
        let store = AmazonS3Builder::from_env()
            .with_bucket_name(name)
            .with_allow_http(endpoint.starts_with("http://"))
            .build()
            .map_err(|e| BucketError::Config(e.to_string()))?;
        Ok(Self {
            store: Arc::new(store),
            name: name.to_owned(),
            prefix: prefix.trim_matches('/').to_owned(),
            endpoint,
            redirect_put: RedirectPut::from_env(name),
        })
    }

    /// The object of a site path.
    fn key(&self, path: &str) -> ObjectPath {
        if self.prefix.is_empty() {
            ObjectPath::from(path)
        } else {
            ObjectPath::from(format!("{}/{path}", self.prefix))
        }
    }

    /// The site path of an object.
    fn path_of(&self, location: &ObjectPath) -> String {
        let text = location.to_string();
        if self.prefix.is_empty() {
            return text;
        }
        text.strip_prefix(&format!("{}/", self.prefix))
            .unwrap_or(&text)
            .to_owned()
    }

    /// What went wrong `what`ing `path`, in terms of what to fix.
    fn explain(&self, what: &'static str, path: &str, e: object_store::Error) -> BucketError {
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

    /// Site path -> size of every object under the prefix.
    pub(super) async fn list(&self) -> Result<HashMap<String, u64>, BucketError> {
        let under = (!self.prefix.is_empty()).then(|| ObjectPath::from(self.prefix.as_str()));
        let listed: Vec<object_store::ObjectMeta> = self
            .store
            .list(under.as_ref())
            .try_collect()
            .await
            .map_err(|e| self.explain("listing", &self.name, e))?;
        Ok(listed
            .iter()
            .map(|m| (self.path_of(&m.location), m.size))
            .collect())
    }

    /// The manifest of the last sync; an empty one if there is none or it is unreadable.
    pub(super) async fn manifest(&self) -> Result<Manifest, BucketError> {
        match self.store.get(&self.key(MANIFEST)).await {
            Ok(found) => {
                let bytes = found
                    .bytes()
                    .await
                    .map_err(|e| self.explain("reading", MANIFEST, e))?;
                Ok(serde_json::from_slice(&bytes).unwrap_or_default())
            }
            Err(object_store::Error::NotFound { .. }) => Ok(Manifest::default()),
            Err(e) => Err(self.explain("reading", MANIFEST, e)),
        }
    }

    pub(super) async fn write_manifest(&self, manifest: &Manifest) -> Result<(), BucketError> {
        let bytes = serde_json::to_vec(manifest).expect("the manifest serializes");
        let mut attributes = Attributes::new();
        attributes.insert(Attribute::ContentType, "application/json".into());
        attributes.insert(Attribute::CacheControl, "no-store".into());
        self.put(MANIFEST, bytes, attributes).await
    }

    /// Uploads `file` with the headers `headers` gives its path; a redirect page (its
    /// `redirect` target known) as a website redirect too.
    pub(super) async fn upload<'f>(
        &self,
        file: &'f Local,
        headers: &Headers,
        redirect: Option<&str>,
    ) -> Result<&'f Local, BucketError> {
        let bytes = tokio::fs::read(&file.file)
            .await
            .map_err(|source| BucketError::Io {
                path: file.file.clone(),
                source,
            })?;
        let (content_type, cache_control) = headers.for_path(&file.path);
        if let (Some(location), Some(put)) = (redirect, &self.redirect_put) {
            let key = self.key(&file.path).to_string();
            put.put(&key, bytes, (&content_type, &cache_control), location)
                .await?;
            return Ok(file);
        }
        let mut attributes = Attributes::new();
        attributes.insert(Attribute::ContentType, content_type.into());
        attributes.insert(Attribute::CacheControl, cache_control.into());
        if let Some(csp) = headers.csp_for(&file.path) {
            attributes.insert(
                Attribute::Metadata("content-security-policy".into()),
                csp.to_owned().into(),
            );
        }
        self.put(&file.path, bytes, attributes).await?;
        Ok(file)
    }

    async fn put(
        &self,
        path: &str,
        bytes: Vec<u8>,
        attributes: Attributes,
    ) -> Result<(), BucketError> {
        let options = PutOptions {
            attributes,
            ..PutOptions::default()
        };
        self.store
            .put_opts(&self.key(path), PutPayload::from(bytes), options)
            .await
            .map(|_| ())
            .map_err(|e| self.explain("uploading", path, e))
    }

    /// Deletes the object of `path`; one already gone is no error.
    pub(super) async fn delete(&self, path: &str) -> Result<(), BucketError> {
        match self.store.delete(&self.key(path)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(self.explain("deleting", path, e)),
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
