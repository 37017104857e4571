//! meshc's integration tests, one binary (see tests/README.md for the fixture workflow).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod cli;
mod diff;
mod fixtures;
mod limits;
mod profiles;
mod readme;
mod recipes;
mod review;
mod support;
mod verify;
mod webhook;
mod yaml_safety;
