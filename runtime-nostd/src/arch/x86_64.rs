//! x86_64 (System V): entry, protected calls, trap landing, and on Linux
//! the signal entry.
//!
//! JmpBuf words: 0 rbx, 1 rbp, 2 r12, 3 r13, 4 r14, 5 r15, 6 rsp (after
//! return), 7 return address.

#[cfg(all(not(test), not(wafer_platform = "baremetal")))]
core::arch::global_asm!(
    ".globl _start",
    "_start:",
    "xor ebp, ebp",
    "mov rdi, rsp",
    "and rsp, -16",
    "call wafer_linux_entry",
    "ud2",
);

core::arch::global_asm!(
    ".globl wafer_call_protected",
    "wafer_call_protected:",
    "mov [rdi], rbx",
    "mov [rdi + 8], rbp",
    "mov [rdi + 16], r12",
    "mov [rdi + 24], r13",
    "mov [rdi + 32], r14",
    "mov [rdi + 40], r15",
    "lea rax, [rsp + 8]",
    "mov [rdi + 48], rax",
    "mov rax, [rsp]",
    "mov [rdi + 56], rax",
    "sub rsp, 8",
    "mov rax, rsi",
    "mov rdi, rdx",
    "mov rsi, rcx",
    "call rax",
    "add rsp, 8",
    "xor eax, eax",
    "ret",
    "",
    ".globl wafer_longjmp",
    "wafer_longjmp:",
    "mov rbx, [rdi]",
    "mov rbp, [rdi + 8]",
    "mov r12, [rdi + 16]",
    "mov r13, [rdi + 24]",
    "mov r14, [rdi + 32]",
    "mov r15, [rdi + 40]",
    "mov rsp, [rdi + 48]",
    "mov eax, esi",
    "jmp qword ptr [rdi + 56]",
    "",
    ".globl wafer_trap_landing",
    "wafer_trap_landing:",
    "mov rdi, qword ptr [rip + {current}]",
    "mov esi, 1",
    "jmp wafer_longjmp",
    current = sym crate::trap::CURRENT_JMPBUF,
);

// Linux only: the signal entry and the `rt_sigreturn` restorer.
#[cfg(not(wafer_platform = "baremetal"))]
core::arch::global_asm!(
    ".globl wafer_signal_entry",
    "wafer_signal_entry:",
    "push rbp",
    "mov rbp, rsp",
    "and rsp, -16",
    "call wafer_on_fault",
    "mov rsp, rbp",
    "pop rbp",
    "ret",
    "",
    ".globl wafer_signal_restorer",
    "wafer_signal_restorer:",
    "mov eax, 15",
    "syscall",
    "ud2",
);
