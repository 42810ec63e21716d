//! `kiln store ls`

use std::process::ExitCode;

use crate::store::Store;

/// Arguments of `kiln store ls`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Also print each path's size and step hash.
    #[arg(long, short)]
    long: bool,
}

/// Lists valid paths, sorted.
pub fn run(store: &Store, args: Args) -> anyhow::Result<ExitCode> {
    for path in store.all_paths()? {
        if args.long {
            let info = store.info(&path)?;
            println!(
                "{path}\t{}\t{}",
                info.nar_size,
                info.step_hash.as_deref().unwrap_or("-")
            );
        } else {
            println!("{path}");
        }
    }
    Ok(ExitCode::SUCCESS)
}
