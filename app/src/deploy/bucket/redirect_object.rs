//! A redirect page put as an S3 *website redirect*: the object carries
//! `x-amz-website-redirect-location`, so a bucket served as a website (S3 website
//! hosting, CloudFront with it as origin) answers a real 301. object_store cannot set
//! that header, so this one PUT is signed here (SigV4, object_store's signer) with the
//! same `AWS_*` settings. The page itself is the body: hosts that ignore the header
//! still send readers on.

use object_store::aws::{AwsAuthorizer, AwsCredential};
use object_store::client::{HttpRequest, HttpRequestBody};

use super::BucketError;
use crate::deploy::encode_path;

/// Where and as whom objects are put, from the environment as object_store reads it.
pub(super) struct RedirectPut {
    /// `https://host/bucket` (path style) or `https://bucket.host` (virtual hosted).
    base: String,
    region: String,
    credential: AwsCredential,
    client: reqwest::Client,
}

impl RedirectPut {
    /// None without static credentials (an instance role): redirect pages then go up
    /// as pages only.
    pub(super) fn from_env(bucket: &str) -> Option<Self> {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        let credential = AwsCredential {
            key_id: var("AWS_ACCESS_KEY_ID")?,
            secret_key: var("AWS_SECRET_ACCESS_KEY")?,
            token: var("AWS_SESSION_TOKEN"),
        };
        let region = var("AWS_REGION")
            .or_else(|| var("AWS_DEFAULT_REGION"))
            .unwrap_or_else(|| "us-east-1".to_owned());
        let virtual_hosted = var("AWS_VIRTUAL_HOSTED_STYLE_REQUEST").is_some_and(|v| v == "true");
        let base = match var("AWS_ENDPOINT_URL").or_else(|| var("AWS_ENDPOINT")) {
            Some(endpoint) if virtual_hosted => {
                let endpoint = endpoint.trim_end_matches('/');
                match endpoint.split_once("://") {
                    Some((scheme, host)) => format!("{scheme}://{bucket}.{host}"),
                    None => format!("{endpoint}/{bucket}"),
                }
            }
            Some(endpoint) => format!("{}/{bucket}", endpoint.trim_end_matches('/')),
            None => format!("https://{bucket}.s3.{region}.amazonaws.com"),
        };
        Some(Self {
            base,
            region,
            credential,
            client: reqwest::Client::new(),
        })
    }

    /// Puts `bytes` at `key`, redirecting to `location`.
    pub(super) async fn put(
        &self,
        key: &str,
        bytes: Vec<u8>,
        (content_type, cache_control): (&str, &str),
        location: &str,
    ) -> Result<(), BucketError> {
        let refused = |message: String| BucketError::Transfer {
            what: "uploading",
            path: key.to_owned(),
            message,
        };
        let url = format!("{}/{}", self.base, encode_path(key));
        let mut request: HttpRequest = axum::http::Request::builder()
            .method("PUT")
            .uri(&url)
            .header("content-type", content_type)
            .header("cache-control", cache_control)
            .header("x-amz-website-redirect-location", location)
            .body(HttpRequestBody::from(bytes.clone()))
            .map_err(|e| refused(e.to_string()))?;
        AwsAuthorizer::new(&self.credential, "s3", &self.region).authorize(&mut request, None);
        let mut headers = reqwest::header::HeaderMap::new();
        for (name, value) in request.headers() {
            headers.insert(name.clone(), value.clone());
        }
        let response = self
            .client
            .put(&url)
            .headers(headers)
            .body(bytes)
            .send()
            .await
            .map_err(|e| refused(e.to_string()))?;
        if response.status().is_success() {
            return Ok(());
        }
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        Err(refused(format!(
            "{status}: {}",
            text.chars().take(300).collect::<String>()
        )))
    }
}
