//! Accounts (who may log in), their roles, TOTP secrets and recovery codes. Secrets
//! arrive here already hashed or encrypted (see `admin::crypto`); sessions, tokens
//! and the audit log have files of their own.

use serde::{Deserialize, Serialize};
use sqlx::{FromRow, QueryBuilder, Sqlite, SqliteConnection};

use super::{timestamp, Result, Store};

/// Ghost's five roles, lowest first: each can do all that the ones below it can.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Writes their own drafts; an editor publishes them.
    Contributor,
    /// Writes and publishes their own posts.
    Author,
    /// All posts and tags, publishing, API tokens; invites authors and contributors.
    Editor,
    /// Everything but ownership: settings, integrations, every account but the owner's.
    Administrator,
    /// Everything.
    Owner,
}

impl Role {
    /// Every role, lowest first.
    pub const ALL: [Role; 5] = [
        Role::Contributor,
        Role::Author,
        Role::Editor,
        Role::Administrator,
        Role::Owner,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Contributor => "contributor",
            Role::Author => "author",
            Role::Editor => "editor",
            Role::Administrator => "administrator",
            Role::Owner => "owner",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Role::ALL.into_iter().find(|r| r.as_str() == text)
    }

    /// Publishes posts (an author their own only).
    pub fn publishes(self) -> bool {
        self >= Role::Author
    }

    /// Sees and edits everyone's posts, and the tags; their raw HTML and code
    /// injection are trusted as the site's own.
    pub fn edits_all(self) -> bool {
        self >= Role::Editor
    }

    /// Settings, integrations, the audit log and every account but the owner's.
    pub fn administers(self) -> bool {
        self >= Role::Administrator
    }

    /// Whether this role may invite, change or remove an account of `other`'s role
    /// (and give that role): an owner anyone, an administrator anyone but an owner,
    /// an editor authors and contributors.
    pub fn manages(self, other: Role) -> bool {
        match self {
            Role::Owner => true,
            Role::Administrator => other < Role::Owner,
            Role::Editor => other <= Role::Author,
            Role::Author | Role::Contributor => false,
        }
    }
}

impl std::str::FromStr for Role {
    type Err = String;
    fn from_str(text: &str) -> std::result::Result<Self, String> {
        Role::parse(text).ok_or_else(|| {
            format!("unknown role {text:?}: owner, administrator, editor, author or contributor")
        })
    }
}

#[derive(Debug, Clone, FromRow)]
pub struct Account {
    pub id: i64,
    pub username: String,
    #[sqlx(try_from = "String")]
    pub role: RoleColumn,
    /// The author profile (users row) this account writes as.
    pub user_id: Option<i64>,
    pub password_hash: String,
    /// Encrypted TOTP secret; None until enrollment is confirmed.
    pub totp_secret: Option<String>,
    pub totp_last_step: Option<i64>,
    pub created_at: String,
}

/// A role read from its column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RoleColumn(pub Role);

impl TryFrom<String> for RoleColumn {
    type Error = String;
    fn try_from(text: String) -> std::result::Result<Self, String> {
        Role::parse(&text)
            .map(RoleColumn)
            .ok_or_else(|| format!("unknown role {text:?}"))
    }
}

impl Account {
    pub fn role(&self) -> Role {
        self.role.0
    }
    pub fn enrolled(&self) -> bool {
        self.totp_secret.is_some()
    }
}

const ACCOUNT_COLUMNS: &str =
    "id, username, role, user_id, password_hash, totp_secret, totp_last_step, created_at";

impl Store {
    pub async fn account_count(&self) -> Result<i64> {
        Ok(sqlx::query_scalar("SELECT count(*) FROM accounts")
            .fetch_one(self.pool())
            .await?)
    }

    pub async fn accounts(&self) -> Result<Vec<Account>> {
        let sql = format!("SELECT {ACCOUNT_COLUMNS} FROM accounts ORDER BY username");
        Ok(sqlx::query_as(&sql).fetch_all(self.pool()).await?)
    }

    pub async fn account(&self, id: i64) -> Result<Option<Account>> {
        let sql = format!("SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE id = ?");
        Ok(sqlx::query_as(&sql)
            .bind(id)
            .fetch_optional(self.pool())
            .await?)
    }

    /// By username, ignoring case.
    pub async fn account_named(&self, username: &str) -> Result<Option<Account>> {
        let sql = format!("SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE username = ?");
        Ok(sqlx::query_as(&sql)
            .bind(username)
            .fetch_optional(self.pool())
            .await?)
    }

    /// Creates an account, and the author profile of the same slug unless one exists.
    /// The first account is always an owner. Returns the account id, or what is taken.
    pub async fn add_account(
        &self,
        username: &str,
        role: Role,
        password_hash: &str,
    ) -> Result<std::result::Result<i64, Taken>> {
        let mut tx = self.write().await?;
        let id = insert_account(&mut tx, username, role, password_hash, self.now()).await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn set_password(&self, id: i64, password_hash: &str) -> Result<()> {
        sqlx::query("UPDATE accounts SET password_hash = ?, updated_at = ? WHERE id = ?")
            .bind(password_hash)
            .bind(timestamp(self.now()))
            .bind(id)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    pub async fn set_role(&self, id: i64, role: Role) -> Result<bool> {
        let done = sqlx::query("UPDATE accounts SET role = ?, updated_at = ? WHERE id = ?")
            .bind(role.as_str())
            .bind(timestamp(self.now()))
            .bind(id)
            .execute(self.pool())
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Turns two-factor login on with `secret` (encrypted) and the hashes of fresh
    /// recovery codes, replacing the old ones; `step` is the time step just used.
    pub async fn enroll_totp(
        &self,
        id: i64,
        secret: &str,
        step: i64,
        recovery_hashes: &[String],
    ) -> Result<()> {
        let mut tx = self.write().await?;
        sqlx::query(
            "UPDATE accounts SET totp_secret = ?, totp_last_step = ?, updated_at = ? WHERE id = ?",
        )
        .bind(secret)
        .bind(step)
        .bind(timestamp(self.now()))
        .bind(id)
        .execute(&mut *tx)
        .await?;
        replace_recovery_codes(&mut tx, id, recovery_hashes).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn set_recovery_codes(&self, id: i64, hashes: &[String]) -> Result<()> {
        let mut tx = self.write().await?;
        replace_recovery_codes(&mut tx, id, hashes).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Forgets the TOTP secret, recovery codes and sessions: the next login enrolls again.
    pub async fn reset_totp(&self, id: i64) -> Result<()> {
        let mut tx = self.write().await?;
        sqlx::query("UPDATE accounts SET totp_secret = NULL, totp_last_step = NULL, updated_at = ? WHERE id = ?")
            .bind(timestamp(self.now()))
            .bind(id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM recovery_codes WHERE account_id = ?")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM sessions WHERE account_id = ?")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Records `step` as used unless it (or a later one) was: true when the code is fresh.
    pub async fn use_totp_step(&self, id: i64, step: i64) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE accounts SET totp_last_step = ? \
             WHERE id = ? AND (totp_last_step IS NULL OR totp_last_step < ?)",
        )
        .bind(step)
        .bind(id)
        .bind(step)
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Marks an unused recovery code as used: true when it was there to use.
    pub async fn use_recovery_code(&self, id: i64, hash: &str) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE recovery_codes SET used_at = ? WHERE account_id = ? AND hash = ? AND used_at IS NULL",
        )
        .bind(timestamp(self.now()))
        .bind(id)
        .bind(hash)
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    pub async fn recovery_codes_left(&self, id: i64) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "SELECT count(*) FROM recovery_codes WHERE account_id = ? AND used_at IS NULL",
        )
        .bind(id)
        .fetch_one(self.pool())
        .await?)
    }

    /// Deletes an account (its sessions and tokens go with it). False when it was the
    /// last owner, who is kept.
    pub async fn delete_account(&self, id: i64) -> Result<bool> {
        let done = sqlx::query(
            "DELETE FROM accounts WHERE id = ?1 AND (role <> 'owner' OR \
             (SELECT count(*) FROM accounts WHERE role = 'owner') > 1)",
        )
        .bind(id)
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    pub async fn owner_count(&self) -> Result<i64> {
        Ok(
            sqlx::query_scalar("SELECT count(*) FROM accounts WHERE role = 'owner'")
                .fetch_one(self.pool())
                .await?,
        )
    }
}

async fn replace_recovery_codes(
    tx: &mut sqlx::SqliteConnection,
    id: i64,
    hashes: &[String],
) -> Result<()> {
    sqlx::query("DELETE FROM recovery_codes WHERE account_id = ?")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    if !hashes.is_empty() {
        let mut insert =
            QueryBuilder::<Sqlite>::new("INSERT INTO recovery_codes (account_id, hash) ");
        insert.push_values(hashes, |mut row, hash| {
            row.push_bind(id).push_bind(hash);
        });
        insert.build().execute(&mut *tx).await?;
    }
    Ok(())
}

/// Why an account cannot be made under a username.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Taken {
    /// An account has that username.
    Username,
    /// The author profile the username gives (its slug) belongs to this account:
    /// sharing it would let one read and edit the other's posts.
    Profile { slug: String, account: String },
}

impl std::fmt::Display for Taken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Username => write!(f, "that username is taken"),
            Self::Profile { slug, account } => write!(
                f,
                "that username gives the author profile {slug:?}, which is the account \
                 {account:?}'s: choose another username"
            ),
        }
    }
}

/// Why no account can be made under `username`, if it cannot: an account has the
/// name, or the author profile the name gives (its slug) is another account's.
pub(super) async fn username_taken(
    conn: &mut SqliteConnection,
    username: &str,
) -> Result<Option<Taken>> {
    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM accounts WHERE username = ?)")
            .bind(username)
            .fetch_one(&mut *conn)
            .await?;
    if exists {
        return Ok(Some(Taken::Username));
    }
    let slug = super::users::author_slug(username);
    let holder: Option<String> = sqlx::query_scalar(
        "SELECT a.username FROM accounts a JOIN users u ON u.id = a.user_id WHERE u.slug = ?",
    )
    .bind(&slug)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(holder.map(|account| Taken::Profile { slug, account }))
}

/// [`Store::add_account`] inside a write transaction (an accepted invitation creates
/// its account in the transaction that uses the invitation up).
pub(super) async fn insert_account(
    tx: &mut SqliteConnection,
    username: &str,
    role: Role,
    password_hash: &str,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<std::result::Result<i64, Taken>> {
    if let Some(taken) = username_taken(tx, username).await? {
        return Ok(Err(taken));
    }
    let first: i64 = sqlx::query_scalar("SELECT count(*) = 0 FROM accounts")
        .fetch_one(&mut *tx)
        .await?;
    let role = if first == 1 { Role::Owner } else { role };
    let now = timestamp(at);
    let slug = super::users::author_slug(username);
    let user_id: i64 = sqlx::query_scalar(
        "INSERT INTO users (slug, name, created_at, updated_at) VALUES (?, ?, ?, ?) \
         ON CONFLICT (slug) DO UPDATE SET slug = excluded.slug RETURNING id",
    )
    .bind(&slug)
    .bind(username)
    .bind(&now)
    .bind(&now)
    .fetch_one(&mut *tx)
    .await?;
    let id = sqlx::query_scalar(
        "INSERT INTO accounts (username, role, user_id, password_hash, created_at, updated_at) \
         VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
    )
    .bind(username)
    .bind(role.as_str())
    .bind(user_id)
    .bind(password_hash)
    .bind(&now)
    .bind(&now)
    .fetch_one(&mut *tx)
    .await?;
    Ok(Ok(id))
}
