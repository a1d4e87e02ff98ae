//! Small facts the store keeps about itself: its change counter, and key-value
//! records such as the fingerprint of the last build of each output folder.

use chrono::Utc;

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

    pub async fn set_state(&self, key: &str, value: &str) -> Result<()> {
        sqlx::query(
            "INSERT INTO build_state (key, value, updated_at) VALUES (?, ?, ?) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
        )
        .bind(key)
        .bind(value)
        .bind(timestamp(Utc::now()))
        .execute(self.pool())
        .await?;
        Ok(())
    }
}
