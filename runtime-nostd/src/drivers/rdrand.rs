//! The x86 `RDRAND` instruction (hardware DRBG, Ivy Bridge and later).

/// Fills `buf` from `RDRAND`; false when the CPU has none or it keeps
/// failing (the caller falls back).
pub fn fill(buf: &mut [u8]) -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        let ecx = core::arch::x86_64::__cpuid(1).ecx;
        if ecx & (1 << 30) == 0 {
            return false;
        }
        for chunk in buf.chunks_mut(8) {
            let Some(word) = next() else { return false };
            chunk.copy_from_slice(&word.to_le_bytes()[..chunk.len()]);
        }
        true
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        let _ = buf;
        false
    }
}

/// One 64-bit value; Intel recommends retrying a few times on underflow.
#[cfg(target_arch = "x86_64")]
fn next() -> Option<u64> {
    for _ in 0..10 {
        let (value, ok): (u64, u8);
        // SAFETY: the CPU supports RDRAND (checked by the caller).
        unsafe {
            core::arch::asm!("rdrand {v}", "setc {ok}", v = out(reg) value, ok = out(reg_byte) ok, options(nomem, nostack));
        }
        if ok != 0 {
            return Some(value);
        }
    }
    None
}
