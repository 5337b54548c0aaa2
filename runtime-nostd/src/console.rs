//! Buffered console output over the platform's `write`.
//!
//! stdout is buffered (the serve protocol and invoke results write many
//! small pieces) and flushed at line ends by [`flush`]; stderr is unbuffered.

use core::fmt;

use crate::text::Sink;

/// Linux: fewer `write` calls. Boards: the UART takes one byte at a time
/// anyway, and static RAM is scarce.
#[cfg(not(wafer_platform = "baremetal"))]
const BUF_SIZE: usize = 4096;
#[cfg(wafer_platform = "baremetal")]
const BUF_SIZE: usize = 256;
static mut OUT: [u8; BUF_SIZE] = [0; BUF_SIZE];
static mut OUT_LEN: usize = 0;
/// Guards `OUT` once Wasm threads exist (`crate::threads`).
static OUT_LOCK: crate::threads::lock::SpinLock = crate::threads::lock::SpinLock::new();

fn write_all(fd: i32, mut bytes: &[u8]) {
    while !bytes.is_empty() {
        let n = crate::platform::write(fd, bytes);
        if n <= 0 {
            return;
        }
        bytes = bytes.get(n as usize..).unwrap_or_default();
    }
}

/// Appends to the stdout buffer.
pub fn stdout(bytes: &[u8]) {
    let _held = OUT_LOCK.lock();
    // SAFETY: the buffer is this thread's while the lock is held.
    unsafe {
        let out = &mut *core::ptr::addr_of_mut!(OUT);
        if OUT_LEN + bytes.len() > BUF_SIZE {
            flush_locked();
            if bytes.len() > BUF_SIZE {
                write_all(1, bytes);
                return;
            }
        }
        // `get_mut`, not indexing: no panic path (and `core::fmt`) linked.
        if let Some(dst) = out.get_mut(OUT_LEN..OUT_LEN + bytes.len()) {
            dst.copy_from_slice(bytes);
            OUT_LEN += bytes.len();
        }
    }
}

/// Writes buffered stdout.
pub fn flush() {
    let _held = OUT_LOCK.lock();
    flush_locked();
}

/// [`flush`] with `OUT_LOCK` held (or no threads).
fn flush_locked() {
    // SAFETY: the buffer is this thread's while the lock is held.
    unsafe {
        let out = &*core::ptr::addr_of!(OUT);
        write_all(1, out.get(..OUT_LEN).unwrap_or(out));
        OUT_LEN = 0;
    }
}

/// Writes to stderr (after flushing stdout, to keep order).
#[inline(never)]
pub fn stderr(bytes: &[u8]) {
    flush();
    write_all(2, bytes);
}

pub fn stderr_str(s: &str) {
    stderr(s.as_bytes());
}

/// Buffered stdout, as a [`Sink`] or `fmt::Write`.
pub struct Stdout;
impl Sink for Stdout {
    fn put(&mut self, bytes: &[u8]) {
        stdout(bytes);
    }
}
impl fmt::Write for Stdout {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        stdout(s.as_bytes());
        Ok(())
    }
}

/// stderr, as a [`Sink`] or `fmt::Write`.
pub struct Stderr;
impl Sink for Stderr {
    fn put(&mut self, bytes: &[u8]) {
        stderr(bytes);
    }
}
impl fmt::Write for Stderr {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        stderr(s.as_bytes());
        Ok(())
    }
}
