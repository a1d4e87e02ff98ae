//! CloudFront `CreateInvalidation`: a signed (SigV4) POST of the changed paths, or of
//! `/*` when there are many. The endpoint is settable (`AWS_ENDPOINT_URL_CLOUDFRONT`,
//! else `AWS_ENDPOINT_URL`) for S3-compatible test servers that speak CloudFront too.

use object_store::aws::{AwsAuthorizer, AwsCredential};
use object_store::client::{HttpRequest, HttpRequestBody};

use super::{PurgeError, PurgeReport};
use crate::deploy::encode_path;

const CDN: &str = "CloudFront";

#[derive(Debug)]
pub struct CloudFront {
    distribution: String,
    endpoint: String,
    credential: AwsCredential,
    client: reqwest::Client,
}

impl CloudFront {
    pub fn from_env(distribution: &str) -> Result<Self, PurgeError> {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        let (Some(key_id), Some(secret_key)) =
            (var("AWS_ACCESS_KEY_ID"), var("AWS_SECRET_ACCESS_KEY"))
        else {
            return Err(PurgeError::Config(
                "cloudfront_distribution needs AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY".into(),
            ));
        };
        if distribution.is_empty() || !distribution.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(PurgeError::Config(format!(
                "cloudfront_distribution {distribution:?} is not a distribution id (E...)"
            )));
        }
        let endpoint = var("AWS_ENDPOINT_URL_CLOUDFRONT")
            .or_else(|| var("AWS_ENDPOINT_URL"))
            .unwrap_or_else(|| "https://cloudfront.amazonaws.com".to_owned());
        Ok(Self {
            distribution: distribution.to_owned(),
            endpoint: endpoint.trim_end_matches('/').to_owned(),
            credential: AwsCredential {
                key_id,
                secret_key,
                token: var("AWS_SESSION_TOKEN"),
            },
            client: reqwest::Client::new(),
        })
    }

    /// What an error message from CloudFront must never show.
    fn secrets(&self) -> [&str; 3] {
        let credential = &self.credential;
        let token = credential.token.as_deref().unwrap_or_default();
        [&credential.key_id, &credential.secret_key, token]
    }

    /// Invalidates `paths` (or everything, above `all_above`); returns the
    /// invalidation's id.
    pub async fn invalidate(
        &self,
        paths: &[String],
        all_above: usize,
    ) -> Result<PurgeReport, PurgeError> {
        let everything = paths.len() > all_above;
        let items: Vec<String> = if everything {
            vec!["/*".to_owned()]
        } else {
            paths.iter().map(|p| encode_path(p)).collect()
        };
        let body = batch_xml(&items);
        let url = format!(
            "{}/2020-05-31/distribution/{}/invalidation",
            self.endpoint, self.distribution
        );
        let headers = self.signed_headers(&url, &body)?;
        let response = self
            .client
            .post(&url)
            .headers(headers)
            .body(body)
            .send()
            .await
            .map_err(|e| PurgeError::from_upstream(CDN, &e.to_string(), &self.secrets(), false))?;
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        if !status.is_success() {
            let message = format!("{status}: {}", error_message(&text));
            return Err(PurgeError::from_upstream(
                CDN,
                &message,
                &self.secrets(),
                true,
            ));
        }
        Ok(PurgeReport {
            urls: if everything { Vec::new() } else { items },
            everything,
            requests: 1,
            invalidation: tag(&text, "Id").map(str::to_owned),
        })
    }

    /// The SigV4 headers of a POST of `body` to `url` (CloudFront signs in us-east-1).
    fn signed_headers(
        &self,
        url: &str,
        body: &str,
    ) -> Result<reqwest::header::HeaderMap, PurgeError> {
        let mut request: HttpRequest = axum::http::Request::builder()
            .method("POST")
            .uri(url)
            .header("content-type", "text/xml")
            .body(HttpRequestBody::from(body.to_owned()))
            .map_err(|e| PurgeError::Config(format!("the CloudFront endpoint {url}: {e}")))?;
        AwsAuthorizer::new(&self.credential, "cloudfront", "us-east-1")
            .authorize(&mut request, None);
        let mut headers = reqwest::header::HeaderMap::new();
        for (name, value) in request.headers() {
            headers.insert(name.clone(), value.clone());
        }
        Ok(headers)
    }
}

fn batch_xml(paths: &[String]) -> String {
    let items: String = paths
        .iter()
        .map(|p| format!("<Path>{}</Path>", escape(p)))
        .collect();
    // Unique per request: CloudFront treats a repeated reference as the same batch.
    let reference = format!(
        "folio-{}-{}",
        chrono::Utc::now().timestamp_millis(),
        rand::random::<u32>()
    );
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\
         <InvalidationBatch xmlns=\"http://cloudfront.amazonaws.com/doc/2020-05-31/\">\
         <Paths><Quantity>{}</Quantity><Items>{items}</Items></Paths>\
         <CallerReference>{reference}</CallerReference></InvalidationBatch>",
        paths.len()
    )
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The text of the first `<name>` element of an XML answer.
fn tag<'a>(xml: &'a str, name: &str) -> Option<&'a str> {
    let open = format!("<{name}>");
    let start = xml.find(&open)? + open.len();
    let end = xml[start..].find(&format!("</{name}>"))?;
    Some(&xml[start..start + end])
}

fn error_message(xml: &str) -> String {
    match (tag(xml, "Code"), tag(xml, "Message")) {
        (Some(code), Some(message)) => format!("{code}: {message}"),
        (Some(code), None) => code.to_owned(),
        _ => xml.chars().take(300).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_encoded_and_never_wildcards() {
        assert_eq!(encode_path("/a b/ü*?"), "/a%20b/%C3%BC%2A%3F");
        let xml = batch_xml(&["/a&b/".to_owned(), "/".to_owned()]);
        assert!(xml.contains("<Quantity>2</Quantity><Items><Path>/a&amp;b/</Path><Path>/</Path>"));
    }
}
