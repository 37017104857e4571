//! Numbers with a range: ports, weights, percentages, Kubernetes quantities.

use std::fmt;

use super::Invalid;
use super::names::string_newtype;

/// A TCP port, 1 to 65535.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct Port(u16);

impl Port {
    /// Checks a port number.
    pub fn new(number: i64) -> Result<Self, Invalid> {
        u16::try_from(number)
            .ok()
            .filter(|n| *n != 0)
            .map(Self)
            .ok_or_else(|| Invalid::new(format!("port {number} is outside 1 to 65535")))
    }

    /// A port fixed in meshc's code; used in constants, so a 0 fails the build, not a run.
    ///
    /// # Panics
    /// When `number` is 0, at compile time in a constant.
    pub const fn known(number: u16) -> Self {
        assert!(number != 0, "port 0 is not a port");
        Self(number)
    }

    /// The number.
    pub fn get(self) -> u16 {
        self.0
    }
}

impl fmt::Display for Port {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// An integer percentage of traffic, 0 to 100.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct Weight(u32);

impl Weight {
    /// Checks a weight.
    pub fn new(number: i64) -> Result<Self, Invalid> {
        u32::try_from(number)
            .ok()
            .filter(|n| *n <= 100)
            .map(Self)
            .ok_or_else(|| Invalid::new(format!("{number} is not a percentage from 0 to 100")))
    }

    /// The rest of 100 (`100 - self`).
    #[must_use]
    pub fn complement(self) -> Self {
        Self(100 - self.0)
    }

    /// The number.
    pub fn get(self) -> u32 {
        self.0
    }
}

impl fmt::Display for Weight {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A fractional percentage, 0 to 100 (tracing sampling).
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, serde::Serialize)]
#[serde(transparent)]
pub struct Percent(f64);

impl Percent {
    /// Checks a percentage; NaN and infinities are refused.
    pub fn new(number: f64) -> Result<Self, Invalid> {
        if number.is_finite() && (0.0..=100.0).contains(&number) {
            Ok(Self(number))
        } else {
            Err(Invalid::new(format!(
                "{number} is not a percentage from 0 to 100"
            )))
        }
    }

    /// The number.
    pub fn get(self) -> f64 {
        self.0
    }
}

impl fmt::Display for Percent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} %", self.0)
    }
}

string_newtype!(
    /// A Kubernetes resource quantity such as `500m`, `2`, `128Mi` or `1.5Gi`.
    Quantity
);

impl Quantity {
    /// Checks a quantity: a decimal number and an optional SI or binary suffix.
    pub fn parse(text: &str) -> Result<Self, Invalid> {
        let digits_end = text
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(text.len());
        let (number, suffix) = text.split_at(digits_end);
        let number_ok = !number.is_empty()
            && number.len() <= 18
            && number.matches('.').count() <= 1
            && !number.starts_with('.')
            && !number.ends_with('.');
        let suffix_ok = matches!(
            suffix,
            "" | "m" | "k" | "M" | "G" | "T" | "P" | "E" | "Ki" | "Mi" | "Gi" | "Ti" | "Pi" | "Ei"
        );
        if number_ok && suffix_ok {
            Ok(Self(text.into()))
        } else {
            Err(Invalid::new(format!(
                "`{text}` is not a Kubernetes quantity such as `500m`, `2`, `128Mi` or `2Gi`"
            )))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        assert!(Port::new(0).is_err());
        assert!(Port::new(65_536).is_err());
        assert_eq!(Port::new(443).unwrap().get(), 443);
        assert!(Weight::new(-1).is_err());
        assert!(Weight::new(101).is_err());
        assert_eq!(Weight::new(20).unwrap().complement().get(), 80);
        assert!(Percent::new(f64::NAN).is_err());
        assert!(Percent::new(f64::INFINITY).is_err());
        assert!(Percent::new(100.5).is_err());
        assert!(Percent::new(12.5).is_ok());
    }

    #[test]
    fn quantities() {
        for ok in ["500m", "2", "128Mi", "1.5Gi", "1k"] {
            assert!(Quantity::parse(ok).is_ok(), "{ok}");
        }
        for bad in ["", "m", "1.", ".5", "1x", "1 Gi", "1\nGi", "-1"] {
            assert!(Quantity::parse(bad).is_err(), "{bad:?}");
        }
    }
}
