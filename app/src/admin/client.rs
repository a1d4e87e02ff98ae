//! The client's address: the peer's, or, when the peer is a trusted proxy
//! (Cloudflare, Traefik), the one the proxy reports.

use std::net::{IpAddr, SocketAddr};

use axum::http::HeaderMap;
use ipnet::IpNet;

/// Parses `FOLIO_TRUSTED_PROXIES`: CIDRs or addresses, separated by commas or spaces.
pub fn parse_proxies(text: &str) -> Result<Vec<IpNet>, String> {
    text.split([',', ' '])
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<IpNet>()
                .or_else(|_| s.parse::<IpAddr>().map(IpNet::from))
                .map_err(|_| format!("not an address or CIDR: {s:?}"))
        })
        .collect()
}

pub fn client_ip(peer: SocketAddr, headers: &HeaderMap, trusted: &[IpNet]) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer.ip()) {
        return peer.ip();
    }
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if let Some(ip) = header("cf-connecting-ip").and_then(|v| v.trim().parse().ok()) {
        return ip;
    }
    // The nearest address that is not one of our proxies: anything to its left
    // could have been written by the client.
    if let Some(forwarded) = header("x-forwarded-for") {
        let mut chain = forwarded
            .split(',')
            .rev()
            .filter_map(|s| s.trim().parse::<IpAddr>().ok());
        if let Some(ip) = chain.find(|ip| !is_trusted(ip)) {
            return ip;
        }
    }
    peer.ip()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forwarded_addresses_count_only_from_trusted_peers() {
        let trusted = parse_proxies("10.0.0.0/8, 127.0.0.1").expect("valid");
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-forwarded-for",
            "1.2.3.4, 5.6.7.8, 10.0.0.3".parse().expect("header"),
        );
        let proxy: SocketAddr = "10.1.1.1:5000".parse().expect("addr");
        let stranger: SocketAddr = "9.9.9.9:5000".parse().expect("addr");
        assert_eq!(client_ip(proxy, &headers, &trusted).to_string(), "5.6.7.8");
        assert_eq!(
            client_ip(stranger, &headers, &trusted).to_string(),
            "9.9.9.9"
        );
        headers.insert("cf-connecting-ip", "2.2.2.2".parse().expect("header"));
        assert_eq!(client_ip(proxy, &headers, &trusted).to_string(), "2.2.2.2");
        assert!(parse_proxies("nonsense").is_err());
    }
}
