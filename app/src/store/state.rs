//! Small facts the store keeps about itself: its change counter, and key-value
//! records such as the fingerprint of the last build of each output folder.

use std::collections::{HashMap, HashSet};

use chrono::Utc;
use sqlx::{QueryBuilder, Sqlite};

use super::{timestamp, Result, Store};

impl Store {
    /// A number that grows with every change to what a build renders.
    pub async fn version(&self) -> Result<i64> {
        Ok(
            sqlx::query_scalar("SELECT n FROM store_version WHERE id = 1")
                .fetch_one(self.pool())
                .await?,
        )
    }

    /// Scheduled posts whose time has come by `now`, which a build would now show.
    pub async fn due_count(&self, now: chrono::DateTime<Utc>) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "SELECT count(*) FROM posts WHERE status = 'scheduled' AND deleted_at IS NULL AND published_at <= ?",
        )
        .bind(timestamp(now))
        .fetch_one(self.pool())
        .await?)
    }

    /// A value the program keeps for itself (not a site setting: no build depends on it).
    pub async fn state(&self, key: &str) -> Result<Option<String>> {
        Ok(
            sqlx::query_scalar("SELECT value FROM build_state WHERE key = ?")
                .bind(key)
                .fetch_optional(self.pool())
                .await?,
        )
    }

    /// Whether anything is sealed or hashed with the server's secret key: enrolled TOTP
    /// secrets, API tokens, Ghost API keys, or the key's check value (see `admin::crypto`).
    pub async fn holds_secrets(&self) -> Result<bool> {
        Ok(sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM accounts WHERE totp_secret IS NOT NULL) \
                 OR EXISTS (SELECT 1 FROM api_tokens) \
                 OR EXISTS (SELECT 1 FROM ghost_keys) \
                 OR EXISTS (SELECT 1 FROM build_state WHERE key = 'secret_key_check')",
        )
        .fetch_one(self.pool())
        .await?)
    }

    pub async fn set_state(&self, key: &str, value: &str) -> Result<()> {
        sqlx::query(
            "INSERT INTO build_state (key, value, updated_at) VALUES (?, ?, ?) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
        )
        .bind(key)
        .bind(value)
        .bind(timestamp(self.now()))
        .execute(self.pool())
        .await?;
        Ok(())
    }
}

impl Store {
    /// The page keys of the last build of the output folder `out`: path -> key.
    pub async fn page_keys(&self, out: &str) -> Result<HashMap<String, String>> {
        // One JSON row rather than a row per page: rows cross to this thread one at a time.
        let json: String =
            sqlx::query_scalar("SELECT json_group_object(path, key) FROM page_keys WHERE out = ?")
                .bind(out)
                .fetch_one(self.pool())
                .await?;
        Ok(serde_json::from_str(&json).unwrap_or_default())
    }

    /// Records the page keys of a build of `out`, writing only what differs from `previous`.
    pub async fn save_page_keys(
        &self,
        out: &str,
        previous: &HashMap<String, String>,
        keys: &[(String, String)],
    ) -> Result<()> {
        let mut tx = self.write().await?;
        let changed: Vec<&(String, String)> = keys
            .iter()
            .filter(|(p, k)| previous.get(p) != Some(k))
            .collect();
        for chunk in changed.chunks(300) {
            let mut upsert =
                QueryBuilder::<Sqlite>::new("INSERT OR REPLACE INTO page_keys (out, path, key) ");
            upsert.push_values(chunk, |mut row, (path, key)| {
                row.push_bind(out).push_bind(path).push_bind(key);
            });
            upsert.build().execute(&mut *tx).await?;
        }
        let current: HashSet<&str> = keys.iter().map(|(p, _)| p.as_str()).collect();
        for gone in previous.keys().filter(|p| !current.contains(p.as_str())) {
            sqlx::query("DELETE FROM page_keys WHERE out = ? AND path = ?")
                .bind(out)
                .bind(gone)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

impl Store {
    /// When the next scheduled post after `now` goes live.
    pub async fn next_scheduled(
        &self,
        now: chrono::DateTime<Utc>,
    ) -> Result<Option<chrono::DateTime<Utc>>> {
        let next: Option<String> = sqlx::query_scalar(
            "SELECT min(published_at) FROM posts WHERE status = 'scheduled' AND deleted_at IS NULL AND published_at > ?",
        )
        .bind(timestamp(now))
        .fetch_one(self.pool())
        .await?;
        Ok(next
            .and_then(|t| chrono::DateTime::parse_from_rfc3339(&t).ok())
            .map(|t| t.with_timezone(&Utc)))
    }
}

/// A value the program keeps for itself, read in the caller's transaction.
pub async fn get(conn: &mut sqlx::SqliteConnection, key: &str) -> Result<Option<String>> {
    Ok(
        sqlx::query_scalar("SELECT value FROM build_state WHERE key = ?")
            .bind(key)
            .fetch_optional(conn)
            .await?,
    )
}

/// Keeps `value` under `key`, in the caller's transaction.
pub async fn set(
    conn: &mut sqlx::SqliteConnection,
    key: &str,
    value: &str,
    at: chrono::DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO build_state (key, value, updated_at) VALUES (?, ?, ?) \
         ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
    )
    .bind(key)
    .bind(value)
    .bind(timestamp(at))
    .execute(conn)
    .await?;
    Ok(())
}
