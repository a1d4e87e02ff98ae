//! The schedule: a post dated in the future goes live when its time comes. `folio
//! serve` runs it whether or not the admin is on; a publish finds what came due
//! because the fingerprint counts due posts (see [`super::fingerprint`]).

use std::sync::Arc;
use std::time::Duration;

use super::Publisher;

/// Publishes whenever a scheduled post's time comes, until the process ends. After a
/// restart, the first publish shows whatever came due meanwhile.
pub async fn run(publisher: Arc<Publisher>) {
    let site = publisher.site();
    let (store, clock) = (&site.store, site.clock());
    let mut due = store.due_count(clock.now()).await.unwrap_or_default();
    loop {
        let wait = match store.next_scheduled(clock.now()).await {
            // A little after the time, so that the post is due when counted.
            Ok(Some(at)) => {
                (at - clock.now()).to_std().unwrap_or_default() + Duration::from_millis(200)
            }
            Ok(None) => Duration::from_secs(3600),
            Err(e) => {
                tracing::error!("schedule: {e}");
                Duration::from_secs(60)
            }
        };
        tokio::select! {
            () = tokio::time::sleep(wait.min(Duration::from_secs(3600))) => {}
            () = site.schedule_wake.notified() => {}
        }
        let now_due = store.due_count(clock.now()).await.unwrap_or(due);
        if now_due > due {
            tracing::info!("scheduled posts came due: publishing");
            match publisher.publish().await {
                Ok(_) => tracing::info!("scheduled posts published"),
                Err(e) => tracing::error!("scheduled publish failed: {e}"),
            }
        }
        due = now_due;
    }
}
