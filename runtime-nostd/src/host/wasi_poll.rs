//! `poll_oneoff`: clock subscriptions sleep on the platform's timer (a
//! `clock_nanosleep` on Linux, a busy wait on the board's timer on bare
//! metal); `fd_read` on stdin waits for input or the earliest clock,
//! whichever comes first (`platform::wait_stdin`: `ppoll` on Linux, the
//! UART or the framed console on boards); stdout, stderr and files are
//! ready at once, files with the bytes left to read.

use super::wasi::{EBADF, EFAULT, EINVAL, SUCCESS, guest, in_memory, put_u32};

/// `subscription` and `event` records (preview 1 layout).
const SUBSCRIPTION_SIZE: u32 = 48;
const EVENT_SIZE: u32 = 32;
const EVENTTYPE_CLOCK: u8 = 0;
const EVENTTYPE_FD_READ: u8 = 1;
const EVENTTYPE_FD_WRITE: u8 = 2;
/// `subclockflags`: the timeout is a time on the clock, not a duration.
const ABSTIME: u16 = 1;

fn le_u64(b: &[u8], at: usize) -> u64 {
    b.get(at..at + 8)
        .and_then(|s| s.try_into().ok())
        .map_or(0, u64::from_le_bytes)
}

fn le_u32(b: &[u8], at: usize) -> u32 {
    b.get(at..at + 4)
        .and_then(|s| s.try_into().ok())
        .map_or(0, u32::from_le_bytes)
}

/// One subscription, read from guest memory.
struct Subscription {
    userdata: u64,
    kind: u8,
    /// Clock: the monotonic deadline; `None` for an unknown clock.
    deadline: Option<u64>,
    /// fd_read / fd_write: the descriptor.
    fd: u32,
}

/// The clocks at the start of the call: every deadline counts from them,
/// so reading a subscription twice gives the same deadline.
#[derive(Clone, Copy)]
struct Start {
    monotonic: u64,
    realtime: u64,
}

fn read_subscription(record: &[u8], start: Start) -> Subscription {
    let kind = record.get(8).copied().unwrap_or(u8::MAX);
    let flags = le_u32(record, 40) as u16;
    let timeout = le_u64(record, 24);
    let deadline = if kind == EVENTTYPE_CLOCK {
        monotonic_deadline(start, le_u32(record, 16), timeout, flags & ABSTIME != 0)
    } else {
        None
    };
    Subscription {
        userdata: le_u64(record, 0),
        kind,
        deadline,
        fd: le_u32(record, 16),
    }
}

/// When the subscription's time comes, on the monotonic clock: relative
/// timeouts on any clock count from now; a realtime deadline is moved onto
/// the monotonic clock (the clocks `clock_time_get` knows; the CPU-time
/// clocks are the monotonic one there too).
fn monotonic_deadline(start: Start, clock: u32, timeout: u64, absolute: bool) -> Option<u64> {
    let now = start.monotonic;
    match (clock, absolute) {
        (0..=3, false) => Some(now.saturating_add(timeout)),
        (0, true) => {
            let left = timeout.saturating_sub(start.realtime);
            Some(now.saturating_add(left))
        }
        (1..=3, true) => Some(timeout),
        _ => None,
    }
}

/// `eventrwflags`: the peer closed; here the end of the input.
const HANGUP: u16 = 1;

/// An fd event's `fd_readwrite` part.
#[derive(Clone, Copy, Default)]
struct ReadWrite {
    nbytes: u64,
    flags: u16,
}

/// Writes event `index`: `error` and, for fd events, `nbytes` and flags.
fn put_event(
    vmctx: *mut u8,
    events: u32,
    index: u32,
    sub: &Subscription,
    error: u16,
    rw: ReadWrite,
) {
    let at = events.wrapping_add(index.wrapping_mul(EVENT_SIZE));
    if let Some(e) = guest(vmctx, at, EVENT_SIZE) {
        e.fill(0);
        if let Some(d) = e.get_mut(0..8) {
            d.copy_from_slice(&sub.userdata.to_le_bytes());
        }
        if let Some(d) = e.get_mut(8..10) {
            d.copy_from_slice(&error.to_le_bytes());
        }
        if let Some(d) = e.get_mut(10) {
            *d = sub.kind;
        }
        if sub.kind != EVENTTYPE_CLOCK {
            if let Some(d) = e.get_mut(16..24) {
                d.copy_from_slice(&rw.nbytes.to_le_bytes());
            }
            if let Some(d) = e.get_mut(24..26) {
                d.copy_from_slice(&rw.flags.to_le_bytes());
            }
        }
    }
}

/// `fd_read` on stdin: the one subscription whose answer may need a wait.
fn is_stdin(sub: &Subscription) -> bool {
    sub.kind == EVENTTYPE_FD_READ && sub.fd == 0
}

/// The answer for an fd subscription other than stdin's, due at once:
/// stdout and stderr are writable, files ready as POSIX has them
/// (`fs::poll_ready`), anything else `EBADF`.
fn fd_event(sub: &Subscription) -> (u16, ReadWrite) {
    let reading = sub.kind == EVENTTYPE_FD_READ;
    match sub.fd {
        1 | 2 if !reading => (SUCCESS as u16, ReadWrite::default()),
        0..=2 => (EBADF as u16, ReadWrite::default()),
        fd => match super::wasi_fs::fd::poll_ready(fd as i32, reading) {
            Ok(nbytes) => (SUCCESS as u16, ReadWrite { nbytes, flags: 0 }),
            Err(errno) => (errno as u16, ReadWrite::default()),
        },
    }
}

#[unsafe(no_mangle)]
pub extern "C" fn wafer_wasi_poll_oneoff(
    vmctx: *mut u8,
    subscriptions: u32,
    events: u32,
    count: u32,
    nevents: u32,
) -> i32 {
    if count == 0 {
        return EINVAL;
    }
    if !in_memory(
        vmctx,
        subscriptions,
        count as u64 * SUBSCRIPTION_SIZE as u64,
    ) || !in_memory(vmctx, events, count as u64 * EVENT_SIZE as u64)
        || !in_memory(vmctx, nevents, 4)
    {
        return EFAULT;
    }
    let start = Start {
        monotonic: crate::platform::monotonic_ns(),
        realtime: crate::platform::realtime_ns(),
    };
    let subscription = |i: u32| {
        let at = subscriptions.wrapping_add(i.wrapping_mul(SUBSCRIPTION_SIZE));
        guest(vmctx, at, SUBSCRIPTION_SIZE).map(|r| read_subscription(r, start))
    };
    // Events that are due at once: stdout, stderr, files, unknown
    // clocks. With any of them the call returns without sleeping.
    let mut due_at_once = false;
    let mut earliest: Option<u64> = None;
    let mut stdin_wanted = false;
    for i in 0..count {
        let Some(sub) = subscription(i) else {
            return EFAULT; // not reached: checked above
        };
        match sub.kind {
            EVENTTYPE_CLOCK => match sub.deadline {
                Some(d) => earliest = Some(earliest.map_or(d, |e| e.min(d))),
                None => due_at_once = true,
            },
            EVENTTYPE_FD_READ | EVENTTYPE_FD_WRITE if is_stdin(&sub) => stdin_wanted = true,
            EVENTTYPE_FD_READ | EVENTTYPE_FD_WRITE => due_at_once = true,
            _ => return EINVAL,
        }
    }
    // Wait for stdin or the earliest clock; with events due already, only
    // look whether stdin has input too.
    let wait_until = if due_at_once {
        Some(start.monotonic)
    } else {
        earliest
    };
    let stdin = if stdin_wanted {
        crate::platform::wait_stdin(wait_until)
    } else {
        if !due_at_once && let Some(deadline) = earliest {
            crate::platform::sleep_until_monotonic_ns(deadline);
        }
        None
    };
    // The fd events and errors, in the order of their subscriptions.
    let mut ready = 0;
    for i in 0..count {
        let Some(sub) = subscription(i) else {
            return EFAULT;
        };
        let answer = match sub.kind {
            EVENTTYPE_CLOCK if sub.deadline.is_none() => {
                Some((EINVAL as u16, ReadWrite::default()))
            }
            EVENTTYPE_CLOCK => None,
            _ if is_stdin(&sub) => stdin.map(|(nbytes, ended)| {
                let flags = if ended { HANGUP } else { 0 };
                (SUCCESS as u16, ReadWrite { nbytes, flags })
            }),
            _ => Some(fd_event(&sub)),
        };
        if let Some((error, rw)) = answer {
            put_event(vmctx, events, ready, &sub, error, rw);
            ready += 1;
        }
    }
    if ready == 0 {
        // Every clock whose time has come (at least the earliest, also on
        // a board without a timer, whose clock stands still).
        let now = crate::platform::monotonic_ns();
        for i in 0..count {
            let Some(sub) = subscription(i) else {
                return EFAULT;
            };
            let due = sub.deadline.is_some_and(|d| d <= now) || sub.deadline == earliest;
            if sub.kind == EVENTTYPE_CLOCK && due {
                put_event(
                    vmctx,
                    events,
                    ready,
                    &sub,
                    SUCCESS as u16,
                    ReadWrite::default(),
                );
                ready += 1;
            }
        }
    }
    if put_u32(vmctx, nevents, ready) {
        SUCCESS
    } else {
        EFAULT
    }
}
