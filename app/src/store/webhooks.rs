//! Ghost API webhooks (see `migrations/0017_webhooks.sql`): their secret sealed by
//! the caller, which holds the server's secret key.

use serde::Serialize;
use sqlx::FromRow;

use super::{timestamp, Result, Store};

/// A webhook as listed and called: its sealed secret never leaves the server.
#[derive(Debug, Clone, FromRow, Serialize)]
pub struct Webhook {
    pub id: String,
    /// The integration it belongs to (its Admin key's id).
    #[serde(rename = "integration_id")]
    pub key_id: String,
    pub event: String,
    pub target_url: String,
    pub name: Option<String>,
    #[serde(skip)]
    pub secret: Option<String>,
    pub created_at: String,
    pub last_triggered_at: Option<String>,
    pub last_triggered_status: Option<String>,
    pub last_triggered_error: Option<String>,
}

const COLUMNS: &str = "id, key_id, event, target_url, name, secret, created_at, \
    last_triggered_at, last_triggered_status, last_triggered_error";

impl Store {
    pub async fn add_webhook(&self, hook: &Webhook) -> Result<Webhook> {
        Ok(sqlx::query_as(&format!(
            "INSERT INTO webhooks (id, key_id, event, target_url, name, secret, created_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING {COLUMNS}"
        ))
        .bind(&hook.id)
        .bind(&hook.key_id)
        .bind(&hook.event)
        .bind(&hook.target_url)
        .bind(&hook.name)
        .bind(&hook.secret)
        .bind(timestamp(self.now()))
        .fetch_one(self.pool())
        .await?)
    }

    /// Changes a webhook's event, target and name (its integration's only).
    pub async fn edit_webhook(&self, hook: &Webhook) -> Result<Option<Webhook>> {
        Ok(sqlx::query_as(&format!(
            "UPDATE webhooks SET event = ?, target_url = ?, name = ? \
             WHERE id = ? AND key_id = ? RETURNING {COLUMNS}"
        ))
        .bind(&hook.event)
        .bind(&hook.target_url)
        .bind(&hook.name)
        .bind(&hook.id)
        .bind(&hook.key_id)
        .fetch_optional(self.pool())
        .await?)
    }

    /// Deletes a webhook of the integration `key_id`; whether there was one.
    pub async fn delete_webhook(&self, id: &str, key_id: &str) -> Result<bool> {
        let done = sqlx::query("DELETE FROM webhooks WHERE id = ? AND key_id = ?")
            .bind(id)
            .bind(key_id)
            .execute(self.pool())
            .await?;
        Ok(done.rows_affected() > 0)
    }

    pub async fn webhooks(&self) -> Result<Vec<Webhook>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM webhooks ORDER BY created_at"
        ))
        .fetch_all(self.pool())
        .await?)
    }

    /// Records a call's outcome: its HTTP status, or the error that stopped it.
    pub async fn webhook_called(
        &self,
        id: &str,
        status: Option<u16>,
        error: Option<&str>,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE webhooks SET last_triggered_at = ?, last_triggered_status = ?, \
             last_triggered_error = ? WHERE id = ?",
        )
        .bind(timestamp(self.now()))
        .bind(status.map(|s| s.to_string()))
        .bind(error)
        .bind(id)
        .execute(self.pool())
        .await?;
        Ok(())
    }
}
