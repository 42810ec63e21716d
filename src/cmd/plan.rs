//! `kiln plan`: evaluate a file and print the steps its derivations need, as
//! a tree or as JSON (schema in `docs/plan.md`).

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::rc::Rc;

use clap::Args;
use kiln_lang::error::{ErrorKind, EvalError, EvalResult};
use kiln_lang::symbol::Symbol;
use kiln_lang::value::Attrs;
use kiln_lang::{Eval, Value};
use serde::Serialize;

use crate::plan::{Plan, Step};
use crate::session::SearchPathArgs;
use crate::store::{Store, StorePath};

/// Arguments of `kiln plan`.
#[derive(Args, Clone, Debug)]
pub struct PlanArgs {
    /// The file to evaluate (a folder means its kiln.nix). Default: ./kiln.nix.
    file: Option<PathBuf>,
    /// Plan only this attribute path of the result (repeatable).
    #[arg(short = 'A', long = "attr")]
    attr: Vec<String>,
    /// Print the plan as JSON (see docs/plan.md).
    #[arg(long)]
    json: bool,
    /// Add a search path entry (PATH or PREFIX=PATH), before $KILN_PATH.
    #[arg(short = 'I', long = "include")]
    include: Vec<String>,
}

/// A derivation the program asks for: where it was found, its step and output.
struct Root {
    attr: String,
    drv_path: String,
    output: String,
}

/// Version of the `--json` document.
const JSON_VERSION: u32 = 1;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonRoot<'a> {
    attr: &'a str,
    step: &'a str,
    drv_path: &'a str,
    output: &'a str,
    out_path: &'a str,
}

#[derive(Serialize)]
struct JsonStep<'a> {
    #[serde(flatten)]
    step: &'a Step,
    state: &'static str,
}

#[derive(Serialize)]
struct JsonPlan<'a> {
    version: u32,
    roots: Vec<JsonRoot<'a>>,
    steps: Vec<JsonStep<'a>>,
}

/// Runs `kiln plan`; returns the exit code.
pub fn run(args: PlanArgs, store: Option<PathBuf>) -> i32 {
    crate::session::with_big_stack(move || {
        let search = SearchPathArgs {
            include: args.include.clone(),
        };
        let (mut ev, state) = match crate::session::new_eval(&search, store) {
            Ok(x) => x,
            Err(e) => {
                eprintln!("error: {e:#}");
                return 1;
            }
        };
        let roots = match evaluate(&mut ev, &args) {
            Ok(r) => r,
            Err(e) => {
                eprint!("{}", e.render(&ev.sources));
                return 1;
            }
        };
        let plan = state.plan.borrow();
        let store = state.store().ok();
        let out = if args.json {
            render_json(&plan, &roots, store)
        } else {
            render_tree(&plan, &roots, store)
        };
        print!("{out}");
        0
    })
}

fn evaluate(ev: &mut Eval, args: &PlanArgs) -> EvalResult<Vec<Root>> {
    let file = super::eval::resolve_file(args.file.as_deref());
    let v = ev.import_file(&file)?;
    let auto = Rc::new(Attrs::default());
    let v = super::eval::auto_call(ev, v, &auto)?;
    let mut found = Vec::new();
    if args.attr.is_empty() {
        collect(ev, v, String::new(), true, &auto, &mut found)?;
    } else {
        for path in &args.attr {
            let sel = super::eval::select_path(ev, v.clone(), path, &auto)?;
            collect(ev, sel, path.clone(), true, &auto, &mut found)?;
        }
    }
    let mut roots = Vec::new();
    for (attr, drv) in found {
        roots.push(root_of(ev, attr, &drv)?);
    }
    Ok(roots)
}

/// Finds derivations in a value as nix-build does: the value itself, the
/// elements of a top-level list, the attributes of a top-level set, and
/// nested sets that say `recurseForDerivations = true`.
fn collect(
    ev: &mut Eval,
    v: Value,
    path: String,
    top: bool,
    auto: &Rc<Attrs>,
    out: &mut Vec<(String, Rc<Attrs>)>,
) -> EvalResult<()> {
    let v = super::eval::auto_call(ev, v, auto)?;
    match &v {
        Value::Attrs(a) if ev.is_derivation(a)? => out.push((path, a.clone())),
        Value::Attrs(a) => {
            let recurse = top
                || match a.get(Symbol::new("recurseForDerivations")) {
                    Some(r) => matches!(ev.force(&r.value.clone())?, Value::Bool(true)),
                    None => false,
                };
            if recurse {
                for attr in a.sorted() {
                    let name = attr.name.as_str();
                    let child = ev.force(&attr.value.clone()).map_err(|e| {
                        ev.frame(
                            e,
                            attr.pos,
                            &format!("while evaluating the attribute '{name}'"),
                        )
                    })?;
                    let p = if path.is_empty() {
                        name.to_string()
                    } else {
                        format!("{path}.{name}")
                    };
                    collect(ev, child, p, false, auto, out)?;
                }
            }
        }
        Value::List(items) if top => {
            for (i, t) in items.iter().enumerate() {
                let child = ev.force(t)?;
                let p = if path.is_empty() {
                    i.to_string()
                } else {
                    format!("{path}.{i}")
                };
                collect(ev, child, p, false, auto, out)?;
            }
        }
        other if top => {
            return Err(EvalError::new(
                ErrorKind::Type,
                format!(
                    "the value to plan is {}, not a derivation or a set or list of them",
                    kiln_lang::eval::describe_type(other)
                ),
            ))
        }
        _ => {}
    }
    Ok(())
}

fn string_attr(ev: &mut Eval, a: &Attrs, name: &str) -> EvalResult<String> {
    let Some(attr) = a.get(Symbol::new(name)) else {
        return Err(EvalError::new(
            ErrorKind::MissingAttr,
            format!("derivation has no attribute '{name}'"),
        ));
    };
    let v = ev.force(&attr.value.clone())?;
    let s = ev.expect_string(&v, attr.pos, &format!("while evaluating '{name}'"))?;
    Ok(s.lossy().into_owned())
}

fn root_of(ev: &mut Eval, attr: String, drv: &Attrs) -> EvalResult<Root> {
    let drv_path = string_attr(ev, drv, "drvPath")?;
    let output = match drv.get(Symbol::new("outputName")) {
        Some(_) => string_attr(ev, drv, "outputName")?,
        None => "out".to_string(),
    };
    Ok(Root {
        attr,
        drv_path,
        output,
    })
}

/// What `kiln plan` says about a step. Impure steps are cached like any
/// other (their hash covers the host paths' names, not their contents), so a
/// built one is "built (impure)".
fn state_of(step: &Step, store: Option<&Store>) -> &'static str {
    let built = store.is_some_and(|s| {
        step.outputs.values().all(|p| {
            StorePath::parse(p)
                .ok()
                .is_some_and(|sp| s.is_valid(&sp).unwrap_or(false))
        })
    });
    match (built, step.flags.impure) {
        (true, true) => "built (impure)",
        (true, false) => "built",
        (false, true) => "impure",
        (false, false) if step.flags.fixed_output => "fixed-output",
        (false, false) => "would build",
    }
}

fn render_tree(plan: &Plan, roots: &[Root], store: Option<&Store>) -> String {
    let mut out = String::new();
    let mut shown = BTreeSet::new();
    for r in roots {
        let Some(step) = plan.step_by_drv_path(&r.drv_path) else {
            continue;
        };
        let label = if r.attr.is_empty() {
            String::new()
        } else {
            format!("{}: ", r.attr)
        };
        let output = if r.output == "out" {
            String::new()
        } else {
            format!("^{}", r.output)
        };
        let again = !shown.insert(step.hash.as_str());
        let more = if again && !step.inputs.is_empty() {
            " [...]"
        } else {
            ""
        };
        out.push_str(&format!(
            "{label}{}{output} {} {}{more}\n",
            step.name,
            &step.hash[..12],
            state_of(step, store)
        ));
        if !again {
            tree_children(plan, step, store, "", &mut shown, &mut out);
        }
    }
    let all: BTreeSet<&str> = plan
        .closure_in_order(&root_hashes(plan, roots))
        .iter()
        .map(|s| s.hash.as_str())
        .collect();
    let n_built = all
        .iter()
        .filter(|h| state_of(&plan.steps[**h], store).starts_with("built"))
        .count();
    out.push_str(&format!(
        "{} steps, {} built, {} to build\n",
        all.len(),
        n_built,
        all.len() - n_built
    ));
    out
}

fn root_hashes(plan: &Plan, roots: &[Root]) -> Vec<String> {
    roots
        .iter()
        .filter_map(|r| plan.step_by_drv_path(&r.drv_path))
        .map(|s| s.hash.clone())
        .collect()
}

fn tree_children<'a>(
    plan: &'a Plan,
    step: &'a Step,
    store: Option<&Store>,
    indent: &str,
    shown: &mut BTreeSet<&'a str>,
    out: &mut String,
) {
    let mut deps: Vec<&Step> = step
        .inputs
        .keys()
        .filter_map(|h| plan.steps.get(h))
        .collect();
    deps.sort_by(|a, b| (&a.name, &a.hash).cmp(&(&b.name, &b.hash)));
    let n = deps.len();
    for (i, d) in deps.into_iter().enumerate() {
        let last = i + 1 == n;
        let branch = if last { "└── " } else { "├── " };
        let again = !shown.insert(&d.hash);
        let more = if again && !d.inputs.is_empty() {
            " [...]"
        } else {
            ""
        };
        out.push_str(&format!(
            "{indent}{branch}{} {} {}{more}\n",
            d.name,
            &d.hash[..12],
            state_of(d, store)
        ));
        if !again {
            let sub = format!("{indent}{}", if last { "    " } else { "│   " });
            tree_children(plan, d, store, &sub, shown, out);
        }
    }
}

fn render_json(plan: &Plan, roots: &[Root], store: Option<&Store>) -> String {
    let json_roots = roots
        .iter()
        .filter_map(|r| {
            let s = plan.step_by_drv_path(&r.drv_path)?;
            Some(JsonRoot {
                attr: &r.attr,
                step: &s.hash,
                drv_path: &s.drv_path,
                output: &r.output,
                out_path: s.outputs.get(&r.output)?,
            })
        })
        .collect();
    let steps = plan
        .closure_in_order(&root_hashes(plan, roots))
        .into_iter()
        .map(|s| JsonStep {
            step: s,
            state: state_of(s, store),
        })
        .collect();
    let doc = JsonPlan {
        version: JSON_VERSION,
        roots: json_roots,
        steps,
    };
    let mut s = serde_json::to_string_pretty(&doc).expect("plans serialise to JSON");
    s.push('\n');
    s
}

/// The derivations a file (or its `-A` attributes) asks for, for `kiln build`: (attribute path,
/// `drvPath`, output name), found exactly as `kiln plan` finds them.
pub(crate) fn roots(
    ev: &mut Eval,
    file: Option<PathBuf>,
    attr: Vec<String>,
) -> EvalResult<Vec<(String, String, String)>> {
    let args = PlanArgs {
        file,
        attr,
        json: false,
        include: Vec::new(),
    };
    Ok(evaluate(ev, &args)?
        .into_iter()
        .map(|r| (r.attr, r.drv_path, r.output))
        .collect())
}
