//! The subcommands, one file each. Only this layer uses `anyhow`.

mod sandbox;

use std::process::ExitCode;

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
    /// Development and test tools for the container runtime.
    #[command(hide = true, subcommand)]
    Sandbox(sandbox::SandboxCommand),
}

/// Parses the command line and runs the subcommand; errors print as `kiln: ...`.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Sandbox(cmd) => sandbox::run(cmd),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("kiln: {err:#}");
            ExitCode::FAILURE
        }
    }
}
