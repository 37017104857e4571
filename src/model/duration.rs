//! `Duration`: a Go-syntax duration that Istio accepts (whole milliseconds, at least 1 ms).

use std::fmt;
use std::num::NonZeroU64;

use super::Invalid;
use crate::istio::vocab::parse_go_nanos;

/// A duration in whole milliseconds, at least 1 ms, written the way Go writes it (`1h`, `90s`,
/// `250ms`) so that istiod, the CRD's CEL rules and `time.ParseDuration` all read it back.
/// Never zero, so that an `Option<Duration>` (a service's timeouts, pools and retries hold a
/// dozen) is eight bytes, not sixteen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Duration(NonZeroU64);

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
        NonZeroU64::new(millis)
            .filter(|millis| millis.get() <= MAX_MILLIS)
            .map(Self)
    }

    /// The duration in milliseconds.
    pub fn as_millis(self) -> u64 {
        self.0.get()
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
        let nanos = parse_go_nanos(text)
            .map_err(|e| DurationError::Syntax(Invalid::new(e.explain(text))))?;
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
        self.as_millis() % 1000 == 0
    }
}

impl fmt::Display for Duration {
    /// Seconds with the fewest decimals (`30s`, `86400s`, `0.25s`): the one form that Go's
    /// `time.ParseDuration`, Istio's CEL `duration()` and protobuf JSON (Envoy) all accept.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (secs, ms) = (self.as_millis() / 1000, self.as_millis() % 1000);
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

    /// CORS `maxAge` takes whole seconds only: a duration with milliseconds left over is not.
    #[test]
    fn whole_seconds_have_no_milliseconds_left_over() {
        let whole = |t: &str| Duration::parse(t).unwrap().is_whole_seconds();
        assert!(whole("2s"));
        assert!(whole("1h30m"));
        assert!(!whole("1.5s"));
        assert!(!whole("250ms"));
        assert!(!whole("1001ms"));
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
