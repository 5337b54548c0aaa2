//! AssemblyScript's `env.abort(message, file, line, column)`, which `asc`
//! output imports by default: prints `abort: <message> at
//! <file>:<line>:<column>` on stderr and traps with `abort`. `wafer build`
//! binds the import to [`wafer_env_abort`] only when a module imports
//! `env.abort` with that signature (`(param i32 i32 i32 i32)`), so other
//! images do not carry it.
//!
//! The strings are AssemblyScript's: UTF-16LE code units, their length in
//! bytes in the `u32` just before the pointer. A null or out-of-bounds
//! string prints as `null`; code units outside ASCII print as `?` (no
//! UTF-8 encoder is linked for an error message).

use wafer_abi::trap::TrapCode;

use super::wasi::guest;
use crate::text::Sink;
use crate::trap::{Trap, raise};

/// Writes the AssemblyScript string at `ptr` to `out`.
fn put_string(out: &mut impl Sink, vmctx: *mut u8, ptr: u32) {
    let units = ptr
        .checked_sub(4)
        .and_then(|at| guest(vmctx, at, 4))
        .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .and_then(|bytes| guest(vmctx, ptr, bytes & !1));
    let Some(units) = units.filter(|_| ptr != 0) else {
        out.put(b"null");
        return;
    };
    for unit in units.chunks_exact(2) {
        let code = u16::from_le_bytes([unit[0], unit[1]]);
        let byte = if (0x20..0x7f).contains(&code) || code == u16::from(b'\n') {
            code as u8
        } else {
            b'?'
        };
        out.put(&[byte]);
    }
}

/// The report line, gathered so that it reaches stderr in few writes.
struct Line {
    buf: [u8; 128],
    len: usize,
}

impl Sink for Line {
    fn put(&mut self, bytes: &[u8]) {
        for &b in bytes {
            if self.len == self.buf.len() {
                crate::console::stderr(&self.buf);
                self.len = 0;
            }
            if let Some(slot) = self.buf.get_mut(self.len) {
                *slot = b;
                self.len += 1;
            }
        }
    }
}

#[unsafe(no_mangle)]
pub extern "C" fn wafer_env_abort(vmctx: *mut u8, message: u32, file: u32, line: u32, column: u32) {
    let mut err = Line {
        buf: [0; 128],
        len: 0,
    };
    err.put(b"abort: ");
    put_string(&mut err, vmctx, message);
    err.put(b" at ");
    put_string(&mut err, vmctx, file);
    err.put(b":");
    err.dec(line.into());
    err.put(b":");
    err.dec(column.into());
    err.put(b"\n");
    crate::console::stderr(err.buf.get(..err.len).unwrap_or_default());
    raise(Trap::new(TrapCode::Abort))
}
