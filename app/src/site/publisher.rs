//! Publishes asked for while the server runs (the admin API, the schedule): those
//! that arrive together share one build, which runs on its own task so that a client
//! going away cancels nothing others wait on.

use std::sync::{Arc, Mutex};

use futures_util::future::{BoxFuture, FutureExt, Shared};

use super::{PublishError, PublishOptions, PublishReport, Site};

/// A publish that requests share: its report, or why it failed.
pub type Outcome = Result<Arc<PublishReport>, Arc<PublishError>>;

type Render = Shared<BoxFuture<'static, Outcome>>;

/// Runs publishes for the admin API and the schedule: requests made while a
/// publish waits for its turn share it.
pub struct Publisher {
    site: Arc<Site>,
    options: PublishOptions,
    /// The render that has not started yet (waiting for the site's turn): whoever
    /// asks now joins it.
    pending: Mutex<Option<Render>>,
}

impl Publisher {
    /// `options` as `folio serve` was started with. Each publish imports what changed
    /// in content/ (the folder is the site: a file edited on the server or restored
    /// from Git is read before the build), but never prunes: a file gone is a post
    /// archived only when a push says so.
    pub fn new(site: Arc<Site>, options: PublishOptions) -> Arc<Self> {
        Arc::new(Self {
            site,
            options: PublishOptions {
                prune: false,
                force: false,
                ..options
            },
            pending: Mutex::new(None),
        })
    }

    /// Renders the store into the output folder. Requests made while a render is
    /// waiting for its turn share it; a failure leaves the published site as it was.
    pub async fn publish(self: &Arc<Self>) -> Outcome {
        let render = {
            let mut pending = self
                .pending
                .lock()
                .expect("no panic while holding the lock");
            match pending.as_ref() {
                Some(render) => render.clone(),
                None => {
                    let this = self.clone();
                    // Spawned: a client that goes away does not cancel a render others wait on.
                    let task = tokio::spawn(async move {
                        let turn = this.site.turn().await;
                        // From now on, new requests need a new render: this one may
                        // have read the store before their changes.
                        this.pending
                            .lock()
                            .expect("no panic while holding the lock")
                            .take();
                        this.site
                            .publish_in(&turn, this.options, None)
                            .await
                            .map(Arc::new)
                            .map_err(Arc::new)
                    });
                    let render = async move {
                        task.await
                            .unwrap_or_else(|e| Err(Arc::new(super::publish::stopped(e))))
                    }
                    .boxed()
                    .shared();
                    *pending = Some(render.clone());
                    render
                }
            }
        };
        render.await
    }

    /// The site it publishes.
    pub fn site(&self) -> &Arc<Site> {
        &self.site
    }

    /// The options its renders use.
    pub fn options(&self) -> PublishOptions {
        self.options
    }

    /// Posts changed: the schedule may have a new next time.
    pub fn changed(&self) {
        self.site.schedule_wake.notify_one();
    }
}
