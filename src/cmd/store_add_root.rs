//! `kiln store add-root LINK PATH` (hidden): what `kiln build -o LINK` does after building.

use std::path::PathBuf;
use std::process::ExitCode;

use crate::store::Store;

/// Arguments of `kiln store add-root`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The link to create or replace.
    link: PathBuf,
    /// The store path it points to.
    path: String,
}

/// Creates the link and the indirect root.
pub fn run(store: &Store, args: Args) -> anyhow::Result<ExitCode> {
    let path = store.parse_path_arg(&args.path)?;
    store.info(&path)?;
    store.make_result_link(&args.link, &path)?;
    Ok(ExitCode::SUCCESS)
}
