//! `--link`: a module's own imports provided by native code the user links.
//!
//! The provider here is a hand-assembled ELF object per ISA (no cross C
//! compiler needed): `env_add42(vmctx, x) -> x + 42`, the native signature
//! wafer documents for statically bound imports.

use object::write::{Object, StandardSection, Symbol, SymbolSection};
use object::{
    Architecture, BinaryFormat, Endianness, FileFlags, SymbolFlags, SymbolKind, SymbolScope,
};

use super::{LINUX_BOARDS, assert_clean_error, stderr, stdout, wafer};

const NEEDS_ADD42: &str = r#"(module
  (import "env" "add42" (func $add42 (param i32) (result i32)))
  (func (export "twice") (param i32) (result i32)
    (call $add42 (call $add42 (local.get 0)))))"#;

/// Machine code of `add42` and the object's architecture and ELF flags.
fn add42(board: &str) -> (Architecture, u32, Vec<u8>) {
    let words = |insns: &[u32]| insns.iter().flat_map(|i| i.to_le_bytes()).collect();
    match board {
        // lea eax, [rsi + 42]; ret
        "linux-x86_64" => (Architecture::X86_64, 0, vec![0x8d, 0x46, 0x2a, 0xc3]),
        // add w0, w1, #42; ret
        "linux-aarch64" => (Architecture::Aarch64, 0, words(&[0x1100_a820, 0xd65f_03c0])),
        // addiw a0, a1, 42; ret — double-float ABI and RVC, as wafer's objects
        "linux-riscv64" => (
            Architecture::Riscv64,
            0x5,
            words(&[0x02a5_851b, 0x0000_8067]),
        ),
        other => panic!("no provider for {other}"),
    }
}

fn provider_object(board: &str) -> Vec<u8> {
    let (arch, e_flags, code) = add42(board);
    let mut obj = Object::new(BinaryFormat::Elf, arch, Endianness::Little);
    obj.flags = FileFlags::Elf {
        os_abi: 0,
        abi_version: 0,
        e_flags,
    };
    let text = obj.section_id(StandardSection::Text);
    let offset = obj.append_section_data(text, &code, 4);
    obj.add_symbol(Symbol {
        name: b"env_add42".to_vec(),
        value: offset,
        size: code.len() as u64,
        kind: SymbolKind::Text,
        scope: SymbolScope::Linkage,
        weak: false,
        section: SymbolSection::Section(text),
        flags: SymbolFlags::None,
    });
    obj.write().expect("provider object")
}

#[test]
fn linked_objects_provide_static_imports_on_every_linux_board() {
    let dir = tempfile::tempdir().unwrap();
    let module = dir.path().join("needs.wat");
    std::fs::write(&module, NEEDS_ADD42).unwrap();
    for board in LINUX_BOARDS {
        let provider = dir.path().join(format!("{board}.o"));
        std::fs::write(&provider, provider_object(board)).unwrap();
        let o = wafer(&[
            "run",
            module.to_str().unwrap(),
            "--board",
            board,
            "--link",
            provider.to_str().unwrap(),
            "--invoke",
            "twice",
            "-100",
        ]);
        assert!(o.status.success(), "{board}: {}", stderr(&o));
        assert_eq!(stdout(&o), "-16\n", "{board}");
    }
}

#[test]
fn a_provider_for_another_isa_is_a_clean_error() {
    let dir = tempfile::tempdir().unwrap();
    let module = dir.path().join("needs.wat");
    std::fs::write(&module, NEEDS_ADD42).unwrap();
    let provider = dir.path().join("aarch64.o");
    std::fs::write(&provider, provider_object("linux-aarch64")).unwrap();
    let out = dir.path().join("app");
    let o = wafer(&[
        "build",
        module.to_str().unwrap(),
        "--board",
        "linux-x86_64",
        "--link",
        provider.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_clean_error(&o, "aarch64.o");
    assert!(!out.exists(), "no image after a failed link");
}
