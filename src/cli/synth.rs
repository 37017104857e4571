//! `meshc synth`: a synthetic profile of a given size on stdout, for benchmarks (hidden from
//! `--help`: it is a tool for measuring meshc, not for describing a mesh).

use clap::Args;
use clap::builder::RangedU64ValueParser;

use super::{Exit, Output, write_stdout};
use crate::synth::{self, Shape};

/// Arguments of `meshc synth`.
#[derive(Debug, Args)]
pub(super) struct SynthArgs {
    /// Services (every one with subsets, a canary, callers and a retry budget).
    #[arg(long, default_value_t = Shape::default().services, value_parser = RangedU64ValueParser::<usize>::new().range(1..=100_000))]
    services: usize,
    /// Tenants, each reaching several services.
    #[arg(long, default_value_t = Shape::default().tenants, value_parser = RangedU64ValueParser::<usize>::new().range(0..=5_000))]
    tenants: usize,
    /// Services each tenant reaches (each one routed by the gateway): `K`, or `MIN..MAX` for
    /// tenants that reach from MIN to MAX services, in turn.
    #[arg(long, default_value = "3", value_name = "K|MIN..MAX", value_parser = reach)]
    reach: (usize, usize),
    /// Regions, with failover and weights.
    #[arg(long, default_value_t = Shape::default().regions, value_parser = RangedU64ValueParser::<usize>::new().range(1..=50))]
    regions: usize,
}

impl SynthArgs {
    pub(super) fn run(&self, output: &Output) -> Exit {
        let shape = Shape {
            services: self.services,
            tenants: self.tenants,
            reach: self.reach.0,
            regions: self.regions,
            reach_max: self.reach.1,
        };
        write_stdout(&synth::profile(shape), output)
    }
}

/// `K` or `MIN..MAX`, each from 1 to 20, MIN at most MAX.
fn reach(text: &str) -> Result<(usize, usize), String> {
    let count = |part: &str| match part.parse::<usize>() {
        Ok(n @ 1..=20) => Ok(n),
        _ => Err(format!("`{part}` is not a number from 1 to 20")),
    };
    match text.split_once("..") {
        None => count(text).map(|n| (n, n)),
        Some((min, max)) => match (count(min)?, count(max)?) {
            (min, max) if min <= max => Ok((min, max)),
            _ => Err(format!("`{text}`: the least comes first")),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::reach;

    #[test]
    fn reach_is_a_count_or_a_range() {
        assert_eq!(reach("3"), Ok((3, 3)));
        assert_eq!(reach("3..5"), Ok((3, 5)));
        assert_eq!(reach("4..4"), Ok((4, 4)));
        for bad in ["0", "21", "5..3", "3..", "..5", "x", "1..21"] {
            assert!(reach(bad).is_err(), "{bad}");
        }
    }
}
