//! The `kiln` command line.

mod cmd;
mod eval_host;
mod session;
mod stdlib;
mod store;

#[cfg(feature = "mimalloc")]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    cmd::run(clap::Parser::parse())
}
