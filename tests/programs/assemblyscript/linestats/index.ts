// Line statistics over stdin, read to its end through the WASI shim's
// `process.stdin.read` (fd_read until it returns 0): lines, words, bytes,
// the longest line, and the sum and mean of the integer words. A line that
// starts with `!` is an error: reported on stderr (`process.stderr`), and
// the exit code is 5 (`process.exit`).
//
//   --head FILE  print the first line and the size of FILE
//   --save FILE  write the statistics to FILE, then read it back
//
// The shim has no file API, so files go through raw WASI imports declared
// below. Like Go's runtime, the program resolves a relative path against
// the first preopened directory (fd 3).

@external("wasi_snapshot_preview1", "fd_prestat_get")
declare function fd_prestat_get(fd: u32, prestat: usize): u16;
@external("wasi_snapshot_preview1", "path_open")
declare function path_open(
  dirfd: u32, dirflags: u32, path: usize, pathLen: usize, oflags: u16,
  rightsBase: u64, rightsInheriting: u64, fdflags: u16, fdOut: usize,
): u16;
@external("wasi_snapshot_preview1", "fd_read")
declare function fd_read(fd: u32, iovs: usize, iovsLen: usize, nread: usize): u16;
@external("wasi_snapshot_preview1", "fd_write")
declare function fd_write(fd: u32, iovs: usize, iovsLen: usize, nwritten: usize): u16;
@external("wasi_snapshot_preview1", "fd_close")
declare function fd_close(fd: u32): u16;

const OFLAGS_CREAT: u16 = 1;
const OFLAGS_TRUNC: u16 = 8;
const RIGHT_FD_READ: u64 = 1 << 1;
const RIGHT_FD_WRITE: u64 = 1 << 6;

/** One read of `fd` into `buf`: stdin through the shim, files through
 * raw fd_read. The byte count (0 at end of file), or -errno. */
function readSome(fd: u32, buf: ArrayBuffer): i32 {
  if (fd == 0) return process.stdin.read(buf);
  const iov = new ArrayBuffer(12);
  store<u32>(changetype<usize>(iov), changetype<usize>(buf));
  store<u32>(changetype<usize>(iov), buf.byteLength, 4);
  const e = fd_read(fd, changetype<usize>(iov), 1, changetype<usize>(iov) + 8);
  return e != 0 ? -(<i32>e) : load<i32>(changetype<usize>(iov), 8);
}

/** Reads `fd` to its end of file. A small buffer, so stdin takes several
 * reads and a UTF-8 sequence may be split: bytes are joined before
 * decoding. */
function readAll(fd: u32): string | null {
  const chunk = new ArrayBuffer(64);
  let all = new Uint8Array(0);
  for (;;) {
    const n = readSome(fd, chunk);
    if (n < 0) return null;
    if (n == 0) break;
    const grown = new Uint8Array(all.length + n);
    grown.set(all);
    grown.set(Uint8Array.wrap(chunk, 0, n), all.length);
    all = grown;
  }
  return String.UTF8.decode(all.buffer);
}

/** Opens `path` under the first preopen; the fd, or -errno. */
function openFile(path: string, oflags: u16, rights: u64): i32 {
  const prestat = new ArrayBuffer(8);
  const err = fd_prestat_get(3, changetype<usize>(prestat));
  if (err != 0) return -(<i32>err);
  const bytes = String.UTF8.encode(path);
  const fdOut = new ArrayBuffer(4);
  const e = path_open(3, 1, changetype<usize>(bytes), bytes.byteLength, oflags,
    rights, 0, 0, changetype<usize>(fdOut));
  if (e != 0) return -(<i32>e);
  return load<i32>(changetype<usize>(fdOut));
}

function readFile(path: string): string | null {
  const fd = openFile(path, 0, RIGHT_FD_READ);
  if (fd < 0) return null;
  const text = readAll(<u32>fd);
  fd_close(<u32>fd);
  return text;
}

function writeFile(path: string, text: string): bool {
  const fd = openFile(path, OFLAGS_CREAT | OFLAGS_TRUNC, RIGHT_FD_WRITE);
  if (fd < 0) return false;
  const bytes = String.UTF8.encode(text);
  const iov = new ArrayBuffer(12);
  store<u32>(changetype<usize>(iov), changetype<usize>(bytes));
  store<u32>(changetype<usize>(iov), bytes.byteLength, 4);
  const e = fd_write(<u32>fd, changetype<usize>(iov), 1, changetype<usize>(iov) + 8);
  const written = load<i32>(changetype<usize>(iov), 8);
  return fd_close(<u32>fd) == 0 && e == 0 && written == bytes.byteLength;
}

function isInteger(word: string): bool {
  if (word.length == 0 || word.length > 9) return false;
  for (let i = 0; i < word.length; i++) {
    const c = word.charCodeAt(i);
    if (!(c >= 48 && c <= 57) && !(i == 0 && c == 45 && word.length > 1)) return false;
  }
  return true;
}

let headPath: string | null = null;
let savePath: string | null = null;
const argv = process.argv;
for (let i = 1; i < argv.length; i++) {
  if (i + 1 < argv.length && argv[i] == "--head") {
    headPath = argv[++i];
  } else if (i + 1 < argv.length && argv[i] == "--save") {
    savePath = argv[++i];
  } else {
    process.stderr.write("linestats: usage: linestats [--head FILE] [--save FILE] < input\n");
    process.exit(64);
  }
}

const input = readAll(0);
if (input == null) {
  process.stderr.write("linestats: cannot read stdin\n");
  process.exit(1);
}
const text = input!;
const lines = text.split("\n");
// A final newline ends the last line rather than starting an empty one.
if (lines.length > 0 && lines[lines.length - 1].length == 0) lines.pop();

let words = 0;
let sum: i64 = 0;
let integers = 0;
let longest = "";
let errors = 0;
for (let i = 0; i < lines.length; i++) {
  const line = lines[i];
  if (line.startsWith("!")) {
    process.stderr.write("linestats: line " + (i + 1).toString() + ": " + line.slice(1).trim() + "\n");
    errors++;
    continue;
  }
  if (line.length > longest.length) longest = line;
  const parts = line.split(" ");
  for (let j = 0; j < parts.length; j++) {
    if (parts[j].length == 0) continue;
    words++;
    if (isInteger(parts[j])) {
      sum += I64.parseInt(parts[j]);
      integers++;
    }
  }
}
let stats = "lines " + lines.length.toString() + ", words " + words.toString() +
  ", bytes " + String.UTF8.byteLength(text).toString() + "\n";
stats += "longest (" + longest.length.toString() + "): " + longest + "\n";
stats += "integers " + integers.toString() + ", sum " + sum.toString() + ", mean " +
  (integers > 0 ? (<f64>sum / <f64>integers).toString() : "none") + "\n";
process.stdout.write(stats);

if (headPath != null) {
  const head = readFile(headPath!);
  if (head == null) {
    process.stderr.write("linestats: cannot read " + headPath! + "\n");
    process.exit(1);
  }
  const first = head!.split("\n")[0];
  process.stdout.write("head of " + headPath! + ": " + first + " (" +
    String.UTF8.byteLength(head!).toString() + " bytes)\n");
}
if (savePath != null) {
  if (!writeFile(savePath!, stats)) {
    process.stderr.write("linestats: cannot write " + savePath! + "\n");
    process.exit(1);
  }
  // A missing read-back is null, which differs from the statistics.
  const same = readFile(savePath!) == stats;
  process.stdout.write("saved " + savePath! + ": read back " + (same ? "equal" : "different") + "\n");
}
if (errors > 0) {
  process.stderr.write("linestats: " + errors.toString() + " error line(s)\n");
  process.exit(5);
}
