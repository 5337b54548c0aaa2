//! Atomic output files: write to a temporary file beside the target, then
//! rename, so an error never leaves a half-written output.

use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result, bail};

/// Checks that `path`'s directory exists, with a message that says so.
pub fn check_parent_dir(path: &Path) -> Result<()> {
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

/// A temporary file in `path`'s directory that becomes `path` on
/// [`tempfile::NamedTempFile::persist`]; dropped, it is deleted.
pub fn temp_beside(path: &Path) -> Result<tempfile::NamedTempFile> {
    check_parent_dir(path)?;
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    tempfile::Builder::new()
        .prefix(".wafer-")
        .tempfile_in(dir)
        .with_context(|| format!("cannot create a file in {}", dir.display()))
}

/// Writes `bytes` to `path` atomically.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut tmp = temp_beside(path)?;
    tmp.write_all(bytes)
        .with_context(|| format!("cannot write {}", path.display()))?;
    persist(tmp, path)
}

/// Moves a finished temporary file to `path` (readable by everyone, like
/// any compiler output; temporary files start private).
pub fn persist(tmp: tempfile::NamedTempFile, path: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    tmp.as_file()
        .set_permissions(std::fs::Permissions::from_mode(0o644))
        .with_context(|| format!("cannot write {}", path.display()))?;
    tmp.persist(path)
        .map_err(|e| e.error)
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}
