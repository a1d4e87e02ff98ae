//! Accepting connections with the limits a server on the open internet needs, which
//! `axum::serve` does not set: a deadline for each request's headers (idle
//! keep-alive connections included), a cap on open connections, and, at the cap,
//! room made for a new client by closing the oldest connection that has no request
//! in progress. A slow client (a byte every few seconds) thus holds its connection
//! at most [`Limits::header_timeout`]. One address holds at most
//! [`Limits::per_address`] connections (proxies excepted), and when every slot is
//! busy a few more are kept for health probes, so a liveness probe never fails
//! because slow clients hold the server.

use std::collections::{BTreeMap, HashMap};
use std::convert::Infallible;
use std::future::Future;
use std::net::IpAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{ConnectInfo, Request};
use axum::response::Response;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tower::ServiceExt;
use tower_http::timeout::TimeoutBody;

/// How the listener bounds its clients.
#[derive(Debug, Clone)]
pub struct Limits {
    pub max_connections: usize,
    /// Connections one client address may hold at once; beyond, its oldest idle one
    /// is closed, or the new one refused when all of its connections are busy.
    pub per_address: usize,
    /// Peers not held to [`Limits::per_address`]: the proxies every client comes
    /// through (Traefik, a tunnel), which say who the client is in a header.
    pub proxies: Arc<[ipnet::IpNet]>,
    /// Time a client has to send a request's headers, from the moment the server
    /// waits for them (so also the longest a keep-alive connection idles).
    pub header_timeout: Duration,
    /// Longest wait for the next piece of a request body.
    pub body_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_connections: 1024,
            per_address: 64,
            proxies: Arc::from(Vec::new()),
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(10),
        }
    }
}

/// Requests in flight at graceful shutdown get this long to finish.
const DRAIN: Duration = Duration::from_secs(30);
/// Connections beyond the cap kept for health probes when every other connection is
/// busy: they answer `/healthz` and `/readyz` only, so a liveness probe never fails
/// because clients hold every slot.
const RESERVE: usize = 16;
/// The paths a reserve connection answers.
const HEALTH: [&str; 2] = ["/healthz", "/readyz"];

/// An open connection: who holds it, its requests in flight, and how to close it.
struct Open {
    addr: IpAddr,
    reserve: bool,
    busy: Arc<AtomicUsize>,
    close: Option<oneshot::Sender<()>>,
}

impl Open {
    fn idle(&self) -> bool {
        self.busy.load(Ordering::SeqCst) == 0
    }
}

/// The open connections, by order of arrival, and how many each address holds.
#[derive(Default)]
struct Table {
    next: u64,
    open: BTreeMap<u64, Open>,
    by_address: HashMap<IpAddr, usize>,
    reserve: usize,
}

impl Table {
    fn close(&mut self, id: u64) {
        if let Some(mut closed) = self.remove(id) {
            if let Some(close) = closed.close.take() {
                let _ = close.send(());
            }
        }
    }

    fn remove(&mut self, id: u64) -> Option<Open> {
        let gone = self.open.remove(&id)?;
        if gone.reserve {
            self.reserve -= 1;
        }
        if let Some(count) = self.by_address.get_mut(&gone.addr) {
            *count -= 1;
            if *count == 0 {
                self.by_address.remove(&gone.addr);
            }
        }
        Some(gone)
    }

    /// The oldest connection that `pick` accepts.
    fn oldest(&self, pick: impl Fn(&Open) -> bool) -> Option<u64> {
        self.open.iter().find(|(_, c)| pick(c)).map(|(id, _)| *id)
    }
}

struct Slots {
    max: usize,
    per_address: usize,
    proxies: Arc<[ipnet::IpNet]>,
    table: Mutex<Table>,
}

/// A connection's place among [`Slots`], given back when it ends.
struct Slot {
    id: u64,
    slots: Arc<Slots>,
    busy: Arc<AtomicUsize>,
    /// Admitted beyond the cap, for health probes only.
    reserve: bool,
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.slots
            .table
            .lock()
            .expect("no panic while holding the lock")
            .remove(self.id);
    }
}

impl Slots {
    /// A place for a new connection from `addr`, making room if needed by closing
    /// the oldest idle one (of that address first, when it holds its share); a
    /// reserve place when every connection is busy; None when the address holds
    /// its share and all of it is busy.
    fn admit(self: &Arc<Self>, addr: IpAddr) -> Option<(Slot, oneshot::Receiver<()>)> {
        let mut table = self.table.lock().expect("no panic while holding the lock");
        let capped = !self.proxies.iter().any(|net| net.contains(&addr));
        let held = table.by_address.get(&addr).copied().unwrap_or(0);
        if capped && held >= self.per_address {
            let own_idle = table.oldest(|c| c.addr == addr && c.idle())?;
            table.close(own_idle);
        }
        let mut reserve = false;
        if table.open.len() - table.reserve >= self.max {
            match table.oldest(|c| !c.reserve && c.idle()) {
                Some(idle) => table.close(idle),
                None => {
                    // Probes are short: the oldest reserve connection makes room.
                    if table.reserve >= RESERVE {
                        let oldest = table.oldest(|c| c.reserve)?;
                        table.close(oldest);
                    }
                    reserve = true;
                }
            }
        }
        table.next += 1;
        let id = table.next;
        let busy = Arc::new(AtomicUsize::new(0));
        let (close, closed) = oneshot::channel();
        table.open.insert(
            id,
            Open {
                addr,
                reserve,
                busy: busy.clone(),
                close: Some(close),
            },
        );
        *table.by_address.entry(addr).or_default() += 1;
        table.reserve += usize::from(reserve);
        Some((
            Slot {
                id,
                slots: self.clone(),
                busy,
                reserve,
            },
            closed,
        ))
    }
}

/// Counts a request in flight on its connection while it lives.
struct InFlight(Arc<AtomicUsize>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Serves `app` (a router, or the site's fast path in front of one) on `listener`
/// until `shutdown` completes, then lets requests in flight finish (up to [`DRAIN`]).
pub async fn serve<S>(
    listener: TcpListener,
    app: S,
    limits: Limits,
    shutdown: impl Future<Output = ()>,
) where
    S: tower::Service<Request, Response = Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    let body_timeout = limits.body_timeout;
    let mut builder = Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout);
    builder
        .http2()
        .timer(TokioTimer::new())
        .keep_alive_interval(Some(limits.header_timeout));
    let slots = Arc::new(Slots {
        max: limits.max_connections.max(1),
        per_address: limits.per_address.max(1),
        proxies: limits.proxies.clone(),
        table: Mutex::new(Table::default()),
    });
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let (tcp, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors, most often: wait for some to close.
                    tracing::warn!("cannot accept a connection: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let Some((slot, closed)) = slots.admit(peer.ip()) else {
            tracing::debug!(%peer, "every connection of this address is busy: refused");
            continue;
        };
        // Headers and body go out in separate writes; without TCP_NODELAY each
        // response can wait ~40 ms on Nagle's algorithm and the client's delayed ACK.
        let _ = tcp.set_nodelay(true);
        let app = app.clone();
        let (busy, reserve) = (slot.busy.clone(), slot.reserve);
        let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
            busy.fetch_add(1, Ordering::SeqCst);
            let in_flight = InFlight(busy.clone());
            request.extensions_mut().insert(ConnectInfo(peer));
            let app = app.clone();
            let probe = HEALTH.contains(&request.uri().path());
            async move {
                let response = if reserve && !probe {
                    busy_answer()
                } else {
                    // Each piece of a body must come within the body timeout.
                    let request = request
                        .map(|body| axum::body::Body::new(TimeoutBody::new(body_timeout, body)));
                    let response = app.oneshot(request).await;
                    response.unwrap_or_else(|never| match never {})
                };
                drop(in_flight);
                Ok::<_, Infallible>(response)
            }
        });
        let connection = builder
            .serve_connection_with_upgrades(TokioIo::new(tcp), service)
            .into_owned();
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            tokio::select! {
                _ = connection => {}
                _ = closed => tracing::debug!(%peer, "closed to make room for a new client"),
            }
            drop(slot);
        });
    }
    drop(listener);
    if tokio::time::timeout(DRAIN, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("requests still in flight after {DRAIN:?}: closing them");
    }
}

/// What a connection admitted for health probes answers anything else.
fn busy_answer() -> axum::response::Response {
    use axum::http::{header, StatusCode};
    use axum::response::IntoResponse;
    (
        StatusCode::SERVICE_UNAVAILABLE,
        [(header::RETRY_AFTER, "5"), (header::CONNECTION, "close")],
        "the server is busy: try again in a few seconds\n",
    )
        .into_response()
}
