//! The byte scans under the fast reader, each one pass over the bytes it looks at: where a line
//! ends, how many spaces start a stretch, and where a plain scalar may stop. Callgrind of
//! `meshc render` at 1,000 services showed the reader's char searches (`find`,
//! `trim_start_matches`) and its byte-by-byte match of a plain scalar's every byte at about 55
//! instructions a byte of YAML.

/// A word of eight bytes each `b`.
const fn each(b: u8) -> u64 {
    u64::from_ne_bytes([b; 8])
}

/// Whether any of the eight bytes of `word` is below 0x20 (a line break or another control
/// byte), DEL or not ASCII: where a line's scan must look at each byte. A byte below 0x20
/// borrows when 0x20 is taken from it; DEL and above carry into or have the top bit.
fn needs_a_look(word: u64) -> bool {
    let control = word.wrapping_sub(each(0x20)) & !word;
    let high = word | word.wrapping_add(each(1));
    (control | high) & each(0x80) != 0
}

/// The length of the line that starts `bytes` (up to its `\n`), and whether it is all ASCII;
/// `None` if no line break ends it or a control byte (a tab, a `\r`) or DEL comes first.
/// Eight bytes are looked at a time while none of them needs a closer look.
pub(super) fn line_end(bytes: &[u8]) -> Option<(usize, bool)> {
    let mut ascii = true;
    let mut at = 0;
    while at < bytes.len() {
        if let Some(word) = bytes[at..].first_chunk::<8>() {
            if !needs_a_look(u64::from_le_bytes(*word)) {
                at += 8;
                continue;
            }
        }
        let stop = bytes.len().min(at + 8);
        for (i, &b) in bytes[at..stop].iter().enumerate() {
            match b {
                b'\n' => return Some((at + i, ascii)),
                0..0x20 | 0x7f => return None,
                0x80.. => ascii = false,
                _ => {}
            }
        }
        at = stop;
    }
    None
}

/// How many spaces start `bytes[from..]`.
pub(super) fn spaces(bytes: &[u8], from: usize) -> usize {
    bytes
        .get(from..)
        .map_or(0, |rest| rest.iter().take_while(|&&b| b == b' ').count())
}

/// The end of `bytes[..end]` with its trailing spaces left out.
pub(super) fn trim_end(bytes: &[u8], end: usize) -> usize {
    bytes[..end]
        .iter()
        .rposition(|&b| b != b' ')
        .map_or(0, |last| last + 1)
}

/// The bytes at which a plain scalar's scan stops to look closer: flow indicators, `:`, a
/// space (a comment may follow) and every byte that is not ASCII.
const STOPS: [bool; 256] = {
    let mut stops = [false; 256];
    let mut b = 0x80;
    while b < 256 {
        stops[b] = true;
        b += 1;
    }
    let special = b"[]{},: ";
    let mut i = 0;
    while i < special.len() {
        stops[special[i] as usize] = true;
        i += 1;
    }
    stops
};

/// The first byte from `from` on that a plain scalar's scan must look at ([`STOPS`]), or the
/// end of `bytes`.
pub(super) fn next_stop(bytes: &[u8], from: usize) -> usize {
    bytes
        .get(from..)
        .and_then(|rest| rest.iter().position(|&b| STOPS[usize::from(b)]))
        .map_or(bytes.len(), |i| from + i)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The word test against the byte test, for each byte in each of the eight places, among
    /// neighbours that need no look and ones that carry or borrow (0xff, 0x00).
    #[test]
    fn a_word_needs_a_look_exactly_when_a_byte_does() {
        let byte_needs = |b: u8| !(0x20..0x7f).contains(&b);
        for fill in [b'a', b' ', b'~', 0x20, 0x7e] {
            for place in 0..8 {
                for b in 0..=255u8 {
                    let mut bytes = [fill; 8];
                    bytes[place] = b;
                    let word = u64::from_le_bytes(bytes);
                    assert_eq!(needs_a_look(word), byte_needs(b), "{fill} {place} {b}");
                }
            }
        }
        for b in [0x00, 0xff, 0x1f, 0x7f, 0x80] {
            assert!(needs_a_look(u64::from_le_bytes([b; 8])), "{b}");
        }
    }

    #[test]
    fn lines_end_at_their_break_or_not_at_all() {
        assert_eq!(line_end(b"\n"), Some((0, true)));
        assert_eq!(line_end(b"a: b\nc"), Some((4, true)));
        let long = format!("{}\nx", "k".repeat(1000));
        assert_eq!(line_end(long.as_bytes()), Some((1000, true)));
        // The break in every place of a word, and after whole words.
        for len in 0..40 {
            let text = format!("{}\n", "x".repeat(len));
            assert_eq!(line_end(text.as_bytes()), Some((len, true)), "{len}");
            assert_eq!(line_end(&text.as_bytes()[..len]), None, "{len}");
        }
        assert_eq!(line_end("# é é\n".as_bytes()), Some((7, false)));
        assert_eq!(line_end("é\n\t".as_bytes()), Some((2, false)));
        for hostile in [
            "a\tb\n",
            "a: b\r\n",
            "0123456789abcde\u{7f}\n",
            "\u{0}\n",
            "0123456789\u{1b}x\n",
        ] {
            assert_eq!(line_end(hostile.as_bytes()), None, "{hostile:?}");
        }
        assert_eq!(line_end(b""), None);
    }

    #[test]
    fn spaces_and_trims_count_bytes() {
        assert_eq!(spaces(b"  a ", 0), 2);
        assert_eq!(spaces(b"  a ", 3), 1);
        assert_eq!(spaces(b"  a ", 4), 0);
        assert_eq!(spaces(b"a", 9), 0);
        assert_eq!(trim_end(b"ab  c", 4), 2);
        assert_eq!(trim_end(b"   ", 3), 0);
        assert_eq!(trim_end(b"ab", 2), 2);
    }

    #[test]
    fn a_plain_scalar_stops_at_what_may_end_it() {
        let text = "a-b_c.d/e f";
        assert_eq!(next_stop(text.as_bytes(), 0), 9);
        assert_eq!(next_stop(text.as_bytes(), 10), text.len());
        assert_eq!(next_stop(text.as_bytes(), 99), text.len());
        for (text, at) in [
            ("ab:c", 2),
            ("ab,c", 2),
            ("a[", 1),
            ("a]", 1),
            ("a{", 1),
            ("a}", 1),
            ("a#b", 3),
            ("a\"'b", 4),
            ("aé", 1),
        ] {
            assert_eq!(next_stop(text.as_bytes(), 0), at, "{text}");
        }
    }
}
