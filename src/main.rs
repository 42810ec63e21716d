//! The `kiln` command line.

mod cmd;
mod eval_host;
mod session;
mod stdlib;
mod store;

fn main() -> std::process::ExitCode {
    cmd::run(clap::Parser::parse())
}
