//! Making Ghost API keys: an integration's Admin key (`id:secret`, 24 and 64 hex) and
//! Content key (26 hex), or a person's staff access token (an Admin key). The secret
//! is sealed with the server's secret key and the Content key hashed with it; each is
//! shown once, when made.

use rand::RngCore;
use serde::Serialize;

use crate::admin::Keys;
use crate::store::ghost_keys::{GhostKey, KeyKind, NewGhostKey};
use crate::store::{Store, StoreError};

/// A key just made, with what is shown this once.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MadeKey {
    #[serde(flatten)]
    pub key: GhostKey,
    /// `id:secret`, for the Admin API.
    pub admin_key: String,
    /// For the Content API (integrations only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_key: Option<String>,
}

/// What the sealed secret of key `id` is bound to: it opens for that key alone.
pub(super) fn seal_context(id: &str) -> String {
    format!("ghost admin key {id}")
}

/// The hash kept of a Content key.
pub(super) fn content_hash(keys: &Keys, key: &str) -> String {
    keys.hash("ghost content key", key)
}

pub(super) fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::rngs::OsRng.fill_bytes(&mut buf);
    hex::encode(buf)
}

/// Makes a key of `kind` named `name` that acts for the account `account_id`.
pub async fn make(
    store: &Store,
    keys: &Keys,
    account_id: i64,
    name: &str,
    kind: KeyKind,
) -> Result<MadeKey, StoreError> {
    let (id, mut secret) = (random_hex(12), [0u8; 32]);
    rand::rngs::OsRng.fill_bytes(&mut secret);
    let content_key = (kind == KeyKind::Integration).then(|| {
        // 26 hex, as Ghost's: 13 bytes.
        random_hex(13)
    });
    let sealed = keys.encrypt(&secret, &seal_context(&id));
    let hash = content_key.as_deref().map(|k| content_hash(keys, k));
    let key = store
        .add_ghost_key(NewGhostKey {
            id: &id,
            account_id,
            name,
            kind,
            sealed_secret: &sealed,
            content_hash: hash.as_deref(),
        })
        .await?;
    Ok(MadeKey {
        admin_key: format!("{id}:{}", hex::encode(secret)),
        key,
        content_key,
    })
}
