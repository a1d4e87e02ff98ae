//! Where a built site goes beyond the output folder: a bucket behind a CDN
//! ([`bucket`]) whose cache is purged of what changed ([`purge`]), in one
//! [`sequence`] that `folio publish` runs once and the server's [`worker`] after
//! every publish; or a folio server that publishes pushed content ([`remote`]).

pub mod bucket;
pub mod purge;
pub mod remote;
pub mod sequence;
pub mod worker;

/// A path as AWS signs and CloudFront takes it: percent-encoded but for `/` and the
/// unreserved characters, so never a wildcard.
pub(crate) fn encode_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for byte in path.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(byte as char)
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}
