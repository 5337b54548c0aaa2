//! A client for the serve protocol (`wafer_abi::serve`): one request line
//! out, one reply line back, with a timeout so a hung image fails the
//! script instead of the test run.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::Duration;

use anyhow::{Context, Result, anyhow, bail};

/// A running serving image.
pub struct ServeClient {
    child: Child,
    stdin: ChildStdin,
    replies: Receiver<String>,
    timeout: Duration,
    /// Where the image's stderr goes; its last line explains a crash.
    stderr_path: PathBuf,
}

impl ServeClient {
    /// Starts `command`, with its stderr going to the file `stderr_path`,
    /// and waits for its ready line.
    pub fn start(
        mut command: Command,
        stderr_path: &Path,
        timeout: Duration,
    ) -> Result<ServeClient> {
        let stderr_file = std::fs::File::create(stderr_path)
            .with_context(|| format!("cannot create {}", stderr_path.display()))?;
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
            stderr_path: stderr_path.to_path_buf(),
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
                let stderr = std::fs::read_to_string(&self.stderr_path).unwrap_or_default();
                let last_words = stderr
                    .lines()
                    .rev()
                    .find(|l| !l.trim().is_empty())
                    .map(|l| format!(", its last words: `{}`", l.trim()))
                    .unwrap_or_default();
                Err(anyhow!("the image {}{last_words}", describe_exit(status)))
            }
        }
    }

    /// Sends one request and returns its reply.
    pub fn request(&mut self, line: &str) -> Result<String> {
        writeln!(self.stdin, "{line}").context("the image stopped reading")?;
        self.stdin.flush().context("the image stopped reading")?;
        self.receive()
    }

    /// Sends several requests at once and returns their replies in order:
    /// one round trip instead of one per request, which matters under
    /// qemu-user (the differential fuzzer sends a dozen per call). Safe
    /// from pipe deadlock because replies are drained by the reader thread
    /// while requests are still being written.
    pub fn request_all(&mut self, lines: &[String]) -> Result<Vec<String>> {
        self.request_each(lines).into_iter().collect()
    }

    /// As [`ServeClient::request_all`], with each reply on its own: the
    /// replies before a failure stay usable, and every line from the
    /// failure on gets an error.
    ///
    /// Lines go out in chunks of at most [`CHUNK_BYTES`], each chunk's
    /// replies read before the next is written: an image that hangs on a
    /// request then leaves at most one chunk unread in the pipe, far below
    /// its capacity, so writing never blocks and the reply timeout still
    /// fires.
    pub fn request_each(&mut self, lines: &[String]) -> Vec<Result<String>> {
        let mut replies = Vec::with_capacity(lines.len());
        let mut rest = lines;
        while !rest.is_empty() {
            let mut bytes = 0;
            let count = rest
                .iter()
                .take_while(|line| {
                    bytes += line.len() + 1;
                    bytes <= CHUNK_BYTES
                })
                .count()
                .max(1);
            let (chunk, next) = rest.split_at(count);
            rest = next;
            let stopped = self.request_chunk(chunk, &mut replies);
            if stopped {
                replies.extend(
                    rest.iter()
                        .map(|_| Err(anyhow!("the image stopped earlier"))),
                );
                break;
            }
        }
        replies
    }

    /// Sends `chunk` and appends its replies; true if the image stopped.
    fn request_chunk(&mut self, chunk: &[String], replies: &mut Vec<Result<String>>) -> bool {
        let sent = chunk
            .iter()
            .try_for_each(|line| writeln!(self.stdin, "{line}"))
            .and_then(|()| self.stdin.flush());
        // Replies to what got through are still waiting even if a write
        // failed: the image may have answered some lines and then died.
        for index in 0..chunk.len() {
            match self.receive() {
                Ok(reply) => replies.push(Ok(reply)),
                Err(e) => {
                    let e = match &sent {
                        Err(write) => anyhow!("{e:#} (after it stopped reading: {write})"),
                        Ok(()) => e,
                    };
                    replies.push(Err(e));
                    let unanswered = chunk.len() - index - 1;
                    replies
                        .extend((0..unanswered).map(|_| Err(anyhow!("the image stopped earlier"))));
                    return true;
                }
            }
        }
        false
    }
}

/// The most request bytes in flight at once (a pipe holds 64 KiB).
const CHUNK_BYTES: usize = 16 * 1024;

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

/// How a process ended, in words.
fn describe_exit(status: Option<ExitStatus>) -> String {
    use std::os::unix::process::ExitStatusExt;
    match status {
        Some(s) => match (s.code(), s.signal()) {
            (Some(code), _) => format!("exited with code {code}"),
            (None, Some(signal)) => format!("was killed by signal {signal}"),
            _ => "stopped".into(),
        },
        None => "stopped (status unknown)".into(),
    }
}

/// Hex-encodes a name for the protocol.
pub fn hex_name(name: &str) -> String {
    if name.is_empty() {
        return "-".into();
    }
    name.bytes().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shell(script: &str) -> Command {
        let mut command = Command::new("sh");
        command.arg("-c").arg(script);
        command
    }

    #[test]
    fn a_dying_image_is_reported_with_its_exit_and_last_words() {
        let dir = tempfile::tempdir().unwrap();
        let script = "echo wafer-serve-ready; read request; echo ok 0; read request; \
                      echo 'wafer: out of memory' >&2; exit 3";
        let mut client = ServeClient::start(
            shell(script),
            &dir.path().join("err"),
            Duration::from_secs(20),
        )
        .unwrap();
        assert_eq!(client.request("instantiate 0").unwrap(), "ok 0");
        let error = format!("{:#}", client.request("invoke 0 66").unwrap_err());
        assert!(error.contains("exited with code 3"), "{error}");
        assert!(error.contains("wafer: out of memory"), "{error}");
    }

    #[test]
    fn a_hung_image_times_out() {
        let dir = tempfile::tempdir().unwrap();
        let script = "echo wafer-serve-ready; exec sleep 30";
        let mut client = ServeClient::start(
            shell(script),
            &dir.path().join("err"),
            Duration::from_millis(300),
        )
        .unwrap();
        let error = format!("{:#}", client.request("instantiate 0").unwrap_err());
        assert!(error.contains("no reply within"), "{error}");
    }

    #[test]
    fn an_image_that_never_gets_ready_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let result = ServeClient::start(
            shell("echo 'Hello'"),
            &dir.path().join("err"),
            Duration::from_secs(20),
        );
        let error = format!("{:#}", result.err().expect("not ready"));
        assert!(error.contains("did not start serving"), "{error}");
    }

    #[test]
    fn pipelined_requests_get_their_replies_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let script = "echo wafer-serve-ready; while read request; do echo \"re $request\"; done";
        let mut client = ServeClient::start(
            shell(script),
            &dir.path().join("err"),
            Duration::from_secs(20),
        )
        .unwrap();
        let lines: Vec<String> = (0..3000).map(|i| format!("get {i}")).collect();
        let replies = client.request_all(&lines).unwrap();
        assert_eq!(replies.len(), 3000);
        assert_eq!(replies[0], "re get 0");
        assert_eq!(replies[2999], "re get 2999");
    }

    #[test]
    fn replies_before_a_death_are_kept_and_later_lines_fail() {
        let dir = tempfile::tempdir().unwrap();
        let script = "echo wafer-serve-ready; read a; echo \"re $a\"; read b; echo \"re $b\"; \
                      read c; echo 'wafer: trap in the runtime' >&2; exit 4";
        let mut client = ServeClient::start(
            shell(script),
            &dir.path().join("err"),
            Duration::from_secs(20),
        )
        .unwrap();
        let lines: Vec<String> = ["one", "two", "three", "four"].map(String::from).to_vec();
        let replies = client.request_each(&lines);
        assert_eq!(replies.len(), 4);
        assert_eq!(replies[0].as_ref().unwrap(), "re one");
        assert_eq!(replies[1].as_ref().unwrap(), "re two");
        let death = format!("{:#}", replies[2].as_ref().unwrap_err());
        assert!(death.contains("exited with code 4"), "{death}");
        assert!(death.contains("trap in the runtime"), "{death}");
        let after = format!("{:#}", replies[3].as_ref().unwrap_err());
        assert!(after.contains("stopped earlier"), "{after}");
    }

    #[test]
    fn a_batch_to_a_hung_image_times_out_instead_of_blocking() {
        let dir = tempfile::tempdir().unwrap();
        // Reads one line, then hangs without reading the rest: 200 KiB of
        // requests would fill the pipe if they were all written at once.
        let script = "echo wafer-serve-ready; read a; exec sleep 30";
        let mut client = ServeClient::start(
            shell(script),
            &dir.path().join("err"),
            Duration::from_millis(500),
        )
        .unwrap();
        let lines: Vec<String> = (0..2000).map(|i| format!("invoke 0 {i:0>96}")).collect();
        let started = std::time::Instant::now();
        let replies = client.request_each(&lines);
        assert!(started.elapsed() < Duration::from_secs(10));
        assert_eq!(replies.len(), 2000);
        let first = format!("{:#}", replies[0].as_ref().unwrap_err());
        assert!(first.contains("no reply within"), "{first}");
    }

    #[test]
    fn names_are_hex_encoded() {
        assert_eq!(hex_name(""), "-");
        assert_eq!(hex_name("f"), "66");
        assert_eq!(hex_name("é"), "c3a9");
    }
}
