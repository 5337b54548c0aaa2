//! Whether stdin has input waiting (`poll_oneoff` with an `fd_read`
//! subscription on fd 0): `ppoll` on the host's fd 0, then `FIONREAD` for
//! how many bytes.

use super::syscall::{nr, syscall6};

const POLLIN: i16 = 0x1;
const POLLERR: i16 = 0x8;
const POLLHUP: i16 = 0x10;
const POLLNVAL: i16 = 0x20;
const EINTR: isize = -4;
/// The same request number on x86_64, aarch64 and riscv64.
const FIONREAD: usize = 0x541b;

/// Waits until stdin is readable or the monotonic clock reaches
/// `deadline` (`None`: no deadline). Readable is `Some((nbytes, ended))`:
/// the bytes a read would return at once, and whether the input is at its
/// end (a closed pipe, a file or `/dev/null` read to the end, Ctrl-D on a
/// terminal: a read returns 0). `None`: the deadline came first.
pub fn wait_stdin(deadline: Option<u64>) -> Option<(u64, bool)> {
    // struct pollfd { int fd; short events; short revents; }
    let mut fds: [i16; 4] = [0, 0, POLLIN, 0];
    loop {
        let timeout = deadline.map(|d| {
            let left = d.saturating_sub(super::monotonic_ns());
            [(left / 1_000_000_000) as i64, (left % 1_000_000_000) as i64]
        });
        let timeout_ptr = timeout.as_ref().map_or(0, |t| t.as_ptr() as usize);
        // SAFETY: `fds` is one `struct pollfd` (fd 0), `timeout` a
        // `struct timespec` or null (wait for ever); no signal mask.
        let r = unsafe {
            syscall6(
                nr::PPOLL,
                [fds.as_mut_ptr() as usize, 1, timeout_ptr, 0, 0, 0],
            )
        };
        match r {
            EINTR => continue,
            0 => return None,
            // Any other failure: report readable, so a read tells the
            // program what is wrong instead of the poll waiting for ever.
            _ => break,
        }
    }
    let revents = fds[3];
    let mut waiting: i32 = 0;
    // SAFETY: FIONREAD writes one int.
    let counted = unsafe {
        syscall6(
            nr::IOCTL,
            [0, FIONREAD, &mut waiting as *mut i32 as usize, 0, 0, 0],
        )
    } >= 0;
    let nbytes = if counted { waiting.max(0) as u64 } else { 0 };
    // Readable with nothing to read is the end of the input (a read would
    // return 0): POLLHUP for a pipe whose writer closed, POLLIN with 0
    // bytes for a file or a terminal at its end, and a device that cannot
    // count (`/dev/null`).
    let hangup = revents & (POLLHUP | POLLERR | POLLNVAL) != 0;
    Some((nbytes, hangup || nbytes == 0))
}
