//! Damaged modules never crash wafer: every byte-level mutation of a valid
//! module is either compiled or rejected with one `error:` line, exit 1.
//!
//! The mutations are pseudo-random with a fixed seed, so a failure
//! reproduces; the failing input is saved next to the message.

use super::{stderr, wafer};

/// A small deterministic generator (64-bit LCG, high bits).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, bound: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) as usize) % bound.max(1)
    }
}

/// One mutation of `wasm`: flip bytes, truncate, duplicate or delete a run.
fn mutate(wasm: &[u8], rng: &mut Lcg) -> Vec<u8> {
    let mut bytes = wasm.to_vec();
    match rng.next(4) {
        0 => {
            for _ in 0..=rng.next(3) {
                let at = 8 + rng.next(bytes.len() - 8);
                bytes[at] = rng.next(256) as u8;
            }
        }
        1 => bytes.truncate(8 + rng.next(bytes.len() - 8)),
        2 => {
            let at = 8 + rng.next(bytes.len() - 8);
            let run: Vec<u8> = bytes[at..(at + 1 + rng.next(16)).min(bytes.len())].to_vec();
            bytes.splice(at..at, run);
        }
        _ => {
            let at = 8 + rng.next(bytes.len() - 8);
            let end = (at + 1 + rng.next(16)).min(bytes.len());
            bytes.drain(at..end);
        }
    }
    bytes
}

#[test]
fn mutated_modules_are_compiled_or_cleanly_rejected() {
    let text = std::fs::read_to_string(super::example("arith.wat")).unwrap();
    let wasm = wat::parse_str(&text).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("mutant.wasm");
    let out = dir.path().join("mutant.o");
    let mut rng = Lcg(0x5eed);
    let mut rejected = 0;
    for round in 0..150 {
        let bytes = mutate(&wasm, &mut rng);
        std::fs::write(&input, &bytes).unwrap();
        let o = wafer(&[
            "compile",
            input.to_str().unwrap(),
            "--target",
            "riscv64",
            "-o",
            out.to_str().unwrap(),
        ]);
        let err = stderr(&o);
        let clean = match o.status.code() {
            Some(0) => err.is_empty() && out.exists(),
            Some(1) => err.lines().count() == 1 && err.starts_with("error: ") && !out.exists(),
            _ => false,
        };
        if !clean {
            let saved = std::env::temp_dir().join(format!("wafer-mutant-{round}.wasm"));
            std::fs::write(&saved, &bytes).unwrap();
            panic!(
                "round {round} ({}): exit {:?}, stderr: {err}",
                saved.display(),
                o.status.code()
            );
        }
        rejected += usize::from(o.status.code() == Some(1));
        let _ = std::fs::remove_file(&out);
    }
    // The mutations must actually exercise the error paths.
    assert!(
        rejected > 50,
        "only {rejected} of 150 mutants were rejected"
    );
}
