//! Go durations as Istio reads them: Go's `time.ParseDuration`, the grammar, range and rounding
//! that istiod, the CRDs' CEL `duration()` and Envoy's protobuf durations share.

/// Why Go's `time.ParseDuration` refuses a text; each caller words it for its readers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum GoDurationError {
    /// Nothing, or a sign alone.
    Empty,
    /// A unit or a dot where a number belongs.
    NoNumber,
    /// A number without a unit (`10`).
    MissingUnit,
    /// A unit Go does not know (`1d`).
    UnknownUnit(String),
    /// Beyond Go's range of ±2⁶³ nanoseconds.
    TooLong,
}

impl GoDurationError {
    /// Why `text` is refused, in one sentence that names it.
    pub(crate) fn explain(&self, text: &str) -> String {
        let why = match self {
            Self::Empty => "it is empty; write a number and a unit, such as `30s`".to_string(),
            Self::NoNumber => "expected a number".to_string(),
            Self::MissingUnit => "a number needs a unit (ns, us, ms, s, m or h)".to_string(),
            Self::UnknownUnit(unit) => format!("unknown unit `{unit}`"),
            Self::TooLong => "it is too long".to_string(),
        };
        format!("`{text}` is not a duration: {why}")
    }
}

/// Go's `time.ParseDuration`, sign included: the nanoseconds, with Go's range (an `i64`) and
/// Go's rounding of fractions, so that what Istio reads back is exactly what this returns.
pub(crate) fn parse_go_nanos(text: &str) -> Result<i64, GoDurationError> {
    const LIMIT: u64 = 1 << 63;
    let too_long = || GoDurationError::TooLong;
    let (negative, mut rest) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    if rest == "0" {
        return Ok(0);
    }
    if rest.is_empty() {
        return Err(GoDurationError::Empty);
    }
    let mut total: u64 = 0;
    while !rest.is_empty() {
        let int_len = digits(rest);
        let (int, after) = rest.split_at(int_len);
        let mut whole: u64 = 0;
        for digit in int.bytes() {
            if whole > LIMIT / 10 {
                return Err(too_long());
            }
            whole = whole * 10 + u64::from(digit - b'0');
            if whole > LIMIT {
                return Err(too_long());
            }
        }
        // Fraction digits past what fits are dropped, as Go drops them.
        let (mut fraction, mut scale, mut has_fraction, mut after) = (0u64, 1f64, false, after);
        if let Some(digits) = after.strip_prefix('.') {
            let n = self::digits(digits);
            let mut overflow = false;
            for digit in digits[..n].bytes() {
                let next = fraction
                    .checked_mul(10)
                    .map(|f| f + u64::from(digit - b'0'));
                overflow =
                    overflow || fraction > (LIMIT - 1) / 10 || next.is_none_or(|y| y > LIMIT);
                if !overflow {
                    fraction = next.unwrap_or(0);
                    scale *= 10.0;
                }
            }
            has_fraction = n > 0;
            after = &digits[n..];
        }
        if int.is_empty() && !has_fraction {
            return Err(GoDurationError::NoNumber);
        }
        // Bytes, not chars: every byte of a character beyond ASCII (`µ`) is neither a digit nor
        // a dot, so the first that is one starts a character, and decoding each cost more.
        let unit_len = after
            .bytes()
            .position(|b| b.is_ascii_digit() || b == b'.')
            .unwrap_or(after.len());
        let (unit, after) = after.split_at(unit_len);
        let scale_ns: u64 = match unit {
            "ns" => 1,
            "us" | "\u{b5}s" | "\u{3bc}s" => 1_000,
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "m" => 60_000_000_000,
            "h" => 3_600_000_000_000,
            "" => return Err(GoDurationError::MissingUnit),
            _ => return Err(GoDurationError::UnknownUnit(unit.to_string())),
        };
        if whole > LIMIT / scale_ns {
            return Err(too_long());
        }
        let mut value = whole * scale_ns;
        if fraction > 0 {
            // Go computes the fraction in float64; so does this, for the same result.
            #[allow(
                clippy::cast_precision_loss,
                clippy::cast_possible_truncation,
                clippy::cast_sign_loss
            )]
            let part = (fraction as f64 * (scale_ns as f64 / scale)) as u64;
            value = value
                .checked_add(part)
                .filter(|v| *v <= LIMIT)
                .ok_or_else(too_long)?;
        }
        total = total
            .checked_add(value)
            .filter(|t| *t <= LIMIT)
            .ok_or_else(too_long)?;
        rest = after;
    }
    if negative {
        return Ok(0i64.wrapping_sub_unsigned(total));
    }
    i64::try_from(total).map_err(|_| too_long())
}

/// How many ASCII digits `text` starts with.
fn digits(text: &str) -> usize {
    text.bytes()
        .position(|b| !b.is_ascii_digit())
        .unwrap_or(text.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_nanos_match_gos_table() {
        const S: i64 = 1_000_000_000;
        const MS: i64 = 1_000_000;
        const M: i64 = 60 * S;
        const H: i64 = 60 * M;
        for (text, nanos) in [
            ("0", 0),
            ("-5s", -5 * S),
            ("+5s", 5 * S),
            ("-0", 0),
            ("5.6s", 5 * S + 600 * MS),
            ("5.s", 5 * S),
            (".5s", 500 * MS),
            ("100.00100s", 100 * S + MS),
            ("12\u{b5}s", 12_000),
            ("12\u{3bc}s", 12_000),
            ("10.5s4m", 4 * M + 10 * S + 500 * MS),
            ("-2m3.4s", -(2 * M + 3 * S + 400 * MS)),
            ("1h2m3s4ms5us6ns", H + 2 * M + 3 * S + 4 * MS + 5_000 + 6),
            ("0.3333333333333333333h", 20 * M),
            ("9007199254740993ns", (1 << 53) + 1),
            ("9223372036854775807ns", i64::MAX),
            ("9223372036854775.807us", i64::MAX),
            ("-9223372036854775808ns", i64::MIN),
            ("-2562047h47m16.854775808s", i64::MIN),
            ("0.100000000000000000000h", 6 * M),
            ("0.830103483285477580700h", 49 * M + 48 * S + 372_539_827),
        ] {
            assert_eq!(parse_go_nanos(text).unwrap(), nanos, "{text}");
        }
        for text in [
            "",
            "3",
            "-",
            "s",
            ".",
            "-.",
            ".s",
            "+.s",
            "1d",
            "\u{fffd}",
            "9223372036854775808ns",
            "9223372036854775.808us",
            "9223372036854ms775us808ns",
            "-9223372036854775809ns",
            "10",
            "1s ",
            " 1s",
            "1S",
            "1e3s",
            "1h-30m",
            "1m1",
        ] {
            assert!(parse_go_nanos(text).is_err(), "{text:?} must be refused");
        }
        // A unit ends at the next digit or dot, after characters beyond ASCII too.
        for (text, unit) in [
            ("1\u{b5}x2s", "\u{b5}x"),
            ("1\u{e9}.5s", "\u{e9}"),
            ("2sec", "sec"),
        ] {
            assert_eq!(
                parse_go_nanos(text),
                Err(GoDurationError::UnknownUnit(unit.to_string())),
                "{text}"
            );
        }
    }
}
