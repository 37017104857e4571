//! An upper bound on the size of the program RE2 (C++) compiles a pattern to, which Envoy
//! compares with `re2.max_program_size.error_level` (Istio sets it to 32768 in
//! `pkg/bootstrap/config.go` at istio/istio 86c9f01f) and refuses the whole configuration above.
//!
//! Read from `re2/compile.cc` and `re2/prog.cc` at google/re2 972a15ce, for UTF-8 and the forward
//! program (`RE2::ProgramSize`):
//! - the compiler emits byte ranges, captures (two), empty-width assertions and the match as
//!   *leaves*, and `Alt`/`Nop` instructions as *epsilons*; `*` of a nullable fragment takes two
//!   `Alt`s, `+` and `?` one, an alternation of `k` one fewer than `k`, an empty match a `Nop`;
//!   repetitions are expanded first (`x{n,m}` is `n` copies and `m-n` nested `(x)?`, `x{n,}` is
//!   `n-1` copies and `x+`);
//! - a class compiles each of its UTF-8 byte sequences (`AddRuneRangeUTF8` splits every range
//!   into at most seven per length) to its bytes, plus at most one cloned byte per shared
//!   prefix byte and, but for the first, one `Alt`; `80-10FFFF` is a special case of six byte
//!   ranges;
//! - a program starts with `Fail` and ends with `Match`, and the unanchored one adds `.*?` (a
//!   byte range and an `Alt`);
//! - `Prog::Flatten` emits every leaf once, in the list of the one root that dominates it, and a
//!   `Nop` for each epsilon edge into another root: at most two per `Alt` and one per `Nop`.
//!
//! So the flattened size is at most `leaves + 2 × epsilons`. The bound only grows where RE2
//! shares (suffix caching, prefix factoring, coalescing), never shrinks below RE2's count.

use super::class::{MAX_RUNE, Set};

/// The program size above which Envoy refuses a regex under Istio.
pub(crate) const MAX_PROGRAM_SIZE: u64 = 32_768;

/// Counts of instructions in a fragment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(super) struct Program {
    leaves: u64,
    epsilons: u64,
}

impl Program {
    pub(super) const fn new(leaves: u64, epsilons: u64) -> Self {
        Self { leaves, epsilons }
    }

    /// An empty match: one `Nop`.
    pub(super) const EMPTY: Self = Self::new(0, 1);
    /// An empty-width assertion.
    pub(super) const ASSERTION: Self = Self::new(1, 0);

    /// Two fragments one after the other.
    pub(super) fn then(self, other: Self) -> Self {
        Self::new(
            self.leaves.saturating_add(other.leaves),
            self.epsilons.saturating_add(other.epsilons),
        )
    }

    /// This fragment with `leaves` and `epsilons` more.
    pub(super) fn plus(self, leaves: u64, epsilons: u64) -> Self {
        self.then(Self::new(leaves, epsilons))
    }

    /// `count` copies.
    fn times(self, count: u64) -> Self {
        Self::new(
            self.leaves.saturating_mul(count),
            self.epsilons.saturating_mul(count),
        )
    }

    /// `x{min,max}` as RE2's simplifier expands it (`max` is `None` for `x{min,}`).
    pub(super) fn repeated(self, min: u32, max: Option<u32>) -> Self {
        let (min, max) = (u64::from(min), max.map(u64::from));
        match max {
            None if min == 0 => self.plus(0, 2),
            None => self.times(min).plus(0, 1),
            Some(0) => Self::EMPTY,
            Some(max) => self.times(max).plus(0, max - min),
        }
    }

    /// The whole program around a compiled pattern: `Fail`, `.*?`, the pattern, `Match`.
    pub(super) fn whole(self) -> Self {
        self.plus(3, 1)
    }

    /// The size of the flattened program, at most.
    pub(super) fn flattened(self) -> u64 {
        self.leaves.saturating_add(self.epsilons.saturating_mul(2))
    }
}

/// The number of bytes UTF-8 takes for `rune`.
pub(super) fn utf8_len(rune: u32) -> u64 {
    match rune {
        0..=0x7F => 1,
        0x80..=0x7FF => 2,
        0x800..=0xFFFF => 3,
        _ => 4,
    }
}

/// The largest code point of a `len`-byte sequence (`MaxRune` in `compile.cc`).
fn max_rune(len: u32) -> u32 {
    match len {
        1 => 0x7F,
        2 => 0x7FF,
        _ => 0xFFFF,
    }
}

/// A literal code point: one byte range per UTF-8 byte.
pub(super) fn literal(rune: u32) -> Program {
    Program::new(utf8_len(rune), 0)
}

/// A class, from its ranges; `None` when its contents are unknown. Each byte sequence but the
/// first adds an `Alt`.
pub(super) fn class(set: &Set) -> Option<Program> {
    let Set::Known(ranges) = set else { return None };
    let mut total = Program::default();
    for &(lo, hi) in ranges {
        total = total.then(range(lo, hi));
    }
    total.epsilons = total.epsilons.saturating_sub(1);
    Some(total)
}

/// One range of a class, split as `AddRuneRangeUTF8` splits it.
fn range(lo: u32, hi: u32) -> Program {
    let mut total = Program::default();
    let mut pending = vec![(lo, hi)];
    'ranges: while let Some((lo, hi)) = pending.pop() {
        if lo > hi {
            continue;
        }
        if lo == 0x80 && hi == MAX_RUNE {
            total = total.plus(6, 3);
            continue;
        }
        for len in 1..4 {
            let max = max_rune(len);
            if lo <= max && max < hi {
                pending.push((max + 1, hi));
                pending.push((lo, max));
                continue 'ranges;
            }
        }
        if hi < 0x80 {
            total = total.plus(1, 1);
            continue;
        }
        for i in 1..4 {
            let m = (1u32 << (6 * i)) - 1;
            if lo & !m != hi & !m {
                if lo & m != 0 {
                    pending.push(((lo | m) + 1, hi));
                    pending.push((lo, lo | m));
                    continue 'ranges;
                }
                if hi & m != m {
                    pending.push((hi & !m, hi));
                    pending.push((lo, (hi & !m) - 1));
                    continue 'ranges;
                }
            }
        }
        let len = utf8_len(lo);
        total = total.plus(2 * len - 1, 1);
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;

    fn size(set: &Set) -> u64 {
        class(set).unwrap().flattened()
    }

    #[test]
    fn ascii_ranges_cost_a_byte_range_and_an_alt() {
        assert_eq!(class(&Set::of(&[(0x61, 0x7A)])), Some(Program::new(1, 0)));
        assert_eq!(
            class(&Set::of(&[(0x30, 0x39), (0x61, 0x7A)])),
            Some(Program::new(2, 1))
        );
        assert_eq!(class(&Set::Unknown), None);
        assert_eq!(class(&Set::empty()), Some(Program::new(0, 0)));
    }

    #[test]
    fn wide_ranges_split_as_re2_splits_them() {
        // `.` with (?s): 00-7F, then the 80-10FFFF special case.
        assert_eq!(class(&Set::of(&[(0, MAX_RUNE)])), Some(Program::new(7, 3)));
        // `[^a]`: two ASCII pieces and the special case.
        assert_eq!(
            class(&Set::of(&[(0, 0x60), (0x62, MAX_RUNE)])),
            Some(Program::new(8, 4))
        );
        // One 2-byte sequence: C3 A9 (é).
        assert_eq!(class(&Set::of(&[(0xE9, 0xE9)])), Some(Program::new(3, 0)));
        // 80-7FF is one piece of two bytes (C2-DF 80-BF).
        assert_eq!(class(&Set::of(&[(0x80, 0x7FF)])), Some(Program::new(3, 0)));
        // 81-7FF: C2 81-BF, then C3-DF 80-BF.
        assert_eq!(class(&Set::of(&[(0x81, 0x7FF)])), Some(Program::new(6, 1)));
        // A 3-byte and a 4-byte rune.
        assert_eq!(
            class(&Set::of(&[(0x212A, 0x212A)])),
            Some(Program::new(5, 0))
        );
        assert_eq!(
            class(&Set::of(&[(0x1_0000, 0x1_0000)])),
            Some(Program::new(7, 0))
        );
        assert!(size(&Set::of(&[(0x81, MAX_RUNE)])) > size(&Set::of(&[(0x80, MAX_RUNE)])));
        // Split at a high end: C2-DE 80-BF, then DF 80-BE.
        assert_eq!(class(&Set::of(&[(0x80, 0x7FE)])), Some(Program::new(6, 1)));
        // E0 A0-BF 80-BF, then E1-EF 80-BF 80-BF.
        assert_eq!(
            class(&Set::of(&[(0x800, 0xFFFF)])),
            Some(Program::new(10, 1))
        );
        // Split at the high end twice and at the low end once: four sequences.
        assert_eq!(
            class(&Set::of(&[(0x800, 0xFFFE)])),
            Some(Program::new(20, 3))
        );
        // E0 A0 81-BF, E0 A1-BF 80-BF, E1-EF 80-BF 80-BF.
        assert_eq!(
            class(&Set::of(&[(0x801, 0xFFFF)])),
            Some(Program::new(15, 2))
        );
        // F0 90-BF 80-BF 80-BF, F1-F3 80-BF 80-BF 80-BF, F4 80-8F 80-BF 80-BF.
        assert_eq!(
            class(&Set::of(&[(0x1_0000, MAX_RUNE)])),
            Some(Program::new(21, 2))
        );
        // 7FF-800 crosses from two bytes to three; 80 alone is two bytes.
        assert_eq!(class(&Set::of(&[(0x7FF, 0x800)])), Some(Program::new(8, 1)));
        assert_eq!(class(&Set::of(&[(0x80, 0x80)])), Some(Program::new(3, 0)));
        // 7F-80 crosses from one byte to two.
        assert_eq!(class(&Set::of(&[(0x7F, 0x80)])), Some(Program::new(4, 1)));
    }

    #[test]
    fn repetitions_expand_as_re2_simplifies_them() {
        let x = Program::new(2, 1);
        assert_eq!(x.repeated(0, None), Program::new(2, 3));
        assert_eq!(x.repeated(1, None), Program::new(2, 2));
        assert_eq!(x.repeated(3, None), Program::new(6, 4));
        assert_eq!(x.repeated(0, Some(0)), Program::EMPTY);
        assert_eq!(x.repeated(2, Some(2)), Program::new(4, 2));
        assert_eq!(x.repeated(2, Some(5)), Program::new(10, 8));
        assert_eq!(x.repeated(0, Some(1)), Program::new(2, 2));
        let huge = Program::new(u64::MAX / 2, 1).repeated(1000, Some(1000));
        assert_eq!(huge.flattened(), u64::MAX);
    }

    #[test]
    fn whole_programs_and_flattening() {
        assert_eq!(literal(u32::from('a')).whole(), Program::new(4, 1));
        assert_eq!(literal(u32::from('a')).whole().flattened(), 6);
        assert_eq!(literal(0xE9), Program::new(2, 0));
        assert_eq!(literal(0x1F600), Program::new(4, 0));
        assert_eq!(Program::ASSERTION.then(Program::EMPTY), Program::new(1, 1));
    }
}
