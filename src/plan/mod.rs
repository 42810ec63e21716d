//! The build plan: steps recorded from `derivation` calls, their canonical
//! serialisation and hashes, and the paths derived from those hashes.
//!
//! # Invariants
//! - A step's hash covers everything that can influence its output: name,
//!   system, builder, arguments, environment, inputs (by their hashes),
//!   input sources, root filesystem layers, output names, sandbox settings.
//!   It is blake3 in derive-key mode ([`STEP_CONTEXT`]) over the canonical
//!   JSON of [`HashedStep`]: struct fields in declaration order, maps sorted
//!   (`BTreeMap`), no whitespace, and a `version` field.
//! - Inputs are referred to by hash *modulo fixed outputs*: a fixed-output
//!   input contributes its output identity (name, hash algorithm, digest,
//!   mode), not its step hash, so changing a fetch URL does not change the
//!   steps that use the download (as Nix's `hashDerivationModulo`).
//! - The dependency graph comes only from string context.
//! - Nothing here reads the store or the clock: a plan is a pure function of
//!   the evaluated program and the imported sources' contents.

pub mod host;
pub mod nar;

use std::collections::{BTreeMap, BTreeSet};

use kiln_lang::host::{DerivationRecord, FixedOutput};
use kiln_lang::value::ContextElem;
use serde::Serialize;

use crate::store::path::hash_part_of;
use crate::store::StorePath;

/// Derive-key context of step hashes.
pub const STEP_CONTEXT: &str = "kiln 2026-11 plan step v1";

/// Derive-key context of a fixed-output step's output identity.
pub const FIXED_OUTPUT_CONTEXT: &str = "kiln 2026-11 plan fixed output v1";

/// Context string deriving one output's path hash from the step's output key
/// and the output name.
pub const OUTPUT_CONTEXT: &str = "kiln 2026-11 plan output path v1";

/// Version of the step serialisation (hashed, and in `kiln plan --json`).
pub const STEP_VERSION: u32 = 1;

/// Errors while turning derivations into steps.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    /// The name makes an invalid store path.
    #[error("invalid step name '{name}': {source}")]
    BadName {
        /// The name.
        name: String,
        /// Why.
        source: crate::store::path::PathError,
    },
    /// A string context names a step this plan does not know.
    #[error("derivation '{name}' depends on '{path}', which is not a step of this evaluation")]
    UnknownStep {
        /// The dependent step.
        name: String,
        /// The unknown step path.
        path: String,
    },
    /// A string context names an output the step does not have.
    #[error("derivation '{name}' uses output '{output}' of '{path}', which has no such output")]
    UnknownOutput {
        /// The dependent step.
        name: String,
        /// The step path.
        path: String,
        /// The output.
        output: String,
    },
}

/// How a fixed-output step's result is checked, as serialised.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FixedOutputSpec {
    /// `sha256`, `sha512`, `sha1` or `md5`.
    pub algo: String,
    /// The expected digest, lower-case hex.
    pub digest: String,
    /// `flat` or `recursive`.
    pub mode: String,
}

impl FixedOutputSpec {
    fn from_lang(f: &FixedOutput) -> FixedOutputSpec {
        FixedOutputSpec {
            algo: f.algo.name().to_string(),
            digest: kiln_lang::hash::base16_encode(&f.digest),
            mode: if f.recursive { "recursive" } else { "flat" }.to_string(),
        }
    }
}

/// Sandbox-relevant properties of a step.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Flags {
    /// It bind-mounts host paths: its output is not a function of its inputs.
    pub impure: bool,
    /// It declares its output's hash.
    pub fixed_output: bool,
    /// It may use the network (only fixed-output steps).
    pub network: bool,
}

/// One step of the plan, as `kiln plan --json` prints it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Step {
    /// The step hash, 64 hex digits.
    pub hash: String,
    /// `/kiln/store/<hash32>-<name>.step`: the name strings use in context.
    pub drv_path: String,
    /// The name.
    pub name: String,
    /// The platform, e.g. `x86_64-linux`.
    pub system: String,
    /// The program to run.
    pub builder: String,
    /// Its arguments.
    pub args: Vec<String>,
    /// The environment (output paths are not included: the builder adds
    /// `out` and the other outputs' variables).
    pub env: BTreeMap<String, String>,
    /// Other steps this one uses: step hash → output names.
    pub inputs: BTreeMap<String, BTreeSet<String>>,
    /// Store paths (imported sources, texts) this one uses.
    pub input_sources: BTreeSet<String>,
    /// Layers of the root filesystem, bottom first.
    pub rootfs: Vec<String>,
    /// Output name → store path.
    pub outputs: BTreeMap<String, String>,
    /// Output names in declared order (the first is the default output).
    pub output_names: Vec<String>,
    /// Host paths bind-mounted read-only.
    pub host_paths: Vec<String>,
    /// Expected output hash of fixed-output steps.
    pub fixed_output: Option<FixedOutputSpec>,
    /// Time limit in seconds.
    pub timeout: Option<u64>,
    /// Environment variables passed as files.
    pub pass_as_file: Vec<String>,
    /// Sandbox flags.
    pub flags: Flags,
}

/// What is hashed for a step: [`Step`] without derived fields, and with
/// inputs keyed by hash modulo fixed outputs.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct HashedStep<'a> {
    version: u32,
    name: &'a str,
    system: &'a str,
    builder: &'a str,
    args: &'a [String],
    env: &'a BTreeMap<String, String>,
    inputs: BTreeMap<&'a str, &'a BTreeSet<String>>,
    input_sources: &'a BTreeSet<String>,
    rootfs: &'a [String],
    outputs: &'a [String],
    host_paths: &'a [String],
    fixed_output: &'a Option<FixedOutputSpec>,
    timeout: Option<u64>,
    flags: Flags,
}

#[derive(Serialize)]
struct HashedFixedOutput<'a> {
    version: u32,
    name: &'a str,
    fixed_output: &'a FixedOutputSpec,
}

/// The steps recorded so far, by step hash.
#[derive(Debug, Default)]
pub struct Plan {
    /// Steps by hash.
    pub steps: BTreeMap<String, Step>,
    /// Step hash by `drvPath`.
    by_drv_path: BTreeMap<String, String>,
    /// The key dependents hash for each step (its hash, or its fixed-output
    /// identity).
    input_key: BTreeMap<String, String>,
}

impl Plan {
    /// The step a `drvPath` names.
    pub fn step_by_drv_path(&self, drv_path: &str) -> Option<&Step> {
        self.steps.get(self.by_drv_path.get(drv_path)?)
    }

    /// Records a derivation as a step and returns it.
    pub fn add(&mut self, rec: DerivationRecord) -> Result<&Step, PlanError> {
        let mut inputs: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        let mut input_sources = BTreeSet::new();
        for elem in rec.context.iter() {
            match elem {
                ContextElem::Opaque(p) => match self.by_drv_path.get(&**p) {
                    Some(h) => {
                        let outs = self.steps[h].output_names.iter().cloned();
                        inputs.entry(h.clone()).or_default().extend(outs);
                    }
                    None => {
                        input_sources.insert(p.to_string());
                    }
                },
                ContextElem::AllOutputs(d) => {
                    let h = self.lookup(&rec.name, d)?;
                    let outs = self.steps[&h].output_names.iter().cloned();
                    inputs.entry(h).or_default().extend(outs);
                }
                ContextElem::Output(d, o) => {
                    let h = self.lookup(&rec.name, d)?;
                    if !self.steps[&h].outputs.contains_key(&**o) {
                        return Err(PlanError::UnknownOutput {
                            name: rec.name.clone(),
                            path: d.to_string(),
                            output: o.to_string(),
                        });
                    }
                    inputs.entry(h).or_default().insert(o.to_string());
                }
            }
        }
        let fixed_output = rec.fixed_output.as_ref().map(FixedOutputSpec::from_lang);
        let flags = Flags {
            impure: !rec.host_paths.is_empty(),
            fixed_output: fixed_output.is_some(),
            network: rec.allow_network,
        };
        let hashed = HashedStep {
            version: STEP_VERSION,
            name: &rec.name,
            system: &rec.system,
            builder: &rec.builder,
            args: &rec.args,
            env: &rec.env,
            inputs: inputs
                .iter()
                .map(|(h, outs)| (self.input_key[h].as_str(), outs))
                .collect(),
            input_sources: &input_sources,
            rootfs: &rec.rootfs,
            outputs: &rec.outputs,
            host_paths: &rec.host_paths,
            fixed_output: &fixed_output,
            timeout: rec.timeout,
            flags,
        };
        let hash = keyed_hash(STEP_CONTEXT, &hashed);
        let output_hash = match &fixed_output {
            Some(f) => keyed_hash(
                FIXED_OUTPUT_CONTEXT,
                &HashedFixedOutput {
                    version: STEP_VERSION,
                    name: &rec.name,
                    fixed_output: f,
                },
            ),
            None => hash,
        };
        let bad = |source| PlanError::BadName {
            name: rec.name.clone(),
            source,
        };
        let drv_path = StorePath::new(&hash_part_of(&hash), &format!("{}.step", rec.name))
            .map_err(bad)?
            .to_absolute();
        let mut outputs = BTreeMap::new();
        for o in &rec.outputs {
            let name = if o == "out" {
                rec.name.clone()
            } else {
                format!("{}-{o}", rec.name)
            };
            // Each output gets its own hash part, distinct from the step's
            // description too: store locks and reference scanning work by
            // hash part, so sibling outputs must not share one (as in Nix).
            let per_output = blake3::Hasher::new_derive_key(OUTPUT_CONTEXT)
                .update(output_hash.as_bytes())
                .update(o.as_bytes())
                .finalize();
            let p = StorePath::from_hash(&per_output, &name).map_err(bad)?;
            outputs.insert(o.clone(), p.to_absolute());
        }
        let hex = hash.to_hex().to_string();
        let key = output_hash.to_hex().to_string();
        let step = Step {
            hash: hex.clone(),
            drv_path: drv_path.clone(),
            name: rec.name,
            system: rec.system,
            builder: rec.builder,
            args: rec.args,
            env: rec.env,
            inputs,
            input_sources,
            rootfs: rec.rootfs,
            outputs,
            output_names: rec.outputs,
            host_paths: rec.host_paths,
            fixed_output,
            timeout: rec.timeout,
            pass_as_file: rec.pass_as_file,
            flags,
        };
        self.by_drv_path.insert(drv_path, hex.clone());
        self.input_key.insert(hex.clone(), key);
        Ok(self.steps.entry(hex).or_insert(step))
    }

    fn lookup(&self, name: &str, drv_path: &str) -> Result<String, PlanError> {
        self.by_drv_path
            .get(drv_path)
            .cloned()
            .ok_or_else(|| PlanError::UnknownStep {
                name: name.to_string(),
                path: drv_path.to_string(),
            })
    }

    /// The steps `roots` need, dependencies before dependents; ties in name
    /// then hash order, so the order is deterministic.
    pub fn closure_in_order(&self, roots: &[String]) -> Vec<&Step> {
        let mut out = Vec::new();
        let mut done = BTreeSet::new();
        let mut roots: Vec<&Step> = roots.iter().filter_map(|h| self.steps.get(h)).collect();
        roots.sort_by(|a, b| (&a.name, &a.hash).cmp(&(&b.name, &b.hash)));
        for r in roots {
            self.visit(r, &mut done, &mut out);
        }
        out
    }

    fn visit<'a>(&'a self, s: &'a Step, done: &mut BTreeSet<&'a str>, out: &mut Vec<&'a Step>) {
        if !done.insert(&s.hash) {
            return;
        }
        // Depth is bounded by the plan's depth, which evaluation already
        // survived; an explicit stack would only matter for 100k-deep chains.
        let mut deps: Vec<&Step> = s.inputs.keys().filter_map(|h| self.steps.get(h)).collect();
        deps.sort_by(|a, b| (&a.name, &a.hash).cmp(&(&b.name, &b.hash)));
        for d in deps {
            self.visit(d, done, out);
        }
        out.push(s);
    }
}

/// blake3 in derive-key mode over the canonical JSON of `value`.
fn keyed_hash<T: Serialize>(context: &str, value: &T) -> blake3::Hash {
    let bytes = serde_json::to_vec(value).expect("plan types serialise to JSON");
    blake3::Hasher::new_derive_key(context)
        .update(&bytes)
        .finalize()
}

#[cfg(test)]
mod tests;
