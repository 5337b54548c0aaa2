//! The server's input: lines from the console, with an end of input that
//! also works on a UART (which never reports end of file).
//!
//! A line ends at `\n` or `\r` (a terminal in raw mode sends `\r`); the
//! empty line between `\r\n` is left to the caller to ignore. The byte
//! 0x04 (EOT, what Ctrl-D types) ends the input like end of file: `wafer
//! run --serve` sends it to a board when its own input ends. A line longer
//! than the buffer is skipped up to its end and reported once.

/// The longest line the server reads, newline excluded.
pub const LINE_MAX: usize = 4095;

/// End of transmission: the end of input on a console without end of file.
const EOT: u8 = 0x04;

/// What the next read brought.
#[derive(Debug, PartialEq, Eq)]
pub enum Line<'a> {
    Text(&'a [u8]),
    /// A line longer than [`LINE_MAX`], skipped.
    TooLong,
    End,
}

/// Splits a byte stream into lines in a fixed buffer.
pub struct LineReader<const N: usize> {
    buf: [u8; N],
    start: usize,
    end: usize,
    /// Inside a line that overflowed: drop bytes up to its end.
    skipping: bool,
    ended: bool,
}

impl<const N: usize> LineReader<N> {
    pub const fn new() -> Self {
        LineReader {
            buf: [0; N],
            start: 0,
            end: 0,
            skipping: false,
            ended: false,
        }
    }

    /// The next line; `read` fills a buffer and returns the byte count, 0
    /// or less at end of input.
    pub fn next_line(&mut self, mut read: impl FnMut(&mut [u8]) -> isize) -> Line<'_> {
        loop {
            if self.ended {
                return Line::End;
            }
            let pending = &self.buf[self.start..self.end];
            if let Some(pos) = pending
                .iter()
                .position(|&b| b == b'\n' || b == b'\r' || b == EOT)
            {
                let at = self.start + pos;
                let eot = self.buf[at] == EOT;
                let from = self.start;
                self.start = at + 1;
                if eot {
                    self.ended = true;
                    // A last line cut by EOT still counts (`printf 'list\x04'`).
                    if from == at || self.skipping {
                        return Line::End;
                    }
                }
                if core::mem::take(&mut self.skipping) {
                    return Line::TooLong;
                }
                return Line::Text(&self.buf[from..at]);
            }
            if self.start > 0 {
                self.buf.copy_within(self.start..self.end, 0);
                self.end -= self.start;
                self.start = 0;
            }
            if self.end == N {
                // No room left and no line end: this line is too long.
                self.skipping = true;
                self.end = 0;
            }
            let n = read(&mut self.buf[self.end..]);
            if n <= 0 {
                self.ended = true;
                let rest = self.end;
                self.end = 0;
                if core::mem::take(&mut self.skipping) {
                    return Line::TooLong;
                }
                if rest > 0 {
                    return Line::Text(&self.buf[..rest]);
                }
                return Line::End;
            }
            self.end += n as usize;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Feeds `chunks`, one read each (split where the buffer has less
    /// room), and collects the lines as strings.
    fn lines<const N: usize>(chunks: &[&[u8]]) -> Vec<String> {
        let mut reader = LineReader::<N>::new();
        let mut chunks: std::collections::VecDeque<&[u8]> = chunks.iter().copied().collect();
        let mut out = Vec::new();
        loop {
            let line = reader.next_line(|buf| match chunks.pop_front() {
                Some(c) => {
                    let n = c.len().min(buf.len());
                    buf[..n].copy_from_slice(&c[..n]);
                    if n < c.len() {
                        chunks.push_front(&c[n..]);
                    }
                    n as isize
                }
                None => 0,
            });
            match line {
                Line::Text(t) => out.push(String::from_utf8_lossy(t).into_owned()),
                Line::TooLong => out.push("<too long>".into()),
                Line::End => return out,
            }
        }
    }

    #[test]
    fn lines_split_across_reads_and_at_cr_lf() {
        assert_eq!(
            lines::<64>(&[b"li", b"st\ncall a.b 1\r\n", b"quit"]),
            ["list", "call a.b 1", "", "quit"]
        );
    }

    #[test]
    fn eot_ends_the_input_even_mid_stream() {
        assert_eq!(lines::<64>(&[b"list\n\x04call a.b\n"]), ["list"]);
        assert_eq!(lines::<64>(&[b"list\x04"]), ["list"]);
    }

    #[test]
    fn an_overlong_line_is_reported_once_and_the_next_line_is_read() {
        assert_eq!(
            lines::<8>(&[b"0123456", b"789abcdef", b"0123\nlist\n"]),
            ["<too long>", "list"]
        );
        // Overlong at end of input.
        assert_eq!(lines::<4>(&[b"0123456"]), ["<too long>"]);
        // A line of exactly the buffer's size is too long: no room for
        // its end.
        assert_eq!(lines::<4>(&[b"0123", b"\nok\n"]), ["<too long>", "ok"]);
    }
}
