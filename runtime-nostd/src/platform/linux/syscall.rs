//! Raw Linux system calls for x86_64, aarch64 and riscv64 (no libc).

/// System call numbers that differ between the ISAs.
#[cfg(target_arch = "x86_64")]
pub mod nr {
    pub const READ: usize = 0;
    pub const WRITE: usize = 1;
    pub const MMAP: usize = 9;
    #[cfg_attr(test, allow(dead_code))]
    pub const MPROTECT: usize = 10;
    pub const RT_SIGACTION: usize = 13;
    pub const SIGALTSTACK: usize = 131;
    pub const CLOCK_GETTIME: usize = 228;
    pub const CLOCK_NANOSLEEP: usize = 230;
    pub const EXIT_GROUP: usize = 231;
    pub const GETRANDOM: usize = 318;
    // Files (`--dir`, see `fs.rs`).
    pub const OPENAT: usize = 257;
    pub const CLOSE: usize = 3;
    pub const LSEEK: usize = 8;
    pub const PREAD64: usize = 17;
    pub const PWRITE64: usize = 18;
    pub const FSYNC: usize = 74;
    pub const FDATASYNC: usize = 75;
    pub const FTRUNCATE: usize = 77;
    pub const GETDENTS64: usize = 217;
    pub const FADVISE64: usize = 221;
    pub const MKDIRAT: usize = 258;
    pub const UNLINKAT: usize = 263;
    pub const LINKAT: usize = 265;
    pub const SYMLINKAT: usize = 266;
    pub const READLINKAT: usize = 267;
    pub const UTIMENSAT: usize = 280;
    pub const FALLOCATE: usize = 285;
    pub const RENAMEAT2: usize = 316;
    pub const STATX: usize = 332;
    // fd flags and stdin readiness (`fs.rs`, `stdin.rs`).
    pub const FCNTL: usize = 72;
    pub const IOCTL: usize = 16;
    pub const PPOLL: usize = 271;
}

/// System call numbers that differ between the ISAs (the generic table).
#[cfg(any(target_arch = "aarch64", target_arch = "riscv64"))]
pub mod nr {
    pub const READ: usize = 63;
    pub const WRITE: usize = 64;
    pub const MMAP: usize = 222;
    #[cfg_attr(test, allow(dead_code))]
    pub const MPROTECT: usize = 226;
    pub const RT_SIGACTION: usize = 134;
    pub const SIGALTSTACK: usize = 132;
    pub const CLOCK_GETTIME: usize = 113;
    pub const CLOCK_NANOSLEEP: usize = 115;
    pub const EXIT_GROUP: usize = 94;
    pub const GETRANDOM: usize = 278;
    // Files (`--dir`, see `fs.rs`).
    pub const OPENAT: usize = 56;
    pub const CLOSE: usize = 57;
    pub const LSEEK: usize = 62;
    pub const PREAD64: usize = 67;
    pub const PWRITE64: usize = 68;
    pub const FSYNC: usize = 82;
    pub const FDATASYNC: usize = 83;
    pub const FTRUNCATE: usize = 46;
    pub const GETDENTS64: usize = 61;
    pub const FADVISE64: usize = 223;
    pub const MKDIRAT: usize = 34;
    pub const UNLINKAT: usize = 35;
    pub const LINKAT: usize = 37;
    pub const SYMLINKAT: usize = 36;
    pub const READLINKAT: usize = 78;
    pub const UTIMENSAT: usize = 88;
    pub const FALLOCATE: usize = 47;
    pub const RENAMEAT2: usize = 276;
    pub const STATX: usize = 291;
    // fd flags and stdin readiness (`fs.rs`, `stdin.rs`).
    pub const FCNTL: usize = 25;
    pub const IOCTL: usize = 29;
    pub const PPOLL: usize = 73;
}

/// Performs system call `n` with up to six arguments; returns the raw
/// result (negative errno on failure).
///
/// # Safety
/// The arguments must be valid for the call.
#[inline(always)]
pub unsafe fn syscall6(n: usize, a: [usize; 6]) -> isize {
    let ret: isize;
    // SAFETY: the caller guarantees the arguments; the asm follows the
    // kernel's system call convention of each ISA.
    unsafe {
        #[cfg(target_arch = "x86_64")]
        core::arch::asm!(
            "syscall",
            inlateout("rax") n as isize => ret,
            in("rdi") a[0], in("rsi") a[1], in("rdx") a[2],
            in("r10") a[3], in("r8") a[4], in("r9") a[5],
            lateout("rcx") _, lateout("r11") _,
            options(nostack),
        );
        #[cfg(target_arch = "aarch64")]
        core::arch::asm!(
            "svc 0",
            in("x8") n,
            inlateout("x0") a[0] as isize => ret,
            in("x1") a[1], in("x2") a[2], in("x3") a[3], in("x4") a[4], in("x5") a[5],
            options(nostack),
        );
        #[cfg(target_arch = "riscv64")]
        core::arch::asm!(
            "ecall",
            in("a7") n,
            inlateout("a0") a[0] as isize => ret,
            in("a1") a[1], in("a2") a[2], in("a3") a[3], in("a4") a[4], in("a5") a[5],
            options(nostack),
        );
    }
    ret
}
