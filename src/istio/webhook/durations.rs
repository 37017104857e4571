//! Durations as the webhook checks them (`agent.ValidateDuration`): Go syntax, at least 1 ms, whole
//! milliseconds.

use crate::istio::vocab::parse_go_nanos;

use super::decode::{Msg, Report};

/// One millisecond in nanoseconds.
pub(super) const MS: i64 = 1_000_000;

/// The nanoseconds of duration field `key`, or `None` when it is unset or does not parse (the
/// schema's CEL rule reports that).
pub(super) fn nanos(msg: &Msg<'_>, key: &str) -> Option<i64> {
    if !msg.has(key) {
        return None;
    }
    parse_go_nanos(msg.str(key)).ok()
}

/// Why a duration of `nanos` is refused: under 1 ms, or not whole milliseconds.
pub(super) fn duration_error(nanos: i64) -> Option<&'static str> {
    if nanos < MS {
        Some("duration must be greater than 1ms")
    } else if nanos % MS != 0 {
        Some("only durations to ms precision are supported")
    } else {
        None
    }
}

/// `agent.ValidateDuration` on field `key`, when set.
pub(super) fn check_duration(r: Report<'_>, msg: &Msg<'_>, key: &str) {
    if let Some(message) = nanos(msg, key).and_then(duration_error) {
        r.error(&msg.at(key), message);
    }
}

/// A duration field with no CRD rule: a value Go cannot parse makes the webhook fail to decode
/// the whole object.
pub(super) fn check_decodable(r: Report<'_>, msg: &Msg<'_>, key: &str) {
    if msg.has(key) {
        let text = msg.str(key);
        if let Err(why) = parse_go_nanos(text) {
            r.error(
                &msg.at(key),
                format!(
                    "cannot decode the object: bad Duration: {}",
                    why.explain(text)
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_milliseconds_of_at_least_one() {
        assert!(duration_error(MS).is_none());
        assert!(duration_error(1500 * MS).is_none());
        assert!(duration_error(0).is_some());
        assert!(duration_error(-5 * MS).is_some());
        assert!(duration_error(1_500_000).is_some());
        assert!(duration_error(999_999).is_some());
    }
}
