//! Cloudflare's `POST /zones/{zone}/purge_cache`: the changed URLs in batches of 30
//! (what every plan takes), or `purge_everything` when there are many. The API's base
//! URL is settable (`FOLIO_CLOUDFLARE_API_URL`) for tests.

use serde_json::{json, Value};

use super::{PurgeError, PurgeReport};

const CDN: &str = "Cloudflare";
/// URLs per purge request.
pub(super) const BATCH: usize = 30;

pub struct Cloudflare {
    zone: String,
    token: String,
    api: String,
    client: reqwest::Client,
}

impl std::fmt::Debug for Cloudflare {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The token stays out of logs.
        f.debug_struct("Cloudflare")
            .field("zone", &self.zone)
            .field("api", &self.api)
            .finish()
    }
}

impl Cloudflare {
    /// The zone's purger, with the token of `FOLIO_CLOUDFLARE_API_TOKEN` or of the
    /// file `FOLIO_CLOUDFLARE_API_TOKEN_FILE` (a mounted Secret).
    pub fn from_env(zone: &str) -> Result<Self, PurgeError> {
        let token = crate::config::secret("FOLIO_CLOUDFLARE_API_TOKEN")
            .map_err(|e| PurgeError::Config(e.to_string()))?
            .ok_or_else(|| {
                PurgeError::Config(
                    "cloudflare_zone needs FOLIO_CLOUDFLARE_API_TOKEN or \
                     FOLIO_CLOUDFLARE_API_TOKEN_FILE"
                        .into(),
                )
            })?;
        if zone.is_empty() || !zone.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(PurgeError::Config(format!(
                "cloudflare_zone {zone:?} is not a zone id"
            )));
        }
        let api = std::env::var("FOLIO_CLOUDFLARE_API_URL")
            .unwrap_or_else(|_| "https://api.cloudflare.com/client/v4".to_owned());
        Ok(Self {
            zone: zone.to_owned(),
            token,
            api: api.trim_end_matches('/').to_owned(),
            client: reqwest::Client::new(),
        })
    }

    /// Purges the absolute `urls`, or everything above `all_above`.
    pub async fn purge(
        &self,
        urls: Vec<String>,
        all_above: usize,
    ) -> Result<PurgeReport, PurgeError> {
        if urls.len() > all_above {
            let body = json!({ "purge_everything": true });
            self.request(body).await?;
            return Ok(PurgeReport {
                everything: true,
                requests: 1,
                ..PurgeReport::default()
            });
        }
        let mut report = PurgeReport::default();
        // Owned batches: a borrowing iterator held across the awaits makes the future
        // not Send for every lifetime (rustc's higher-ranked lifetime limits).
        let batches: Vec<Vec<String>> = urls.chunks(BATCH).map(<[String]>::to_vec).collect();
        for batch in batches {
            let body = json!({ "files": batch });
            self.request(body).await?;
            report.requests += 1;
            report.urls.extend(batch);
        }
        Ok(report)
    }

    async fn request(&self, body: Value) -> Result<(), PurgeError> {
        let url = format!("{}/zones/{}/purge_cache", self.api, self.zone);
        let response = self
            .client
            .post(&url)
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await
            .map_err(|e| PurgeError::from_upstream(CDN, &e.to_string(), &[&self.token], false))?;
        let status = response.status();
        let answer: Value = response.json().await.unwrap_or(Value::Null);
        if status.is_success() && answer["success"] == json!(true) {
            return Ok(());
        }
        let errors: Vec<String> = answer["errors"]
            .as_array()
            .map(|errors| {
                errors
                    .iter()
                    .map(|e| format!("{} {}", e["code"], e["message"].as_str().unwrap_or("")))
                    .collect()
            })
            .unwrap_or_default();
        let message = format!("{status}: {}", errors.join("; "));
        Err(PurgeError::from_upstream(
            CDN,
            &message,
            &[&self.token],
            true,
        ))
    }
}
