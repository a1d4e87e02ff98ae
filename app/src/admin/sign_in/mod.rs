//! Signing in and what it rests on: the two login steps, first-run setup, one's own
//! account, API tokens, passwords and TOTP.

pub(super) mod account;
pub(super) mod challenge;
pub(super) mod ghost_keys;
pub mod password;
pub(super) mod second_factor;
pub(super) mod session;
pub(super) mod setup;
pub(super) mod tokens;
pub mod totp;
