//! The riscv64 boards' guard windows run out: Sv39 leaves room for 63
//! windows of 8 GiB (`platform/baremetal/riscv64.rs`) and windows are never
//! unreserved, so the 64th guard-mode memory of an image is refused with
//! one line, and the image keeps serving the instances it has. Unless
//! instances are dropped (the serve protocol's `drop`): their windows are
//! reused, zeroed and faulting again, however many come after; and what
//! may not be dropped is refused.

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

/// A serving image of the modules in `texts` (module indices in order) on
/// `board`, with its work directory.
fn serve(board: &Board, texts: &[&str]) -> (ServeClient, tempfile::TempDir) {
    let modules: Vec<_> = texts
        .iter()
        .enumerate()
        .map(|(i, text)| {
            let plan = script::plan(text).unwrap();
            let binary = plan.modules[0].binary.as_ref().unwrap();
            runner::compile(i, binary, board).unwrap_or_else(|e| panic!("{e}"))
        })
        .collect();
    let work = tempfile::tempdir().unwrap();
    let command = runner::serving_command(board, &modules, work.path()).unwrap();
    let timeout = Duration::from_secs(60);
    let image = ServeClient::start(command, &work.path().join("stderr.txt"), timeout).unwrap();
    (image, work)
}

fn windows_run_out(board_name: &str) {
    let board = Board::by_name(board_name).unwrap();
    assert_eq!(board.bounds_checks.default, BoundsChecks::Guard);
    let (mut image, _work) = serve(&board, &[MODULE]);

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

/// Each instance grows its memory to two pages and dirties the second (its
/// start function ran on a fresh memory: `f` then reads 1). The next one,
/// in the window of the last, must read zero, and fault at its own length,
/// one page, where the old one had a page mapped.
const DIRTYING_MODULE: &str = r#"(module (memory 1)
  (func $start (i32.store (i32.const 0) (i32.add (i32.load (i32.const 0)) (i32.const 1))))
  (start $start)
  (func (export "f") (result i32) (i32.load (i32.const 0)))
  (func (export "dirty") (drop (memory.grow (i32.const 1))) (i32.store (i32.const 65536) (i32.const 7)))
  (func (export "past") (result i32) (i32.load (i32.const 65536))))"#;

#[test]
fn dropped_instances_give_their_windows_to_the_next_ones_on_qemu_virt_riscv64() {
    let board = Board::by_name("qemu-virt-riscv64").unwrap();
    let (mut image, _work) = serve(&board, &[DIRTYING_MODULE]);
    // Twice Sv39's windows: without reuse the 64th instance is refused.
    for id in 0..2 * SV39_WINDOWS {
        let mut lines = vec!["instantiate 0".to_string()];
        if id > 0 {
            lines.insert(0, format!("drop {}", id - 1));
        }
        lines.extend([format!("invoke {id} 66"), format!("invoke {id} 70617374")]);
        lines.push(format!("invoke {id} 6469727479"));
        let replies = image.request_all(&lines).unwrap();
        let expected: Vec<String> = (id > 0)
            .then(|| "ok".to_string())
            .into_iter()
            .chain([
                format!("ok {id}"),
                "ok i32:1".into(),
                "trap 2 out of bounds memory access".into(),
                "ok".into(),
            ])
            .collect();
        assert_eq!(replies, expected, "instance {id}");
    }
}

/// Exports a table and a function, and is registered as `t`.
const TABLE_EXPORTER: &str = r#"(module (table (export "t") 1 funcref) (memory 1)
  (func (export "g") (result i32) (i32.const 5)))"#;
/// Puts its own function into `t`'s table: it must outlive being dropped.
const TABLE_IMPORTER: &str = r#"(module (import "t" "t" (table 1 funcref)) (memory 1)
  (func $h (result i32) (i32.const 9)) (elem (i32.const 0) $h))"#;

#[test]
fn drop_refuses_unknown_dropped_registered_and_reachable_instances() {
    let board = Board::by_name("linux-x86_64").unwrap();
    let (mut image, _work) = serve(&board, &[TABLE_EXPORTER, TABLE_IMPORTER, MODULE]);
    let t = crate::client::hex_name("t");
    let mut ask = |line: String| image.request(&line).unwrap();
    assert_eq!(ask("instantiate 0".into()), "ok 0");
    assert_eq!(ask(format!("register 0 {t}")), "ok");
    assert_eq!(
        ask("drop 0".into()),
        "error cannot drop a registered instance"
    );
    assert_eq!(ask("instantiate 1".into()), "ok 1");
    assert_eq!(ask("drop 1".into()), "kept it imports a table");
    assert_eq!(ask("instantiate 2".into()), "ok 2");
    assert_eq!(ask("drop 2".into()), "ok");
    assert_eq!(ask("drop 2".into()), "error no such instance");
    assert_eq!(ask("invoke 2 66".into()), "error bad request");
    assert_eq!(ask("drop 3".into()), "error no such instance");
    assert_eq!(ask("drop x".into()), "error no such instance");
    // Ids are never given again; the kept and registered ones still serve.
    assert_eq!(ask("instantiate 2".into()), "ok 3");
    assert_eq!(ask("invoke 3 66".into()), "ok i32:1");
    assert_eq!(ask("invoke 0 67".into()), "ok i32:5");
    assert_eq!(ask("drop 3".into()), "ok");
    assert_eq!(ask("instantiate 2".into()), "ok 4");
    assert_eq!(ask("invoke 4 66".into()), "ok i32:1");
}

/// Dirties its memory, then traps in its start function: never an
/// instance, so its window goes back at once.
const TRAPPING_MODULE: &str = r#"(module (memory 1)
  (func $start (i32.store (i32.const 0) (i32.const 9)) unreachable)
  (start $start))"#;

#[test]
fn failed_instantiations_give_their_windows_back_on_qemu_virt_riscv64() {
    let board = Board::by_name("qemu-virt-riscv64").unwrap();
    let (mut image, _work) = serve(&board, &[TRAPPING_MODULE, MODULE]);
    let lines: Vec<String> = (0..2 * SV39_WINDOWS)
        .map(|_| "instantiate 0".to_string())
        .collect();
    for (n, reply) in image.request_all(&lines).unwrap().iter().enumerate() {
        assert_eq!(reply, "trap 1 unreachable", "instantiation {n}");
    }
    // The last window a trapping instance dirtied reads zero again.
    let replies = image
        .request_all(&["instantiate 1".to_string(), "invoke 0 66".to_string()])
        .unwrap();
    assert_eq!(replies, ["ok 0", "ok i32:1"]);
}
