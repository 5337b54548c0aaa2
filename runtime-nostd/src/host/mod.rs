//! Host modules: what the runtime itself exports to Wasm.

pub mod abort;
pub mod spectest;
pub mod wasi;
pub mod wasi_fs;
pub mod wasi_poll;
