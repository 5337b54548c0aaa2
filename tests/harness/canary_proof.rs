//! The canary check can fail: on each bare-metal board, a serving image
//! reports its canaries intact, then a write from outside (QEMU's gdb
//! server; images have no way to write outside their objects, which is
//! the point) damages the end-of-RAM canary, and the harness's reading of
//! the `canary` reply names that canary and the damaged word.

use std::time::Duration;

use wafer::{Board, BoundsChecks, Isa};

use crate::client::ServeClient;
use crate::gdb::GdbRemote;
use crate::runner::{self, canary_verdict};
use crate::script;

const MODULE: &str = "(module (memory 1) (func (export \"f\") (result i32) (i32.const 7)))";

/// Canaries one image with one instance of [`MODULE`] has, in the
/// board's default bounds-check mode: four static ones (below `.data`,
/// stack bottom, stack top, end of RAM) and two around the 1 MiB chunk
/// the instance's vmctx comes from, then
/// - explicit: two for the memory (below it, and at its end: it has no
///   maximum, so it takes the rest of the heap, whose end is the
///   end-of-RAM canary);
/// - guard: two around each heap chunk its guard window takes
///   (`platform/baremetal/paging.rs`): the page-table pool's, the page
///   pool's and, on aarch64 and riscv64, the window area's root table
///   (x86_64's is the boot PML4 in `.bss`).
fn regions_with_one_instance(board: &Board) -> usize {
    let roots = match board.target.isa {
        Isa::X86_64 => 0,
        _ => 1,
    };
    6 + match board.bounds_checks.default {
        BoundsChecks::Explicit => 2,
        BoundsChecks::Guard => 2 * (2 + roots),
    }
}

fn damage_end_of_ram(board_name: &str) {
    let board = Board::by_name(board_name).unwrap();
    let ram = &board.bare.as_ref().expect("a bare-metal board").memory.ram;
    let ram_end = ram.base + ram.size;

    let plan = script::plan(MODULE).unwrap();
    let binary = plan.modules[0].binary.as_ref().unwrap();
    let module = runner::compile(0, binary, &board).unwrap_or_else(|e| panic!("{e}"));
    let work = tempfile::tempdir().unwrap();
    let socket = work.path().join("gdb.sock");
    let mut command = runner::serving_command(&board, &[module], work.path()).unwrap();
    command
        .arg("-chardev")
        .arg(format!(
            "socket,id=wafergdb,path={},server=on,wait=off",
            socket.display()
        ))
        .arg("-gdb")
        .arg("chardev:wafergdb");
    let timeout = Duration::from_secs(60);
    let mut image = ServeClient::start(command, &work.path().join("stderr.txt"), timeout).unwrap();

    assert_eq!(image.request("instantiate 0").unwrap(), "ok 0");
    assert_eq!(image.request("invoke 0 66").unwrap(), "ok i32:7");
    let intact = image.request("canary").unwrap();
    assert_eq!(
        canary_verdict(&intact),
        Ok(regions_with_one_instance(&board)),
        "{board_name}: {intact}"
    );

    let damaged_word = ram_end - 8;
    let mut gdb = GdbRemote::connect(&socket, timeout).unwrap();
    gdb.write_memory(damaged_word + 3, &[0x5a]).unwrap();
    gdb.detach().unwrap();

    let reply = image.request("canary").unwrap();
    let error = canary_verdict(&reply).expect_err(&reply);
    assert!(
        error.contains("end of RAM") && error.contains(&format!("{damaged_word:#x}")),
        "{board_name}: {error}"
    );
    // The image itself is fine and keeps serving; the damage stays reported.
    assert_eq!(image.request("invoke 0 66").unwrap(), "ok i32:7");
    assert!(canary_verdict(&image.request("canary").unwrap()).is_err());
}

#[test]
fn a_damaged_canary_fails_the_check_on_qemu_virt_riscv64() {
    damage_end_of_ram("qemu-virt-riscv64");
}

#[test]
fn a_damaged_canary_fails_the_check_on_qemu_virt_aarch64() {
    damage_end_of_ram("qemu-virt-aarch64");
}

#[test]
fn a_damaged_canary_fails_the_check_on_qemu_x86_64() {
    damage_end_of_ram("qemu-x86_64");
}

#[test]
fn a_damaged_canary_fails_the_check_on_raspi3b() {
    damage_end_of_ram("raspi3b");
}

#[test]
fn a_damaged_canary_fails_the_check_on_sifive_u() {
    damage_end_of_ram("sifive-u");
}

#[test]
fn canary_replies_pass_only_with_regions_and_no_error() {
    assert_eq!(canary_verdict("ok 3"), Ok(3));
    assert!(canary_verdict("ok 0").is_err());
    assert!(canary_verdict("error canary damaged: end of RAM at 0x88000000").is_err());
    assert!(canary_verdict("error unknown request").is_err());
}
