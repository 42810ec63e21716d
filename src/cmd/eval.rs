//! `kiln eval`: evaluate a file or expression and print the value like
//! `nix-instantiate --eval`.

use std::path::{Path, PathBuf};
use std::rc::Rc;

use clap::Args;
use kiln_lang::error::{ErrorKind, EvalError, EvalResult};
use kiln_lang::symbol::Symbol;
use kiln_lang::value::{Attr, Attrs, Thunk};
use kiln_lang::{Eval, Value};

use crate::session::SearchPathArgs;

/// Arguments of `kiln eval`.
#[derive(Args, Clone, Debug)]
pub struct EvalArgs {
    /// The file to evaluate (a folder means its kiln.nix). Default: ./kiln.nix.
    file: Option<PathBuf>,
    /// Evaluate this expression instead of a file.
    #[arg(short = 'E', long = "expr", conflicts_with = "file")]
    expr: Option<String>,
    /// Select this attribute path from the result (repeatable).
    #[arg(short = 'A', long = "attr")]
    attr: Vec<String>,
    /// Evaluate the whole value, not just its head.
    #[arg(long)]
    strict: bool,
    /// Print the value as JSON.
    #[arg(long, conflicts_with = "xml")]
    json: bool,
    /// Print the value as XML, like `nix-instantiate --eval --xml --no-location`.
    #[arg(long)]
    xml: bool,
    /// Pass NAME = EXPR to a file that is a function.
    #[arg(long = "arg", num_args = 2, value_names = ["NAME", "EXPR"])]
    arg: Vec<String>,
    /// Pass NAME = "STRING" to a file that is a function.
    #[arg(long = "argstr", num_args = 2, value_names = ["NAME", "STRING"])]
    argstr: Vec<String>,
    /// Add a search path entry (PATH or PREFIX=PATH), before $KILN_PATH.
    #[arg(short = 'I', long = "include")]
    include: Vec<String>,
}

/// Runs `kiln eval`; returns the exit code.
pub fn run(args: EvalArgs, store: Option<PathBuf>) -> i32 {
    crate::session::with_big_stack(move || {
        let search = SearchPathArgs {
            include: args.include.clone(),
        };
        let (mut ev, _plan) = match crate::session::new_eval(&search, store) {
            Ok(ev) => ev,
            Err(e) => {
                eprintln!("error: {e:#}");
                return 1;
            }
        };
        let code = match eval_and_print(&mut ev, &args) {
            Ok(out) => {
                println!("{out}");
                0
            }
            Err(e) => {
                eprint!("{}", e.render(&ev.sources));
                1
            }
        };
        // Freeing every value of a large evaluation one by one costs up to a
        // tenth of the run (measured with perf); the process is about to end,
        // so leave the memory to the kernel, as Nix does.
        let _ = std::io::Write::flush(&mut std::io::stdout());
        std::process::exit(code)
    })
}

/// The file a FILE argument names: a folder means its kiln.nix (or default.nix).
pub fn resolve_file(file: Option<&Path>) -> PathBuf {
    let path = file
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("kiln.nix"));
    let path = std::path::absolute(&path).unwrap_or(path);
    if path.is_dir() {
        let kiln = path.join("kiln.nix");
        if kiln.exists() || !path.join("default.nix").exists() {
            return kiln;
        }
        return path.join("default.nix");
    }
    path
}

fn eval_and_print(ev: &mut Eval, args: &EvalArgs) -> EvalResult<String> {
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/"));
    let root = match &args.expr {
        Some(text) => ev.eval_source(text, "«string»", &cwd)?,
        None => {
            let file = resolve_file(args.file.as_deref());
            ev.import_file(&file)?
        }
    };
    let auto_args = auto_args(ev, args, &cwd)?;
    let mut v = auto_call(ev, root, &auto_args)?;
    for path in &args.attr {
        v = select_path(ev, v, path, &auto_args)?;
    }
    // The JSON and XML writers force what they write as they go, like Nix:
    // a derivation's other attributes are not evaluated.
    if args.json {
        return kiln_lang::output::to_json_string(ev, &v);
    }
    if args.xml {
        // The document ends in a newline; the caller adds it back.
        let xml = kiln_lang::output::to_xml_string(ev, &v, false)?;
        return Ok(xml.trim_end_matches('\n').to_string());
    }
    if args.strict {
        ev.force_deep(&v)?;
    }
    Ok(kiln_lang::print::print_value(&v))
}

pub(crate) fn auto_args(ev: &mut Eval, args: &EvalArgs, cwd: &Path) -> EvalResult<Rc<Attrs>> {
    let mut entries = Vec::new();
    for pair in args.arg.chunks(2) {
        let expr = ev
            .compile(&pair[1], "«arg»", cwd, &[])
            .map_err(kiln_lang::load::first_error)?;
        let env = kiln_lang::value::Env::new(Default::default(), None);
        entries.push(Attr {
            name: Symbol::new(&pair[0]),
            value: Thunk::pending(expr, env),
            pos: None,
        });
    }
    for pair in args.argstr.chunks(2) {
        entries.push(Attr {
            name: Symbol::new(&pair[0]),
            value: Value::string(pair[1].clone()).thunk(),
            pos: None,
        });
    }
    Ok(Rc::new(Attrs::from_entries(entries)))
}

/// Calls a function with named arguments as Nix's `autoCallFunction` does:
/// formals get the matching `--arg`s, defaults fill the rest.
pub(crate) fn auto_call(ev: &mut Eval, v: Value, auto: &Rc<Attrs>) -> EvalResult<Value> {
    let v = match v {
        Value::Attrs(ref a) if a.get(Symbol::new("__functor")).is_some() => {
            let f = a
                .get(Symbol::new("__functor"))
                .expect("checked")
                .value
                .clone();
            let f = ev.force(&f)?;
            ev.apply(f, &[v.clone().thunk()], None)?
        }
        v => v,
    };
    let Value::Lambda(c) = &v else { return Ok(v) };
    let kiln_lang::ir::Param::Pattern {
        formals, ellipsis, ..
    } = &c.lambda.param
    else {
        return Ok(v);
    };
    let mut entries = Vec::new();
    if *ellipsis {
        entries.extend(auto.iter().cloned());
    } else {
        for f in formals.iter() {
            match auto.get(f.name) {
                Some(a) => entries.push(a.clone()),
                None if f.default.is_some() => {}
                None => {
                    return Err(EvalError::at(
                        ErrorKind::Argument,
                        format!(
                            "cannot evaluate a function that has an argument without a value ('{}'); pass it with --arg {} VALUE",
                            f.name, f.name
                        ),
                        f.span,
                    ))
                }
            }
        }
    }
    let arg = Value::Attrs(Rc::new(Attrs::from_entries(entries)));
    let f = v.clone();
    ev.apply(f, &[arg.thunk()], None)
}

pub(crate) fn select_path(
    ev: &mut Eval,
    mut v: Value,
    path: &str,
    auto: &Rc<Attrs>,
) -> EvalResult<Value> {
    for part in path.split('.').filter(|p| !p.is_empty()) {
        v = auto_call(ev, v, auto)?;
        v = match &v {
            Value::List(l) => match part.parse::<usize>() {
                Ok(i) if i < l.len() => {
                    let t = l[i].clone();
                    ev.force(&t)?
                }
                _ => {
                    return Err(EvalError::new(
                        ErrorKind::MissingAttr,
                        format!("attribute path '{path}': list index '{part}' is out of range"),
                    ))
                }
            },
            Value::Attrs(a) => match a.get(Symbol::new(part)) {
                Some(attr) => {
                    let t = attr.value.clone();
                    ev.force(&t)?
                }
                None => {
                    let mut e = ev.missing_attr(Symbol::new(part), a, dummy_span());
                    e.span = None;
                    e.message = format!("attribute path '{path}': {}", e.message);
                    return Err(e);
                }
            },
            other => {
                return Err(EvalError::new(
                    ErrorKind::Type,
                    format!(
                        "attribute path '{path}': '{part}' selects from {}, which is not a set",
                        kiln_lang::eval::describe_type(other)
                    ),
                ))
            }
        };
    }
    auto_call(ev, v, auto)
}

fn dummy_span() -> kiln_lang::source::Span {
    kiln_lang::source::Span {
        file: kiln_lang::source::FileId(0),
        start: 0,
        end: 0,
    }
}
