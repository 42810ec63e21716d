//! Loading source: parsing, lowering and evaluating files and strings.

use std::path::{Path, PathBuf};
use std::rc::Rc;

use crate::error::{ErrorKind, EvalError, EvalResult};
use crate::eval::Eval;
use crate::host::FileType;
use crate::ir::Expr;
use crate::lower::{lower, LowerCtx};
use crate::symbol::Symbol;
use crate::value::{Env, Thunk, Value};

impl Eval {
    /// Parses and lowers source text. `extra_scope` names the slots of the
    /// outermost environment (for `scopedImport`).
    pub fn compile(
        &mut self,
        text: &str,
        name: &str,
        dir: &Path,
        extra_scope: &[Symbol],
    ) -> Result<Rc<Expr>, Vec<Box<EvalError>>> {
        // Nix reads CR and CRLF line ends as LF, in code and in strings.
        let text: Rc<str> = if text.contains('\r') {
            Rc::from(text.replace("\r\n", "\n").replace('\r', "\n"))
        } else {
            Rc::from(text)
        };
        let file = self.sources.add(name.to_string(), dir, text.clone());
        let root = crate::parse::parse(&text, file)?;
        let home = self.host.get_env("HOME");
        let ctx = LowerCtx {
            file,
            dir,
            home: home.as_deref(),
            globals: &self.globals,
            extra_scope,
            source: self.sources.file(file),
        };
        lower(&root, &ctx)
    }

    /// Evaluates source text (e.g. `kiln eval -E`).
    pub fn eval_source(&mut self, text: &str, name: &str, dir: &Path) -> EvalResult<Value> {
        let expr = self.compile(text, name, dir, &[]).map_err(first_error)?;
        let env = Env::new(Default::default(), None);
        self.eval(&expr, &env)
    }

    /// The file `import` reads for a path: the path itself, or its
    /// `default.nix` when it is a directory.
    pub fn resolve_import(&self, path: &Path) -> EvalResult<PathBuf> {
        match self.host.file_type(path) {
            Ok(FileType::Directory) => Ok(path.join("default.nix")),
            Ok(FileType::Symlink) if self.host.read_dir(path).is_ok() => {
                Ok(path.join("default.nix"))
            }
            Ok(_) => Ok(path.to_path_buf()),
            Err(e) => Err(EvalError::new(
                ErrorKind::Io,
                format!("cannot import '{}': {}", path.display(), io_msg(&e)),
            )),
        }
    }

    /// `import path`: evaluates a file once and caches its value.
    pub fn import_file(&mut self, path: &Path) -> EvalResult<Value> {
        let file = self.resolve_import(path)?;
        if let Some(v) = self.import_cache.get(&file) {
            return Ok(v.clone());
        }
        let expr = self.load_expr(&file, &[])?;
        let env = Env::new(Default::default(), None);
        let v = self.eval(&expr, &env)?;
        self.import_cache.insert(file, v.clone());
        Ok(v)
    }

    /// `scopedImport attrs path`: evaluates a file with extra variables in scope.
    pub fn scoped_import(&mut self, scope: &[(Symbol, Thunk)], path: &Path) -> EvalResult<Value> {
        let file = self.resolve_import(path)?;
        let names: Vec<Symbol> = scope.iter().map(|(n, _)| *n).collect();
        let expr = self.load_expr(&file, &names)?;
        let env = Env::new(scope.iter().map(|(_, t)| t.clone()).collect(), None);
        self.eval(&expr, &env)
    }

    fn load_expr(&mut self, file: &Path, extra_scope: &[Symbol]) -> EvalResult<Rc<Expr>> {
        let bytes = self.host.read_file(file).map_err(|e| {
            EvalError::new(
                ErrorKind::Io,
                format!("cannot read '{}': {}", file.display(), io_msg(&e)),
            )
        })?;
        let text = String::from_utf8(bytes).map_err(|_| {
            EvalError::new(
                ErrorKind::Parse,
                format!("'{}' is not valid UTF-8", file.display()),
            )
        })?;
        let dir = file.parent().unwrap_or(Path::new("/")).to_path_buf();
        let name = file.display().to_string();
        self.compile(&text, &name, &dir, extra_scope)
            .map_err(first_error)
    }
}

/// The first of several errors, with the count of the rest in its message.
pub fn first_error(mut errors: Vec<Box<EvalError>>) -> Box<EvalError> {
    let n = errors.len();
    let mut e = errors.swap_remove(0);
    if n > 1 {
        let more = n - 1;
        let noun = if more == 1 { "error" } else { "errors" };
        e.message.push_str(&format!(" (and {more} more {noun})"));
    }
    e
}

/// An IO error's message without Rust's "(os error N)" suffix.
pub fn io_msg(e: &std::io::Error) -> String {
    let s = e.to_string();
    match s.find(" (os error") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}
