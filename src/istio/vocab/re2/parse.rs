//! The port of Go's `regexp/syntax` parser (`parse.go`, go1.26): `Parse(s, Perl)` as
//! `regexp.Compile` calls it, token by token, with Go's errors at the same places and with the
//! same text. What it builds is not Go's tree but, per node, the numbers acceptance depends on:
//! the nesting height and compiled size Go bounds (`maxHeight`, `maxSize`), the product of
//! nested repetition counts (`repeatIsValid`, and RE2's `RepetitionWalker`, which differs under
//! `x{0}`), and a bound on RE2's program (`program.rs`). The stack is explicit: no input
//! recurses.

use super::class::{MAX_RUNE, PERL_GROUPS, Set};
use super::names::{self, Table};
use super::program::{self, Program};
use super::tokens::{
    MAX_COUNT, class_char, class_surprise, empty_minimum, escape, posix_class, repeat_counts,
};
use super::{EnvoyRefusal, ErrorCode, Regex, Surprise, SyntaxError};

/// `maxHeight`: the deepest parse tree Go builds.
const MAX_HEIGHT: u32 = 1000;
/// `maxSize`: Go's largest compiled program, in instructions (`128 << 20 / instSize`).
const MAX_SIZE: u64 = (128 << 20) / 40;
/// `maxRepeat`, as a product.
const MAX_REPEAT: u64 = MAX_COUNT as u64;

/// The parse flags that change what a node is (`i` and `s`); `m` and `U` are parsed and change
/// nothing meshc measures.
#[derive(Debug, Clone, Copy, Default)]
struct Flags {
    fold: bool,
    dot_nl: bool,
}

/// What a node is, as far as Go's merging of literals and character classes goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// One literal code point (`fold` for a case-folded one).
    Char {
        fold: bool,
    },
    /// A run of literal code points Go merged into one string.
    Str {
        fold: bool,
    },
    /// A character class (or `.`).
    Class,
    /// The empty match.
    Empty,
    /// A concatenation or alternation, whose height is one more than `inner`.
    Concat {
        inner: u32,
    },
    Alternate {
        inner: u32,
    },
    /// Anything else.
    Other,
}

/// A parsed node, summarised.
#[derive(Debug, Clone)]
struct Node {
    kind: Kind,
    height: u32,
    size: u64,
    /// The largest product of repetition counts down any path, as Go's `repeatIsValid` counts
    /// them (a `x{0}` ends the path).
    go_product: u64,
    /// The same as RE2 counts them (a `x{0}` counts as 1).
    re2_product: u64,
    program: Option<Program>,
}

impl Node {
    fn leaf(kind: Kind, program: Option<Program>) -> Self {
        Self {
            kind,
            height: 1,
            size: 1,
            go_product: 1,
            re2_product: 1,
            program,
        }
    }

    fn is_char_like(&self) -> bool {
        matches!(self.kind, Kind::Char { .. } | Kind::Class)
    }

    /// The height this node adds when a concatenation or alternation of its own kind takes it
    /// in (Go hoists the children of a nested concatenation or alternation).
    fn height_within(&self, outer: Kind) -> u32 {
        match (self.kind, outer) {
            (Kind::Concat { inner }, Kind::Concat { .. })
            | (Kind::Alternate { inner }, Kind::Alternate { .. }) => inner,
            _ => self.height,
        }
    }
}

/// An open group: the flags to restore, whether it captures, its alternatives so far and the
/// items of the one being read.
struct Group {
    restore: Flags,
    capture: bool,
    alternatives: Vec<Node>,
    items: Vec<Node>,
}

impl Group {
    fn new(restore: Flags, capture: bool) -> Self {
        Self {
            restore,
            capture,
            alternatives: Vec::new(),
            items: Vec::new(),
        }
    }
}

/// The parser's state.
pub(super) struct Parser<'a> {
    whole: &'a str,
    flags: Flags,
    groups: Vec<Group>,
    surprise: Option<Surprise>,
    envoy: Option<EnvoyRefusal>,
    unbounded: Option<String>,
}

pub(super) type Result<T> = std::result::Result<T, SyntaxError>;

pub(super) fn error(code: ErrorCode, expr: &str) -> SyntaxError {
    SyntaxError {
        code,
        expr: expr.to_string(),
    }
}

/// The first character of `t` and the rest.
pub(super) fn next(t: &str) -> Option<(char, &str)> {
    let c = t.chars().next()?;
    Some((c, &t[c.len_utf8()..]))
}

/// The text of `s` before `rest`, a suffix of it.
pub(super) fn before<'s>(s: &'s str, rest: &str) -> &'s str {
    &s[..s.len() - rest.len()]
}

impl<'a> Parser<'a> {
    /// Parses `pattern` as Go's `regexp.Compile` does.
    pub(super) fn parse(pattern: &'a str) -> Result<Regex> {
        let (parser, root) = Self::read(pattern)?;
        let envoy = parser.envoy.or_else(|| match root.program {
            None => parser
                .unbounded
                .map(|construct| EnvoyRefusal::UnboundedProgram { construct }),
            Some(program) => {
                let size = program.whole().flattened();
                (size > program::MAX_PROGRAM_SIZE)
                    .then_some(EnvoyRefusal::ProgramTooLarge { at_most: size })
            }
        });
        Ok(Regex {
            surprise: parser.surprise,
            envoy,
        })
    }

    /// The parser after reading `pattern`, and the root node.
    fn read(pattern: &'a str) -> Result<(Self, Node)> {
        let mut parser = Parser {
            whole: pattern,
            flags: Flags::default(),
            groups: vec![Group::new(Flags::default(), false)],
            surprise: None,
            envoy: None,
            unbounded: None,
        };
        let root = parser.run()?;
        Ok((parser, root))
    }

    fn run(&mut self) -> Result<Node> {
        let mut t = self.whole;
        let mut last_repeat: Option<&'a str> = None;
        while !t.is_empty() {
            let mut repeat = None;
            let c = t.as_bytes()[0];
            match c {
                b'(' if t.as_bytes().get(1) == Some(&b'?') => t = self.perl_flags(t)?,
                b'(' => {
                    self.groups.push(Group::new(self.flags, true));
                    t = &t[1..];
                }
                b'|' => {
                    let concat = self.concat()?;
                    self.top().alternatives.push(concat);
                    t = &t[1..];
                }
                b')' => {
                    self.right_paren()?;
                    t = &t[1..];
                }
                b'^' | b'$' => {
                    self.push(Node::leaf(Kind::Other, Some(Program::ASSERTION)))?;
                    t = &t[1..];
                }
                b'.' => {
                    let set = if self.flags.dot_nl {
                        Set::of(&[(0, MAX_RUNE)])
                    } else {
                        Set::of(&[(0, 0x09), (0x0B, MAX_RUNE)])
                    };
                    self.push(Node::leaf(Kind::Class, program::class(&set)))?;
                    t = &t[1..];
                }
                b'[' => t = self.class(t)?,
                b'*' | b'+' | b'?' => {
                    let (min, max) = match c {
                        b'*' => (0, None),
                        b'+' => (1, None),
                        _ => (0, Some(1)),
                    };
                    let after = self.repeat(min, max, t, &t[1..], last_repeat)?;
                    repeat = Some(t);
                    t = after;
                }
                b'{' => match repeat_counts(t) {
                    None => {
                        if empty_minimum(t) {
                            self.note(Surprise::EmptyMinimum);
                        }
                        self.literal(u32::from('{'))?;
                        t = &t[1..];
                    }
                    Some((counts, after)) => {
                        let (min, max) = counts
                            .ok_or_else(|| error(ErrorCode::InvalidRepeatSize, before(t, after)))?;
                        let after = self.repeat(min, max, t, after, last_repeat)?;
                        repeat = Some(t);
                        t = after;
                    }
                },
                b'\\' => t = self.backslash(t)?,
                _ => {
                    let (c, rest) = next(t).unwrap_or(('\0', ""));
                    self.literal(u32::from(c))?;
                    t = rest;
                }
            }
            last_repeat = repeat;
        }
        let concat = self.concat()?;
        self.top().alternatives.push(concat);
        let root = self.alternate()?;
        if self.groups.len() != 1 {
            return Err(error(ErrorCode::MissingParen, self.whole));
        }
        Ok(root)
    }

    fn top(&mut self) -> &mut Group {
        let last = self.groups.len() - 1;
        &mut self.groups[last]
    }

    /// Records the first surprise.
    fn note(&mut self, surprise: Surprise) {
        self.surprise.get_or_insert(surprise);
    }

    /// Records the first construct RE2 (C++) reads otherwise.
    fn refuse_in_envoy(&mut self, refusal: EnvoyRefusal) {
        self.envoy.get_or_insert(refusal);
    }

    /// Checks Go's limits on a new node (`checkLimits`: `maxSize`, then `maxHeight`).
    fn check(&self, node: &Node) -> Result<()> {
        if node.size > MAX_SIZE {
            return Err(error(ErrorCode::Large, self.whole));
        }
        if node.height > MAX_HEIGHT {
            return Err(error(ErrorCode::NestingDepth, self.whole));
        }
        Ok(())
    }

    fn push(&mut self, node: Node) -> Result<()> {
        self.check(&node)?;
        self.top().items.push(node);
        Ok(())
    }

    /// A literal code point (`literal`).
    fn literal(&mut self, rune: u32) -> Result<()> {
        let fold = self.flags.fold;
        let program = if fold {
            // RE2 reads a case-folded letter as the class of its cases.
            let mut set = Set::empty();
            set.add_range(rune, rune, true);
            if set == Set::Unknown {
                self.unbounded.get_or_insert_with(|| {
                    format!("(?i){}", char::from_u32(rune).unwrap_or('\u{FFFD}'))
                });
            }
            let single = set.single().is_some();
            program::class(&set).map(|class| {
                if single {
                    program::literal(rune)
                } else {
                    class
                }
            })
        } else {
            Some(program::literal(rune))
        };
        self.push(Node::leaf(Kind::Char { fold }, program))
    }

    /// A character class node, which Go turns into a literal when it holds one code point or
    /// one ASCII letter in both cases.
    fn push_class(&mut self, set: &Set, text: &str) -> Result<()> {
        if *set == Set::Unknown {
            self.unbounded.get_or_insert_with(|| text.to_string());
        }
        let kind = if set.single().is_some() {
            Kind::Char { fold: false }
        } else if set.is_case_pair() {
            Kind::Char { fold: true }
        } else {
            Kind::Class
        };
        self.push(Node::leaf(kind, program::class(set)))
    }

    /// The concatenation of the items read since the last `|` or `(` (`concat`).
    fn concat(&mut self) -> Result<Node> {
        let mut items = std::mem::take(&mut self.top().items);
        let node = match items.len() {
            0 => Node::leaf(Kind::Empty, Some(Program::EMPTY)),
            1 => items.swap_remove(0),
            _ => {
                let fold = match items[0].kind {
                    Kind::Char { fold } | Kind::Str { fold } => Some(fold),
                    _ => None,
                };
                let all_one_string = fold.is_some()
                    && items.iter().all(|item| {
                        matches!(item.kind, Kind::Char { fold: f } | Kind::Str { fold: f }
                            if Some(f) == fold)
                    });
                let outer = Kind::Concat { inner: 0 };
                let inner = items
                    .iter()
                    .map(|item| item.height_within(outer))
                    .max()
                    .unwrap_or(0);
                let (kind, height) = if all_one_string {
                    (
                        Kind::Str {
                            fold: fold.unwrap_or(false),
                        },
                        1,
                    )
                } else {
                    (Kind::Concat { inner }, inner + 1)
                };
                Node {
                    kind,
                    height,
                    size: items
                        .iter()
                        .fold(0, |sum, item| sum.saturating_add(item.size)),
                    go_product: items.iter().map(|item| item.go_product).max().unwrap_or(1),
                    re2_product: items.iter().map(|item| item.re2_product).max().unwrap_or(1),
                    program: items.iter().try_fold(Program::default(), |sum, item| {
                        Some(sum.then(item.program?))
                    }),
                }
            }
        };
        self.check(&node)?;
        Ok(node)
    }

    /// The alternation of the current group's alternatives (`alternate`): classes and single
    /// code points merge into one class, and runs of empty matches into one.
    fn alternate(&mut self) -> Result<Node> {
        let mut alternatives = std::mem::take(&mut self.top().alternatives);
        alternatives.dedup_by(|b, a| a.kind == Kind::Empty && b.kind == Kind::Empty);
        let count = alternatives.len() as u64;
        let program = alternatives
            .iter()
            .try_fold(Program::default(), |sum, item| {
                Some(sum.then(item.program?))
            })
            .map(|sum| sum.plus(0, count.saturating_sub(1)));
        let node = if alternatives.len() == 1 {
            alternatives.swap_remove(0)
        } else if alternatives.iter().all(Node::is_char_like) {
            Node::leaf(Kind::Class, program)
        } else {
            let outer = Kind::Alternate { inner: 0 };
            let inner = alternatives
                .iter()
                .map(|item| item.height_within(outer))
                .max()
                .unwrap_or(0);
            Node {
                kind: Kind::Alternate { inner },
                height: inner + 1,
                size: alternatives
                    .iter()
                    .fold(count.saturating_sub(1), |sum, item| {
                        sum.saturating_add(item.size)
                    }),
                go_product: alternatives.iter().map(|a| a.go_product).max().unwrap_or(1),
                re2_product: alternatives
                    .iter()
                    .map(|a| a.re2_product)
                    .max()
                    .unwrap_or(1),
                program,
            }
        };
        self.check(&node)?;
        Ok(node)
    }

    /// `)` (`parseRightParen`).
    fn right_paren(&mut self) -> Result<()> {
        let concat = self.concat()?;
        self.top().alternatives.push(concat);
        let inner = self.alternate()?;
        if self.groups.len() < 2 {
            return Err(error(ErrorCode::UnexpectedParen, self.whole));
        }
        let Some(group) = self.groups.pop() else {
            return Err(error(ErrorCode::UnexpectedParen, self.whole));
        };
        self.flags = group.restore;
        let node = if group.capture {
            Node {
                kind: Kind::Other,
                height: inner.height + 1,
                size: inner.size.saturating_add(2),
                program: inner.program.map(|p| p.plus(2, 0)),
                ..inner
            }
        } else {
            inner
        };
        self.push(node)
    }

    /// A repetition operator applied to the last item (`repeat`): `{min,max}`, with `*`, `+`
    /// and `?` as `{0,}`, `{1,}` and `{0,1}`. `op_text` starts at the operator, `after` right
    /// after it; returns the rest after an optional non-greedy `?`.
    fn repeat(
        &mut self,
        min: u32,
        max: Option<u32>,
        op_text: &'a str,
        after: &'a str,
        last_repeat: Option<&'a str>,
    ) -> Result<&'a str> {
        let after = after.strip_prefix('?').unwrap_or(after);
        if let Some(last) = last_repeat {
            return Err(error(ErrorCode::InvalidRepeatOp, before(last, after)));
        }
        let Some(sub) = self.top().items.pop() else {
            return Err(error(
                ErrorCode::MissingRepeatArgument,
                before(op_text, after),
            ));
        };
        // `calcSize`.
        let size = match max {
            None if min == 0 => sub.size.saturating_add(2),
            None => sub.size.saturating_mul(u64::from(min)).saturating_add(1),
            Some(max) => sub
                .size
                .saturating_mul(u64::from(max))
                .saturating_add(u64::from(max - min)),
        };
        // `repeatIsValid` counts `max` (or `min` when unbounded); Go skips what is under
        // `x{0}`, RE2 does not.
        let count = u64::from(max.unwrap_or(min)).max(1);
        let go_product = if max == Some(0) {
            1
        } else {
            count.saturating_mul(sub.go_product)
        };
        let re2_product = count.saturating_mul(sub.re2_product);
        let node = Node {
            kind: Kind::Other,
            height: sub.height + 1,
            size,
            go_product,
            re2_product,
            program: sub.program.map(|p| p.repeated(min, max)),
        };
        self.check(&node)?;
        // Go only checks a count of 2 or more, to save time: below that the product cannot grow,
        // and checking every repetition gives the same answer.
        if node.go_product > MAX_REPEAT {
            return Err(error(ErrorCode::InvalidRepeatSize, before(op_text, after)));
        }
        if node.re2_product > MAX_REPEAT {
            self.refuse_in_envoy(EnvoyRefusal::RepeatCount {
                repeat: before(op_text, after).to_string(),
            });
        }
        self.top().items.push(node);
        Ok(after)
    }

    /// `(?`: flags, a non-capturing group or a named capture (`parsePerlFlags`).
    fn perl_flags(&mut self, s: &'a str) -> Result<&'a str> {
        let bytes = s.as_bytes();
        let starts_with_p = bytes.len() > 4 && bytes[2] == b'P' && bytes[3] == b'<';
        let starts_with_name = bytes.len() > 3 && bytes[2] == b'<';
        if starts_with_p || starts_with_name {
            let name_start = if starts_with_p { 4 } else { 3 };
            let Some(end) = s.find('>') else {
                return Err(error(ErrorCode::InvalidNamedCapture, s));
            };
            let capture = &s[..=end];
            let name = &s[name_start..end];
            if name.is_empty() || !name.chars().all(|c| c == '_' || c.is_ascii_alphanumeric()) {
                return Err(error(ErrorCode::InvalidNamedCapture, capture));
            }
            if starts_with_name {
                self.note(Surprise::NamedGroupAngle);
            }
            self.groups.push(Group::new(self.flags, true));
            return Ok(&s[end + 1..]);
        }
        let mut t = &s[2..];
        let mut flags = self.flags;
        let mut negated = false;
        let mut saw_flag = false;
        while let Some((c, rest)) = next(t) {
            t = rest;
            match c {
                'i' => {
                    flags.fold = !negated;
                    saw_flag = true;
                }
                's' => {
                    flags.dot_nl = !negated;
                    saw_flag = true;
                }
                'm' | 'U' => saw_flag = true,
                '-' if !negated => {
                    negated = true;
                    saw_flag = false;
                }
                ':' | ')' if !negated || saw_flag => {
                    if c == ':' {
                        self.groups.push(Group::new(self.flags, false));
                    }
                    self.flags = flags;
                    return Ok(t);
                }
                _ => break,
            }
        }
        Err(error(ErrorCode::InvalidPerlOp, before(s, t)))
    }

    /// A backslash outside a class: `\A`, `\b`, `\B`, `\Q…\E`, `\z`, a Unicode or Perl
    /// class, or an escaped code point.
    fn backslash(&mut self, t: &'a str) -> Result<&'a str> {
        if let Some(&second) = t.as_bytes().get(1) {
            match second {
                b'A' | b'z' => {
                    self.push(Node::leaf(Kind::Other, Some(Program::ASSERTION)))?;
                    return Ok(&t[2..]);
                }
                b'b' | b'B' => {
                    self.push(Node::leaf(Kind::Other, Some(Program::ASSERTION)))?;
                    let rest = &t[2..];
                    if rest.starts_with('{') && repeat_counts(rest).is_none() {
                        self.note(Surprise::BoundaryBrace);
                    }
                    return Ok(rest);
                }
                b'Q' => {
                    let body = &t[2..];
                    let (literal, rest) = body.split_once(r"\E").unwrap_or((body, ""));
                    for c in literal.chars() {
                        self.literal(u32::from(c))?;
                    }
                    return Ok(rest);
                }
                _ => {}
            }
        }
        if let Some((class, rest)) = self.unicode_class(t)? {
            self.push_class(&class.set, class.text)?;
            return Ok(rest);
        }
        if let Some((set, rest)) = self.perl_class(t) {
            self.push_class(&set, &t[..2])?;
            return Ok(rest);
        }
        let (rune, rest) = escape(t)?;
        if rune == u32::from('<') || rune == u32::from('>') {
            self.note(Surprise::WordBoundaryAngle);
        }
        self.literal(rune)?;
        Ok(rest)
    }

    /// `\d`, `\s`, `\w` and their negations (`parsePerlClassEscape`).
    fn perl_class(&self, s: &'a str) -> Option<(Set, &'a str)> {
        let mut chars = s.chars();
        if chars.next() != Some('\\') {
            return None;
        }
        let c = chars.next()?;
        let (_, ranges) = PERL_GROUPS
            .iter()
            .find(|(name, _)| *name == c.to_ascii_lowercase())?;
        Some((
            Set::group(ranges, c.is_ascii_uppercase(), self.flags.fold),
            &s[2..],
        ))
    }

    /// `\pN`, `\p{Name}`, `\P…` and `\p{^…}` (`parseUnicodeClass`).
    fn unicode_class(&mut self, s: &'a str) -> Result<Option<(UnicodeClass<'a>, &'a str)>> {
        let bytes = s.as_bytes();
        if bytes.len() < 2 || bytes[0] != b'\\' || (bytes[1] != b'p' && bytes[1] != b'P') {
            return Ok(None);
        }
        let mut negated = bytes[1] == b'P';
        let after_p = &s[2..];
        let (seq, rest, mut name) = match next(after_p) {
            Some(('{', _)) => {
                let Some(end) = s.find('}') else {
                    return Err(error(ErrorCode::InvalidCharRange, s));
                };
                (&s[..=end], &s[end + 1..], &s[3..end])
            }
            Some((_, rest)) => {
                let seq = before(s, rest);
                (seq, rest, &seq[2..])
            }
            None => (s, "", ""),
        };
        if let Some(stripped) = name.strip_prefix('^') {
            negated = !negated;
            name = stripped;
        }
        let Some(table) = names::lookup(name) else {
            return Err(error(ErrorCode::InvalidCharRange, seq));
        };
        if !names::re2_knows(name) {
            self.refuse_in_envoy(EnvoyRefusal::UnicodeName {
                class: seq.to_string(),
            });
        }
        let set = match table {
            Table::Any if negated => Set::empty(),
            Table::Any => Set::of(&[(0, MAX_RUNE)]),
            Table::Other => Set::Unknown,
        };
        Ok(Some((UnicodeClass { set, text: seq }, rest)))
    }

    /// A bracketed class (`parseClass`); `s` starts at `[`.
    fn class(&mut self, s: &'a str) -> Result<&'a str> {
        let mut t = &s[1..];
        let negated = t.starts_with('^');
        if negated {
            t = &t[1..];
        }
        let fold = self.flags.fold;
        let mut set = Set::empty();
        let mut first = true;
        while first || !t.starts_with(']') {
            first = false;
            if t.starts_with("[:") {
                if let Some((group, rest)) = posix_class(t, fold)? {
                    set.add_set(&group);
                    t = rest;
                    continue;
                }
            }
            if let Some((class, rest)) = self.unicode_class(t)? {
                set.add_set(&class.set);
                t = rest;
                continue;
            }
            if let Some((group, rest)) = self.perl_class(t) {
                set.add_set(&group);
                t = rest;
                continue;
            }
            let range_start = t;
            let (lo, rest) = class_char(t, s)?;
            t = rest;
            let mut hi = lo;
            let bytes = t.as_bytes();
            if bytes.len() >= 2 && bytes[0] == b'-' && bytes[1] != b']' {
                let (h, rest) = class_char(&t[1..], s)?;
                t = rest;
                hi = h;
                if hi < lo {
                    return Err(error(ErrorCode::InvalidCharRange, before(range_start, t)));
                }
            }
            set.add_range(lo, hi, fold);
        }
        let rest = &t[1..];
        let text = before(s, rest);
        if let Some(surprise) = class_surprise(text) {
            self.note(surprise);
        }
        let set = if negated { set.negated() } else { set };
        self.push_class(&set, text)?;
        Ok(rest)
    }
}

/// A `\p` class: its code points and its text.
struct UnicodeClass<'a> {
    set: Set,
    text: &'a str,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(pattern: &str) -> Node {
        Parser::read(pattern)
            .unwrap_or_else(|e| panic!("{pattern:?}: {e}"))
            .1
    }

    /// Height and size as Go's `calcHeight` and `calcSize` count them on the trees
    /// `parse_test.go` dumps.
    #[test]
    fn heights_and_sizes_follow_go_s_tree() {
        for (pattern, height, size) in [
            ("abc", 1, 3),
            ("a.b", 2, 3),
            ("a^b", 2, 3),
            ("a|b", 1, 1),
            ("a|^", 2, 3),
            ("ab|cd", 2, 5),
            ("(a)", 2, 3),
            ("(a)b", 3, 4),
            ("a*", 2, 3),
            ("a+", 2, 2),
            ("a?", 2, 2),
            ("a{3}", 2, 3),
            ("a{2,5}", 2, 8),
            ("a{2,}", 2, 3),
            ("a{0,}", 2, 3),
            ("ab*", 3, 4),
            ("(?:ab*)(?:c*)", 3, 7),
            ("(?:a+|b+)|(?:c+|d+)", 3, 11),
            ("(?:a|b)|(?:c|d)", 1, 1),
            ("a||b", 2, 5),
            ("", 1, 1),
            ("|", 1, 1),
            ("(|)", 2, 3),
            ("[a]b", 1, 2),
            ("[Aa]b", 2, 2),
            ("(?i)ab", 1, 2),
        ] {
            let n = node(pattern);
            assert_eq!((n.height, n.size), (height, size), "{pattern:?}");
        }
    }

    #[test]
    fn programs_are_counted_as_re2_compiles() {
        let program = |pattern: &str| node(pattern).program;
        for (pattern, leaves, epsilons) in [
            ("a", 1, 0),
            ("(a)", 3, 0),
            ("a*", 1, 2),
            ("a+", 1, 1),
            ("a?", 1, 1),
            ("a{2,5}", 5, 3),
            ("a{2,}", 2, 1),
            ("a{0}", 0, 1),
            (".", 8, 4),
            ("(?s).", 7, 3),
            ("(?s:.)", 7, 3),
            ("(?s)(?-s).", 8, 4),
            (r"\p{Any}", 7, 3),
            (r"\P{Any}", 0, 0),
            (r"\p{^Any}", 0, 0),
            (r"\P{^Any}", 7, 3),
            ("(?i)a", 2, 1),
            ("(?i)1", 1, 0),
            (r"(?i)\x{1F600}", 4, 0),
            ("(?i)k", 7, 2),
            ("a|b", 2, 1),
            ("ab|cd", 4, 1),
            ("a||b", 2, 3),
            ("^$", 2, 0),
        ] {
            assert_eq!(
                program(pattern),
                Some(Program::new(leaves, epsilons)),
                "{pattern:?}"
            );
        }
        assert_eq!(program("(?i)é"), None);
        assert_eq!(program(r"a\pL"), None);
    }

    #[test]
    fn limits_hold_at_their_edges() {
        // Go's `maxSize`: 3,355,443 instructions pass, one more is too large.
        let sized = |extra: usize| {
            format!(
                "(?:{}){{1000}}{}",
                "a".repeat(3355),
                "a".repeat(443 + extra)
            )
        };
        assert_eq!(node(&sized(0)).size, MAX_SIZE);
        assert_eq!(
            Parser::read(&sized(1)).err().map(|e| e.code),
            Some(ErrorCode::Large)
        );
        // Envoy's 32,768 instructions: `Fail`, `.*?` and `Match` take five with the literals.
        let refusal = |n: usize| {
            Parser::parse(&"a".repeat(n))
                .unwrap()
                .envoy_refusal()
                .cloned()
        };
        assert_eq!(refusal(32_763), None);
        assert_eq!(
            refusal(32_764),
            Some(EnvoyRefusal::ProgramTooLarge { at_most: 32_769 })
        );
    }
}
