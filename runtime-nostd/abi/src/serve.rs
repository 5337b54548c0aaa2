//! The serving protocol: how a test harness drives an image built in
//! [`crate::descriptor::ImageMode::Serve`] over its console (stdin/stdout on
//! Linux, the UART on boards). Private to the spec harness and the fuzzer:
//! users get the public invoke protocol of
//! [`crate::descriptor::ImageMode::Server`] (docs/serve.md).
//!
//! One request per line, one reply line per request, in order. Tokens are
//! separated by single spaces. Names are hex-encoded bytes (`""` is `-`), so
//! any UTF-8 export name fits on a line.
//!
//! ```text
//! request                                   reply
//! instantiate <module-index>                ok <instance-id> | trap <code> <message> | link <message>
//! register <instance-id> <name-hex>         ok
//! drop <instance-id>                        ok | kept <reason> | error <message>
//! invoke <instance-id> <export-hex> <value>*   ok <value>* | trap <code> <message> | error <message>
//! get <instance-id> <export-hex>            ok <value> | error <message>
//! canary                                    ok <regions> | error canary <what, where>
//! memhash <instance-id> <export-hex>        ok <length-hex> <fnv1a64-hex> | error <message>
//! quit                                      (no reply; the image exits 0)
//! ```
//! On start the image prints [`READY`] on its own line.
//!
//! `canary` checks the guard regions boards place around every linear
//! memory, heap allocation, `.data`/`.bss` and the stack (the runtime's
//! `canary.rs`): `ok <n>` with the number of regions (0 on Linux, which
//! places none), or `error` naming the first damaged one and its address.
//!
//! `drop` ends an instance the harness will not name again: its id is
//! unknown from then on, and the guard windows of the memories it defines
//! are reused by later instances. `error` for an unknown (or already
//! dropped) id and for a registered instance; `kept` when a live instance
//! may hold its functions (it imports a table, a mutable reference global
//! or a function taking a reference): it stays as it was. An
//! `instantiate` that traps gives its memories' windows back likewise
//! (unless it has such an import), as nothing can name it.
//!
//! `<module-index>` indexes [`crate::descriptor::ImageManifest::modules`].
//! Instance ids count from 0 in order of successful instantiation. The host
//! instances `spectest` and `wasi_snapshot_preview1` are always importable.
//!
//! A value is `<type>:<hex bits>`, with the type's name from
//! [`crate::values::ValType::name`]: `i32:2a`, `f64:7ff8000000000000`,
//! `funcref:null`, `funcref:<hex address>`, `externref:null`,
//! `externref:<hex N>` (the spec's `ref.extern N`), `v128:<32 hex digits>`
//! (the 128 bits as one number, most significant digit first, so lane 0
//! is the last 2/4/8/16 digits).

//! `memhash` digests an exported memory's current contents with
//! [`fnv1a64`], so a differential fuzzer can compare a whole linear memory
//! with a reference interpreter's in one short reply line.

/// Printed once when the image is ready for requests.
pub const READY: &str = "wafer-serve-ready";

/// Encodes bytes as lowercase hex (`-` for empty) into `out`; returns the
/// number of bytes written, or `None` if `out` is too small.
pub fn hex_encode(bytes: &[u8], out: &mut [u8]) -> Option<usize> {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    if bytes.is_empty() {
        *out.first_mut()? = b'-';
        return Some(1);
    }
    if out.len() < bytes.len() * 2 {
        return None;
    }
    for (i, b) in bytes.iter().enumerate() {
        out[2 * i] = DIGITS[(b >> 4) as usize];
        out[2 * i + 1] = DIGITS[(b & 15) as usize];
    }
    Some(bytes.len() * 2)
}

/// Decodes hex (`-` is empty) into `out`; returns the decoded length.
pub fn hex_decode(text: &[u8], out: &mut [u8]) -> Option<usize> {
    if text == b"-" {
        return Some(0);
    }
    if !text.len().is_multiple_of(2) || out.len() < text.len() / 2 {
        return None;
    }
    for (i, pair) in text.chunks(2).enumerate() {
        out[i] = (hex_digit(pair[0])? << 4) | hex_digit(pair[1])?;
    }
    Some(text.len() / 2)
}

/// Value of one hex digit.
pub fn hex_digit(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// Parses a hex number of at most 16 digits.
pub fn parse_hex_u64(text: &[u8]) -> Option<u64> {
    if text.is_empty() || text.len() > 16 {
        return None;
    }
    let mut v = 0u64;
    for &c in text {
        v = (v << 4) | hex_digit(c)? as u64;
    }
    Some(v)
}

/// 64-bit FNV-1a of `bytes`: the digest of the `memhash` request. Not
/// cryptographic; it only has to make an accidental collision between two
/// differing memories unlikely, and be cheap to compute on any target.
///
/// Linear memories are mostly zeros, and a zero byte only multiplies the
/// hash by the prime (the xor is a no-op), so an all-zero 8-byte word is
/// one multiplication by `PRIME^8`: same digest, several times faster
/// under qemu-user, where hashing dominated the fuzzer's time.
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    const BASIS: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    const PRIME_8: u64 = {
        let (mut power, mut i) = (1u64, 0);
        while i < 8 {
            power = power.wrapping_mul(PRIME);
            i += 1;
        }
        power
    };
    let mut hash = BASIS;
    let mut words = bytes.chunks_exact(8);
    for word in &mut words {
        if word.iter().fold(0, |acc, &b| acc | b) == 0 {
            hash = hash.wrapping_mul(PRIME_8);
        } else {
            for &b in word {
                hash ^= b as u64;
                hash = hash.wrapping_mul(PRIME);
            }
        }
    }
    for &b in words.remainder() {
        hash ^= b as u64;
        hash = hash.wrapping_mul(PRIME);
    }
    hash
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a64_matches_the_published_test_vectors() {
        // From the FNV reference (draft-eastlake-fnv): "" and "a", "foobar".
        assert_eq!(fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a64(b"foobar"), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn skipping_zero_words_gives_the_byte_by_byte_digest() {
        fn plain(bytes: &[u8]) -> u64 {
            let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
            for &b in bytes {
                hash ^= b as u64;
                hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
            }
            hash
        }
        let mut memory = [0u8; 1000];
        assert_eq!(fnv1a64(&memory), plain(&memory));
        for (i, at) in [3usize, 8, 15, 16, 500, 999].into_iter().enumerate() {
            memory[at] = i as u8 + 1;
            assert_eq!(fnv1a64(&memory), plain(&memory), "non-zero byte at {at}");
            assert_eq!(fnv1a64(&memory[1..]), plain(&memory[1..]), "unaligned");
        }
    }
}
