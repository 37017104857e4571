//! The timing loop the hand-written benchmarks share (`proofs`, `throughput`).

use std::time::{Duration, Instant};

/// How long and how often each case is run.
pub(crate) struct Budget {
    /// Run each case for at least this long...
    pub(crate) min_time: Duration,
    /// ...and at least this many times.
    pub(crate) min_runs: usize,
}

impl Budget {
    /// The median wall time of `run`, over at least `min_runs` runs and `min_time`.
    pub(crate) fn median(&self, mut run: impl FnMut()) -> Duration {
        let start = Instant::now();
        let mut times = Vec::new();
        while times.len() < self.min_runs || start.elapsed() < self.min_time {
            let began = Instant::now();
            run();
            times.push(began.elapsed());
        }
        times.sort();
        times[times.len() / 2]
    }
}
