//! CEL expressions for Telemetry: string literals that escape every profile value, so that no
//! header name, default or path can change an expression's meaning.

use std::fmt::Write;

use crate::model::{HeaderName, HttpPath};

/// A single-quoted CEL string literal holding exactly `text`.
pub(super) fn string(text: &str) -> String {
    let mut literal = String::with_capacity(text.len() + 2);
    literal.push('\'');
    for c in text.chars() {
        match c {
            '\\' => literal.push_str("\\\\"),
            '\'' => literal.push_str("\\'"),
            '"' => literal.push_str("\\\""),
            '\n' => literal.push_str("\\n"),
            '\r' => literal.push_str("\\r"),
            '\t' => literal.push_str("\\t"),
            c if c.is_control() || u32::from(c) > 0x7e => {
                let _ = write!(literal, "\\U{:08x}", u32::from(c));
            }
            c => literal.push(c),
        }
    }
    literal.push('\'');
    literal
}

/// The header's value, or `default` when the request has no such header. Header maps are keyed
/// by lower-case name, and indexing a missing key is an error, hence the guard.
pub(super) fn header_or(header: &HeaderName, default: &str) -> String {
    let name = string(header.as_str());
    format!(
        "{name} in request.headers ? request.headers[{name}] : {}",
        string(default)
    )
}

/// The response header's value, or `default` when there is no response or no such header.
pub(super) fn response_header_or(header: &HeaderName, default: &str) -> String {
    let name = string(header.as_str());
    format!(
        "has(response.headers) && {name} in response.headers ? response.headers[{name}] : {}",
        string(default)
    )
}

/// The status class (`2xx` … `5xx`, `1xx` below), or `none` when nothing answered.
pub(super) fn status_class() -> String {
    "has(response.code) ? (response.code >= 500 ? '5xx' : (response.code >= 400 ? '4xx' : \
     (response.code >= 300 ? '3xx' : (response.code >= 200 ? '2xx' : '1xx')))) : 'none'"
        .to_string()
}

/// `slow` when the request took longer than `limit` (a Go duration, such as `500ms`), else
/// `fast`.
pub(super) fn slower_than(limit: &str) -> String {
    format!(
        "request.duration > duration({}) ? 'slow' : 'fast'",
        string(limit)
    )
}

/// Whether the request path is `prefix` or lies under it (whole segments).
pub(super) fn path_under(prefix: &HttpPath) -> String {
    if prefix.as_str() == "/" {
        return "true".to_string();
    }
    if prefix.ends_with_slash() {
        return format!("request.url_path.startsWith({})", string(prefix.as_str()));
    }
    format!(
        "(request.url_path == {} || request.url_path.startsWith({}))",
        string(prefix.as_str()),
        string(&format!("{prefix}/"))
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_escape_quotes_backslashes_and_controls() {
        assert_eq!(string("plain"), "'plain'");
        assert_eq!(string("it's"), r"'it\'s'");
        assert_eq!(string(r"a\b"), r"'a\\b'");
        assert_eq!(string("x' || true || '"), r"'x\' || true || \''");
        assert_eq!(string("a\nb"), r"'a\nb'");
        assert_eq!(string("é"), r"'\U000000e9'");
    }

    #[test]
    fn header_lookups_are_guarded() {
        let header = HeaderName::parse("x-tenant-id").unwrap();
        assert_eq!(
            header_or(&header, "unknown"),
            "'x-tenant-id' in request.headers ? request.headers['x-tenant-id'] : 'unknown'"
        );
        let odd = HeaderName::parse("x-it's").unwrap();
        assert!(header_or(&odd, "d").starts_with(r"'x-it\'s' in request.headers"));
    }

    #[test]
    fn paths_match_whole_segments() {
        let path = HttpPath::parse("/v1/intent").unwrap();
        assert_eq!(
            path_under(&path),
            "(request.url_path == '/v1/intent' || request.url_path.startsWith('/v1/intent/'))"
        );
    }
}
