//! The headers a proof's probe of a gateway route sends: its exact values, and for its regexes
//! a value spelled from each ([`crate::validate::header_value`]).

use crate::model::{HeaderCondition, HeaderName};
use crate::simulate::Request;
use crate::validate::header_value;

/// `request` with the header a route's condition asks for: the exact value, or a sample of
/// the regex (none where the regex has no cheap sample, which validation warns about).
pub(super) fn with_header(
    request: Request,
    name: &HeaderName,
    condition: &HeaderCondition,
) -> Request {
    let value = match condition {
        HeaderCondition::Exact(value) => Some(value.as_str().to_string()),
        HeaderCondition::Regex(pattern) => header_value(pattern),
    };
    match value {
        Some(value) => request.header(name.as_str(), &value),
        None => request,
    }
}
