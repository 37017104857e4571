//! URLs as Go's `net/url` parses them (go1.26): `Parse` and `ParseRequestURI`, which istiod
//! (RequestAuthentication `jwksUri`, through `security.ParseJwksURI`) and the Kubernetes CEL
//! library (`url()`, `isURL()`) run.
//!
//! Ported from `src/net/url/url.go`: `parse`, `getScheme`, `parseAuthority`, `parseHost`,
//! `validOptionalPort`, `validUserinfo`, `unescape` and `shouldEscape` for the modes a parse
//! uses (`encodePath`, `encodeHost`, `encodeZone`, `encodeUserPassword`, `encodeFragment`),
//! `stringContainsCTLByte`, `Hostname`/`Port` (`splitHostPort`), and the error texts
//! (`*url.Error`, `EscapeError`, `InvalidHostError`). Go 1.26 changed `parseHost`: a bracketed
//! host must be an IPv6 address (`netip.ParseAddr`, `netip.rs`; an IPv4 one is an "invalid
//! IP-literal", as is a `[` after the first byte; CVE-2025-47912), and an `http` or `https` host
//! may hold one colon only (`urlstrictcolons=1`, the default since go1.26; go.dev/issue/75223
//! and go.dev/issue/78077). These were read from go1.26's `url.go`, the 1.26 release notes and
//! its `godebug` table; the tests cite the cases each one changes.
//!
//! Go strings are bytes: what `%ff` unescapes to is not UTF-8. Parsing works on bytes, and the
//! typed [`Url`] holds the unescaped parts as strings with such bytes replaced by U+FFFD.

mod netip;
mod quote;
#[cfg(test)]
mod tests;

use std::fmt;

pub(crate) use netip::AddrError;
pub(crate) use quote::quote;

/// A URL as Go's `url.URL` holds it: `scheme:opaque` or `scheme://userinfo@host/path`, with a
/// query and a fragment.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Url {
    /// The scheme, lower-cased.
    pub scheme: String,
    /// What follows `scheme:` when it does not start with `/`, as written.
    pub opaque: String,
    /// The user information before `@`, unescaped.
    pub user: Option<Userinfo>,
    /// `host` or `host:port`, unescaped (`[::1]:80` for an IPv6 address).
    pub host: String,
    /// The path, unescaped.
    pub path: String,
    /// The query, as written, without `?`.
    pub raw_query: String,
    /// The fragment, unescaped, without `#`.
    pub fragment: String,
    /// Whether the URL ends in a lone `?`.
    pub force_query: bool,
    /// Whether a scheme is followed by a path and no authority (`file:/x`).
    pub omit_host: bool,
}

/// `url.Userinfo`: a user name and, after `:`, a password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Userinfo {
    /// The user name.
    pub username: String,
    /// The password, when there is a `:`.
    pub password: Option<String>,
}

impl Url {
    /// `URL.Hostname`: the host without its port and brackets.
    pub(crate) fn hostname(&self) -> &str {
        split_host_port(&self.host).0
    }

    /// `URL.Port`: the digits after the host's last `:`, or empty.
    pub(crate) fn port(&self) -> &str {
        split_host_port(&self.host).1
    }
}

/// `splitHostPort`.
fn split_host_port(host_port: &str) -> (&str, &str) {
    let mut host = host_port;
    let mut port = "";
    if let Some(colon) = host.rfind(':')
        && valid_optional_port(&host.as_bytes()[colon..])
    {
        (host, port) = (&host_port[..colon], &host_port[colon + 1..]);
    }
    if let Some(inner) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        host = inner;
    }
    (host, port)
}

/// `Parse`: a URL, absolute or relative, with an optional `#fragment`.
pub(crate) fn parse(raw: &str) -> Result<Url, UrlError> {
    let (without_fragment, fragment) = raw.split_once('#').unwrap_or((raw, ""));
    let mut url = parse_bytes(without_fragment.as_bytes(), false).map_err(|kind| UrlError {
        url: without_fragment.to_string(),
        kind,
    })?;
    if !fragment.is_empty() {
        let unescaped = unescape(fragment.as_bytes(), Mode::Fragment).map_err(|kind| UrlError {
            url: raw.to_string(),
            kind,
        })?;
        url.fragment = text(unescaped);
    }
    Ok(url)
}

/// `ParseRequestURI`: an absolute URL or an absolute path, as an HTTP request carries it.
pub(crate) fn parse_request_uri(raw: &str) -> Result<Url, UrlError> {
    parse_bytes(raw.as_bytes(), true).map_err(|kind| UrlError {
        url: raw.to_string(),
        kind,
    })
}

/// Go's `*url.Error` from a parse: the URL and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct UrlError {
    /// The URL given (without its fragment when the rest is what failed).
    pub url: String,
    /// What is wrong.
    pub kind: ParseError,
}

impl fmt::Display for UrlError {
    /// `parse "URL": what is wrong`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "parse {}: {}", quote(self.url.as_bytes()), self.kind)
    }
}

impl std::error::Error for UrlError {}

/// What Go's URL parser can find wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ParseError {
    /// A byte below 0x20, or 0x7F.
    ControlCharacter,
    /// An empty request URI.
    EmptyUrl,
    /// A `:` first.
    MissingScheme,
    /// A request URI that is neither absolute nor an absolute path.
    InvalidRequestUri,
    /// A relative path whose first segment holds a `:` (it would read as a scheme).
    ColonInFirstSegment,
    /// A `[` not at the start of the host, or an IPv4 address in brackets.
    InvalidIpLiteral,
    /// A `[` without its `]`.
    MissingBracket,
    /// Something other than `:digits` after the host.
    InvalidPort(Vec<u8>),
    /// Brackets around something that is not an IPv6 address.
    InvalidHost(AddrError),
    /// User information with a character it may not hold.
    InvalidUserinfo,
    /// A `%` not followed by two hex digits, or an escape a host or zone may not hold.
    Escape(Vec<u8>),
    /// A character a host may not hold.
    HostCharacter(Vec<u8>),
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ControlCharacter => f.write_str("net/url: invalid control character in URL"),
            Self::EmptyUrl => f.write_str("empty url"),
            Self::MissingScheme => f.write_str("missing protocol scheme"),
            Self::InvalidRequestUri => f.write_str("invalid URI for request"),
            Self::ColonInFirstSegment => {
                f.write_str("first path segment in URL cannot contain colon")
            }
            Self::InvalidIpLiteral => f.write_str("invalid IP-literal"),
            Self::MissingBracket => f.write_str("missing ']' in host"),
            Self::InvalidPort(port) => write!(f, "invalid port {} after host", quote(port)),
            Self::InvalidHost(error) => write!(f, "invalid host: {error}"),
            Self::InvalidUserinfo => f.write_str("net/url: invalid userinfo"),
            Self::Escape(escape) => write!(f, "invalid URL escape {}", quote(escape)),
            Self::HostCharacter(c) => write!(f, "invalid character {} in host name", quote(c)),
        }
    }
}

/// The part of a URL being unescaped (Go's `encoding` modes a parse uses).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Path,
    Host,
    Zone,
    UserPassword,
    Fragment,
}

/// Bytes as a string, with what is not UTF-8 replaced.
fn text(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// `parse`.
fn parse_bytes(raw: &[u8], via_request: bool) -> Result<Url, ParseError> {
    if raw.iter().any(|&b| b < 0x20 || b == 0x7F) {
        return Err(ParseError::ControlCharacter);
    }
    if raw.is_empty() && via_request {
        return Err(ParseError::EmptyUrl);
    }
    let mut url = Url::default();
    if raw == b"*" {
        url.path = "*".to_string();
        return Ok(url);
    }
    let (scheme, mut rest) = scheme(raw)?;
    url.scheme = text(scheme.to_ascii_lowercase());
    // A lone `?` at the end forces an empty query; otherwise the first `?` starts it.
    let question = rest.iter().position(|&b| b == b'?');
    if question.is_some() && question == rest.len().checked_sub(1) {
        url.force_query = true;
        rest = &rest[..rest.len() - 1];
    } else if let Some(at) = question {
        url.raw_query = text(rest[at + 1..].to_vec());
        rest = &rest[..at];
    }
    if !rest.starts_with(b"/") {
        if !url.scheme.is_empty() {
            url.opaque = text(rest.to_vec());
            return Ok(url);
        }
        if via_request {
            return Err(ParseError::InvalidRequestUri);
        }
        let segment = rest.split(|&b| b == b'/').next().unwrap_or_default();
        if segment.contains(&b':') {
            return Err(ParseError::ColonInFirstSegment);
        }
    }
    let authority_follows = !url.scheme.is_empty() || (!via_request && !rest.starts_with(b"///"));
    if authority_follows && rest.starts_with(b"//") {
        let after = &rest[2..];
        let end = after.iter().position(|&b| b == b'/').unwrap_or(after.len());
        let (user, host) = authority(&url.scheme, &after[..end])?;
        url.user = user;
        url.host = text(host);
        rest = &after[end..];
    } else if !url.scheme.is_empty() && rest.starts_with(b"/") {
        url.omit_host = true;
    }
    url.path = text(unescape(rest, Mode::Path)?);
    Ok(url)
}

/// `getScheme`: the scheme and the rest, or no scheme and all of it.
fn scheme(raw: &[u8]) -> Result<(&[u8], &[u8]), ParseError> {
    for (i, &c) in raw.iter().enumerate() {
        match c {
            b'a'..=b'z' | b'A'..=b'Z' => {}
            b'0'..=b'9' | b'+' | b'-' | b'.' if i > 0 => {}
            b':' if i == 0 => return Err(ParseError::MissingScheme),
            b':' => return Ok((&raw[..i], &raw[i + 1..])),
            _ => return Ok((b"", raw)),
        }
    }
    Ok((b"", raw))
}

/// `parseAuthority`: the user information and the host.
fn authority(scheme: &str, authority: &[u8]) -> Result<(Option<Userinfo>, Vec<u8>), ParseError> {
    let at = authority.iter().rposition(|&b| b == b'@');
    let host = host(scheme, at.map_or(authority, |at| &authority[at + 1..]))?;
    let Some(at) = at else {
        return Ok((None, host));
    };
    let userinfo = &authority[..at];
    if !valid_userinfo(userinfo) {
        return Err(ParseError::InvalidUserinfo);
    }
    let (username, password) = match userinfo.iter().position(|&b| b == b':') {
        Some(colon) => (&userinfo[..colon], Some(&userinfo[colon + 1..])),
        None => (userinfo, None),
    };
    let username = text(unescape(username, Mode::UserPassword)?);
    let password = match password {
        Some(password) => Some(text(unescape(password, Mode::UserPassword)?)),
        None => None,
    };
    Ok((Some(Userinfo { username, password }), host))
}

/// `parseHost`.
fn host(scheme: &str, host: &[u8]) -> Result<Vec<u8>, ParseError> {
    if let Some(open) = host.iter().rposition(|&b| b == b'[') {
        if open > 0 {
            return Err(ParseError::InvalidIpLiteral);
        }
        let close = host
            .iter()
            .rposition(|&b| b == b']')
            .ok_or(ParseError::MissingBracket)?;
        let colon_port = &host[close + 1..];
        if !valid_optional_port(colon_port) {
            return Err(ParseError::InvalidPort(colon_port.to_vec()));
        }
        let hostname = &host[1..close];
        let mut unescaped = match find(hostname, b"%25") {
            Some(zone) => {
                let mut address = unescape(&hostname[..zone], Mode::Host)?;
                address.extend(unescape(&hostname[zone..], Mode::Zone)?);
                address
            }
            None => unescape(hostname, Mode::Host)?,
        };
        if netip::parse_addr(&unescaped).map_err(ParseError::InvalidHost)? == netip::Addr::V4 {
            return Err(ParseError::InvalidIpLiteral);
        }
        unescaped.insert(0, b'[');
        unescaped.push(b']');
        unescaped.extend_from_slice(colon_port);
        return Ok(unescaped);
    }
    if let Some(first) = host.iter().position(|&b| b == b':') {
        let last = host.iter().rposition(|&b| b == b':').unwrap_or(first);
        let strict = scheme == "http" || scheme == "https";
        let colon = if strict { first } else { last };
        let colon_port = &host[colon..];
        if !valid_optional_port(colon_port) {
            return Err(ParseError::InvalidPort(colon_port.to_vec()));
        }
    }
    unescape(host, Mode::Host)
}

/// The first position of `needle` in `haystack`.
fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// `validOptionalPort`: empty, or `:` and digits.
fn valid_optional_port(port: &[u8]) -> bool {
    match port.split_first() {
        None => true,
        Some((b':', digits)) => digits.iter().all(u8::is_ascii_digit),
        Some(_) => false,
    }
}

/// `validUserinfo`: RFC 3986's unreserved and sub-delims, `:`, `%`, and `@`.
fn valid_userinfo(userinfo: &[u8]) -> bool {
    userinfo
        .iter()
        .all(|&c| c.is_ascii_alphanumeric() || b"-._:~!$&'()*+,;=%@".contains(&c))
}

/// `shouldEscape(c, encodeHost)` (and `encodeZone`, the same): whether a host must not hold
/// the byte as it is.
fn escaped_in_host(c: u8) -> bool {
    !(c.is_ascii_alphanumeric() || b"-_.~!$&'()*+,;=:[]<>\"".contains(&c))
}

/// `unescape`: the bytes `%XX` escapes stand for, or Go's error.
fn unescape(s: &[u8], mode: Mode) -> Result<Vec<u8>, ParseError> {
    let hex = |b: u8| char::from(b).to_digit(16);
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        let c = s[i];
        if c == b'%' {
            let (Some(high), Some(low)) = (
                s.get(i + 1).copied().and_then(hex),
                s.get(i + 2).copied().and_then(hex),
            ) else {
                return Err(ParseError::Escape(s[i..s.len().min(i + 3)].to_vec()));
            };
            let escape = &s[i..i + 3];
            // A host may only escape non-ASCII bytes (and `%25`, which starts a zone); a zone
            // only what a host could hold as it is, or a space.
            let value = u8::try_from(high * 16 + low).unwrap_or(0);
            let refused = escape != b"%25"
                && match mode {
                    Mode::Host => high < 8,
                    Mode::Zone => value != b' ' && escaped_in_host(value),
                    Mode::Path | Mode::UserPassword | Mode::Fragment => false,
                };
            if refused {
                return Err(ParseError::Escape(escape.to_vec()));
            }
            out.push(value);
            i += 3;
            continue;
        }
        if matches!(mode, Mode::Host | Mode::Zone) && c < 0x80 && escaped_in_host(c) {
            return Err(ParseError::HostCharacter(vec![c]));
        }
        out.push(c);
        i += 1;
    }
    Ok(out)
}
