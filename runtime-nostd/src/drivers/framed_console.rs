//! The console framing `wafer run` turns on (`wafer_abi::console`,
//! docs/console.md): stdout and stderr apart on one UART, and the end of
//! the host's stdin. Over any UART driver's `write`/`read`.

use wafer_abi::console::{ESCAPE, FLIP, InputDecoder, TO_STDERR, TO_STDOUT};

/// Writes `bytes` for `fd` (2: stderr, else stdout) through `uart`.
pub fn write(fd: i32, bytes: &[u8], mut uart: impl FnMut(&[u8])) {
    if fd == 2 {
        uart(&[ESCAPE, TO_STDERR]);
    }
    let mut rest = bytes;
    while let Some(at) = rest.iter().position(|&b| b == ESCAPE) {
        let (data, tail) = rest.split_at(at);
        uart(data);
        uart(&[ESCAPE, ESCAPE ^ FLIP]);
        rest = tail.get(1..).unwrap_or_default();
    }
    uart(rest);
    if fd == 2 {
        uart(&[ESCAPE, TO_STDOUT]);
    }
}

static mut INPUT: InputDecoder = InputDecoder::NEW;

/// Decoded input [`poll`] took from the UART to find out whether any
/// was waiting; [`read`] hands it out first. Only `poll_oneoff` fills it.
static mut LOOKAHEAD: [u8; 64] = [0; 64];
static mut LOOKAHEAD_LEN: usize = 0;

/// Reads stdin through `uart` (which blocks for its first byte): at least
/// one byte, or 0 once the host's stdin has ended, for good.
pub fn read(buf: &mut [u8], mut uart: impl FnMut(&mut [u8]) -> usize) -> usize {
    // SAFETY: single-threaded access to the decoder and the lookahead.
    let input = unsafe { &mut *core::ptr::addr_of_mut!(INPUT) };
    let waiting = unsafe { &mut *core::ptr::addr_of_mut!(LOOKAHEAD_LEN) };
    if *waiting > 0 {
        let lookahead = unsafe { &mut *core::ptr::addr_of_mut!(LOOKAHEAD) };
        let n = buf.len().min(*waiting);
        if let (Some(dst), Some(src)) = (buf.get_mut(..n), lookahead.get(..n)) {
            dst.copy_from_slice(src);
        }
        lookahead.copy_within(n..*waiting, 0);
        *waiting -= n;
        return n;
    }
    while !input.ended && !buf.is_empty() {
        let n = uart(buf);
        let data = input.decode(buf, n);
        if data > 0 {
            return data;
        }
        // Only an escape's first byte, or the end: read on, or return 0.
    }
    0
}

/// Whether stdin has input for [`read`] without waiting: `Some((nbytes,
/// ended))` with the decoded bytes waiting, or at the end of the input
/// (`ended`, a read returns 0); `None` while nothing has arrived. Takes
/// whatever the UART holds into the lookahead when it is empty:
/// `uart_ready` tells whether the UART has a byte, `uart` reads (blocking
/// only for a first byte, which `uart_ready` said is there).
pub fn poll(
    uart_ready: impl Fn() -> bool,
    mut uart: impl FnMut(&mut [u8]) -> usize,
) -> Option<(u64, bool)> {
    // SAFETY: single-threaded access to the decoder and the lookahead.
    let input = unsafe { &mut *core::ptr::addr_of_mut!(INPUT) };
    let waiting = unsafe { &mut *core::ptr::addr_of_mut!(LOOKAHEAD_LEN) };
    let lookahead = unsafe { &mut *core::ptr::addr_of_mut!(LOOKAHEAD) };
    // An escape's first byte alone decodes to nothing: read on while the
    // UART has more (its second byte follows it on the wire).
    while *waiting == 0 && !input.ended && uart_ready() {
        let n = uart(lookahead);
        if n == 0 {
            break; // a console that cannot read
        }
        *waiting = input.decode(lookahead, n);
    }
    (*waiting > 0 || input.ended).then_some((*waiting as u64, *waiting == 0 && input.ended))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;
    use std::collections::VecDeque;
    use wafer_abi::console::END_OF_INPUT;

    /// A UART whose receiver holds `chunks`, one arriving per read.
    struct Uart(RefCell<VecDeque<Vec<u8>>>);

    impl Uart {
        fn ready(&self) -> bool {
            !self.0.borrow().is_empty()
        }
        fn read(&self, buf: &mut [u8]) -> usize {
            let chunk = self.0.borrow_mut().pop_front().expect("read when ready");
            buf[..chunk.len()].copy_from_slice(&chunk);
            chunk.len()
        }
        fn push(&self, bytes: &[u8]) {
            self.0.borrow_mut().push_back(bytes.to_vec());
        }
    }

    // One test: the decoder and the lookahead are the process's statics.
    #[test]
    fn poll_takes_input_into_the_lookahead_read_hands_it_out_and_the_end_is_seen() {
        let uart = Uart(RefCell::new(VecDeque::new()));
        let poll_now = || poll(|| uart.ready(), |b| uart.read(b));
        assert_eq!(poll_now(), None, "nothing arrived");
        // An escape split across two arrivals: the first decodes to "a".
        uart.push(&[b'a', ESCAPE]);
        uart.push(&[END_OF_INPUT ^ FLIP, b'b']);
        assert_eq!(poll_now(), Some((1, false)));
        assert_eq!(
            poll_now(),
            Some((1, false)),
            "polling again takes nothing more"
        );
        let mut buf = [0u8; 8];
        assert_eq!(read(&mut buf, |b| uart.read(b)), 1);
        assert_eq!(buf[0], b'a');
        // The lookahead is empty: the next read goes to the UART and
        // completes the escape (a data byte 0x04, not the end).
        assert_eq!(read(&mut buf, |b| uart.read(b)), 2);
        assert_eq!(&buf[..2], &[END_OF_INPUT, b'b']);
        assert_eq!(poll_now(), None);
        // Data, then the end in the same arrival: the data first.
        uart.push(&[b'z', END_OF_INPUT]);
        assert_eq!(poll_now(), Some((1, false)));
        assert_eq!(read(&mut buf, |b| uart.read(b)), 1);
        assert_eq!(buf[0], b'z');
        assert_eq!(
            poll_now(),
            Some((0, true)),
            "the end: readable, nothing to read"
        );
        assert_eq!(
            read(&mut buf, |_| unreachable!("no UART read after the end")),
            0
        );
    }
}
