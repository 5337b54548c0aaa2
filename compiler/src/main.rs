//! The `wafer` command line.

use std::process::ExitCode;

fn main() -> ExitCode {
    wafer::cli::main()
}
