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
    /// Services each tenant reaches (each one routed by the gateway).
    #[arg(long, default_value_t = Shape::default().reach, value_parser = RangedU64ValueParser::<usize>::new().range(1..=20))]
    reach: usize,
    /// Regions, with failover and weights.
    #[arg(long, default_value_t = Shape::default().regions, value_parser = RangedU64ValueParser::<usize>::new().range(1..=50))]
    regions: usize,
}

impl SynthArgs {
    pub(super) fn run(&self, output: &Output) -> Exit {
        let shape = Shape {
            services: self.services,
            tenants: self.tenants,
            reach: self.reach,
            regions: self.regions,
        };
        write_stdout(&synth::profile(shape), output)
    }
}
