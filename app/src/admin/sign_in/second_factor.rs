//! The second step of a login: a TOTP code, never accepted twice (the replay check:
//! the store keeps each account's last step used, [`Store::use_totp_step`]), or a
//! recovery code, each good once.
//!
//! [`Store::use_totp_step`]: crate::store::Store::use_totp_step

use crate::admin::error::{ApiError, ApiResult};
use crate::admin::sign_in::challenge::{normalize_recovery, unix_time};
use crate::admin::{totp, Admin};
use crate::store::Account;

/// What a second factor was: the audit log names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(in crate::admin) enum Factor {
    Totp,
    RecoveryCode,
}

/// How a second factor was judged.
pub(in crate::admin) enum Verdict {
    Good(Factor),
    /// Refused: what it was (`totp`, `totp replay`, `recovery code`, for the log) and
    /// what to tell the user.
    Refused {
        logged: &'static str,
        message: &'static str,
    },
}

/// Whether the code or recovery code sent is good for `account`.
pub(in crate::admin) async fn check(
    admin: &Admin,
    account: &Account,
    code: &Option<String>,
    recovery_code: &Option<String>,
) -> ApiResult<Verdict> {
    let store = &admin.site.store;
    let refused = |logged, message| Verdict::Refused { logged, message };
    Ok(match (code, recovery_code) {
        (Some(code), None) => {
            let secret = admin.totp_secret(account)?;
            match totp::matching_step(&secret, code, unix_time()) {
                Some(step) if store.use_totp_step(account.id, step).await? => {
                    Verdict::Good(Factor::Totp)
                }
                Some(_) => refused(
                    "totp replay",
                    "this code was used already: wait for the next one",
                ),
                None => refused("totp", "wrong code"),
            }
        }
        (None, Some(code)) => {
            let hash = admin.keys.hash("recovery", &normalize_recovery(code));
            if store.use_recovery_code(account.id, &hash).await? {
                Verdict::Good(Factor::RecoveryCode)
            } else {
                refused("recovery code", "wrong or already used recovery code")
            }
        }
        _ => {
            return Err(ApiError::field(
                "code",
                "send either code (6 digits) or recovery_code",
            ))
        }
    })
}
