//! Work split over threads by index, results in index order: the shape of
//! both parallel phases (validation in `module_info`, code generation in
//! `emit::functions`). Each phase's `work` takes the next index from its
//! own shared counter until none is left and returns what it did with the
//! index; sorting by index makes the outcome independent of which thread
//! took what, so `-j N` gives the same output as `-j 1`.

/// Runs `work` on `workers` threads (the calling thread is one of them;
/// no thread is spawned for one worker) and returns everything they
/// returned, sorted by index. A panic on any thread is resumed here.
pub fn indexed_on_threads<T: Send>(
    workers: usize,
    work: impl Fn() -> Vec<(usize, T)> + Sync,
) -> Vec<(usize, T)> {
    let mut done = if workers <= 1 {
        work()
    } else {
        std::thread::scope(|scope| {
            let helpers: Vec<_> = (1..workers).map(|_| scope.spawn(&work)).collect();
            let mut done = work();
            for helper in helpers {
                match helper.join() {
                    Ok(theirs) => done.extend(theirs),
                    Err(panic) => std::panic::resume_unwind(panic),
                }
            }
            done
        })
    };
    done.sort_unstable_by_key(|&(index, _)| index);
    done
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn every_index_comes_back_once_in_order_whatever_the_thread_count() {
        for workers in [1, 2, 5] {
            let next = AtomicUsize::new(0);
            let done = indexed_on_threads(workers, || {
                let mut mine = Vec::new();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= 100 {
                        return mine;
                    }
                    mine.push((i, i * 3));
                }
            });
            let expected: Vec<_> = (0..100).map(|i| (i, i * 3)).collect();
            assert_eq!(done, expected, "{workers} workers");
        }
    }

    #[test]
    #[should_panic(expected = "worker failed")]
    fn a_panic_on_a_helper_thread_reaches_the_caller() {
        let calls = AtomicUsize::new(0);
        indexed_on_threads(2, || {
            // The second call (whichever thread makes it) panics.
            if calls.fetch_add(1, Ordering::Relaxed) == 1 {
                panic!("worker failed");
            }
            Vec::<(usize, ())>::new()
        });
    }
}
