"""The wafer benchmark suite: native vs wafer vs wasmtime (see benches/README.md)."""
