"""Unit tests of benches/codesize.py's Wasm parsing (no compilers needed):
python3 -m unittest discover -s benches/tests"""

import contextlib
import io
import sys
import tempfile
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import codesize  # noqa: E402

# (module (import "m" "g" (global i32)) (memory 1)
#   (func) (func nop)
#   (data (i32.const 200) "abc")            ;; active, memory 0
#   (data "wxyz")                           ;; passive
#   (data (memory 0) (global.get 0) "\01")) ;; active, explicit memory
# written out by hand: sizes are what the tests check.
HEADER = b"\0asm\x01\0\0\0"
TYPES = b"\x01\x04\x01\x60\x00\x00"
FUNCS = b"\x03\x03\x02\x00\x00"
MEMORY = b"\x05\x03\x01\x00\x01"
IMPORTS = b"\x02\x08\x01\x01m\x01g\x03\x7f\x00"
CODE_PAYLOAD = b"\x02\x02\x00\x0b\x03\x00\x01\x0b"
CODE = b"\x0a" + bytes([len(CODE_PAYLOAD)]) + CODE_PAYLOAD
DATA_PAYLOAD = (
    b"\x03"
    + b"\x00\x41\xc8\x01\x0b\x03abc"
    + b"\x01\x04wxyz"
    + b"\x02\x00\x23\x00\x0b\x01\x01"
)
DATA = b"\x0b" + bytes([len(DATA_PAYLOAD)]) + DATA_PAYLOAD
CUSTOM = b"\x00\x05\x04name"


class WasmParsing(unittest.TestCase):
    def setUp(self):
        module = HEADER + TYPES + IMPORTS + FUNCS + MEMORY + CODE + DATA + CUSTOM
        handle = tempfile.NamedTemporaryFile(suffix=".wasm", delete=False)
        handle.write(module)
        handle.close()
        self.path = handle.name
        self.addCleanup(Path(self.path).unlink)

    def test_code_section_bytes_is_the_payload_of_section_10(self):
        self.assertEqual(codesize.code_section_bytes(self.path), len(CODE_PAYLOAD))

    def test_data_segment_bytes_counts_every_kind_of_segment(self):
        self.assertEqual(codesize.data_segment_bytes(self.path), 3 + 4 + 1)

    def test_leb_reads_multi_byte_values(self):
        self.assertEqual(codesize.leb_u32(b"\xc8\x01", 0), (200, 2))


class SizeTable(unittest.TestCase):
    def table(self, wasmtime):
        row = {"module": "m", "isa": "x86_64", "wasm_code": 1024, "data": 0,
               "guard": (2048, 100), "explicit": (3072, 100), "wasmtime": wasmtime}
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            codesize.size_table([row])
        header, rule, line = out.getvalue().splitlines()
        self.assertEqual(header.count("|"), rule.count("|"))
        return dict(zip([c.strip() for c in header.split("|")], [c.strip() for c in line.split("|")]))

    def test_explicit_mode_is_set_beside_wasmtimes_checked_configurations(self):
        names = [name for name, _ in codesize.WASMTIME_CONFIGS]
        cells = self.table({names[0]: (4096, 0), names[1]: (6144, 0), names[2]: (12288, 0)})
        self.assertEqual(cells[f"guard / {names[0]}"], "0.50")
        self.assertEqual(cells[f"explicit / {names[1]}"], "0.50")
        self.assertEqual(cells[f"explicit / {names[2]}"], "0.25")

    def test_a_configuration_wasmtime_failed_on_leaves_its_cells_empty(self):
        names = [name for name, _ in codesize.WASMTIME_CONFIGS]
        cells = self.table({names[0]: (4096, 0), names[1]: None, names[2]: (12288, 0)})
        self.assertEqual(cells[f"{names[1]} code KiB"], "-")
        self.assertEqual(cells[f"explicit / {names[1]}"], "-")
        self.assertEqual(cells[f"explicit / {names[2]}"], "0.25")


if __name__ == "__main__":
    unittest.main()
