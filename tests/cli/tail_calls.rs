//! Tail calls with `--fuel`: a chain of `return_call`s or
//! `return_call_indirect`s spends exactly its operators' fuel, runs out at
//! the same step on Linux and bare metal, and still runs in constant stack
//! (translate/call.rs: the counter passes in registers through direct tail
//! calls and in the vmctx through tail calls via a table).

use std::time::Duration;

use super::{module_file, stderr, stdout, wafer_within};

/// `down(n)` and `down_indirect(n)` count `n` down to 0 by tail calls
/// and return 7.
///
/// Fuel (every operator costs 1, `end`/`else` are free): a step with
/// n > 0 of `down` runs local.get, i32.eqz, if, local.get, i32.const,
/// i32.sub, return_call = 7; `down_indirect` adds the table index's
/// i32.const: 8. The last step (n = 0) runs local.get, i32.eqz, if,
/// i32.const = 4. The budget is checked at each function entry, when
/// 7k (8k) has been spent before step k, and nowhere after the last: so
/// `down(n)` finishes with fuel 7n and traps with 7n - 1 at step n's
/// entry, `down_indirect(n)` with 8n and 8n - 1.
const DOWN: &str = r#"(module
  (type $t (func (param i32) (result i32)))
  (table 1 funcref)
  (elem (i32.const 0) $down_indirect)
  (func $down (export "down") (param $n i32) (result i32)
    (if (result i32) (i32.eqz (local.get $n))
      (then (i32.const 7))
      (else (return_call $down (i32.sub (local.get $n) (i32.const 1))))))
  (func $down_indirect (export "down_indirect") (param $n i32) (result i32)
    (if (result i32) (i32.eqz (local.get $n))
      (then (i32.const 7))
      (else (return_call_indirect (type $t)
        (i32.sub (local.get $n) (i32.const 1)) (i32.const 0))))))"#;

#[test]
fn tail_call_chains_spend_exact_fuel_in_constant_stack_on_linux_and_bare_metal() {
    let dir = tempfile::tempdir().unwrap();
    let module = module_file(dir.path(), "down.wat", DOWN);
    for board in ["host", "qemu-virt-riscv64"] {
        let run = |export: &str, n: &str, fuel: &str| {
            wafer_within(
                &[
                    "run", &module, "--board", board, "--fuel", fuel, "--invoke", export, n,
                ],
                Duration::from_secs(180),
            )
            .unwrap_or_else(|| panic!("{board} {export}({n}) --fuel {fuel}: did not finish"))
        };
        for (export, per_step) in [("down", 7), ("down_indirect", 8)] {
            let enough = (1000 * per_step).to_string();
            let o = run(export, "1000", &enough);
            assert!(o.status.success(), "{board} {export}: {}", stderr(&o));
            assert_eq!(stdout(&o), "7\n", "{board} {export}");
            let short = (1000 * per_step - 1).to_string();
            let o = run(export, "1000", &short);
            assert_eq!(
                o.status.code(),
                Some(134),
                "{board} {export}: {}",
                stderr(&o)
            );
            assert!(
                stderr(&o).starts_with("trap: fuel exhausted\n"),
                "{board} {export}: {}",
                stderr(&o)
            );
            // A million steps: an ordinary call chain this deep exhausts
            // the stack (tests/wast/tail_calls.wast shows it), this one
            // does not, with the counter in play.
            let o = run(export, "1000000", "1000000000000");
            assert!(o.status.success(), "{board} {export}: {}", stderr(&o));
            assert_eq!(stdout(&o), "7\n", "{board} {export}");
        }
    }
}
