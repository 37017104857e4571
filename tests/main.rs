//! meshc's integration tests, one binary (see tests/README.md for the fixture workflow).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod architecture;
mod cel;
mod cli;
mod codes;
mod diff;
mod docs;
mod faults;
mod fixtures;
mod graph;
mod hostile;
mod layers;
mod limits;
mod mutations;
mod pipelines;
mod preflight;
mod profiles;
mod properties;
mod readme;
mod real;
mod recipes;
mod review;
mod security_size;
mod simulate;
mod support;
mod verify;
mod webhook;
mod yaml_safety;
