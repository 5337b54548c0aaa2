//! x86_64 boot code (PVH entry) and exception vectors.
//!
//! Boot: a PVH ELF note (`XEN_ELFNOTE_PHYS32_ENTRY`) names `_start`, which
//! QEMU's `-kernel` (and Xen, Firecracker, cloud-hypervisor) enter in
//! 32-bit protected mode with paging off. `_start` zeroes `.bss`, copies
//! `.data`, identity-maps the first 4 GiB with four 1 GiB pages (the top
//! GiB, where the PC's devices live, uncached; 1 GiB pages need a CPU with
//! `pdpe1gb`, as QEMU's `-cpu max` and every x86_64 since ~2010 have),
//! enables PAE, long mode, no-execute pages and SSE
//! (CR0.MP, CR4.OSFXSR/OSXMMEXCPT; AVX state too when the CPU has it),
//! loads a flat 64-bit GDT, jumps to 64-bit code, installs the IDT and
//! enters Rust.
//!
//! Exceptions: vectors 0-31 push their number (and a zero where the CPU
//! pushes no error code) and ask the runtime where to resume. The only
//! return is to the trap landing, which longjmps out of the faulting code,
//! so no interrupted register is preserved. Exceptions use the current
//! stack (no IST): compiled code checks its stack limit before it can
//! overflow, and Cranelift code uses no red zone.
//!
//! Guard windows (guard-mode linear memories, see `paging.rs`) live in
//! PML4 entries 1-255: from 512 GiB to the top of the lower canonical half.

use super::paging::Isa;

/// PML4 and PDPT of the identity map (zeroed with `.bss` before use):
/// 8 KiB of RAM. PML4 entries past the first belong to guard windows.
#[repr(C, align(4096))]
pub struct PageTables {
    pml4: [u64; 512],
    pdpt: [u64; 512],
}

#[unsafe(no_mangle)]
pub static mut WAFER_PAGE_TABLES: PageTables = PageTables {
    pml4: [0; 512],
    pdpt: [0; 512],
};

core::arch::global_asm!(
    // The PVH entry note: name "Xen", type 18, the 32-bit entry address.
    ".pushsection .note.wafer.pvh, \"a\", @note",
    ".balign 4",
    ".long 4",
    ".long 4",
    ".long 18",
    ".asciz \"Xen\"",
    ".balign 4",
    ".long _start",
    ".popsection",
    "",
    ".section .text.boot, \"ax\"",
    ".code32",
    ".globl _start",
    "_start:",
    "cli",
    "cld",
    "movl $__wafer_bss_start, %edi",
    "movl $__wafer_bss_end, %ecx",
    "subl %edi, %ecx",
    "xorl %eax, %eax",
    "rep stosb",
    "movl $__wafer_data_load, %esi",
    "movl $__wafer_data_start, %edi",
    "movl $__wafer_data_end, %ecx",
    "subl %edi, %ecx",
    "rep movsb",
    // PML4[0] -> PDPT (present, writable, accessed); PDPT[0..4]: 1 GiB
    // pages, present, writable, accessed, dirty (so the CPU never writes
    // the tables); from 3 GiB on also PCD|PWT.
    "movl $WAFER_PAGE_TABLES, %ebx",
    "leal 0x1023(%ebx), %eax",
    "movl %eax, (%ebx)",
    "xorl %ecx, %ecx",
    "2: movl %ecx, %eax",
    "shll $30, %eax",
    "orl $0xe3, %eax",
    "cmpl $3, %ecx",
    "jb 3f",
    "orl $0x18, %eax",
    "3: movl %eax, 0x1000(%ebx,%ecx,8)",
    "incl %ecx",
    "cmpl $4, %ecx",
    "jb 2b",
    // CR4: PAE, OSFXSR, OSXMMEXCPT. EFER.LME, NXE. CR0: PG, PE, MP; EM, TS,
    // CD, NW clear.
    "movl %cr4, %eax",
    "orl $0x620, %eax",
    "movl %eax, %cr4",
    "movl %ebx, %cr3",
    "movl $0xc0000080, %ecx",
    "rdmsr",
    "orl $0x900, %eax", // LME, NXE
    "wrmsr",
    "movl %cr0, %eax",
    "andl $0x9ffffff3, %eax",
    "orl $0x80000003, %eax",
    "movl %eax, %cr0",
    "lgdt wafer_gdt_pointer",
    "ljmp $0x08, $4f",
    ".code64",
    "4: movw $0x10, %ax",
    "movw %ax, %ds",
    "movw %ax, %es",
    "movw %ax, %ss",
    "movw %ax, %fs",
    "movw %ax, %gs",
    "movq $__wafer_stack_top, %rsp",
    // AVX state (XCR0 bit 2) when the CPU has XSAVE and AVX.
    "movl $1, %eax",
    "cpuid",
    "btl $26, %ecx",
    "jnc 6f",
    "movl %ecx, %esi",
    "movq %cr4, %rax",
    "orq $0x40000, %rax",
    "movq %rax, %cr4",
    "xorl %ecx, %ecx",
    "xgetbv",
    "orl $3, %eax",
    "btl $28, %esi",
    "jnc 5f",
    "orl $4, %eax",
    "5: xorl %ecx, %ecx",
    "xsetbv",
    "6: call wafer_x86_install_idt",
    "movq %rsp, %rdi",
    "call wafer_baremetal_entry",
    "9: hlt",
    "jmp 9b",
    "",
    // Exception entry stubs.
    ".text",
    ".irp n, 0,1,2,3,4,5,6,7,9,15,16,18,19,20,22,23,24,25,26,27,28,31",
    "wafer_vector_\\n:",
    "pushq $0",
    "pushq $\\n",
    "jmp wafer_exception_common",
    ".endr",
    ".irp n, 8,10,11,12,13,14,17,21,29,30",
    "wafer_vector_\\n:",
    "pushq $\\n",
    "jmp wafer_exception_common",
    ".endr",
    "wafer_exception_common:",
    "movq (%rsp), %rdi",
    "movq 16(%rsp), %rsi",
    "movq %cr2, %rdx",
    "movq %rsp, %rbx",
    "andq $-16, %rsp",
    "call wafer_x86_exception",
    "movq %rbx, %rsp",
    "movq %rax, 16(%rsp)",
    "addq $16, %rsp",
    "iretq",
    "",
    ".section .rodata.wafer_boot, \"a\"",
    ".balign 16",
    "wafer_gdt:",
    ".quad 0",
    ".quad 0x00af9a000000ffff", // 0x08: 64-bit code
    ".quad 0x00cf92000000ffff", // 0x10: data
    "wafer_gdt_pointer:",
    ".word 23",
    ".long wafer_gdt",
    ".balign 8",
    ".globl wafer_x86_vector_table",
    "wafer_x86_vector_table:",
    ".irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31",
    ".quad wafer_vector_\\n",
    ".endr",
    ".text",
    options(att_syntax)
);

/// Interrupt descriptor table: 32 gates of two words.
#[repr(C, align(16))]
struct Idt([u64; 64]);

static mut IDT: Idt = Idt([0; 64]);

/// Fills the IDT with interrupt gates to the stubs above and loads it.
#[unsafe(no_mangle)]
extern "C" fn wafer_x86_install_idt() {
    unsafe extern "C" {
        static wafer_x86_vector_table: [u64; 32];
    }
    const CODE_SELECTOR: u64 = 0x08;
    const INTERRUPT_GATE: u64 = 0x8e; // present, ring 0, 64-bit interrupt gate
    #[repr(C, packed)]
    struct Pointer {
        limit: u16,
        base: u64,
    }
    // SAFETY: runs once at boot, before anything else uses the IDT.
    unsafe {
        let idt = &mut *core::ptr::addr_of_mut!(IDT);
        for (vector, &handler) in wafer_x86_vector_table.iter().enumerate() {
            idt.0[2 * vector] = (handler & 0xffff)
                | CODE_SELECTOR << 16
                | INTERRUPT_GATE << 40
                | ((handler >> 16) & 0xffff) << 48;
            idt.0[2 * vector + 1] = handler >> 32;
        }
        let pointer = Pointer {
            limit: (core::mem::size_of::<Idt>() - 1) as u16,
            base: idt as *const Idt as u64,
        };
        core::arch::asm!("lidt [{}]", in(reg) &pointer, options(nostack));
    }
}

/// The guard-window area: PML4 entries 1-255 of the boot page tables.
pub struct Mmu;

impl Isa for Mmu {
    const AREAS: &'static [(usize, usize)] = &[(1 << 39, (1 << 47) - 1)];
    const ROOT_SHIFT: u32 = 39;
    /// Present, writable, accessed.
    const TABLE: u64 = 0x23;
    /// Present, writable, accessed, dirty, no-execute.
    const PAGE: u64 = 0x63 | 1 << 63;

    fn root() -> *mut u64 {
        // SAFETY: only the address of the boot tables is taken.
        unsafe { core::ptr::addr_of_mut!(WAFER_PAGE_TABLES.pml4) as *mut u64 }
    }

    fn sync() {
        // New entries replace non-present ones, which the CPU does not
        // cache; reloading CR3 flushes the paging-structure caches anyway.
        // SAFETY: CR3 keeps its value.
        unsafe {
            core::arch::asm!(
                "mov {t}, cr3",
                "mov cr3, {t}",
                t = out(reg) _,
                options(nostack)
            );
        }
    }
}

/// Called by the exception stubs with the vector, the faulting RIP and
/// CR2: returns where to resume (the trap landing) or ends the program.
#[unsafe(no_mangle)]
extern "C" fn wafer_x86_exception(vector: usize, rip: usize, cr2: usize) -> usize {
    /// #PF: CR2 holds the address the access faulted on.
    const PAGE_FAULT: usize = 14;
    if vector == PAGE_FAULT {
        crate::trap::handle_memory_fault(vector as i32, rip, cr2)
    } else {
        crate::trap::handle_fault(vector as i32, rip)
    }
}
