"""Unit tests of the suite's own logic (no compilers needed):
python3 -m unittest discover -s benches/tests"""

import sys
import unittest
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from wbench import (
    board_spec,
    board_startup,
    boards,
    build,
    coremark,
    measure,
    programs,
    report,
    stats,
    suite,
    target_spec,
    tools,
)


class Stats(unittest.TestCase):
    def test_paired_ratios_are_native_over_engine_per_round(self):
        self.assertEqual(stats.paired_ratios([1.0, 2.0, 3.0], [2.0, 2.0, 1.5]), [0.5, 1.0, 2.0])

    def test_geomean_of_reciprocals_is_one(self):
        self.assertAlmostEqual(stats.geomean([0.5, 2.0]), 1.0)
        self.assertAlmostEqual(stats.geomean([2.0, 8.0]), 4.0)
        self.assertIsNone(stats.geomean([]))

    def test_summary(self):
        self.assertEqual(stats.summary([3, 1, 2]), (1, 2, 3))


class Measure(unittest.TestCase):
    def test_cpu_time_of_a_busy_child_is_counted(self):
        sample = measure.run([sys.executable, "-c", "x = sum(range(3_000_000)); print(x)"])
        self.assertEqual(sample.returncode, 0)
        self.assertEqual(sample.stdout.strip(), str(sum(range(3_000_000))))
        self.assertGreater(sample.cpu, 0.01)

    def test_a_sleeping_child_costs_wall_not_cpu(self):
        sample = measure.run(["sleep", "0.3"])
        self.assertGreaterEqual(sample.wall, 0.3)
        self.assertLess(sample.cpu, 0.1)

    def test_timeout_kills_and_says_so(self):
        sample = measure.run(["sleep", "10"], timeout=0.3)
        self.assertTrue(sample.timed_out)
        self.assertNotEqual(sample.returncode, 0)
        self.assertLess(sample.wall, 5)

    def test_exit_status_and_stderr(self):
        sample = measure.run(["sh", "-c", "echo oops >&2; exit 3"])
        self.assertEqual((sample.returncode, sample.stderr), (3, "oops\n"))


def _sample(cpu, stdout="checksum x 1\n", rc=0):
    return measure.Sample(cpu=cpu, wall=cpu, returncode=rc, stdout=stdout, stderr="")


class Suite(unittest.TestCase):
    def _result(self, outputs):
        """A Result whose engines are shell commands printing the given text."""
        result = suite.Result("x")
        for name, text in outputs.items():
            result.engines.append(suite.Engine(name, ["printf", text], None))
        return result

    def test_agreeing_outputs_give_no_problem(self):
        result = self._result({suite.NATIVE: "checksum x 1\\n", "wafer": "checksum x 1\\n"})
        suite.run_rounds(result, [], 2, suite.identity, 10)
        self.assertEqual(result.problems, [])
        self.assertEqual(len(result.samples["wafer"]), 2)

    def test_a_different_checksum_is_reported(self):
        result = self._result({suite.NATIVE: "checksum x 1\\n", "wafer": "checksum x 2\\n"})
        suite.run_rounds(result, [], 2, suite.identity, 10)
        self.assertEqual(len(result.problems), 1)
        self.assertTrue(result.problems[0].startswith("wafer: output differs"))

    def test_a_crashing_engine_loses_its_times(self):
        result = suite.Result("x")
        result.engines.append(suite.Engine(suite.NATIVE, ["printf", "ok"], None))
        result.engines.append(suite.Engine("wafer", ["sh", "-c", "exit 134"], None))
        suite.run_rounds(result, [], 2, suite.identity, 10)
        self.assertNotIn("wafer", result.samples)
        self.assertIn("wafer: exit 134", result.problems[0])


class Report(unittest.TestCase):
    def test_speed_table_cells_and_geomean(self):
        a = suite.Result("a", samples={suite.NATIVE: [_sample(1.0)] * 3, "wafer": [_sample(2.0)] * 3})
        b = suite.Result("b", samples={suite.NATIVE: [_sample(1.0)] * 3, "wafer": [_sample(0.5)] * 3})
        cm = suite.Result("cm", samples={suite.NATIVE: [_sample(1.0)], "wafer": [_sample(4.0)]}, in_geomean=False)
        table = report.speed_table([a, b, cm], ["wafer"], "cpu").splitlines()
        self.assertIn("| a | 1.000 | 0.50× (0.50–0.50) |", table[2])
        self.assertIn("| b | 1.000 | 2.00× (2.00–2.00) |", table[3])
        self.assertIn("0.25×", table[4])
        self.assertIn("**1.00×** (2 programs)", table[5])  # CoreMark left out
        self.assertIn("| 1.00× (2 programs) |", table[6])

    def test_best_of_n_pairs_the_fastest_runs(self):
        # Rounds disturbed at different times: the medians of the paired
        # ratios read 1.0, the fastest runs 2.0.
        native = [1.0, 3.0, 3.0]
        engine = [3.0, 3.0, 0.5]
        r = suite.Result("a", samples={suite.NATIVE: [_sample(t) for t in native], "wafer": [_sample(t) for t in engine]})
        table = report.speed_table([r], ["wafer"], "cpu").splitlines()
        self.assertIn("**1.00×** (1 programs)", table[3])
        self.assertIn("| 2.00× (1 programs) |", table[4])


class Selection(unittest.TestCase):
    def test_only_may_name_coremark_beside_the_programs(self):
        self.assertEqual([p.name for p in programs.select("hashmap,coremark")], ["hashmap"])
        self.assertTrue(programs.coremark_selected("hashmap,coremark", "/tree"))
        self.assertEqual(programs.select("coremark"), [])
        self.assertTrue(programs.coremark_selected("coremark", "/tree"))

    def test_coremark_runs_with_its_tree_unless_only_leaves_it_out(self):
        self.assertTrue(programs.coremark_selected(None, "/tree"))
        self.assertFalse(programs.coremark_selected("hashmap", "/tree"))
        self.assertFalse(programs.coremark_selected(None, None))

    def test_naming_coremark_without_its_tree_or_an_unknown_program_fails(self):
        with self.assertRaisesRegex(SystemExit, "--coremark DIR"):
            programs.coremark_selected("coremark", None)
        with self.assertRaisesRegex(SystemExit, "unknown program.*known: fib.*coremark"):
            programs.select("fib,coremarks")


class Parsing(unittest.TestCase):
    def test_coremark_crc_lines(self):
        text = (
            "2K performance run parameters for coremark.\nCoreMark Size    : 666\n"
            "Total ticks      : 12345\nIterations/Sec   : 1234.5\nseedcrc          : 0xe9f5\n"
            "[0]crclist       : 0xe714\n[0]crcmatrix     : 0x1fd7\n[0]crcstate      : 0x8e3a\n"
            "[0]crcfinal      : 0x988c\nCorrect operation validated. See README.md for run and reporting rules.\n"
        )
        self.assertEqual(
            coremark.crc_lines(text),
            [
                "seedcrc          : 0xe9f5",
                "[0]crclist       : 0xe714",
                "[0]crcmatrix     : 0x1fd7",
                "[0]crcstate      : 0x8e3a",
                "[0]crcfinal      : 0x988c",
            ],
        )

    def test_board_checksum_ignores_kernel_time_on_the_shared_console(self):
        self.assertEqual(boards._checksum("checksum fib 0b\nkernel_ns 123\n"), ["checksum fib 0b"])

    def test_qemu_exec_trace_line(self):
        # A line of `qemu-system-riscv64 -d exec,nochain` 7.2.
        line = "Trace 1: 0x7fd10c0495c0 [0000000000000000/00000000200000d6/0020f003/ff000201] hello.instantiate"
        m = board_startup.TRACE.match(line)
        self.assertEqual((int(m.group(1)), int(m.group(2), 16)), (1, 0x200000D6))


if __name__ == "__main__":
    unittest.main()


class BoardModes(unittest.TestCase):
    """Board runs use the modes in boards/*.toml: these boards' descriptions
    are checked in next to the suite."""

    ctx = SimpleNamespace(bounds_flag=True, wafer_variants=[["--bounds-checks", "explicit"]])
    no_flags = SimpleNamespace(wafer_flags=None)

    def test_default_mode_comes_first(self):
        for board in boards.BOARDS:
            spec = board_spec.load(board)["bounds-checks"]
            modes = board_spec.bounds_modes(board)
            self.assertEqual(modes[0], spec["default"], board)
            self.assertEqual(sorted(modes), sorted(spec["supported"]), board)

    def test_each_supported_mode_is_a_column_labelled_with_its_flag(self):
        variants = board_spec.variants(self.ctx, self.no_flags, "qemu-virt-aarch64")
        flags = [f for _, f in variants]
        self.assertIn(["--bounds-checks", "guard"], flags)
        self.assertIn(["--bounds-checks", "explicit"], flags)
        for label, f in variants:
            self.assertTrue(label.startswith(f[1]), (label, f))
        self.assertTrue(variants[0][0].endswith("(default)"))

    def test_user_flags_replace_the_modes(self):
        args = SimpleNamespace(wafer_flags=["--cpu v3"])
        ctx = SimpleNamespace(bounds_flag=True, wafer_variants=[["--cpu", "v3"]])
        self.assertEqual(board_spec.variants(ctx, args, "sifive-u"), [("--cpu v3", ["--cpu", "v3"])])

    def test_a_wafer_without_the_flag_gets_no_flag(self):
        ctx = SimpleNamespace(bounds_flag=False, wafer_variants=[[]])
        self.assertEqual(board_spec.variants(ctx, self.no_flags, "raspi3b"), [("", [])])


class Simd(unittest.TestCase):
    """--simd: which columns the -msimd128 module gets, what runs them, and
    the speed-up table."""

    def test_simd_columns_take_the_first_wafer_columns_flags_and_compare_with_it(self):
        variants = suite.simd_wafer_variants([["--bounds-checks", "guard"], ["--bounds-checks", "explicit"]], [])
        self.assertEqual(variants, [(["--bounds-checks", "guard"], "wafer --bounds-checks guard")])

    def test_each_cpu_preset_adds_a_column_against_the_same_scalar_build(self):
        variants = suite.simd_wafer_variants([[]], ["rv64gcv"])
        self.assertEqual(variants, [([], "wafer"), (["--cpu", "rv64gcv"], "wafer")])

    def test_rv64gcv_runs_every_column_on_a_qemu_cpu_with_v(self):
        riscv = tools.ISAS["riscv64"]
        prefix = target_spec.run_prefix_for(riscv, ["rv64gcv"])
        self.assertEqual(prefix[:2], ["qemu-riscv64", "-cpu"])
        # What targets/riscv64.toml gives QEMU must switch V on.
        self.assertIn("v=true", prefix[2].split(","))

    def test_a_preset_without_a_qemu_cpu_keeps_the_isas_prefix(self):
        self.assertEqual(target_spec.run_prefix_for(tools.ISAS["riscv64"], ["rv64gc"]), ["qemu-riscv64"])
        self.assertEqual(target_spec.run_prefix_for(tools.ISAS["x86_64"], ["v3"]), [])

    def test_an_unknown_preset_is_refused_before_anything_builds(self):
        with self.assertRaises(SystemExit) as raised:
            target_spec.run_prefix_for(tools.ISAS["riscv64"], ["rv64gcvx"])
        self.assertIn("rv64gcvx", str(raised.exception))

    def test_simd_table_is_scalar_time_over_simd_time_per_round(self):
        # Rounds: scalar 2 s / SIMD 1 s, then 3 s / 1 s: speed-ups 2 and 3.
        a = suite.Result("a", samples={"wafer": [_sample(2.0), _sample(3.0)], "wafer +simd": [_sample(1.0)] * 2})
        a.engines = [suite.Engine("wafer", [], None), suite.Engine("wafer +simd", [], None, "wafer")]
        # A program SIMD makes slower: 1 s scalar, 4 s SIMD.
        b = suite.Result("b", samples={"wafer": [_sample(1.0)] * 2, "wafer +simd": [_sample(4.0)] * 2})
        b.engines = a.engines
        pairs = report.simd_pairs([a, b])
        self.assertEqual(pairs, [("wafer +simd", "wafer")])
        table = report.simd_table([a, b], pairs, "cpu").splitlines()
        self.assertIn("wafer +simd vs wafer", table[0])
        self.assertIn("| a | 2.50× (2.00–3.00) |", table[2])
        self.assertIn("| b | 0.25× (0.25–0.25) |", table[3])
        # geomean(2.5, 0.25) = sqrt(0.625)
        self.assertIn("**0.79×** (2 programs)", table[4])

    def test_bounds_table_is_explicit_time_over_guard_time_per_round(self):
        explicit = suite.wafer_engine_name(["--bounds-checks", "explicit"])
        guard = suite.wafer_engine_name(["--bounds-checks", "guard"])
        engines = [suite.Engine(explicit, [], None), suite.Engine(guard, [], None)]
        # Rounds: 1.2 s / 1.0 s, then 2.2 s / 2.0 s: 1.2 and 1.1.
        a = suite.Result("a", engines=engines, samples={explicit: [_sample(1.2), _sample(2.2)], guard: [_sample(1.0), _sample(2.0)]})
        b = suite.Result("b", engines=engines, samples={explicit: [_sample(1.05)] * 2, guard: [_sample(1.0)] * 2})
        cm = suite.Result("cm", engines=engines, samples={explicit: [_sample(2.0)], guard: [_sample(1.0)]}, in_geomean=False)
        pairs = report.bounds_pairs([a, b, cm])
        self.assertEqual(pairs, [(explicit, guard)])
        table = report.bounds_table([a, b, cm], pairs, "cpu").splitlines()
        self.assertIn("| a | 1.15× (1.10–1.20) |", table[2])
        self.assertIn("| b | 1.05× (1.05–1.05) |", table[3])
        self.assertIn("| cm | 2.00× (2.00–2.00) |", table[4])
        # geomean(1.15, 1.05), CoreMark left out
        self.assertIn("**1.10×** (2 programs)", table[5])
        # b is within the goal; CoreMark counts here.
        self.assertIn("| programs above 1.10× (CoreMark included) | 2 of 3 |", table[6])

    def test_wasmtimes_checked_columns_are_compared_with_its_default(self):
        explicit = suite.wafer_engine_name(["--bounds-checks", "explicit"])
        guard = suite.wafer_engine_name(["--bounds-checks", "guard"])
        checked = [suite.wasmtime_engine_name(label) for label, _ in tools.WASMTIME_CHECKED]
        self.assertEqual(checked, ["wasmtime checked", "wasmtime checked, no signals"])
        names = [explicit, guard, suite.WASMTIME, *checked]
        r = suite.Result("a", engines=[suite.Engine(n, [], None) for n in names])
        self.assertEqual(
            report.bounds_pairs([r]),
            [(explicit, guard), (checked[0], suite.WASMTIME), (checked[1], suite.WASMTIME)],
        )
        # Without wafer's two modes, Wasmtime's pairs still come.
        r = suite.Result("a", engines=[suite.Engine(n, [], None) for n in [suite.WASMTIME, checked[1]]])
        self.assertEqual(report.bounds_pairs([r]), [(checked[1], suite.WASMTIME)])

    def test_no_bounds_table_without_both_modes(self):
        r = suite.Result("a", engines=[suite.Engine("wafer", [], None)])
        self.assertEqual(report.bounds_pairs([r]), [])

    def test_a_failed_simd_column_is_flagged_in_the_speed_up(self):
        r = suite.Result("a", samples={"wafer": [_sample(1.0)], "wafer +simd": [_sample(1.0)]})
        r.engines = [suite.Engine("wafer", [], None), suite.Engine("wafer +simd", [], None, "wafer")]
        r.problems.append("wafer +simd: output differs from native")
        self.assertIn("⚠ 1.00×", report.simd_table([r], report.simd_pairs([r]), "cpu"))

    def test_a_panic_is_reported_without_its_backtrace(self):
        stderr = "thread 'x' panicked at args.rs:1283:18:\ninternal error\nstack backtrace:\n  0: f\n  1: g\n"
        self.assertEqual(build.brief_error(stderr), "thread 'x' panicked at args.rs:1283:18:\ninternal error")
        long = "\n".join(f"line {i}" for i in range(20))
        self.assertEqual(build.brief_error(long, 3), "line 0\nline 1\nline 2\n… (17 more lines)")
