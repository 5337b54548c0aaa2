//! Rust std threads (wasm32-wasip1-threads): spawn and join, an atomic
//! counter, a Mutex under contention, a Barrier, an mpsc channel and a
//! Condvar; the output does not depend on scheduling, so it must equal the
//! native build's.
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Barrier, Condvar, Mutex};
use std::thread;

const THREADS: u64 = 4;

fn main() {
    let total = Arc::new(AtomicU64::new(0));
    let shared = Arc::new(Mutex::new(Vec::new()));
    let barrier = Arc::new(Barrier::new(THREADS as usize));
    let (tx, rx) = mpsc::channel();
    let mut handles = Vec::new();
    for t in 0..THREADS {
        let (total, shared, barrier, tx) = (total.clone(), shared.clone(), barrier.clone(), tx.clone());
        handles.push(thread::spawn(move || {
            let mut sum = 0u64;
            for i in 0..50_000u64 {
                sum = sum.wrapping_add(i * (t + 1));
                if i % 5_000 == 0 {
                    // Contend for the lock many times.
                    shared.lock().unwrap().push(t * 100 + i / 5_000);
                }
            }
            total.fetch_add(sum, Ordering::SeqCst);
            barrier.wait();
            tx.send((t, sum)).unwrap();
            sum
        }));
    }
    drop(tx);
    let sums: Vec<u64> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    let mut received: Vec<(u64, u64)> = rx.iter().collect();
    received.sort();
    let mut pushed = shared.lock().unwrap().clone();
    pushed.sort();

    // A flag handed over through a Condvar.
    let pair = Arc::new((Mutex::new(false), Condvar::new()));
    let waker = {
        let pair = pair.clone();
        thread::spawn(move || {
            let (ready, cv) = &*pair;
            *ready.lock().unwrap() = true;
            cv.notify_one();
        })
    };
    let (ready, cv) = &*pair;
    let mut is_ready = ready.lock().unwrap();
    while !*is_ready {
        is_ready = cv.wait(is_ready).unwrap();
    }
    drop(is_ready);
    waker.join().unwrap();

    println!("sums {sums:?}");
    println!("total {}", total.load(Ordering::SeqCst));
    println!("received {received:?}");
    println!("pushed {} first {:?} last {:?}", pushed.len(), pushed.first(), pushed.last());
    println!("condvar ready");
}
