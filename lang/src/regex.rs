//! POSIX extended regular expressions with the semantics Nix gives them.
//!
//! `builtins.match` and `builtins.split` use libstdc++'s `std::regex` with
//! `regex::extended`, whose answers differ from Perl-style engines: the whole
//! match is leftmost-*longest*, while the capture groups then follow Perl's
//! priority order among the paths that produce that match. Patterns and
//! subjects are bytes: `.` and bracket expressions match one byte, and the
//! character classes are those of the "C" locale.
//!
//! The pattern is parsed here the way libstdc++ parses it (including what it
//! rejects) into a small tree, lowered to a [`regex_syntax::hir::Hir`], and run
//! with regex-automata as a "sandwich":
//! 1. a `meta::Regex` finds the leftmost start of any match;
//! 2. a lazy DFA with `MatchKind::All`, anchored there, finds the longest end;
//! 3. a `PikeVM` running `(?:re)$`, anchored at the start, over the subject cut
//!    at that end, fills in the groups.
//!
//! All three are linear in the subject, so unlike libstdc++'s backtracking
//! executor nothing here grows the stack with the input.

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;
use std::rc::Rc;

use regex_automata::hybrid::dfa::{Cache as DfaCache, DFA};
use regex_automata::nfa::thompson::pikevm::{Cache as PikeCache, PikeVM};
use regex_automata::nfa::thompson::{self, NFA};
use regex_automata::util::captures::Captures;
use regex_automata::{meta, Anchored, Input, MatchKind};
use regex_syntax::hir::{self, ClassBytes, ClassBytesRange, Hir, Look};

/// libstdc++ refuses patterns whose automaton has more states than this
/// (`_GLIBCXX_REGEX_STATE_LIMIT`); Nix reports that as a memory limit.
const STATE_LIMIT: u64 = 100_000;

/// How deeply groups and stacked repetitions may nest. The parser, the
/// lowering and regex-automata's compiler all recurse over the tree.
const NEST_LIMIT: usize = 250;

/// Bytes an automaton may use; far above what [`STATE_LIMIT`] lets through.
const SIZE_LIMIT: usize = 256 << 20;

/// Why a pattern was rejected.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RegexErrorKind {
    /// A `(` without its `)`.
    UnclosedGroup,
    /// A `)` without its `(`.
    UnmatchedParen,
    /// A `[` without its `]`.
    UnclosedBracket,
    /// `*`, `+`, `?` or `{` with nothing to repeat.
    NothingToRepeat,
    /// A malformed `{m,n}` interval, or one with `n < m`.
    BadInterval,
    /// A backslash at the end of the pattern.
    TrailingBackslash,
    /// A backslash before a character that is not special (libstdc++, built
    /// in strict ISO mode as Nix is, rejects these).
    BadEscape(u8),
    /// An unknown `[:name:]` class.
    UnknownClass(String),
    /// An unknown `[.name.]` or `[=name=]` collating element.
    UnknownCollatingElement(String),
    /// A range whose ends are out of order, or that starts at a class.
    BadRange,
    /// Groups or repetitions nested too deeply.
    TooDeep,
    /// The automaton would be too large.
    TooLarge,
}

impl fmt::Display for RegexErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RegexErrorKind::UnclosedGroup => f.write_str("unclosed group"),
            RegexErrorKind::UnmatchedParen => f.write_str("unmatched ')'"),
            RegexErrorKind::UnclosedBracket => f.write_str("unclosed bracket expression"),
            RegexErrorKind::NothingToRepeat => f.write_str("repetition operator without operand"),
            RegexErrorKind::BadInterval => f.write_str("invalid repetition interval"),
            RegexErrorKind::TrailingBackslash => f.write_str("trailing backslash"),
            RegexErrorKind::BadEscape(c) => {
                write!(f, "invalid escape '\\{}'", (*c as char).escape_default())
            }
            RegexErrorKind::UnknownClass(name) => write!(f, "unknown character class '{name}'"),
            RegexErrorKind::UnknownCollatingElement(name) => {
                write!(f, "unknown collating element '{name}'")
            }
            RegexErrorKind::BadRange => f.write_str("invalid range in bracket expression"),
            RegexErrorKind::TooDeep => f.write_str("nested too deeply"),
            RegexErrorKind::TooLarge => f.write_str("too large"),
        }
    }
}

/// A pattern that could not be compiled.
///
/// The message follows Nix's: "invalid regular expression 'PAT': why", or,
/// when the automaton is too big, "memory limit exceeded by regular
/// expression 'PAT'".
#[derive(Debug, Clone, thiserror::Error)]
#[error("{}", self.message())]
pub struct RegexError {
    pattern: String,
    kind: RegexErrorKind,
}

impl RegexError {
    fn new(pattern: &str, kind: RegexErrorKind) -> RegexError {
        RegexError {
            pattern: pattern.to_owned(),
            kind,
        }
    }

    /// The pattern that was rejected.
    pub fn pattern(&self) -> &str {
        &self.pattern
    }

    /// Why it was rejected.
    pub fn kind(&self) -> &RegexErrorKind {
        &self.kind
    }

    /// Whether Nix would call this "memory limit exceeded" rather than an
    /// invalid regular expression.
    pub fn is_memory_limit(&self) -> bool {
        self.kind == RegexErrorKind::TooLarge
    }

    fn message(&self) -> String {
        if self.is_memory_limit() {
            format!(
                "memory limit exceeded by regular expression '{}'",
                self.pattern
            )
        } else {
            format!(
                "invalid regular expression '{}': {}",
                self.pattern, self.kind
            )
        }
    }
}

/// Byte spans of a match: the whole match or the groups, `None` for a group
/// that did not take part.
pub type Spans = Vec<Option<(usize, usize)>>;

/// A compiled POSIX extended regular expression.
pub struct PosixRegex {
    groups: usize,
    /// Finds where the leftmost match starts.
    finder: meta::Regex,
    /// Finds how far the longest match from a given start reaches.
    longest: DFA,
    /// `(?:re)$` for groups when the match ends at the end of the subject.
    pike_at_end: PikeVM,
    /// `(?:re)$` with every inner `$` made to fail, for groups when the match
    /// ends before the end of the subject: the subject is cut at the match's
    /// end there, which would otherwise make those `$` succeed.
    pike_inside: Option<PikeVM>,
    caches: RefCell<Caches>,
}

struct Caches {
    longest: DfaCache,
    pike_at_end: PikeCache,
    pike_inside: Option<PikeCache>,
}

impl fmt::Debug for PosixRegex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PosixRegex")
            .field("groups", &self.groups)
            .finish_non_exhaustive()
    }
}

impl PosixRegex {
    /// Compiles `pattern` as libstdc++'s `regex::extended` would.
    pub fn new(pattern: &str) -> Result<PosixRegex, RegexError> {
        let err = |kind| RegexError::new(pattern, kind);
        let mut parser = Parser {
            pat: pattern.as_bytes(),
            pos: 0,
            groups: 0,
            depth: 0,
        };
        let tree = parser.parse().map_err(err)?;
        // Group 0's two states and the accepting state.
        if tree.states().total.saturating_add(3) > STATE_LIMIT {
            return Err(err(RegexErrorKind::TooLarge));
        }
        let too_large = || err(RegexErrorKind::TooLarge);

        let hir = tree.to_hir(false);
        let finder = meta::Builder::new()
            .configure(
                meta::Config::new()
                    .match_kind(MatchKind::LeftmostFirst)
                    .utf8_empty(false)
                    .nfa_size_limit(Some(SIZE_LIMIT))
                    .onepass_size_limit(Some(SIZE_LIMIT))
                    .dfa_size_limit(Some(SIZE_LIMIT))
                    .which_captures(thompson::WhichCaptures::Implicit),
            )
            .build_from_hir(&hir)
            .map_err(|_| too_large())?;

        let compiler = |hir: &Hir, captures: thompson::WhichCaptures| {
            thompson::Compiler::new()
                .configure(
                    thompson::Config::new()
                        .utf8(false)
                        .nfa_size_limit(Some(SIZE_LIMIT))
                        .which_captures(captures),
                )
                .build_from_hir(hir)
                .map_err(|_| too_large())
        };
        let longest = DFA::builder()
            .configure(
                DFA::config()
                    .match_kind(MatchKind::All)
                    .skip_cache_capacity_check(true),
            )
            .build_from_nfa(compiler(&hir, thompson::WhichCaptures::None)?)
            .map_err(|_| too_large())?;

        let pike = |nfa: NFA| {
            PikeVM::builder()
                .configure(PikeVM::config().match_kind(MatchKind::LeftmostFirst))
                .build_from_nfa(nfa)
                .map_err(|_| too_large())
        };
        let anchored_end = |hir: Hir| Hir::concat(vec![hir, Hir::look(Look::End)]);
        let pike_at_end = pike(compiler(&anchored_end(hir), thompson::WhichCaptures::All)?)?;
        let pike_inside = if tree.has_end_anchor() {
            let hir = anchored_end(tree.to_hir(true));
            Some(pike(compiler(&hir, thompson::WhichCaptures::All)?)?)
        } else {
            None
        };

        let caches = Caches {
            longest: longest.create_cache(),
            pike_at_end: pike_at_end.create_cache(),
            pike_inside: pike_inside.as_ref().map(PikeVM::create_cache),
        };
        Ok(PosixRegex {
            groups: parser.groups as usize,
            finder,
            longest,
            pike_at_end,
            pike_inside,
            caches: RefCell::new(caches),
        })
    }

    /// Number of capture groups, not counting the whole match.
    pub fn group_count(&self) -> usize {
        self.groups
    }

    /// `builtins.match`: the pattern must match the whole of `hay`; returns
    /// each group's byte span (`None` = group did not participate).
    pub fn match_full(&self, hay: &[u8]) -> Option<Spans> {
        if self.longest_from(hay, 0)? != hay.len() {
            return None;
        }
        let mut spans = self.spans(hay, 0, hay.len());
        spans.remove(0);
        Some(spans)
    }

    /// `builtins.split`: the successive non-overlapping matches as
    /// `std::sregex_iterator` finds them, each as group 0 followed by the
    /// groups.
    ///
    /// After an empty match the iterator first looks for a non-empty match
    /// at the same place, and only then moves one byte on; so `x*` over
    /// `abc` matches empty at 0, 1, 2 and 3.
    pub fn find_all(&self, hay: &[u8]) -> Vec<Spans> {
        let mut out = Vec::new();
        let Some((mut start, mut end)) = self.find_from(hay, 0) else {
            return out;
        };
        loop {
            out.push(self.spans(hay, start, end));
            let mut from = end;
            if start == end {
                if end == hay.len() {
                    break;
                }
                // match_not_null | match_continuous at the same place.
                if let Some(longer) = self.longest_from(hay, end).filter(|&e| e > end) {
                    start = end;
                    end = longer;
                    continue;
                }
                from += 1;
            }
            match self.find_from(hay, from) {
                Some((s, e)) => (start, end) = (s, e),
                None => break,
            }
        }
        out
    }

    /// The leftmost-longest match starting at or after `from`.
    fn find_from(&self, hay: &[u8], from: usize) -> Option<(usize, usize)> {
        let input = Input::new(hay).span(from..hay.len());
        let start = self.finder.search(&input)?.start();
        Some((start, self.longest_from(hay, start)?))
    }

    /// The end of the longest match that starts exactly at `start`.
    fn longest_from(&self, hay: &[u8], start: usize) -> Option<usize> {
        let input = Input::new(hay)
            .span(start..hay.len())
            .anchored(Anchored::Yes);
        let mut caches = self.caches.borrow_mut();
        match self.longest.try_search_fwd(&mut caches.longest, &input) {
            Ok(m) => m.map(|m| m.offset()),
            // The lazy DFA has no quit bytes and never gives up as
            // configured; should it still fail, fall back to the slow path.
            Err(_) => {
                drop(caches);
                self.longest_slow(hay, start)
            }
        }
    }

    /// [`Self::longest_from`] without the lazy DFA: the longest `end` for
    /// which `(?:re)$` matches `hay[start..end]`.
    fn longest_slow(&self, hay: &[u8], start: usize) -> Option<usize> {
        (start..=hay.len())
            .rev()
            .find(|&end| self.groups_at(hay, start, end).is_some())
    }

    /// Group 0 and the groups of the match known to span `start..end`.
    fn spans(&self, hay: &[u8], start: usize, end: usize) -> Spans {
        if self.groups == 0 {
            return vec![Some((start, end))];
        }
        match self.groups_at(hay, start, end) {
            Some(spans) => spans,
            // Cannot happen: the match was found by an equivalent automaton.
            None => {
                let mut spans = vec![None; self.groups + 1];
                spans[0] = Some((start, end));
                spans
            }
        }
    }

    /// Runs the PikeVM for `(?:re)$` over `hay[..end]`, anchored at `start`.
    fn groups_at(&self, hay: &[u8], start: usize, end: usize) -> Option<Spans> {
        let mut caches = self.caches.borrow_mut();
        let caches = &mut *caches;
        let (vm, cache) = match (&self.pike_inside, &mut caches.pike_inside) {
            (Some(vm), Some(cache)) if end < hay.len() => (vm, cache),
            _ => (&self.pike_at_end, &mut caches.pike_at_end),
        };
        let input = Input::new(&hay[..end])
            .span(start..end)
            .anchored(Anchored::Yes);
        let mut caps: Captures = vm.create_captures();
        vm.search(cache, &input, &mut caps);
        if !caps.is_match() {
            return None;
        }
        Some(
            (0..=self.groups)
                .map(|i| caps.get_group(i).map(|s| (s.start, s.end)))
                .collect(),
        )
    }
}

/// Compiled patterns by their text, as Nix keeps them: evaluations call
/// `match` and `split` in loops with the same few patterns.
#[derive(Debug, Default)]
pub struct RegexCache {
    compiled: HashMap<String, Rc<PosixRegex>>,
}

impl RegexCache {
    /// An empty cache.
    pub fn new() -> RegexCache {
        RegexCache::default()
    }

    /// The compiled `pattern`, compiling it on first use. Errors are not
    /// kept: a bad pattern is rare and reporting it again is cheap.
    pub fn get(&mut self, pattern: &str) -> Result<Rc<PosixRegex>, RegexError> {
        if let Some(re) = self.compiled.get(pattern) {
            return Ok(Rc::clone(re));
        }
        let re = Rc::new(PosixRegex::new(pattern)?);
        self.compiled.insert(pattern.to_owned(), Rc::clone(&re));
        Ok(re)
    }
}

/// The parsed pattern.
#[derive(Debug, Clone)]
enum Node {
    /// One byte out of a set.
    Set(Box<[bool; 256]>),
    /// `^`
    Start,
    /// `$`
    End,
    /// A numbered group.
    Group(u32, Box<Node>),
    Concat(Vec<Node>),
    Alt(Vec<Node>),
    Repeat {
        sub: Box<Node>,
        min: u32,
        max: Option<u32>,
        /// libstdc++ builds `{m,n}` differently from `*`, `+`, `?`, and
        /// counts states differently.
        interval: bool,
    },
}

/// States of libstdc++'s automaton for a node: all it creates, and those
/// reachable from its start (which is what copying it for `{m,n}` copies).
#[derive(Clone, Copy)]
struct States {
    total: u64,
    reach: u64,
}

impl Node {
    fn states(&self) -> States {
        let one = States { total: 1, reach: 1 };
        match self {
            Node::Set(_) | Node::Start | Node::End => one,
            Node::Group(_, sub) => {
                let s = sub.states();
                States {
                    total: s.total.saturating_add(2),
                    reach: s.reach.saturating_add(2),
                }
            }
            // Each alternative ends in a dummy state.
            Node::Concat(subs) => subs.iter().fold(one, |acc, n| {
                let s = n.states();
                States {
                    total: acc.total.saturating_add(s.total),
                    reach: acc.reach.saturating_add(s.reach),
                }
            }),
            // Each `|` adds a branch state and a joining dummy.
            Node::Alt(subs) => subs.iter().skip(1).fold(subs[0].states(), |acc, n| {
                let s = n.states();
                States {
                    total: acc.total.saturating_add(s.total).saturating_add(2),
                    reach: acc.reach.saturating_add(s.reach).saturating_add(2),
                }
            }),
            Node::Repeat {
                sub,
                min,
                max,
                interval,
            } => {
                let s = sub.states();
                if !interval {
                    let extra = if *max == Some(1) { 2 } else { 1 };
                    return States {
                        total: s.total.saturating_add(extra),
                        reach: s.reach.saturating_add(extra),
                    };
                }
                // A leading dummy, `min` copies, then either a looping copy
                // or `max - min` optional copies and a joining dummy.
                let copies = u64::from(*min).saturating_mul(s.reach);
                let tail = match max {
                    None => s.reach.saturating_add(1),
                    Some(max) => u64::from(max - min)
                        .saturating_mul(s.reach.saturating_add(1))
                        .saturating_add(1),
                };
                let reach = copies.saturating_add(tail).saturating_add(1);
                States {
                    total: reach.saturating_add(s.total),
                    reach,
                }
            }
        }
    }

    fn has_end_anchor(&self) -> bool {
        match self {
            Node::End => true,
            Node::Set(_) | Node::Start => false,
            Node::Group(_, sub) | Node::Repeat { sub, .. } => sub.has_end_anchor(),
            Node::Concat(subs) | Node::Alt(subs) => subs.iter().any(Node::has_end_anchor),
        }
    }

    fn has_group(&self) -> bool {
        match self {
            Node::Group(..) => true,
            Node::Set(_) | Node::Start | Node::End => false,
            Node::Repeat { sub, .. } => sub.has_group(),
            Node::Concat(subs) | Node::Alt(subs) => subs.iter().any(Node::has_group),
        }
    }

    /// The node cut down to its paths that match the empty string, in the
    /// same order, or `None` if it has none.
    fn only_empty(&self) -> Option<Node> {
        Some(match self {
            Node::Set(_) => return None,
            Node::Start | Node::End => self.clone(),
            Node::Group(index, sub) => Node::Group(*index, Box::new(sub.only_empty()?)),
            Node::Concat(subs) => {
                Node::Concat(subs.iter().map(Node::only_empty).collect::<Option<_>>()?)
            }
            Node::Alt(subs) => {
                let mut alts: Vec<Node> = subs.iter().filter_map(Node::only_empty).collect();
                match alts.len() {
                    0 => return None,
                    1 => alts.pop()?,
                    _ => Node::Alt(alts),
                }
            }
            Node::Repeat { sub, min, .. } => match sub.only_empty() {
                // Greedy: take an empty pass if there is one.
                Some(empty) => Node::Repeat {
                    sub: Box::new(empty),
                    min: *min,
                    max: Some((*min).max(1)),
                    interval: true,
                },
                None if *min == 0 => Node::Concat(Vec::new()),
                None => return None,
            },
        })
    }

    /// Lowers to regex-syntax's tree; `end_fails` turns every `$` into a
    /// dead end.
    fn to_hir(&self, end_fails: bool) -> Hir {
        match self {
            Node::Set(set) => set_to_hir(set),
            Node::Start => Hir::look(Look::Start),
            Node::End if end_fails => Hir::fail(),
            Node::End => Hir::look(Look::End),
            Node::Group(index, sub) => Hir::capture(hir::Capture {
                index: *index,
                name: None,
                sub: Box::new(sub.to_hir(end_fails)),
            }),
            Node::Concat(subs) => Hir::concat(subs.iter().map(|n| n.to_hir(end_fails)).collect()),
            Node::Alt(subs) => Hir::alternation(subs.iter().map(|n| n.to_hir(end_fails)).collect()),
            Node::Repeat { sub, min, max, .. } => {
                let sub_hir = sub.to_hir(end_fails);
                let rep = |sub: Hir, min, max| {
                    Hir::repetition(hir::Repetition {
                        min,
                        max,
                        greedy: true,
                        sub: Box::new(sub),
                    })
                };
                // libstdc++ lets a loop whose body can match empty run one
                // more, empty, time after its last non-empty pass, and the
                // groups keep what that pass set: `(a*)*` on "aa" gives "".
                // regex-automata drops such passes, so add an optional extra
                // pass restricted to the body's empty paths; it never
                // changes what matches.
                let last_empty_pass = match (max, sub.only_empty()) {
                    (None, Some(empty)) if sub.has_group() => Some(empty),
                    _ => None,
                };
                if let Some(empty) = last_empty_pass {
                    let extra = rep(empty.to_hir(end_fails), 0, Some(1));
                    Hir::concat(vec![rep(sub_hir, *min, None), extra])
                } else {
                    rep(sub_hir, *min, *max)
                }
            }
        }
    }
}

fn set_to_hir(set: &[bool; 256]) -> Hir {
    let mut ranges = Vec::new();
    let mut b = 0usize;
    while b < 256 {
        if set[b] {
            let lo = b;
            while b + 1 < 256 && set[b + 1] {
                b += 1;
            }
            ranges.push(ClassBytesRange::new(lo as u8, b as u8));
        }
        b += 1;
    }
    if let [r] = ranges.as_slice() {
        if r.start() == r.end() {
            return Hir::literal(vec![r.start()]);
        }
    }
    Hir::class(hir::Class::Bytes(ClassBytes::new(ranges)))
}

/// Characters special outside brackets in libstdc++'s extended grammar; a
/// backslash may only escape these.
const SPECIAL: &[u8] = b".[\\()*+?{|^$";

/// A recursive-descent parser following libstdc++'s `_Compiler`.
struct Parser<'a> {
    pat: &'a [u8],
    pos: usize,
    groups: u32,
    depth: usize,
}

type PResult<T> = Result<T, RegexErrorKind>;

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.pat.get(self.pos).copied()
    }

    fn parse(&mut self) -> PResult<Node> {
        let node = self.disjunction()?;
        match self.peek() {
            None => Ok(node),
            Some(b')') => Err(RegexErrorKind::UnmatchedParen),
            Some(_) => Err(RegexErrorKind::NothingToRepeat),
        }
    }

    fn disjunction(&mut self) -> PResult<Node> {
        let first = self.alternative()?;
        if self.peek() != Some(b'|') {
            return Ok(first);
        }
        let mut alts = vec![first];
        while self.peek() == Some(b'|') {
            self.pos += 1;
            alts.push(self.alternative()?);
        }
        Ok(Node::Alt(alts))
    }

    fn alternative(&mut self) -> PResult<Node> {
        let mut terms = Vec::new();
        while let Some(term) = self.term()? {
            terms.push(term);
        }
        Ok(Node::Concat(terms))
    }

    /// An assertion, or an atom with its quantifiers; `None` where neither
    /// starts, which ends the alternative.
    fn term(&mut self) -> PResult<Option<Node>> {
        match self.peek() {
            Some(b'^') => {
                self.pos += 1;
                return Ok(Some(Node::Start));
            }
            Some(b'$') => {
                self.pos += 1;
                return Ok(Some(Node::End));
            }
            _ => {}
        }
        let Some(mut node) = self.atom()? else {
            return Ok(None);
        };
        let depth = self.depth;
        while let Some(c) = self.peek() {
            if !matches!(c, b'*' | b'+' | b'?' | b'{') {
                break;
            }
            self.pos += 1;
            let (min, max, interval) = match c {
                b'*' => (0, None, false),
                b'+' => (1, None, false),
                b'?' => (0, Some(1), false),
                _ => {
                    let (min, max) = self.interval()?;
                    (min, max, true)
                }
            };
            self.enter()?;
            node = Node::Repeat {
                sub: Box::new(node),
                min,
                max,
                interval,
            };
        }
        self.depth = depth;
        Ok(Some(node))
    }

    fn enter(&mut self) -> PResult<()> {
        self.depth += 1;
        if self.depth > NEST_LIMIT {
            return Err(RegexErrorKind::TooDeep);
        }
        Ok(())
    }

    /// The inside of `{m}`, `{m,}` or `{m,n}`, leaving `pos` after the `}`.
    fn interval(&mut self) -> PResult<(u32, Option<u32>)> {
        let min = self.count()?.ok_or(RegexErrorKind::BadInterval)?;
        let max = if self.peek() == Some(b',') {
            self.pos += 1;
            self.count()?
        } else {
            Some(min)
        };
        if self.peek() != Some(b'}') {
            return Err(RegexErrorKind::BadInterval);
        }
        self.pos += 1;
        if max.is_some_and(|max| max < min) {
            return Err(RegexErrorKind::BadInterval);
        }
        Ok((min, max))
    }

    /// Decimal digits; a count too large for libstdc++ is too large for
    /// its state limit as well.
    fn count(&mut self) -> PResult<Option<u32>> {
        let start = self.pos;
        let mut n: u64 = 0;
        while let Some(c @ b'0'..=b'9') = self.peek() {
            n = n.saturating_mul(10).saturating_add(u64::from(c - b'0'));
            self.pos += 1;
        }
        if self.pos == start {
            return Ok(None);
        }
        if n > STATE_LIMIT {
            return Err(RegexErrorKind::TooLarge);
        }
        Ok(Some(n as u32))
    }

    fn atom(&mut self) -> PResult<Option<Node>> {
        let Some(c) = self.peek() else {
            return Ok(None);
        };
        let node = match c {
            b')' | b'|' | b'*' | b'+' | b'?' | b'{' => return Ok(None),
            b'\\' => {
                let Some(&e) = self.pat.get(self.pos + 1) else {
                    return Err(RegexErrorKind::TrailingBackslash);
                };
                if !SPECIAL.contains(&e) {
                    return Err(RegexErrorKind::BadEscape(e));
                }
                self.pos += 2;
                return Ok(Some(byte_node(e)));
            }
            // libstdc++'s POSIX `.` matches any character but NUL.
            b'.' => {
                let mut set = Box::new([true; 256]);
                set[0] = false;
                Node::Set(set)
            }
            b'[' => {
                self.pos += 1;
                return self.bracket().map(Some);
            }
            b'(' => {
                self.pos += 1;
                self.enter()?;
                self.groups += 1;
                let index = self.groups;
                let inner = self.disjunction()?;
                match self.peek() {
                    Some(b')') => {}
                    None => return Err(RegexErrorKind::UnclosedGroup),
                    Some(_) => return Err(RegexErrorKind::NothingToRepeat),
                }
                self.depth -= 1;
                Node::Group(index, Box::new(inner))
            }
            _ => byte_node(c),
        };
        self.pos += 1;
        Ok(Some(node))
    }

    /// A bracket expression, after its `[`.
    fn bracket(&mut self) -> PResult<Node> {
        let negate = self.peek() == Some(b'^');
        if negate {
            self.pos += 1;
        }
        let mut b = Bracket {
            set: Box::new([false; 256]),
            last: Last::None,
        };
        let mut tok = self.bracket_token(true)?;
        // A leading `-` is an ordinary character.
        match tok {
            BTok::Char(c) => {
                b.last = Last::Char(c);
                tok = self.bracket_token(false)?;
            }
            BTok::Dash => {
                b.last = Last::Char(b'-');
                tok = self.bracket_token(false)?;
            }
            _ => {}
        }
        loop {
            match tok {
                BTok::End => break,
                BTok::Collating(name) => b.push_char(collating_element(&name)?),
                BTok::Equivalence(name) => {
                    b.push_class();
                    let c = collating_element(&name)?.to_ascii_lowercase();
                    for x in 0..=255u8 {
                        if x.to_ascii_lowercase() == c {
                            b.set[usize::from(x)] = true;
                        }
                    }
                }
                BTok::Class(name) => {
                    b.push_class();
                    let class = char_class(&name)?;
                    for x in 0..=255u8 {
                        if class(x) {
                            b.set[usize::from(x)] = true;
                        }
                    }
                }
                BTok::Char(c) => b.push_char(c),
                BTok::Dash => {
                    let next = self.bracket_token(false)?;
                    match (b.last, next) {
                        (_, BTok::End) => {
                            b.push_char(b'-');
                            break;
                        }
                        (Last::Char(lo), BTok::Char(hi)) => {
                            b.range(lo, hi)?;
                            b.last = Last::None;
                        }
                        (Last::Char(lo), BTok::Dash) => {
                            b.range(lo, b'-')?;
                            b.last = Last::None;
                        }
                        _ => return Err(RegexErrorKind::BadRange),
                    }
                }
            }
            tok = self.bracket_token(false)?;
        }
        if let Last::Char(c) = b.last {
            b.set[usize::from(c)] = true;
        }
        if negate {
            for x in b.set.iter_mut() {
                *x = !*x;
            }
        }
        Ok(Node::Set(b.set))
    }

    /// libstdc++'s scanner inside brackets: a backslash is ordinary, and a
    /// `]` first in the brackets (after any `^`) is too.
    fn bracket_token(&mut self, at_start: bool) -> PResult<BTok> {
        let c = self.peek().ok_or(RegexErrorKind::UnclosedBracket)?;
        self.pos += 1;
        Ok(match c {
            b'-' => BTok::Dash,
            b'[' => {
                let d = self.peek().ok_or(RegexErrorKind::UnclosedBracket)?;
                if !matches!(d, b'.' | b':' | b'=') {
                    return Ok(BTok::Char(b'['));
                }
                self.pos += 1;
                // The name runs to the first delimiter, which must be
                // followed by `]`.
                let rest = &self.pat[self.pos..];
                let len = rest.iter().position(|&x| x == d);
                let bad = || match d {
                    b':' => RegexErrorKind::UnknownClass(String::from_utf8_lossy(rest).into()),
                    _ => RegexErrorKind::UnknownCollatingElement(
                        String::from_utf8_lossy(rest).into(),
                    ),
                };
                let Some(len) = len.filter(|&l| rest.get(l + 1) == Some(&b']')) else {
                    return Err(bad());
                };
                let name = String::from_utf8_lossy(&rest[..len]).into_owned();
                self.pos += len + 2;
                match d {
                    b'.' => BTok::Collating(name),
                    b':' => BTok::Class(name),
                    _ => BTok::Equivalence(name),
                }
            }
            b']' if !at_start => BTok::End,
            _ => BTok::Char(c),
        })
    }
}

fn byte_node(c: u8) -> Node {
    let mut set = Box::new([false; 256]);
    set[usize::from(c)] = true;
    Node::Set(set)
}

enum BTok {
    Char(u8),
    Dash,
    End,
    Collating(String),
    Equivalence(String),
    Class(String),
}

/// What the bracket parser saw last: a character may still start a range.
#[derive(Clone, Copy)]
enum Last {
    None,
    Char(u8),
    Class,
}

struct Bracket {
    set: Box<[bool; 256]>,
    last: Last,
}

impl Bracket {
    fn push_char(&mut self, c: u8) {
        if let Last::Char(p) = self.last {
            self.set[usize::from(p)] = true;
        }
        self.last = Last::Char(c);
    }

    fn push_class(&mut self) {
        if let Last::Char(p) = self.last {
            self.set[usize::from(p)] = true;
        }
        self.last = Last::Class;
    }

    /// libstdc++ compares `char`, which is signed: bytes from 0x80 sort
    /// before ASCII.
    fn range(&mut self, lo: u8, hi: u8) -> PResult<()> {
        let (lo, hi) = (lo as i8, hi as i8);
        if lo > hi {
            return Err(RegexErrorKind::BadRange);
        }
        for x in lo..=hi {
            self.set[usize::from(x as u8)] = true;
        }
        Ok(())
    }
}

/// `[:name:]` in the "C" locale, as libstdc++'s `regex_traits` knows them
/// (names are case-insensitive; `d`, `s` and `w` are its extras).
fn char_class(name: &str) -> PResult<fn(u8) -> bool> {
    Ok(match name.to_ascii_lowercase().as_str() {
        "alnum" => |c: u8| c.is_ascii_alphanumeric(),
        "alpha" => |c: u8| c.is_ascii_alphabetic(),
        "blank" => |c: u8| c == b' ' || c == b'\t',
        "cntrl" => |c: u8| c.is_ascii_control(),
        "digit" | "d" => |c: u8| c.is_ascii_digit(),
        "graph" => |c: u8| c.is_ascii_graphic(),
        "lower" => |c: u8| c.is_ascii_lowercase(),
        "print" => |c: u8| c.is_ascii_graphic() || c == b' ',
        "punct" => |c: u8| c.is_ascii_punctuation(),
        // `is_ascii_whitespace` leaves out the vertical tab.
        "space" | "s" => |c: u8| matches!(c, b' ' | b'\t'..=b'\r'),
        "upper" => |c: u8| c.is_ascii_uppercase(),
        "xdigit" => |c: u8| c.is_ascii_hexdigit(),
        "w" => |c: u8| c.is_ascii_alphanumeric() || c == b'_',
        _ => return Err(RegexErrorKind::UnknownClass(name.to_owned())),
    })
}

/// libstdc++'s collating element names: the ASCII characters by their
/// POSIX names (single letters and digits are named by their names, so
/// `[.a.]` works but `[.-.]` does not).
const COLLATING_NAMES: [&str; 128] = [
    "NUL",
    "SOH",
    "STX",
    "ETX",
    "EOT",
    "ENQ",
    "ACK",
    "alert",
    "backspace",
    "tab",
    "newline",
    "vertical-tab",
    "form-feed",
    "carriage-return",
    "SO",
    "SI",
    "DLE",
    "DC1",
    "DC2",
    "DC3",
    "DC4",
    "NAK",
    "SYN",
    "ETB",
    "CAN",
    "EM",
    "SUB",
    "ESC",
    "IS4",
    "IS3",
    "IS2",
    "IS1",
    "space",
    "exclamation-mark",
    "quotation-mark",
    "number-sign",
    "dollar-sign",
    "percent-sign",
    "ampersand",
    "apostrophe",
    "left-parenthesis",
    "right-parenthesis",
    "asterisk",
    "plus-sign",
    "comma",
    "hyphen",
    "period",
    "slash",
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "colon",
    "semicolon",
    "less-than-sign",
    "equals-sign",
    "greater-than-sign",
    "question-mark",
    "commercial-at",
    "A",
    "B",
    "C",
    "D",
    "E",
    "F",
    "G",
    "H",
    "I",
    "J",
    "K",
    "L",
    "M",
    "N",
    "O",
    "P",
    "Q",
    "R",
    "S",
    "T",
    "U",
    "V",
    "W",
    "X",
    "Y",
    "Z",
    "left-square-bracket",
    "backslash",
    "right-square-bracket",
    "circumflex",
    "underscore",
    "grave-accent",
    "a",
    "b",
    "c",
    "d",
    "e",
    "f",
    "g",
    "h",
    "i",
    "j",
    "k",
    "l",
    "m",
    "n",
    "o",
    "p",
    "q",
    "r",
    "s",
    "t",
    "u",
    "v",
    "w",
    "x",
    "y",
    "z",
    "left-curly-bracket",
    "vertical-line",
    "right-curly-bracket",
    "tilde",
    "DEL",
];

fn collating_element(name: &str) -> PResult<u8> {
    COLLATING_NAMES
        .iter()
        .position(|&n| n == name)
        .map(|i| i as u8)
        .ok_or_else(|| RegexErrorKind::UnknownCollatingElement(name.to_owned()))
}

#[cfg(test)]
mod tests;
