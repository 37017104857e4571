//! The Kubernetes CEL library functions the Istio rules use, with Go's semantics: `duration()`
//! is Go's `time.ParseDuration`, `url()`/`isURL()` are Go's `net/url.ParseRequestURI`,
//! `int(string)` is `strconv.ParseInt(s, 10, 64)`, `substring()` is cel-go's ext strings.

use crate::istio::vocab::{GoDurationError, parse_go_nanos};

/// Go's `time.ParseDuration`: nanoseconds, or Go's error message.
pub fn parse_duration(text: &str) -> Result<i64, String> {
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

/// Go's `net/url.ParseRequestURI`: the lower-cased scheme, or Go's error.
pub(super) fn parse_request_uri(raw: &str) -> Result<String, String> {
    if raw.bytes().any(|b| b < 0x20 || b == 0x7f) {
        return Err("net/url: invalid control character in URL".to_string());
    }
    if raw.is_empty() {
        return Err("empty url".to_string());
    }
    if raw == "*" {
        return Ok(String::new());
    }
    let (scheme, rest) = scheme_of(raw)?;
    let scheme = scheme.to_ascii_lowercase();
    let rest = if rest.ends_with('?') && rest.matches('?').count() == 1 {
        &rest[..rest.len() - 1]
    } else {
        rest.split_once('?').map_or(rest, |(before, _)| before)
    };
    if !rest.starts_with('/') {
        if !scheme.is_empty() {
            return Ok(scheme);
        }
        return Err("invalid URI for request".to_string());
    }
    let mut path = rest;
    if !scheme.is_empty()
        && let Some(after) = rest.strip_prefix("//")
    {
        let (authority, remainder) = match after.find('/') {
            Some(at) => (&after[..at], &after[at..]),
            None => (after, ""),
        };
        authority_ok(authority)?;
        path = remainder;
    }
    unescape(path, Mode::Path)?;
    Ok(scheme)
}

fn scheme_of(raw: &str) -> Result<(&str, &str), String> {
    for (i, c) in raw.bytes().enumerate() {
        match c {
            b'a'..=b'z' | b'A'..=b'Z' => {}
            b'0'..=b'9' | b'+' | b'-' | b'.' => {
                if i == 0 {
                    return Ok(("", raw));
                }
            }
            b':' => {
                if i == 0 {
                    return Err("missing protocol scheme".to_string());
                }
                return Ok((&raw[..i], &raw[i + 1..]));
            }
            _ => return Ok(("", raw)),
        }
    }
    Ok(("", raw))
}

fn authority_ok(authority: &str) -> Result<(), String> {
    let (userinfo, host) = match authority.rfind('@') {
        Some(at) => (Some(&authority[..at]), &authority[at + 1..]),
        None => (None, authority),
    };
    host_ok(host)?;
    if let Some(userinfo) = userinfo {
        let valid = userinfo
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || b"-._:~!$&'()*+,;=%@".contains(&c));
        if !valid {
            return Err("net/url: invalid userinfo".to_string());
        }
        unescape(userinfo, Mode::Path)?;
    }
    Ok(())
}

fn host_ok(host: &str) -> Result<(), String> {
    let port_ok = |port: &str| {
        port.is_empty() || (port.starts_with(':') && port[1..].bytes().all(|b| b.is_ascii_digit()))
    };
    if host.starts_with('[') {
        let Some(close) = host.rfind(']') else {
            return Err("missing ']' in host".to_string());
        };
        let port = &host[close + 1..];
        if !port_ok(port) {
            return Err(format!("invalid port {} after host", go_quote(port)));
        }
        if let Some(zone) = host[..close].find("%25") {
            unescape(&host[..zone], Mode::Host)?;
            unescape(&host[zone..close], Mode::Zone)?;
            unescape(&host[close..], Mode::Host)?;
            return Ok(());
        }
    } else if let Some(colon) = host.rfind(':') {
        let port = &host[colon..];
        if !port_ok(port) {
            return Err(format!("invalid port {} after host", go_quote(port)));
        }
    }
    unescape(host, Mode::Host)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Path,
    Host,
    Zone,
}

/// Go's `shouldEscape(c, encodeHost)`.
fn escaped_in_host(c: u8) -> bool {
    !(c.is_ascii_alphanumeric() || b"!$&'()*+,;=:[]<>\"-_.~".contains(&c))
}

/// The checks of Go's `net/url.unescape`.
fn unescape(s: &str, mode: Mode) -> Result<(), String> {
    let bytes = s.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let escape = &s[i..s.len().min(i + 3)];
            let hex = |at: usize| bytes.get(at).is_some_and(u8::is_ascii_hexdigit);
            if i + 2 >= bytes.len() || !hex(i + 1) || !hex(i + 2) {
                return Err(format!("invalid URL escape {}", go_quote(escape)));
            }
            let high = (bytes[i + 1] as char).to_digit(16).unwrap_or(0);
            let low = (bytes[i + 2] as char).to_digit(16).unwrap_or(0);
            let value = u8::try_from(high * 16 + low).unwrap_or(0);
            if escape != "%25"
                && ((mode == Mode::Host && high < 8)
                    || (mode == Mode::Zone && value != b' ' && escaped_in_host(value)))
            {
                return Err(format!("invalid URL escape {}", go_quote(escape)));
            }
            i += 3;
            continue;
        }
        if mode != Mode::Path && bytes[i] < 0x80 && escaped_in_host(bytes[i]) {
            return Err(format!(
                "invalid character {} in host name",
                go_quote(&s[i..=i])
            ));
        }
        i += 1;
    }
    Ok(())
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
