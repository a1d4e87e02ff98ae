//! The memory that image decodes may take at once, shared by every decode of the
//! process: a decode reserves what its header says it needs (pixels, a conversion,
//! its variants) before any pixel is allocated, and waits while others hold the
//! budget. The budget is a share of the memory the process may use: the container's
//! limit (cgroup v2 or v1), the address-space limit, or the machine's memory,
//! whichever is least. No crate reads these limits for us (cgroup readers are
//! whole monitoring libraries), hence the few lines below.

use std::sync::{Condvar, Mutex};

/// The share of the process's memory limit image decodes may hold together: the
/// rest is the server, SQLite, the renderer and the allocator's slack.
const SHARE_PERCENT: u64 = 40;
/// The least budget, whatever the limits say (one 12-megapixel photo fits).
const FLOOR: u64 = 64 * 1024 * 1024;

pub struct Budget {
    total: u64,
    used: Mutex<u64>,
    freed: Condvar,
}

/// What one decode holds of the budget, given back when dropped.
pub struct Permit<'a> {
    budget: &'a Budget,
    bytes: u64,
}

impl Budget {
    pub fn new(total: u64) -> Self {
        Self {
            total,
            used: Mutex::new(0),
            freed: Condvar::new(),
        }
    }

    /// A share of the least of this process's memory limits.
    pub fn of_this_process() -> Self {
        let limit = memory_limit();
        Self::new((limit / 100 * SHARE_PERCENT).max(FLOOR))
    }

    pub fn total(&self) -> u64 {
        self.total
    }

    /// Reserves `bytes`, waiting while other decodes hold too much; `None` when the
    /// whole budget is less (the image is too large for this server).
    pub fn take(&self, bytes: u64) -> Option<Permit<'_>> {
        if bytes > self.total {
            return None;
        }
        let mut used = self.used.lock().expect("no panic while holding the lock");
        while *used + bytes > self.total {
            used = self
                .freed
                .wait(used)
                .expect("no panic while holding the lock");
        }
        *used += bytes;
        Some(Permit {
            budget: self,
            bytes,
        })
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        let mut used = self
            .budget
            .used
            .lock()
            .expect("no panic while holding the lock");
        *used -= self.bytes;
        self.budget.freed.notify_all();
    }
}

/// The least of the limits on this process's memory, in bytes.
pub fn memory_limit() -> u64 {
    let files = [
        "/sys/fs/cgroup/memory.max",
        "/sys/fs/cgroup/memory/memory.limit_in_bytes",
    ];
    let cgroup = files
        .iter()
        .filter_map(|f| std::fs::read_to_string(f).ok())
        .filter_map(|text| text.trim().parse::<u64>().ok())
        .min();
    let address_space = rustix::process::getrlimit(rustix::process::Resource::As).current;
    [cgroup, address_space, machine_memory()]
        .into_iter()
        .flatten()
        .min()
        .unwrap_or(u64::MAX)
}

fn machine_memory() -> Option<u64> {
    let meminfo = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = meminfo.lines().find(|l| l.starts_with("MemTotal:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_decode_larger_than_the_budget_is_refused_and_others_wait_their_turn() {
        let budget = Budget::new(100);
        assert!(budget.take(101).is_none());
        let first = budget.take(60).expect("fits");
        std::thread::scope(|s| {
            let waiting = s.spawn(|| budget.take(60).map(|p| p.bytes));
            std::thread::sleep(std::time::Duration::from_millis(20));
            assert!(!waiting.is_finished(), "waits while the first holds 60");
            drop(first);
            assert_eq!(waiting.join().expect("no panic"), Some(60));
        });
        assert!(memory_limit() > 0);
    }
}
