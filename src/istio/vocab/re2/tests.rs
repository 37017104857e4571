//! Go's own tables for `regexp/syntax.Parse`, from `src/regexp/syntax/parse_test.go` (golang/go
//! blob 0657e5d4, go1.26 era), written out here: `parseTests`, `foldcaseTests`,
//! `matchnlTests` and `nomatchnlTests` must parse with `Perl` flags, `invalidRegexps` and
//! `onlyPOSIX` must not, `onlyPerl` must. Left out: the four invalid-UTF-8 cases (a Rust `&str`
//! cannot hold them; meshc's readers refuse such input first) and `\pL` repeated 27,000 times
//! (Go's rune-count limit, which needs the Unicode tables' contents and no pattern under
//! `MAX_LENGTH` reaches). The error texts below are Go's, read from `parse.go`.

use super::*;

fn valid(pattern: &str) -> bool {
    parse(pattern).is_ok()
}

fn error_of(pattern: &str) -> String {
    parse(pattern).map_or_else(|e| e.to_string(), |_| "accepted".to_string())
}

/// `parseTests`: every regexp Go parses to a dump (the dumps themselves are Go's tree, which
/// this checker does not build).
const PARSE_TESTS: &[&str] = &[
    "a",
    "a.",
    "a.b",
    "ab",
    "a.b.c",
    "abc",
    "a|^",
    "a|b",
    "(a)",
    "(a)|b",
    "a*",
    "a+",
    "a?",
    "a{2}",
    "a{2,3}",
    "a{2,}",
    "a*?",
    "a+?",
    "a??",
    "a{2}?",
    "a{2,3}?",
    "a{2,}?",
    "x{1001",
    "x{9876543210",
    "x{9876543210,",
    "x{2,1",
    "x{1,9876543210",
    "",
    "|",
    "|x|",
    ".",
    "^",
    "$",
    r"\|",
    r"\(",
    r"\)",
    r"\*",
    r"\+",
    r"\?",
    "{",
    "}",
    r"\.",
    r"\^",
    r"\$",
    r"\\",
    "[ace]",
    "[abc]",
    "[a-z]",
    "[a]",
    r"\-",
    "-",
    r"\_",
    "abc",
    "abc|def",
    "abc|def|ghi",
    // Posix and Perl extensions
    "[[:lower:]]",
    "[^[:lower:]]",
    "[[:^lower:]]",
    "(?i)[[:lower:]]",
    "(?i)[a-z]",
    "(?i)[^[:lower:]]",
    "(?i)[[:^lower:]]",
    r"\d",
    r"\D",
    r"\s",
    r"\S",
    r"\w",
    r"\W",
    r"(?i)\w",
    r"(?i)\W",
    r"[^\\]",
    // Unicode, negatives, and a double negative.
    r"\p{Braille}",
    r"\P{Braille}",
    r"\p{^Braille}",
    r"\P{^Braille}",
    r"\pZ",
    r"[\p{Braille}]",
    r"[\P{Braille}]",
    r"[\p{^Braille}]",
    r"[\P{^Braille}]",
    r"[\pZ]",
    r"\p{Lu}",
    r"\p{Uppercase_Letter}",
    r"\p{upper case-let ter}",
    r"\p{__upper case-let ter}",
    r"\p{Canadian_Aboriginal}",
    r"[\p{Lu}]",
    r"(?i)[\p{Lu}]",
    r"\p{Any}",
    r"\p{^Any}",
    r"(?i)\p{ascii}",
    r"\p{Assigned}",
    r"\p{^Assigned}",
    // Hex, octal.
    r"[\012-\234]\141",
    r"[\x{41}-\x7a]\x61",
    // More interesting regular expressions.
    "a{,2}",
    r"\.\^\$\\",
    "[a-zABC]",
    "[^a]",
    "[α-ε☺]",
    "a*{",
    // Test precedences
    "(?:ab)*",
    "(ab)*",
    "ab|cd",
    "a(b|c)d",
    // Test flattening.
    "(?:a)",
    "(?:ab)(?:cd)",
    "(?:a+b+)(?:c+d+)",
    "(?:a+|b+)|(?:c+|d+)",
    "(?:a|b)|(?:c|d)",
    "a|.",
    ".|a",
    "(?:[abc]|A|Z|hello|world)",
    "(?:[abc]|A|Z)",
    // Test Perl quoted literals
    r"\Q+|*?{[\E",
    r"\Q+\E+",
    r"\Qab\E+",
    r"\Q\\E",
    r"\Q\\\E",
    // Test Perl \A and \z
    "(?m)^",
    "(?m)$",
    "(?-m)^",
    "(?-m)$",
    r"(?m)\A",
    r"(?m)\z",
    r"(?-m)\A",
    r"(?-m)\z",
    // Test named captures
    "(?P<name>a)",
    "(?<name>a)",
    // Case-folded literals
    "[Aa]",
    r"[\x{100}\x{101}]",
    "[Δδ]",
    // Strings
    "abcde",
    "[Aa][Bb]cd",
    // Factoring.
    "abc|abd|aef|bcx|bcy",
    "ax+y|ax+z|ay+w",
    // Bug fixes.
    "(?:.)",
    "(?:x|(?:xa))",
    "(?:.|(?:.a))",
    "(?:A(?:A|a))",
    "(?:A|a)",
    "A|(?:A|a)",
    "(?s).",
    "(?-s).",
    "(?:(?:^).)",
    "(?-s)(?:(?:^).)",
    r"[\s\S]a",
    // RE2 prefix_tests
    "abc|abd",
    "a(?:b)c|abd",
    "abc|x|abd",
    "(?i)abc|ABD",
    "[ab]c|[ab]d",
    ".c|.d",
    "x{2}|x{2}[0-9]",
    "x{2}y|x{2}[0-9]y",
    "a.*?c|a.*?b",
    // Valid repetitions.
    "((((((((((x{2}){2}){2}){2}){2}){2}){2}){2}){2}))",
    "((((((((((x{1}){2}){2}){2}){2}){2}){2}){2}){2}){2})",
    "(?:[a-z]{4}){0,250}",
];

/// `foldcaseTests`, `matchnlTests` and `nomatchnlTests` (parsed with other flags in Go; all
/// parse with `Perl` too).
const OTHER_FLAG_TESTS: &[&str] = &[
    "AbCdE",
    "[Aa]",
    "a",
    "A[F-g]",
    "[[:upper:]]",
    "[[:lower:]]",
    ".",
    "\n",
    "[^a]",
    "[a\\n]",
];

/// `invalidRegexps` that a `&str` can hold and that do not need table contents.
const INVALID_REGEXPS: &[&str] = &[
    "(",
    ")",
    "(a",
    "a)",
    "(a))",
    "(a|b|",
    "a|b|)",
    "(a|b|))",
    "(a|b",
    "a|b)",
    "(a|b))",
    "[a-z",
    "([a-z)",
    "[a-z)",
    "([a-z]))",
    "x{1001}",
    "x{9876543210}",
    "x{2,1}",
    "x{1,9876543210}",
    "(?P<name>a",
    "(?P<name>",
    "(?P<name",
    "(?P<x y>a)",
    "(?P<>a)",
    "(?<name>a",
    "(?<name>",
    "(?<name",
    "(?<x y>a)",
    "(?<>a)",
    "[a-Z]",
    "(?i)[a-Z]",
    r"\Q\E*",
    "a{100000}",
    "a{100000,}",
    "((((((((((x{2}){2}){2}){2}){2}){2}){2}){2}){2}){2})",
    "(?:[a-z]{4}){0,251}",
];

/// `onlyPerl`: valid with `Perl` flags.
const ONLY_PERL: &[&str] = &[
    "[a-b-c]",
    r"\Qabc\E",
    r"\Q*+?{[\E",
    r"\Q\\E",
    r"\Q\\\E",
    r"\Q\\\\E",
    r"\Q\\\\\E",
    "(?:a)",
    "(?P<name>a)",
];

/// `onlyPOSIX`: invalid with `Perl` flags (stacked repetitions).
const ONLY_POSIX: &[&str] = &["a++", "a**", "a?*", "a+*", "a{1}*", ".{1}{2}.{3}"];

#[test]
fn go_parse_tests_parse() {
    for pattern in PARSE_TESTS.iter().chain(OTHER_FLAG_TESTS).chain(ONLY_PERL) {
        assert!(valid(pattern), "{pattern:?}: {}", error_of(pattern));
    }
    let nested = |open: &str, close: &str, n: usize| open.repeat(n) + &close.repeat(n);
    assert!(valid(&nested("(", ")", 999)));
    assert!(valid(&nested("(?:", ")*", 999)));
    assert!(valid(&format!("({})", "|".repeat(12345))));
}

#[test]
fn go_invalid_regexps_fail() {
    for pattern in INVALID_REGEXPS.iter().chain(ONLY_POSIX) {
        assert!(!valid(pattern), "{pattern:?} parsed");
    }
    let nested = |open: &str, close: &str, n: usize| open.repeat(n) + &close.repeat(n);
    assert_eq!(
        parse(&nested("(", ")", 1000)).unwrap_err().code,
        ErrorCode::NestingDepth
    );
    assert_eq!(
        parse(&nested("(?:", ")*", 1000)).unwrap_err().code,
        ErrorCode::NestingDepth
    );
    let long = format!("({}){{1000}}", "(xx?)".repeat(1000));
    assert_eq!(parse(&long).unwrap_err().code, ErrorCode::Large);
    assert_eq!(
        parse(&"(xx?){1000}".repeat(1000)).unwrap_err().code,
        ErrorCode::Large
    );
}

#[test]
fn errors_say_what_go_says() {
    for (pattern, message) in [
        ("*", "missing argument to repetition operator: `*`"),
        ("a|*", "missing argument to repetition operator: `*`"),
        ("(*)", "missing argument to repetition operator: `*`"),
        ("*?", "missing argument to repetition operator: `*?`"),
        ("{2}", "missing argument to repetition operator: `{2}`"),
        (r"\Q\E*", "missing argument to repetition operator: `*`"),
        ("a**", "invalid nested repetition operator: `**`"),
        ("a*?*", "invalid nested repetition operator: `*?*`"),
        ("a++", "invalid nested repetition operator: `++`"),
        ("a{2}{3}", "invalid nested repetition operator: `{2}{3}`"),
        ("x{1001}", "invalid repeat count: `{1001}`"),
        ("x{2,1}", "invalid repeat count: `{2,1}`"),
        ("x{9876543210}", "invalid repeat count: `{9876543210}`"),
        ("(a{100}){11}", "invalid repeat count: `{11}`"),
        ("(?:[a-z]{4}){0,251}?", "invalid repeat count: `{0,251}?`"),
        (r"\8", "invalid escape sequence: `\\8`"),
        (r"\1", "invalid escape sequence: `\\1`"),
        (r"a\C", "invalid escape sequence: `\\C`"),
        (r"\Z", "invalid escape sequence: `\\Z`"),
        (r"\x", "invalid escape sequence: `\\x`"),
        (r"\xz", "invalid escape sequence: `\\xz`"),
        (r"\x{41", "invalid escape sequence: `\\x{41`"),
        (r"\x{}", "invalid escape sequence: `\\x{}`"),
        (r"\x{110000}", "invalid escape sequence: `\\x{110000`"),
        (r"\é", "invalid escape sequence: `\\é`"),
        (r"[\b]", "invalid escape sequence: `\\b`"),
        (r"[a-\d]", "invalid escape sequence: `\\d`"),
        ("a\\", "trailing backslash at end of expression: ``"),
        ("[a-Z]", "invalid character class range: `a-Z`"),
        ("[z-a]x", "invalid character class range: `z-a`"),
        ("[[:foo:]]", "invalid character class range: `[:foo:]`"),
        (
            r"\p{Klingon}",
            "invalid character class range: `\\p{Klingon}`",
        ),
        (r"\pX", "invalid character class range: `\\pX`"),
        (r"\p", "invalid character class range: `\\p`"),
        (r"\p{Greek", "invalid character class range: `\\p{Greek`"),
        (r"[\p{^}]", "invalid character class range: `\\p{^}`"),
        ("[a-z", "missing closing ]: `[a-z`"),
        ("([a-z)", "missing closing ]: `[a-z)`"),
        ("[]", "missing closing ]: `[]`"),
        ("(a", "missing closing ): `(a`"),
        ("a)", "unexpected ): `a)`"),
        ("(?<", "invalid or unsupported Perl syntax: `(?<`"),
        ("(?P", "invalid or unsupported Perl syntax: `(?P`"),
        ("(?P=name)", "invalid or unsupported Perl syntax: `(?P`"),
        ("(?=a)", "invalid or unsupported Perl syntax: `(?=`"),
        ("(?!a)", "invalid or unsupported Perl syntax: `(?!`"),
        ("(?x)a", "invalid or unsupported Perl syntax: `(?x`"),
        ("(?i", "invalid or unsupported Perl syntax: `(?i`"),
        ("(?", "invalid or unsupported Perl syntax: `(?`"),
        ("(?-)", "invalid or unsupported Perl syntax: `(?-)`"),
        ("(?i--s)", "invalid or unsupported Perl syntax: `(?i--`"),
        ("(?<=a)b", "invalid named capture: `(?<=a)b`"),
        ("(?<!x)>", "invalid named capture: `(?<!x)>`"),
        ("(?P<x y>a)", "invalid named capture: `(?P<x y>`"),
        ("(?P<name", "invalid named capture: `(?P<name`"),
        ("(?P<", "invalid or unsupported Perl syntax: `(?P`"),
        ("(?P<n>*)", "missing argument to repetition operator: `*`"),
        ("(?<n>+)", "missing argument to repetition operator: `+`"),
    ] {
        assert_eq!(
            error_of(pattern),
            format!("error parsing regexp: {message}"),
            "{pattern:?}"
        );
    }
}

#[test]
fn what_go_accepts_that_others_may_not() {
    for pattern in [
        r"\z",
        r"(?i)(?m)(?s)(?U)a",
        "(?i-s:a)",
        "(?i)(?-i)a",
        r"\Qa.b",
        r"\0",
        r"\012",
        r"\101x",
        r"\x{10FFFF}",
        r"\x{D800}",
        r"[\x{E000}-\x{E001}]",
        r"\pL\PL\p{L}\p{^L}\P{^L}",
        r"\p{Greek}\p{greek}\p{Letter}\p{Cn}\p{LC}\p{Assigned}\p{ASCII}",
        r"\<\>\_\!\~",
        "[[:word:][:^space:]]",
        "[]a]",
        "[^]a]",
        "[a-]",
        "x{0}",
        "((a{1000}){0}){2}",
        "(a*)*",
        "(a{2,}){500}",
        "a{,5}",
        "a{01}",
        "x{y}",
        "[[a-z]]",
        "(?P<n_1>a)(?<N2>b)",
        "[a-a]",
        r"[\x{D7FF}-\x{D800}]",
    ] {
        assert!(valid(pattern), "{pattern:?}: {}", error_of(pattern));
    }
}

#[test]
fn envoy_refusals() {
    let refusal = |pattern: &str| parse(pattern).unwrap().envoy_refusal().cloned();
    assert_eq!(
        refusal(r"a\p{greek}"),
        Some(EnvoyRefusal::UnicodeName {
            class: r"\p{greek}".to_string()
        })
    );
    assert_eq!(
        refusal(r"[\p{^Letter}]"),
        Some(EnvoyRefusal::UnicodeName {
            class: r"\p{^Letter}".to_string()
        })
    );
    assert_eq!(
        refusal("((a{1000}){0}){2}"),
        Some(EnvoyRefusal::RepeatCount {
            repeat: "{2}".to_string()
        })
    );
    assert_eq!(refusal("(a{1000}){0}"), None);
    assert_eq!(refusal("(a{500}){0,2}"), None);
    assert_eq!(
        refusal(r"\pL"),
        Some(EnvoyRefusal::UnboundedProgram {
            construct: r"\pL".to_string()
        })
    );
    assert_eq!(
        refusal("(?i)é"),
        Some(EnvoyRefusal::UnboundedProgram {
            construct: "(?i)é".to_string()
        })
    );
    assert_eq!(
        refusal("[[:alpha:]]+(?i)[é]"),
        Some(EnvoyRefusal::UnboundedProgram {
            construct: "[é]".to_string()
        })
    );
    assert!(matches!(
        refusal("(?:abcdefghijklmnopqrstuvwxyzabcdefghijklmn){1000}"),
        Some(EnvoyRefusal::ProgramTooLarge { .. })
    ));
    for fine in [
        r"^https://([a-z0-9-]{1,63}\.){1,10}example\.com$",
        r"(?:abcdefghij){1000}",
        r".{1,253}",
        r"\p{Any}é(?i)[a-z]k",
        r"\P{Any}",
        r"[^/]+",
        "x{0}",
        "(?i)\u{1F600}",
    ] {
        assert_eq!(refusal(fine), None, "{fine}");
    }
    let display = |r: EnvoyRefusal| r.to_string();
    assert!(display(EnvoyRefusal::ProgramTooLarge { at_most: 40000 }).contains("40000"));
    assert!(display(EnvoyRefusal::UnicodeName { class: "x".into() }).contains("`x`"));
    assert!(
        display(EnvoyRefusal::RepeatCount {
            repeat: "{2}".into()
        })
        .contains("`{2}`")
    );
    assert!(
        display(EnvoyRefusal::UnboundedProgram {
            construct: "y".into()
        })
        .contains("`y`")
    );
}

#[test]
fn surprises() {
    let surprise = |pattern: &str| parse(pattern).unwrap().surprise().copied();
    for (pattern, expected) in [
        ("[[a-z]]", Some(Surprise::NestedClass)),
        ("[a[]", Some(Surprise::NestedClass)),
        ("[a-z&&[^x]]", Some(Surprise::Intersection)),
        ("[!--]", Some(Surprise::Difference)),
        ("[a~~b]", Some(Surprise::SymmetricDifference)),
        ("a{,3}", Some(Surprise::EmptyMinimum)),
        (r"\b{start}x", Some(Surprise::BoundaryBrace)),
        (r"\B{", Some(Surprise::BoundaryBrace)),
        ("(?<host>a)", Some(Surprise::NamedGroupAngle)),
        (r"\<word\>", Some(Surprise::WordBoundaryAngle)),
        (r"a\>", Some(Surprise::WordBoundaryAngle)),
        (r"[\<]", None),
        ("[[:alpha:]]", None),
        ("[]a]", None),
        ("[^]a]", None),
        (r"[\[]", None),
        ("[&-]", None),
        ("[a-]", None),
        ("a{,}", None),
        ("a{,x}", None),
        (r"\b{2}", None),
        ("(?P<host>a)", None),
        (r"\Q[[\E", None),
        (r"a\.b\[", None),
    ] {
        assert_eq!(surprise(pattern), expected, "{pattern}");
    }
    let texts: std::collections::BTreeSet<String> = [
        Surprise::NestedClass,
        Surprise::Intersection,
        Surprise::Difference,
        Surprise::SymmetricDifference,
        Surprise::EmptyMinimum,
        Surprise::BoundaryBrace,
        Surprise::WordBoundaryAngle,
        Surprise::NamedGroupAngle,
    ]
    .iter()
    .map(ToString::to_string)
    .collect();
    assert_eq!(texts.len(), 8);
    assert!(texts.iter().all(|t| t.contains('`')));
}
