//! The pieces of a pattern Go's parser reads on their own, outside the parse stack
//! (`parse.go`, go1.26): repetition counts (`parseRepeat`, `parseInt`), escapes (`parseEscape`,
//! `parseClassChar`), POSIX classes (`parseNamedClass`), and the surprises a brace or a class
//! holds.

use super::class::{MAX_RUNE, POSIX_GROUPS, Set};
use super::parse::{Result, before, error, next};
use super::{ErrorCode, Surprise};

/// `maxRepeat`: the largest count, alone or multiplied through nested repetitions.
pub(super) const MAX_COUNT: u32 = 1000;

/// `parseRepeat` and the count check of `parse`: for a `{` that starts `{n}`, `{n,}` or
/// `{n,m}`, the counts (or `None` when Go refuses them) and the rest; `None` when the brace
/// is a literal.
#[allow(clippy::type_complexity)]
pub(super) fn repeat_counts(s: &str) -> Option<(Option<(u32, Option<u32>)>, &str)> {
    let t = s.strip_prefix('{')?;
    let (min, t) = integer(t)?;
    let (max, t) = match t.strip_prefix(',') {
        None => (Some(min), t),
        Some(t) if t.starts_with('}') => (None, t),
        Some(t) => {
            let (max, t) = integer(t)?;
            (Some(max), t)
        }
    };
    let rest = t.strip_prefix('}')?;
    let limit = MAX_COUNT;
    let valid = min.is_some_and(|min| {
        min <= limit
            && match max {
                None => true,
                Some(max) => max.is_some_and(|max| max <= limit && min <= max),
            }
    });
    let counts = valid.then(|| {
        let min = min.unwrap_or(0);
        (min, max.map(|m| m.unwrap_or(0)))
    });
    Some((counts, rest))
}

/// `parseInt`: a decimal number without leading zeros, `Some(None)` when it is too large (Go
/// gives up at 10^8; anything over 1000 is refused all the same).
#[allow(clippy::option_option)]
fn integer(s: &str) -> Option<(Option<u32>, &str)> {
    let digits = s.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 || (digits >= 2 && s.starts_with('0')) {
        return None;
    }
    Some((s[..digits].parse().ok(), &s[digits..]))
}

/// Whether a literal `{` starts `{,n}`, which other engines read as `{0,n}`.
pub(super) fn empty_minimum(s: &str) -> bool {
    s.strip_prefix("{,").is_some_and(|rest| {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        digits > 0 && rest[digits..].starts_with('}')
    })
}

/// `parseEscape`: the code point an escape stands for (a surrogate is one to Go), and the rest.
pub(super) fn escape(s: &str) -> Result<(u32, &str)> {
    let Some((c, mut t)) = next(&s[1..]) else {
        return Err(error(ErrorCode::TrailingBackslash, ""));
    };
    let invalid = |t: &str| error(ErrorCode::InvalidEscape, before(s, t));
    match c {
        '1'..='7' if !t.starts_with(|d: char| ('0'..='7').contains(&d)) => Err(invalid(t)),
        '0'..='7' => {
            let mut value = c as u32 - u32::from(b'0');
            for _ in 1..3 {
                match t.as_bytes().first() {
                    Some(&d @ b'0'..=b'7') => {
                        value = value * 8 + u32::from(d - b'0');
                        t = &t[1..];
                    }
                    _ => break,
                }
            }
            Ok((value, t))
        }
        'x' => {
            let Some((first, rest)) = next(t) else {
                return Err(invalid(t));
            };
            t = rest;
            if first == '{' {
                let mut value: u32 = 0;
                let mut any_digit = false;
                loop {
                    let Some((digit, rest)) = next(t) else {
                        return Err(invalid(t));
                    };
                    t = rest;
                    if digit == '}' {
                        break;
                    }
                    let Some(nibble) = digit.to_digit(16) else {
                        return Err(invalid(t));
                    };
                    value = value * 16 + nibble;
                    if value > MAX_RUNE {
                        return Err(invalid(t));
                    }
                    any_digit = true;
                }
                if !any_digit {
                    return Err(invalid(t));
                }
                return Ok((value, t));
            }
            let high = first.to_digit(16);
            let (second, rest) = next(t).unwrap_or(('\u{FFFD}', t));
            t = rest;
            match (high, second.to_digit(16)) {
                (Some(high), Some(low)) => Ok((high * 16 + low, t)),
                _ => Err(invalid(t)),
            }
        }
        'a' => Ok((0x07, t)),
        'f' => Ok((0x0C, t)),
        'n' => Ok((0x0A, t)),
        'r' => Ok((0x0D, t)),
        't' => Ok((0x09, t)),
        'v' => Ok((0x0B, t)),
        c if c.is_ascii() && !c.is_ascii_alphanumeric() => Ok((u32::from(c), t)),
        _ => Err(invalid(t)),
    }
}

/// `parseClassChar`: one code point of a class, escaped or not.
pub(super) fn class_char<'s>(t: &'s str, whole_class: &str) -> Result<(u32, &'s str)> {
    if t.starts_with('\\') {
        return escape(t);
    }
    let Some((c, rest)) = next(t) else {
        return Err(error(ErrorCode::MissingBracket, whole_class));
    };
    Ok((u32::from(c), rest))
}

/// `[:name:]` and `[:^name:]` (`parseNamedClass`); `Ok(None)` when `t` holds no `:]`.
pub(super) fn posix_class(t: &str, fold: bool) -> Result<Option<(Set, &str)>> {
    let Some(end) = t[2..].find(":]").map(|i| i + 2) else {
        return Ok(None);
    };
    let name = &t[..end + 2];
    let inner = &t[2..end];
    let (negated, inner) = match inner.strip_prefix('^') {
        Some(inner) => (true, inner),
        None => (false, inner),
    };
    let Some((_, ranges)) = POSIX_GROUPS.iter().find(|(n, _)| *n == inner) else {
        return Err(error(ErrorCode::InvalidCharRange, name));
    };
    Ok(Some((Set::group(ranges, negated, fold), &t[end + 2..])))
}

/// What other engines read in a class that RE2 reads literally: a nested `[`, or the set
/// operators `&&`, `--` and `~~`. `text` is the whole class, brackets included (a leading `^`
/// or `]` starts none of these).
pub(super) fn class_surprise(text: &str) -> Option<Surprise> {
    let chars: Vec<char> = text.chars().collect();
    let mut i = 1;
    while i + 1 < chars.len() {
        let next = chars[i + 1];
        match chars[i] {
            '\\' => i += 1,
            // `[:name:]`, whose name is letters only.
            '[' if next == ':' => {}
            '[' => return Some(Surprise::NestedClass),
            '&' if next == '&' => return Some(Surprise::Intersection),
            '-' if next == '-' => return Some(Surprise::Difference),
            '~' if next == '~' => return Some(Surprise::SymmetricDifference),
            _ => {}
        }
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_stand_for_go_s_code_points() {
        for (escape_text, code_point, rest) in [
            (r"\a", 0x07, ""),
            (r"\f", 0x0C, ""),
            (r"\n", 0x0A, ""),
            (r"\r", 0x0D, ""),
            (r"\t", 0x09, ""),
            (r"\v", 0x0B, ""),
            (r"\0", 0, ""),
            (r"\012", 0o12, ""),
            (r"\101x", 0o101, "x"),
            (r"\7777", 0o777, "7"),
            (r"\08", 0, "8"),
            (r"\x41", 0x41, ""),
            (r"\xfFz", 0xFF, "z"),
            (r"\x{1F600}!", 0x1_F600, "!"),
            (r"\x{10FFFF}", MAX_RUNE, ""),
            (r"\.", u32::from('.'), ""),
            (r"\_", u32::from('_'), ""),
        ] {
            assert_eq!(
                escape(escape_text).map_err(|e| e.to_string()),
                Ok((code_point, rest)),
                "{escape_text}"
            );
        }
    }

    #[test]
    fn repeat_counts_and_literal_braces() {
        assert_eq!(repeat_counts("{2}x"), Some((Some((2, Some(2))), "x")));
        assert_eq!(repeat_counts("{2,}"), Some((Some((2, None)), "")));
        assert_eq!(repeat_counts("{0,1000}"), Some((Some((0, Some(1000))), "")));
        assert_eq!(repeat_counts("{1001}"), Some((None, "")));
        assert_eq!(repeat_counts("{3,2}"), Some((None, "")));
        assert_eq!(repeat_counts("{1,4294967296}"), Some((None, "")));
        for literal in ["{", "{,2}", "{01}", "{1", "{1,", "{1,x}", "{x}", "x"] {
            assert_eq!(repeat_counts(literal), None, "{literal}");
        }
        assert!(empty_minimum("{,3}"));
        assert!(!empty_minimum("{,}"));
        assert!(!empty_minimum("{,3"));
        assert!(!empty_minimum("{0,3}"));
    }

    #[test]
    fn posix_classes_leave_the_rest() {
        let (set, rest) = posix_class("[:digit:]x]", false).unwrap().unwrap();
        assert_eq!(set, Set::of(&[(0x30, 0x39)]));
        assert_eq!(rest, "x]");
        let (set, _) = posix_class("[:^digit:]]", false).unwrap().unwrap();
        assert_eq!(set, Set::of(&[(0, 0x2F), (0x3A, MAX_RUNE)]));
        assert_eq!(posix_class("[:digit]", false).unwrap(), None);
        assert!(posix_class("[:nope:]", false).is_err());
    }

    #[test]
    fn class_surprises_are_pairs() {
        for (class, surprise) in [
            ("[a[]", Some(Surprise::NestedClass)),
            ("[a&&b]", Some(Surprise::Intersection)),
            ("[a--b]", Some(Surprise::Difference)),
            ("[a~~b]", Some(Surprise::SymmetricDifference)),
            ("[^&&]", Some(Surprise::Intersection)),
            ("[a&b]", None),
            ("[a-b]", None),
            ("[a~b]", None),
            ("[~]", None),
            (r"[\[a]", None),
            (r"[\&&]", None),
            ("[[:alpha:]&]", None),
            ("[[:alpha:][b]", Some(Surprise::NestedClass)),
            ("[]]", None),
            ("[^]]", None),
        ] {
            assert_eq!(class_surprise(class), surprise, "{class}");
        }
    }
}
