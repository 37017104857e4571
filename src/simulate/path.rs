//! Path normalization as `meshConfig.pathNormalization` sets it on every proxy
//! (<https://istio.io/latest/docs/reference/config/security/normalization/>): `%2F` and `%5C`
//! decoded first (`DECODE_AND_MERGE_SLASHES` only), then RFC 3986 (`BASE`: percent-encoded
//! unreserved characters decoded once, `\` to `/`, dot segments resolved), then `//` merged
//! (`MERGE_SLASHES` and up). The normalized path is what policies and routes see and what the
//! next hop receives; the query is kept but never part of a policy's path.

use std::borrow::Cow;

use super::decode::Normalization;

/// Why a proxy answers 400 before anything else: the path does not start with `/`.
const NOT_ROOTED: &str = "the path does not start with `/`";
/// Why a proxy answers 400 before anything else: a byte Envoy refuses, wherever it is.
const CONTROL: &str = "the path holds a space or a control character";
/// Why a proxy answers 400 before anything else: an encoded NUL.
const NUL: &str = "the path holds `%00`";

/// The bytes [`admit`] acts on: those Envoy refuses (controls, space, DEL), `%`, `\`, `/`
/// and `?`. Every other byte of a path (letters, digits, most punctuation) only moves the scan
/// on, which one look-up in this table decides instead of a comparison with each.
const NOTABLE: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b <= 0x20 {
        table[b] = true;
        b += 1;
    }
    let more = b"\x7f%\\/?";
    let mut i = 0;
    while i < more.len() {
        table[more[i] as usize] = true;
        i += 1;
    }
    table
};

/// What a proxy makes of the path (query included) it receives: `Err` why it answers 400,
/// else the path after normalization (borrowed when normalization leaves it as it is).
///
/// Every hop of every request comes here, and nearly every path a proof sends is one Envoy
/// accepts and normalization keeps; so one pass over the bytes decides both ([`scan`]). Only a
/// path it cannot call normal is normalized step by step.
pub(crate) fn admit(raw: &str, mode: Normalization) -> Result<Cow<'_, str>, &'static str> {
    if scan(raw, mode)? {
        Ok(Cow::Borrowed(raw))
    } else {
        Ok(normalize(raw, mode))
    }
}

/// `Err` why a proxy answers 400 to the path (query included), else whether normalization
/// keeps it: what [`already_normal`] decides on the part before the query, in the pass that
/// looks for the bytes Envoy refuses in the whole.
fn scan(raw: &str, mode: Normalization) -> Result<bool, &'static str> {
    let bytes = raw.as_bytes();
    if bytes.first() != Some(&b'/') {
        return Err(NOT_ROOTED);
    }
    let merges = matches!(
        mode,
        Normalization::MergeSlashes | Normalization::DecodeAndMergeSlashes
    );
    let dots = |segment: &[u8]| segment == b"." || segment == b"..";
    let mut nul = false;
    let mut normal = true;
    // Where the segment being read starts; `None` once in the query, which
    // normalization does not read.
    let mut segment = Some(1);
    for (at, &b) in bytes.iter().enumerate().skip(1) {
        if !NOTABLE[usize::from(b)] {
            continue;
        }
        if b <= b' ' || b == 0x7f {
            return Err(CONTROL);
        }
        if b == b'%' {
            nul |= bytes[at + 1..].starts_with(b"00");
        }
        let Some(start) = segment else {
            continue;
        };
        match b {
            b'%' | b'\\' => normal = false,
            b'/' | b'?' => {
                let ends = &bytes[start..at];
                let merged = merges && b == b'/' && ends.is_empty();
                normal &= !(dots(ends) || merged);
                segment = (b == b'/').then_some(at + 1);
            }
            _ => {}
        }
    }
    if let Some(start) = segment {
        normal &= !dots(&bytes[start..]);
    }
    if nul {
        return Err(NUL);
    }
    Ok(normal)
}

/// Whether `method` is a method Envoy's HTTP/1 parser accepts: an upper-case token (Istio
/// refuses a method not in upper case with 400).
pub(crate) fn method_ok(method: &str) -> bool {
    !method.is_empty() && method.bytes().all(|b| b.is_ascii_uppercase() || b == b'-')
}

/// The path (query included) after normalization.
pub(crate) fn normalize(raw: &str, mode: Normalization) -> Cow<'_, str> {
    if mode == Normalization::None {
        return Cow::Borrowed(raw);
    }
    let (path, query) = match raw.find('?') {
        Some(i) => (&raw[..i], &raw[i..]),
        None => (raw, ""),
    };
    if already_normal(path, mode) {
        return Cow::Borrowed(raw);
    }
    let mut text = rewrite(path, mode);
    if text == path {
        Cow::Borrowed(raw)
    } else {
        text.push_str(query);
        Cow::Owned(text)
    }
}

/// Every step of normalization on a path without its query.
fn rewrite(path: &str, mode: Normalization) -> String {
    let mut text = if mode == Normalization::DecodeAndMergeSlashes {
        decode_slashes(path)
    } else {
        path.to_string()
    };
    text = decode_unreserved(&text).replace('\\', "/");
    text = remove_dot_segments(&text);
    if matches!(
        mode,
        Normalization::MergeSlashes | Normalization::DecodeAndMergeSlashes
    ) {
        text = merge_slashes(&text);
    }
    text
}

/// Whether normalization leaves `path` (no query) as it is, decided without building the
/// normalized text. [`scan`] decides the same in its pass over a hop's path (a test holds the
/// two equal), so [`admit`] calls [`normalize`] only on paths this answers `false` for. Each
/// step of [`rewrite`] is the identity on such a path: nothing to decode without `%`, no `\`
/// to turn, dot segments only where a segment is `.` or `..` (splitting and joining the
/// segments of a path that starts with `/` gives it back), and no `//` to merge.
fn already_normal(path: &str, mode: Normalization) -> bool {
    let merges = matches!(
        mode,
        Normalization::MergeSlashes | Normalization::DecodeAndMergeSlashes
    );
    let bytes = path.as_bytes();
    if bytes.first() != Some(&b'/') {
        return false;
    }
    // One pass: each segment is looked at when the `/` after it (or the end) is reached.
    let mut start = 1;
    for at in 1..=bytes.len() {
        let next = bytes.get(at).copied();
        match next {
            Some(b'%' | b'\\') => return false,
            Some(b'/') | None => {
                let segment = &bytes[start..at];
                if segment == b"." || segment == b".." {
                    return false;
                }
                if merges && segment.is_empty() && next.is_some() {
                    return false;
                }
                start = at + 1;
            }
            Some(_) => {}
        }
    }
    true
}

/// The path without its query, as policies match it.
pub(crate) fn without_query(path: &str) -> &str {
    split_query(path).0
}

/// The path and its query (without the `?`; empty when there is none). A byte search: each
/// hop splits its path more than once, and `split_once('?')`'s character searcher cost
/// several times as much on a path of a few dozen bytes.
pub(crate) fn split_query(path: &str) -> (&str, &str) {
    match path.bytes().position(|b| b == b'?') {
        Some(at) => (&path[..at], &path[at + 1..]),
        None => (path, ""),
    }
}

fn hex(b: u8) -> Option<u8> {
    char::from(b)
        .to_digit(16)
        .and_then(|d| u8::try_from(d).ok())
}

/// Replaces `%XX` sequences whose (ASCII) byte `keep` accepts by that byte.
fn decode_where(text: &str, keep: impl Fn(u8) -> bool) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find('%') {
        out.push_str(&rest[..i]);
        let at = text.len() - rest.len() + i;
        let decoded = match (
            bytes.get(at + 1).copied().and_then(hex),
            bytes.get(at + 2).copied().and_then(hex),
        ) {
            (Some(h), Some(l)) if keep(h * 16 + l) => Some(char::from(h * 16 + l)),
            _ => None,
        };
        match decoded {
            Some(c) => {
                out.push(c);
                rest = &rest[i + 3..];
            }
            None => {
                out.push('%');
                rest = &rest[i + 1..];
            }
        }
    }
    out.push_str(rest);
    out
}

fn decode_slashes(text: &str) -> String {
    decode_where(text, |b| b == b'/' || b == b'\\')
}

/// RFC 3986 unreserved characters: `A-Z a-z 0-9 - . _ ~`.
fn decode_unreserved(text: &str) -> String {
    decode_where(text, |b| {
        b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
    })
}

/// RFC 3986 section 5.2.4, on a path that starts with `/`.
fn remove_dot_segments(path: &str) -> String {
    let mut out: Vec<&str> = Vec::new();
    let segments: Vec<&str> = path.split('/').skip(1).collect();
    let last = segments.len().saturating_sub(1);
    let mut trailing = false;
    for (i, segment) in segments.iter().enumerate() {
        match *segment {
            "." => trailing = i == last,
            ".." => {
                out.pop();
                trailing = i == last;
            }
            s => {
                out.push(s);
                trailing = false;
            }
        }
    }
    let mut text = String::with_capacity(path.len());
    for segment in &out {
        text.push('/');
        text.push_str(segment);
    }
    if trailing || text.is_empty() {
        text.push('/');
    }
    text
}

fn merge_slashes(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for c in path.chars() {
        if c == '/' && out.ends_with('/') {
            continue;
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(path: &str, mode: Normalization) -> String {
        normalize(path, mode).into_owned()
    }

    /// The examples of Istio's "Authorization Policy Normalization" page
    /// (istio/istio.io content/en/docs/reference/config/security/normalization/index.md) and
    /// of `meshConfig.pathNormalization` (istio/api mesh/v1alpha1/config.proto).
    #[test]
    fn istio_s_examples() {
        use Normalization::{Base, DecodeAndMergeSlashes as Decode, MergeSlashes as Merge};
        for (raw, mode, expected) in [
            ("/some%2fdata/%61%62%63", Decode, "/some/data/abc"),
            ("/some%2fdata/%61%62%63", Base, "/some%2fdata/abc"),
            ("/some\\data", Base, "/some/data"),
            ("/some//data///abc", Merge, "/some/data/abc"),
            ("/some//data///abc", Base, "/some//data///abc"),
            ("/public/./data/abc/../xyz", Base, "/public/data/xyz"),
            ("/a/../b", Base, "/b"),
            ("\\da", Base, "/da"),
            ("/a%2Fb", Decode, "/a/b"),
            ("/a%5Cb", Decode, "/a/b"),
            ("/a%5cb", Merge, "/a%5cb"),
            ("/foo?v=1", Base, "/foo?v=1"),
            ("/%2e%2e/secret", Base, "/secret"),
            ("/a/%2E%2E/b", Base, "/b"),
            ("/a%2d%5f%7e%41", Base, "/a-_~A"),
            ("/%252F", Decode, "/%252F"),
            ("/a%2F%2F/b", Decode, "/a/b"),
            ("/v1/tenants/a/..%2Fb", Decode, "/v1/tenants/b"),
            ("/v1/tenants/a/..%2Fb", Merge, "/v1/tenants/a/..%2Fb"),
            ("/a//../b", Merge, "/a/b"),
            ("/a/b/..", Base, "/a/"),
            ("/a/.", Base, "/a/"),
            ("/..", Base, "/"),
            ("/", Base, "/"),
            ("/a?x=/../y", Base, "/a?x=/../y"),
            ("/%zz%4", Base, "/%zz%4"),
        ] {
            assert_eq!(n(raw, mode), expected, "{raw} under {mode:?}");
        }
    }

    #[test]
    fn none_leaves_the_path_as_sent() {
        for raw in ["/a/../b", "/a//b", "/a%2Fb", "/a\\b"] {
            assert_eq!(n(raw, Normalization::None), raw);
        }
    }

    #[test]
    fn an_unchanged_path_is_borrowed() {
        assert!(matches!(
            normalize("/a/b?c", Normalization::DecodeAndMergeSlashes),
            Cow::Borrowed(_)
        ));
    }

    /// The shortcut never skips a change: on every path of up to four segments drawn from
    /// what normalization acts on, under every mode, a path it calls normal is one every step
    /// leaves as it is.
    /// Every path of up to four `/`-led pieces drawn from `pieces`, and the empty path.
    fn paths_of(pieces: &[&str]) -> Vec<String> {
        let mut paths = vec![String::new()];
        for _ in 0..4 {
            let longer: Vec<String> = paths
                .iter()
                .flat_map(|p| pieces.iter().map(move |piece| format!("{p}/{piece}")))
                .collect();
            paths.extend(longer);
        }
        paths
    }

    #[test]
    fn a_path_called_normal_is_one_normalization_keeps() {
        use Normalization::{Base, DecodeAndMergeSlashes, MergeSlashes};
        let pieces = [
            "a", "", ".", "..", "%2F", "%2e", "%61", "\\", ".a", "a.", "%", "...",
        ];
        let paths = paths_of(&pieces);
        let mut normal = 0;
        for path in &paths {
            for candidate in [path.clone(), path.trim_start_matches('/').to_string()] {
                for mode in [Base, MergeSlashes, DecodeAndMergeSlashes] {
                    if already_normal(&candidate, mode) {
                        normal += 1;
                        assert_eq!(rewrite(&candidate, mode), candidate, "{mode:?}");
                    }
                }
            }
        }
        assert!(normal > 100, "the shortcut is taken: {normal}");
        // Taken in every mode where it applies, and only there.
        for mode in [Base, MergeSlashes, DecodeAndMergeSlashes] {
            assert!(already_normal("/v1/tenants/a/x/", mode), "{mode:?}");
            assert!(!already_normal("v1/x", mode), "{mode:?}");
        }
        assert!(already_normal("/a//b", Base));
        assert!(!already_normal("/a//b", MergeSlashes));
        assert!(!already_normal("/a//b", DecodeAndMergeSlashes));
    }

    #[test]
    fn requests_envoy_refuses() {
        fn reject(path: &str) -> Option<&'static str> {
            admit(path, Normalization::Base).err()
        }
        assert_eq!(reject("/a%00b"), Some(NUL));
        assert_eq!(reject("/a%00"), Some(NUL));
        assert_eq!(reject("/a?b=%00"), Some(NUL));
        assert_eq!(reject("a"), Some(NOT_ROOTED));
        assert_eq!(reject(""), Some(NOT_ROOTED));
        assert_eq!(reject("/a b"), Some(CONTROL));
        assert_eq!(reject("/a\u{7f}"), Some(CONTROL));
        assert_eq!(reject("/a?b c"), Some(CONTROL));
        assert!(reject("/a%0").is_none());
        assert!(reject("/a00").is_none());
        assert!(reject("/%0a00").is_none());
        assert_eq!(reject("/a%00 b"), Some(CONTROL));
        assert!(reject("/a").is_none());
        // Every ASCII byte, in the path and in the query: refused exactly where Envoy refuses it.
        for b in 0..0x80_u8 {
            let refused = b <= b' ' || b == 0x7f;
            for at in ["/a", "/a?q="] {
                let path = format!("{at}{}b", char::from(b));
                assert_eq!(reject(&path) == Some(CONTROL), refused, "{path:?}");
            }
        }
        assert!(method_ok("GET"));
        assert!(method_ok("M-SEARCH"));
        assert!(!method_ok("get"));
        assert!(!method_ok("Get"));
        assert!(!method_ok(""));
        assert_eq!(without_query("/a?b"), "/a");
        assert_eq!(without_query("/a"), "/a");
        assert_eq!(split_query("/a?b?c"), ("/a", "b?c"));
        assert_eq!(split_query("/a?"), ("/a", ""));
        assert_eq!(split_query("/a"), ("/a", ""));
    }

    /// The one pass of [`admit`] answers what checking and normalizing step by step answers:
    /// on every path of up to four pieces drawn from what either acts on (a query, bytes Envoy
    /// refuses, `%00`, dot segments, `//`, escapes), under every mode, the same 400 or the
    /// same path, borrowed where it is unchanged.
    #[test]
    fn admitting_in_one_pass_is_checking_then_normalizing() {
        use Normalization::{Base, DecodeAndMergeSlashes, MergeSlashes};
        let pieces = [
            "a", "", ".", "..", "%2F", "%2e", "\\", "%", "?", "?x=/../y", " ", "%00", "\u{7f}",
        ];
        let paths = paths_of(&pieces);
        let step_by_step = |path: &str, mode| {
            if !path.starts_with('/') {
                Err(NOT_ROOTED)
            } else if path.bytes().any(|b| b <= b' ' || b == 0x7f) {
                Err(CONTROL)
            } else if path.contains("%00") {
                Err(NUL)
            } else {
                Ok(normalize(path, mode).into_owned())
            }
        };
        let mut refused = 0;
        for path in &paths {
            for candidate in [path.as_str(), path.trim_start_matches('/')] {
                for mode in [
                    Normalization::None,
                    Base,
                    MergeSlashes,
                    DecodeAndMergeSlashes,
                ] {
                    let admitted = admit(candidate, mode);
                    if let Ok(text) = &admitted {
                        assert_eq!(
                            matches!(text, Cow::Borrowed(_)),
                            text == candidate,
                            "{candidate:?} under {mode:?}"
                        );
                    }
                    if admitted.is_ok() {
                        assert_eq!(
                            scan(candidate, mode),
                            Ok(already_normal(without_query(candidate), mode)),
                            "{candidate:?} under {mode:?}"
                        );
                    }
                    refused += usize::from(admitted.is_err());
                    assert_eq!(
                        admitted.map(Cow::into_owned),
                        step_by_step(candidate, mode),
                        "{candidate:?} under {mode:?}"
                    );
                }
            }
        }
        assert!(refused > 1000, "refusals are tried: {refused}");
    }
}
