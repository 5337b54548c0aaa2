//! WASI preview 1 file functions: preopened directories (`--dir`) and the
//! files and directories opened through them.
//!
//! On Linux (`fs/linux.rs`) every function works on the host file system
//! inside the preopens; on bare-metal boards (no file system yet) no fd
//! above 2 is ever open, so each function returns `EBADF`, the spec's
//! errno for a descriptor that is not open.
//!
//! Each function is its own `wafer_wasi_<name>` symbol, so an image links
//! only the ones its module imports. The console functions of `wasi.rs`
//! (`fd_read`, `fd_write`, `fd_close`, `fd_seek`, `fd_fdstat_get`,
//! `fd_prestat_get`) hand fds above 2 to [`fd`] here.

/// WASI errnos used here (see [`from_linux`] for the rest); bare-metal
/// boards follow no symlinks, so need no `LOOP`.
#[cfg_attr(wafer_platform = "baremetal", allow(dead_code))]
pub(crate) mod errno {
    pub const SUCCESS: i32 = 0;
    pub const BADF: i32 = 8;
    pub const FAULT: i32 = 21;
    pub const INVAL: i32 = 28;
    pub const IO: i32 = 29;
    pub const ISDIR: i32 = 31;
    pub const LOOP: i32 = 32;
    pub const MFILE: i32 = 33;
    pub const NAMETOOLONG: i32 = 37;
    pub const NOENT: i32 = 44;
    pub const NOTDIR: i32 = 54;
    /// A flag the fd cannot take (`fd_fdstat_set_flags`).
    pub const NOTSUP: i32 = 58;
    /// A seek or tell on a stream that has no position (the console).
    pub const SPIPE: i32 = 70;
    /// A path leaves its preopen (`..`, an absolute path or symlink), or
    /// the fd lacks a right the call needs.
    pub const NOTCAPABLE: i32 = 76;
}

/// Linux errno → WASI errno, for every Linux errno WASI has a name for
/// (the same numbers on x86_64, aarch64 and riscv64). Sorted by Linux
/// number.
#[cfg(not(wafer_platform = "baremetal"))]
const LINUX_TO_WASI: &[(i32, i32)] = &[
    (1, 63),   // EPERM
    (2, 44),   // ENOENT
    (3, 71),   // ESRCH
    (4, 27),   // EINTR
    (5, 29),   // EIO
    (6, 60),   // ENXIO
    (7, 1),    // E2BIG
    (8, 45),   // ENOEXEC
    (9, 8),    // EBADF
    (10, 12),  // ECHILD
    (11, 6),   // EAGAIN
    (12, 48),  // ENOMEM
    (13, 2),   // EACCES
    (14, 21),  // EFAULT
    (16, 10),  // EBUSY
    (17, 20),  // EEXIST
    (18, 75),  // EXDEV
    (19, 43),  // ENODEV
    (20, 54),  // ENOTDIR
    (21, 31),  // EISDIR
    (22, 28),  // EINVAL
    (23, 41),  // ENFILE
    (24, 33),  // EMFILE
    (25, 59),  // ENOTTY
    (26, 74),  // ETXTBSY
    (27, 22),  // EFBIG
    (28, 51),  // ENOSPC
    (29, 70),  // ESPIPE
    (30, 69),  // EROFS
    (31, 34),  // EMLINK
    (32, 64),  // EPIPE
    (33, 18),  // EDOM
    (34, 68),  // ERANGE
    (35, 16),  // EDEADLK
    (36, 37),  // ENAMETOOLONG
    (37, 46),  // ENOLCK
    (38, 52),  // ENOSYS
    (39, 55),  // ENOTEMPTY
    (40, 32),  // ELOOP
    (42, 49),  // ENOMSG
    (43, 24),  // EIDRM
    (67, 47),  // ENOLINK
    (71, 65),  // EPROTO
    (72, 36),  // EMULTIHOP
    (74, 9),   // EBADMSG
    (75, 61),  // EOVERFLOW
    (84, 25),  // EILSEQ
    (88, 57),  // ENOTSOCK
    (89, 17),  // EDESTADDRREQ
    (90, 35),  // EMSGSIZE
    (91, 67),  // EPROTOTYPE
    (92, 50),  // ENOPROTOOPT
    (93, 66),  // EPROTONOSUPPORT
    (95, 58),  // ENOTSUP (EOPNOTSUPP)
    (97, 5),   // EAFNOSUPPORT
    (98, 3),   // EADDRINUSE
    (99, 4),   // EADDRNOTAVAIL
    (100, 38), // ENETDOWN
    (101, 40), // ENETUNREACH
    (102, 39), // ENETRESET
    (103, 13), // ECONNABORTED
    (104, 15), // ECONNRESET
    (105, 42), // ENOBUFS
    (106, 30), // EISCONN
    (107, 53), // ENOTCONN
    (110, 73), // ETIMEDOUT
    (111, 14), // ECONNREFUSED
    (113, 23), // EHOSTUNREACH
    (114, 7),  // EALREADY
    (115, 26), // EINPROGRESS
    (116, 72), // ESTALE
    (122, 19), // EDQUOT
    (125, 11), // ECANCELED
    (130, 62), // EOWNERDEAD
    (131, 56), // ENOTRECOVERABLE
];

/// The WASI errno for Linux errno `linux`; `EIO` for one WASI lacks.
#[cfg(not(wafer_platform = "baremetal"))]
pub fn from_linux(linux: i32) -> i32 {
    match LINUX_TO_WASI.binary_search_by_key(&linux, |&(l, _)| l) {
        Ok(i) => LINUX_TO_WASI[i].1,
        Err(_) => errno::IO,
    }
}

#[path = "fs/front.rs"]
mod front;

#[cfg(not(wafer_platform = "baremetal"))]
#[path = "fs/linux.rs"]
pub mod fd;

#[cfg(wafer_platform = "baremetal")]
#[path = "fs/none.rs"]
pub mod fd;

#[cfg(wafer_platform = "baremetal")]
#[path = "fs/baked.rs"]
pub mod baked;

#[cfg(wafer_platform = "baremetal")]
#[path = "fs/overlay.rs"]
pub mod overlay;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linux_errnos_map_to_the_wasi_errno_of_the_same_name() {
        for pair in LINUX_TO_WASI.windows(2) {
            assert!(pair[0].0 < pair[1].0, "sorted by Linux errno");
        }
        // Numbers from the Linux uapi headers and the preview1 witx
        // `errno` enum (its 77 cases numbered from 0 = success).
        assert_eq!(from_linux(1), 63); // EPERM → perm
        assert_eq!(from_linux(2), 44); // ENOENT → noent
        assert_eq!(from_linux(9), 8); // EBADF → badf
        assert_eq!(from_linux(17), 20); // EEXIST → exist
        assert_eq!(from_linux(20), 54); // ENOTDIR → notdir
        assert_eq!(from_linux(21), 31); // EISDIR → isdir
        assert_eq!(from_linux(29), 70); // ESPIPE → spipe
        assert_eq!(from_linux(39), 55); // ENOTEMPTY → notempty
        assert_eq!(from_linux(40), 32); // ELOOP → loop
        assert_eq!(from_linux(18), 75); // EXDEV → xdev
        assert_eq!(from_linux(131), 56); // ENOTRECOVERABLE
        assert_eq!(from_linux(41), errno::IO); // unused Linux number
        assert_eq!(from_linux(4000), errno::IO);
    }

    #[test]
    fn every_wasi_errno_appears_at_most_once() {
        let mut seen = [false; 77];
        for &(_, w) in LINUX_TO_WASI {
            assert!((1..77).contains(&w), "{w}");
            assert!(!seen[w as usize], "{w} twice");
            seen[w as usize] = true;
        }
    }
}
