//! The memory digest of the reference side, equal to
//! `wafer_abi::serve::fnv1a64` (which the image computes for `memhash`)
//! but fast on mostly-zero memories even in an unoptimised build.
//!
//! FNV-1a folds each byte as `hash = (hash ^ byte) * PRIME`; for a zero
//! byte the xor is a no-op, so a run of `n` zeros is one multiplication by
//! `PRIME^n`. Linear memories are mostly zero pages, and the byte loop of
//! the unoptimised driver took 5 ms per 1 MiB memory, per call — the
//! largest cost of a test case before this.

const OFFSET_BASIS: u64 = 0xcbf2_9ce4_8422_2325;
const PRIME: u64 = 0x0000_0100_0000_01b3;
/// Granularity of the zero check: compared with a zero block by `memcmp`.
const BLOCK: usize = 4096;
static ZEROS: [u8; BLOCK] = [0; BLOCK];

/// `PRIME^BLOCK` (wrapping), by squaring.
fn prime_power_block() -> u64 {
    let (mut result, mut base, mut exp) = (1u64, PRIME, BLOCK as u64);
    while exp > 0 {
        if exp & 1 == 1 {
            result = result.wrapping_mul(base);
        }
        base = base.wrapping_mul(base);
        exp >>= 1;
    }
    result
}

/// FNV-1a (64-bit) of `bytes`, skipping all-zero 4 KiB blocks.
pub fn memory_digest(bytes: &[u8]) -> u64 {
    let zero_block = prime_power_block();
    let mut hash = OFFSET_BASIS;
    let mut blocks = bytes.chunks(BLOCK);
    for block in &mut blocks {
        if block.len() == BLOCK && block == ZEROS {
            hash = hash.wrapping_mul(zero_block);
        } else {
            for &b in block {
                hash ^= b as u64;
                hash = hash.wrapping_mul(PRIME);
            }
        }
    }
    hash
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Rng;
    use wafer_abi::serve::fnv1a64;

    #[test]
    fn equals_the_byte_by_byte_digest_of_the_image() {
        let mut rng = Rng::new(3);
        for len in [0, 1, 4095, 4096, 4097, 65536, 3 * 65536 + 17] {
            let mut memory = vec![0u8; len];
            // A few non-zero bytes here and there, some zero blocks intact.
            for _ in 0..len / 5000 + 1 {
                if len > 0 {
                    let at = rng.below(len);
                    memory[at] = rng.next_u64() as u8 | 1;
                }
            }
            assert_eq!(memory_digest(&memory), fnv1a64(&memory), "length {len}");
        }
        let noise = rng.bytes(10_000);
        assert_eq!(memory_digest(&noise), fnv1a64(&noise));
    }
}
