//! API tokens: a hash of each token, its account and scopes, when it was last used
//! and whether it is revoked.

use serde::Serialize;
use sqlx::FromRow;

use super::{timestamp, Result, Store};

#[derive(Debug, Clone, FromRow, Serialize, utoipa::ToSchema)]
pub struct TokenRow {
    pub id: i64,
    pub account_id: i64,
    pub name: String,
    pub scopes: String,
    pub created_at: String,
    pub last_used_at: Option<String>,
    pub revoked_at: Option<String>,
}

impl Store {
    pub async fn add_token(
        &self,
        account_id: i64,
        name: &str,
        scopes: &str,
        hash: &str,
    ) -> Result<TokenRow> {
        Ok(sqlx::query_as(
            "INSERT INTO api_tokens (account_id, name, scopes, hash, created_at) VALUES (?, ?, ?, ?, ?) \
             RETURNING id, account_id, name, scopes, created_at, last_used_at, revoked_at",
        )
        .bind(account_id)
        .bind(name)
        .bind(scopes)
        .bind(hash)
        .bind(timestamp(self.now()))
        .fetch_one(self.pool())
        .await?)
    }

    /// A live (not revoked) token by hash, its last-used time updated.
    pub async fn use_token(&self, hash: &str) -> Result<Option<TokenRow>> {
        Ok(sqlx::query_as(
            "UPDATE api_tokens SET last_used_at = ? WHERE hash = ? AND revoked_at IS NULL \
             RETURNING id, account_id, name, scopes, created_at, last_used_at, revoked_at",
        )
        .bind(timestamp(self.now()))
        .bind(hash)
        .fetch_optional(self.pool())
        .await?)
    }

    pub async fn tokens(&self) -> Result<Vec<TokenRow>> {
        Ok(sqlx::query_as(
            "SELECT id, account_id, name, scopes, created_at, last_used_at, revoked_at \
             FROM api_tokens ORDER BY id",
        )
        .fetch_all(self.pool())
        .await?)
    }

    /// Revokes a token; returns its name, or None when there is no such live token.
    pub async fn revoke_token(&self, id: i64) -> Result<Option<String>> {
        Ok(sqlx::query_scalar(
            "UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL RETURNING name",
        )
        .bind(timestamp(self.now()))
        .bind(id)
        .fetch_optional(self.pool())
        .await?)
    }
}
