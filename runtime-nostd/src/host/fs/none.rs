//! Boards without a file system: no fd above the console's 0-2 is ever
//! open, so every file function answers `EBADF` (the spec's errno for a
//! descriptor that is not open), never `ENOSYS`.

use super::errno::BADF;

/// Console functions of `wasi.rs` hand fds above 2 here.
pub fn read(_vmctx: *mut u8, _fd: i32, _iovs: u32, _len: u32, _out: u32) -> i32 {
    BADF
}
pub fn write(_vmctx: *mut u8, _fd: i32, _iovs: u32, _len: u32, _out: u32) -> i32 {
    BADF
}
pub fn close(_fd: i32) -> i32 {
    BADF
}
pub fn seek(_vmctx: *mut u8, _fd: i32, _offset: i64, _whence: i32, _out: u32) -> i32 {
    BADF
}
pub fn fdstat_get(_vmctx: *mut u8, _fd: i32, _out: u32) -> i32 {
    BADF
}
pub fn prestat_get(_vmctx: *mut u8, _fd: i32, _out: u32) -> i32 {
    BADF
}
pub fn filestat_get(_vmctx: *mut u8, _fd: i32, _out: u32) -> i32 {
    BADF
}

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
