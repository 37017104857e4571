//! The stages and pieces the integration tests and benchmarks drive one at a time. Not part of
//! meshc's API: the facade in `lib.rs` is. Each item is named here, not its whole module, so
//! that `unreachable_pub` still finds what nothing outside the crate uses.

/// The CEL parser (the proof that no profile value changes an expression).
pub mod cel {
    pub use crate::cel::{BinaryOp, Expr, Literal, parse};
}

/// Where diagnostics point, and where a code fires.
pub mod diagnostic {
    pub use crate::diagnostic::{Fires, Span};
}

/// The one renderer of diagnostics.
pub mod report {
    pub use crate::diagnostic::render::{Checked, Files, Style, Summary, render};
}

/// `meshc diff`.
pub mod diff {
    pub use crate::diff::{
        Access, Answered, Behaviour, Kind, Resource, Side, compare, json, markdown, parse, text,
    };
}

/// `render --check`.
pub mod drift {
    pub use crate::drift::{compare, unified_diff};
}

/// Writing an output folder.
pub mod emit {
    pub use crate::emit::write_dir;
}

/// Reading an output folder back.
pub mod folder {
    pub use crate::folder::read;
}

/// The limits on what a profile may hold.
pub mod limits {
    pub use crate::limits::{ALL, MAX_DEPTH, MAX_LAYERS, MAX_PROFILE_BYTES, MAX_SERVICES};
}

/// The typed model of a valid profile.
pub mod model {
    pub use crate::model::{Profile, Service};
}

/// The stage templates read.
pub mod plan {
    pub use crate::plan::cluster::ClusterPlan;
    pub use crate::plan::{Plan, Resource, ResourceList, build};
}

/// One cluster's folder of a compiled profile with `[clusters]`; a compile that keeps its
/// simulated mesh (`meshc query`, `meshc diff`), and one that does not prove it (`meshc graph`).
pub mod pipeline {
    pub use crate::pipeline::{ClusterFolder, Simulated, compile_simulated, compile_unproved};
}

/// TOML to raw structs with spans, and the profile's JSON Schema.
pub mod profile {
    pub use crate::profile::{Origin, RawProfile, decode, load, origins, read, schema};
}

/// Templates to YAML.
pub mod render {
    pub use crate::render::{File, kustomization, render};
}

/// The render's own check.
pub mod selfcheck {
    pub use crate::selfcheck::{SelfCheckFailed, verify, verify_keeping};
}

/// The built-in proofs and expectations.
pub mod prove {
    pub use crate::prove::{ProofFailure, check, check_documents};
}

/// Synthetic profiles of any size.
pub mod synth {
    pub use crate::synth::{Shape, profile};
}

/// A profile's workloads, as the simulator sees them.
pub mod topology {
    pub use crate::topology::{host, of, origin};
}

/// The validation stage.
pub mod validate {
    pub use crate::validate::validate;
}

/// `meshc graph`.
pub mod graph {
    pub use crate::graph::{Format, build, collapse, write};
}

/// The Istio checker's pieces below its facade.
pub mod istio {
    pub use crate::istio::cel::compile;
    pub use crate::istio::document::{DEFAULT_NAMESPACE, read};

    /// istiod's admission webhook rules.
    pub mod webhook {
        pub use crate::istio::webhook::{WebhookFinding, check, referee_path};
    }
}
