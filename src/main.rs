//! The `kiln` command line.

mod cmd;
mod eval_host;
mod session;
mod stdlib;

use clap::{Parser, Subcommand};

/// Declarative, Nix-style reproducible environments.
#[derive(Parser)]
#[command(name = "kiln", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Evaluate a kiln.nix file or an expression and print the value.
    Eval(cmd::eval::EvalArgs),
    /// Check that files parse; print the errors otherwise.
    Parse(cmd::parse::ParseArgs),
}

fn main() {
    let cli = Cli::parse();
    let code = match cli.command {
        Command::Eval(args) => cmd::eval::run(args),
        Command::Parse(args) => cmd::parse::run(args),
    };
    std::process::exit(code);
}
