//! The `kiln` command line.

mod cmd;
mod store;

fn main() -> std::process::ExitCode {
    cmd::run(clap::Parser::parse())
}
