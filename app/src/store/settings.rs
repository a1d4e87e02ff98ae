//! Site settings saved through the admin API (JSON values by key); they override
//! `folio.toml` when the site is rendered.

use chrono::{DateTime, Utc};
use serde_json::Value;

use sqlx::SqliteConnection;

use super::{timestamp, Result, Store, StoreError};

impl Store {
    /// Every saved setting, by key.
    pub async fn settings(&self) -> Result<Vec<(String, Value)>> {
        all(&mut *self.read().await?).await
    }

    /// Saves (Some) or forgets (None) settings, all in one transaction.
    pub async fn save_settings(&self, changes: &[(String, Option<Value>)]) -> Result<()> {
        let mut tx = self.write().await?;
        let now = timestamp(self.now());
        for (key, value) in changes {
            match value {
                Some(value) => {
                    sqlx::query(
                        "INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?) \
                         ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
                    )
                    .bind(key)
                    .bind(value.to_string())
                    .bind(&now)
                    .execute(&mut *tx)
                    .await?;
                }
                None => {
                    sqlx::query("DELETE FROM settings WHERE key = ?")
                        .bind(key)
                        .execute(&mut *tx)
                        .await?;
                }
            }
        }
        tx.commit().await?;
        Ok(())
    }
}

/// Saves `settings` in the caller's transaction (an import's); a value saved already
/// is left as it is, with its time.
pub async fn save(
    conn: &mut SqliteConnection,
    settings: &[(String, Value)],
    at: DateTime<Utc>,
) -> Result<()> {
    let now = timestamp(at);
    for (key, value) in settings {
        sqlx::query(
            "INSERT INTO settings (key, value, updated_at) VALUES (?1, ?2, ?3) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at \
             WHERE value IS NOT excluded.value",
        )
        .bind(key)
        .bind(value.to_string())
        .bind(&now)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Every saved setting, by key (in the caller's transaction).
pub async fn all(conn: &mut SqliteConnection) -> Result<Vec<(String, Value)>> {
    let rows: Vec<(String, String)> =
        sqlx::query_as("SELECT key, value FROM settings ORDER BY key")
            .fetch_all(&mut *conn)
            .await?;
    rows.into_iter()
        .map(|(key, text)| {
            let value = serde_json::from_str(&text)
                .map_err(|e| StoreError::CorruptSetting(key.clone(), e.to_string()))?;
            Ok((key, value))
        })
        .collect()
}

/// Makes `settings` the saved settings (`site.yaml` read by an import): others are
/// forgotten, values saved already keep their time.
pub async fn replace(
    conn: &mut SqliteConnection,
    settings: &[(String, Value)],
    at: DateTime<Utc>,
) -> Result<()> {
    let keys: Vec<&str> = settings.iter().map(|(k, _)| k.as_str()).collect();
    let keep = serde_json::to_string(&keys).expect("keys serialize");
    sqlx::query("DELETE FROM settings WHERE key NOT IN (SELECT value FROM json_each(?))")
        .bind(keep)
        .execute(&mut *conn)
        .await?;
    save(conn, settings, at).await
}
