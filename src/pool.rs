//! A pool of threads for independent items: the self-check's files and pieces, the render's
//! runs of documents, the proofs' parts. Shared by the compiler and the checker, it knows
//! nothing of either.

use std::sync::atomic::{AtomicUsize, Ordering};

/// `work` on every item on up to `workers` threads (the calling thread one of them), each
/// taking the next item not yet taken; the results in the order of the items.
pub(crate) fn run<T: Sync, R: Send>(
    items: &[T],
    workers: usize,
    work: impl Fn(&T) -> R + Sync,
) -> Vec<R> {
    let workers = workers.min(items.len());
    if workers <= 1 {
        return items.iter().map(work).collect();
    }
    let next = AtomicUsize::new(0);
    let worker = || {
        let mut done = Vec::new();
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(item) = items.get(i) else {
                return done;
            };
            done.push((i, work(item)));
        }
    };
    let mut done: Vec<(usize, R)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (1..workers).map(|_| scope.spawn(worker)).collect();
        let mut done = worker();
        // A worker that panicked took its pieces' findings with it: going on would report a
        // file as checked that was not, so the panic goes on as it would on one thread.
        for handle in handles {
            done.extend(
                handle
                    .join()
                    .unwrap_or_else(|e| std::panic::resume_unwind(e)),
            );
        }
        done
    });
    done.sort_by_key(|(i, _)| *i);
    done.into_iter().map(|(_, result)| result).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pool_keeps_the_order_of_the_items() {
        let items: Vec<usize> = (0..100).collect();
        assert_eq!(
            run(&items, 3, |i| i * 2),
            items.iter().map(|i| i * 2).collect::<Vec<_>>()
        );
        assert_eq!(run(&items[..1], 3, |i| *i), [0]);
    }

    #[test]
    #[should_panic(expected = "piece 7")]
    fn a_worker_that_panics_is_not_taken_for_one_that_found_nothing() {
        let items: Vec<usize> = (0..10).collect();
        run(&items, 2, |i| assert_ne!(*i, 7, "piece 7"));
    }
}
