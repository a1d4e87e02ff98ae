//! Keys of Ghost's Admin and Content APIs (see `migrations/0016_ghost_keys.sql`):
//! the Admin key's secret sealed, the Content key hashed, both by the caller (the
//! admin holds the server's secret key).

use serde::Serialize;
use sqlx::FromRow;

use super::{timestamp, Result, Store};

/// What a key is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum KeyKind {
    /// An integration (a script, an automation): an Admin and a Content key.
    Integration,
    /// A person's staff access token: an Admin key that acts as that person.
    Staff,
}

impl KeyKind {
    fn as_str(self) -> &'static str {
        match self {
            Self::Integration => "integration",
            Self::Staff => "staff",
        }
    }
}

/// A key as listed: never its secret.
#[derive(Debug, Clone, FromRow, Serialize, utoipa::ToSchema)]
pub struct GhostKey {
    pub id: String,
    pub account_id: i64,
    pub name: String,
    pub kind: String,
    pub created_at: String,
    pub last_used_at: Option<String>,
}

/// A new key, its secret already sealed and its Content key hashed.
pub struct NewGhostKey<'a> {
    pub id: &'a str,
    pub account_id: i64,
    pub name: &'a str,
    pub kind: KeyKind,
    pub sealed_secret: &'a str,
    pub content_hash: Option<&'a str>,
}

#[derive(FromRow)]
struct WithSecret {
    #[sqlx(flatten)]
    key: GhostKey,
    secret: String,
}

const COLUMNS: &str = "id, account_id, name, kind, created_at, last_used_at";

impl Store {
    /// Adds a key. A person has one staff token: a new one replaces the old.
    pub async fn add_ghost_key(&self, key: NewGhostKey<'_>) -> Result<GhostKey> {
        let mut tx = self.pool().begin().await?;
        if key.kind == KeyKind::Staff {
            sqlx::query("DELETE FROM ghost_keys WHERE account_id = ? AND kind = 'staff'")
                .bind(key.account_id)
                .execute(&mut *tx)
                .await?;
        }
        let row = sqlx::query_as(&format!(
            "INSERT INTO ghost_keys (id, account_id, name, kind, secret, content_hash, created_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING {COLUMNS}"
        ))
        .bind(key.id)
        .bind(key.account_id)
        .bind(key.name)
        .bind(key.kind.as_str())
        .bind(key.sealed_secret)
        .bind(key.content_hash)
        .bind(timestamp(self.now()))
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(row)
    }

    /// The key `id` and its sealed secret, its last use recorded.
    pub async fn use_ghost_key(&self, id: &str) -> Result<Option<(GhostKey, String)>> {
        let row: Option<WithSecret> = sqlx::query_as(&format!(
            "UPDATE ghost_keys SET last_used_at = ? WHERE id = ? RETURNING {COLUMNS}, secret"
        ))
        .bind(timestamp(self.now()))
        .bind(id)
        .fetch_optional(self.pool())
        .await?;
        Ok(row.map(|r| (r.key, r.secret)))
    }

    /// The integration whose Content key hashes to `hash`, its last use recorded.
    pub async fn use_content_key(&self, hash: &str) -> Result<Option<GhostKey>> {
        Ok(sqlx::query_as(&format!(
            "UPDATE ghost_keys SET last_used_at = ? WHERE content_hash = ? RETURNING {COLUMNS}"
        ))
        .bind(timestamp(self.now()))
        .bind(hash)
        .fetch_optional(self.pool())
        .await?)
    }

    pub async fn ghost_keys(&self) -> Result<Vec<GhostKey>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM ghost_keys ORDER BY created_at, id"
        ))
        .fetch_all(self.pool())
        .await?)
    }

    /// Moves the webhooks of key `from` to key `to` (a key rotated: its webhooks stay).
    pub async fn move_webhooks(&self, from: &str, to: &str) -> Result<()> {
        sqlx::query("UPDATE webhooks SET key_id = ? WHERE key_id = ?")
            .bind(to)
            .bind(from)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Deletes the key `id`; its name, or `None` when there is none.
    pub async fn revoke_ghost_key(&self, id: &str) -> Result<Option<String>> {
        Ok(
            sqlx::query_scalar("DELETE FROM ghost_keys WHERE id = ? RETURNING name")
                .bind(id)
                .fetch_optional(self.pool())
                .await?,
        )
    }
}
