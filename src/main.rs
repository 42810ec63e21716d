//! The `kiln` command line.

mod cmd;
mod eval_host;
mod plan;
mod sandbox;
mod session;
mod stdlib;
mod store;

#[cfg(feature = "mimalloc")]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    // First, before clap, threads or any runtime: `kiln __sandbox-init` is the single-threaded
    // container helper that `sandbox::spawn` re-executes, and it never returns.
    sandbox::enter_helper_if_requested();
    cmd::run(clap::Parser::parse())
}
