//! What the file backends share at their edge with the guest: decoding
//! the preview1 arguments that point into linear memory (paths, iovecs,
//! out-pointers), writing the preview1 records they answer with
//! (`prestat`, `fdstat`, dirents) and turning a result into an errno.
//!
//! The backends (`linux.rs` on Linux, `baked.rs` + `baked_calls.rs` on
//! bare-metal boards) keep only what differs: where the bytes come from.
//! Nothing here is an entry point: an image links only the helpers that
//! the entry points it keeps call, so an image without `--dir` links none.

use super::errno::{FAULT, NAMETOOLONG, SPIPE, SUCCESS};
use crate::host::wasi::{guest, in_memory, iovec, iovecs_valid};

/// The errno a file function returns: `SUCCESS` or the error.
pub fn status(r: Result<(), i32>) -> i32 {
    match r {
        Ok(()) => SUCCESS,
        Err(e) => e,
    }
}

/// A path (or symlink target) argument as bytes; `EFAULT` if it leaves
/// the memory.
pub fn guest_path(vmctx: *mut u8, ptr: u32, len: u32) -> Result<&'static [u8], i32> {
    guest(vmctx, ptr, len).map(|b| &*b).ok_or(FAULT)
}

/// Checks a read's or write's arguments before any byte moves: the
/// iovecs and the 4-byte count at `done` must lie in the memory.
pub fn check_transfer(vmctx: *mut u8, iovs: u32, iovs_len: u32, done: u32) -> Result<(), i32> {
    if !iovecs_valid(vmctx, iovs, iovs_len) || !in_memory(vmctx, done, 4) {
        return Err(FAULT);
    }
    Ok(())
}

/// Moves bytes through the iovecs (checked by [`check_transfer`]) one
/// buffer at a time: `each(buf, moved)` transfers into or out of `buf`,
/// `moved` bytes into the call, and says how many it moved. A short
/// buffer ends the call; so does an error once some bytes have moved,
/// which then reports those bytes (an error before any is the call's).
/// Returns the bytes moved.
pub fn through_iovecs(
    vmctx: *mut u8,
    iovs: u32,
    iovs_len: u32,
    mut each: impl FnMut(&mut [u8], u64) -> Result<usize, i32>,
) -> Result<u64, i32> {
    let mut moved: u64 = 0;
    for i in 0..iovs_len {
        let buf = iovec(vmctx, iovs, i).ok_or(FAULT)?;
        let n = match each(buf, moved) {
            Ok(n) => n,
            Err(_) if moved > 0 => break,
            Err(e) => return Err(e),
        };
        moved += n as u64;
        if n < buf.len() {
            break;
        }
    }
    Ok(moved)
}

/// `fd_tell` as `fd_seek(fd, 0, cur)` with the backend's `seek`; the
/// console has no position, as `fd_seek` on it says (`ESPIPE`).
pub fn tell(
    vmctx: *mut u8,
    fd: i32,
    out: u32,
    seek: fn(*mut u8, i32, i64, i32, u32) -> i32,
) -> i32 {
    if (0..=2).contains(&fd) {
        return SPIPE;
    }
    seek(vmctx, fd, 0, 1, out)
}

/// Writes a preview1 `fdstat` (24 bytes) at `out`.
pub fn put_fdstat(
    vmctx: *mut u8,
    out: u32,
    filetype: u8,
    flags: u16,
    base: u64,
    inheriting: u64,
) -> Result<(), i32> {
    let b = guest(vmctx, out, 24).ok_or(FAULT)?;
    b.fill(0);
    b[0] = filetype;
    b[2..4].copy_from_slice(&flags.to_le_bytes());
    b[8..16].copy_from_slice(&base.to_le_bytes());
    b[16..24].copy_from_slice(&inheriting.to_le_bytes());
    Ok(())
}

/// Writes the preview1 `prestat` (8 bytes) of a preopen named `name` at
/// `out`.
pub fn put_prestat(vmctx: *mut u8, out: u32, name: &[u8]) -> Result<(), i32> {
    let b = guest(vmctx, out, 8).ok_or(FAULT)?;
    b.fill(0); // tag 0: a directory
    b[4..8].copy_from_slice(&(name.len() as u32).to_le_bytes());
    Ok(())
}

/// `fd_prestat_dir_name`: copies the preopen's `name` into the guest's
/// `path` buffer of `path_len` bytes (`ENAMETOOLONG` if it is smaller).
pub fn put_prestat_dir_name(
    vmctx: *mut u8,
    name: &[u8],
    path: u32,
    path_len: u32,
) -> Result<(), i32> {
    if (path_len as usize) < name.len() {
        return Err(NAMETOOLONG);
    }
    let dst = guest(vmctx, path, name.len() as u32).ok_or(FAULT)?;
    dst.copy_from_slice(name);
    Ok(())
}

/// `fd_readdir`'s output buffer, once it and the 4-byte `bufused` are
/// known to lie in the memory.
pub fn readdir_buffer(
    vmctx: *mut u8,
    buf: u32,
    buf_len: u32,
    bufused: u32,
) -> Result<&'static mut [u8], i32> {
    let out = guest(vmctx, buf, buf_len).ok_or(FAULT)?;
    if !in_memory(vmctx, bufused, 4) {
        return Err(FAULT);
    }
    Ok(out)
}

/// Appends one preview1 dirent (24-byte header, then the name) at
/// `*used` in `out`, cut where `out` ends (a full buffer means "call
/// again"); `next` is the cookie of the entry after it.
pub fn put_dirent(
    out: &mut [u8],
    used: &mut usize,
    next: u64,
    inode: u64,
    name: &[u8],
    filetype: u8,
) {
    let mut header = [0u8; 24];
    header[0..8].copy_from_slice(&next.to_le_bytes());
    header[8..16].copy_from_slice(&inode.to_le_bytes());
    header[16..20].copy_from_slice(&(name.len() as u32).to_le_bytes());
    header[20] = filetype;
    for part in [&header[..], name] {
        let take = part.len().min(out.len() - *used);
        out[*used..*used + take].copy_from_slice(&part[..take]);
        *used += take;
    }
}
