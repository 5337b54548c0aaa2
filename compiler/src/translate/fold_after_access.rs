//! `i32.add(p, k)` in front of an access joins the access's
//! static offset when an access through `p` itself (same memory) dominates
//! it: that earlier access proves `p + k` cannot wrap.
//!
//! Clang addresses the second element of an unrolled loop as `p + 8`
//! (matmul's inner loop: `lea 0x8(%rcx),%r11d` before each load and store
//! of the odd element). Folding `k` into the offset is unsound in general:
//! for `p >= 2^32 - k` the Wasm address wraps to a low, valid one while
//! `base + zext(p) + k` lies past 4 GiB and faults.
//!
//! Why the dominating access makes it sound (guard mode only): a
//! guard-mode access is its own check. When the access at
//! `base + zext(p) + off` of `s >= 1` bytes completed, `p + off + s <=
//! length`, and a guard-mode memory whose declared minimum is below 65 536
//! pages never grows past `GUARDED_MAX_BYTES` = 2^32 - 64 KiB (the runtime
//! caps its growth and refuses to bind it to a larger import). So
//! `p <= 2^32 - 64 KiB - 1` from then on — the length only grows, so
//! `memory.grow` in between or another thread growing a shared memory
//! changes nothing — and for `0 < k <= 64 KiB`, `p + k <= 2^32 - 1`: the
//! sum does not wrap and `zext(p + k) == zext(p) + k`. The folded access
//! computes the same native address as before, so it reads, writes and
//! faults exactly as the unfolded one. A Wasm trap ends the function (no
//! Wasm handler catches it), so a dominating access that executed is one
//! that completed.
//!
//! Explicit mode (ABI 15): an explicit-mode access is a `notrap` heap
//! access behind its check (or a hoisted one, or provably in bounds), so
//! one that ran was in bounds just the same, and explicit-mode memories
//! are capped at `GUARDED_MAX_BYTES` too (runtime `reserve_memory`). The
//! check itself is not touched: it still tests `p + k` as the unfolded
//! access would. On x86_64 and aarch64 only accesses whose `p + k` no
//! check reads fold (see `only_unchecked`); 64-bit memories turn the pass
//! off for the module.
//!
//! Left alone in guard mode: memories that are always checked (their
//! accesses are `notrap` after a compare, not trap sites), a module with a
//! guard-mode memory declared with 65 536 pages (4 GiB: `p` may be
//! `2^32 - 8` with the last 8 bytes valid), an access through `p` in
//! another memory (a different length; conservative), negative `k`
//! (`guard.rs` folds those without any proof) and offsets that no longer
//! fit the access's 32-bit immediate.
//!
//! The dominating access may also be through `q = p + j` (`0 < j < k`, an
//! i32 value): it proves `q < 2^32 - 64 KiB` as above, `q + (k - j)` is
//! `p + k` (mod 2^32) and does not wrap, so `zext(p + k) == zext(q) +
//! (k - j)`. That is most of what interp gains (x86_64: −3.3 %).

use std::cell::OnceCell;

use rustc_hash::FxHashMap;

use cranelift_codegen::cursor::{Cursor, FuncCursor};
use cranelift_codegen::dominator_tree::DominatorTree;
use cranelift_codegen::flowgraph::ControlFlowGraph;
use cranelift_codegen::ir::{
    Function, Inst, InstBuilder, InstructionData, Opcode, TrapCode, Value, ValueDef, types,
};
use target_lexicon::Architecture;
use wafer_abi::{GUARD_BELOW_BYTES, GUARDED_MAX_BYTES};

use super::env::ModuleEnv;
use super::ir_match::{Users, access_address, binary_operands, iconst_imm, set_access_address};
use crate::emit::BoundsChecks;

/// Whether every access the pass may fold lies in a memory no longer than
/// `GUARDED_MAX_BYTES` (see the module comment), in either bounds mode.
pub fn applies(env: &ModuleEnv<'_, '_>) -> bool {
    let declared_bytes =
        |ty: &wasmparser::MemoryType| ty.initial.saturating_mul(crate::module_info::page_size(ty));
    match env.bounds_checks {
        BoundsChecks::Guard => env.info.memories.iter().all(|ty| {
            let always_checked = ty.memory64 || crate::module_info::page_size_log2(ty) < 16;
            always_checked || declared_bytes(ty) <= GUARDED_MAX_BYTES
        }),
        // Every access is checked, so every memory counts; a 64-bit
        // memory's address may be a zero-extended i32 too: left alone.
        BoundsChecks::Explicit => env
            .info
            .memories
            .iter()
            .all(|ty| !ty.memory64 && declared_bytes(ty) <= GUARDED_MAX_BYTES),
    }
}

/// The `user_id` `Regions::declare` (translate/mod.rs) gives the heap
/// alias region, which explicit-mode accesses carry.
const HEAP_REGION_USER_ID: u32 = 2;

/// A load or store at `memory_base + zext(index) + offset`.
#[derive(Clone, Copy)]
struct Access {
    inst: Inst,
    /// The `iadd` operand that is not the extension: the memory's base.
    memory_base: Value,
    /// The i32 Wasm address (before any constant was folded).
    index: Value,
}

/// Folds `p + k` into the offset of every access (of `mode`'s kind)
/// dominated by an access through `p` (see the module comment). `applies`
/// must hold. In explicit mode on `architecture`s other than riscv64, an
/// access whose sum a bounds check still reads keeps it (see
/// `sum_only_addresses`).
pub fn fold_after_access(func: &mut Function, mode: BoundsChecks, architecture: Architecture) {
    let accesses = heap_accesses(func, mode);
    if accesses.is_empty() {
        return;
    }
    let users = only_unchecked(mode, architecture).then(|| super::ir_match::users(func));
    // Accesses by the value their index adds a constant `j >= 0` to:
    // `p` itself (j = 0) or `p + j`.
    let mut through: FxHashMap<Value, Vec<(i32, Access)>> = FxHashMap::default();
    for access in &accesses {
        let (root, j) = positive_add(func, access.index).unwrap_or((access.index, 0));
        through.entry(root).or_default().push((j, *access));
    }
    // Built for the first access that has an earlier one to compare with:
    // many functions have none.
    let domtree = OnceCell::new();
    let mut folds = Vec::new();
    for access in &accesses {
        let Some((p, k)) = positive_add(func, access.index) else {
            continue;
        };
        if let Some(users) = &users
            && !sum_only_addresses(func, users, access.index)
        {
            continue;
        }
        // An earlier access through `q = p + j` (j < k) proves `q + (k - j)`
        // does not wrap, and that sum is `p + k`. The smallest `j`: `p`
        // itself when it can, whose extension other accesses share.
        let proof = through.get(&p).and_then(|earlier| {
            let domtree = domtree.get_or_init(|| {
                DominatorTree::with_function(func, &ControlFlowGraph::with_function(func))
            });
            earlier
                .iter()
                .filter(|(j, e)| {
                    *j < k
                        && e.inst != access.inst
                        && i64::from(k - j)
                            <= GUARD_BELOW_BYTES as i64 + i64::from(offset_of(func, e.inst))
                        && same_memory(func, e.memory_base, access.memory_base, 3)
                        && domtree.dominates(e.inst, access.inst, &func.layout)
                        && (users.is_none() || same_block(func, e.inst, access.inst))
                })
                .min_by_key(|(j, _)| *j)
        });
        if let Some(&(j, earlier)) = proof
            && offset_of(func, access.inst).checked_add(k - j).is_some()
        {
            folds.push((*access, earlier.index, k - j));
        }
    }
    for (access, p, k) in folds {
        let mut pos = FuncCursor::new(func).at_inst(access.inst);
        let wide = pos.ins().uextend(types::I64, p);
        let native = pos.ins().iadd(access.memory_base, wide);
        // `k` was checked to fit above.
        let offset = offset_of(func, access.inst) + k;
        set_access_address(func, access.inst, native, offset);
    }
}

/// Every plain load or store of linear memory with address
/// `iadd(base, uextend.i64(index))`: in guard mode a heap trap site, in
/// explicit mode a `notrap` access of the heap alias region (its check
/// precedes it; `memory.rs` `heap_flags`).
fn heap_accesses(func: &Function, mode: BoundsChecks) -> Vec<Access> {
    let heap_region = func.dfg.alias_regions.get(HEAP_REGION_USER_ID);
    let is_heap_access = |data: &InstructionData| match mode {
        BoundsChecks::Guard => {
            data.memflags_trap_code(&func.dfg) == Some(TrapCode::HEAP_OUT_OF_BOUNDS)
        }
        BoundsChecks::Explicit => {
            heap_region.is_some()
                && data.memflags_data(&func.dfg).is_some_and(|flags| {
                    flags.trap_code().is_none() && flags.alias_region() == heap_region
                })
        }
    };
    let mut found = Vec::new();
    for block in func.layout.blocks() {
        for inst in func.layout.block_insts(block) {
            let data = &func.dfg.insts[inst];
            let address = match *data {
                InstructionData::Load { arg, .. } => arg,
                InstructionData::Store { args, .. } => args[1],
                _ => continue,
            };
            if !is_heap_access(data) {
                continue;
            }
            let Some((a, b)) = binary_operands(func, address, Opcode::Iadd) else {
                continue;
            };
            let (a, b) = (func.dfg.resolve_aliases(a), func.dfg.resolve_aliases(b));
            let access = match (extended_i32(func, a), extended_i32(func, b)) {
                (None, Some(index)) => Access {
                    inst,
                    memory_base: a,
                    index,
                },
                (Some(index), None) => Access {
                    inst,
                    memory_base: b,
                    index,
                },
                _ => continue,
            };
            if loaded_pointer(func, access.memory_base) {
                found.push(access);
            }
        }
    }
    found
}

/// Whether only accesses no check reads the sum of fold (explicit mode).
/// x86_64 addresses `base + zext(p + k)` and `base + zext(p) + k + off`
/// alike, so folding a checked access gains nothing there and costs a
/// register (callgrind: json +0.18 %, hashmap +0.05 %); aarch64 pays an
/// `add` (interp +3.6 %). riscv64 has no register + register address:
/// each access adds `base` anew, and after the fold accesses through `p`
/// share one `base + zext(p)` (interp -1.7 %, json -1.8 %, n-body -1.4 %).
fn only_unchecked(mode: BoundsChecks, architecture: Architecture) -> bool {
    mode == BoundsChecks::Explicit && !matches!(architecture, Architecture::Riscv64(_))
}

/// Whether `a` and `b` are in the same block. Where only unchecked
/// accesses fold (explicit mode, `only_unchecked`), the fold keeps the
/// earlier access's address live until the folded one: within a block
/// that is free, across blocks it is a register held through branches.
/// interp's operand load `code[pc].imm`, unchecked since its opcode
/// byte's check covers it, sits in every case after the dispatch's
/// `br_table`: folded, aarch64 kept `&code[pc]` in a register through the
/// jump table and spilled `pc` instead (7 % fewer instructions than
/// without the fold, 7 % slower under qemu-aarch64).
fn same_block(func: &Function, a: Inst, b: Inst) -> bool {
    func.layout.inst_block(a) == func.layout.inst_block(b)
}

/// Whether the i32 sum `index` is read only by `uextend`s that only feed
/// address `iadd`s: no explicit check compares it (neither the 32-bit
/// compare of the sum nor the 64-bit one of its extension). On aarch64 a
/// checked access keeps `p + k` for its check anyway, and its load
/// addresses `base + zext(p + k)` in one instruction while the folded
/// `base + zext(p) + (k + off)` needs an `add` first (interp +3.6 %).
fn sum_only_addresses(func: &Function, users: &Users<'_>, index: Value) -> bool {
    let is_address_add = |inst: &Inst| {
        matches!(
            func.dfg.insts[*inst],
            InstructionData::Binary {
                opcode: Opcode::Iadd,
                ..
            }
        )
    };
    users.get(&index).is_none_or(|readers| {
        readers.iter().all(|&reader| {
            matches!(
                func.dfg.insts[reader],
                InstructionData::Unary {
                    opcode: Opcode::Uextend,
                    ..
                }
            ) && users
                .get(&func.dfg.first_result(reader))
                .is_none_or(|adds| adds.iter().all(is_address_add))
        })
    })
}

/// `x` when `v` is `uextend.i64(x)` of an i32 `x`.
pub(super) fn extended_i32(func: &Function, v: Value) -> Option<Value> {
    let ValueDef::Result(inst, _) = func.dfg.value_def(v) else {
        return None;
    };
    match func.dfg.insts[inst] {
        InstructionData::Unary {
            opcode: Opcode::Uextend,
            arg,
        } if func.dfg.value_type(v) == types::I64 && func.dfg.value_type(arg) == types::I32 => {
            Some(func.dfg.resolve_aliases(arg))
        }
        _ => None,
    }
}

/// Whether `v` is a `load` (the memory base read from its record).
fn loaded_pointer(func: &Function, v: Value) -> bool {
    matches!(func.dfg.value_def(v), ValueDef::Result(inst, _)
        if matches!(func.dfg.insts[inst], InstructionData::Load { opcode: Opcode::Load, .. }))
}

/// Whether bases `a` and `b` are the same memory's: the same value, or
/// loads of the same field (offset) through the same memory record
/// pointer (each access loads its base anew; an imported memory's record
/// pointer is itself loaded).
pub(super) fn same_memory(func: &Function, a: Value, b: Value, depth: u32) -> bool {
    let (a, b) = (func.dfg.resolve_aliases(a), func.dfg.resolve_aliases(b));
    if a == b {
        return true;
    }
    if depth == 0 {
        return false;
    }
    let (ValueDef::Result(ia, _), ValueDef::Result(ib, _)) =
        (func.dfg.value_def(a), func.dfg.value_def(b))
    else {
        return false;
    };
    match (func.dfg.insts[ia], func.dfg.insts[ib]) {
        (
            InstructionData::Load {
                opcode: Opcode::Load,
                arg: pa,
                offset: oa,
                ..
            },
            InstructionData::Load {
                opcode: Opcode::Load,
                arg: pb,
                offset: ob,
                ..
            },
        ) => {
            oa == ob
                && func.dfg.value_type(a) == func.dfg.value_type(b)
                && same_memory(func, pa, pb, depth - 1)
        }
        _ => false,
    }
}

/// `(p, k)` when the i32 `index` is `iadd(p, k)` with a constant
/// `0 < k <= GUARD_BELOW_BYTES` (64 KiB: the room below 2^32 that
/// `GUARDED_MAX_BYTES` leaves).
fn positive_add(func: &Function, index: Value) -> Option<(Value, i32)> {
    let (a, b) = binary_operands(func, index, Opcode::Iadd)?;
    let (a, b) = (func.dfg.resolve_aliases(a), func.dfg.resolve_aliases(b));
    let small = |v: Value| {
        let k = i64::from(iconst_imm(func, v)? as u32);
        (1..=GUARD_BELOW_BYTES as i64)
            .contains(&k)
            .then_some(k as i32)
    };
    match (small(a), small(b)) {
        (_, Some(k)) => Some((a, k)),
        (Some(k), _) => Some((b, k)),
        _ => None,
    }
}

/// The static offset of a plain load or store.
fn offset_of(func: &Function, inst: Inst) -> i32 {
    access_address(func, inst).map_or(0, |(_, offset)| offset)
}

#[cfg(test)]
mod tests {
    use cranelift_codegen::ir::condcodes::IntCC;
    use cranelift_codegen::ir::{
        Function, InstBuilder, InstructionData, MemFlagsData, TrapCode, Value, types,
    };
    use target_lexicon::{Architecture, Riscv64Architecture};

    use super::fold_after_access;
    use crate::emit::BoundsChecks;
    use crate::translate::test_ir;

    /// The vmctx field offsets of two memories' bases in these tests.
    const MEMORY_0: i32 = 16;
    const MEMORY_1: i32 = 64;

    /// `fn(vmctx, p)`: for each `(memory, k)` in order, a guard-mode i32
    /// load at `p + k` (`k == 0`: at `p`), shaped as `guard.rs` builds
    /// them: a fresh base load, `uextend`, `iadd`. Returns the function and
    /// its parameter `p`.
    fn accesses(loads: &[(i32, i64)]) -> (Function, Value) {
        let mut parameter = None;
        let func = test_ir::function(&[types::I64, types::I32], &[], |builder, params| {
            let [vmctx, p] = [params[0], params[1]];
            let heap = MemFlagsData::new().with_trap_code(Some(TrapCode::HEAP_OUT_OF_BOUNDS));
            for &(memory, k) in loads {
                let index = if k == 0 {
                    p
                } else {
                    let k = builder.ins().iconst(types::I32, k);
                    builder.ins().iadd(p, k)
                };
                let base = builder
                    .ins()
                    .load(types::I64, MemFlagsData::trusted(), vmctx, memory);
                let wide = builder.ins().uextend(types::I64, index);
                let address = builder.ins().iadd(base, wide);
                builder.ins().load(types::I32, heap, address, 0);
            }
            builder.ins().return_(&[]);
            parameter = Some(p);
        });
        (func, parameter.expect("the body ran"))
    }

    /// `fn(vmctx, p)` with explicit-mode i32 loads (notrap, heap region)
    /// at `p` and at `p + 8`; with `checked`, `p + 8` is first compared
    /// (32-bit, as on aarch64) against a length and trapped on, as
    /// `bounds.rs` does; with `split`, the second load is in a block of
    /// its own that the first jumps to.
    fn explicit_accesses(checked: bool, split: bool) -> (Function, Value) {
        let mut parameter = None;
        let func = test_ir::function(&[types::I64, types::I32], &[], |builder, params| {
            let [vmctx, p] = [params[0], params[1]];
            let regions = crate::translate::Regions::declare(builder.func);
            let heap = MemFlagsData::new()
                .with_notrap()
                .with_alias_region(Some(regions.heap));
            for k in [0, 8] {
                if split && k == 8 {
                    let second = builder.create_block();
                    builder.ins().jump(second, &[]);
                    builder.switch_to_block(second);
                }
                let index = if k == 0 {
                    p
                } else {
                    let k = builder.ins().iconst(types::I32, k);
                    builder.ins().iadd(p, k)
                };
                if checked {
                    let last_start = builder.ins().iconst(types::I32, 65532);
                    let out = builder
                        .ins()
                        .icmp(IntCC::UnsignedGreaterThan, index, last_start);
                    builder.ins().trapnz(out, TrapCode::HEAP_OUT_OF_BOUNDS);
                }
                let base = builder
                    .ins()
                    .load(types::I64, MemFlagsData::trusted(), vmctx, MEMORY_0);
                let wide = builder.ins().uextend(types::I64, index);
                let address = builder.ins().iadd(base, wide);
                builder.ins().load(types::I32, heap, address, 0);
            }
            builder.ins().return_(&[]);
            parameter = Some(p);
        });
        (func, parameter.expect("the body ran"))
    }

    /// `(offset, i32 index)` of each heap access (an i32 load whose
    /// address is `iadd(base, uextend(index))`), in order.
    fn heap_loads(func: &Function) -> Vec<(i32, Value)> {
        func.layout
            .blocks()
            .flat_map(|block| func.layout.block_insts(block))
            .filter_map(|inst| match func.dfg.insts[inst] {
                InstructionData::Load { arg, offset, .. }
                    if func.dfg.value_type(func.dfg.first_result(inst)) == types::I32 =>
                {
                    let (_, wide) = super::binary_operands(func, arg, super::Opcode::Iadd)?;
                    Some((offset.into(), super::extended_i32(func, wide)?))
                }
                _ => None,
            })
            .collect()
    }

    #[test]
    fn an_add_after_an_access_through_p_joins_the_offset() {
        let (mut func, p) = accesses(&[(MEMORY_0, 0), (MEMORY_0, 8), (MEMORY_0, 65536)]);
        fold_after_access(&mut func, BoundsChecks::Guard, Architecture::X86_64);
        test_ir::assert_valid(&func);
        assert_eq!(heap_loads(&func), [(0, p), (8, p), (65536, p)]);
    }

    #[test]
    fn an_add_without_an_access_through_p_before_it_stays() {
        let (mut func, p) = accesses(&[(MEMORY_0, 8), (MEMORY_0, 0)]);
        fold_after_access(&mut func, BoundsChecks::Guard, Architecture::X86_64);
        test_ir::assert_valid(&func);
        let loads = heap_loads(&func);
        assert_ne!(loads[0].1, p, "p + 8 keeps its i32 add");
        assert_eq!(loads[0].0, 0);
    }

    #[test]
    fn an_access_in_another_memory_does_not_count() {
        let (mut func, p) = accesses(&[(MEMORY_1, 0), (MEMORY_0, 8)]);
        fold_after_access(&mut func, BoundsChecks::Guard, Architecture::X86_64);
        let loads = heap_loads(&func);
        assert_ne!(loads[1].1, p);
        assert_eq!(loads[1].0, 0);
    }

    #[test]
    fn an_add_after_an_access_through_p_plus_j_adds_the_difference() {
        let (mut func, p) = accesses(&[(MEMORY_0, 4), (MEMORY_0, 12), (MEMORY_0, 2)]);
        fold_after_access(&mut func, BoundsChecks::Guard, Architecture::X86_64);
        test_ir::assert_valid(&func);
        let loads = heap_loads(&func);
        // p + 12 is (p + 4) + 8; p + 2 (below 4) stays as it was.
        assert_eq!(loads[1], (8, loads[0].1));
        assert_ne!(loads[0].1, p);
        assert_eq!(loads[2].0, 0);
        assert_ne!(loads[2].1, p);
    }

    #[test]
    fn constants_beyond_64_kib_stay() {
        let (mut func, p) = accesses(&[(MEMORY_0, 0), (MEMORY_0, 65537), (MEMORY_0, -8)]);
        fold_after_access(&mut func, BoundsChecks::Guard, Architecture::X86_64);
        let loads = heap_loads(&func);
        assert_ne!(loads[1].1, p);
        assert_ne!(loads[2].1, p, "negative constants are guard.rs's");
    }

    #[test]
    fn explicit_mode_folds_an_unchecked_access_on_every_isa() {
        for architecture in [
            Architecture::X86_64,
            Architecture::Riscv64(Riscv64Architecture::Riscv64),
        ] {
            let (mut func, p) = explicit_accesses(false, false);
            fold_after_access(&mut func, BoundsChecks::Explicit, architecture);
            test_ir::assert_valid(&func);
            assert_eq!(heap_loads(&func), [(0, p), (8, p)], "{architecture}");
        }
    }

    #[test]
    fn explicit_mode_folds_across_blocks_only_on_riscv64() {
        let (mut func, p) = explicit_accesses(false, true);
        fold_after_access(&mut func, BoundsChecks::Explicit, Architecture::X86_64);
        assert_ne!(
            heap_loads(&func)[1].1,
            p,
            "x86_64 folds within a block only"
        );
        let (mut func, p) = explicit_accesses(false, true);
        fold_after_access(
            &mut func,
            BoundsChecks::Explicit,
            Architecture::Riscv64(Riscv64Architecture::Riscv64),
        );
        test_ir::assert_valid(&func);
        assert_eq!(heap_loads(&func), [(0, p), (8, p)]);
    }

    #[test]
    fn explicit_mode_folds_a_checked_access_only_on_riscv64() {
        let (mut func, p) = explicit_accesses(true, false);
        fold_after_access(&mut func, BoundsChecks::Explicit, Architecture::X86_64);
        assert_ne!(heap_loads(&func)[1].1, p, "x86_64 keeps the checked sum");
        let (mut func, p) = explicit_accesses(true, false);
        fold_after_access(
            &mut func,
            BoundsChecks::Explicit,
            Architecture::Riscv64(Riscv64Architecture::Riscv64),
        );
        test_ir::assert_valid(&func);
        assert_eq!(heap_loads(&func), [(0, p), (8, p)]);
    }

    #[test]
    fn guard_mode_does_not_take_explicit_accesses_for_trap_sites() {
        let (mut func, p) = explicit_accesses(false, false);
        fold_after_access(&mut func, BoundsChecks::Guard, Architecture::X86_64);
        assert_ne!(heap_loads(&func)[1].1, p);
    }

    #[test]
    fn the_heap_region_id_is_the_one_translation_declares() {
        let mut func = Function::new();
        let regions = crate::translate::Regions::declare(&mut func);
        assert_eq!(
            func.dfg.alias_regions.get(super::HEAP_REGION_USER_ID),
            Some(regions.heap)
        );
    }
}
