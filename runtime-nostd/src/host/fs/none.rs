//! Bare-metal images without `--dir`: no fd above the console's 0-2 is
//! ever open, so every file function answers `EBADF` (the spec's errno for
//! a descriptor that is not open), never `ENOSYS`. With `--dir`, `wafer
//! build` points these symbols at `baked.rs` instead (see there).

use super::errno::BADF;

/// Console functions of `wasi.rs` hand fds above 2 here, and these to
/// the hooks `wafer_fs_<op>`: weak aliases of [`wafer_fs_none`] (`EBADF`)
/// unless `wafer build --dir` points them at the baked backend
/// (`wafer_baked_fs_<op>` in `baked.rs`) with `--defsym`. Called through
/// the symbols, never inlined, so the choice is the linker's and an image
/// without `--dir` links no file system; each hook takes its caller's
/// arguments in order, so the call is a jump.
pub(crate) fn read(vmctx: *mut u8, fd: i32, iovs: u32, len: u32, out: u32) -> i32 {
    // SAFETY: both definitions of each hook take these arguments (the
    // `EBADF` one ignores them, as the C calling convention allows).
    unsafe { wafer_fs_read(vmctx, fd, iovs, len, out) }
}
pub(crate) fn write(vmctx: *mut u8, fd: i32, iovs: u32, len: u32, out: u32) -> i32 {
    // SAFETY: as above.
    unsafe { wafer_fs_write(vmctx, fd, iovs, len, out) }
}
pub(crate) fn close(fd: i32) -> i32 {
    // SAFETY: as above.
    unsafe { wafer_fs_close(fd) }
}
pub(crate) fn seek(vmctx: *mut u8, fd: i32, offset: i64, whence: i32, out: u32) -> i32 {
    // SAFETY: as above.
    unsafe { wafer_fs_seek(vmctx, fd, offset, whence, out) }
}
pub(crate) fn fdstat_get(vmctx: *mut u8, fd: i32, out: u32) -> i32 {
    // SAFETY: as above.
    unsafe { wafer_fs_fdstat_get(vmctx, fd, out) }
}
pub(crate) fn prestat_get(vmctx: *mut u8, fd: i32, out: u32) -> i32 {
    // SAFETY: as above.
    unsafe { wafer_fs_prestat_get(vmctx, fd, out) }
}
pub(crate) fn filestat_get(vmctx: *mut u8, fd: i32, out: u32) -> i32 {
    // SAFETY: as above.
    unsafe { wafer_fs_filestat_get(vmctx, fd, out) }
}
pub(crate) fn fdstat_set_flags(fd: i32, flags: i32) -> i32 {
    // SAFETY: as above.
    unsafe { wafer_fs_fdstat_set_flags(fd, flags) }
}
/// `poll_oneoff` on fd `fd` above 2: the bytes left to read (0 for
/// writing), as in `linux.rs`. Hook `wafer_fs_poll_ready`, bound to the
/// baked backend when a module with `--dir` imports `poll_oneoff`.
pub(crate) fn poll_ready(fd: i32, reading: bool) -> Result<u64, i32> {
    let mut nbytes = 0u64;
    // SAFETY: as above; `nbytes` is writable.
    match unsafe { wafer_fs_poll_ready(fd, reading as i32, &mut nbytes) } {
        0 => Ok(nbytes),
        errno => Err(errno),
    }
}

unsafe extern "C" {
    fn wafer_fs_read(vmctx: *mut u8, fd: i32, iovs: u32, len: u32, out: u32) -> i32;
    fn wafer_fs_write(vmctx: *mut u8, fd: i32, iovs: u32, len: u32, out: u32) -> i32;
    fn wafer_fs_close(fd: i32) -> i32;
    fn wafer_fs_seek(vmctx: *mut u8, fd: i32, offset: i64, whence: i32, out: u32) -> i32;
    fn wafer_fs_fdstat_get(vmctx: *mut u8, fd: i32, out: u32) -> i32;
    fn wafer_fs_prestat_get(vmctx: *mut u8, fd: i32, out: u32) -> i32;
    fn wafer_fs_filestat_get(vmctx: *mut u8, fd: i32, out: u32) -> i32;
    fn wafer_fs_fdstat_set_flags(fd: i32, flags: i32) -> i32;
    fn wafer_fs_poll_ready(fd: i32, reading: i32, nbytes: *mut u64) -> i32;
}

/// The host function for preview1 function `field`, if it is a file
/// function.
pub fn symbol(field: &[u8]) -> Option<usize> {
    match field {
        b"fd_tell" => Some(wafer_wasi_fd_tell as *const () as usize),
        _ => always_badf(field),
    }
}

/// `fd_tell`: the console (0-2) has no position, as `fd_seek` on it says;
/// no other fd is open.
#[unsafe(no_mangle)]
pub extern "C" fn wafer_wasi_fd_tell(_vmctx: *mut u8, fd: i32, _out: u32) -> i32 {
    if (0..=2).contains(&fd) {
        super::super::wasi_fs::errno::SPIPE
    } else {
        BADF
    }
}

/// No fd above 2 is open: every hook's answer without `--dir`.
#[unsafe(no_mangle)]
pub extern "C" fn wafer_fs_none() -> i32 {
    BADF
}

// The hooks' default definitions (`wafer_abi::file_tree::CONSOLE_HOOKS`).
core::arch::global_asm!(
    ".weak wafer_fs_read",
    ".set wafer_fs_read, wafer_fs_none",
    ".weak wafer_fs_write",
    ".set wafer_fs_write, wafer_fs_none",
    ".weak wafer_fs_close",
    ".set wafer_fs_close, wafer_fs_none",
    ".weak wafer_fs_seek",
    ".set wafer_fs_seek, wafer_fs_none",
    ".weak wafer_fs_fdstat_get",
    ".set wafer_fs_fdstat_get, wafer_fs_none",
    ".weak wafer_fs_prestat_get",
    ".set wafer_fs_prestat_get, wafer_fs_none",
    ".weak wafer_fs_filestat_get",
    ".set wafer_fs_filestat_get, wafer_fs_none",
    ".weak wafer_fs_fdstat_set_flags",
    ".set wafer_fs_fdstat_set_flags, wafer_fs_none",
    ".weak wafer_fs_poll_ready",
    ".set wafer_fs_poll_ready, wafer_fs_none",
);

/// Defines each symbol as a function returning `EBADF` (its arguments are
/// ignored; the C calling convention allows it), and [`symbol`].
macro_rules! no_file_system {
    ($($name:literal => $symbol:ident),* $(,)?) => {
        $(
            #[unsafe(no_mangle)]
            pub extern "C" fn $symbol() -> i32 {
                BADF
            }
        )*
        /// The `EBADF` function for preview1 function `field`, if it is
        /// one of those.
        fn always_badf(field: &[u8]) -> Option<usize> {
            match field {
                $($name => Some($symbol as *const () as usize),)*
                _ => None,
            }
        }
    };
}

no_file_system!(
    b"fd_advise" => wafer_wasi_fd_advise,
    b"fd_allocate" => wafer_wasi_fd_allocate,
    b"fd_datasync" => wafer_wasi_fd_datasync,
    b"fd_filestat_set_size" => wafer_wasi_fd_filestat_set_size,
    b"fd_filestat_set_times" => wafer_wasi_fd_filestat_set_times,
    b"fd_pread" => wafer_wasi_fd_pread,
    b"fd_prestat_dir_name" => wafer_wasi_fd_prestat_dir_name,
    b"fd_pwrite" => wafer_wasi_fd_pwrite,
    b"fd_readdir" => wafer_wasi_fd_readdir,
    b"fd_renumber" => wafer_wasi_fd_renumber,
    b"fd_sync" => wafer_wasi_fd_sync,
    b"path_create_directory" => wafer_wasi_path_create_directory,
    b"path_filestat_get" => wafer_wasi_path_filestat_get,
    b"path_filestat_set_times" => wafer_wasi_path_filestat_set_times,
    b"path_link" => wafer_wasi_path_link,
    b"path_open" => wafer_wasi_path_open,
    b"path_readlink" => wafer_wasi_path_readlink,
    b"path_remove_directory" => wafer_wasi_path_remove_directory,
    b"path_rename" => wafer_wasi_path_rename,
    b"path_symlink" => wafer_wasi_path_symlink,
    b"path_unlink_file" => wafer_wasi_path_unlink_file,
);
