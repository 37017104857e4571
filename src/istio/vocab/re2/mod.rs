//! RE2 syntax: which regular expressions istiod accepts, which Envoy loads, and what they mean
//! to a reader, in one checker.
//!
//! **Acceptance** is Go's: istiod's webhook runs `regexp.Compile` (`validateStringRegexp`,
//! `validateEnvoyFilter` in `pkg/config/validation` at istio/istio 86c9f01f, whose `go.mod` says
//! go 1.26), that is `regexp/syntax.Parse(s, syntax.Perl)`. `parse.rs` ports that parser from
//! `src/regexp/syntax/parse.go` (golang/go blob 08459da0, the go1.25+ parser with canonical
//! Unicode names, which go1.26 ships): every error Go returns, with its code and text
//! (`error parsing regexp: invalid nested repetition operator: `**``), the repetition limits
//! (a count above 1000, or nested counts whose product is), `\Q…\E`, octal and hex escapes,
//! `\z`, the flags `imsU` only, named groups `(?P<name>` and `(?<name>`, no back-references and
//! no look-around. The Unicode class names are Go's (`names.rs`).
//!
//! Go's three size limits are counted on a summary of the tree, not Go's tree itself: the
//! height (`maxHeight`, 1000) and the compiled size (`maxSize`) follow Go's merging of literals
//! and classes but not its factoring of common prefixes out of alternations, and the count of
//! runes in classes (`maxRunes`) is not checked at all (it needs the contents of the Unicode
//! tables). None of the three can be reached by a pattern of [`MAX_LENGTH`] bytes or fewer (at
//! most about 770 levels, 1.7 million instructions and 2 million runes), and Istio refuses or
//! skips every longer one before compiling it; only patterns longer than that can get a
//! different answer here than from Go.
//!
//! **Envoy** runs RE2 (C++), which refuses some of what Go accepts ([`EnvoyRefusal`]): Unicode
//! class names spelled other than exactly (Go 1.25 matches `\p{greek}`, `\p{Letter}`, `\p{Cn}`
//! loosely; RE2 knows `\p{Greek}` and `\p{L}`), and repetitions nested inside `x{0}`, which RE2
//! still multiplies (`((a{1000}){0}){2}`; `re2/parse.cc` `RepetitionWalker` at google/re2
//! 972a15ce). And Envoy refuses a regex whose compiled RE2 program is larger than
//! `re2.max_program_size.error_level`, which Istio sets to 32768 while only capping patterns at
//! 1024 bytes: `(?:[a-z]{40}){1000}` passes istiod and is refused by every sidecar.
//! `program.rs` bounds the program size from above; it needs the code points of every class,
//! so a pattern with `\p{...}` classes or case-insensitive non-ASCII letters has no bound.
//! The webhook rules mirror istiod and ignore all of this; the profile refuses it.
//!
//! **Surprises** ([`Surprise`]) are patterns RE2 accepts but reads otherwise than other
//! engines and most readers: `[[a-z]]` (a literal `[`), `[a-z&&[^x]]`, `a{,3}` (literal
//! braces), `\b{start}`, `\<` (a literal `<`). The profile refuses them too; so it does `(?<name>…)`, which Go
//! before 1.22 and RE2 before 2023-08 refuse and the oldest Istio meshc targets still runs.
//!
//! Matching is not done here: where meshc runs a regex (CEL `matches`), the `regex` crate does.

mod class;
mod names;
mod parse;
mod program;
#[cfg(test)]
mod tests;
mod tokens;

use std::fmt;

pub(crate) use program::MAX_PROGRAM_SIZE;

/// The longest regex Istio compiles: `validateStringRegexp` refuses longer string matches and
/// `validateEnvoyFilter` ignores longer `proxyVersion` patterns (`maxProxyVersionLen`), in
/// bytes.
pub(crate) const MAX_LENGTH: usize = 1024;

/// A pattern Go's `regexp.Compile` accepts, with what RE2 (C++) and readers make of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Regex {
    surprise: Option<Surprise>,
    envoy: Option<EnvoyRefusal>,
}

impl Regex {
    /// The first construct RE2 reads otherwise than other engines, if any.
    pub(crate) fn surprise(&self) -> Option<&Surprise> {
        self.surprise.as_ref()
    }

    /// Why Envoy would not load the pattern, if it would not (or might not).
    pub(crate) fn envoy_refusal(&self) -> Option<&EnvoyRefusal> {
        self.envoy.as_ref()
    }
}

/// Parses `pattern` as Go's `regexp.Compile` does: the pattern, or Go's error.
pub(crate) fn parse(pattern: &str) -> Result<Regex, SyntaxError> {
    parse::Parser::parse(pattern)
}

/// Go's `*syntax.Error`: what is wrong, and the part of the pattern it is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SyntaxError {
    /// What is wrong.
    pub code: ErrorCode,
    /// The part of the pattern (Go's `Expr`).
    pub expr: String,
}

impl fmt::Display for SyntaxError {
    /// Go's `Error()`: "error parsing regexp: CODE: `EXPR`".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "error parsing regexp: {}: `{}`", self.code, self.expr)
    }
}

impl std::error::Error for SyntaxError {}

/// Go's `syntax.ErrorCode`s that `Parse` can return for a UTF-8 pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ErrorCode {
    /// `ErrInvalidCharRange`: a range out of order, or an unknown class name.
    InvalidCharRange,
    /// `ErrInvalidEscape`: an escape Go does not know (`\8`, `\C`, `\<`).
    InvalidEscape,
    /// `ErrInvalidNamedCapture`: a group name that is empty or not `[A-Za-z0-9_]`.
    InvalidNamedCapture,
    /// `ErrInvalidPerlOp`: a `(?` Go does not know (look-around, other flags).
    InvalidPerlOp,
    /// `ErrInvalidRepeatOp`: a repetition of a repetition (`a**`).
    InvalidRepeatOp,
    /// `ErrInvalidRepeatSize`: a count above 1000, alone or multiplied.
    InvalidRepeatSize,
    /// `ErrMissingBracket`: an unclosed class.
    MissingBracket,
    /// `ErrMissingParen`: an unclosed group.
    MissingParen,
    /// `ErrMissingRepeatArgument`: a repetition of nothing.
    MissingRepeatArgument,
    /// `ErrTrailingBackslash`: a pattern that ends with `\`.
    TrailingBackslash,
    /// `ErrUnexpectedParen`: a `)` without its `(`.
    UnexpectedParen,
    /// `ErrNestingDepth`: a tree deeper than 1000.
    NestingDepth,
    /// `ErrLarge`: a program larger than Go compiles.
    Large,
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::InvalidCharRange => "invalid character class range",
            Self::InvalidEscape => "invalid escape sequence",
            Self::InvalidNamedCapture => "invalid named capture",
            Self::InvalidPerlOp => "invalid or unsupported Perl syntax",
            Self::InvalidRepeatOp => "invalid nested repetition operator",
            Self::InvalidRepeatSize => "invalid repeat count",
            Self::MissingBracket => "missing closing ]",
            Self::MissingParen => "missing closing )",
            Self::MissingRepeatArgument => "missing argument to repetition operator",
            Self::TrailingBackslash => "trailing backslash at end of expression",
            Self::UnexpectedParen => "unexpected )",
            Self::NestingDepth => "expression nests too deeply",
            Self::Large => "expression too large",
        })
    }
}

/// Why Envoy's RE2 would not load a pattern Go accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum EnvoyRefusal {
    /// A `\p{...}` name RE2 does not know as written.
    UnicodeName {
        /// The class as written.
        class: String,
    },
    /// A repetition whose nested counts RE2 multiplies past 1000 (through an `x{0}`).
    RepeatCount {
        /// The repetition operator.
        repeat: String,
    },
    /// The compiled program may be larger than [`MAX_PROGRAM_SIZE`].
    ProgramTooLarge {
        /// The bound on its size.
        at_most: u64,
    },
    /// The program size cannot be bounded: the pattern holds a class of unknown contents.
    UnboundedProgram {
        /// The first such class or letter.
        construct: String,
    },
}

impl fmt::Display for EnvoyRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UnicodeName { class } => write!(
                f,
                "RE2 knows no Unicode class `{class}`: it spells names exactly as Unicode does \
                 (`\\p{{Greek}}`, `\\p{{Lu}}`) and has no long aliases such as `\\p{{Letter}}`"
            ),
            Self::RepeatCount { repeat } => write!(
                f,
                "RE2 counts the repetitions inside `{{0}}` too, so `{repeat}` repeats more than \
                 1000 copies in all"
            ),
            Self::ProgramTooLarge { at_most } => write!(
                f,
                "it may compile to up to {at_most} RE2 instructions, and Envoy refuses more than \
                 {MAX_PROGRAM_SIZE} (Istio's `re2.max_program_size.error_level`)"
            ),
            Self::UnboundedProgram { construct } => write!(
                f,
                "meshc cannot bound the RE2 program of `{construct}` (Envoy refuses programs \
                 over {MAX_PROGRAM_SIZE} instructions)"
            ),
        }
    }
}

/// A construct RE2 reads otherwise than other engines (and the `regex` crate) do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Surprise {
    /// `[[a-z]]`: a `[` in a class.
    NestedClass,
    /// `[a&&b]`.
    Intersection,
    /// `[a--b]`.
    Difference,
    /// `[a~~b]`.
    SymmetricDifference,
    /// `a{,3}`: literal braces.
    EmptyMinimum,
    /// `\b{start}`: a boundary, then literal braces.
    BoundaryBrace,
    /// `\\<` and `\\>`: literal angle brackets, not word boundaries.
    WordBoundaryAngle,
    /// `(?<name>...)`, which older releases refuse.
    NamedGroupAngle,
}

impl fmt::Display for Surprise {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::NestedClass => {
                "RE2 reads `[` inside a character class as a literal; the regex crate nests classes"
            }
            Self::Intersection => {
                "`&&` in a character class is an intersection to the regex crate and two `&` to RE2"
            }
            Self::Difference => {
                "`--` in a character class is a difference to the regex crate and a range to RE2"
            }
            Self::SymmetricDifference => {
                "`~~` in a character class is a symmetric difference to the regex crate only"
            }
            Self::EmptyMinimum => "RE2 reads `{,n}` as literal text; write `{0,n}`",
            Self::BoundaryBrace => "RE2 has no `\\b{...}` boundaries, only `\\b` and `\\B`",
            Self::WordBoundaryAngle => "`\\<` and `\\>` are not word boundaries in RE2",
            Self::NamedGroupAngle => {
                "write named groups as `(?P<name>...)`, which every RE2 release reads"
            }
        })
    }
}
