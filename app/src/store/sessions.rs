//! Sessions of the admin: a hash of each cookie's token, the account it signs in,
//! and its clocks (idle and absolute expiry).

use chrono::{DateTime, Utc};
use sqlx::FromRow;

use super::{timestamp, Result, Store};

/// A session as stored: the account it belongs to and its clocks.
#[derive(Debug, Clone, FromRow)]
pub struct SessionRow {
    pub account_id: i64,
    pub last_seen_at: String,
    pub expires_at: String,
}

impl Store {
    pub async fn add_session(
        &self,
        hash: &str,
        account_id: i64,
        expires_at: DateTime<Utc>,
        ip: &str,
        user_agent: Option<&str>,
    ) -> Result<()> {
        let now = timestamp(self.now());
        sqlx::query(
            "INSERT INTO sessions (hash, account_id, created_at, last_seen_at, expires_at, ip, user_agent) \
             VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(hash)
        .bind(account_id)
        .bind(&now)
        .bind(&now)
        .bind(timestamp(expires_at))
        .bind(ip)
        .bind(user_agent)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    pub async fn session(&self, hash: &str) -> Result<Option<SessionRow>> {
        Ok(sqlx::query_as(
            "SELECT account_id, last_seen_at, expires_at FROM sessions WHERE hash = ?",
        )
        .bind(hash)
        .fetch_optional(self.pool())
        .await?)
    }

    pub async fn touch_session(&self, hash: &str) -> Result<()> {
        sqlx::query("UPDATE sessions SET last_seen_at = ? WHERE hash = ?")
            .bind(timestamp(self.now()))
            .bind(hash)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    pub async fn delete_session(&self, hash: &str) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE hash = ?")
            .bind(hash)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Ends every session of an account; returns how many there were.
    pub async fn delete_sessions(&self, account_id: i64) -> Result<u64> {
        Ok(sqlx::query("DELETE FROM sessions WHERE account_id = ?")
            .bind(account_id)
            .execute(self.pool())
            .await?
            .rows_affected())
    }

    /// Forgets sessions past their absolute expiry or idle since `idle_before`.
    pub async fn expire_sessions(&self, idle_before: DateTime<Utc>) -> Result<u64> {
        Ok(
            sqlx::query("DELETE FROM sessions WHERE expires_at <= ? OR last_seen_at <= ?")
                .bind(timestamp(self.now()))
                .bind(timestamp(idle_before))
                .execute(self.pool())
                .await?
                .rows_affected(),
        )
    }

    pub async fn session_count(&self) -> Result<i64> {
        Ok(sqlx::query_scalar("SELECT count(*) FROM sessions")
            .fetch_one(self.pool())
            .await?)
    }
}

impl Store {
    /// Ends the account's sessions but `keep`.
    pub async fn delete_other_sessions(&self, account_id: i64, keep: &str) -> Result<u64> {
        Ok(
            sqlx::query("DELETE FROM sessions WHERE account_id = ? AND hash <> ?")
                .bind(account_id)
                .bind(keep)
                .execute(self.pool())
                .await?
                .rows_affected(),
        )
    }
}
