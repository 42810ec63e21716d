//! Version strings as Nix sees them: `builtins.compareVersions`,
//! `builtins.splitVersion` and `builtins.parseDrvName`.
//!
//! A port of Nix's `names.cc`. Everything works on ASCII bytes, as Nix's
//! `isdigit`/`isalpha` do in the C locale: any non-ASCII byte is a "letter"
//! for component splitting and a "non-letter" for `parseDrvName`.

use std::cmp::Ordering;

/// Takes the next version component off the front of `rest`.
///
/// Separators (`.` and `-`) before it are skipped. A component is a maximal
/// run of ASCII digits or a maximal run of anything else that is neither a
/// digit nor a separator. Returns `""` once `rest` holds only separators.
fn next_component<'a>(rest: &mut &'a str) -> &'a str {
    let s = rest.trim_start_matches(['.', '-']);
    let is_digit_run = s.as_bytes().first().is_some_and(u8::is_ascii_digit);
    let end = s
        .bytes()
        .position(|b| {
            if is_digit_run {
                !b.is_ascii_digit()
            } else {
                b.is_ascii_digit() || b == b'.' || b == b'-'
            }
        })
        .unwrap_or(s.len());
    // Splitting at an ASCII byte always lands on a char boundary.
    let (component, tail) = s.split_at(end);
    *rest = tail;
    component
}

/// Parses a component as Nix's `string2Int<int>` does: digits only, and a
/// number that does not fit a C `int` is no number at all (it then sorts as
/// a letter component, which Nix does too).
fn as_number(c: &str) -> Option<i32> {
    if c.is_empty() || !c.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    c.parse().ok()
}

/// Nix's `componentsLT`: is component `c1` older than `c2`?
fn components_lt(c1: &str, c2: &str) -> bool {
    let n1 = as_number(c1);
    let n2 = as_number(c2);
    match (n1, n2) {
        (Some(a), Some(b)) => a < b,
        _ if c1.is_empty() && n2.is_some() => true,
        _ if c1 == "pre" && c2 != "pre" => true,
        _ if c2 == "pre" => false,
        // A number is newer than letters: `2.3a` < `2.3.1`.
        (_, Some(_)) => true,
        (Some(_), _) => false,
        _ => c1 < c2,
    }
}

/// Nix's `builtins.compareVersions a b`: -1 if `a` is older than `b`, 0 if
/// they are equal, 1 if `a` is newer.
///
/// Both strings are split into components (see [`split_version`]) and
/// compared pairwise; a missing component compares as `""`. Numbers compare
/// numerically, `pre` is older than anything else, letters are older than
/// numbers and compare bytewise among themselves.
pub fn compare_versions(a: &str, b: &str) -> i32 {
    match compare_versions_ord(a, b) {
        Ordering::Less => -1,
        Ordering::Equal => 0,
        Ordering::Greater => 1,
    }
}

/// [`compare_versions`] as an [`Ordering`], for sorting.
pub fn compare_versions_ord(a: &str, b: &str) -> Ordering {
    let (mut p1, mut p2) = (a, b);
    while !p1.is_empty() || !p2.is_empty() {
        let c1 = next_component(&mut p1);
        let c2 = next_component(&mut p2);
        if components_lt(c1, c2) {
            return Ordering::Less;
        }
        if components_lt(c2, c1) {
            return Ordering::Greater;
        }
    }
    Ordering::Equal
}

/// Nix's `builtins.splitVersion s`: the components of a version string, as
/// [`compare_versions`] sees them. Separators are dropped:
/// `"1.2pre3-rc"` gives `["1", "2", "pre", "3", "rc"]`.
pub fn split_version(s: &str) -> Vec<String> {
    let mut rest = s;
    let mut out = Vec::new();
    loop {
        let c = next_component(&mut rest);
        if c.is_empty() {
            return out;
        }
        out.push(c.to_owned());
    }
}

/// Nix's `builtins.parseDrvName s`: splits a derivation name into
/// `(name, version)` at the first `-` that is followed by a character that is
/// not an ASCII letter. Without such a dash the version is `""`.
///
/// `"xf86-video-i810-1.7.4"` gives `("xf86-video-i810", "1.7.4")`.
pub fn parse_drv_name(s: &str) -> (String, String) {
    let bytes = s.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'-' && bytes.get(i + 1).is_some_and(|n| !n.is_ascii_alphabetic()) {
            return (s[..i].to_owned(), s[i + 1..].to_owned());
        }
    }
    (s.to_owned(), String::new())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(a: &str, b: &str, expected: i32) {
        assert_eq!(
            compare_versions(a, b),
            expected,
            "compareVersions {a:?} {b:?}"
        );
        assert_eq!(
            compare_versions(b, a),
            -expected,
            "compareVersions {b:?} {a:?}"
        );
    }

    fn drv(s: &str) -> (String, String) {
        parse_drv_name(s)
    }

    fn pair(n: &str, v: &str) -> (String, String) {
        (n.to_owned(), v.to_owned())
    }

    /// Nix's `tests/lang/eval-okay-versions.nix`.
    #[test]
    fn nix_eval_okay_versions() {
        assert_eq!(drv("hello-1.0.2"), pair("hello", "1.0.2"));
        assert_eq!(drv("hello"), pair("hello", ""));
        assert_eq!(drv("915resolution-0.5.2"), pair("915resolution", "0.5.2"));
        assert_eq!(
            drv("xf86-video-i810-1.7.4"),
            pair("xf86-video-i810", "1.7.4")
        );
        check("1.0", "2.3", -1);
        check("2.1", "2.3", -1);
        check("2.3", "2.3", 0);
        check("2.5", "2.3", 1);
        check("3.1", "2.3", 1);
        check("2.3.1", "2.3", 1);
        check("2.3.1", "2.3a", 1);
        check("2.3pre1", "2.3", -1);
        check("2.3pre3", "2.3pre12", -1);
        check("2.3a", "2.3c", -1);
        check("2.3pre1", "2.3c", -1);
        check("2.3pre1", "2.3q", -1);
    }

    /// Nix's `tests/lang/eval-okay-splitversion.nix`.
    #[test]
    fn nix_eval_okay_splitversion() {
        assert_eq!(split_version("1.2.3"), ["1", "2", "3"]);
    }

    /// Results of `builtins.compareVersions` from nix-instantiate 2.8.0.
    #[test]
    fn compare_matches_nix_2_8() {
        let cases = [
            ("2147483647", "1", 1),
            // Over i32::MAX: Nix's string2Int<int> fails, so it is a "letter".
            ("2147483648", "1", -1),
            ("99999999999", "1", -1),
            ("99999999999", "a", -1),
            ("99999999999", "99999999998", 1),
            ("01", "1", 0),
            ("", "1", -1),
            ("", "a", -1),
            ("", "pre", 1),
            ("pre", "", -1),
            ("1.0", "1.0.", 0),
            ("1.0", "1.0.0", -1),
            ("a", "B", 1),
            ("1a", "1-a", 0),
            ("1..2", "1.2", 0),
            ("2.3pre", "2.3", -1),
            ("1.2pre", "1.2.0", -1),
            ("1", "1pre", 1),
            ("1.2", "1.2a", -1),
            ("é", "e", 1),
            ("", "", 0),
            ("a", "", 1),
        ];
        for (a, b, expected) in cases {
            assert_eq!(
                compare_versions(a, b),
                expected,
                "compareVersions {a:?} {b:?}"
            );
        }
    }

    /// Results of `builtins.splitVersion` from nix-instantiate 2.8.0.
    #[test]
    fn split_matches_nix_2_8() {
        let cases: [(&str, &[&str]); 10] = [
            ("1.2pre3-rc", &["1", "2", "pre", "3", "rc"]),
            ("", &[]),
            ("-", &[]),
            ("1.2.", &["1", "2"]),
            (".1..2-x", &["1", "2", "x"]),
            ("abc", &["abc"]),
            ("1a2b", &["1", "a", "2", "b"]),
            ("é1", &["é", "1"]),
            ("1 2", &["1", " ", "2"]),
            ("a_b+c", &["a_b+c"]),
        ];
        for (s, expected) in cases {
            assert_eq!(split_version(s), expected, "splitVersion {s:?}");
        }
    }

    /// Results of `builtins.parseDrvName` from nix-instantiate 2.8.0.
    #[test]
    fn parse_drv_name_matches_nix_2_8() {
        let cases = [
            ("hello-1.0", "hello", "1.0"),
            ("hello", "hello", ""),
            ("a-b-c", "a-b-c", ""),
            ("a-", "a-", ""),
            ("-1", "", "1"),
            ("a--1", "a", "-1"),
            ("foo-é", "foo", "é"),
            ("foo-Bar-2", "foo-Bar", "2"),
            ("foo-_x", "foo", "_x"),
            ("x-1-y-2", "x", "1-y-2"),
            ("", "", ""),
        ];
        for (s, name, version) in cases {
            assert_eq!(drv(s), pair(name, version), "parseDrvName {s:?}");
        }
    }
}
