//! Accepting connections with the limits a server on the open internet needs, which
//! `axum::serve` does not set: a deadline for each request's headers (idle
//! keep-alive connections included), a cap on open connections, and, at the cap,
//! room made for a new client by closing the oldest connection that has no request
//! in progress. A slow client (a byte every few seconds) thus holds its connection
//! at most [`Limits::header_timeout`], and thousands of them cannot starve a health
//! probe, which completes its request at once.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::ConnectInfo;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tower::ServiceExt;

/// How the listener bounds its clients.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_connections: usize,
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
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(10),
        }
    }
}

/// Requests in flight at graceful shutdown get this long to finish.
const DRAIN: Duration = Duration::from_secs(30);

/// An open connection: its requests in flight, and how to close it.
struct Open {
    busy: Arc<AtomicUsize>,
    close: Option<oneshot::Sender<()>>,
}

/// The open connections, by order of arrival.
struct Slots {
    max: usize,
    open: Mutex<(u64, BTreeMap<u64, Open>)>,
}

/// A connection's place among [`Slots`], given back when it ends.
struct Slot {
    id: u64,
    slots: Arc<Slots>,
    busy: Arc<AtomicUsize>,
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.slots
            .open
            .lock()
            .expect("no panic while holding the lock")
            .1
            .remove(&self.id);
    }
}

impl Slots {
    /// A place for a new connection, making room if needed by closing the oldest
    /// idle one; None when every open connection is busy.
    fn admit(self: &Arc<Self>) -> Option<(Slot, oneshot::Receiver<()>)> {
        let mut open = self.open.lock().expect("no panic while holding the lock");
        if open.1.len() >= self.max {
            let idle = open
                .1
                .iter()
                .find(|(_, c)| c.busy.load(Ordering::SeqCst) == 0)
                .map(|(id, _)| *id)?;
            if let Some(mut evicted) = open.1.remove(&idle) {
                if let Some(close) = evicted.close.take() {
                    let _ = close.send(());
                }
            }
        }
        open.0 += 1;
        let id = open.0;
        let busy = Arc::new(AtomicUsize::new(0));
        let (close, closed) = oneshot::channel();
        open.1.insert(
            id,
            Open {
                busy: busy.clone(),
                close: Some(close),
            },
        );
        Some((
            Slot {
                id,
                slots: self.clone(),
                busy,
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

/// Serves `app` on `listener` until `shutdown` completes, then lets requests in
/// flight finish (up to [`DRAIN`]).
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: Limits,
    shutdown: impl Future<Output = ()>,
) {
    let app = app.layer(tower_http::timeout::RequestBodyTimeoutLayer::new(
        limits.body_timeout,
    ));
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
        open: Mutex::new((0, BTreeMap::new())),
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
        let Some((slot, closed)) = slots.admit() else {
            tracing::debug!(%peer, "every connection is busy: refused");
            continue;
        };
        // Headers and body go out in separate writes; without TCP_NODELAY each
        // response can wait ~40 ms on Nagle's algorithm and the client's delayed ACK.
        let _ = tcp.set_nodelay(true);
        let app = app.clone();
        let busy = slot.busy.clone();
        let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
            busy.fetch_add(1, Ordering::SeqCst);
            let in_flight = InFlight(busy.clone());
            request.extensions_mut().insert(ConnectInfo(peer));
            let app = app.clone();
            async move {
                let response = app.oneshot(request.map(axum::body::Body::new)).await;
                drop(in_flight);
                Ok::<_, Infallible>(response.unwrap_or_else(|never| match never {}))
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
