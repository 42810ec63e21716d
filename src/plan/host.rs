//! The `Host` used by `kiln eval` and `kiln plan`: the real filesystem, plus
//! a plan that records every derivation as a step and a store (opened on
//! first use) that imported sources and texts are copied into.

use std::cell::{OnceCell, RefCell};
use std::collections::{BTreeSet, HashMap};
use std::io;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use kiln_lang::host::{AddPath, DerivationRecord, DerivationResult, FileType, Host};
use kiln_lang::value::{Context, ContextElem};

use super::Plan;
use crate::eval_host::FsHost;
use crate::store::{Store, StorePath, STORE_DIR};

/// What an evaluation leaves behind: the plan and the store, if opened.
pub struct PlanState {
    /// The steps recorded so far.
    pub plan: RefCell<Plan>,
    store_root: Option<PathBuf>,
    store: OnceCell<Result<Store, String>>,
    /// Host path → store path of sources copied by interpolation.
    copied: RefCell<HashMap<PathBuf, String>>,
}

impl PlanState {
    /// The store: `--store` if given, else the default one; opened once.
    pub fn store(&self) -> Result<&Store, String> {
        self.store
            .get_or_init(|| {
                let root = match &self.store_root {
                    Some(r) => r.clone(),
                    None => Store::default_root().ok_or_else(|| {
                        "cannot find a store: set --store, KILN_STORE, XDG_DATA_HOME or HOME"
                            .to_string()
                    })?,
                };
                Store::open(&root).map_err(|e| e.to_string())
            })
            .as_ref()
            .map_err(Clone::clone)
    }
}

/// The evaluator's host for commands that build plans.
pub struct PlanHost {
    fs: FsHost,
    state: Rc<PlanState>,
}

impl PlanHost {
    /// A host whose store lives at `store_root` (default: the usual
    /// location); returns the state to read the plan from afterwards.
    pub fn new(store_root: Option<PathBuf>) -> (PlanHost, Rc<PlanState>) {
        let state = Rc::new(PlanState {
            plan: RefCell::new(Plan::default()),
            store_root,
            store: OnceCell::new(),
            copied: RefCell::new(HashMap::new()),
        });
        (
            PlanHost {
                fs: FsHost,
                state: state.clone(),
            },
            state,
        )
    }
}

fn opaque(path: &str) -> Context {
    let mut c = Context::default();
    c.insert(ContextElem::Opaque(path.into()));
    c
}

impl Host for PlanHost {
    fn read_file(&self, path: &Path) -> io::Result<Vec<u8>> {
        self.fs.read_file(path)
    }

    fn read_dir(&self, path: &Path) -> io::Result<Vec<(String, FileType)>> {
        self.fs.read_dir(path)
    }

    fn file_type(&self, path: &Path) -> io::Result<FileType> {
        self.fs.file_type(path)
    }

    fn path_exists(&self, path: &Path) -> bool {
        self.fs.path_exists(path)
    }

    fn get_env(&self, name: &str) -> Option<String> {
        self.fs.get_env(name)
    }

    fn copy_to_store(&self, path: &Path) -> Result<(String, Context), String> {
        if let Some(p) = self.state.copied.borrow().get(path) {
            return Ok((p.clone(), opaque(p)));
        }
        let store = self.state.store()?;
        let sp = store
            .add_source(path, None, None)
            .map_err(|e| e.to_string())?
            .to_absolute();
        self.state
            .copied
            .borrow_mut()
            .insert(path.to_path_buf(), sp.clone());
        Ok((sp.clone(), opaque(&sp)))
    }

    fn add_path(&self, req: &AddPath<'_>) -> Result<String, String> {
        let keep = |p: &Path| req.include.is_none_or(|inc| inc.contains(p));
        if let Some(want) = req.sha256 {
            let got = super::nar::nar_sha256(req.path, &keep)
                .map_err(|e| format!("cannot hash '{}': {}", req.path.display(), e))?;
            if got != want {
                return Err(format!(
                    "hash mismatch importing '{}': wanted sha256:{}, got sha256:{}",
                    req.path.display(),
                    kiln_lang::hash::nix_base32_encode(want),
                    kiln_lang::hash::nix_base32_encode(&got)
                ));
            }
        }
        let store = self.state.store()?;
        let filter = |p: &Path, _: std::fs::FileType| keep(p);
        let sp = store
            .add_source(
                req.path,
                req.name,
                req.include
                    .map(|_| &filter as &dyn Fn(&Path, std::fs::FileType) -> bool),
            )
            .map_err(|e| e.to_string())?;
        Ok(sp.to_absolute())
    }

    fn add_text(
        &self,
        name: &str,
        contents: &[u8],
        references: &BTreeSet<String>,
    ) -> Result<String, String> {
        let refs = references
            .iter()
            .map(|r| StorePath::parse(r).map_err(|e| format!("in 'toFile' '{name}': {e}")))
            .collect::<Result<BTreeSet<_>, _>>()?;
        let store = self.state.store()?;
        store
            .add_text(name, contents, &refs)
            .map(|p| p.to_absolute())
            .map_err(|e| e.to_string())
    }

    fn store_path(&self, path: &str) -> Result<String, String> {
        let (sp, _) = StorePath::from_path_prefix(path)
            .map_err(|_| format!("path '{path}' is not in the store ({STORE_DIR})"))?;
        let store = self.state.store()?;
        match store.is_valid(&sp) {
            Ok(true) => Ok(sp.to_absolute()),
            Ok(false) => Err(format!("store path '{sp}' does not exist")),
            Err(e) => Err(e.to_string()),
        }
    }

    fn derivation(&self, record: DerivationRecord) -> Result<DerivationResult, String> {
        let mut plan = self.state.plan.borrow_mut();
        let step = plan.add(record).map_err(|e| e.to_string())?;
        Ok(DerivationResult {
            drv_path: step.drv_path.clone(),
            outputs: step.outputs.clone(),
        })
    }
}
