//! Parsing with rnix, turning its errors into located diagnostics.

use rnix::{ParseError, SyntaxKind};

use crate::error::{ErrorKind, EvalError};
use crate::source::{FileId, Span};

/// Deeper bracket nesting than this is refused before parsing: rnix parses
/// lists recursively and would overflow even a large stack on hostile input.
pub const MAX_NESTING: usize = 20_000;

/// Parses a file's text. Returns the tree, or every syntax error found.
pub fn parse(text: &str, file: FileId) -> Result<rnix::Root, Vec<Box<EvalError>>> {
    check_nesting(text, file)?;
    let parsed = rnix::Root::parse(text);
    let errors: Vec<_> = parsed
        .errors()
        .iter()
        .map(|e| convert(e, text, file))
        .collect();
    if errors.is_empty() {
        Ok(parsed.tree())
    } else {
        Err(errors)
    }
}

fn check_nesting(text: &str, file: FileId) -> Result<(), Vec<Box<EvalError>>> {
    let mut depth = 0usize;
    let mut offset = 0usize;
    for (kind, tok) in rnix::tokenize(text) {
        match kind {
            SyntaxKind::TOKEN_L_BRACK
            | SyntaxKind::TOKEN_L_PAREN
            | SyntaxKind::TOKEN_L_BRACE
            | SyntaxKind::TOKEN_INTERPOL_START => {
                depth += 1;
                if depth > MAX_NESTING {
                    let at = offset as u32;
                    return Err(vec![EvalError::at(
                        ErrorKind::Parse,
                        format!("expression nested too deeply (more than {MAX_NESTING} levels of brackets)"),
                        Span { file, start: at, end: at + 1 },
                    )]);
                }
            }
            SyntaxKind::TOKEN_R_BRACK
            | SyntaxKind::TOKEN_R_PAREN
            | SyntaxKind::TOKEN_R_BRACE
            | SyntaxKind::TOKEN_INTERPOL_END => depth = depth.saturating_sub(1),
            _ => {}
        }
        offset += tok.len();
    }
    Ok(())
}

fn kind_name(kind: SyntaxKind) -> String {
    let s = format!("{kind:?}");
    let s = s.trim_start_matches("TOKEN_").trim_start_matches("NODE_");
    s.to_lowercase().replace('_', " ")
}

fn convert(e: &ParseError, text: &str, file: FileId) -> Box<EvalError> {
    let eof = text.len() as u32;
    let span_of = |r: rnix::TextRange| Span {
        file,
        start: r.start().into(),
        end: r.end().into(),
    };
    let at_eof = Span {
        file,
        start: eof,
        end: eof,
    };
    let (msg, span) = match e {
        ParseError::Unexpected(r) => ("syntax error, unexpected input".to_string(), span_of(*r)),
        ParseError::UnexpectedExtra(r) => (
            "syntax error, unexpected text after the end of the expression".to_string(),
            span_of(*r),
        ),
        ParseError::UnexpectedWanted(got, r, wanted) => (
            format!(
                "syntax error, unexpected {}, expecting {}",
                kind_name(*got),
                wanted
                    .iter()
                    .map(|k| kind_name(*k))
                    .collect::<Vec<_>>()
                    .join(" or ")
            ),
            span_of(*r),
        ),
        ParseError::UnexpectedDoubleBind(r) => (
            "syntax error, a pattern can only be bound once with '@'".to_string(),
            span_of(*r),
        ),
        ParseError::UnexpectedEOF => ("syntax error, unexpected end of file".to_string(), at_eof),
        ParseError::UnexpectedEOFWanted(wanted) => (
            format!(
                "syntax error, unexpected end of file, expecting {}",
                wanted
                    .iter()
                    .map(|k| kind_name(*k))
                    .collect::<Vec<_>>()
                    .join(" or ")
            ),
            at_eof,
        ),
        ParseError::DuplicatedArgs(r, name) => (
            format!("duplicate formal function argument '{name}'"),
            span_of(*r),
        ),
        ParseError::RecursionLimitExceeded => (
            "expression nested too deeply for the parser".to_string(),
            at_eof,
        ),
        other => (format!("syntax error: {other}"), at_eof),
    };
    EvalError::at(ErrorKind::Parse, msg, span)
}
