//! Character classes as sets of code points, built the way Go's `regexp/syntax` builds them
//! (`appendRange`, `appendFoldedRange`, `appendGroup`, `negateClass`, the Perl and POSIX groups
//! of `perl_groups.go`, go1.26), so that RE2's program size can be bounded from their ranges.
//! A set whose contents meshc does not know (a `\p{...}` table, or case folding outside ASCII)
//! is `Unknown`: acceptance never depends on contents, only the size bound does.

/// The largest code point.
pub(super) const MAX_RUNE: u32 = 0x0010_FFFF;

/// Go's `maxFold`: no code point above folds to another.
const MAX_FOLD: u32 = 0x1_E943;

/// The Kelvin sign and the long s, the two non-ASCII letters that fold to ASCII ones.
const KELVIN: u32 = 0x212A;
const LONG_S: u32 = 0x017F;

/// `\d`, `\s` and `\w` (`perlGroup`).
pub(super) const PERL_GROUPS: &[(char, &[(u32, u32)])] = &[
    ('d', &[(0x30, 0x39)]),
    ('s', &[(0x09, 0x0A), (0x0C, 0x0D), (0x20, 0x20)]),
    (
        'w',
        &[(0x30, 0x39), (0x41, 0x5A), (0x5F, 0x5F), (0x61, 0x7A)],
    ),
];

/// `[:name:]` (`posixGroup`).
pub(super) const POSIX_GROUPS: &[(&str, &[(u32, u32)])] = &[
    ("alnum", &[(0x30, 0x39), (0x41, 0x5A), (0x61, 0x7A)]),
    ("alpha", &[(0x41, 0x5A), (0x61, 0x7A)]),
    ("ascii", &[(0x00, 0x7F)]),
    ("blank", &[(0x09, 0x09), (0x20, 0x20)]),
    ("cntrl", &[(0x00, 0x1F), (0x7F, 0x7F)]),
    ("digit", &[(0x30, 0x39)]),
    ("graph", &[(0x21, 0x7E)]),
    ("lower", &[(0x61, 0x7A)]),
    ("print", &[(0x20, 0x7E)]),
    (
        "punct",
        &[(0x21, 0x2F), (0x3A, 0x40), (0x5B, 0x60), (0x7B, 0x7E)],
    ),
    ("space", &[(0x09, 0x0D), (0x20, 0x20)]),
    ("upper", &[(0x41, 0x5A)]),
    (
        "word",
        &[(0x30, 0x39), (0x41, 0x5A), (0x5F, 0x5F), (0x61, 0x7A)],
    ),
    ("xdigit", &[(0x30, 0x39), (0x41, 0x46), (0x61, 0x66)]),
];

/// A set of code points: sorted, merged ranges, or contents meshc does not carry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Set {
    Known(Vec<(u32, u32)>),
    Unknown,
}

impl Set {
    /// The empty set.
    pub(super) fn empty() -> Self {
        Self::Known(Vec::new())
    }

    /// The set of the given ranges.
    pub(super) fn of(ranges: &[(u32, u32)]) -> Self {
        let mut set = Self::empty();
        for &(lo, hi) in ranges {
            set.add(lo, hi);
        }
        set
    }

    /// Adds `lo..=hi`, and with `fold` every code point simple case folding makes equal to one
    /// of them (`appendFoldedRange`).
    pub(super) fn add_range(&mut self, lo: u32, hi: u32, fold: bool) {
        if !fold {
            self.add(lo, hi);
            return;
        }
        self.add(lo, hi);
        // A range that spans every folding code point folds to nothing new; one that holds
        // some non-ASCII ones needs Unicode's case tables.
        let full = lo <= u32::from(b'A') && hi >= MAX_FOLD;
        if !full && hi >= 0x80 && lo <= MAX_FOLD {
            *self = Self::Unknown;
            return;
        }
        let overlap = |from: u32, to: u32| (lo.max(from), hi.min(to));
        let (a, b) = overlap(u32::from(b'A'), u32::from(b'Z'));
        if a <= b {
            self.add(a + 32, b + 32);
        }
        let (a, b) = overlap(u32::from(b'a'), u32::from(b'z'));
        if a <= b {
            self.add(a - 32, b - 32);
        }
        let covers = |c: u8| {
            let (upper, lower) = (u32::from(c.to_ascii_uppercase()), u32::from(c));
            (lo..=hi).contains(&upper) || (lo..=hi).contains(&lower)
        };
        if covers(b'k') {
            self.add(KELVIN, KELVIN);
        }
        if covers(b's') {
            self.add(LONG_S, LONG_S);
        }
    }

    /// Adds every code point of `other`.
    pub(super) fn add_set(&mut self, other: &Set) {
        match other {
            Self::Known(ranges) => {
                for &(lo, hi) in ranges {
                    self.add(lo, hi);
                }
            }
            Self::Unknown => *self = Self::Unknown,
        }
    }

    /// A group (`\d`, `[:alpha:]`) as `appendGroup` adds it: folded first, then negated.
    pub(super) fn group(ranges: &[(u32, u32)], negated: bool, fold: bool) -> Self {
        let mut set = Self::empty();
        for &(lo, hi) in ranges {
            set.add_range(lo, hi, fold);
        }
        if negated { set.negated() } else { set }
    }

    /// The complement in `0..=MAX_RUNE` (`negateClass`).
    pub(super) fn negated(&self) -> Self {
        let Self::Known(ranges) = self else {
            return Self::Unknown;
        };
        let mut out = Vec::with_capacity(ranges.len() + 1);
        let mut next = 0;
        for &(lo, hi) in ranges {
            if next < lo {
                out.push((next, lo - 1));
            }
            next = hi + 1;
        }
        if next <= MAX_RUNE {
            out.push((next, MAX_RUNE));
        }
        Self::Known(out)
    }

    /// The single code point the set holds, if it holds exactly one.
    pub(super) fn single(&self) -> Option<u32> {
        match self {
            Self::Known(ranges) if ranges.len() == 1 && ranges[0].0 == ranges[0].1 => {
                Some(ranges[0].0)
            }
            _ => None,
        }
    }

    /// Whether the set is an ASCII letter in both cases and nothing else (`[Aa]`), which Go
    /// turns into a case-folded literal. `k` and `s` have a third member, and stay classes.
    pub(super) fn is_case_pair(&self) -> bool {
        match self {
            Self::Known(ranges) => {
                matches!(ranges.as_slice(), [(a, a2), (b, b2)]
                    if a == a2 && b == b2 && *b == a + 32
                        && (u32::from(b'A')..=u32::from(b'Z')).contains(a)
                        && *a != u32::from(b'K') && *a != u32::from(b'S'))
            }
            Self::Unknown => false,
        }
    }

    /// Inserts a range, keeping the ranges sorted and merged.
    fn add(&mut self, lo: u32, hi: u32) {
        let Self::Known(ranges) = self else { return };
        let at = ranges.partition_point(|&(_, h)| h.saturating_add(1) < lo);
        let mut lo = lo;
        let mut hi = hi;
        let mut end = at;
        while end < ranges.len() && ranges[end].0 <= hi.saturating_add(1) {
            lo = lo.min(ranges[end].0);
            hi = hi.max(ranges[end].1);
            end += 1;
        }
        ranges.splice(at..end, [(lo, hi)]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn known(set: &Set) -> &[(u32, u32)] {
        match set {
            Set::Known(ranges) => ranges,
            Set::Unknown => panic!("unknown set"),
        }
    }

    #[test]
    fn ranges_merge_when_they_touch_or_overlap() {
        let set = Set::of(&[
            (0x61, 0x63),
            (0x65, 0x65),
            (0x64, 0x64),
            (0x30, 0x39),
            (0x35, 0x40),
        ]);
        assert_eq!(known(&set), &[(0x30, 0x40), (0x61, 0x65)]);
        assert_eq!(known(&Set::of(&[(5, 9), (1, 3)])), &[(1, 3), (5, 9)]);
        assert_eq!(known(&Set::of(&[(1, 3), (3, 9)])), &[(1, 9)]);
    }

    #[test]
    fn folding_matches_go_for_ascii() {
        // parse_test.go: (?i)[a-z] is cc{0x41-0x5a 0x61-0x7a 0x17f 0x212a}.
        let mut set = Set::empty();
        set.add_range(0x61, 0x7A, true);
        assert_eq!(
            known(&set),
            &[
                (0x41, 0x5A),
                (0x61, 0x7A),
                (LONG_S, LONG_S),
                (KELVIN, KELVIN)
            ]
        );
        let mut set = Set::empty();
        set.add_range(u32::from(b'A'), u32::from(b'A'), true);
        assert_eq!(known(&set), &[(0x41, 0x41), (0x61, 0x61)]);
        assert!(set.is_case_pair());
        let mut set = Set::empty();
        set.add_range(u32::from(b'K'), u32::from(b'K'), true);
        assert_eq!(known(&set), &[(0x4B, 0x4B), (0x6B, 0x6B), (KELVIN, KELVIN)]);
        assert!(!set.is_case_pair());
        let mut set = Set::empty();
        set.add_range(0x30, 0x39, true);
        assert_eq!(known(&set), &[(0x30, 0x39)]);
        let mut set = Set::empty();
        set.add_range(0xE9, 0xE9, true);
        assert_eq!(set, Set::Unknown);
        let mut set = Set::empty();
        set.add_range(0x20, MAX_RUNE, true);
        assert_eq!(known(&set), &[(0x20, MAX_RUNE)]);
        // Ranges that reach some folding non-ASCII code points, but not all of them.
        let mut set = Set::empty();
        set.add_range(0x20, 0x100, true);
        assert_eq!(set, Set::Unknown);
        let mut set = Set::empty();
        set.add_range(0x1000, MAX_RUNE, true);
        assert_eq!(set, Set::Unknown);
        let mut set = Set::empty();
        set.add_range(0x2_0000, 0x2_0001, true);
        assert_eq!(known(&set), &[(0x2_0000, 0x2_0001)]);
    }

    #[test]
    fn groups_fold_then_negate() {
        // parse_test.go: (?i)\W is cc{0x0-0x2f 0x3a-0x40 0x5b-0x5e 0x60 0x7b-0x17e 0x180-0x2129
        // 0x212b-0x10ffff}.
        let word = PERL_GROUPS[2].1;
        assert_eq!(
            known(&Set::group(word, true, true)),
            &[
                (0x00, 0x2F),
                (0x3A, 0x40),
                (0x5B, 0x5E),
                (0x60, 0x60),
                (0x7B, 0x17E),
                (0x180, 0x2129),
                (0x212B, MAX_RUNE)
            ]
        );
        // \S is cc{0x0-0x8 0xb 0xe-0x1f 0x21-0x10ffff}.
        assert_eq!(
            known(&Set::group(PERL_GROUPS[1].1, true, false)),
            &[(0x00, 0x08), (0x0B, 0x0B), (0x0E, 0x1F), (0x21, MAX_RUNE)]
        );
        assert_eq!(known(&Set::empty().negated()), &[(0, MAX_RUNE)]);
        assert_eq!(known(&Set::of(&[(0, MAX_RUNE)]).negated()), &[]);
        assert_eq!(Set::Unknown.negated(), Set::Unknown);
    }

    #[test]
    fn singles_and_unknowns() {
        assert_eq!(Set::of(&[(0x61, 0x61)]).single(), Some(0x61));
        assert_eq!(Set::of(&[(0x61, 0x62)]).single(), None);
        assert_eq!(Set::Unknown.single(), None);
        let mut set = Set::of(&[(0x61, 0x61)]);
        set.add_set(&Set::Unknown);
        assert_eq!(set, Set::Unknown);
        set.add_set(&Set::of(&[(1, 2)]));
        assert_eq!(set, Set::Unknown);
        assert!(!Set::Unknown.is_case_pair());
    }
}
