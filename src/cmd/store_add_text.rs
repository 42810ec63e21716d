//! `kiln store add-text NAME [--ref PATH]... < contents` (hidden; for tests and scripts)

use std::io::Read;
use std::process::ExitCode;

use anyhow::Context;

use crate::store::Store;

/// Arguments of `kiln store add-text`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Store name of the file.
    name: String,
    /// Store paths the text refers to.
    #[arg(long = "ref")]
    refs: Vec<String>,
}

/// Stores standard input and prints the store path.
pub fn run(store: &Store, args: Args) -> anyhow::Result<ExitCode> {
    let mut contents = Vec::new();
    std::io::stdin()
        .read_to_end(&mut contents)
        .context("cannot read standard input")?;
    let refs = args
        .refs
        .iter()
        .map(|r| store.parse_path_arg(r))
        .collect::<Result<_, _>>()?;
    let path = store.add_text(&args.name, &contents, &refs)?;
    println!("{path}");
    Ok(ExitCode::SUCCESS)
}
