//! Evaluation errors, with the location and the chain of enclosing calls.

use crate::source::{SourceMap, Span};

/// What went wrong. `Throw` and `Assert` are the only kinds `tryEval` catches,
/// as in Nix: everything else is a bug in the program, not a value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// A syntax error or a problem found while lowering (duplicate attribute,
    /// undefined variable).
    Parse,
    /// `throw`.
    Throw,
    /// A failed `assert`.
    Assert,
    /// `abort`.
    Abort,
    /// A value of the wrong type.
    Type,
    /// A missing attribute.
    MissingAttr,
    /// A function called with an argument it does not take, or without one it needs.
    Argument,
    /// A thunk that needs its own value.
    InfiniteRecursion,
    /// Evaluation went too deep.
    StackOverflow,
    /// Integer overflow or division by zero.
    Arithmetic,
    /// Reading a file or directory failed.
    Io,
    /// Anything else a builtin rejects (bad regex, bad JSON…).
    Other,
}

/// One frame of the call chain shown under an error.
#[derive(Clone, Debug)]
pub struct TraceFrame {
    /// Where.
    pub span: Option<Span>,
    /// What was going on there.
    pub message: String,
}

/// An evaluation error.
#[derive(Clone, Debug)]
pub struct EvalError {
    /// The kind.
    pub kind: ErrorKind,
    /// The message, lower case, without the `error: ` prefix.
    pub message: String,
    /// Where it happened, if known.
    pub span: Option<Span>,
    /// Enclosing calls, innermost first.
    pub trace: Vec<TraceFrame>,
}

/// Results of evaluation. The error is boxed to keep `Result` small on the hot path.
pub type EvalResult<T> = Result<T, Box<EvalError>>;

/// How many trace frames are shown at most; the rest are summarised.
const MAX_TRACE: usize = 12;

impl EvalError {
    /// A new error without location.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Box<EvalError> {
        Box::new(EvalError {
            kind,
            message: message.into(),
            span: None,
            trace: Vec::new(),
        })
    }

    /// A new error at a location.
    pub fn at(kind: ErrorKind, message: impl Into<String>, span: Span) -> Box<EvalError> {
        let mut e = EvalError::new(kind, message);
        e.span = Some(span);
        e
    }

    /// Whether `builtins.tryEval` turns this error into `{ success = false; }`.
    pub fn is_catchable(&self) -> bool {
        matches!(self.kind, ErrorKind::Throw | ErrorKind::Assert)
    }

    /// Renders the error as kiln prints it: message, location, code excerpt
    /// with a caret, then the enclosing calls.
    pub fn render(&self, sources: &SourceMap) -> String {
        let mut out = format!("error: {}\n", self.message);
        if let Some(span) = self.span {
            out.push_str(&excerpt(sources, span));
        }
        // Collapse runs of identical frames (deep recursion) into one line.
        let mut frames: Vec<(&TraceFrame, usize)> = Vec::new();
        for frame in &self.trace {
            match frames.last_mut() {
                Some((last, n)) if last.span == frame.span && last.message == frame.message => {
                    *n += 1
                }
                _ => frames.push((frame, 1)),
            }
        }
        let shown = frames.len().min(MAX_TRACE);
        for (frame, n) in &frames[..shown] {
            let times = if *n > 1 {
                format!(" ({n} times)")
            } else {
                String::new()
            };
            out.push_str(&format!("\n       … {}{}\n", frame.message, times));
            if let Some(span) = frame.span {
                out.push_str(&excerpt(sources, span));
            }
        }
        if frames.len() > shown {
            out.push_str(&format!(
                "\n       … ({} more frames not shown)\n",
                frames[shown..].iter().map(|(_, n)| n).sum::<usize>()
            ));
        }
        out
    }
}

/// `at FILE:LINE:COL:` and the line with a caret under the column.
pub fn excerpt(sources: &SourceMap, span: Span) -> String {
    let file = sources.file(span.file);
    let lc = file.line_col(span.start);
    let mut out = format!("\n       at {}:{}:{}:\n\n", file.name, lc.line, lc.col);
    let gutter = lc.line.to_string().len().max(3);
    if lc.line > 1 {
        let prev = file.line_text(lc.line - 1);
        out.push_str(&format!("{:>gutter$}| {}\n", lc.line - 1, prev));
    }
    let text = file.line_text(lc.line);
    out.push_str(&format!("{:>gutter$}| {}\n", lc.line, text));
    let end_lc = file.line_col(span.end.max(span.start));
    let width = if end_lc.line == lc.line {
        (end_lc.col - lc.col).max(1) as usize
    } else {
        1
    };
    // Keep tabs in the padding so the caret lines up under tab-indented code.
    let pad: String = text
        .bytes()
        .take(lc.col as usize - 1)
        .map(|b| if b == b'\t' { '\t' } else { ' ' })
        .collect();
    out.push_str(&format!(
        "{:>gutter$}| {}{}\n",
        "",
        pad,
        "^".repeat(width.min(80))
    ));
    out
}
