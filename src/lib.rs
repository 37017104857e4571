//! meshc: a typed compiler from one TOML mesh profile to Istio manifests.
//!
//! The stages run in one direction, each in its own module:
//! [`profile`] (TOML to raw structs with spans) → [`validate`] (rules, diagnostics, the typed
//! [`model`]) → [`plan`] (the Istio resources) → [`render`] (templates to YAML) →
//! [`selfcheck`] (the YAML read back and checked) → [`emit`] (stdout or a folder).
//!
//! The Istio checker is a library of its own that knows nothing of profiles: [`istio`] (schemas,
//! CEL rules, the admission webhook's rules, rules across resources, and the Istio vocabulary
//! the compiler shares), on [`yaml`] (YAML read with positions) and [`cel`] (the CEL parser).
//! `meshc verify` and the self-check both call it; `tests/architecture.rs` keeps the layers
//! apart. Both report through [`diagnostic`]: one `Diagnostic`, one code registry, one renderer,
//! which imports neither side.
//!
//! Beside the pipeline: [`folder`] and [`drift`] (`render --check`), [`diff`] (the semantic diff
//! for review), [`explain`] (the plan in words). [`synth`] writes synthetic profiles of any size
//! for the benchmarks. [`graph`] draws who reaches what, from the simulator's answers.
//! [`simulate`] answers what the rendered mesh does to a request; [`topology`] describes a
//! profile's workloads to it.
//!
//! The public surface is the facade below: [`run`] (the command line), [`check`] and
//! [`compile`] (the pipeline, in [`pipeline`]), the one [`Diagnostic`] and its [`Code`], and the
//! two libraries that know nothing of profiles, [`istio`] and [`simulate`]. Every other module
//! is private; what the integration tests and benchmarks drive one stage at a time is named
//! in the hidden [`testing`] module.

mod cel;
mod cli;
mod diagnostic;
mod diff;
mod drift;
mod emit;
mod explain;
mod folder;
mod graph;
pub mod istio;
mod limits;
mod model;
mod pipeline;
mod plan;
mod pool;
mod profile;
mod prove;
mod render;
mod selfcheck;
pub mod simulate;
mod source;
mod synth;
mod topology;
mod validate;
mod vec_map;
mod yaml;

/// What the integration tests and benchmarks reach beyond the facade; not part of meshc's API.
#[doc(hidden)]
pub mod testing;

pub use cli::{Exit, run};
pub use diagnostic::{Code, Diagnostic, Diagnostics, Severity};
pub use pipeline::{Compiled, Failure, InternalError, check, compile};
pub use source::Source;
pub use validate::Checked;
