//! Go's way of writing values in messages (`%q`, `%v` of a float or a string list), so that the
//! webhook's messages read as Istio's do.

/// Go's `%q` of a string, closely enough (a JSON string, non-ASCII kept).
pub(super) fn q(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| format!("\"{s}\""))
}

/// Go's `%v` of a `float64`: the shortest digits, in exponent form when the exponent is below -4
/// or at least 6.
pub(super) fn float(f: f64) -> String {
    if f.is_nan() {
        return "NaN".to_string();
    }
    if f.is_infinite() {
        return if f > 0.0 { "+Inf" } else { "-Inf" }.to_string();
    }
    if f == 0.0 {
        return "0".to_string();
    }
    let scientific = format!("{:e}", f.abs());
    let (mantissa, exponent) = scientific.split_once('e').unwrap_or((&scientific, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let sign = if f < 0.0 { "-" } else { "" };
    if !(-4..6).contains(&exponent) {
        let (first, rest) = digits.split_at(1);
        let fraction = if rest.is_empty() {
            String::new()
        } else {
            format!(".{rest}")
        };
        let exponent_sign = if exponent < 0 { '-' } else { '+' };
        return format!(
            "{sign}{first}{fraction}e{exponent_sign}{:02}",
            exponent.abs()
        );
    }
    let point = exponent + 1;
    let text = if point <= 0 {
        let zeros = "0".repeat(usize::try_from(-point).unwrap_or(0));
        format!("0.{zeros}{digits}")
    } else {
        let point = usize::try_from(point).unwrap_or(0);
        if digits.len() <= point {
            format!("{digits}{}", "0".repeat(point - digits.len()))
        } else {
            format!("{}.{}", &digits[..point], &digits[point..])
        }
    };
    format!("{sign}{text}")
}

/// Go's `strings.Split` at an ASCII separator: the text before each `sep`, then the rest (an
/// empty text is one empty piece). A byte scan: `str::split` searches for each piece with
/// `memchr` behind a searcher, which costs more than the few bytes of a host label or a policy.
pub(super) fn split(text: &str, sep: u8) -> impl Iterator<Item = &str> {
    debug_assert!(sep.is_ascii(), "a byte inside a character would cut it");
    let mut rest = Some(text);
    std::iter::from_fn(move || {
        let current = rest?;
        match current.bytes().position(|b| b == sep) {
            Some(at) => {
                rest = Some(&current[at + 1..]);
                Some(&current[..at])
            }
            None => {
                rest = None;
                Some(current)
            }
        }
    })
}

/// Go's `%v` of a `[]string`.
pub(super) fn list<S: AsRef<str>>(values: &[S]) -> String {
    let joined: Vec<&str> = values.iter().map(AsRef::as_ref).collect();
    format!("[{}]", joined.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_read_as_go_writes_them() {
        assert_eq!(float(150.0), "150");
        assert_eq!(float(1e-05), "1e-05");
        assert_eq!(float(1_234_567.0), "1.234567e+06");
        assert_eq!(float(100_000.0), "100000");
        assert_eq!(float(0.5), "0.5");
        assert_eq!(float(-0.000_05), "-5e-05");
        assert_eq!(float(0.0001), "0.0001");
        assert_eq!(float(100.5), "100.5");
    }

    /// The pieces are `str::split`'s, at the ends, between separators and in an empty text.
    #[test]
    fn split_gives_the_pieces_of_str_split() {
        for text in ["", ",", "a", "a,b", ",a,,b,", "5xx,reset", "é,ü,", "a.b.c."] {
            for sep in [b',', b'.'] {
                let pieces: Vec<&str> = split(text, sep).collect();
                let expected: Vec<&str> = text.split(char::from(sep)).collect();
                assert_eq!(pieces, expected, "{text:?} at {:?}", char::from(sep));
            }
        }
    }

    #[test]
    fn strings_and_lists() {
        assert_eq!(q("a\"b"), r#""a\"b""#);
        assert_eq!(list(&["a", "b"]), "[a b]");
        assert_eq!(list::<&str>(&[]), "[]");
    }
}
