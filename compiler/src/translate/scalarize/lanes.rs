//! The lanes of each vector value, and packing lanes into two `I64` halves.
//!
//! A vector of type `T` (128 bits) is held as `T.lane_count()` scalar
//! values of type `T.lane_type()`, lane 0 first. Its bits are two `I64`:
//! `low` holds lanes `0..n/2` and `high` the rest, lane `k` of a half at
//! bits `w*k .. w*k + w` (little-endian lane order, as in memory and as
//! Cranelift's `bitcast` defines it for vectors).

use std::collections::HashMap;

use anyhow::{Result, anyhow, bail};
use cranelift_codegen::cursor::FuncCursor;
use cranelift_codegen::ir::immediates::{Ieee32, Ieee64};
use cranelift_codegen::ir::{DataFlowGraph, InstBuilder, MemFlagsData, Type, Value, types};

/// Lanes of the vector values lowered so far, by original value.
#[derive(Default)]
pub struct LaneMap {
    lanes: HashMap<Value, Vec<Value>>,
    /// The two `I64` halves of vectors that came as halves (loads, block
    /// and function parameters, call results, repacked bitcasts): packing
    /// such a vector again costs nothing.
    halves: HashMap<Value, [Value; 2]>,
    /// `bitcast` results and their sources (both vectors), so a chain of
    /// bitcasts back to a shape seen before costs nothing.
    bitcast_source: HashMap<Value, Value>,
}

impl LaneMap {
    /// Records the lanes of vector `v`.
    pub fn define(&mut self, v: Value, lanes: Vec<Value>) {
        self.lanes.insert(v, lanes);
    }

    /// Records the lanes of vector `v` and the two halves they were
    /// unpacked from.
    pub fn define_with_halves(&mut self, v: Value, lanes: Vec<Value>, halves: [Value; 2]) {
        self.lanes.insert(v, lanes);
        self.halves.insert(v, halves);
    }

    /// The halves of vector `v`, if it has them without packing.
    pub fn halves(&self, dfg: &DataFlowGraph, v: Value) -> Option<[Value; 2]> {
        self.halves.get(&dfg.resolve_aliases(v)).copied()
    }

    /// The lanes of vector `v` (or of the value it aliases).
    pub fn lanes(&self, dfg: &DataFlowGraph, v: Value) -> Result<Vec<Value>> {
        let v = dfg.resolve_aliases(v);
        self.lanes.get(&v).cloned().ok_or_else(|| {
            anyhow!("vector value {v} is used before it is lowered (defined by an unsupported instruction?)")
        })
    }

    /// Records that `result` is `bitcast(source)`.
    pub fn record_bitcast(&mut self, dfg: &DataFlowGraph, result: Value, source: Value) {
        self.bitcast_source
            .insert(result, dfg.resolve_aliases(source));
    }

    /// The nearest value up the bitcast chain of `v` (including `v`) whose
    /// lanes are `lane_bits` wide, if any has been lowered.
    pub fn ancestor_with_lane_bits(
        &self,
        dfg: &DataFlowGraph,
        v: Value,
        lane_bits: u32,
    ) -> Option<Value> {
        let mut v = dfg.resolve_aliases(v);
        // A chain is at most as long as the function; the bound only
        // guards against a cycle, which SSA rules out.
        for _ in 0..=self.bitcast_source.len() {
            if dfg.value_type(v).lane_bits() == lane_bits && self.lanes.contains_key(&v) {
                return Some(v);
            }
            v = *self.bitcast_source.get(&v)?;
        }
        None
    }
}

/// Checks that `ty` is a 128-bit vector, the only size Wasm has.
pub fn check_shape(ty: Type) -> Result<()> {
    if !ty.is_vector() || ty.bits() != 128 {
        bail!("vector type {ty} is not a 128-bit vector");
    }
    Ok(())
}

/// `v` (a lane) as an integer of the same width.
pub fn to_int(pos: &mut FuncCursor, v: Value) -> Value {
    let ty = pos.func.dfg.value_type(v);
    if ty.is_float() {
        pos.ins().bitcast(ty.as_int(), MemFlagsData::new(), v)
    } else {
        v
    }
}

/// Integer `v` as a lane of type `lane` (same width).
pub fn from_int(pos: &mut FuncCursor, v: Value, lane: Type) -> Value {
    if lane.is_float() {
        pos.ins().bitcast(lane, MemFlagsData::new(), v)
    } else {
        v
    }
}

/// A lane of type `lane` holding `bits` (the low `lane.bits()` of them).
pub fn const_lane(pos: &mut FuncCursor, lane: Type, bits: u64) -> Value {
    match lane {
        types::F32 => pos.ins().f32const(Ieee32::with_bits(bits as u32)),
        types::F64 => pos.ins().f64const(Ieee64::with_bits(bits)),
        _ => {
            let mask = if lane.bits() >= 64 {
                u64::MAX
            } else {
                (1u64 << lane.bits()) - 1
            };
            pos.ins().iconst(lane, (bits & mask) as i64)
        }
    }
}

/// The two `I64` halves `[low, high]` of a vector of type `ty`.
pub fn pack(pos: &mut FuncCursor, ty: Type, lanes: &[Value]) -> Result<[Value; 2]> {
    check_shape(ty)?;
    let width = ty.lane_bits();
    let per_half = (64 / width) as usize;
    let mut halves = Vec::with_capacity(2);
    for chunk in lanes.chunks(per_half) {
        let mut acc: Option<Value> = None;
        for (k, &lane) in chunk.iter().enumerate() {
            let mut x = to_int(pos, lane);
            if width < 64 {
                x = pos.ins().uextend(types::I64, x);
            }
            if k > 0 {
                x = pos.ins().ishl_imm_u(x, i64::from(width) * k as i64);
            }
            acc = Some(match acc {
                Some(a) => pos.ins().bor(a, x),
                None => x,
            });
        }
        halves.push(acc.ok_or_else(|| anyhow!("vector {ty} has no lanes"))?);
    }
    let [low, high] = halves[..] else {
        bail!("vector {ty} with {} lanes", lanes.len())
    };
    Ok([low, high])
}

/// The lanes of a vector of type `ty` from its two `I64` halves.
pub fn unpack(pos: &mut FuncCursor, ty: Type, halves: [Value; 2]) -> Result<Vec<Value>> {
    check_shape(ty)?;
    let lane = ty.lane_type();
    let width = ty.lane_bits();
    let per_half = 64 / width;
    let mut lanes = Vec::with_capacity(ty.lane_count() as usize);
    for half in halves {
        for k in 0..per_half {
            let mut x = half;
            if k > 0 {
                x = pos.ins().ushr_imm_u(x, i64::from(width * k));
            }
            if width < 64 {
                x = pos.ins().ireduce(lane.as_int(), x);
            }
            lanes.push(from_int(pos, x, lane));
        }
    }
    Ok(lanes)
}

/// The two halves of vector `v`: the recorded ones, or its lanes packed
/// here (not recorded: this point need not dominate other uses).
pub fn halves_of(pos: &mut FuncCursor, map: &LaneMap, v: Value) -> Result<[Value; 2]> {
    if let Some(halves) = map.halves(&pos.func.dfg, v) {
        return Ok(halves);
    }
    let ty = pos.func.dfg.value_type(v);
    let lanes = map.lanes(&pos.func.dfg, v)?;
    pack(pos, ty, &lanes)
}

/// Lanes of vector type `to` with the same bits as `lanes`, whose lanes
/// have the same width (`I32X4` and `F32X4`): each lane keeps its bits.
pub fn relabel(pos: &mut FuncCursor, to: Type, lanes: &[Value]) -> Vec<Value> {
    lanes
        .iter()
        .map(|&l| {
            let int = to_int(pos, l);
            from_int(pos, int, to.lane_type())
        })
        .collect()
}

/// The lanes of `ty` as integers (float lanes reinterpreted).
pub fn int_lanes(pos: &mut FuncCursor, lanes: &[Value]) -> Vec<Value> {
    lanes.iter().map(|&l| to_int(pos, l)).collect()
}

/// Integer lanes back to lanes of `lane` (float lanes reinterpreted).
pub fn typed_lanes(pos: &mut FuncCursor, lane: Type, ints: &[Value]) -> Vec<Value> {
    ints.iter().map(|&l| from_int(pos, l, lane)).collect()
}
