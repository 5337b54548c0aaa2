//! Example firmware embedding a Wasm module compiled by wafer, in Rust
//! (see README.md): its own startup code and trap vector (M-mode), its own
//! UART output (NS16550 at 0x1000_0000), and the module through
//! `wafer-embed`. Ends QEMU through the SiFive test device.
#![no_std]
#![no_main]

use core::fmt::Write;

use wafer_embed::{Error, Instance, Module, Trap, TrapCode};

unsafe extern "C" {
    /// The module: `wafer compile app.wat` (prefix `app`).
    static wafer_module_app: Module;
}

core::arch::global_asm!(
    ".section .text.start, \"ax\"",
    ".globl firmware_start",
    "firmware_start:",
    // One hart runs the firmware; the others wait forever.
    "csrr t0, mhartid",
    "bnez t0, 9f",
    "la sp, __stack_top",
    "la t0, __bss_start",
    "la t1, __bss_end",
    "1: bgeu t0, t1, 2f",
    "sd zero, 0(t0)",
    "addi t0, t0, 8",
    "j 1b",
    // mstatus.FS = Initial: FP instructions (Wasm f32/f64) allowed.
    "2: li t0, 0x2000",
    "csrs mstatus, t0",
    "la t0, trap_entry",
    "csrw mtvec, t0",
    "call firmware_main",
    "9: wfi",
    "j 9b",
    // Every exception goes to the wafer runtime, which turns a trap in Wasm
    // code into an error of the API call (it returns the address to resume
    // at, its trap landing) and reports anything else as fatal.
    ".balign 4",
    "trap_entry:",
    "addi sp, sp, -128",
    "sd ra, 0(sp)",
    "sd t0, 8(sp)",
    "sd t1, 16(sp)",
    "sd t2, 24(sp)",
    "sd a0, 32(sp)",
    "sd a1, 40(sp)",
    "sd a2, 48(sp)",
    "sd a3, 56(sp)",
    "sd a4, 64(sp)",
    "sd a5, 72(sp)",
    "sd a6, 80(sp)",
    "sd a7, 88(sp)",
    "sd t3, 96(sp)",
    "sd t4, 104(sp)",
    "sd t5, 112(sp)",
    "sd t6, 120(sp)",
    "csrr a0, mcause",
    "csrr a1, mepc",
    "csrr a2, mtval",
    "call wafer_riscv_exception",
    "csrw mepc, a0",
    "ld ra, 0(sp)",
    "ld t0, 8(sp)",
    "ld t1, 16(sp)",
    "ld t2, 24(sp)",
    "ld a0, 32(sp)",
    "ld a1, 40(sp)",
    "ld a2, 48(sp)",
    "ld a3, 56(sp)",
    "ld a4, 64(sp)",
    "ld a5, 72(sp)",
    "ld a6, 80(sp)",
    "ld a7, 88(sp)",
    "ld t3, 96(sp)",
    "ld t4, 104(sp)",
    "ld t5, 112(sp)",
    "ld t6, 120(sp)",
    "addi sp, sp, 128",
    "mret",
);

/// The NS16550 UART of QEMU's virt machine.
struct Uart;

impl Write for Uart {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        const BASE: usize = 0x1000_0000;
        const LSR_THR_EMPTY: u8 = 1 << 5;
        for &b in s.as_bytes() {
            // SAFETY: the UART's registers: THR at +0, LSR at +5.
            unsafe {
                while core::ptr::read_volatile((BASE + 5) as *const u8) & LSR_THR_EMPTY == 0 {}
                core::ptr::write_volatile(BASE as *mut u8, b);
            }
        }
        Ok(())
    }
}

macro_rules! println {
    ($($arg:tt)*) => {{
        let _ = writeln!(Uart, $($arg)*);
    }};
}

/// Ends QEMU with `code` through the SiFive test device.
fn exit(code: u32) -> ! {
    const TEST: usize = 0x10_0000;
    let value = if code == 0 {
        0x5555
    } else {
        (code << 16) | 0x3333
    };
    // SAFETY: the test device's register.
    unsafe { core::ptr::write_volatile(TEST as *mut u32, value) };
    loop {
        core::hint::spin_loop();
    }
}

#[panic_handler]
fn panic(info: &core::panic::PanicInfo<'_>) -> ! {
    println!("firmware panic: {info}");
    exit(1)
}

/// The module's import `env.led_set`.
#[unsafe(no_mangle)]
pub extern "C" fn env_led_set(_vmctx: *mut core::ffi::c_void, on: i32) {
    println!("LED {}", if on != 0 { "on" } else { "off" });
}

fn print_trap(trap: &Trap) {
    let mut line = Uart;
    let _ = write!(line, "trap: {}", trap.message);
    if !trap.function.is_empty() {
        let _ = write!(line, " in {}!{}", trap.module, trap.function);
    }
    if let Some(offset) = trap.wasm_offset {
        let _ = write!(line, " at wasm offset {offset}");
    }
    let _ = writeln!(line);
}

fn run() -> Result<(), Error> {
    println!("firmware: start");
    // SAFETY: the descriptor symbol of a `wafer compile` object.
    let mut app = Instance::new(unsafe { &*core::ptr::addr_of!(wafer_module_app) })?;
    let blink = app.func::<i32, i32>("blink")?;
    let div = app.func::<(i32, i32), i32>("div")?;
    let peek = app.func::<i32, i32>("peek")?;
    let swap = app.func::<(i64, f64), (f64, i64)>("swap-pair")?;
    // Asking for the wrong signature is an error, not a bad call.
    assert_eq!(
        app.func::<i64, i32>("div").err(),
        Some(Error::SignatureMismatch)
    );

    println!("blink returned {}", app.call(blink, 3)?);
    println!("div(84, 2) = {}", app.call(div, (84, 2))?);
    // A trap comes back as an error; the firmware keeps running.
    match app.call(div, (1, 0)) {
        Err(Error::Trap(trap)) if trap.code == Some(TrapCode::IntegerDivideByZero) => {
            print_trap(&trap)
        }
        other => panic!("div(1, 0) did not trap: {other:?}"),
    }

    let memory = app.memory_mut().expect("the module has a memory");
    let length = memory.len();
    let greeting = core::str::from_utf8(&memory[16..18]).unwrap_or("?");
    println!("memory: {length} bytes, data at 16: {greeting}");
    memory[100] = 42;
    println!("peek(100) = {}", app.call(peek, 100)?);
    match app.call(peek, length as i32) {
        Err(Error::Trap(trap)) => print_trap(&trap),
        other => panic!("peek past the end did not trap: {other:?}"),
    }

    let (f, i) = app.call(swap, (-7, 2.5))?;
    println!("swap-pair(-7, 2.5) = ({f}, {i})");
    // The instance still works after its traps.
    app.call(blink, 1)?;
    // A reset brings back the initial memory (and globals, tables).
    app.reset()?;
    let memory = app.memory_mut().expect("the module has a memory");
    let greeting = core::str::from_utf8(&memory[16..18]).unwrap_or("?");
    println!(
        "after reset: byte 100 = {}, data at 16: {greeting}",
        memory[100]
    );
    println!("firmware: done");
    Ok(())
}

#[unsafe(no_mangle)]
extern "C" fn firmware_main() -> ! {
    match run() {
        Ok(()) => exit(0),
        Err(e) => {
            println!("firmware: {e:?}");
            exit(1)
        }
    }
}
