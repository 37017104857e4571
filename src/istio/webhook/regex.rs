//! Whether a regex compiles as Go's `regexp` (RE2 syntax) compiles it, and Istio's string
//! matches built on that.
//!
//! The `regex` crate reads nearly the same syntax. Where the two differ, the pattern is first
//! rewritten or refused here, the way Go would: `\Q…\E` quoting and octal escapes (`\012`) are
//! Go-only and get rewritten; a `{` that starts no valid repetition is a literal in Go; Go refuses
//! stacked repetitions (`a**`, `a{2}{3}`), counts above 1000, the flags `x`, `u` and `R`, `\C`,
//! and the `\<`/`\>` word boundaries. Left as a known difference: Unicode property names the
//! crate knows and Go does not (such as `\p{Emoji}`) are accepted.

use std::fmt::Write as _;

use super::decode::{Msg, Report};
use super::go::q;

/// The longest regex Istio accepts in a string match.
const MAX_LENGTH: usize = 1024;
/// Go's limit on a repetition count.
const MAX_REPEAT: u32 = 1000;

/// Why Go's `regexp.Compile` refuses `pattern`, or `None`.
pub(super) fn compile_error(pattern: &str) -> Option<String> {
    let translated = match to_crate_syntax(pattern) {
        Ok(translated) => translated,
        Err(why) => return Some(why),
    };
    regex::RegexBuilder::new(&translated)
        .nest_limit(1000)
        .size_limit(1 << 26)
        .build()
        .err()
        .map(|e| {
            let text = e.to_string();
            text.lines()
                .rev()
                .find(|l| !l.trim().is_empty())
                .unwrap_or(&text)
                .trim()
                .trim_start_matches("error: ")
                .to_string()
        })
}

/// `validateStringRegexp`: a regex Envoy's RE2 accepts, at most 1024 characters.
pub(super) fn regex_error(pattern: &str, what: &str) -> Option<String> {
    if pattern.chars().count() > MAX_LENGTH {
        return Some(format!(
            "{}: regex is too large, max length allowed is {MAX_LENGTH}",
            q(what)
        ));
    }
    compile_error(pattern).map(|why| {
        format!(
            "{}: error parsing regexp: {why}; Istio uses RE2 style regex-based match \
             (https://github.com/google/re2/wiki/Syntax)",
            q(what)
        )
    })
}

/// `validateStringMatch`: a `StringMatch` with an empty prefix (unless `allow_empty_prefix`, as
/// for `uri`) or an empty or invalid regex is an error.
pub(super) fn check_string_match(
    r: Report<'_>,
    sm: Option<&Msg<'_>>,
    what: &str,
    allow_empty_prefix: bool,
) {
    let Some(sm) = sm else { return };
    if sm.has("prefix") && sm.str("prefix").is_empty() && !allow_empty_prefix {
        r.error(
            &sm.at("prefix"),
            format!("{}: prefix string match should not be empty", q(what)),
        );
    }
    if sm.has("regex") {
        let regex = sm.str("regex");
        if regex.is_empty() {
            r.error(
                &sm.at("regex"),
                format!("{}: regex string match should not be empty", q(what)),
            );
        } else {
            r.error_if(&sm.at("regex"), regex_error(regex, what));
        }
    }
}

/// Rewrites `pattern` into the `regex` crate's syntax, or says why Go refuses it.
fn to_crate_syntax(pattern: &str) -> Result<String, String> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut out = String::with_capacity(pattern.len());
    let mut last_repeat: Option<usize> = None;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\\' => {
                i = escape(&chars, i, &mut out)?;
                last_repeat = None;
            }
            '[' => {
                i = class(&chars, i, &mut out);
                last_repeat = None;
            }
            '(' if chars.get(i + 1) == Some(&'?') => {
                i = group_flags(&chars, i, &mut out)?;
                last_repeat = None;
            }
            '*' | '+' | '?' => {
                let start = i;
                i = repeat_suffix(&chars, i + 1, &mut out, &chars[i..=i], last_repeat)?;
                last_repeat = Some(start);
            }
            '{' => match counted(&chars, i) {
                Some((end, min, max)) => {
                    if min > MAX_REPEAT || max.is_some_and(|m| m > MAX_REPEAT) {
                        let text: String = chars[i..end].iter().collect();
                        return Err(format!("invalid repeat count: `{text}`"));
                    }
                    let start = i;
                    i = repeat_suffix(&chars, end, &mut out, &chars[i..end], last_repeat)?;
                    last_repeat = Some(start);
                }
                None => {
                    out.push_str("\\{");
                    i += 1;
                    last_repeat = None;
                }
            },
            _ => {
                out.push(c);
                i += 1;
                last_repeat = None;
            }
        }
    }
    Ok(out)
}

/// Writes a repetition operator and its optional non-greedy `?`; Go refuses one right after
/// another.
fn repeat_suffix(
    chars: &[char],
    operator_end: usize,
    out: &mut String,
    operator: &[char],
    last_repeat: Option<usize>,
) -> Result<usize, String> {
    let lazy = chars.get(operator_end) == Some(&'?');
    let end = operator_end + usize::from(lazy);
    if let Some(previous) = last_repeat {
        let text: String = chars[previous..end].iter().collect();
        return Err(format!("invalid nested repetition operator: `{text}`"));
    }
    out.extend(operator);
    if lazy {
        out.push('?');
    }
    Ok(end)
}

/// A valid Go counted repetition at `start` (`{n}`, `{n,}`, `{n,m}`): its end, min and max.
fn counted(chars: &[char], start: usize) -> Option<(usize, u32, Option<u32>)> {
    let mut i = start + 1;
    let number = |i: &mut usize| -> Option<u32> {
        let from = *i;
        while chars.get(*i).is_some_and(char::is_ascii_digit) {
            *i += 1;
        }
        if *i == from {
            return None;
        }
        let text: String = chars[from..*i].iter().collect();
        Some(text.parse().unwrap_or(u32::MAX))
    };
    let min = number(&mut i)?;
    let max = if chars.get(i) == Some(&',') {
        i += 1;
        if chars.get(i) == Some(&'}') {
            None
        } else {
            Some(number(&mut i)?)
        }
    } else {
        Some(min)
    };
    (chars.get(i) == Some(&'}')).then_some((i + 1, min, max))
}

/// Copies or rewrites the escape at `start`; returns the index after it.
fn escape(chars: &[char], start: usize, out: &mut String) -> Result<usize, String> {
    let Some(&next) = chars.get(start + 1) else {
        return Err("trailing backslash at end of expression: ``".to_string());
    };
    match next {
        'Q' => {
            let body_start = start + 2;
            let mut end = body_start;
            while end < chars.len() && !(chars[end] == '\\' && chars.get(end + 1) == Some(&'E')) {
                end += 1;
            }
            let literal: String = chars[body_start..end].iter().collect();
            out.push_str(&regex::escape(&literal));
            Ok(if end < chars.len() { end + 2 } else { end })
        }
        'C' | '<' | '>' => Err(format!("invalid escape sequence: `\\{next}`")),
        '0'..='7' => {
            let mut end = start + 2;
            let max_end = if next == '0' { start + 4 } else { start + 3 };
            if next != '0' && !chars.get(end).is_some_and(|c| ('0'..='7').contains(c)) {
                return Err(format!("invalid escape sequence: `\\{next}`"));
            }
            while end < max_end && chars.get(end).is_some_and(|c| ('0'..='7').contains(c)) {
                end += 1;
            }
            let digits: String = chars[start + 1..end].iter().collect();
            let code = u32::from_str_radix(&digits, 8).unwrap_or(0);
            let _ = write!(out, "\\x{{{code:x}}}");
            Ok(end)
        }
        'p' | 'P' | 'x' if chars.get(start + 2) == Some(&'{') => {
            let close = chars[start + 2..]
                .iter()
                .position(|c| *c == '}')
                .map_or(chars.len(), |p| start + 2 + p + 1);
            out.extend(&chars[start..close]);
            Ok(close)
        }
        _ => {
            out.push('\\');
            out.push(next);
            Ok(start + 2)
        }
    }
}

/// Copies a character class (`[...]`, with a leading `]` or `^]` as a literal).
fn class(chars: &[char], start: usize, out: &mut String) -> usize {
    let mut i = start + 1;
    if chars.get(i) == Some(&'^') {
        i += 1;
    }
    if chars.get(i) == Some(&']') {
        i += 1;
    }
    while i < chars.len() && chars[i] != ']' {
        if chars[i] == '\\' {
            i += 1;
        } else if chars[i] == '[' && chars.get(i + 1) == Some(&':') {
            if let Some(p) = chars[i + 2..].windows(2).position(|w| w == [':', ']']) {
                i += p + 3;
                continue;
            }
        }
        i += 1;
    }
    let end = (i + 1).min(chars.len());
    out.extend(&chars[start..end]);
    end
}

/// Copies a `(?` group opener; Go knows only the flags `i`, `m`, `s` and `U`.
fn group_flags(chars: &[char], start: usize, out: &mut String) -> Result<usize, String> {
    let rest = &chars[start + 2..];
    if rest.first() == Some(&'P') || rest.first() == Some(&'<') {
        out.push_str("(?");
        return Ok(start + 2);
    }
    let mut i = start + 2;
    while i < chars.len() && chars[i] != ':' && chars[i] != ')' {
        if !matches!(chars[i], 'i' | 'm' | 's' | 'U' | '-') {
            let text: String = chars[start..=i].iter().collect();
            return Err(format!("invalid or unsupported Perl syntax: `{text}`"));
        }
        i += 1;
    }
    out.push_str("(?");
    Ok(start + 2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compiles_as_go_does() {
        for (pattern, valid) in [
            ("^/api/v[0-9]+/.*$", true),
            ("a*?", true),
            ("a{2}", true),
            ("a{2,}?", true),
            ("a{", true),
            ("a{,5}", true),
            ("x{b}", true),
            (r"\Qa.b\E", true),
            (r"\Qa.b", true),
            (r"\012", true),
            (r"\0", true),
            ("(?i)abc", true),
            ("(?i:abc)", true),
            ("(?P<name>a)", true),
            ("(?<name>a)", true),
            ("[]a]", true),
            ("[[:alpha:]]", true),
            (r"\pN", true),
            (r"\p{Greek}", true),
            ("(a*)*", true),
            ("a**", false),
            ("a++", false),
            ("a{2}{3}", false),
            ("a*??", false),
            ("a{1001}", false),
            ("a{1,1001}", false),
            ("(?x)a", false),
            ("(?u)a", false),
            (r"\<", false),
            (r"\C", false),
            (r"\1", false),
            ("(?=a)", false),
            ("(", false),
            ("*", false),
            ("[a", false),
            (r"a\", false),
            ("x{2,1}", false),
        ] {
            assert_eq!(
                compile_error(pattern).is_none(),
                valid,
                "{pattern}: {:?}",
                compile_error(pattern)
            );
        }
    }

    #[test]
    fn long_regexes_are_refused() {
        let long = "a".repeat(1025);
        assert!(regex_error(&long, "uri").is_some());
        assert!(regex_error(&"a".repeat(1024), "uri").is_none());
    }
}
