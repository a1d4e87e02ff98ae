//! Clients that hold connections busy (a sign-in body sent a byte at a time) against
//! a real `folio serve`: one address cannot take every connection, and health probes
//! always get one, so the liveness probe never restarts a healthy pod.

mod common;

use std::io::Write;
use std::net::TcpStream;

use common::api::Server;
use common::TestSite;

/// Connections from `from` that start a sign-in and send its body a byte at a time:
/// each holds a request in flight.
fn slow_sign_ins(addr: &str, from: &str, n: usize) -> Vec<TcpStream> {
    (0..n)
        .filter_map(|_| {
            let mut tcp = connect_from(addr, from)?;
            let head = "POST /admin/api/session HTTP/1.1\r\nHost: x\r\n\
                        Content-Type: application/json\r\nContent-Length: 4000\r\n\r\n{";
            tcp.write_all(head.as_bytes()).ok()?;
            Some(tcp)
        })
        .collect()
}

/// A TCP connection to `addr` from the loopback address `from` (127.0.0.0/8 is all
/// this machine's, so tests can be several clients).
fn connect_from(addr: &str, from: &str) -> Option<TcpStream> {
    let local: std::net::SocketAddr = format!("{from}:0").parse().ok()?;
    let target: std::net::SocketAddr = addr.parse().ok()?;
    let socket = tokio::net::TcpSocket::new_v4().ok()?;
    socket.bind(local).ok()?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .ok()?;
    let stream = runtime.block_on(socket.connect(target)).ok()?;
    stream.into_std().ok().and_then(|s| {
        s.set_nonblocking(false).ok()?;
        Some(s)
    })
}

/// Whether `/healthz` answers 200 to a client at `from`.
fn healthy(addr: &str, from: &str) -> bool {
    use std::io::Read;
    let Some(mut tcp) = connect_from(addr, from) else {
        return false;
    };
    let _ = tcp.set_read_timeout(Some(std::time::Duration::from_secs(5)));
    if tcp
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .is_err()
    {
        return false;
    }
    let mut answer = String::new();
    let _ = tcp.read_to_string(&mut answer);
    answer.starts_with("HTTP/1.1 200")
}

fn trickle(clients: &mut [TcpStream]) {
    for tcp in clients {
        let _ = tcp.write_all(b" ");
    }
}

#[test]
fn busy_slow_sign_ins_never_starve_health_probes() {
    let site = TestSite::sample();
    let server = Server::start(
        &site,
        &[
            ("FOLIO_MAX_CONNECTIONS", "40"),
            ("FOLIO_MAX_CONNECTIONS_PER_ADDRESS", "1000"),
        ],
    );
    let addr = server.base.trim_start_matches("http://").to_owned();
    let mut slow = slow_sign_ins(&addr, "127.0.0.1", 80);
    assert!(slow.len() >= 60, "only {} connected", slow.len());
    let mut answered = 0;
    for _ in 0..8 {
        trickle(&mut slow);
        answered += usize::from(healthy(&addr, "127.0.0.1"));
    }
    assert_eq!(
        answered, 8,
        "health probes answered while every slot was busy"
    );
}

#[test]
fn one_address_holds_its_share_of_connections_and_others_still_sign_in() {
    let site = TestSite::sample();
    let server = Server::start(
        &site,
        &[
            ("FOLIO_MAX_CONNECTIONS", "60"),
            ("FOLIO_MAX_CONNECTIONS_PER_ADDRESS", "20"),
        ],
    );
    let addr = server.base.trim_start_matches("http://").to_owned();
    let mut slow = slow_sign_ins(&addr, "127.0.0.1", 100);
    trickle(&mut slow);
    // Beyond its share, the address's connections are closed at once.
    let mut open = 0;
    for tcp in &mut slow {
        tcp.set_read_timeout(Some(std::time::Duration::from_millis(50)))
            .expect("timeout");
        let mut buf = [0u8; 64];
        match std::io::Read::read(tcp, &mut buf) {
            Ok(0) => {}
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => {}
            _ => open += 1,
        }
    }
    assert!(open <= 20, "{open} connections held by one address");
    // Another address is served as usual, the site and the admin alike.
    trickle(&mut slow);
    assert!(healthy(&addr, "127.0.0.2"));
    let mut tcp = connect_from(&addr, "127.0.0.3").expect("a connection");
    let body = r#"{"username":"nobody","password":"wrong password here"}"#;
    let request = format!(
        "POST /admin/api/session HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    tcp.write_all(request.as_bytes()).expect("sent");
    let mut answer = String::new();
    std::io::Read::read_to_string(&mut tcp, &mut answer).expect("an answer");
    // Judged (a wrong password), not turned away as busy.
    let status = answer.get(9..12).unwrap_or_default();
    assert!(status.starts_with('4') && status != "408", "{answer}");
}
