//! Source files and spans: where every expression and error comes from.

use std::path::{Path, PathBuf};
use std::rc::Rc;

/// Index of a file in a [`SourceMap`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileId(pub u32);

/// A byte range in one source file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Span {
    /// The file the range is in.
    pub file: FileId,
    /// Byte offset of the first byte.
    pub start: u32,
    /// Byte offset one past the last byte.
    pub end: u32,
}

/// One loaded source file.
#[derive(Debug)]
pub struct SourceFile {
    /// The name shown in messages: an absolute path, or `«string»` for `-E` input.
    pub name: String,
    /// Directory that relative paths in the file resolve against.
    pub dir: PathBuf,
    /// The full text.
    pub text: Rc<str>,
    line_starts: Vec<u32>,
}

/// A line and column, both starting at 1 (columns count bytes, as Nix does).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LineCol {
    /// Line number, from 1.
    pub line: u32,
    /// Column number, from 1.
    pub col: u32,
}

impl SourceFile {
    /// Line and column of a byte offset.
    pub fn line_col(&self, offset: u32) -> LineCol {
        let line_idx = match self.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        LineCol {
            line: line_idx as u32 + 1,
            col: offset - self.line_starts[line_idx] + 1,
        }
    }

    /// The text of a line (1-based), without its newline.
    pub fn line_text(&self, line: u32) -> &str {
        let idx = (line as usize).saturating_sub(1);
        let start = self.line_starts.get(idx).copied().unwrap_or(0) as usize;
        let end = self
            .line_starts
            .get(idx + 1)
            .map(|e| *e as usize)
            .unwrap_or(self.text.len());
        self.text[start..end].trim_end_matches(['\n', '\r'])
    }
}

/// All source files loaded during one evaluation.
#[derive(Debug, Default)]
pub struct SourceMap {
    files: Vec<SourceFile>,
}

impl SourceMap {
    /// Adds a file and returns its id.
    pub fn add(&mut self, name: String, dir: &Path, text: Rc<str>) -> FileId {
        let mut line_starts = vec![0];
        line_starts.extend(
            text.bytes()
                .enumerate()
                .filter(|(_, b)| *b == b'\n')
                .map(|(i, _)| i as u32 + 1),
        );
        self.files.push(SourceFile {
            name,
            dir: dir.to_path_buf(),
            text,
            line_starts,
        });
        FileId(self.files.len() as u32 - 1)
    }

    /// The file with this id.
    pub fn file(&self, id: FileId) -> &SourceFile {
        &self.files[id.0 as usize]
    }

    /// `file:line:col` of the start of a span.
    pub fn describe(&self, span: Span) -> String {
        let file = self.file(span.file);
        let lc = file.line_col(span.start);
        format!("{}:{}:{}", file.name, lc.line, lc.col)
    }
}
