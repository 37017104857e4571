//! The byte scans under the fast reader, each one pass over the bytes it looks at: where a line
//! ends, how many spaces start a stretch, and where a plain scalar may stop. Callgrind of
//! `meshc render` at 1,000 services showed the reader's char searches (`find`,
//! `trim_start_matches`) and its byte-by-byte match of a plain scalar's every byte at about 55
//! instructions a byte of YAML.

/// A word of eight bytes each `b`.
const fn each(b: u8) -> u64 {
    u64::from_ne_bytes([b; 8])
}

/// Whether a byte is below 0x20 (a line break or another control byte), DEL or not ASCII:
/// where a line's scan must stop and look.
fn needs_a_look(b: u8) -> bool {
    !(0x20..0x7f).contains(&b)
}

/// The place of the first of the eight bytes of `word` (read little-endian) that needs a look
/// ([`needs_a_look`]), if any. A byte below 0x20 borrows when 0x20 is taken from it; DEL and
/// above carry into or have the top bit. A borrow or carry only reaches later bytes, so the
/// first byte marked is one that needs a look.
fn first_look(word: u64) -> Option<usize> {
    let control = word.wrapping_sub(each(0x20)) & !word;
    let high = word | word.wrapping_add(each(1));
    let marked = (control | high) & each(0x80);
    (marked != 0).then(|| (marked.trailing_zeros() / 8) as usize)
}

/// The length of the line that starts `bytes` (up to its `\n`), and whether it is all ASCII;
/// `None` if no line break ends it or a control byte (a tab, a `\r`) or DEL comes first.
/// Eight bytes are looked at a time, and only the bytes that need a look one by one.
pub(super) fn line_end(bytes: &[u8]) -> Option<(usize, bool)> {
    let mut ascii = true;
    let mut at = 0;
    loop {
        let rest = bytes.get(at..)?;
        let look = match rest.first_chunk::<8>() {
            Some(word) => match first_look(u64::from_le_bytes(*word)) {
                Some(i) => at + i,
                None => {
                    at += 8;
                    continue;
                }
            },
            None => at + rest.iter().position(|&b| needs_a_look(b))?,
        };
        match bytes.get(look)? {
            b'\n' => return Some((look, ascii)),
            0..0x20 | 0x7f => return None,
            _ => {
                ascii = false;
                at = look + 1;
            }
        }
    }
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

/// The bytes that start a plain scalar here whatever follows them: a letter, a digit or one
/// of `/._$~+()=<^\;` (a `-` starts one before a letter, a digit or `.`).
const STARTS: [bool; 256] = {
    let mut starts = [false; 256];
    let mut b: u8 = 0;
    while b < 128 {
        starts[b as usize] = b.is_ascii_alphanumeric();
        b += 1;
    }
    let more = b"/._$~+()=<^\\;";
    let mut i = 0;
    while i < more.len() {
        starts[more[i] as usize] = true;
        i += 1;
    }
    starts
};

/// Whether `b` starts a plain scalar whatever follows it ([`STARTS`]).
pub(super) fn starts_plain(b: u8) -> bool {
    STARTS[usize::from(b)]
}

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

    /// The word test against the byte test: each byte in each of the eight places, among
    /// neighbours that need no look, and then before bytes that borrow or carry (0x00, 0xff)
    /// or need a look too.
    #[test]
    fn a_word_marks_the_first_byte_that_needs_a_look() {
        for fill in [b'a', b' ', b'~', 0x20, 0x7e] {
            for place in 0..8 {
                for b in 0..=255u8 {
                    let mut bytes = [fill; 8];
                    bytes[place] = b;
                    let expected = needs_a_look(b).then_some(place);
                    assert_eq!(first_look(u64::from_le_bytes(bytes)), expected, "{b}");
                    for later in [0x00, 0xff, 0x0a, 0x7f, 0x80, 0x1f] {
                        bytes[7] = later;
                        let expected = bytes.iter().position(|&b| needs_a_look(b));
                        let found = first_look(u64::from_le_bytes(bytes));
                        assert_eq!(found, expected, "{fill} {place} {b} {later}");
                    }
                }
            }
        }
        assert_eq!(first_look(u64::from_le_bytes([0xff; 8])), Some(0));
        assert_eq!(first_look(u64::from_le_bytes([0x00; 8])), Some(0));
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
    fn plain_scalars_start_with_letters_digits_and_a_few_signs() {
        for b in 0..=255u8 {
            let expected = b.is_ascii_alphanumeric() || b"/._$~+()=<^\\;".contains(&b);
            assert_eq!(starts_plain(b), expected, "{b}");
        }
        for b in b"-:#'\"[]{},!&*|>%@` ?" {
            assert!(!starts_plain(*b), "{b}");
        }
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
