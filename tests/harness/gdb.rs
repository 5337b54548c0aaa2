//! Just enough of the GDB remote protocol to write a board's memory while
//! its image runs under QEMU: the one path that may write anywhere, and it
//! lives outside the image. The canary test uses it to damage a canary and
//! see the check report it (images themselves have no way to do that).

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

/// A connection to QEMU's gdb server (which stops the machine on connect).
pub struct GdbRemote {
    stream: UnixStream,
}

impl GdbRemote {
    /// Connects to the server at the Unix socket `path`, waiting up to
    /// `timeout` for QEMU to create it.
    pub fn connect(path: &Path, timeout: Duration) -> Result<GdbRemote> {
        let deadline = Instant::now() + timeout;
        let stream = loop {
            match UnixStream::connect(path) {
                Ok(stream) => break stream,
                Err(e) if Instant::now() > deadline => {
                    return Err(e).with_context(|| format!("no gdb server at {}", path.display()));
                }
                Err(_) => std::thread::sleep(Duration::from_millis(20)),
            }
        };
        stream.set_read_timeout(Some(timeout))?;
        let mut remote = GdbRemote { stream };
        // Why the target stopped: also proves the server talks.
        let stop = remote.command("?")?;
        if !is_stop_reply(&stop) {
            bail!("unexpected stop reply `{stop}`");
        }
        Ok(remote)
    }

    /// Writes `bytes` at `address` (as the CPU sees it: physical on these
    /// boards, whose MMUs, when on, map RAM one to one).
    pub fn write_memory(&mut self, address: u64, bytes: &[u8]) -> Result<()> {
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        let reply = self.command_not_stop(&format!("M{address:x},{:x}:{hex}", bytes.len()))?;
        if reply != "OK" {
            bail!("writing {address:#x}: gdb server replied `{reply}`");
        }
        Ok(())
    }

    /// Detaches: the machine runs on.
    pub fn detach(mut self) -> Result<()> {
        let reply = self.command_not_stop("D")?;
        if reply != "OK" {
            bail!("detach: gdb server replied `{reply}`");
        }
        Ok(())
    }

    /// Sends one packet and returns the reply packet's payload.
    fn command(&mut self, payload: &str) -> Result<String> {
        let sum = payload.bytes().fold(0u8, |s, b| s.wrapping_add(b));
        write!(self.stream, "${payload}#{sum:02x}").context("gdb server gone")?;
        self.stream.flush()?;
        let reply = self.packet()?;
        self.stream.write_all(b"+")?;
        Ok(reply)
    }

    /// Like [`GdbRemote::command`], for commands whose reply is never a stop
    /// reply: skips stop replies QEMU sent on its own (on connecting, the
    /// machine stops and QEMU may report it before and after `?`).
    fn command_not_stop(&mut self, payload: &str) -> Result<String> {
        let mut reply = self.command(payload)?;
        while is_stop_reply(&reply) {
            reply = self.packet()?;
            self.stream.write_all(b"+")?;
        }
        Ok(reply)
    }

    /// Reads up to the next packet and returns its payload (acks and
    /// anything before `$` are skipped).
    fn packet(&mut self) -> Result<String> {
        let mut byte = [0u8];
        loop {
            self.stream
                .read_exact(&mut byte)
                .context("no reply from gdb server")?;
            if byte[0] == b'$' {
                break;
            }
        }
        let mut payload = Vec::new();
        loop {
            self.stream
                .read_exact(&mut byte)
                .context("gdb packet cut short")?;
            if byte[0] == b'#' {
                break;
            }
            payload.push(byte[0]);
        }
        // Not verified: a local socket does not corrupt bytes, and a wrong
        // payload fails the caller's comparison anyway.
        let mut checksum = [0u8; 2];
        self.stream.read_exact(&mut checksum)?;
        Ok(String::from_utf8_lossy(&payload).into_owned())
    }
}

/// `T05thread:01;`, `S05`: why the target stopped.
fn is_stop_reply(reply: &str) -> bool {
    reply.starts_with('T') || reply.starts_with('S')
}
