//! `kiln store run-build --path P [--ref P]... -- CMD...` (hidden): the build protocol that
//! the scheduler follows, with a shell command standing in for the sandbox. Tests use it to
//! check that concurrent builds of one path run the command once.

use std::process::ExitCode;

use anyhow::{bail, Context};

use crate::store::{RegisterInfo, Store, StorePath};

/// Arguments of `kiln store run-build`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The output's store path.
    #[arg(long)]
    path: String,
    /// Candidate references.
    #[arg(long = "ref")]
    refs: Vec<String>,
    /// The command; it gets the output location in `$out`.
    #[arg(last = true, required = true)]
    command: Vec<String>,
}

/// Locks, builds unless valid, registers; prints the path and, on stderr, `built` or
/// `already valid`.
pub fn run(store: &Store, args: Args) -> anyhow::Result<ExitCode> {
    let path = StorePath::parse(&args.path)?;
    let candidate_references: std::collections::BTreeSet<StorePath> = args
        .refs
        .iter()
        .map(|r| store.parse_path_arg(r))
        .collect::<Result<_, _>>()?;
    // Inputs stay alive while we build, whatever GC does meanwhile.
    for input in &candidate_references {
        store.add_temp_root(input)?;
        store.info(input)?;
    }
    let lock = store.lock_path(&path)?;
    if store.is_valid(&path)? {
        store.add_temp_root(&path)?;
        eprintln!("already valid");
        println!("{path}");
        return Ok(ExitCode::SUCCESS);
    }
    let tmp = store.temp_dir()?;
    let out = tmp.path().join("out");
    let status = std::process::Command::new(&args.command[0])
        .args(&args.command[1..])
        .env("out", &out)
        .status()
        .with_context(|| format!("cannot run {}", args.command[0]))?;
    if !status.success() {
        bail!("builder for {path} failed: {status}");
    }
    store.register_locked(
        &lock,
        &out,
        RegisterInfo {
            step_hash: None,
            candidate_references,
        },
    )?;
    eprintln!("built");
    println!("{path}");
    Ok(ExitCode::SUCCESS)
}
