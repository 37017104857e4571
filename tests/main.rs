//! meshc's integration tests, one binary (see tests/README.md for the fixture workflow).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod cli;
mod fixtures;
mod profiles;
mod support;
mod webhook;
mod yaml_safety;
