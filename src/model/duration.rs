//! `Duration`: a Go-syntax duration that Istio accepts (whole milliseconds, at least 1 ms).

use std::fmt;

use super::Invalid;

/// A duration in whole milliseconds, at least 1 ms, written the way Go writes it (`1h`, `90s`,
/// `250ms`) so that istiod, the CRD's CEL rules and `time.ParseDuration` all read it back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Duration(u64);

/// Why a duration string was refused: its syntax, or its size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DurationError {
    /// Not Go duration syntax.
    Syntax(Invalid),
    /// Below 1 ms, or not whole milliseconds.
    TooShort(Invalid),
}

/// The longest duration meshc writes: 10 years. Longer ones only arise from typos and would
/// overflow Envoy's protobuf durations in arithmetic.
const MAX_MILLIS: u64 = 10 * 365 * 24 * 3_600_000;

impl Duration {
    /// A duration of `millis` milliseconds (at least 1).
    pub fn from_millis(millis: u64) -> Option<Self> {
        (1..=MAX_MILLIS).contains(&millis).then_some(Self(millis))
    }

    /// The duration in milliseconds.
    pub fn as_millis(self) -> u64 {
        self.0
    }

    /// Parses Go's `time.ParseDuration` syntax: a sequence of decimal numbers, each with a unit
    /// (`ns`, `us`, `µs`, `ms`, `s`, `m`, `h`), such as `1h30m` or `1.5s`. A bare number other
    /// than `0` has no unit and is refused, as Go refuses it.
    pub fn parse(text: &str) -> Result<Self, DurationError> {
        if text.starts_with('-') {
            return Err(DurationError::Syntax(Invalid::new(format!(
                "`{text}` is not a duration: it is negative"
            ))));
        }
        let nanos = parse_go_nanos(text).map_err(|e| DurationError::Syntax(e.explain(text)))?;
        if nanos < 1_000_000 {
            return Err(DurationError::TooShort(Invalid::new(format!(
                "`{text}` is under 1ms; Istio refuses durations that short"
            ))));
        }
        if nanos % 1_000_000 != 0 {
            return Err(DurationError::TooShort(Invalid::new(format!(
                "`{text}` is not a whole number of milliseconds, which Istio requires"
            ))));
        }
        Self::from_millis(u64::try_from(nanos / 1_000_000).unwrap_or(u64::MAX)).ok_or_else(|| {
            DurationError::Syntax(Invalid::new(format!("`{text}` is longer than 10 years")))
        })
    }

    /// Whether this is a whole number of seconds (CORS `maxAge` needs that).
    pub fn is_whole_seconds(self) -> bool {
        self.0 % 1000 == 0
    }
}

impl fmt::Display for Duration {
    /// Seconds with the fewest decimals (`30s`, `86400s`, `0.25s`): the one form that Go's
    /// `time.ParseDuration`, Istio's CEL `duration()` and protobuf JSON (Envoy) all accept.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (secs, ms) = (self.0 / 1000, self.0 % 1000);
        if ms == 0 {
            write!(f, "{secs}s")
        } else {
            let fraction = format!("{ms:03}");
            write!(f, "{secs}.{}s", fraction.trim_end_matches('0'))
        }
    }
}

impl serde::Serialize for Duration {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// Why Go's `time.ParseDuration` refuses a text; each caller words it for its readers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GoDurationError {
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
    /// meshc's wording, naming the text.
    pub fn explain(&self, text: &str) -> Invalid {
        let why = match self {
            Self::Empty => "it is empty; write a number and a unit, such as `30s`".to_string(),
            Self::NoNumber => "expected a number".to_string(),
            Self::MissingUnit => "a number needs a unit (ns, us, ms, s, m or h)".to_string(),
            Self::UnknownUnit(unit) => format!("unknown unit `{unit}`"),
            Self::TooLong => "it is too long".to_string(),
        };
        Invalid::new(format!("`{text}` is not a duration: {why}"))
    }
}

/// Go's `time.ParseDuration`, sign included: the nanoseconds, with Go's range (an `i64`) and
/// Go's rounding of fractions, so that what Istio reads back is exactly what this returns.
pub fn parse_go_nanos(text: &str) -> Result<i64, GoDurationError> {
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
        let int_len = rest.bytes().take_while(u8::is_ascii_digit).count();
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
            let n = digits.bytes().take_while(u8::is_ascii_digit).count();
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
        let unit_len = after
            .char_indices()
            .find(|(_, c)| c.is_ascii_digit() || *c == '.')
            .map_or(after.len(), |(i, _)| i);
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

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(text: &str) -> u64 {
        Duration::parse(text).unwrap().as_millis()
    }

    #[test]
    fn parses_go_syntax() {
        assert_eq!(ms("30s"), 30_000);
        assert_eq!(ms("1h30m"), 5_400_000);
        assert_eq!(ms("1.5s"), 1_500);
        assert_eq!(ms("250ms"), 250);
        assert_eq!(ms("1000us"), 1);
        assert_eq!(ms("+2m"), 120_000);
        assert_eq!(ms(".5s"), 500);
    }

    #[test]
    fn refuses_what_go_or_istio_refuses() {
        for text in [
            "", "10", "1s ", " 1s", "1d", "-1s", "s", "1.s.", "1e3s", "1sec",
        ] {
            assert!(
                matches!(Duration::parse(text), Err(DurationError::Syntax(_))),
                "{text:?} must be a syntax error"
            );
        }
        for text in ["0", "0s", "500us", "1500us", "0.5ms"] {
            assert!(
                matches!(Duration::parse(text), Err(DurationError::TooShort(_))),
                "{text:?} must be too short"
            );
        }
        assert!(Duration::parse("99999999999999999999h").is_err());
    }

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
    }

    #[test]
    fn displays_as_seconds() {
        let show = |t: &str| Duration::parse(t).unwrap().to_string();
        assert_eq!(show("24h"), "86400s");
        assert_eq!(show("1m30s"), "90s");
        assert_eq!(show("1.25s"), "1.25s");
        assert_eq!(show("250ms"), "0.25s");
        assert_eq!(show("1ms"), "0.001s");
    }
}
