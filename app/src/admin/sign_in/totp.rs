//! Time-based one-time passwords (RFC 6238): SHA-1, 6 digits, 30-second steps, one
//! step of clock skew either way, the settings every authenticator app supports.

use qrcode::render::svg;
use qrcode::QrCode;
use rand::RngCore;
use subtle::ConstantTimeEq;
use totp_rs::{Algorithm, TOTP};

const STEP: u64 = 30;

/// A new 160-bit secret.
pub fn new_secret() -> Vec<u8> {
    let mut secret = vec![0u8; 20];
    rand::rngs::OsRng.fill_bytes(&mut secret);
    secret
}

fn totp(secret: &[u8], issuer: &str, account: &str) -> TOTP {
    // ':' separates issuer and account in the URI label.
    let clean = |s: &str| s.replace(':', " ");
    TOTP::new_unchecked(
        Algorithm::SHA1,
        6,
        1,
        STEP,
        secret.to_vec(),
        Some(clean(issuer)),
        clean(account),
    )
}

/// What an authenticator app needs: the key as base32, the `otpauth://` URI, and
/// that URI as a QR code in SVG.
pub struct Enrollment {
    pub secret: String,
    pub url: String,
    pub qr_svg: String,
}

pub fn enrollment(secret: &[u8], issuer: &str, account: &str) -> Enrollment {
    let totp = totp(secret, issuer, account);
    let url = totp.get_url();
    let qr_svg = QrCode::new(url.as_bytes())
        .map(|code| {
            code.render::<svg::Color>()
                .min_dimensions(220, 220)
                .quiet_zone(true)
                .build()
        })
        .unwrap_or_default();
    Enrollment {
        secret: totp.get_secret_base32(),
        url,
        qr_svg,
    }
}

/// The time step whose code `code` is, within one step of `unix_time`; None if it
/// matches none.
pub fn matching_step(secret: &[u8], code: &str, unix_time: u64) -> Option<i64> {
    let code = code.trim().replace(' ', "");
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let totp = totp(secret, "", "");
    let now = unix_time / STEP;
    [now.saturating_sub(1), now, now + 1]
        .into_iter()
        .find(|step| bool::from(totp.generate(step * STEP).as_bytes().ct_eq(code.as_bytes())))
        .map(|step| step as i64)
}

/// The code of `unix_time`'s step (for tests and the command line).
pub fn code_at(secret: &[u8], unix_time: u64) -> String {
    totp(secret, "", "").generate(unix_time)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_6238_vector_and_skew() {
        // RFC 6238 appendix B, SHA-1 secret "12345678901234567890", T = 59 s: 94287082
        // in 8 digits, so 287082 in 6.
        let secret = b"12345678901234567890";
        assert_eq!(code_at(secret, 59), "287082");
        assert_eq!(matching_step(secret, "287082", 59), Some(1));
        assert_eq!(matching_step(secret, "287 082", 59 + 30), Some(1));
        assert_eq!(matching_step(secret, "287082", 59 + 90), None);
        assert_eq!(matching_step(secret, "28708", 59), None);
        let e = enrollment(secret, "My: blog", "ada");
        assert!(e.url.starts_with("otpauth://totp/"), "{}", e.url);
        assert!(e.url.contains("secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"));
        assert!(e.qr_svg.contains("<svg"));
    }
}
