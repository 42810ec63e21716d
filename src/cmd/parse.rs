//! `kiln parse FILE...`: report syntax errors.

use std::path::PathBuf;

use clap::Args;

/// Arguments of `kiln parse`.
#[derive(Args, Debug)]
pub struct ParseArgs {
    /// Files to check.
    #[arg(required = true)]
    files: Vec<PathBuf>,
}

/// Parses and lowers each file (lowering finds undefined variables and
/// duplicate attributes, as Nix's parser does). Exit code 1 on any error.
pub fn run(args: ParseArgs) -> i32 {
    crate::session::with_big_stack(move || {
        let (mut ev, _plan) = match crate::session::new_eval(&Default::default(), None) {
            Ok(ev) => ev,
            Err(e) => {
                eprintln!("error: {e:#}");
                return 1;
            }
        };
        let mut code = 0;
        for file in &args.files {
            let abs = std::path::absolute(file).unwrap_or_else(|_| file.clone());
            let text = match std::fs::read(&abs) {
                Ok(t) => t,
                Err(e) => {
                    eprintln!(
                        "error: cannot read '{}': {}",
                        abs.display(),
                        kiln_lang::load::io_msg(&e)
                    );
                    code = 1;
                    continue;
                }
            };
            let Ok(text) = String::from_utf8(text) else {
                eprintln!("error: '{}' is not valid UTF-8", abs.display());
                code = 1;
                continue;
            };
            let dir = abs.parent().map(|p| p.to_path_buf()).unwrap_or_default();
            if let Err(errors) = ev.compile(&text, &abs.display().to_string(), &dir, &[]) {
                for e in errors {
                    eprint!("{}", e.render(&ev.sources));
                }
                code = 1;
            }
        }
        code
    })
}
