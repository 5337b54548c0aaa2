//! Starting the image (or the QEMU that runs it) so that nothing outlives
//! `wafer`: the child is killed when `wafer` dies, however it dies, and the
//! image it runs is a memory file, not a file in a directory someone would
//! have to remove.

use std::fs::File;
use std::io::Write;
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};

use anyhow::{Context, Result};

/// An image ready to run: in memory (`/proc/self/fd/N`), or on disk when
/// it must stay visible (a debugger reads its symbols) or the kernel has no
/// memory files.
pub struct ImageFile {
    path: PathBuf,
    /// The read-only memory file, open until the child has started.
    memory: Option<OwnedFd>,
}

impl ImageFile {
    /// The image at `path`, as it is.
    pub fn on_disk(path: &Path) -> ImageFile {
        ImageFile {
            path: path.to_path_buf(),
            memory: None,
        }
    }

    /// A copy of the image at `path` in a memory file, so that `path` can
    /// be removed before the image runs; `path` itself when the kernel
    /// cannot make memory files.
    ///
    /// # Errors
    /// `path` cannot be read.
    pub fn in_memory(path: &Path) -> Result<ImageFile> {
        let bytes = std::fs::read(path).context("cannot read the linked image")?;
        match memory_file(&bytes) {
            Ok(fd) => Ok(ImageFile {
                path: PathBuf::from(format!("/proc/self/fd/{}", fd.as_raw_fd())),
                memory: Some(fd),
            }),
            Err(_) => Ok(ImageFile::on_disk(path)),
        }
    }

    /// The path the child opens (valid in the child only for a memory file).
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// A read-only memory file holding `bytes`. Read-only because the kernel
/// refuses to execute a file that is open for writing.
fn memory_file(bytes: &[u8]) -> std::io::Result<OwnedFd> {
    // SAFETY: a NUL-terminated name; the flags are valid.
    let fd = unsafe { libc::memfd_create(c"wafer-image".as_ptr(), libc::MFD_CLOEXEC) };
    if fd < 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: memfd_create returned a new descriptor that we own.
    let mut writable = File::from(unsafe { <OwnedFd as std::os::fd::FromRawFd>::from_raw_fd(fd) });
    writable.write_all(bytes)?;
    // Reopening through /proc gives a read-only descriptor (close-on-exec,
    // as std opens every file) of the same memory file.
    let readonly = File::open(format!("/proc/self/fd/{fd}"))?;
    Ok(OwnedFd::from(readonly))
}

/// Starts `command`, which runs `image`, tied to this process: the child
/// gets SIGKILL when `wafer` dies (`PR_SET_PDEATHSIG`), the default signal
/// mask, and, when it is QEMU rather than the image itself, the image's
/// memory file across `exec`.
///
/// # Errors
/// The command cannot be started.
pub fn spawn_tied(command: &mut Command, image: &ImageFile) -> Result<Child> {
    // The image run directly is opened by `exec` itself, before
    // close-on-exec descriptors close; QEMU opens it after `exec`.
    let keep_open = match &image.memory {
        Some(fd) if command.get_program() != image.path.as_os_str() => Some(fd.as_raw_fd()),
        _ => None,
    };
    // SAFETY: getpid is always safe.
    let parent = unsafe { libc::getpid() };
    // SAFETY: the closure makes only async-signal-safe calls (prctl,
    // getppid, fcntl, sigprocmask, _exit) between fork and exec.
    unsafe {
        command.pre_exec(move || {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            // wafer died before the line above took effect.
            if libc::getppid() != parent {
                libc::_exit(137);
            }
            if let Some(fd) = keep_open
                && libc::fcntl(fd, libc::F_SETFD, 0) != 0
            {
                return Err(std::io::Error::last_os_error());
            }
            super::signals::unblock_in_child();
            Ok(())
        });
    }
    let child = command.spawn()?;
    Ok(child)
}
