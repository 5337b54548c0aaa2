//! Float constants read from the constant pool: `f64const c` becomes lane 0
//! of `vconst.f64x2 [c, 0]` (likewise `f32const` in an `f32x4`).
//!
//! Cranelift's x86_64 backend builds a scalar float constant in a general
//! register and moves it over (`movabs $0x3f847ae147ae147b,%rax; movq
//! %rax,%xmm9`), and its mid-end rebuilds a constant in every block that
//! uses it, so inside a loop that runs every round: n-body's `dt`. A vector
//! constant is one load from the function's constant pool (`movdqu
//! 0x..(%rip),%xmm9`), and taking lane 0 of a float vector is no
//! instruction at all (the scalar lives in the low lane of the register).
//! Zero stays `f64const`: it is one `xorpd` already. The bits are the
//! same, NaN payloads included: the load copies them.

use cranelift_codegen::cursor::{Cursor, FuncCursor};
use cranelift_codegen::ir::{ConstantData, Function, InstBuilder, InstructionData, Opcode, types};

/// Rewrites the non-zero float constants of `func` (see the module comment).
pub fn float_constants_from_pool(func: &mut Function) {
    let rewrites = super::known_bits::scan(func, |inst, data| match *data {
        InstructionData::UnaryIeee64 {
            opcode: Opcode::F64const,
            imm,
        } if imm.bits() != 0 => Some((inst, imm.bits().to_le_bytes().to_vec())),
        InstructionData::UnaryIeee32 {
            opcode: Opcode::F32const,
            imm,
        } if imm.bits() != 0 => Some((inst, imm.bits().to_le_bytes().to_vec())),
        _ => None,
    });
    for (inst, low_bytes) in rewrites {
        let vector = if low_bytes.len() == 8 {
            types::F64X2
        } else {
            types::F32X4
        };
        let mut bytes = low_bytes;
        bytes.resize(16, 0);
        let constant = func.dfg.constants.insert(ConstantData::from(bytes));
        let mut cursor = FuncCursor::new(func).at_inst(inst);
        let lanes = cursor.ins().vconst(vector, constant);
        cursor.func.replace(inst).extractlane(lanes, 0);
    }
}

#[cfg(test)]
mod tests {
    use cranelift_codegen::ir::immediates::{Ieee32, Ieee64};
    use cranelift_codegen::ir::{Function, InstBuilder, InstructionData, Opcode, types};

    use super::float_constants_from_pool;
    use crate::translate::test_ir;

    /// `fn() -> (f64, f32, f64)` returning `dt`, a NaN with a payload and 0.
    fn constants() -> Function {
        test_ir::function(&[], &[types::F64, types::F32, types::F64], |builder, _| {
            let dt = builder
                .ins()
                .f64const(Ieee64::with_bits(0x3f84_7ae1_47ae_147b));
            let nan = builder.ins().f32const(Ieee32::with_bits(0x7fa0_0001));
            let zero = builder.ins().f64const(Ieee64::with_bits(0));
            builder.ins().return_(&[dt, nan, zero]);
        })
    }

    #[test]
    fn non_zero_constants_are_lane_zero_of_a_pool_constant_with_their_bits() {
        let mut func = constants();
        float_constants_from_pool(&mut func);
        let block = func.layout.entry_block().unwrap();
        let ret = func.layout.last_inst(block).unwrap();
        let returned: Vec<_> = func.dfg.inst_args(ret).to_vec();
        let expected_low_bytes: [&[u8]; 2] = [
            &0x3f84_7ae1_47ae_147b_u64.to_le_bytes(),
            &0x7fa0_0001_u32.to_le_bytes(),
        ];
        for (value, low) in returned.iter().zip(expected_low_bytes) {
            let lane = func.dfg.value_def(*value).unwrap_inst();
            assert_eq!(func.dfg.insts[lane].opcode(), Opcode::Extractlane);
            let vector = func.dfg.inst_args(lane)[0];
            let InstructionData::UnaryConst {
                opcode: Opcode::Vconst,
                constant_handle,
            } = func.dfg.insts[func.dfg.value_def(vector).unwrap_inst()]
            else {
                panic!("lane 0 of something other than a vconst");
            };
            let bytes = func.dfg.constants.get(constant_handle).as_slice();
            assert_eq!(&bytes[..low.len()], low);
            assert!(bytes[low.len()..].iter().all(|&b| b == 0));
        }
        // Zero is left as it is.
        let zero = func.dfg.value_def(returned[2]).unwrap_inst();
        assert_eq!(func.dfg.insts[zero].opcode(), Opcode::F64const);
    }
}
