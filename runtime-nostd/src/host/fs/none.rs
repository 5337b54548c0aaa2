//! Bare-metal images without `--dir`: no fd above the console's 0-2 is
//! ever open, so every file function answers `EBADF` (the spec's errno for
//! a descriptor that is not open), never `ENOSYS`. With `--dir`, `wafer
//! build` points these symbols at `baked.rs` instead (see there).

use super::errno::BADF;

/// Console functions of `wasi.rs` hand fds above 2 here, and these to
/// the hook `wafer_fs_console`: [`wafer_fs_console_none`] (`EBADF`) unless
/// `wafer build --dir` points it at the baked backend (`baked.rs`).
pub fn read(vmctx: *mut u8, fd: i32, iovs: u32, len: u32, out: u32) -> i32 {
    hook(op::READ, vmctx, fd, iovs as u64, len as u64, out as u64)
}
pub fn write(vmctx: *mut u8, fd: i32, iovs: u32, len: u32, out: u32) -> i32 {
    hook(op::WRITE, vmctx, fd, iovs as u64, len as u64, out as u64)
}
pub fn close(fd: i32) -> i32 {
    hook(op::CLOSE, core::ptr::null_mut(), fd, 0, 0, 0)
}
pub fn seek(vmctx: *mut u8, fd: i32, offset: i64, whence: i32, out: u32) -> i32 {
    hook(op::SEEK, vmctx, fd, offset as u64, whence as u64, out as u64)
}
pub fn fdstat_get(vmctx: *mut u8, fd: i32, out: u32) -> i32 {
    hook(op::FDSTAT_GET, vmctx, fd, out as u64, 0, 0)
}
pub fn prestat_get(vmctx: *mut u8, fd: i32, out: u32) -> i32 {
    hook(op::PRESTAT_GET, vmctx, fd, out as u64, 0, 0)
}
pub fn filestat_get(vmctx: *mut u8, fd: i32, out: u32) -> i32 {
    hook(op::FILESTAT_GET, vmctx, fd, out as u64, 0, 0)
}

use super::console_op as op;

unsafe extern "C" {
    /// A weak alias of [`wafer_fs_console_none`] (below); `wafer build
    /// --dir` redefines it as `wafer_fs_console_baked` with `--defsym`.
    /// Called through the symbol, never inlined, so the choice is the
    /// linker's and an image without `--dir` links no file system.
    fn wafer_fs_console(op: u32, vmctx: *mut u8, fd: i32, a: u64, b: u64, c: u64) -> i32;
}

fn hook(op: u32, vmctx: *mut u8, fd: i32, a: u64, b: u64, c: u64) -> i32 {
    // SAFETY: both definitions take these arguments.
    unsafe { wafer_fs_console(op, vmctx, fd, a, b, c) }
}

/// No fd above 2 is open.
#[unsafe(no_mangle)]
pub extern "C" fn wafer_fs_console_none(
    _op: u32,
    _vmctx: *mut u8,
    _fd: i32,
    _a: u64,
    _b: u64,
    _c: u64,
) -> i32 {
    BADF
}

core::arch::global_asm!(
    ".weak wafer_fs_console",
    ".set wafer_fs_console, wafer_fs_console_none"
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
        /// The host function for preview1 function `field`, if it is a
        /// file function.
        pub fn symbol(field: &[u8]) -> Option<usize> {
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
    b"fd_tell" => wafer_wasi_fd_tell,
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
