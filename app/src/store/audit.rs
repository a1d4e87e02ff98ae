//! The audit log: who did what, from where, and when.

use serde::Serialize;
use sqlx::FromRow;

use super::{timestamp, Result, Store};

#[derive(Debug, Clone, FromRow, Serialize, utoipa::ToSchema)]
pub struct AuditEntry {
    pub id: i64,
    pub at: String,
    pub actor: Option<String>,
    pub action: String,
    pub target: Option<String>,
    pub ip: Option<String>,
    pub detail: Option<String>,
}

impl Store {
    pub async fn audit(
        &self,
        actor: Option<&str>,
        action: &str,
        target: Option<&str>,
        ip: Option<&str>,
        detail: Option<&str>,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO audit_log (at, actor, action, target, ip, detail) VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(timestamp(self.now()))
        .bind(actor)
        .bind(action)
        .bind(target)
        .bind(ip)
        .bind(detail)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// The newest entries first, those older than `before` (an id) when given.
    pub async fn audit_log(&self, limit: i64, before: Option<i64>) -> Result<Vec<AuditEntry>> {
        Ok(sqlx::query_as(
            "SELECT id, at, actor, action, target, ip, detail FROM audit_log \
             WHERE ?1 IS NULL OR id < ?1 ORDER BY id DESC LIMIT ?2",
        )
        .bind(before)
        .bind(limit)
        .fetch_all(self.pool())
        .await?)
    }
}
