//! YAML read the way kubectl reads it, every value with its line: the stream split into
//! documents ([`read`]) and the value tree ([`Node`], [`Value`]), walked by the field paths of
//! [`crate::diagnostic::Path`].
//!
//! Shared by the Istio checker ([`crate::istio`]) and the semantic diff; it knows nothing of
//! Istio or of profiles.

mod fast;
pub(crate) mod node;
mod scalar;
mod stream;

pub(crate) use node::{Node, Value, from_json, short, to_json};
pub(crate) use stream::{PieceUse, SyntaxError, read, read_each, read_piece};
