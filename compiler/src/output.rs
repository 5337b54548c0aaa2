//! Atomic output files: write to a temporary file beside the target, then
//! rename, so an error never leaves a half-written output.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use anyhow::{Context, Result, bail};

/// Refuses an output that is one of the inputs: writing it would destroy
/// the user's file. Compared by device and inode, so another spelling of
/// the path, a symbolic link or a hard link to an input is caught too.
///
/// # Errors
/// `output` exists and is the same file as one of `inputs`.
pub fn check_not_an_input(output: &Path, inputs: &[&Path]) -> Result<()> {
    use std::os::unix::fs::MetadataExt;
    // An output that does not exist yet cannot be an input.
    let Ok(out) = std::fs::metadata(output) else {
        return Ok(());
    };
    for input in inputs {
        let Ok(meta) = std::fs::metadata(input) else {
            continue;
        };
        if (meta.dev(), meta.ino()) == (out.dev(), out.ino()) {
            bail!(
                "the output {} is the input {}: refusing to overwrite it; choose another -o",
                output.display(),
                input.display()
            );
        }
    }
    Ok(())
}

/// Checks that `path` can name an output file: its directory exists, and it
/// is not a directory itself (the system's answer to writing one, "Not a
/// directory", would confuse).
pub fn check_parent_dir(path: &Path) -> Result<()> {
    if path.is_dir() {
        bail!(
            "cannot write {}: it is a directory; give a file name",
            path.display()
        );
    }
    if path.as_os_str().as_encoded_bytes().ends_with(b"/") {
        bail!(
            "cannot write {}: a file name cannot end with `/`",
            path.display()
        );
    }
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => return Ok(()),
    };
    if !parent.is_dir() {
        bail!(
            "cannot write {}: directory {} does not exist",
            path.display(),
            parent.display()
        );
    }
    Ok(())
}

/// Name prefix of temporary outputs; the pid follows.
const TEMP_PREFIX: &str = ".wafer-";

/// A temporary file in `path`'s directory that becomes `path` on
/// [`tempfile::NamedTempFile::persist`]; dropped, it is deleted.
pub fn temp_beside(path: &Path) -> Result<tempfile::NamedTempFile> {
    check_parent_dir(path)?;
    if is_device_or_pipe(path) {
        // Written through by `persist`; the directory (`/dev`) is not ours.
        let tmp = tempfile::NamedTempFile::new()
            .context("cannot create a file in the temporary directory")?;
        return Ok(tmp);
    }
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    // Named after this process, so that the next wafer writing here can
    // remove what a killed one left (SIGKILL runs no clean-up code).
    crate::scratch::sweep_dead(dir, TEMP_PREFIX);
    let tmp = tempfile::Builder::new()
        .prefix(&format!("{TEMP_PREFIX}{}.", std::process::id()))
        .tempfile_in(dir)
        .with_context(|| format!("cannot create a file in {}", dir.display()))?;
    unfinished().push(tmp.path().to_path_buf());
    Ok(tmp)
}

/// Temporary outputs not yet persisted: a signal that ends `wafer` removes
/// them (dropping them would need the thread that owns them).
static UNFINISHED: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

fn unfinished() -> std::sync::MutexGuard<'static, Vec<PathBuf>> {
    UNFINISHED
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Removes every temporary output that has not become an output; for a
/// signal that ends `wafer`.
pub fn remove_unfinished() {
    for path in unfinished().drain(..) {
        // Already gone when its owner dropped it after an error.
        let _ = std::fs::remove_file(path);
    }
}

/// Writes `bytes` to `path` atomically.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut tmp = temp_beside(path)?;
    tmp.write_all(bytes)
        .with_context(|| format!("cannot write {}", path.display()))?;
    persist(tmp, path, 0o644)
}

/// `-o /dev/null`, `-o /dev/stdout`, a named pipe, an SD card's block
/// device: outputs to write into, not to replace with a regular file.
fn is_device_or_pipe(path: &Path) -> bool {
    use std::os::unix::fs::FileTypeExt;
    std::fs::metadata(path).is_ok_and(|m| {
        let t = m.file_type();
        t.is_char_device() || t.is_block_device() || t.is_fifo() || t.is_socket()
    })
}

/// Moves a finished temporary file to `path` with permissions `mode`
/// (temporary files start private; outputs are readable by everyone, like
/// any compiler's). A device or pipe at `path` gets the bytes written into
/// it instead, and keeps its own permissions: `-o /dev/null` must not turn
/// the system's null device executable.
pub fn persist(tmp: tempfile::NamedTempFile, path: &Path, mode: u32) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    if is_device_or_pipe(path) {
        let mut target = std::fs::OpenOptions::new()
            .write(true)
            .open(path)
            .with_context(|| format!("cannot write {}", path.display()))?;
        // By path, not `reopen`: lld replaces the file at the temporary's
        // path with the image it links.
        let mut source =
            std::fs::File::open(tmp.path()).context("cannot read the temporary output")?;
        std::io::copy(&mut source, &mut target)
            .with_context(|| format!("cannot write {}", path.display()))?;
        return Ok(());
    }
    tmp.as_file()
        .set_permissions(std::fs::Permissions::from_mode(mode))
        .with_context(|| format!("cannot write {}", path.display()))?;
    let temp_path = tmp.path().to_path_buf();
    let persisted = tmp
        .persist(path)
        .map_err(|e| e.error)
        .with_context(|| format!("cannot write {}", path.display()));
    unfinished().retain(|p| *p != temp_path);
    persisted?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_file_under_any_name_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("app.wat");
        std::fs::write(&input, "(module)").unwrap();
        let other = dir.path().join("other.wat");
        std::fs::write(&other, "(module)").unwrap();
        let respelled = dir.path().join(".").join("app.wat");
        let symlink = dir.path().join("link.wat");
        std::os::unix::fs::symlink(&input, &symlink).unwrap();
        let hard = dir.path().join("hard.wat");
        std::fs::hard_link(&input, &hard).unwrap();
        for output in [&input, &respelled, &symlink, &hard] {
            let err = check_not_an_input(output, &[&other, &input]).unwrap_err();
            assert!(err.to_string().contains("refusing to overwrite"), "{err}");
        }
        // Different files, and outputs that do not exist yet, are fine.
        assert!(check_not_an_input(&other, &[&input]).is_ok());
        assert!(check_not_an_input(&dir.path().join("new.o"), &[&input]).is_ok());
    }

    #[test]
    fn a_pipe_is_written_through_not_replaced() {
        use std::os::unix::fs::FileTypeExt;
        // A named pipe stands for /dev/null and friends: replacing the
        // real one in a test would break the machine if the code were wrong.
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        let name = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(name.as_ptr(), 0o600) }, 0);
        let reader = {
            let fifo = fifo.clone();
            std::thread::spawn(move || std::fs::read(fifo).unwrap())
        };
        write_atomic(&fifo, b"image").unwrap();
        assert_eq!(reader.join().unwrap(), b"image");
        let metadata = std::fs::metadata(&fifo).unwrap();
        assert!(metadata.file_type().is_fifo(), "still a pipe");
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            metadata.permissions().mode() & 0o777,
            0o600,
            "its mode untouched"
        );
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(names.len(), 1, "no temporary file beside it");
    }
}
