//! Istio's checks of the regexes it compiles (`validateStringRegexp`, `validateStringMatch` in
//! `pkg/config/validation/validation.go`): at most 1024 bytes, then Go's `regexp.Compile`, whose
//! acceptance `vocab::re2` ports.

use super::decode::{Msg, Report};
use super::go::q;
use crate::istio::vocab::re2::{self, MAX_LENGTH};

/// Go's `regexp.Compile` error for `pattern` (`error parsing regexp: ...`), or `None`.
pub(super) fn compile_error(pattern: &str) -> Option<String> {
    re2::parse(pattern).err().map(|error| error.to_string())
}

/// `validateStringRegexp`: a regex Go compiles, at most 1024 bytes.
pub(super) fn regex_error(pattern: &str, what: &str) -> Option<String> {
    if pattern.len() > MAX_LENGTH {
        return Some(format!(
            "{}: regex is too large, max length allowed is {MAX_LENGTH}",
            q(what)
        ));
    }
    compile_error(pattern).map(|error| {
        format!(
            "{}: {error}; Istio uses RE2 style regex-based match \
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_read_as_istiod_writes_them() {
        assert_eq!(compile_error("^/api/v[0-9]+/.*$"), None);
        assert_eq!(
            compile_error("a**").as_deref(),
            Some("error parsing regexp: invalid nested repetition operator: `**`")
        );
        assert_eq!(
            regex_error("a**", "uri").as_deref(),
            Some(
                "\"uri\": error parsing regexp: invalid nested repetition operator: `**`; Istio \
                 uses RE2 style regex-based match (https://github.com/google/re2/wiki/Syntax)"
            )
        );
        assert_eq!(regex_error("(?<name>a)", "uri"), None);
    }

    #[test]
    fn long_regexes_are_refused_by_their_bytes() {
        assert!(regex_error(&"a".repeat(1025), "uri").is_some());
        assert!(regex_error(&"a".repeat(1024), "uri").is_none());
        assert!(regex_error(&"é".repeat(513), "uri").is_some());
        assert!(regex_error(&"é".repeat(512), "uri").is_none());
        assert_eq!(
            regex_error(&"a".repeat(1025), "uri").as_deref(),
            Some("\"uri\": regex is too large, max length allowed is 1024")
        );
    }
}
