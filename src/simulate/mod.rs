//! A simulator of Istio's request-time behaviour, over rendered Istio resources.
//!
//! It knows nothing of profiles: it reads the documents Istio would read (through
//! [`crate::istio::document`]), takes a [`Topology`] of the workloads that exist, and answers
//! what happens to a [`Request`] at every hop: the ingress gateway or the caller's sidecar, then
//! the sidecar of each workload the route reaches. The semantics follow istio-rules.md §7 and
//! Istio's and Envoy's source, cited where each is implemented.
//!
//! Compile once, query many: [`Mesh::from_documents`] decodes and indexes; [`Mesh::evaluate`]
//! only evaluates. A [`Trace`] says each hop's decision and the resource and rule behind it;
//! whatever the answer depends on and the simulator does not model makes it
//! [`Outcome::NotModelled`] rather than a guess.

mod authn;
mod authz;
mod context;
mod decode;
mod deliver;
mod display;
mod error;
mod evaluate;
mod guard;
mod hash;
mod l4;
mod mesh;
mod midpath;
mod mtls;
mod path;
mod pattern;
mod pod_labels;
mod request;
mod reuse;
mod routing;
mod select;
mod selector;
mod sidecar;
#[cfg(test)]
mod testing;
mod topology;
mod trace;

pub use decode::{Action, Decoded, Normalization, PeerMode};
pub use error::{CompileError, Refused};
pub use mesh::Mesh;
pub use pod_labels::PodLabels;
pub use request::{Jwt, Origin, Request, Scheme, Token};
pub use topology::{GatewayPort, GatewayWorkload, Labels, Topology, Workload, WorkloadPort};
pub use trace::{Branch, Decider, Hop, JwtResult, Outcome, Part, Proxy, Step, Steps, Trace};
