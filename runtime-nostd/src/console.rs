//! Buffered console output over the platform's `write`.
//!
//! stdout is buffered (the serve protocol and invoke results write many
//! small pieces) and flushed at line ends by [`flush`]; stderr is unbuffered.

use core::fmt;

const BUF_SIZE: usize = 4096;
static mut OUT: [u8; BUF_SIZE] = [0; BUF_SIZE];
static mut OUT_LEN: usize = 0;

fn write_all(fd: i32, mut bytes: &[u8]) {
    while !bytes.is_empty() {
        let n = crate::platform::write(fd, bytes);
        if n <= 0 {
            return;
        }
        bytes = &bytes[n as usize..];
    }
}

/// Appends to the stdout buffer.
pub fn stdout(bytes: &[u8]) {
    // SAFETY: single-threaded access to the buffer.
    unsafe {
        let out = &mut *core::ptr::addr_of_mut!(OUT);
        if OUT_LEN + bytes.len() > BUF_SIZE {
            flush();
            if bytes.len() > BUF_SIZE {
                write_all(1, bytes);
                return;
            }
        }
        out[OUT_LEN..OUT_LEN + bytes.len()].copy_from_slice(bytes);
        OUT_LEN += bytes.len();
    }
}

/// Writes buffered stdout.
pub fn flush() {
    // SAFETY: single-threaded access to the buffer.
    unsafe {
        let out = &*core::ptr::addr_of!(OUT);
        write_all(1, &out[..OUT_LEN]);
        OUT_LEN = 0;
    }
}

/// Writes to stderr (after flushing stdout, to keep order).
pub fn stderr(bytes: &[u8]) {
    flush();
    write_all(2, bytes);
}

pub fn stderr_str(s: &str) {
    stderr(s.as_bytes());
}

/// `fmt::Write` to buffered stdout.
pub struct Stdout;
impl fmt::Write for Stdout {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        stdout(s.as_bytes());
        Ok(())
    }
}

/// `fmt::Write` to stderr.
pub struct Stderr;
impl fmt::Write for Stderr {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        stderr(s.as_bytes());
        Ok(())
    }
}
