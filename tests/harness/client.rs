//! A client for the serve protocol (`wafer_abi::serve`): one request line
//! out, one reply line back, with a timeout so a hung image fails the
//! script instead of the test run.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::Duration;

use anyhow::{Context, Result, anyhow, bail};

/// A running serving image.
pub struct ServeClient {
    child: Child,
    stdin: ChildStdin,
    replies: Receiver<String>,
    timeout: Duration,
}

impl ServeClient {
    /// Starts `command` and waits for its ready line.
    pub fn start(
        mut command: Command,
        stderr_file: std::fs::File,
        timeout: Duration,
    ) -> Result<ServeClient> {
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(stderr_file))
            .spawn()
            .context("cannot start the serving image")?;
        let stdin = child.stdin.take().context("no stdin")?;
        let stdout = child.stdout.take().context("no stdout")?;
        let (tx, replies) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut client = ServeClient {
            child,
            stdin,
            replies,
            timeout,
        };
        let ready = client.receive()?;
        if ready != wafer_abi::serve::READY {
            bail!("image did not start serving (got `{ready}`)");
        }
        Ok(client)
    }

    fn receive(&mut self) -> Result<String> {
        match self.replies.recv_timeout(self.timeout) {
            Ok(line) => Ok(line),
            Err(RecvTimeoutError::Timeout) => {
                let _ = self.child.kill();
                Err(anyhow!("no reply within {:?} (image killed)", self.timeout))
            }
            Err(RecvTimeoutError::Disconnected) => {
                let status = self.child.wait().ok();
                Err(anyhow!("the image exited ({status:?})"))
            }
        }
    }

    /// Sends one request and returns its reply.
    pub fn request(&mut self, line: &str) -> Result<String> {
        writeln!(self.stdin, "{line}").context("the image stopped reading")?;
        self.stdin.flush().context("the image stopped reading")?;
        self.receive()
    }
}

impl Drop for ServeClient {
    fn drop(&mut self) {
        let _ = writeln!(self.stdin, "quit");
        let _ = self.stdin.flush();
        let deadline = std::time::Instant::now() + Duration::from_secs(2);
        while std::time::Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Hex-encodes a name for the protocol.
pub fn hex_name(name: &str) -> String {
    if name.is_empty() {
        return "-".into();
    }
    name.bytes().map(|b| format!("{b:02x}")).collect()
}
