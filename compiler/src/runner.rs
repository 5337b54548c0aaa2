//! Running images: natively or under QEMU, tied to `wafer` so that nothing
//! outlives it, with a bare-metal console split into stdout and stderr and
//! given the end of stdin.

pub mod child;
pub mod console_input;
pub mod framing;
pub mod signals;

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};

use anyhow::{Context, Result};

use child::ImageFile;
use framing::{Deframer, Routed};

/// Finds an executable on `PATH`.
pub fn find_tool(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| is_executable(candidate))
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata()
        .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}

/// Runs `command` (which runs `image`) to its end, forwarding SIGINT,
/// SIGTERM and SIGHUP to it. With `framed_console`, its stdin and stdout
/// are a board's console framed as `wafer_abi::console` says: stdout is
/// split into stdout and stderr (see [`framing`]), and stdin reaches it
/// through a pipe that marks the end of the input (see [`console_input`]).
///
/// # Errors
/// The command cannot be started or waited for.
pub fn run_image(
    command: &mut Command,
    image: ImageFile,
    framed_console: bool,
) -> Result<ExitStatus> {
    if framed_console {
        command.stdout(Stdio::piped());
        command.stdin(Stdio::piped());
    }
    let mut child = child::spawn_tied(command, &image)?;
    if let Some(console) = child.stdin.take() {
        console_input::forward_stdin(console);
    }
    signals::forward_to(child.id());
    // The child has its own reference to the image now.
    drop(image);
    let pump = child
        .stdout
        .take()
        .map(|console| std::thread::spawn(move || split(console)));
    let status = child.wait();
    signals::stop_forwarding();
    if let Some(pump) = pump {
        // The pump ends at end of file, which the child's exit brings.
        let _ = pump.join();
    }
    status.context("cannot wait for the image")
}

/// Copies the console to stdout and stderr as it arrives.
fn split(mut console: impl Read) {
    let mut deframer = Deframer::default();
    let mut buffer = [0u8; 4096];
    loop {
        let n = match console.read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => break,
        };
        emit(deframer.feed(&buffer[..n]));
    }
}

fn emit(routed: Routed) {
    // A closed stdout or stderr (`wafer run x | head`) must not stop the
    // image's other stream; the write errors are dropped.
    if !routed.stdout.is_empty() {
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(&routed.stdout).and_then(|()| out.flush());
    }
    if !routed.stderr.is_empty() {
        let _ = std::io::stderr().lock().write_all(&routed.stderr);
    }
}
