//! HTTP header names and values as the webhook checks them: RFC 7230 tokens, pseudo-headers,
//! JWT-claim route keys, the names a header operation may touch, and Envoy's `%VAR%` value syntax.

use super::go::q;

const PSEUDO_HEADERS: [&str; 5] = [":method", ":scheme", ":authority", ":path", ":status"];

/// An RFC 7230 token: one or more tchars.
pub(super) fn is_token(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// `^[-_A-Za-z0-9]+$`, the strict header names of `outputClaimToHeaders`.
pub(super) fn is_strict_header_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// A JWT-claim route key: `@request.auth.claims.<a>` or `@request.auth.claims[<a>]`.
pub(super) fn is_jwt_claim_route(name: &str) -> bool {
    const PREFIX: &str = "@request.auth.claims";
    if name.len() < PREFIX.len() || !name.is_char_boundary(PREFIX.len()) {
        return false;
    }
    let (head, rest) = name.split_at(PREFIX.len());
    if !head.eq_ignore_ascii_case(PREFIX) {
        return false;
    }
    (rest.starts_with('.') && rest.len() > 1)
        || (rest.starts_with('[') && rest.ends_with(']') && rest.len() > 2)
}

/// `ValidateHTTPHeaderNameOrJwtClaimRoute`: a match key.
pub(super) fn route_header_name_error(name: &str) -> Option<String> {
    if name.is_empty() {
        return Some("header name cannot be empty".to_string());
    }
    if is_jwt_claim_route(name) || PSEUDO_HEADERS.contains(&name) || is_token(name) {
        return None;
    }
    Some(format!("header name {name} is not a valid header name"))
}

fn is_internal(name: &str) -> bool {
    name.starts_with(':') || name.eq_ignore_ascii_case("host")
}

/// `:authority` or `host`, in any case.
pub(super) fn is_authority(name: &str) -> bool {
    name.eq_ignore_ascii_case(":authority") || name.eq_ignore_ascii_case("host")
}

/// `ValidateHTTPHeaderWithAuthorityOperationName`: request `add` and `set`.
pub(super) fn request_set_name_error(name: &str) -> Option<String> {
    if name.is_empty() {
        return Some("header name cannot be empty".to_string());
    }
    (is_internal(name) && !is_authority(name)).then(|| {
        format!(
            "invalid header {}: header cannot have \":\" prefix",
            q(name)
        )
    })
}

/// `ValidateHTTPHeaderOperationName`: request `remove`, response `add`, `set` and `remove`.
pub(super) fn operation_name_error(name: &str) -> Option<String> {
    if name.is_empty() {
        return Some("header name cannot be empty".to_string());
    }
    if name.eq_ignore_ascii_case("host") {
        return Some(format!(
            "invalid header {}: cannot set Host header",
            q(name)
        ));
    }
    is_internal(name).then(|| {
        format!(
            "invalid header {}: header cannot have \":\" prefix",
            q(name)
        )
    })
}

/// `ValidateCORSHTTPHeaderName`: a token or `*`.
pub(super) fn cors_header_error(name: &str) -> Option<String> {
    if name.is_empty() {
        return Some("header name cannot be empty".to_string());
    }
    (name != "*" && !is_token(name))
        .then(|| format!("header name {name} is not a valid header name"))
}

/// Where Envoy's header-value parser is inside a value.
#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    Literal,
    Name,
    ExpectArray,
    ExpectString,
    InString,
    ExpectDelimiter,
    ExpectArgsEnd,
    ExpectEnd,
}

/// `ValidateHTTPHeaderValue`: no control characters, and Envoy's substitution syntax: `%VAR%`,
/// `%VAR(args)%` or `%VAR(["json", "strings"])%`; `%%` is a literal `%`.
pub(super) fn header_value_error(value: &str) -> Option<String> {
    let invalid = |why: &str| {
        Some(format!(
            "header value configuration: invalid header configuration. {why}"
        ))
    };
    if value
        .chars()
        .any(|c| matches!(c, '\u{0}'..='\u{8}' | '\u{a}'..='\u{1f}' | '\u{7f}'))
    {
        return Some(format!("header value configuration {value} is invalid"));
    }
    let chars: Vec<char> = value.chars().collect();
    let mut state = State::Literal;
    let mut pos = 0;
    while pos < chars.len() {
        let c = chars[pos];
        let next = chars.get(pos + 1).copied();
        match state {
            State::Literal => {
                if c == '%' {
                    match next {
                        None => return invalid("Un-escaped %"),
                        Some('%') => pos += 1,
                        Some(_) => state = State::Name,
                    }
                }
            }
            State::Name => match c {
                '%' => state = State::Literal,
                '(' => state = State::ExpectArray,
                _ => {}
            },
            State::ExpectArray => match c {
                '[' => state = State::ExpectString,
                ' ' => {}
                _ => state = State::InString,
            },
            State::ExpectDelimiter => match c {
                ',' => state = State::ExpectString,
                ']' => state = State::ExpectArgsEnd,
                ' ' => {}
                _ => return invalid("Expecting ',', ']', or whitespace"),
            },
            State::ExpectString => match c {
                '"' => state = State::InString,
                ' ' => {}
                _ => return invalid("Expecting '\"'"),
            },
            State::InString => match c {
                '\\' => {
                    if next.is_none() {
                        return invalid("Un-terminated backslash in JSON string");
                    }
                    pos += 1;
                }
                ')' => state = State::ExpectEnd,
                '"' => state = State::ExpectDelimiter,
                _ => {}
            },
            State::ExpectArgsEnd => match c {
                ')' => state = State::ExpectEnd,
                ' ' => {}
                _ => return invalid("Expecting ')' or whitespace after '{}', but found '{}'"),
            },
            State::ExpectEnd => match c {
                '%' => state = State::Literal,
                ' ' => {}
                _ => return invalid("Expecting '%' or whitespace after"),
            },
        }
        pos += 1;
    }
    if state == State::Literal {
        None
    } else {
        invalid(&format!("Un-terminated variable expression '{value}'"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_values_as_istio_tests_them() {
        for (value, valid) in [
            ("foo", true),
            ("%HOSTNAME%", true),
            ("100%%", true),
            ("prefix %HOSTNAME% suffix", true),
            ("%DOWNSTREAM_PEER_CERT_V_END(%b %d %H:%M:%S %Y %Z)%", true),
            ("%DYNAMIC_METADATA(com.test.my_filter)%", true),
            ("%REQ([\"a\", \"b\"])%", true),
            ("%START_TIME%%", false),
            ("abc%123", false),
            ("50%", false),
            ("a\nb", false),
            ("tab\there", true),
            ("%REQ([a])%", false),
        ] {
            assert_eq!(header_value_error(value).is_none(), valid, "{value:?}");
        }
    }

    #[test]
    fn header_names() {
        assert!(route_header_name_error("x-user").is_none());
        assert!(route_header_name_error(":authority").is_none());
        assert!(route_header_name_error("@request.auth.claims.group").is_none());
        assert!(route_header_name_error("@request.auth.claims[a][b]").is_none());
        assert!(route_header_name_error("@request.auth.claims.").is_some());
        assert!(route_header_name_error("x user").is_some());
        assert!(route_header_name_error("").is_some());
        assert!(route_header_name_error(":foo").is_some());
        assert!(request_set_name_error(":authority").is_none());
        assert!(request_set_name_error("Host").is_none());
        assert!(request_set_name_error(":path").is_some());
        assert!(operation_name_error("host").is_some());
        assert!(operation_name_error(":authority").is_some());
        assert!(operation_name_error("x-a").is_none());
        assert!(cors_header_error("*").is_none());
        assert!(cors_header_error("x,y").is_some());
        assert!(is_strict_header_name("x-jwt_claim"));
        assert!(!is_strict_header_name("x.jwt"));
    }
}
