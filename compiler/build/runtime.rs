//! Builds the runtime archives (placeholder until the runtime lands).
pub fn build_runtimes(_out_dir: &std::path::Path) {}
