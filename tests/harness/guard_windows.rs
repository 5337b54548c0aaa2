//! The riscv64 boards' guard windows run out: Sv39 leaves room for 63
//! windows of 8 GiB (`platform/baremetal/riscv64.rs`) and windows are never
//! freed, so the 64th guard-mode memory of an image is refused with one
//! line, and the image keeps serving the instances it has.

use std::time::Duration;

use wafer::{Board, BoundsChecks};

use crate::client::ServeClient;
use crate::runner;
use crate::script;

/// Each instance's start function adds one to its memory's first word: a
/// memory that shared pages with another would read more than 1.
const MODULE: &str = r#"(module (memory 1)
  (func $start (i32.store (i32.const 0) (i32.add (i32.load (i32.const 0)) (i32.const 1))))
  (start $start)
  (func (export "f") (result i32) (i32.load (i32.const 0))))"#;

/// Windows in Sv39's 512 GiB: 4-252 GiB (31) and the upper 256 GiB (32).
const SV39_WINDOWS: usize = 63;

fn windows_run_out(board_name: &str) {
    let board = Board::by_name(board_name).unwrap();
    assert_eq!(board.bounds_checks.default, BoundsChecks::Guard);
    let plan = script::plan(MODULE).unwrap();
    let binary = plan.modules[0].binary.as_ref().unwrap();
    let module = runner::compile(0, binary, &board).unwrap_or_else(|e| panic!("{e}"));
    let work = tempfile::tempdir().unwrap();
    let command = runner::serving_command(&board, &[module], work.path()).unwrap();
    let timeout = Duration::from_secs(60);
    let mut image = ServeClient::start(command, &work.path().join("stderr.txt"), timeout).unwrap();

    for n in 0..SV39_WINDOWS {
        assert_eq!(
            image.request("instantiate 0").unwrap(),
            format!("ok {n}"),
            "{board_name}"
        );
    }
    let refused = image.request("instantiate 0").unwrap();
    // (The wording is the runtime's: it names guard mode's need for
    // address space.)
    assert!(
        refused.starts_with("error ")
            && refused.contains("guard")
            && refused.contains("address space"),
        "{board_name}: {refused}"
    );
    for n in [0, SV39_WINDOWS - 1] {
        assert_eq!(
            image.request(&format!("invoke {n} 66")).unwrap(),
            "ok i32:1",
            "{board_name}: instance {n}"
        );
    }
}

#[test]
fn the_64th_guard_window_is_refused_on_qemu_virt_riscv64() {
    windows_run_out("qemu-virt-riscv64");
}

#[test]
fn the_64th_guard_window_is_refused_on_sifive_u() {
    windows_run_out("sifive-u");
}
