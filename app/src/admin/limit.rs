//! Login attempts counted per client address (a hard limit: past it, 429 with
//! Retry-After until the oldest attempt ages out) and per account (a slow-down, never
//! a lock: a third party guessing the owner's password from elsewhere must not keep
//! the owner out). An attempt is counted when it starts, before the password is
//! hashed, so concurrent guesses cannot all slip under the limit.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Keys kept at most (about 3 MB): beyond, those with nothing recent are dropped,
/// then the tenth whose last attempt is oldest, so an attacker cycling addresses
/// cannot grow the map. An address dropped early has its attempts counted again
/// from nothing, which is what a new address would get anyway.
pub(super) const MAX_KEYS: usize = 10_000;

pub(super) struct Limiter {
    max: usize,
    window: Duration,
    /// Per key: when each attempt started, and a tag saying what it was about (the
    /// account tried), so a success forgives only the attempts on its own account.
    attempts: Mutex<HashMap<String, VecDeque<(Instant, u64)>>>,
}

impl Limiter {
    pub(super) fn new(max: usize, window: Duration) -> Self {
        Self {
            max,
            window,
            attempts: Mutex::new(HashMap::new()),
        }
    }

    fn prune(&self, times: &mut VecDeque<(Instant, u64)>, now: Instant) {
        while times
            .front()
            .is_some_and(|(t, _)| now.duration_since(*t) >= self.window)
        {
            times.pop_front();
        }
    }

    /// Counts an attempt on `key`, or Err(how long to wait) when its attempts are used
    /// up (nothing is counted then).
    pub(super) fn attempt(&self, key: &str, tag: u64) -> Result<(), Duration> {
        let now = Instant::now();
        let mut attempts = self
            .attempts
            .lock()
            .expect("no panic while holding the lock");
        if attempts.len() >= MAX_KEYS && !attempts.contains_key(key) {
            evict(&mut attempts, now, self.window);
        }
        let times = attempts.entry(key.to_owned()).or_default();
        self.prune(times, now);
        if times.len() >= self.max {
            let oldest = times.front().map_or(now, |(t, _)| *t);
            return Err(self.window.saturating_sub(now.duration_since(oldest)));
        }
        times.push_back((now, tag));
        Ok(())
    }

    /// How long until `key` may try again, when its attempts are used up (nothing is
    /// counted).
    pub(super) fn wait(&self, key: &str) -> Option<Duration> {
        let now = Instant::now();
        let mut attempts = self
            .attempts
            .lock()
            .expect("no panic while holding the lock");
        let times = attempts.get_mut(key)?;
        self.prune(times, now);
        let oldest = times.front().map(|(t, _)| *t)?;
        (times.len() >= self.max).then(|| self.window.saturating_sub(now.duration_since(oldest)))
    }

    /// Attempts on `key` still in the window.
    pub(super) fn count(&self, key: &str) -> usize {
        let now = Instant::now();
        let mut attempts = self
            .attempts
            .lock()
            .expect("no panic while holding the lock");
        match attempts.get_mut(key) {
            Some(times) => {
                self.prune(times, now);
                times.len()
            }
            None => 0,
        }
    }

    /// Forgets the attempts on `key` tagged `tag` (all of them with `None`).
    pub(super) fn forgive(&self, key: &str, tag: Option<u64>) {
        let mut attempts = self
            .attempts
            .lock()
            .expect("no panic while holding the lock");
        if let Some(times) = attempts.get_mut(key) {
            times.retain(|(_, t)| tag.is_some_and(|tag| *t != tag));
            if times.is_empty() {
                attempts.remove(key);
            }
        }
    }
}

/// Drops the keys with no attempt in the window, then, when that is not enough,
/// the tenth of them least recently tried (once per tenth: amortized).
fn evict(attempts: &mut HashMap<String, VecDeque<(Instant, u64)>>, now: Instant, window: Duration) {
    attempts.retain(|_, t| {
        t.back()
            .is_some_and(|(t, _)| now.duration_since(*t) < window)
    });
    if attempts.len() < MAX_KEYS {
        return;
    }
    let mut last: Vec<Instant> = attempts
        .values()
        .filter_map(|t| t.back().map(|(t, _)| *t))
        .collect();
    let tenth = MAX_KEYS / 10;
    let (_, cutoff, _) = last.select_nth_unstable(tenth);
    let cutoff = *cutoff;
    attempts.retain(|_, t| t.back().is_some_and(|(t, _)| *t > cutoff));
}

/// The tag of attempts on the account `username`.
pub(super) fn tag(username: &str) -> u64 {
    let hash = blake3::hash(username.to_lowercase().as_bytes());
    u64::from_le_bytes(hash.as_bytes()[..8].try_into().expect("8 bytes"))
}

/// The delay before checking a password for an account with `failures` recent
/// failures: none for the first few, then a second more for each, at most
/// [`MAX_SLOWDOWN`]. It makes guessing slow without ever refusing the right password.
pub(super) fn slowdown(failures: usize, free: usize) -> Duration {
    let extra = failures.saturating_sub(free) as u64;
    Duration::from_secs(extra).min(MAX_SLOWDOWN)
}

/// The longest an account's slow-down makes a login wait.
pub(super) const MAX_SLOWDOWN: Duration = Duration::from_secs(5);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_beyond_the_cap_push_out_the_least_recent() {
        let limiter = Limiter::new(5, Duration::from_secs(900));
        for n in 0..MAX_KEYS * 3 {
            limiter
                .attempt(&format!("ip:{n}"), 0)
                .expect("one attempt each");
        }
        let kept = limiter.attempts.lock().expect("unpoisoned").len();
        assert!(kept <= MAX_KEYS, "{kept} keys");
        assert_eq!(
            limiter.count(&format!("ip:{}", MAX_KEYS * 3 - 1)),
            1,
            "the newest is kept"
        );
        assert_eq!(limiter.count("ip:0"), 0, "the oldest went");
    }

    #[test]
    fn attempts_are_counted_before_they_are_judged_and_per_key() {
        let limiter = Limiter::new(2, Duration::from_secs(60));
        assert!(limiter.attempt("ip:1", 1).is_ok());
        assert!(limiter.attempt("ip:1", 2).is_ok());
        let wait = limiter
            .attempt("ip:1", 1)
            .expect_err("two attempts reach the limit");
        assert!(wait > Duration::from_secs(58) && wait <= Duration::from_secs(60));
        assert!(limiter.attempt("ip:2", 1).is_ok());
        // A success on account 1 forgives its own attempts, not those on account 2.
        assert!(limiter.wait("ip:1").is_some_and(|w| w <= wait));
        assert_eq!(limiter.wait("ip:2"), None);
        limiter.forgive("ip:1", Some(1));
        assert_eq!(limiter.wait("ip:1"), None);
        assert_eq!(limiter.count("ip:1"), 1);
        limiter.forgive("ip:1", None);
        assert_eq!(limiter.count("ip:1"), 0);
    }

    #[test]
    fn the_slowdown_grows_and_stops() {
        assert_eq!(slowdown(3, 5), Duration::ZERO);
        assert_eq!(slowdown(7, 5), Duration::from_secs(2));
        assert_eq!(slowdown(1000, 5), MAX_SLOWDOWN);
    }
}
