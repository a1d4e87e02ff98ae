//! Passwords: argon2id with OWASP's parameters (19 MiB, 2 passes, 1 lane), stored as
//! PHC strings, rehashed at login when the parameters change.

use std::sync::OnceLock;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

pub const MIN_LENGTH: usize = 12;
/// Longer inputs only cost hashing time.
pub const MAX_LENGTH: usize = 1024;

fn hasher() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).expect("valid argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Why a new password is refused.
pub fn check_new(password: &str) -> Result<(), String> {
    let length = password.chars().count();
    if length < MIN_LENGTH {
        return Err(format!(
            "the password must have at least {MIN_LENGTH} characters"
        ));
    }
    if password.len() > MAX_LENGTH {
        return Err(format!("the password must have at most {MAX_LENGTH} bytes"));
    }
    Ok(())
}

/// The PHC string of `password` with a fresh salt. Slow by design: call it off the
/// async threads.
pub fn hash(password: &str) -> String {
    let salt = SaltString::generate(&mut rand::rngs::OsRng);
    hasher()
        .hash_password(password.as_bytes(), &salt)
        .expect("argon2 hashes any password")
        .to_string()
}

pub enum Verified {
    No,
    Yes,
    /// Right, but hashed with other parameters: store a new hash.
    YesRehash,
}

/// Checks `password` against a stored PHC string; with no stored hash (an unknown
/// user) it still spends the time of a real check, so timing tells nothing.
pub fn verify(stored: Option<&str>, password: &str) -> Verified {
    static DUMMY: OnceLock<String> = OnceLock::new();
    let known = stored.is_some();
    let stored = stored.unwrap_or_else(|| DUMMY.get_or_init(|| hash("not anyone's password")));
    let Ok(parsed) = PasswordHash::new(stored) else {
        return Verified::No;
    };
    let ok = password.len() <= MAX_LENGTH
        && hasher()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok();
    if !(ok && known) {
        return Verified::No;
    }
    let current = Params::try_from(&parsed).ok();
    let wanted = hasher().params().clone();
    let same = parsed.algorithm.as_str() == "argon2id"
        && current.is_some_and(|p| {
            p.m_cost() == wanted.m_cost()
                && p.t_cost() == wanted.t_cost()
                && p.p_cost() == wanted.p_cost()
        });
    if same {
        Verified::Yes
    } else {
        Verified::YesRehash
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn right_password_verifies_and_old_parameters_ask_for_a_rehash() {
        let stored = hash("correct horse battery");
        assert!(stored.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(matches!(
            verify(Some(&stored), "correct horse battery"),
            Verified::Yes
        ));
        assert!(matches!(
            verify(Some(&stored), "wrong horse battery"),
            Verified::No
        ));
        assert!(matches!(
            verify(None, "correct horse battery"),
            Verified::No
        ));
        let weak = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(8 * 1024, 1, 1, None).expect("params"),
        )
        .hash_password(
            b"correct horse battery",
            &SaltString::generate(&mut rand::rngs::OsRng),
        )
        .expect("hash")
        .to_string();
        assert!(matches!(
            verify(Some(&weak), "correct horse battery"),
            Verified::YesRehash
        ));
        assert!(check_new("short").is_err());
        assert!(check_new("twelve chars").is_ok());
    }
}
