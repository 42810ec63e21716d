//! Command-line interface: one file per subcommand; the only place that uses anyhow.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};

use crate::store::Store;

pub mod eval;
mod gc;
pub mod parse;
pub mod plan;
mod sandbox;
mod store_add_root;
mod store_add_source;
mod store_add_text;
mod store_hash;
mod store_info;
mod store_ls;
mod store_register;
mod store_run_build;
mod store_verify;

/// kiln: declarative, Nix-style reproducible environments.
#[derive(Debug, Parser)]
#[command(name = "kiln", version)]
pub struct Cli {
    /// Store root (default: $KILN_STORE, else $XDG_DATA_HOME/kiln, else ~/.local/share/kiln).
    #[arg(long, global = true, value_name = "DIR")]
    pub store: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Evaluate a kiln.nix file or an expression and print the value.
    Eval(eval::EvalArgs),
    /// Check that files parse; print the errors otherwise.
    Parse(parse::ParseArgs),
    /// Evaluate a kiln.nix and print the steps it needs, as a tree or JSON.
    Plan(plan::PlanArgs),
    /// Inspect and check the store.
    #[command(subcommand)]
    Store(StoreCommand),
    /// Delete store paths that no root keeps alive.
    Gc(gc::Args),
    /// Development and test tools for the container runtime.
    #[command(hide = true, subcommand)]
    Sandbox(sandbox::SandboxCommand),
}

/// `kiln store ...`
#[derive(Debug, Subcommand)]
pub enum StoreCommand {
    /// Rehash store paths and report corrupt or missing ones (exit 1 if any).
    Verify(store_verify::Args),
    /// List valid store paths, or the closure of some.
    Ls(store_ls::Args),
    /// Show a store path's metadata: sizes, hashes, references, referrers.
    Info(store_info::Args),
    /// Copy a host file or tree into the store (content-addressed).
    #[command(hide = true)]
    AddSource(store_add_source::Args),
    /// Store standard input as a text file (builtins.toFile).
    #[command(hide = true)]
    AddText(store_add_text::Args),
    /// Register a finished output under an expected store path.
    #[command(hide = true)]
    Register(store_register::Args),
    /// Lock a path and, unless valid, run a command that writes $out, then register it.
    #[command(hide = true)]
    RunBuild(store_run_build::Args),
    /// Print the content hash and size of a host file or tree.
    #[command(hide = true)]
    Hash(store_hash::Args),
    /// Point LINK at a store path and make it an indirect GC root.
    #[command(hide = true)]
    AddRoot(store_add_root::Args),
}

/// Runs a parsed command line; errors are printed as `kiln: error: ...` with exit code 1.
pub fn run(cli: Cli) -> ExitCode {
    match dispatch(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("kiln: error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn dispatch(cli: Cli) -> anyhow::Result<ExitCode> {
    let store_root = cli.store.clone();
    let open = || open_store(store_root.as_deref());
    match cli.command {
        Command::Eval(a) => Ok(exit_code(eval::run(a, store_root))),
        Command::Parse(a) => Ok(exit_code(parse::run(a))),
        Command::Plan(a) => Ok(exit_code(plan::run(a, store_root))),
        Command::Store(cmd) => match cmd {
            StoreCommand::Verify(a) => store_verify::run(&open()?, a),
            StoreCommand::Ls(a) => store_ls::run(&open()?, a),
            StoreCommand::Info(a) => store_info::run(&open()?, a),
            StoreCommand::AddSource(a) => store_add_source::run(&open()?, a),
            StoreCommand::AddText(a) => store_add_text::run(&open()?, a),
            StoreCommand::Register(a) => store_register::run(&open()?, a),
            StoreCommand::RunBuild(a) => store_run_build::run(&open()?, a),
            StoreCommand::Hash(a) => store_hash::run(a),
            StoreCommand::AddRoot(a) => store_add_root::run(&open()?, a),
        },
        Command::Gc(a) => gc::run(&open()?, a),
        Command::Sandbox(cmd) => sandbox::run(cmd),
    }
}

/// An exit code from the language commands, which print their own errors.
fn exit_code(code: i32) -> ExitCode {
    ExitCode::from(u8::try_from(code).unwrap_or(1))
}

/// Opens the store named by `--store`, or the default one.
pub fn open_store(flag: Option<&std::path::Path>) -> anyhow::Result<Store> {
    let root = match flag {
        Some(p) => p.to_owned(),
        None => Store::default_root()
            .context("cannot find a store: set --store, KILN_STORE, XDG_DATA_HOME or HOME")?,
    };
    Ok(Store::open(&root)?)
}
