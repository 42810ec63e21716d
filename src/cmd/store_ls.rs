//! `kiln store ls [-l] [PATH...]`

use std::process::ExitCode;

use crate::store::Store;

/// Arguments of `kiln store ls`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Also print each path's size and step hash.
    #[arg(long, short)]
    long: bool,
    /// List the closure of these paths, each after its references, instead of every valid path.
    paths: Vec<String>,
}

/// Lists valid paths, sorted, or a closure in dependency order.
pub fn run(store: &Store, args: Args) -> anyhow::Result<ExitCode> {
    let paths: Vec<_> = if args.paths.is_empty() {
        store.all_paths()?.into_iter().collect()
    } else {
        let roots = args
            .paths
            .iter()
            .map(|p| store.parse_path_arg(p))
            .collect::<Result<Vec<_>, _>>()?;
        store.closure_in_dependency_order(&roots)?
    };
    for path in paths {
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
