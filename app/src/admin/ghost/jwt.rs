//! Ghost's Admin API authentication: `Authorization: Ghost <jwt>`, a JWT signed
//! HS256 with the hex-decoded secret of an Admin key `id:secret`, `kid` the key's id,
//! `aud` the API's path (`/admin/`, or `/v2/admin/`... on the legacy paths), and a life
//! of at most five minutes, as Ghost checks it.
//!
//! Written here over the `hmac` the binary already links: `jsonwebtoken`'s only
//! pure-Rust backend (`rust_crypto`) brings RSA, P-256/384 and Ed25519 with it, for
//! this one HS256 check.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use serde::Deserialize;
use sha2::Sha256;

/// The longest life a token may claim (Ghost's `maxAge`), and the clock skew allowed.
const MAX_AGE: i64 = 5 * 60;
const SKEW: i64 = 60;

/// Why a token was refused (said to the caller: it names no secret).
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub(in crate::admin) enum Refused {
    #[error("Invalid token: not a JWT")]
    Malformed,
    #[error("Invalid token: the JWT has no kid (the Admin API key's id)")]
    NoKeyId,
    #[error("Invalid token: only HS256 is accepted")]
    Algorithm,
    #[error("Invalid token: invalid signature")]
    Signature,
    #[error("Token expired")]
    Expired,
    #[error("Invalid token: a token may live five minutes at most")]
    TooLong,
    #[error("Invalid token: invalid audience (expected {0})")]
    Audience(String),
}

#[derive(Deserialize)]
struct Header {
    alg: String,
    kid: Option<String>,
}

#[derive(Deserialize)]
struct Claims {
    iat: Option<i64>,
    exp: Option<i64>,
    #[serde(default)]
    aud: Audience,
}

#[derive(Deserialize, Default)]
#[serde(untagged)]
enum Audience {
    #[default]
    None,
    One(String),
    Many(Vec<String>),
}

/// A token read but not checked yet: its key id names the secret to check it with.
pub(in crate::admin) struct Unverified<'a> {
    pub kid: String,
    signed: &'a str,
    signature: Vec<u8>,
    claims: Claims,
}

/// Reads `token`'s header and claims.
pub(in crate::admin) fn read(token: &str) -> Result<Unverified<'_>, Refused> {
    let (signed, signature) = token.rsplit_once('.').ok_or(Refused::Malformed)?;
    let (header, claims) = signed.split_once('.').ok_or(Refused::Malformed)?;
    let decode = |part: &str| URL_SAFE_NO_PAD.decode(part).map_err(|_| Refused::Malformed);
    let header: Header =
        serde_json::from_slice(&decode(header)?).map_err(|_| Refused::Malformed)?;
    let claims: Claims =
        serde_json::from_slice(&decode(claims)?).map_err(|_| Refused::Malformed)?;
    if header.alg != "HS256" {
        return Err(Refused::Algorithm);
    }
    Ok(Unverified {
        kid: header
            .kid
            .filter(|k| !k.is_empty())
            .ok_or(Refused::NoKeyId)?,
        signed,
        signature: decode(signature)?,
        claims,
    })
}

impl Unverified<'_> {
    /// Checks the signature with `secret`, the life of the token at `now` (seconds),
    /// and that it was made for `audience`.
    pub(in crate::admin) fn verify(
        &self,
        secret: &[u8],
        audience: &str,
        now: i64,
    ) -> Result<(), Refused> {
        let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes any key");
        mac.update(self.signed.as_bytes());
        mac.verify_slice(&self.signature)
            .map_err(|_| Refused::Signature)?;
        let (Some(iat), Some(exp)) = (self.claims.iat, self.claims.exp) else {
            return Err(Refused::TooLong);
        };
        if exp - iat > MAX_AGE {
            return Err(Refused::TooLong);
        }
        if now >= exp + SKEW || iat > now + SKEW {
            return Err(Refused::Expired);
        }
        let matches = match &self.claims.aud {
            Audience::None => false,
            Audience::One(aud) => aud == audience,
            Audience::Many(auds) => auds.iter().any(|a| a == audience),
        };
        if !matches {
            return Err(Refused::Audience(audience.to_owned()));
        }
        Ok(())
    }
}

#[cfg(test)]
pub(in crate::admin) fn sign(kid: &str, secret: &[u8], claims: &serde_json::Value) -> String {
    let header = serde_json::json!({ "alg": "HS256", "typ": "JWT", "kid": kid });
    let part = |v: &serde_json::Value| URL_SAFE_NO_PAD.encode(v.to_string());
    let signed = format!("{}.{}", part(&header), part(claims));
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("any key");
    mac.update(signed.as_bytes());
    format!(
        "{signed}.{}",
        URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";

    fn check(token: &str, now: i64) -> Result<(), Refused> {
        read(token)?.verify(SECRET, "/admin/", now)
    }

    #[test]
    fn a_token_is_checked_as_ghost_checks_it() {
        let good = sign(
            "k",
            SECRET,
            &json!({ "iat": 1000, "exp": 1300, "aud": "/admin/" }),
        );
        assert_eq!(read(&good).map(|u| u.kid), Ok("k".to_owned()));
        assert_eq!(check(&good, 1100), Ok(()));
        assert_eq!(check(&good, 1400), Err(Refused::Expired));
        let long = sign(
            "k",
            SECRET,
            &json!({ "iat": 1000, "exp": 5000, "aud": "/admin/" }),
        );
        assert_eq!(check(&long, 1100), Err(Refused::TooLong));
        let legacy = sign(
            "k",
            SECRET,
            &json!({ "iat": 1000, "exp": 1300, "aud": "/v2/admin/" }),
        );
        assert!(matches!(check(&legacy, 1100), Err(Refused::Audience(_))));
        assert_eq!(
            read(&legacy).and_then(|u| u.verify(SECRET, "/v2/admin/", 1100)),
            Ok(())
        );
        let forged = sign(
            "k",
            b"another secret",
            &json!({ "iat": 1000, "exp": 1300, "aud": "/admin/" }),
        );
        assert_eq!(check(&forged, 1100), Err(Refused::Signature));
        let none = format!(
            "{}.{}.",
            URL_SAFE_NO_PAD.encode(r#"{"alg":"none","kid":"k"}"#),
            URL_SAFE_NO_PAD.encode(r#"{"iat":1000,"exp":1300,"aud":"/admin/"}"#)
        );
        assert_eq!(check(&none, 1100).err(), Some(Refused::Algorithm));
        assert_eq!(check("not a token", 1100), Err(Refused::Malformed));
    }
}
