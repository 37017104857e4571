//! Go's `net/netip.ParseAddr`, which `net/url` (go1.26) runs on a bracketed host: whether the
//! text is an IPv4 address, an IPv6 address (with an optional zone and an embedded IPv4 tail),
//! or neither, with Go's messages (`parseIPv4Fields`, `parseIPv6`, `parseAddrError` in
//! `src/net/netip/netip.go`, go1.22 and later: octets with leading zeros are refused).

use std::fmt;

use super::quote::quote;

/// What a parsed address is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Addr {
    V4,
    V6,
}

/// `parseAddrError`: the input, what is wrong, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AddrError {
    input: Vec<u8>,
    message: &'static str,
    at: Vec<u8>,
}

impl fmt::Display for AddrError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ParseAddr({}): {}", quote(&self.input), self.message)?;
        if !self.at.is_empty() {
            write!(f, " (at {})", quote(&self.at))?;
        }
        Ok(())
    }
}

fn fail<T>(input: &[u8], message: &'static str, at: &[u8]) -> Result<T, AddrError> {
    Err(AddrError {
        input: input.to_vec(),
        message,
        at: at.to_vec(),
    })
}

/// `ParseAddr`.
pub(super) fn parse_addr(s: &[u8]) -> Result<Addr, AddrError> {
    for &b in s {
        match b {
            b'.' => return parse_ipv4_fields(s, 0, s.len()).map(|()| Addr::V4),
            b':' => return parse_ipv6(s).map(|()| Addr::V6),
            b'%' => return fail(s, "missing IPv6 address", b""),
            _ => {}
        }
    }
    fail(s, "unable to parse IP", b"")
}

/// `parseIPv4Fields`: `input[off..end]` as four decimal octets; errors name all of `input`.
fn parse_ipv4_fields(input: &[u8], off: usize, end: usize) -> Result<(), AddrError> {
    let s = &input[off..end];
    let (mut value, mut position, mut digits) = (0u32, 0, 0);
    for (i, &b) in s.iter().enumerate() {
        if b.is_ascii_digit() {
            if digits == 1 && value == 0 {
                return fail(input, "IPv4 field has octet with leading zero", b"");
            }
            value = value * 10 + u32::from(b - b'0');
            digits += 1;
            if value > 255 {
                return fail(input, "IPv4 field has value >255", b"");
            }
        } else if b == b'.' {
            if i == 0 || i == s.len() - 1 || s[i - 1] == b'.' {
                return fail(input, "IPv4 field must have at least one digit", &s[i..]);
            }
            if position == 3 {
                return fail(input, "IPv4 address too long", b"");
            }
            position += 1;
            value = 0;
            digits = 0;
        } else {
            return fail(input, "unexpected character", &s[i..]);
        }
    }
    if position < 3 {
        return fail(input, "IPv4 address too short", b"");
    }
    Ok(())
}

/// `parseIPv6`.
fn parse_ipv6(input: &[u8]) -> Result<(), AddrError> {
    let mut s = input;
    let mut zone_len = 0;
    if let Some(at) = s.iter().position(|&b| b == b'%') {
        zone_len = s.len() - at - 1;
        if zone_len == 0 {
            return fail(input, "zone must be a non-empty string", b"");
        }
        s = &s[..at];
    }
    let mut ellipsis: Option<usize> = None;
    if s.starts_with(b"::") {
        ellipsis = Some(0);
        s = &s[2..];
        if s.is_empty() {
            return Ok(());
        }
    }
    let mut i = 0;
    while i < 16 {
        let mut off = 0;
        let mut acc: u32 = 0;
        while off < s.len() {
            let Some(digit) = char::from(s[off]).to_digit(16) else {
                break;
            };
            acc = (acc << 4) + digit;
            if off > 3 {
                return fail(input, "each group must have 4 or less digits", s);
            }
            if acc > 0xFFFF {
                return fail(input, "IPv6 field has value >=2^16", s);
            }
            off += 1;
        }
        if off == 0 {
            return fail(
                input,
                "each colon-separated field must have at least one digit",
                s,
            );
        }
        if s.get(off) == Some(&b'.') {
            if ellipsis.is_none() && i != 12 {
                return fail(
                    input,
                    "embedded IPv4 address must replace the final 2 fields of the address",
                    s,
                );
            }
            if i + 4 > 16 {
                return fail(
                    input,
                    "too many hex fields to fit an embedded IPv4 at the end of the address",
                    s,
                );
            }
            let end = input.len() - if zone_len > 0 { zone_len + 1 } else { 0 };
            parse_ipv4_fields(input, end - s.len(), end)?;
            s = b"";
            i += 4;
            break;
        }
        i += 2;
        s = &s[off..];
        if s.is_empty() {
            break;
        }
        if s[0] != b':' {
            return fail(input, "unexpected character, want colon", s);
        } else if s.len() == 1 {
            return fail(input, "colon must be followed by more characters", s);
        }
        s = &s[1..];
        if s[0] == b':' {
            if ellipsis.is_some() {
                return fail(input, "multiple :: in address", s);
            }
            ellipsis = Some(i);
            s = &s[1..];
            if s.is_empty() {
                break;
            }
        }
    }
    if !s.is_empty() {
        return fail(input, "trailing garbage after address", s);
    }
    if i < 16 && ellipsis.is_none() {
        return fail(input, "address string too short", b"");
    }
    if i == 16 && ellipsis.is_some() {
        return fail(
            input,
            "the :: must expand to at least one field of zeros",
            b"",
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(s: &str) -> Result<Addr, String> {
        parse_addr(s.as_bytes()).map_err(|e| e.to_string())
    }

    #[test]
    fn addresses_go_accepts() {
        for (s, addr) in [
            ("1.2.3.4", Addr::V4),
            ("0.0.0.0", Addr::V4),
            ("255.255.255.255", Addr::V4),
            ("::", Addr::V6),
            ("::1", Addr::V6),
            ("fe80::1", Addr::V6),
            ("fe80::1%en0", Addr::V6),
            ("::1%A", Addr::V6),
            ("2001:0db8:85a3:0000:0000:8a2e:0370:7334", Addr::V6),
            ("1:2:3:4:5:6:7:8", Addr::V6),
            ("1::", Addr::V6),
            ("::ffff:1.2.3.4", Addr::V6),
            ("1:2:3:4:5:6:1.2.3.4", Addr::V6),
            ("::1.2.3.4%zone", Addr::V6),
            ("FE80::ABCD", Addr::V6),
        ] {
            assert_eq!(parsed(s), Ok(addr), "{s}");
        }
    }

    #[test]
    fn errors_read_as_go_writes_them() {
        for (s, message) in [
            ("", r#"ParseAddr(""): unable to parse IP"#),
            (
                "google.com",
                r#"ParseAddr("google.com"): unexpected character (at "google.com")"#,
            ),
            ("%en0", r#"ParseAddr("%en0"): missing IPv6 address"#),
            ("1.2.3", r#"ParseAddr("1.2.3"): IPv4 address too short"#),
            (
                "1.2.3.4.5",
                r#"ParseAddr("1.2.3.4.5"): IPv4 address too long"#,
            ),
            (
                "1.2.3.256",
                r#"ParseAddr("1.2.3.256"): IPv4 field has value >255"#,
            ),
            (
                "01.2.3.4",
                r#"ParseAddr("01.2.3.4"): IPv4 field has octet with leading zero"#,
            ),
            (
                "1..2.3",
                r#"ParseAddr("1..2.3"): IPv4 field must have at least one digit (at ".2.3")"#,
            ),
            (
                ".1.2.3",
                r#"ParseAddr(".1.2.3"): IPv4 field must have at least one digit (at ".1.2.3")"#,
            ),
            (
                "1.2.3.",
                r#"ParseAddr("1.2.3."): IPv4 field must have at least one digit (at ".")"#,
            ),
            (
                "fe80::1%",
                r#"ParseAddr("fe80::1%"): zone must be a non-empty string"#,
            ),
            (
                "12345::",
                r#"ParseAddr("12345::"): each group must have 4 or less digits (at "12345::")"#,
            ),
            (
                ":1",
                r#"ParseAddr(":1"): each colon-separated field must have at least one digit (at ":1")"#,
            ),
            ("1:2", r#"ParseAddr("1:2"): address string too short"#),
            (
                "1:2:3:4:5:6:7:8:9",
                r#"ParseAddr("1:2:3:4:5:6:7:8:9"): trailing garbage after address (at "9")"#,
            ),
            (
                "1::2::3",
                r#"ParseAddr("1::2::3"): multiple :: in address (at ":3")"#,
            ),
            (
                "1:",
                r#"ParseAddr("1:"): colon must be followed by more characters (at ":")"#,
            ),
            (
                "1:2x",
                r#"ParseAddr("1:2x"): unexpected character, want colon (at "x")"#,
            ),
            (
                "1:2:3:4:5:6:7::8",
                r#"ParseAddr("1:2:3:4:5:6:7::8"): the :: must expand to at least one field of zeros"#,
            ),
            (
                "1:1.2.3.4",
                r#"ParseAddr("1:1.2.3.4"): embedded IPv4 address must replace the final 2 fields of the address (at "1.2.3.4")"#,
            ),
            (
                "1:2:3:4:5:6:7::1.2.3.4",
                r#"ParseAddr("1:2:3:4:5:6:7::1.2.3.4"): too many hex fields to fit an embedded IPv4 at the end of the address (at "1.2.3.4")"#,
            ),
            ("::1.2.3", r#"ParseAddr("::1.2.3"): IPv4 address too short"#),
            (
                "::1.2.3.x%z",
                r#"ParseAddr("::1.2.3.x%z"): unexpected character (at "x")"#,
            ),
        ] {
            assert_eq!(parsed(s), Err(message.to_string()), "{s}");
        }
    }
}
