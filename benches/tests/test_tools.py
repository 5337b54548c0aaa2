"""Unit tests of the measurement tools in benches/tools (no compilers needed):
python3 -m unittest discover -s benches/tests"""

import sys
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))

import check_cost  # noqa: E402
import paired_rounds  # noqa: E402

HASHMAP = Path(__file__).resolve().parents[1] / "programs" / "hashmap.c"


class CheckCost(unittest.TestCase):
    def test_the_shape_goes_in_front_of_the_insertion_once(self):
        source = HASHMAP.read_text()
        template, clobbers = check_cost.shapes(2)["2 lea; cmp; jcc"]
        padded = check_cost.padded_source(source, template, clobbers)
        line = next(l for l in padded.splitlines() if check_cost.MARKER in l)
        self.assertTrue(line.strip().startswith("__asm__ volatile("), line)
        self.assertIn("lea 1(%%rbp), %%r9\\n\\tcmp %%rsp, %%r9\\n\\tjz 1f", line)
        self.assertIn("lea 2(%%rbp), %%r10", line)
        self.assertIn('::: "cc", "r9", "r10", "r11");', line)
        self.assertEqual(padded.count("__asm__"), 1)

    def test_every_shape_but_none_inserts_count_copies(self):
        for name, (template, _) in check_cost.shapes(5).items():
            if name == "none":
                self.assertEqual(template, "")
            elif "nop" in name:
                self.assertEqual(template.count("nop"), 10, name)
            elif "mov" in name:
                self.assertEqual(template.count("mov $"), 5, name)
            else:
                self.assertEqual(template.count("jz 1f"), 5, name)

    def test_no_shape_leaves_the_program_unchanged(self):
        source = HASHMAP.read_text()
        self.assertEqual(check_cost.padded_source(source, "", ()), source)

    def test_a_program_without_the_statement_is_refused(self):
        with self.assertRaisesRegex(ValueError, "update check_cost.py"):
            check_cost.padded_source("int main(void) { return 0; }", "nop\n", ())


class PairedRounds(unittest.TestCase):
    def test_the_summary_is_the_median_ratio_with_its_quartiles(self):
        # Sorted: 0.9, 0.95, 1.0, 1.05, 1.1, 1.15, 1.2, 1.25, 1.3.
        ratios = [0.9, 1.3, 1.0, 1.2, 1.1, 0.95, 1.05, 1.15, 1.25]
        s = paired_rounds.summary(ratios)
        self.assertAlmostEqual(s["median"], 1.1)
        first, third = s["quartiles"]
        self.assertAlmostEqual(first, 1.0)
        self.assertAlmostEqual(third, 1.2)
        low, high = s["interval"]
        self.assertLessEqual(low, s["median"])
        self.assertGreaterEqual(high, s["median"])
        self.assertGreaterEqual(low, min(ratios))
        self.assertLessEqual(high, max(ratios))

    def test_one_set_of_ratios_always_gives_the_same_interval(self):
        ratios = [0.9 + 0.01 * i for i in range(30)]
        self.assertEqual(paired_rounds.summary(ratios), paired_rounds.summary(list(reversed(ratios))))

    def test_identical_rounds_give_a_point_interval(self):
        self.assertEqual(paired_rounds.summary([1.0] * 9)["interval"], (1.0, 1.0))


if __name__ == "__main__":
    unittest.main()
