//! Invitations to an account: the username and role an owner chose, until the person
//! with the link sets a password (or the invitation expires or is revoked). The link's
//! token arrives here hashed.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::FromRow;

use super::accounts::{insert_account, username_taken, Role, Taken};
use super::{timestamp, Result, Store};

#[derive(Debug, Clone, FromRow, Serialize, utoipa::ToSchema)]
pub struct Invite {
    pub id: i64,
    pub username: String,
    pub role: String,
    pub invited_by: String,
    pub created_at: String,
    pub expires_at: String,
}

const COLUMNS: &str = "id, username, role, invited_by, created_at, expires_at";

/// Why an invitation was not made, or not accepted.
#[derive(Debug, PartialEq, Eq)]
pub enum Refused {
    /// An account has that username already, or the author profile it gives.
    Taken(Taken),
    /// Unknown, used or expired.
    Gone,
}

impl Store {
    /// Invites `username` as `role` until `expires`; an invitation pending for the same
    /// username is replaced (its link stops working).
    pub async fn add_invite(
        &self,
        hash: &str,
        username: &str,
        role: Role,
        invited_by: &str,
        expires: DateTime<Utc>,
    ) -> Result<std::result::Result<Invite, Refused>> {
        let mut tx = self.write().await?;
        if let Some(taken) = username_taken(&mut tx, username).await? {
            return Ok(Err(Refused::Taken(taken)));
        }
        sqlx::query("DELETE FROM invites WHERE username = ?")
            .bind(username)
            .execute(&mut *tx)
            .await?;
        let invite = sqlx::query_as(&format!(
            "INSERT INTO invites (hash, username, role, invited_by, created_at, expires_at) \
             VALUES (?, ?, ?, ?, ?, ?) RETURNING {COLUMNS}"
        ))
        .bind(hash)
        .bind(username)
        .bind(role.as_str())
        .bind(invited_by)
        .bind(timestamp(self.now()))
        .bind(timestamp(expires))
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Ok(invite))
    }

    /// The invitations still usable, oldest first (expired ones are dropped).
    pub async fn invites(&self) -> Result<Vec<Invite>> {
        let now = timestamp(self.now());
        sqlx::query("DELETE FROM invites WHERE expires_at <= ?")
            .bind(&now)
            .execute(self.pool())
            .await?;
        Ok(
            sqlx::query_as(&format!("SELECT {COLUMNS} FROM invites ORDER BY id"))
                .fetch_all(self.pool())
                .await?,
        )
    }

    /// The usable invitation whose token hashes to `hash`.
    pub async fn invite(&self, hash: &str) -> Result<Option<Invite>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM invites WHERE hash = ? AND expires_at > ?"
        ))
        .bind(hash)
        .bind(timestamp(self.now()))
        .fetch_optional(self.pool())
        .await?)
    }

    pub async fn revoke_invite(&self, id: i64) -> Result<Option<Invite>> {
        Ok(sqlx::query_as(&format!(
            "DELETE FROM invites WHERE id = ? RETURNING {COLUMNS}"
        ))
        .bind(id)
        .fetch_optional(self.pool())
        .await?)
    }

    /// Uses up the invitation `hash` and creates its account with `password_hash`, in
    /// one transaction: a link works once, even opened twice at the same time. When
    /// its username was taken since, nothing changes (the owner can invite anew).
    pub async fn accept_invite(
        &self,
        hash: &str,
        password_hash: &str,
    ) -> Result<std::result::Result<i64, Refused>> {
        let mut tx = self.write().await?;
        let invite: Option<(String, String)> = sqlx::query_as(
            "DELETE FROM invites WHERE hash = ? AND expires_at > ? RETURNING username, role",
        )
        .bind(hash)
        .bind(timestamp(self.now()))
        .fetch_optional(&mut *tx)
        .await?;
        let Some((username, role)) = invite else {
            return Ok(Err(Refused::Gone));
        };
        let role = Role::parse(&role).unwrap_or(Role::Contributor);
        // Dropped without a commit when taken: the invitation stays as it was.
        let id = match insert_account(&mut tx, &username, role, password_hash, self.now()).await? {
            Ok(id) => id,
            Err(taken) => return Ok(Err(Refused::Taken(taken))),
        };
        tx.commit().await?;
        Ok(Ok(id))
    }
}
