//! The server's secret key (`FOLIO_SECRET_KEY`) and what it protects: TOTP secrets
//! are encrypted with it, session ids, API tokens and recovery codes are hashed with
//! it. A copy of the database alone lets nobody log in.

use std::path::Path;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::RngCore;

/// Keys derived from the one secret, one per purpose.
#[derive(Clone)]
pub struct Keys {
    encrypt: [u8; 32],
    hash: [u8; 32],
}

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("FOLIO_SECRET_KEY must be at least 32 characters (try: openssl rand -base64 32)")]
    TooShort,
    #[error("cannot read or create the key file {path}: {source}")]
    File {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    #[error(
        "the secret key file {} is missing, and the database holds TOTP secrets and tokens \
         sealed with it: put the file back (or set FOLIO_SECRET_KEY to the key); a new key \
         would lock every account out",
        path.display()
    )]
    Missing { path: std::path::PathBuf },
    #[error(
        "the secret key ({origin}) is not the one this database was sealed with: every TOTP \
         login would fail; use the old key, or `folio user reset-2fa` each account after \
         deleting the check with a new key on purpose"
    )]
    Mismatch { origin: String },
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
}

/// The record of which key sealed the store's secrets.
const KEY_CHECK: &str = "secret_key_check";

impl Keys {
    /// Derives the keys from a secret of at least 32 characters.
    pub fn from_secret(secret: &str) -> Result<Self, KeyError> {
        let secret = secret.trim();
        if secret.len() < 32 {
            return Err(KeyError::TooShort);
        }
        Ok(Self {
            encrypt: blake3::derive_key("folio 2026 totp secret encryption", secret.as_bytes()),
            hash: blake3::derive_key("folio 2026 credential hashing", secret.as_bytes()),
        })
    }

    /// The key for `store`: [`Keys::load`], then checked against the record of the
    /// key that sealed the store's secrets (written on first use). A key file is
    /// never made for a store that holds secrets already.
    pub async fn for_store(
        env: Option<String>,
        db: &Path,
        store: &crate::store::Store,
    ) -> Result<Self, KeyError> {
        let from_env = env.as_ref().is_some_and(|s| !s.is_empty());
        let keys = Self::load(env, db, store.holds_secrets().await?)?;
        let check = keys.hash("key check", "folio");
        match store.state(KEY_CHECK).await? {
            Some(stored) if stored != check => Err(KeyError::Mismatch {
                origin: if from_env {
                    "FOLIO_SECRET_KEY".to_owned()
                } else {
                    key_file(db).display().to_string()
                },
            }),
            Some(_) => Ok(keys),
            None => {
                store.set_state(KEY_CHECK, &check).await?;
                Ok(keys)
            }
        }
    }

    /// `FOLIO_SECRET_KEY`, else a key file beside the database, made on first use
    /// unless `holds_secrets` (fine on a laptop, while a server keeps its key out of
    /// the volume: a Kubernetes Secret).
    pub fn load(env: Option<String>, db: &Path, holds_secrets: bool) -> Result<Self, KeyError> {
        if let Some(secret) = env.filter(|s| !s.is_empty()) {
            return Self::from_secret(&secret);
        }
        let path = key_file(db);
        let file_error = |source| KeyError::File {
            path: path.clone(),
            source,
        };
        let secret = match std::fs::read_to_string(&path) {
            Ok(secret) => secret,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && holds_secrets => {
                return Err(KeyError::Missing { path });
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let secret = random_token(32);
                write_private(&path, &secret).map_err(file_error)?;
                tracing::warn!(
                    "FOLIO_SECRET_KEY is not set: created {} (set the variable on a server, so \
                     the key does not sit beside the database)",
                    path.display()
                );
                secret
            }
            Err(e) => return Err(file_error(e)),
        };
        Self::from_secret(&secret)
    }

    /// A keyed hash of a credential, as stored; `kind` keeps the kinds apart.
    pub fn hash(&self, kind: &str, value: &str) -> String {
        let mut hasher = blake3::Hasher::new_keyed(&self.hash);
        hasher.update(kind.as_bytes());
        hasher.update(&[0]);
        hasher.update(value.as_bytes());
        hasher.finalize().to_hex().to_string()
    }

    /// Encrypts `plain`, bound to `context` (an account id): the result cannot be moved
    /// to another account.
    pub fn encrypt(&self, plain: &[u8], context: &str) -> String {
        let cipher = XChaCha20Poly1305::new((&self.encrypt).into());
        let mut nonce = [0u8; 24];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let sealed = cipher
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: plain,
                    aad: context.as_bytes(),
                },
            )
            .expect("encryption of a short secret cannot fail");
        let mut bytes = nonce.to_vec();
        bytes.extend(sealed);
        format!("v1:{}", URL_SAFE_NO_PAD.encode(bytes))
    }

    /// None when the text was not sealed by this key for this context.
    pub fn decrypt(&self, sealed: &str, context: &str) -> Option<Vec<u8>> {
        let bytes = URL_SAFE_NO_PAD.decode(sealed.strip_prefix("v1:")?).ok()?;
        if bytes.len() < 24 {
            return None;
        }
        let (nonce, sealed) = bytes.split_at(24);
        XChaCha20Poly1305::new((&self.encrypt).into())
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: sealed,
                    aad: context.as_bytes(),
                },
            )
            .ok()
    }
}

/// Where the key file of the database `db` is.
fn key_file(db: &Path) -> std::path::PathBuf {
    db.parent().unwrap_or(Path::new(".")).join("secret.key")
}

/// `bytes` random bytes from the OS, URL-safe base64.
pub fn random_token(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::rngs::OsRng.fill_bytes(&mut buf);
    URL_SAFE_NO_PAD.encode(buf)
}

fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    std::io::Write::write_all(&mut options.open(path)?, text.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_secrets_open_only_with_their_key_and_context() {
        let keys = Keys::from_secret("0123456789abcdef0123456789abcdef").expect("a long key");
        let sealed = keys.encrypt(b"totp secret", "account 1");
        assert_eq!(
            keys.decrypt(&sealed, "account 1").as_deref(),
            Some(&b"totp secret"[..])
        );
        assert_eq!(keys.decrypt(&sealed, "account 2"), None);
        let other = Keys::from_secret("another key, also long enough to use").expect("a long key");
        assert_eq!(other.decrypt(&sealed, "account 1"), None);
        assert_ne!(keys.hash("session", "x"), other.hash("session", "x"));
        assert_ne!(keys.hash("session", "x"), keys.hash("token", "x"));
        assert!(matches!(
            Keys::from_secret("short"),
            Err(KeyError::TooShort)
        ));
    }
}
