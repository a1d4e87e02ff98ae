//! One bucket, as a sync talks to it: objects under a prefix, listed, read, put and
//! deleted, with errors that say what to fix (the credentials, the bucket's name).

use std::collections::HashMap;

use futures_util::TryStreamExt;
use object_store::path::Path as ObjectPath;
use object_store::{Attribute, Attributes, PutOptions, PutPayload};

use super::headers::Headers;
use super::plan::Local;
use super::redirect_object::RedirectPut;
use super::s3::S3;
use super::{BucketError, Manifest, MANIFEST};

pub(super) struct Bucket {
    s3: S3,
    /// Puts redirect pages as website redirects, when the credentials allow.
    redirect_put: Option<RedirectPut>,
}

impl Bucket {
    /// The bucket `s3://BUCKET/PREFIX`, with the credentials and endpoint of the
    /// environment (`AWS_*`).
    pub(super) fn open(url: &str) -> Result<Self, BucketError> {
        let s3 = S3::open(url)?;
        let redirect_put = RedirectPut::from_env(&s3.name);
        Ok(Self { s3, redirect_put })
    }

    fn key(&self, path: &str) -> ObjectPath {
        self.s3.key(path)
    }

    fn explain(&self, what: &'static str, path: &str, e: object_store::Error) -> BucketError {
        self.s3.explain(what, path, e)
    }

    /// Site path -> size of every object under the prefix.
    pub(super) async fn list(&self) -> Result<HashMap<String, u64>, BucketError> {
        let under = (!self.s3.prefix.is_empty()).then(|| ObjectPath::from(self.s3.prefix.as_str()));
        let listed: Vec<object_store::ObjectMeta> = self
            .s3
            .store
            .list(under.as_ref())
            .try_collect()
            .await
            .map_err(|e| self.explain("listing", &self.s3.name, e))?;
        Ok(listed
            .iter()
            .map(|m| (self.s3.path_of(&m.location), m.size))
            .collect())
    }

    /// The manifest of the last sync; an empty one if there is none or it is unreadable.
    pub(super) async fn manifest(&self) -> Result<Manifest, BucketError> {
        match self.s3.store.get(&self.key(MANIFEST)).await {
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
        self.s3
            .store
            .put_opts(&self.key(path), PutPayload::from(bytes), options)
            .await
            .map(|_| ())
            .map_err(|e| self.explain("uploading", path, e))
    }

    /// Deletes the object of `path`; one already gone is no error.
    pub(super) async fn delete(&self, path: &str) -> Result<(), BucketError> {
        match self.s3.store.delete(&self.key(path)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(self.explain("deleting", path, e)),
        }
    }
}
