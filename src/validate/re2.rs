//! Where the regex crate, which checks that a pattern compiles, is more lenient than RE2, which
//! Istio and Envoy use: constructs the crate accepts and RE2 refuses or reads differently.

/// RE2's largest repetition count, for one operator and for nested ones multiplied.
const MAX_REPEAT: u64 = 1000;

/// The first construct of `pattern` that RE2 does not read as the regex crate does.
pub(super) fn difference(pattern: &str) -> Option<&'static str> {
    let chars: Vec<char> = pattern.chars().collect();
    // The largest repetition product inside each open group, and of the last atom.
    let mut groups: Vec<u64> = vec![1];
    let mut last_atom: u64 = 1;
    let mut i = 0;
    while i < chars.len() {
        let next = chars.get(i + 1).copied();
        match chars[i] {
            '\\' => {
                match next {
                    Some('<' | '>') => {
                        return Some("`\\<` and `\\>` are not word boundaries in RE2");
                    }
                    Some('b' | 'B') if chars.get(i + 2) == Some(&'{') => {
                        return Some("RE2 has no `\\b{...}` boundaries, only `\\b` and `\\B`");
                    }
                    _ => {}
                }
                last_atom = 1;
                i += 2;
            }
            '[' => {
                match class_end(&chars, i) {
                    Ok(end) => i = end,
                    Err(problem) => return Some(problem),
                }
                last_atom = 1;
            }
            '(' => {
                if next == Some('?') {
                    if let Some(problem) = group_flags(&chars[i + 2..]) {
                        return Some(problem);
                    }
                }
                groups.push(1);
                i += 1;
            }
            ')' => {
                last_atom = groups.pop().unwrap_or(1);
                if groups.is_empty() {
                    groups.push(1);
                }
                i += 1;
            }
            '{' => {
                let close = chars[i..].iter().position(|&c| c == '}').map(|p| i + p);
                let body: String =
                    close.map_or_else(String::new, |c| chars[i + 1..c].iter().collect());
                let counts = repetition(&body);
                if let (Some(close), Some((min, max))) = (close, counts) {
                    if min.is_none() {
                        return Some("RE2 reads `{,n}` as literal text; write `{0,n}`");
                    }
                    let count = max.or(min).unwrap_or(1);
                    if count > MAX_REPEAT || count.saturating_mul(last_atom) > MAX_REPEAT {
                        return Some(
                            "RE2 refuses repetition counts above 1000, nested ones multiplied",
                        );
                    }
                    let product = count.saturating_mul(last_atom);
                    if let Some(group) = groups.last_mut() {
                        *group = (*group).max(product);
                    }
                    i = close + 1;
                } else {
                    last_atom = 1;
                    i += 1;
                }
            }
            _ => {
                last_atom = 1;
                i += 1;
            }
        }
    }
    None
}

/// The counts of a repetition body `n`, `n,`, `n,m` or `,m`; `None` when it is not one (RE2 and
/// the crate then read the braces literally or refuse them alike).
fn repetition(body: &str) -> Option<(Option<u64>, Option<u64>)> {
    let number = |t: &str| -> Option<Option<u64>> {
        if t.is_empty() {
            Some(None)
        } else if t.bytes().all(|b| b.is_ascii_digit()) {
            Some(Some(t.parse::<u64>().unwrap_or(u64::MAX)))
        } else {
            None
        }
    };
    match body.split_once(',') {
        Some((min, max)) => {
            let (min, max) = (number(min)?, number(max)?);
            (min.is_some() || max.is_some()).then_some((min, max))
        }
        None => Some((Some(number(body)??), None)),
    }
}

/// The index after the class that opens at `start`, or the reason RE2 reads it differently.
fn class_end(chars: &[char], start: usize) -> Result<usize, &'static str> {
    let mut i = start + 1;
    if chars.get(i) == Some(&'^') {
        i += 1;
    }
    // A `]` first in a class is a literal, in both.
    if chars.get(i) == Some(&']') {
        i += 1;
    }
    while i < chars.len() {
        let next = chars.get(i + 1).copied();
        match chars[i] {
            '\\' => i += 2,
            ']' => return Ok(i + 1),
            '[' if next == Some(':') => {
                // A POSIX class, `[:alpha:]`, in both.
                let end = chars[i..]
                    .windows(2)
                    .position(|w| w == [':', ']'])
                    .map_or(chars.len(), |p| i + p + 2);
                i = end;
            }
            '[' => {
                return Err(
                    "RE2 reads `[` inside a character class as a literal; the regex crate nests classes",
                );
            }
            '&' if next == Some('&') => {
                return Err(
                    "`&&` in a character class is an intersection to the regex crate and two `&` to RE2",
                );
            }
            '-' if next == Some('-') => {
                return Err(
                    "`--` in a character class is a difference to the regex crate and a range to RE2",
                );
            }
            '~' if next == Some('~') => {
                return Err(
                    "`~~` in a character class is a symmetric difference to the regex crate only",
                );
            }
            _ => i += 1,
        }
    }
    Ok(i)
}

/// The problem with the flags of a group that opens with `(?`, given what follows the `?`.
fn group_flags(rest: &[char]) -> Option<&'static str> {
    match rest.first() {
        Some('P') => None,
        Some('<') => Some("write named groups as `(?P<name>...)`, which every RE2 release reads"),
        _ => {
            let flags = rest.iter().take_while(|c| !matches!(c, ':' | ')'));
            flags
                .clone()
                .any(|c| !matches!(c, 'i' | 'm' | 's' | 'U' | '-'))
                .then_some("RE2 knows only the flags `i`, `m`, `s` and `U`")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_both_read_alike_pass() {
        for ok in [
            r"https://[a-z0-9-]+\.example\.com",
            r"https://(www|api)\.example\.com(:[0-9]{2,5})?",
            r"[[:alpha:]]+",
            r"[]a]",
            r"[^]a]",
            r"(?i)HTTPS://x\.com",
            r"(?P<host>[a-z]+)",
            r"a{1000}",
            r"(a{10}){100}",
            r"a{2,}",
            r"x{y}",
            r"[a-]",
            r"\{,3}",
        ] {
            assert_eq!(difference(ok), None, "{ok}");
        }
    }

    #[test]
    fn patterns_re2_reads_otherwise_are_named() {
        for bad in [
            r"\<word\>",
            r"\b{start}x",
            r"[a-z&&[^x]]",
            r"[[a-z]]",
            r"[a-z--x]",
            r"[a~~b]",
            r"(?x) a b",
            r"(?u)a",
            r"(?<host>a)",
            r"a{1001}",
            r"(a{100}){11}",
            r"((a{10}){10}){11}",
            r"a{,3}",
        ] {
            assert!(difference(bad).is_some(), "{bad}");
        }
    }
}
