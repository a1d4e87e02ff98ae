//! Login failures counted per client address and per account: past the limit, the
//! next attempt waits (429 with Retry-After) until the oldest failure ages out.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub struct Limiter {
    max: usize,
    window: Duration,
    failures: Mutex<HashMap<String, VecDeque<Instant>>>,
}

impl Limiter {
    pub fn new(max: usize, window: Duration) -> Self {
        Self {
            max,
            window,
            failures: Mutex::new(HashMap::new()),
        }
    }

    /// Err(how long to wait) when `key` has used up its failures.
    pub fn check(&self, key: &str) -> Result<(), Duration> {
        let now = Instant::now();
        let mut failures = self
            .failures
            .lock()
            .expect("no panic while holding the lock");
        let Some(times) = failures.get_mut(key) else {
            return Ok(());
        };
        while times
            .front()
            .is_some_and(|t| now.duration_since(*t) >= self.window)
        {
            times.pop_front();
        }
        match times.front() {
            Some(oldest) if times.len() >= self.max => {
                Err(self.window.saturating_sub(now.duration_since(*oldest)))
            }
            _ => Ok(()),
        }
    }

    pub fn fail(&self, key: &str) {
        let now = Instant::now();
        let mut failures = self
            .failures
            .lock()
            .expect("no panic while holding the lock");
        // An attacker cycling addresses must not grow the map without bound.
        if failures.len() > 100_000 {
            let window = self.window;
            failures.retain(|_, t| t.back().is_some_and(|t| now.duration_since(*t) < window));
        }
        failures.entry(key.to_owned()).or_default().push_back(now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limit_applies_per_key() {
        let limiter = Limiter::new(2, Duration::from_secs(60));
        limiter.fail("ip:1");
        assert!(limiter.check("ip:1").is_ok());
        limiter.fail("ip:1");
        let wait = limiter
            .check("ip:1")
            .expect_err("two failures reach the limit");
        assert!(wait > Duration::from_secs(58) && wait <= Duration::from_secs(60));
        assert!(limiter.check("ip:2").is_ok());
    }
}
