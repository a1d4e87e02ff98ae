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

/// The address attempts are counted under: an IPv4 address, or an IPv6 address's
/// /64 (one subscriber's whole network, which a client can cycle through freely).
pub(super) fn limit_key(ip: &str) -> String {
    let Ok(ip) = ip.parse::<IpAddr>() else {
        return ip.to_owned();
    };
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => ipnet::Ipv6Net::new(v6, 64)
                .expect("64 is a prefix length")
                .trunc()
                .to_string(),
        },
    }
}

pub(super) fn client_ip(peer: SocketAddr, headers: &HeaderMap, trusted: &[IpNet]) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer.ip()) {
        return peer.ip();
    }
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
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
    // Every hop was one of ours (Cloudflare's ranges among them): the edge's own
    // header. Before that, a client that went around Cloudflare to the Ingress could
    // have written it itself (Traefik passes it on): its own address wins above.
    if let Some(ip) = header("cf-connecting-ip").and_then(|v| v.trim().parse().ok()) {
        return ip;
    }
    peer.ip()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ipv6_client_is_counted_by_its_64() {
        let key = limit_key;
        assert_eq!(key("2001:db8:1:2:aaaa::1"), key("2001:db8:1:2:ffff::9"));
        assert_ne!(key("2001:db8:1:2::1"), key("2001:db8:1:3::1"));
        assert_eq!(key("2001:db8:1:2::1"), "2001:db8:1:2::/64");
        assert_eq!(key("::ffff:1.2.3.4"), "1.2.3.4");
        assert_eq!(key("1.2.3.4"), "1.2.3.4");
    }

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
        // A client that reached a proxy of ours around Cloudflare writes its own
        // CF-Connecting-IP: its address, as the proxy saw it, counts.
        headers.insert("cf-connecting-ip", "2.2.2.2".parse().expect("header"));
        assert_eq!(client_ip(proxy, &headers, &trusted).to_string(), "5.6.7.8");
        // Through Cloudflare (its ranges trusted), every hop ours: the edge's header.
        let trusted = parse_proxies("10.0.0.0/8, 162.158.0.0/15").expect("valid");
        headers.insert("x-forwarded-for", "162.158.1.1".parse().expect("header"));
        assert_eq!(client_ip(proxy, &headers, &trusted).to_string(), "2.2.2.2");
        headers.remove("cf-connecting-ip");
        headers.insert(
            "x-forwarded-for",
            "7.7.7.7, 162.158.1.1".parse().expect("header"),
        );
        assert_eq!(client_ip(proxy, &headers, &trusted).to_string(), "7.7.7.7");
        assert!(parse_proxies("nonsense").is_err());
    }
}
