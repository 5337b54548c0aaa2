//! Embedding compiled modules in firmware wafer does not build: the C
//! header of a module (`wafer compile --header`) and the runtime as a
//! static library with its C API (`wafer runtime`). See docs/embedding.md.

pub mod header;
pub mod library;
