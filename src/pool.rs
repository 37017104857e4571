//! A pool of threads for independent items: the self-check's files and pieces, the render's
//! runs of documents, the proofs' parts; and [`Slot`], a scoped thread's result handed back
//! without joining the thread. Shared by the compiler and the checker, it knows nothing of
//! either.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};
use std::thread::Scope;

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
    let theirs: Vec<Slot<Vec<(usize, R)>>> = (1..workers).map(|_| Slot::new()).collect();
    let mut done: Vec<(usize, R)> = std::thread::scope(|scope| {
        for handed in &theirs {
            handed.spawn(scope, worker);
        }
        worker()
    });
    // A worker that panicked took its pieces' findings with it: going on would report a file
    // as checked that was not, so the panic goes on as it would on one thread.
    for handed in theirs {
        done.extend(handed.take());
    }
    done.sort_by_key(|(i, _)| *i);
    done.into_iter().map(|(_, result)| result).collect()
}

/// [`run`] with the largest items by `size` taken first, so that no large item is left to run
/// alone at the end; the results in the order of the items.
pub(crate) fn largest_first<T: Sync, R: Send>(
    items: &[T],
    size: impl Fn(&T) -> usize,
    workers: usize,
    work: impl Fn(&T) -> R + Sync,
) -> Vec<R> {
    let mut order: Vec<usize> = (0..items.len()).collect();
    order.sort_by_cached_key(|&i| std::cmp::Reverse(size(&items[i])));
    let mut done = run(&order, workers, |&i| (i, work(&items[i])));
    done.sort_by_key(|(i, _)| *i);
    done.into_iter().map(|(_, result)| result).collect()
}

/// What a thread of a scope gives back, or its panic, handed over as its work ends rather than
/// through its join handle: joining waits for the thread to exit, and after its work an exiting
/// thread still hands its heap back to mimalloc and its stack to glibc (0.1 to 0.4 ms between
/// the last work of a pool's thread and the join's return on prod's render), while a scope waits
/// only for the work of a thread whose handle is gone.
pub(crate) struct Slot<R>(Mutex<Option<std::thread::Result<R>>>);

impl<R: Send> Slot<R> {
    pub(crate) fn new() -> Self {
        Self(Mutex::new(None))
    }

    /// Runs `work` on a new thread of `scope`, its result left here for [`Slot::take`].
    pub(crate) fn spawn<'scope, 'env>(
        &'env self,
        scope: &'scope Scope<'scope, 'env>,
        work: impl FnOnce() -> R + Send + 'scope,
    ) {
        scope.spawn(move || {
            let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(work));
            *self.0.lock().unwrap_or_else(PoisonError::into_inner) = Some(result);
        });
    }

    /// The result, once the scope has ended; a panic of the thread goes on here.
    pub(crate) fn take(self) -> R {
        match self.0.into_inner().unwrap_or_else(PoisonError::into_inner) {
            Some(Ok(result)) => result,
            Some(Err(panic)) => std::panic::resume_unwind(panic),
            None => unreachable!("a scope ends once every thread of it has handed its result"),
        }
    }
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

    #[test]
    fn largest_first_works_on_each_item_once_and_answers_in_their_order() {
        let texts = ["a", "bbb", "cc", "dddd", ""];
        let seen = Mutex::new(Vec::new());
        let lengths = largest_first(
            &texts,
            |text| text.len(),
            2,
            |text| {
                seen.lock().unwrap().push(text.len());
                text.len()
            },
        );
        assert_eq!(lengths, [1, 3, 2, 4, 0]);
        let mut seen = seen.into_inner().unwrap();
        seen.sort_unstable();
        assert_eq!(seen, [0, 1, 2, 3, 4]);
    }

    #[test]
    fn one_worker_takes_the_largest_first() {
        let texts = ["a", "bbb", "cc", "dddd", ""];
        let seen = Mutex::new(Vec::new());
        largest_first(
            &texts,
            |text| text.len(),
            1,
            |text| {
                seen.lock().unwrap().push(text.len());
            },
        );
        assert_eq!(seen.into_inner().unwrap(), [4, 3, 2, 1, 0]);
    }

    #[test]
    fn a_handed_result_is_there_once_its_scope_has_ended() {
        let handed = Slot::new();
        std::thread::scope(|scope| handed.spawn(scope, || 6 * 7));
        assert_eq!(handed.take(), 42);
    }

    #[test]
    #[should_panic(expected = "handed over")]
    fn a_handed_panic_goes_on_where_it_is_taken() {
        let handed: Slot<()> = Slot::new();
        std::thread::scope(|scope| handed.spawn(scope, || panic!("handed over")));
        handed.take();
    }
}
