//! The Kubernetes CEL library functions the Istio rules use, with Go's semantics: `duration()`
//! is Go's `time.ParseDuration`, `url()`/`isURL()` are Go's `net/url.ParseRequestURI`,
//! `int(string)` is `strconv.ParseInt(s, 10, 64)`, `substring()` is cel-go's ext strings.

use crate::istio::vocab::{GoDurationError, parse_go_nanos, url};

/// Go's `time.ParseDuration`: nanoseconds, or Go's error message.
pub(crate) fn parse_duration(text: &str) -> Result<i64, String> {
    parse_go_nanos(text).map_err(|error| match error {
        GoDurationError::MissingUnit => {
            format!("time: missing unit in duration {}", go_quote(text))
        }
        GoDurationError::UnknownUnit(unit) => format!(
            "time: unknown unit {} in duration {}",
            go_quote(&unit),
            go_quote(text)
        ),
        GoDurationError::Empty | GoDurationError::NoNumber | GoDurationError::TooLong => {
            format!("time: invalid duration {}", go_quote(text))
        }
    })
}

/// Go's `%q` for the ASCII strings these messages hold.
fn go_quote(text: &str) -> String {
    serde_json::Value::from(text).to_string()
}

/// `strconv.ParseInt(s, 10, 64)` as cel-go's `int(string)` calls it.
pub(super) fn parse_int(text: &str) -> Result<i64, String> {
    let body = text.strip_prefix(['+', '-']).unwrap_or(text);
    let syntax = || {
        format!(
            "strconv.ParseInt: parsing {}: invalid syntax",
            go_quote(text)
        )
    };
    if body.is_empty() || !body.bytes().all(|b| b.is_ascii_digit()) {
        return Err(syntax());
    }
    text.parse::<i64>().map_err(|_| {
        format!(
            "strconv.ParseInt: parsing {}: value out of range",
            go_quote(text)
        )
    })
}

/// cel-go's `substring(start[, end])`, indices in code points.
pub(super) fn substring(text: &str, start: i64, end: Option<i64>) -> Result<String, String> {
    let chars: Vec<char> = text.chars().collect();
    let len = i64::try_from(chars.len()).unwrap_or(i64::MAX);
    let end = end.unwrap_or(len);
    if start > end {
        return Err(format!(
            "invalid substring range. start: {start}, end: {end}"
        ));
    }
    for index in [start, end] {
        if index < 0 || index > len {
            return Err(format!("index out of range: {index}"));
        }
    }
    let (start, end) = (
        usize::try_from(start).unwrap_or(0),
        usize::try_from(end).unwrap_or(0),
    );
    Ok(chars[start..end].iter().collect())
}

/// Go's `net/url.ParseRequestURI`: the lower-cased scheme, or Go's error (`parse "…": …`, as
/// the library's `%v` prints it).
pub(super) fn parse_request_uri(raw: &str) -> Result<String, String> {
    url::parse_request_uri(raw)
        .map(|url| url.scheme)
        .map_err(|error| error.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_like_go() {
        let ok: &[(&str, i64)] = &[
            ("0", 0),
            ("5s", 5_000_000_000),
            ("1.5s", 1_500_000_000),
            ("1h30m", 5_400_000_000_000),
            ("100ms", 100_000_000),
            ("-1.5h", -5_400_000_000_000),
            ("1\u{b5}s", 1_000),
            (".5s", 500_000_000),
            ("9223372036854775807ns", i64::MAX),
            ("-9223372036854775808ns", i64::MIN),
        ];
        for (text, nanos) in ok {
            assert_eq!(parse_duration(text), Ok(*nanos), "{text}");
        }
        for text in [
            "10",
            "1s ",
            "",
            "-",
            ".s",
            "1x",
            "9223372036854775808ns",
            "1e3s",
            "+",
        ] {
            assert!(parse_duration(text).is_err(), "{text}");
        }
        assert_eq!(
            parse_duration("10").unwrap_err(),
            "time: missing unit in duration \"10\""
        );
    }

    #[test]
    fn ints_parse_like_strconv() {
        assert_eq!(parse_int("+8080"), Ok(8080));
        assert!(parse_int("80a").is_err());
        assert!(parse_int("").is_err());
        assert!(parse_int("99999999999999999999").is_err());
    }

    #[test]
    fn request_uris_parse_like_go() {
        for (raw, scheme) in [
            ("https://auth.example.com/.well-known/jwks.json", "https"),
            ("HTTP://x/y", "http"),
            ("mailto:a@b", "mailto"),
            ("/just/a/path", ""),
            ("oci://registry/image:tag", "oci"),
            ("http://[::1]:80/", "http"),
        ] {
            assert_eq!(parse_request_uri(raw).as_deref(), Ok(scheme), "{raw}");
        }
        for raw in [
            "",
            "a b",
            "relative",
            "http://x:abc/",
            "http://a b/",
            "http://x/%zz",
            ":x",
        ] {
            assert!(parse_request_uri(raw).is_err(), "{raw}");
        }
    }

    #[test]
    fn substring_counts_code_points() {
        assert_eq!(substring("unix:///x", 7, Some(8)).as_deref(), Ok("/"));
        assert_eq!(substring("héllo", 1, Some(2)).as_deref(), Ok("é"));
        assert!(substring("abc", 2, Some(1)).is_err());
        assert!(substring("abc", 0, Some(4)).is_err());
    }
}
