//! `kiln store register OUTPUT --path P [--step-hash H] [--ref P]...` (hidden; for tests)

use std::path::PathBuf;
use std::process::ExitCode;

use crate::store::{RegisterInfo, Store, StorePath};

/// Arguments of `kiln store register`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The finished output (moved into the store).
    output: PathBuf,
    /// The store path to register it as.
    #[arg(long)]
    path: String,
    /// The step hash to record.
    #[arg(long)]
    step_hash: Option<String>,
    /// Candidate references (kept only if the output mentions them).
    #[arg(long = "ref")]
    refs: Vec<String>,
}

/// Registers and prints the store path; says on stderr whether it was already valid.
pub fn run(store: &Store, args: Args) -> anyhow::Result<ExitCode> {
    let path = StorePath::parse(&args.path)?;
    let candidate_references = args
        .refs
        .iter()
        .map(|r| store.parse_path_arg(r))
        .collect::<Result<_, _>>()?;
    let reg = store.register(
        &args.output,
        &path,
        RegisterInfo {
            step_hash: args.step_hash,
            candidate_references,
        },
    )?;
    eprintln!(
        "{} (content hash {})",
        if reg.already_valid {
            "already valid"
        } else {
            "registered"
        },
        reg.info.content_hash
    );
    println!("{path}");
    Ok(ExitCode::SUCCESS)
}
