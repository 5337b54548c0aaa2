//! The `wasi_snapshot_preview1` functions and their signatures, in one
//! place: the runtime's WASI host resolves imports against this table and
//! `wafer build` checks imports against it, so the two cannot disagree.
//!
//! Signatures are [`crate::values`] signature strings of the core Wasm
//! types the preview1 ABI lowers to (pointers, sizes and handles are `i`,
//! 64-bit integers such as timestamps, offsets and rights are `I`).

/// The import module name of WASI preview 1.
pub const MODULE: &str = "wasi_snapshot_preview1";

/// Every preview1 function and its signature, sorted by name.
pub const FUNCTIONS: &[(&str, &str)] = &[
    ("args_get", "ii>i"),
    ("args_sizes_get", "ii>i"),
    ("clock_res_get", "ii>i"),
    ("clock_time_get", "iIi>i"),
    ("environ_get", "ii>i"),
    ("environ_sizes_get", "ii>i"),
    ("fd_advise", "iIIi>i"),
    ("fd_allocate", "iII>i"),
    ("fd_close", "i>i"),
    ("fd_datasync", "i>i"),
    ("fd_fdstat_get", "ii>i"),
    ("fd_fdstat_set_flags", "ii>i"),
    ("fd_fdstat_set_rights", "iII>i"),
    ("fd_filestat_get", "ii>i"),
    ("fd_filestat_set_size", "iI>i"),
    ("fd_filestat_set_times", "iIIi>i"),
    ("fd_pread", "iiiIi>i"),
    ("fd_prestat_dir_name", "iii>i"),
    ("fd_prestat_get", "ii>i"),
    ("fd_pwrite", "iiiIi>i"),
    ("fd_read", "iiii>i"),
    ("fd_readdir", "iiiIi>i"),
    ("fd_renumber", "ii>i"),
    ("fd_seek", "iIii>i"),
    ("fd_sync", "i>i"),
    ("fd_tell", "ii>i"),
    ("fd_write", "iiii>i"),
    ("path_create_directory", "iii>i"),
    ("path_filestat_get", "iiiii>i"),
    ("path_filestat_set_times", "iiiiIIi>i"),
    ("path_link", "iiiiiii>i"),
    ("path_open", "iiiiiIIii>i"),
    ("path_readlink", "iiiiii>i"),
    ("path_remove_directory", "iii>i"),
    ("path_rename", "iiiiii>i"),
    ("path_symlink", "iiiii>i"),
    ("path_unlink_file", "iii>i"),
    ("poll_oneoff", "iiii>i"),
    ("proc_exit", "i>"),
    ("proc_raise", "i>i"),
    ("random_get", "ii>i"),
    ("sched_yield", ">i"),
    ("sock_accept", "iii>i"),
    ("sock_recv", "iiiiii>i"),
    ("sock_send", "iiiii>i"),
    ("sock_shutdown", "ii>i"),
];

/// The signature of preview1 function `name`, or `None` if WASI has no
/// such function.
pub fn signature(name: &[u8]) -> Option<&'static str> {
    FUNCTIONS
        .iter()
        .find(|(n, _)| n.as_bytes() == name)
        .map(|&(_, sig)| sig)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_sorted_and_unique() {
        for pair in FUNCTIONS.windows(2) {
            assert!(pair[0].0 < pair[1].0, "{} / {}", pair[0].0, pair[1].0);
        }
    }

    #[test]
    fn signatures_are_well_formed_and_return_an_errno_except_proc_exit() {
        for &(name, sig) in FUNCTIONS {
            let (params, results) = sig.split_once('>').expect(name);
            assert!(params.bytes().all(|c| c == b'i' || c == b'I'), "{name}");
            let expected = if name == "proc_exit" { "" } else { "i" };
            assert_eq!(results, expected, "{name}");
        }
    }

    #[test]
    fn lookup_by_name() {
        assert_eq!(signature(b"fd_write"), Some("iiii>i"));
        assert_eq!(signature(b"clock_time_get"), Some("iIi>i"));
        assert_eq!(signature(b"proc_exit"), Some("i>"));
        assert_eq!(signature(b"fd_writ"), None);
    }
}
