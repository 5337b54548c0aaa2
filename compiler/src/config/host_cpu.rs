//! `--cpu native`: the Cranelift ISA flags of the CPU wafer runs on.
//!
//! Detected with the standard library's run-time feature tests (no extra
//! dependency). Only flags that change code generation are listed; each
//! maps one CPU feature to the Cranelift flag of the same meaning.

/// `(feature detected on the host, Cranelift flag)`, for an x86_64 host.
#[cfg(target_arch = "x86_64")]
pub fn native_flags() -> Option<Vec<String>> {
    macro_rules! detect {
        ($($feature:tt => $flag:literal),* $(,)?) => {{
            let mut flags = Vec::new();
            $(if std::arch::is_x86_feature_detected!($feature) {
                flags.push(String::from($flag));
            })*
            flags
        }};
    }
    Some(detect!(
        "sse3" => "has_sse3",
        "ssse3" => "has_ssse3",
        "cmpxchg16b" => "has_cmpxchg16b",
        "sse4.1" => "has_sse41",
        "sse4.2" => "has_sse42",
        "popcnt" => "has_popcnt",
        "avx" => "has_avx",
        "avx2" => "has_avx2",
        "fma" => "has_fma",
        "bmi1" => "has_bmi1",
        "bmi2" => "has_bmi2",
        "lzcnt" => "has_lzcnt",
        "avx512f" => "has_avx512f",
        "avx512vl" => "has_avx512vl",
        "avx512dq" => "has_avx512dq",
        "avx512vbmi" => "has_avx512vbmi",
        "avx512bitalg" => "has_avx512bitalg",
        "avx512vnni" => "has_avx512vnni",
    ))
}

/// As above, for an aarch64 host.
#[cfg(target_arch = "aarch64")]
pub fn native_flags() -> Option<Vec<String>> {
    let mut flags = Vec::new();
    if std::arch::is_aarch64_feature_detected!("lse") {
        flags.push(String::from("has_lse"));
    }
    if std::arch::is_aarch64_feature_detected!("fp16") {
        flags.push(String::from("has_fp16"));
    }
    if std::arch::is_aarch64_feature_detected!("dotprod") {
        flags.push(String::from("has_dotprod"));
    }
    Some(flags)
}

/// Hosts without detection (riscv64's is not stable in Rust yet).
#[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
pub fn native_flags() -> Option<Vec<String>> {
    None
}
