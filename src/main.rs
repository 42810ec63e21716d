//! The `kiln` command line.

mod cmd;
mod sandbox;

fn main() -> std::process::ExitCode {
    // First, before clap, threads or any runtime: `kiln __sandbox-init` is the single-threaded
    // container helper that `sandbox::spawn` re-executes, and it never returns.
    sandbox::enter_helper_if_requested();
    cmd::main()
}
