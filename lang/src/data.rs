//! A plain data tree, and the JSON and TOML readers behind
//! `builtins.fromJSON` and `builtins.fromTOML`.
//!
//! [`Data`] knows nothing of the evaluator: the builtins turn it into values.
//! The JSON reader is a hand-written iterative parser, so that nesting depth
//! is bounded by memory and not by the stack (Nix 2.8 reads 100,000 nested
//! `[` without complaint); [`Data`]'s `Drop` is iterative for the same reason.

/// A JSON or TOML document as plain data.
///
/// In [`Data::Attrs`] the keys are unique and sorted bytewise, as Nix lists
/// attributes. Strings may hold NUL characters (`"\u0000"` in JSON); Nix 2.8
/// cuts its strings at the first NUL, which is the evaluator's business.
///
/// `Data` drops iteratively, so a deep tree can be dropped anywhere; because
/// of that `Drop`, take a variant's payload out with [`std::mem::take`] on a
/// `&mut` match rather than by moving out of a by-value match. The derived
/// `Clone`, `PartialEq` and `Debug` do recurse.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Data {
    /// JSON `null`.
    #[default]
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A floating-point number.
    Float(f64),
    /// A string.
    String(String),
    /// A JSON array or TOML array.
    List(Vec<Data>),
    /// A JSON object or TOML table: unique keys, sorted bytewise.
    Attrs(Vec<(String, Data)>),
}

impl Drop for Data {
    fn drop(&mut self) {
        // Fast path: leaves, and containers of leaves only, drop without help.
        let has_nested = |d: &Data| matches!(d, Data::List(_) | Data::Attrs(_));
        let nested = match self {
            Data::List(items) => items.iter().any(has_nested),
            Data::Attrs(items) => items.iter().any(|(_, v)| has_nested(v)),
            _ => false,
        };
        if !nested {
            return;
        }
        // Move every descendant onto a heap stack, so each one is dropped
        // with its children already taken out.
        let mut stack = vec![std::mem::take(self)];
        while let Some(mut d) = stack.pop() {
            match &mut d {
                Data::List(items) => stack.append(items),
                Data::Attrs(items) => stack.extend(items.drain(..).map(|(_, v)| v)),
                _ => {}
            }
        }
    }
}

impl Data {
    /// The kind of value, for error messages: `null`, `bool`, `int`,
    /// `float`, `string`, `list` or `set` (Nix's `builtins.typeOf` names).
    pub fn type_name(&self) -> &'static str {
        match self {
            Data::Null => "null",
            Data::Bool(_) => "bool",
            Data::Int(_) => "int",
            Data::Float(_) => "float",
            Data::String(_) => "string",
            Data::List(_) => "list",
            Data::Attrs(_) => "set",
        }
    }
}

/// An error from [`from_json`] or [`from_toml`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DataError {
    /// The text is not JSON. Line and column (in characters) are 1-based
    /// and point at the offending character, or just past the end.
    #[error("JSON parse error at line {line}, column {column}: {message}")]
    Json {
        /// 1-based line.
        line: usize,
        /// 1-based column, in characters.
        column: usize,
        /// What was wrong.
        message: String,
    },
    /// The text is not TOML (the toml crate's message, with its position).
    #[error("while parsing a TOML string: {0}")]
    Toml(String),
    /// The TOML holds a date or time, which Nix 2.8 has no value for.
    #[error("while parsing a TOML string: dates and times are not supported")]
    TomlDatetime,
}

/// Sorts attributes by key and keeps the last value of a repeated key, as
/// Nix's `fromJSON` does.
fn normalize_attrs(mut items: Vec<(String, Data)>) -> Vec<(String, Data)> {
    // Stable: among equal keys the input order stays, so the last one wins.
    items.sort_by(|a, b| a.0.cmp(&b.0));
    let mut out: Vec<(String, Data)> = Vec::with_capacity(items.len());
    for (k, v) in items {
        match out.last_mut() {
            Some(last) if last.0 == k => last.1 = v,
            _ => out.push((k, v)),
        }
    }
    out
}

// ---------------------------------------------------------------- JSON ---

/// An array or object whose elements are still being read.
enum Frame {
    List(Vec<Data>),
    /// The members so far and the key of the member being read.
    Attrs(Vec<(String, Data)>, String),
}

/// A cursor over the JSON text.
struct Json<'a> {
    src: &'a str,
    pos: usize,
}

impl<'a> Json<'a> {
    fn peek(&self) -> Option<u8> {
        self.src.as_bytes().get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.pos += 1;
        }
    }

    /// An error at byte offset `at`.
    fn error_at(&self, at: usize, message: impl Into<String>) -> DataError {
        let before = &self.src[..at];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = before[line_start..].chars().count() + 1;
        DataError::Json {
            line,
            column,
            message: message.into(),
        }
    }

    /// An error at the current character, described as unexpected.
    fn unexpected(&self, expected: &str) -> DataError {
        let found = match self.src[self.pos..].chars().next() {
            None => "end of input".to_owned(),
            Some(c) => format!("character {c:?}"),
        };
        self.error_at(self.pos, format!("unexpected {found}; expected {expected}"))
    }

    /// Consumes `b` after optional whitespace, or fails.
    fn expect(&mut self, b: u8, expected: &str) -> Result<(), DataError> {
        self.skip_ws();
        if self.peek() == Some(b) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.unexpected(expected))
        }
    }

    /// Reads `"key" :` of an object member.
    fn key(&mut self) -> Result<String, DataError> {
        self.skip_ws();
        if self.peek() != Some(b'"') {
            return Err(self.unexpected("a string as object key"));
        }
        let key = self.string()?;
        self.expect(b':', "':'")?;
        Ok(key)
    }

    /// Reads four hex digits of a `\u` escape.
    fn hex4(&mut self) -> Result<u32, DataError> {
        let digits = self
            .src
            .get(self.pos..self.pos + 4)
            .filter(|d| d.bytes().all(|b| b.is_ascii_hexdigit()));
        match digits {
            Some(d) => {
                self.pos += 4;
                Ok(u32::from_str_radix(d, 16).expect("checked hex digits"))
            }
            None => Err(self.error_at(self.pos, "'\\u' must be followed by 4 hex digits")),
        }
    }

    /// Reads a string; the cursor is on its opening quote.
    fn string(&mut self) -> Result<String, DataError> {
        let start = self.pos;
        self.pos += 1;
        let mut out = String::new();
        loop {
            // Copy the run up to the next quote, backslash or control
            // character; those are ASCII, so the slice ends on a boundary.
            let run = self.src.as_bytes()[self.pos..]
                .iter()
                .position(|&b| b == b'"' || b == b'\\' || b < 0x20)
                .ok_or_else(|| {
                    self.error_at(
                        self.src.len(),
                        format!("unterminated string starting at column {}", start + 1),
                    )
                })?;
            out.push_str(&self.src[self.pos..self.pos + run]);
            self.pos += run;
            match self.peek() {
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    self.pos += 1;
                    let c = match self.peek() {
                        Some(b'"') => '"',
                        Some(b'\\') => '\\',
                        Some(b'/') => '/',
                        Some(b'b') => '\u{8}',
                        Some(b'f') => '\u{c}',
                        Some(b'n') => '\n',
                        Some(b'r') => '\r',
                        Some(b't') => '\t',
                        Some(b'u') => {
                            self.pos += 1;
                            out.push(self.unicode_escape()?);
                            continue;
                        }
                        _ => return Err(self.unexpected("an escape character")),
                    };
                    self.pos += 1;
                    out.push(c);
                }
                _ => {
                    let b = self.peek().unwrap_or(0);
                    return Err(self.error_at(
                        self.pos,
                        format!("control character U+{b:04X} must be escaped"),
                    ));
                }
            }
        }
    }

    /// The character of a `\uXXXX` escape (or surrogate pair); the cursor is
    /// after the `u`.
    fn unicode_escape(&mut self) -> Result<char, DataError> {
        let at = self.pos - 2;
        let hi = self.hex4()?;
        let code = match hi {
            0xD800..=0xDBFF => {
                if !self.src[self.pos..].starts_with("\\u") {
                    return Err(self.error_at(
                        at,
                        "surrogate U+D800..U+DBFF must be followed by U+DC00..U+DFFF",
                    ));
                }
                self.pos += 2;
                let lo = self.hex4()?;
                if !(0xDC00..=0xDFFF).contains(&lo) {
                    return Err(self.error_at(
                        at,
                        "surrogate U+D800..U+DBFF must be followed by U+DC00..U+DFFF",
                    ));
                }
                0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
            }
            0xDC00..=0xDFFF => {
                return Err(
                    self.error_at(at, "surrogate U+DC00..U+DFFF must follow U+D800..U+DBFF")
                );
            }
            _ => hi,
        };
        Ok(char::from_u32(code).expect("surrogates were handled"))
    }

    /// Reads a number, as nlohmann::json and Nix 2.8 do: an integer that
    /// fits i64 is an `Int`; one in (i64::MAX, u64::MAX] is read as u64 and
    /// wraps to a negative `Int` (Nix 2.8 does so); anything larger, and any
    /// number with a fraction or exponent, is a `Float`.
    fn number(&mut self) -> Result<Data, DataError> {
        let start = self.pos;
        let digits = |p: &mut Self| {
            let n = p.src.as_bytes()[p.pos..]
                .iter()
                .take_while(|b| b.is_ascii_digit())
                .count();
            p.pos += n;
            n
        };
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        match self.peek() {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => {
                digits(self);
            }
            _ => return Err(self.unexpected("a digit")),
        }
        let mut is_float = false;
        if self.peek() == Some(b'.') {
            self.pos += 1;
            is_float = true;
            if digits(self) == 0 {
                return Err(self.unexpected("a digit after '.'"));
            }
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.pos += 1;
            is_float = true;
            if let Some(b'+' | b'-') = self.peek() {
                self.pos += 1;
            }
            if digits(self) == 0 {
                return Err(self.unexpected("a digit in the exponent"));
            }
        }
        let text = &self.src[start..self.pos];
        if !is_float {
            if let Ok(n) = text.parse::<i64>() {
                return Ok(Data::Int(n));
            }
            if let Ok(n) = text.parse::<u64>() {
                // Nix 2.8 stores nlohmann's unsigned number in an i64.
                return Ok(Data::Int(n as i64));
            }
        }
        let f: f64 = text
            .parse()
            .expect("JSON number syntax is valid Rust float syntax");
        if f.is_infinite() {
            return Err(self.error_at(start, format!("number overflow parsing '{text}'")));
        }
        Ok(Data::Float(f))
    }

    /// Reads `word` (a literal such as `true`) or fails.
    fn literal(&mut self, word: &str, value: Data) -> Result<Data, DataError> {
        if self.src[self.pos..].starts_with(word) {
            self.pos += word.len();
            Ok(value)
        } else {
            Err(self.unexpected("a JSON value"))
        }
    }
}

/// Parses JSON as `builtins.fromJSON` does (Nix 2.8, nlohmann::json):
///
/// - integers that fit i64 are [`Data::Int`]; those in (i64::MAX,
///   u64::MAX] wrap to a negative `Int` as in Nix 2.8 (newer Nix rejects
///   them); larger ones, and numbers with `.` or an exponent, are
///   [`Data::Float`]; a number that overflows f64 is an error;
/// - a repeated object key keeps its last value;
/// - escapes are JSON's (`\b`, `\f`, `\uXXXX` with surrogate pairs);
/// - nesting depth is unlimited (the parser does not recurse);
/// - only whitespace may follow the value.
pub fn from_json(text: &str) -> Result<Data, DataError> {
    // nlohmann::json skips a UTF-8 byte order mark.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut p = Json { src: text, pos: 0 };
    let mut stack: Vec<Frame> = Vec::new();
    'value: loop {
        p.skip_ws();
        let mut value = match p.peek() {
            Some(b'[') => {
                p.pos += 1;
                p.skip_ws();
                if p.peek() == Some(b']') {
                    p.pos += 1;
                    Data::List(Vec::new())
                } else {
                    stack.push(Frame::List(Vec::new()));
                    continue 'value;
                }
            }
            Some(b'{') => {
                p.pos += 1;
                p.skip_ws();
                if p.peek() == Some(b'}') {
                    p.pos += 1;
                    Data::Attrs(Vec::new())
                } else {
                    let key = p.key()?;
                    stack.push(Frame::Attrs(Vec::new(), key));
                    continue 'value;
                }
            }
            Some(b'"') => Data::String(p.string()?),
            Some(b'-' | b'0'..=b'9') => p.number()?,
            Some(b't') => p.literal("true", Data::Bool(true))?,
            Some(b'f') => p.literal("false", Data::Bool(false))?,
            Some(b'n') => p.literal("null", Data::Null)?,
            _ => return Err(p.unexpected("a JSON value")),
        };
        // A value is complete: hand it to the enclosing containers, closing
        // each one that ends right after it.
        loop {
            p.skip_ws();
            match stack.pop() {
                None => {
                    if p.pos != text.len() {
                        return Err(p.unexpected("end of input"));
                    }
                    return Ok(value);
                }
                Some(Frame::List(mut items)) => {
                    items.push(value);
                    match p.peek() {
                        Some(b',') => {
                            p.pos += 1;
                            stack.push(Frame::List(items));
                            continue 'value;
                        }
                        Some(b']') => {
                            p.pos += 1;
                            value = Data::List(items);
                        }
                        _ => return Err(p.unexpected("',' or ']'")),
                    }
                }
                Some(Frame::Attrs(mut items, key)) => {
                    items.push((key, value));
                    match p.peek() {
                        Some(b',') => {
                            p.pos += 1;
                            let key = p.key()?;
                            stack.push(Frame::Attrs(items, key));
                            continue 'value;
                        }
                        Some(b'}') => {
                            p.pos += 1;
                            value = Data::Attrs(normalize_attrs(items));
                        }
                        _ => return Err(p.unexpected("',' or '}'")),
                    }
                }
            }
        }
    }
}

// ---------------------------------------------------------------- TOML ---

/// Parses TOML as `builtins.fromTOML` does (Nix 2.8): tables become
/// [`Data::Attrs`], arrays [`Data::List`]; a date or time anywhere is an
/// error, as Nix 2.8 has no value for it.
///
/// The grammar is the toml crate's (TOML 1.0 and 1.1), which differs from
/// Nix 2.8's toml11 in corner cases (see `toml_differs_from_nix_2_8` in
/// the tests): TOML 1.1 syntax is accepted, out-of-range numbers are errors
/// instead of saturating, and nesting deeper than 80 levels is an error.
pub fn from_toml(text: &str) -> Result<Data, DataError> {
    let table: toml::Table = text
        .parse()
        .map_err(|e: toml::de::Error| DataError::Toml(toml_message(&e)))?;
    table_to_data(table)
}

/// The toml crate's message with its position, on one line.
fn toml_message(e: &toml::de::Error) -> String {
    let message = e.message().trim_end();
    match e.span() {
        Some(span) => format!("{message} at byte {}", span.start),
        None => message.to_owned(),
    }
}

fn table_to_data(table: toml::Table) -> Result<Data, DataError> {
    let items = table
        .into_iter()
        .map(|(k, v)| Ok((k, toml_to_data(v)?)))
        .collect::<Result<Vec<_>, DataError>>()?;
    Ok(Data::Attrs(normalize_attrs(items)))
}

/// Converts a parsed TOML value. Recursion is fine here: the toml crate
/// stops at 80 levels of nesting while parsing.
fn toml_to_data(value: toml::Value) -> Result<Data, DataError> {
    Ok(match value {
        toml::Value::String(s) => Data::String(s),
        toml::Value::Integer(n) => Data::Int(n),
        toml::Value::Float(f) => Data::Float(f),
        toml::Value::Boolean(b) => Data::Bool(b),
        toml::Value::Datetime(_) => return Err(DataError::TomlDatetime),
        toml::Value::Array(items) => Data::List(
            items
                .into_iter()
                .map(toml_to_data)
                .collect::<Result<_, _>>()?,
        ),
        toml::Value::Table(t) => table_to_data(t)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(x: &str) -> Data {
        Data::String(x.to_owned())
    }

    fn attrs(items: Vec<(&str, Data)>) -> Data {
        Data::Attrs(items.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
    }

    fn json_err(text: &str) -> String {
        from_json(text).unwrap_err().to_string()
    }

    /// Nix's `tests/lang/eval-okay-fromjson.nix` (RFC 7159, section 13).
    #[test]
    fn nix_eval_okay_fromjson() {
        let text = r#"
            {
              "Image": {
                  "Width":  800,
                  "Height": 600,
                  "Title":  "View from 15th Floor",
                  "Thumbnail": {
                      "Url":    "http://www.example.com/image/481989943",
                      "Height": 125,
                      "Width":  100
                  },
                  "Animated" : false,
                  "IDs": [116, 943, 234, 38793, true  ,false,null, -100],
                  "Latitude":  37.7668,
                  "Longitude": -122.3959
                }
            }
        "#;
        let expected = attrs(vec![(
            "Image",
            attrs(vec![
                ("Animated", Data::Bool(false)),
                ("Height", Data::Int(600)),
                (
                    "IDs",
                    Data::List(vec![
                        Data::Int(116),
                        Data::Int(943),
                        Data::Int(234),
                        Data::Int(38793),
                        Data::Bool(true),
                        Data::Bool(false),
                        Data::Null,
                        Data::Int(-100),
                    ]),
                ),
                ("Latitude", Data::Float(37.7668)),
                ("Longitude", Data::Float(-122.3959)),
                (
                    "Thumbnail",
                    attrs(vec![
                        ("Height", Data::Int(125)),
                        ("Url", s("http://www.example.com/image/481989943")),
                        ("Width", Data::Int(100)),
                    ]),
                ),
                ("Title", s("View from 15th Floor")),
                ("Width", Data::Int(800)),
            ]),
        )]);
        assert_eq!(from_json(text).unwrap(), expected);
    }

    /// Nix's `tests/lang/eval-okay-fromjson-escapes.nix`.
    #[test]
    fn nix_eval_okay_fromjson_escapes() {
        let text = r#""quote \" reverse solidus \\ solidus \/ backspace \b formfeed \f newline \n carriage return \r horizontal tab \t 1 char unicode encoded backspace \u0008 1 char unicode encoded e with accent \u00e9 2 char unicode encoded s with caron \u0161 3 char unicode encoded rightwards arrow \u2192""#;
        let expected = "quote \" reverse solidus \\ solidus / backspace \u{8} formfeed \u{c} newline \n carriage return \r horizontal tab \t 1 char unicode encoded backspace \u{8} 1 char unicode encoded e with accent é 2 char unicode encoded s with caron š 3 char unicode encoded rightwards arrow →";
        assert_eq!(from_json(text).unwrap(), s(expected));
    }

    /// Numbers as nix-instantiate 2.8.0 reads them.
    #[test]
    fn json_numbers_match_nix_2_8() {
        let cases = [
            ("0", Data::Int(0)),
            ("-0", Data::Int(0)),
            ("-0.0", Data::Float(-0.0)),
            ("-0e0", Data::Float(-0.0)),
            ("1.0", Data::Float(1.0)),
            ("1e3", Data::Float(1000.0)),
            ("1E+2", Data::Float(100.0)),
            ("1.5e3", Data::Float(1500.0)),
            ("-1.0E-2", Data::Float(-0.01)),
            ("1e-400", Data::Float(0.0)),
            ("9223372036854775807", Data::Int(i64::MAX)),
            ("-9223372036854775808", Data::Int(i64::MIN)),
            // Read as u64 and stored in an i64 by Nix 2.8: it wraps.
            ("9223372036854775808", Data::Int(i64::MIN)),
            ("18446744073709551615", Data::Int(-1)),
            ("18446744073709551616", Data::Float(18446744073709551616.0)),
            ("-9223372036854775809", Data::Float(-9223372036854775809.0)),
            (
                "123456789012345678901234567890",
                Data::Float(1.2345678901234568e29),
            ),
        ];
        for (text, expected) in cases {
            let got = from_json(text).unwrap();
            assert_eq!(got, expected, "{text}");
            if let (Data::Float(a), Data::Float(b)) = (&got, &expected) {
                assert_eq!(a.is_sign_negative(), b.is_sign_negative(), "{text}");
            }
        }
        assert_eq!(
            json_err("1E400"),
            "JSON parse error at line 1, column 1: number overflow parsing '1E400'"
        );
    }

    #[test]
    fn json_structure_matches_nix_2_8() {
        // The last of a repeated key wins, whole (no merging).
        assert_eq!(
            from_json(r#"{"a":{"b":1},"a":{"c":2}}"#).unwrap(),
            attrs(vec![("a", attrs(vec![("c", Data::Int(2))]))])
        );
        assert_eq!(
            from_json(r#"{"a":1,"a":2}"#).unwrap(),
            attrs(vec![("a", Data::Int(2))])
        );
        // Keys come out sorted.
        assert_eq!(
            from_json(r#"{"b":1,"a":2,"":3}"#).unwrap(),
            attrs(vec![
                ("", Data::Int(3)),
                ("a", Data::Int(2)),
                ("b", Data::Int(1))
            ])
        );
        assert_eq!(from_json("[]").unwrap(), Data::List(vec![]));
        assert_eq!(from_json(" {} ").unwrap(), Data::Attrs(vec![]));
        assert_eq!(from_json(" \n true \n").unwrap(), Data::Bool(true));
        assert_eq!(from_json("\u{feff}1").unwrap(), Data::Int(1));
        assert_eq!(from_json(r#""\u00E9\/""#).unwrap(), s("é/"));
        assert_eq!(from_json(r#""\ud83d\ude00""#).unwrap(), s("😀"));
        // Nix 2.8 then cuts the string at the NUL; that is the evaluator's part.
        assert_eq!(from_json(r#""a\u0000b""#).unwrap(), s("a\0b"));
    }

    /// Inputs nix-instantiate 2.8.0 rejects, with where it points.
    #[test]
    fn json_errors_match_nix_2_8() {
        let cases = [
            ("01", 2),
            ("1.", 3),
            (".5", 1),
            ("+1", 1),
            ("-", 2),
            ("[1,]", 4),
            ("{\"a\":1,}", 8),
            ("'a'", 1),
            ("\"a\tb\"", 3),
            ("[1 2]", 4),
            ("[1,2", 5),
            ("nul", 1),
            ("\"\\x\"", 3),
            ("NaN", 1),
            ("Infinity", 1),
            ("", 1),
            (" [ ] x", 6),
            ("\"\\uDC00\"", 2),
            ("\"\\uD800\\u0041\"", 2),
            ("\"\\ud83d\"", 2),
            ("\"abc", 5),
        ];
        for (text, column) in cases {
            match from_json(text) {
                Err(DataError::Json {
                    line: 1, column: c, ..
                }) if c == column => {}
                other => panic!("{text:?}: expected an error at column {column}, got {other:?}"),
            }
        }
        assert_eq!(
            json_err("[1,2"),
            "JSON parse error at line 1, column 5: unexpected end of input; expected ',' or ']'"
        );
        assert_eq!(
            json_err("{\n  \"a\": tru\n}"),
            "JSON parse error at line 2, column 8: unexpected character 't'; expected a JSON value"
        );
    }

    /// Nix 2.8 reads 100,000 nested arrays; so must we, and drop them.
    #[test]
    fn json_deep_nesting() {
        let depth = 100_000;
        let text = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
        let mut d = from_json(&text).unwrap();
        let mut n = 1;
        while let Data::List(items) = &mut d {
            match items.pop() {
                Some(inner) => {
                    n += 1;
                    d = inner;
                }
                None => break,
            }
        }
        assert_eq!(n, depth);
        let text = format!("{}1{}", "{\"a\":[".repeat(depth), "]}".repeat(depth));
        drop(from_json(&text).unwrap());
        // An unclosed deep document is an error, not a crash.
        assert!(from_json(&"[{\"a\":".repeat(depth)).is_err());
    }

    /// Compares TOML results with Nix's JSON output of them, which prints
    /// floats with 6 significant digits and a whole float as an integer.
    fn approx_eq(got: &Data, want: &Data) -> bool {
        let num = |d: &Data| match d {
            Data::Int(n) => Some(*n as f64),
            Data::Float(f) => Some(*f),
            _ => None,
        };
        match (got, want) {
            (Data::Int(a), Data::Int(b)) => a == b,
            (Data::Float(_), Data::Float(_) | Data::Int(_)) => {
                let (a, b) = (num(got).unwrap(), num(want).unwrap());
                a == b || ((a - b) / b).abs() < 1e-5
            }
            (Data::List(a), Data::List(b)) => {
                a.len() == b.len() && a.iter().zip(b).all(|(x, y)| approx_eq(x, y))
            }
            (Data::Attrs(a), Data::Attrs(b)) => {
                a.len() == b.len()
                    && a.iter()
                        .zip(b)
                        .all(|((ka, va), (kb, vb))| ka == kb && approx_eq(va, vb))
            }
            _ => got == want,
        }
    }

    fn get<'a>(d: &'a Data, key: &str) -> &'a Data {
        match d {
            Data::Attrs(items) => &items.iter().find(|(k, _)| k == key).expect(key).1,
            _ => panic!("not attrs"),
        }
    }

    /// Nix's `tests/lang/eval-okay-fromTOML.nix`.
    #[test]
    fn nix_eval_okay_from_toml() {
        for (doc, exp) in FROM_TOML_DOCS.iter().zip(FROM_TOML_EXP) {
            let got = from_toml(doc).unwrap();
            let want = from_json(exp).unwrap();
            assert!(approx_eq(&got, &want), "got {got:?}\nwant {want:?}");
        }
        let d = from_toml(FROM_TOML_DOCS[1]).unwrap();
        assert_eq!(get(&d, "flt1"), &Data::Float(1.0));
        assert_eq!(get(&d, "flt8"), &Data::Float(9224617.445991228));
        assert_eq!(get(&d, "int1"), &Data::Int(99));
        assert_eq!(get(&d, "hex1"), &Data::Int(0xDEADBEEF));
    }

    /// `newer/lang/eval-fail-fromTOML-timestamps.nix`.
    #[test]
    fn nix_eval_fail_from_toml_timestamps() {
        assert_eq!(
            from_toml(FROM_TOML_TIMESTAMPS),
            Err(DataError::TomlDatetime)
        );
        for doc in [
            "a = 1979-05-27",
            "a = 07:32:00",
            "a = [[1979-05-27T07:32:00Z]]",
            "[t]\nx = { y = 00:32:00.999999 }",
        ] {
            assert_eq!(from_toml(doc), Err(DataError::TomlDatetime), "{doc}");
        }
    }

    /// Corner cases checked against nix-instantiate 2.8.0 (toml11).
    #[test]
    fn toml_matches_nix_2_8() {
        let ok = |doc: &str| from_toml(doc).unwrap_or_else(|e| panic!("{doc:?}: {e}"));
        assert_eq!(ok(""), Data::Attrs(vec![]));
        assert_eq!(ok("\"\" = 1"), attrs(vec![("", Data::Int(1))]));
        assert_eq!(
            ok("a = 9223372036854775807"),
            attrs(vec![("a", Data::Int(i64::MAX))])
        );
        assert_eq!(
            ok("a = -9223372036854775808"),
            attrs(vec![("a", Data::Int(i64::MIN))])
        );
        assert_eq!(
            ok("a = 0x7FFFFFFFFFFFFFFF"),
            attrs(vec![("a", Data::Int(i64::MAX))])
        );
        assert_eq!(
            ok("a = [1, \"a\"]"),
            attrs(vec![("a", Data::List(vec![Data::Int(1), s("a")]))])
        );
        assert_eq!(
            ok("a = [1, 1.0]"),
            attrs(vec![(
                "a",
                Data::List(vec![Data::Int(1), Data::Float(1.0)])
            )])
        );
        assert_eq!(
            ok("a.b.c = 1\na.d = 2"),
            attrs(vec![(
                "a",
                attrs(vec![
                    ("b", attrs(vec![("c", Data::Int(1))])),
                    ("d", Data::Int(2))
                ])
            )])
        );
        assert_eq!(
            ok("[a.b]\nx = 1\n[a]\ny = 2"),
            attrs(vec![(
                "a",
                attrs(vec![
                    ("b", attrs(vec![("x", Data::Int(1))])),
                    ("y", Data::Int(2))
                ])
            )])
        );
        assert_eq!(ok("a = \"\"\"\nx\"\"\""), attrs(vec![("a", s("x"))]));
        match &ok("a = inf\nb = -inf\nc = nan\nd = +nan") {
            Data::Attrs(items) => {
                assert_eq!(items[0].1, Data::Float(f64::INFINITY));
                assert_eq!(items[1].1, Data::Float(f64::NEG_INFINITY));
                assert!(matches!(items[2].1, Data::Float(f) if f.is_nan()));
                assert!(matches!(items[3].1, Data::Float(f) if f.is_nan()));
            }
            other => panic!("{other:?}"),
        }
        for bad in [
            "a = 1\na = 2",
            "[a]\nb = 1\n[a]\nc = 2",
            "a = 07:32",
            "a = 1979-05-27T07:32",
            "x = ",
        ] {
            assert!(
                matches!(
                    from_toml(bad),
                    Err(DataError::Toml(_) | DataError::TomlDatetime)
                ),
                "{bad:?}"
            );
        }
    }

    /// Where the toml crate (TOML 1.1) and Nix 2.8 (toml11, TOML 0.5) part:
    /// pinned here so a change of either side is noticed.
    #[test]
    fn toml_differs_from_nix_2_8() {
        let ok = |doc: &str| from_toml(doc).is_ok();
        // Nix 2.8 rejects these TOML 1.1 forms; we accept them.
        for doc in [
            "a = { b = 1, }",
            "a = { b = 1,\nc = 2 }",
            "a = \"\\e\"",
            "a = \"\\x41\"",
        ] {
            assert!(ok(doc), "{doc:?}");
        }
        // Nix 2.8 saturates out-of-range numbers (i64::MAX, i64::MIN,
        // f64::MAX) and lets `[a]` reopen a table made by dotted keys; we fail.
        for doc in [
            "a = 9223372036854775808",
            "a = -9223372036854775809",
            "a = 0xFFFFFFFFFFFFFFFF",
            "a = 1e400",
            "a.b = 1\n[a]\nc = 2",
        ] {
            assert!(!ok(doc), "{doc:?}");
        }
        // Nix 2.8 reads 10,000 nested arrays; the toml crate stops at 80.
        let deep = |n: usize| format!("a = {}{}", "[".repeat(n), "]".repeat(n));
        assert!(ok(&deep(70)));
        assert!(!ok(&deep(100)));
    }

    /// The four documents of Nix's `tests/lang/eval-okay-fromTOML.nix`.
    const FROM_TOML_DOCS: [&str; 4] = [
        r##"# This is a TOML document.

title = "TOML Example"

[owner]
name = "Tom Preston-Werner"
#dob = 1979-05-27T07:32:00-08:00 # First class dates

[database]
server = "192.168.1.1"
ports = [ 8001, 8001, 8002 ]
connection_max = 5000
enabled = true

[servers]

  # Indentation (tabs and/or spaces) is allowed but not required
  [servers.alpha]
  ip = "10.0.0.1"
  dc = "eqdc10"

  [servers.beta]
  ip = "10.0.0.2"
  dc = "eqdc10"

[clients]
data = [ ["gamma", "delta"], [1, 2] ]

# Line breaks are OK when inside arrays
hosts = [
  "alpha",
  "omega"
]
"##,
        r##"key = "value"
bare_key = "value"
bare-key = "value"
1234 = "value"

"127.0.0.1" = "value"
"character encoding" = "value"
"ʎǝʞ" = "value"
'key2' = "value"
'quoted "value"' = "value"

name = "Orange"

physical.color = "orange"
physical.shape = "round"
site."google.com" = true

# This is legal according to the spec, but cpptoml doesn't handle it.
#a.b.c = 1
#a.d = 2

str = "I'm a string. \"You can quote me\". Name\tJos\u00E9\nLocation\tSF."

int1 = +99
int2 = 42
int3 = 0
int4 = -17
int5 = 1_000
int6 = 5_349_221
int7 = 1_2_3_4_5

hex1 = 0xDEADBEEF
hex2 = 0xdeadbeef
hex3 = 0xdead_beef

oct1 = 0o01234567
oct2 = 0o755

bin1 = 0b11010110

flt1 = +1.0
flt2 = 3.1415
flt3 = -0.01
flt4 = 5e+22
flt5 = 1e6
flt6 = -2E-2
flt7 = 6.626e-34
flt8 = 9_224_617.445_991_228_313

bool1 = true
bool2 = false

# FIXME: not supported because Nix doesn't have a date/time type.
#odt1 = 1979-05-27T07:32:00Z
#odt2 = 1979-05-27T00:32:00-07:00
#odt3 = 1979-05-27T00:32:00.999999-07:00
#odt4 = 1979-05-27 07:32:00Z
#ldt1 = 1979-05-27T07:32:00
#ldt2 = 1979-05-27T00:32:00.999999
#ld1 = 1979-05-27
#lt1 = 07:32:00
#lt2 = 00:32:00.999999

arr1 = [ 1, 2, 3 ]
arr2 = [ "red", "yellow", "green" ]
arr3 = [ [ 1, 2 ], [3, 4, 5] ]
arr4 = [ "all", 'strings', """are the same""", '''type''']
arr5 = [ [ 1, 2 ], ["a", "b", "c"] ]

arr7 = [
  1, 2, 3
]

arr8 = [
  1,
  2, # this is ok
]

[table-1]
key1 = "some string"
key2 = 123


[table-2]
key1 = "another string"
key2 = 456

[dog."tater.man"]
type.name = "pug"

[a.b.c]
[ d.e.f ]
[ g .  h  . i ]
[ j . "ʞ" . 'l' ]
[x.y.z.w]

name = { first = "Tom", last = "Preston-Werner" }
point = { x = 1, y = 2 }
animal = { type.name = "pug" }

[[products]]
name = "Hammer"
sku = 738594937

[[products]]

[[products]]
name = "Nail"
sku = 284758393
color = "gray"

[[fruit]]
  name = "apple"

  [fruit.physical]
    color = "red"
    shape = "round"

  [[fruit.variety]]
    name = "red delicious"

  [[fruit.variety]]
    name = "granny smith"

[[fruit]]
  name = "banana"

  [[fruit.variety]]
    name = "plantain"
"##,
        r##"[[package]]
name = "aho-corasick"
version = "0.6.4"
source = "registry+https://example.invalid/rust-lang/package-index"
dependencies = [
 "memchr 2.0.1 (registry+https://example.invalid/rust-lang/package-index)",
]

[[package]]
name = "ansi_term"
version = "0.9.0"
source = "registry+https://example.invalid/rust-lang/package-index"

[[package]]
name = "atty"
version = "0.2.10"
source = "registry+https://example.invalid/rust-lang/package-index"
dependencies = [
 "libc 0.2.42 (registry+https://example.invalid/rust-lang/package-index)",
 "termion 1.5.1 (registry+https://example.invalid/rust-lang/package-index)",
 "winapi 0.3.5 (registry+https://example.invalid/rust-lang/package-index)",
]

[metadata]
"checksum aho-corasick 0.6.4 (registry+https://example.invalid/rust-lang/package-index)" = "d6531d44de723825aa81398a6415283229725a00fa30713812ab9323faa82fc4"
"checksum ansi_term 0.11.0 (registry+https://example.invalid/rust-lang/package-index)" = "ee49baf6cb617b853aa8d93bf420db2383fab46d314482ca2803b40d5fde979b"
"checksum ansi_term 0.9.0 (registry+https://example.invalid/rust-lang/package-index)" = "23ac7c30002a5accbf7e8987d0632fa6de155b7c3d39d0067317a391e00a2ef6"
"checksum arrayvec 0.4.7 (registry+https://example.invalid/rust-lang/package-index)" = "a1e964f9e24d588183fcb43503abda40d288c8657dfc27311516ce2f05675aef"
"##,
        r##"a = [[{ b = true }]]
c = [ [ { d = true } ] ]
e = [[123]]
"##,
    ];

    /// Its expectation (`eval-okay-fromTOML.exp`), as `nix-instantiate --json`
    /// prints it (floats with 6 significant digits).
    const FROM_TOML_EXP: [&str; 4] = [
        r##"{"clients":{"data":[["gamma","delta"],[1,2]],"hosts":["alpha","omega"]},"database":{"connection_max":5000,"enabled":true,"ports":[8001,8001,8002],"server":"192.168.1.1"},"owner":{"name":"Tom Preston-Werner"},"servers":{"alpha":{"dc":"eqdc10","ip":"10.0.0.1"},"beta":{"dc":"eqdc10","ip":"10.0.0.2"}},"title":"TOML Example"}"##,
        r##"{"1234":"value","127.0.0.1":"value","a":{"b":{"c":{}}},"arr1":[1,2,3],"arr2":["red","yellow","green"],"arr3":[[1,2],[3,4,5]],"arr4":["all","strings","are the same","type"],"arr5":[[1,2],["a","b","c"]],"arr7":[1,2,3],"arr8":[1,2],"bare-key":"value","bare_key":"value","bin1":214,"bool1":true,"bool2":false,"character encoding":"value","d":{"e":{"f":{}}},"dog":{"tater.man":{"type":{"name":"pug"}}},"flt1":1,"flt2":3.1415,"flt3":-0.01,"flt4":5e+22,"flt5":1000000.0,"flt6":-0.02,"flt7":6.626e-34,"flt8":9224620.0,"fruit":[{"name":"apple","physical":{"color":"red","shape":"round"},"variety":[{"name":"red delicious"},{"name":"granny smith"}]},{"name":"banana","variety":[{"name":"plantain"}]}],"g":{"h":{"i":{}}},"hex1":3735928559,"hex2":3735928559,"hex3":3735928559,"int1":99,"int2":42,"int3":0,"int4":-17,"int5":1000,"int6":5349221,"int7":12345,"j":{"ʞ":{"l":{}}},"key":"value","key2":"value","name":"Orange","oct1":342391,"oct2":493,"physical":{"color":"orange","shape":"round"},"products":[{"name":"Hammer","sku":738594937},{},{"color":"gray","name":"Nail","sku":284758393}],"quoted \"value\"":"value","site":{"google.com":true},"str":"I'm a string. \"You can quote me\". Name\tJosé\nLocation\tSF.","table-1":{"key1":"some string","key2":123},"table-2":{"key1":"another string","key2":456},"x":{"y":{"z":{"w":{"animal":{"type":{"name":"pug"}},"name":{"first":"Tom","last":"Preston-Werner"},"point":{"x":1,"y":2}}}}},"ʎǝʞ":"value"}"##,
        r##"{"metadata":{"checksum aho-corasick 0.6.4 (registry+https://example.invalid/rust-lang/package-index)":"d6531d44de723825aa81398a6415283229725a00fa30713812ab9323faa82fc4","checksum ansi_term 0.11.0 (registry+https://example.invalid/rust-lang/package-index)":"ee49baf6cb617b853aa8d93bf420db2383fab46d314482ca2803b40d5fde979b","checksum ansi_term 0.9.0 (registry+https://example.invalid/rust-lang/package-index)":"23ac7c30002a5accbf7e8987d0632fa6de155b7c3d39d0067317a391e00a2ef6","checksum arrayvec 0.4.7 (registry+https://example.invalid/rust-lang/package-index)":"a1e964f9e24d588183fcb43503abda40d288c8657dfc27311516ce2f05675aef"},"package":[{"dependencies":["memchr 2.0.1 (registry+https://example.invalid/rust-lang/package-index)"],"name":"aho-corasick","source":"registry+https://example.invalid/rust-lang/package-index","version":"0.6.4"},{"name":"ansi_term","source":"registry+https://example.invalid/rust-lang/package-index","version":"0.9.0"},{"dependencies":["libc 0.2.42 (registry+https://example.invalid/rust-lang/package-index)","termion 1.5.1 (registry+https://example.invalid/rust-lang/package-index)","winapi 0.3.5 (registry+https://example.invalid/rust-lang/package-index)"],"name":"atty","source":"registry+https://example.invalid/rust-lang/package-index","version":"0.2.10"}]}"##,
        r##"{"a":[[{"b":true}]],"c":[[{"d":true}]],"e":[[123]]}"##,
    ];

    /// The document of `newer/lang/eval-fail-fromTOML-timestamps.nix`.
    const FROM_TOML_TIMESTAMPS: &str = r##"key = "value"
bare_key = "value"
bare-key = "value"
1234 = "value"

"127.0.0.1" = "value"
"character encoding" = "value"
"ʎǝʞ" = "value"
'key2' = "value"
'quoted "value"' = "value"

name = "Orange"

physical.color = "orange"
physical.shape = "round"
site."google.com" = true

# This is legal according to the spec, but cpptoml doesn't handle it.
#a.b.c = 1
#a.d = 2

str = "I'm a string. \"You can quote me\". Name\tJos\u00E9\nLocation\tSF."

int1 = +99
int2 = 42
int3 = 0
int4 = -17
int5 = 1_000
int6 = 5_349_221
int7 = 1_2_3_4_5

hex1 = 0xDEADBEEF
hex2 = 0xdeadbeef
hex3 = 0xdead_beef

oct1 = 0o01234567
oct2 = 0o755

bin1 = 0b11010110

flt1 = +1.0
flt2 = 3.1415
flt3 = -0.01
flt4 = 5e+22
flt5 = 1e6
flt6 = -2E-2
flt7 = 6.626e-34
flt8 = 9_224_617.445_991_228_313

bool1 = true
bool2 = false

odt1 = 1979-05-27T07:32:00Z
odt2 = 1979-05-27T00:32:00-07:00
odt3 = 1979-05-27T00:32:00.999999-07:00
odt4 = 1979-05-27 07:32:00Z
ldt1 = 1979-05-27T07:32:00
ldt2 = 1979-05-27T00:32:00.999999
ld1 = 1979-05-27
lt1 = 07:32:00
lt2 = 00:32:00.999999

arr1 = [ 1, 2, 3 ]
arr2 = [ "red", "yellow", "green" ]
arr3 = [ [ 1, 2 ], [3, 4, 5] ]
arr4 = [ "all", 'strings', """are the same""", '''type''']
arr5 = [ [ 1, 2 ], ["a", "b", "c"] ]

arr7 = [
  1, 2, 3
]

arr8 = [
  1,
  2, # this is ok
]

[table-1]
key1 = "some string"
key2 = 123


[table-2]
key1 = "another string"
key2 = 456

[dog."tater.man"]
type.name = "pug"

[a.b.c]
[ d.e.f ]
[ g .  h  . i ]
[ j . "ʞ" . 'l' ]
[x.y.z.w]

name = { first = "Tom", last = "Preston-Werner" }
point = { x = 1, y = 2 }
animal = { type.name = "pug" }

[[products]]
name = "Hammer"
sku = 738594937

[[products]]

[[products]]
name = "Nail"
sku = 284758393
color = "gray"

[[fruit]]
  name = "apple"

  [fruit.physical]
    color = "red"
    shape = "round"

  [[fruit.variety]]
    name = "red delicious"

  [[fruit.variety]]
    name = "granny smith"

[[fruit]]
  name = "banana"

  [[fruit.variety]]
    name = "plantain"
"##;
}
