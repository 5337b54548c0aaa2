//! Guard-mode code relies on every memory it touches having a guard
//! window: one image holding modules compiled in both modes shows that a
//! guard-mode module importing a memory without one is refused at
//! instantiation, while the other combinations link and stay in bounds.

use std::time::Duration;

use wafer::{Board, BoundsChecks, CompileOptions, CompiledModule, ImportBinding};

use crate::client::{ServeClient, hex_name};
use crate::{runner, script};

const EXPORTER: &str = r#"(module (memory (export "mem") 1 2))"#;

/// Reads one byte of the imported memory at `addr`.
const IMPORTER: &str = r#"(module
  (import "lib" "mem" (memory 1))
  (func (export "peek") (param i32) (result i32) (i32.load8_u (local.get 0))))"#;

fn compile(text: &str, board: &Board, prefix: &str, mode: BoundsChecks) -> CompiledModule {
    let plan = script::plan(text).unwrap();
    let wasm = plan.modules[0].binary.as_ref().unwrap();
    let options = CompileOptions {
        target: board.target.clone(),
        prefix: prefix.into(),
        imports: ImportBinding::Dynamic,
        bounds_checks: mode,
        stack_checks: board
            .stack_checks(None)
            .expect("a board's default stack checks"),
        budget: Default::default(),
        exception_checks: false,
    };
    wafer::compile(wasm, &options).unwrap()
}

/// Instantiates an exporter compiled with `exporter`, registers it as
/// `lib`, then instantiates an importer compiled with `importer`; the
/// reply to the importer's instantiation, and the image to talk on.
fn link(exporter: BoundsChecks, importer: BoundsChecks) -> (String, ServeClient) {
    let board = Board::by_name("host").unwrap();
    let modules = [
        compile(EXPORTER, &board, "lib", exporter),
        compile(IMPORTER, &board, "app", importer),
    ];
    let work = tempfile::tempdir().unwrap();
    let command = runner::serving_command(&board, &modules, work.path()).unwrap();
    let mut image = ServeClient::start(
        command,
        &work.path().join("stderr.txt"),
        Duration::from_secs(60),
    )
    .unwrap();
    assert_eq!(image.request("instantiate 0").unwrap(), "ok 0");
    let register = format!("register 0 {}", hex_name("lib"));
    assert_eq!(image.request(&register).unwrap(), "ok");
    let reply = image.request("instantiate 1").unwrap();
    (reply, image)
}

fn peek(image: &mut ServeClient, addr: u32) -> String {
    let request = format!("invoke 1 {} i32:{addr:x}", hex_name("peek"));
    image.request(&request).unwrap()
}

#[test]
fn a_guard_mode_module_cannot_import_a_memory_without_a_guard_window() {
    let (reply, _image) = link(BoundsChecks::Explicit, BoundsChecks::Guard);
    assert!(reply.starts_with("link "), "{reply}");
    assert!(reply.contains("--bounds-checks guard"), "{reply}");
    assert!(reply.contains("lib.mem"), "names the import: {reply}");
}

#[test]
fn guard_mode_importers_of_guarded_memories_and_explicit_importers_link_and_stay_in_bounds() {
    for (exporter, importer) in [
        (BoundsChecks::Guard, BoundsChecks::Guard),
        (BoundsChecks::Guard, BoundsChecks::Explicit),
        (BoundsChecks::Explicit, BoundsChecks::Explicit),
    ] {
        let what = format!("{exporter:?} exporter, {importer:?} importer");
        let (reply, mut image) = link(exporter, importer);
        assert_eq!(reply, "ok 1", "{what}");
        assert_eq!(peek(&mut image, 65535), "ok i32:0", "{what}");
        let trap = peek(&mut image, 65536);
        assert!(
            trap.starts_with("trap ") && trap.contains("out of bounds memory access"),
            "{what}: {trap}"
        );
    }
}
