//! The prebuilt runtime archives embedded in wafer (built by
//! `build/runtime.rs` for every ISA and platform, stripped of debug info
//! and bitcode, and deflated: six archives cost ~2 MB of `wafer` instead of
//! ~50 MB).

use anyhow::{Result, anyhow};

use crate::config::{Isa, Platform};

macro_rules! archive {
    ($dir:literal) => {
        include_bytes!(concat!(
            env!("OUT_DIR"),
            "/runtime/",
            $dir,
            "/libwafer_rt.a.deflate"
        ))
    };
}

/// The deflated runtime static library for `isa` on `platform`.
fn compressed_archive(isa: Isa, platform: Platform) -> &'static [u8] {
    match (isa, platform) {
        (Isa::X86_64, Platform::Linux) => archive!("x86_64-linux"),
        (Isa::Aarch64, Platform::Linux) => archive!("aarch64-linux"),
        (Isa::Riscv64, Platform::Linux) => archive!("riscv64-linux"),
        (Isa::X86_64, Platform::Baremetal) => archive!("x86_64-baremetal"),
        (Isa::Aarch64, Platform::Baremetal) => archive!("aarch64-baremetal"),
        (Isa::Riscv64, Platform::Baremetal) => archive!("riscv64-baremetal"),
    }
}

/// The runtime static library for `isa` on `platform` (inflated: a few
/// milliseconds per image).
///
/// # Errors
/// The embedded archive does not inflate (a broken build of wafer).
pub fn runtime_archive(isa: Isa, platform: Platform) -> Result<Vec<u8>> {
    miniz_oxide::inflate::decompress_to_vec(compressed_archive(isa, platform))
        .map_err(|e| anyhow!("the runtime archive embedded in wafer is corrupt ({e:?})"))
}

#[cfg(test)]
mod tests {
    use object::{Object, ObjectSection, ObjectSymbol};

    use super::*;

    const ALL: [(Isa, Platform, &str); 6] = [
        (Isa::X86_64, Platform::Linux, "x86_64-linux"),
        (Isa::Aarch64, Platform::Linux, "aarch64-linux"),
        (Isa::Riscv64, Platform::Linux, "riscv64-linux"),
        (Isa::X86_64, Platform::Baremetal, "x86_64-baremetal"),
        (Isa::Aarch64, Platform::Baremetal, "aarch64-baremetal"),
        (Isa::Riscv64, Platform::Baremetal, "riscv64-baremetal"),
    ];

    fn dropped(name: &str) -> bool {
        name.starts_with(".debug")
            || name.starts_with(".rela.debug")
            || name.starts_with(".rel.debug")
            || name == ".llvmbc"
            || name == ".llvmcmd"
    }

    /// Everything the linker reads from one object, debug info and bitcode
    /// aside: sections with their contents and relocations, and symbols.
    fn linked_view(data: &[u8]) -> Vec<String> {
        let file = object::File::parse(data).unwrap();
        let mut view = Vec::new();
        for s in file.sections() {
            let name = s.name().unwrap();
            if dropped(name) {
                continue;
            }
            view.push(format!(
                "section {} {:?} {:?} align {} size {} data {:?}",
                s.index().0,
                name,
                s.kind(),
                s.align(),
                s.size(),
                s.uncompressed_data().unwrap()
            ));
            for (offset, r) in s.relocations() {
                view.push(format!("  reloc {offset:#x} {r:?}"));
            }
        }
        for sym in file.symbols() {
            let in_dropped = sym
                .section_index()
                .and_then(|i| file.section_by_index(i).ok())
                .is_some_and(|s| dropped(s.name().unwrap()));
            if !in_dropped {
                view.push(format!(
                    "symbol {} {:?} {:?} {:?} {:#x} {} {:?} {:?}",
                    sym.index().0,
                    sym.name_bytes().unwrap(),
                    sym.kind(),
                    sym.section(),
                    sym.address(),
                    sym.size(),
                    sym.scope(),
                    sym.flags()
                ));
            }
        }
        view
    }

    fn members(archive: &[u8]) -> Vec<(Vec<u8>, &[u8])> {
        object::read::archive::ArchiveFile::parse(archive)
            .unwrap()
            .members()
            .map(|m| {
                let m = m.unwrap();
                (m.name().to_vec(), m.data(archive).unwrap())
            })
            .collect()
    }

    /// The embedded archives differ from what rustc built only in debug
    /// info and bitcode: images link exactly the same.
    #[test]
    fn stripping_keeps_everything_the_linker_uses() {
        for (isa, platform, dir) in ALL {
            let built = std::fs::read(
                std::path::Path::new(env!("OUT_DIR"))
                    .join("runtime")
                    .join(dir)
                    .join("libwafer_rt.a"),
            )
            .unwrap();
            let embedded = runtime_archive(isa, platform).unwrap();
            // Debug info is most of an archive; riscv64's relocations make
            // its stripped share the largest (about a third).
            assert!(embedded.len() * 2 < built.len(), "{dir}: not stripped");
            let (built, embedded) = (members(&built), members(&embedded));
            assert_eq!(built.len(), embedded.len(), "{dir}");
            for ((name, a), (name2, b)) in built.iter().zip(&embedded) {
                assert_eq!(name, name2, "{dir}");
                if a.starts_with(b"\x7fELF") {
                    assert_eq!(linked_view(a), linked_view(b), "{dir}: {name:?}");
                } else {
                    assert_eq!(a, b, "{dir}: {name:?}");
                }
            }
        }
    }
}
