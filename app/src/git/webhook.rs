//! A forge's push webhook, checked against the shared secret
//! (`FOLIO_GIT_WEBHOOK_SECRET`): GitHub's `X-Hub-Signature-256` and Gitea's,
//! Forgejo's and Gogs' signatures (HMAC-SHA256 of the body), GitLab's
//! `X-Gitlab-Token` (the secret itself). Compared in constant time.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

/// Why a webhook was refused (said to the caller as is: it names no secret).
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    #[error("no signature: set the webhook's secret (GitHub, Gitea, Forgejo) or token (GitLab)")]
    Unsigned,
    #[error("the signature does not match the secret")]
    Mismatch,
}

/// Checks `body`, with `header` giving a header's value by name, against `secret`.
pub fn verify<'a>(
    secret: &str,
    header: impl Fn(&str) -> Option<&'a str>,
    body: &[u8],
) -> Result<(), Refused> {
    if let Some(token) = header("x-gitlab-token") {
        return equal(token.as_bytes(), secret.as_bytes());
    }
    let signed = header("x-hub-signature-256")
        .map(|s| s.strip_prefix("sha256=").unwrap_or("-"))
        .or_else(|| header("x-gitea-signature"))
        .or_else(|| header("x-forgejo-signature"))
        .or_else(|| header("x-gogs-signature"))
        .ok_or(Refused::Unsigned)?;
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key");
    mac.update(body);
    let expected = hex::encode(mac.finalize().into_bytes());
    equal(
        signed.trim().to_ascii_lowercase().as_bytes(),
        expected.as_bytes(),
    )
}

fn equal(given: &[u8], expected: &[u8]) -> Result<(), Refused> {
    if given.len() == expected.len() && bool::from(given.ct_eq(expected)) {
        Ok(())
    } else {
        Err(Refused::Mismatch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<&'a str> + 'a {
        move |name| pairs.iter().find(|(n, _)| *n == name).map(|(_, v)| *v)
    }

    #[test]
    fn each_forge_signature_is_checked_and_a_forged_one_refused() {
        let body = br#"{"ref":"refs/heads/main"}"#;
        // GitHub's documented example: secret "It's a Secret to Everybody",
        // payload "Hello, World!".
        let github = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";
        assert_eq!(
            verify(
                "It's a Secret to Everybody",
                headers(&[("x-hub-signature-256", github)]),
                b"Hello, World!"
            ),
            Ok(())
        );
        let secret = "s3cret";
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("key");
        mac.update(body);
        let hex = hex::encode(mac.finalize().into_bytes());
        assert_eq!(
            verify(secret, headers(&[("x-gitea-signature", &hex)]), body),
            Ok(())
        );
        assert_eq!(
            verify(secret, headers(&[("x-forgejo-signature", &hex)]), body),
            Ok(())
        );
        assert_eq!(
            verify(secret, headers(&[("x-gitlab-token", secret)]), body),
            Ok(())
        );

        assert_eq!(
            verify(secret, headers(&[("x-gitea-signature", &hex)]), b"{}"),
            Err(Refused::Mismatch),
            "another body"
        );
        assert_eq!(
            verify("other", headers(&[("x-gitea-signature", &hex)]), body),
            Err(Refused::Mismatch)
        );
        assert_eq!(
            verify(secret, headers(&[("x-hub-signature-256", &hex)]), body),
            Err(Refused::Mismatch),
            "GitHub's needs its prefix"
        );
        assert_eq!(
            verify(secret, headers(&[("x-gitlab-token", "s3cre")]), body),
            Err(Refused::Mismatch)
        );
        assert_eq!(verify(secret, headers(&[]), body), Err(Refused::Unsigned));
    }
}
