//! The time as folio reads it: the system's, or one a test sets and moves, so that no
//! test waits for a second to pass.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};

#[derive(Debug, Clone, Default)]
pub struct Clock(Option<Arc<Mutex<DateTime<Utc>>>>);

impl Clock {
    /// The system's time.
    pub fn system() -> Self {
        Self(None)
    }

    /// A clock that stands at `at` until moved.
    pub fn fixed(at: DateTime<Utc>) -> Self {
        Self(Some(Arc::new(Mutex::new(at))))
    }

    pub fn now(&self) -> DateTime<Utc> {
        match &self.0 {
            Some(at) => *at.lock().expect("no panic while holding the lock"),
            None => Utc::now(),
        }
    }

    /// Moves a fixed clock on by `by`; the system's cannot be moved.
    pub fn advance(&self, by: chrono::TimeDelta) {
        if let Some(at) = &self.0 {
            *at.lock().expect("no panic while holding the lock") += by;
        }
    }
}
