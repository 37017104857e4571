//! What a route does to a request besides sending it on: header operations, fault injection,
//! and the conditions a gateway route adds to its path.

use super::{Duration, HeaderName, HeaderValue, Percent};

/// Header operations of one side of a route (request or response). Names are distinct across
/// the three lists; values are data, never Envoy's `%VARIABLE%` syntax.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HeaderOps {
    /// Headers set, replacing any value.
    pub set: Vec<(HeaderName, HeaderValue)>,
    /// Headers appended.
    pub add: Vec<(HeaderName, HeaderValue)>,
    /// Headers removed.
    pub remove: Vec<HeaderName>,
}

impl HeaderOps {
    /// Whether there is no operation.
    pub fn is_empty(&self) -> bool {
        self.set.is_empty() && self.add.is_empty() && self.remove.is_empty()
    }

    /// These operations, then `later`'s: for a header both name, `later` decides.
    #[must_use]
    pub fn then(&self, later: &HeaderOps) -> HeaderOps {
        let named_later = |name: &HeaderName| {
            later.set.iter().any(|(n, _)| n == name)
                || later.add.iter().any(|(n, _)| n == name)
                || later.remove.contains(name)
        };
        let keep = |list: &[(HeaderName, HeaderValue)]| -> Vec<(HeaderName, HeaderValue)> {
            list.iter()
                .filter(|(n, _)| !named_later(n))
                .cloned()
                .collect()
        };
        let mut set = keep(&self.set);
        set.extend(later.set.iter().cloned());
        set.sort();
        let mut add = keep(&self.add);
        add.extend(later.add.iter().cloned());
        add.sort();
        let mut remove: Vec<HeaderName> = self
            .remove
            .iter()
            .filter(|n| !named_later(n))
            .cloned()
            .collect();
        remove.extend(later.remove.iter().cloned());
        remove.sort();
        HeaderOps { set, add, remove }
    }
}

/// The header operations of a route.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RouteHeaders {
    /// On the request, before the destination receives it.
    pub request: HeaderOps,
    /// On the response, before the caller receives it.
    pub response: HeaderOps,
}

impl RouteHeaders {
    /// Whether there is no operation.
    pub fn is_empty(&self) -> bool {
        self.request.is_empty() && self.response.is_empty()
    }

    /// These operations, then `later`'s (a gateway route's after its service route's).
    #[must_use]
    pub fn then(&self, later: &RouteHeaders) -> RouteHeaders {
        RouteHeaders {
            request: self.request.then(&later.request),
            response: self.response.then(&later.response),
        }
    }
}

/// Fault injection on a route: a delay, an abort, or both, each for a share of the requests.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fault {
    /// How long, and for which percent of the requests.
    pub delay: Option<(Duration, Percent)>,
    /// Which status, and for which percent of the requests.
    pub abort: Option<(u16, Percent)>,
}

/// A condition on a request header.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum HeaderCondition {
    /// The whole value equals this.
    Exact(HeaderValue),
    /// The whole value matches this RE2 regular expression (checked).
    Regex(String),
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{HttpPath, PathMatch};

    fn name(text: &str) -> HeaderName {
        HeaderName::parse(text).unwrap()
    }

    fn pair(n: &str, v: &str) -> (HeaderName, HeaderValue) {
        (name(n), HeaderValue::parse(v).unwrap())
    }

    #[test]
    fn later_operations_decide_for_a_header_both_name() {
        let service = HeaderOps {
            set: vec![pair("x-component", "reports"), pair("x-keep", "1")],
            add: vec![pair("x-trace", "a")],
            remove: vec![name("x-debug"), name("x-gone")],
        };
        let gateway = HeaderOps {
            set: vec![pair("x-component", "api")],
            add: vec![pair("x-debug", "on")],
            remove: vec![name("x-trace")],
        };
        let both = service.then(&gateway);
        assert_eq!(both.set, [pair("x-component", "api"), pair("x-keep", "1")]);
        assert_eq!(both.add, [pair("x-debug", "on")]);
        assert_eq!(both.remove, [name("x-gone"), name("x-trace")]);
        assert!(!both.is_empty());
        assert!(HeaderOps::default().then(&HeaderOps::default()).is_empty());
        let headers = RouteHeaders {
            request: HeaderOps::default(),
            response: gateway.clone(),
        };
        assert!(!headers.is_empty());
        assert_eq!(RouteHeaders::default().then(&headers), headers);
    }

    #[test]
    fn path_conditions_overlap_where_a_request_can_match_both() {
        let prefix = |p: &str| PathMatch::Prefix(HttpPath::parse(p).unwrap());
        let exact = |p: &str| PathMatch::Exact(HttpPath::parse(p).unwrap());
        assert!(prefix("/a").overlaps(&prefix("/a/b")));
        assert!(prefix("/a/b").overlaps(&prefix("/a")));
        assert!(!prefix("/a").overlaps(&prefix("/ab")));
        assert!(prefix("/").overlaps(&exact("/health")));
        assert!(exact("/a/b").overlaps(&prefix("/a")));
        assert!(!exact("/a").overlaps(&prefix("/a/b")));
        assert!(exact("/a").overlaps(&exact("/a")));
        assert!(!exact("/a").overlaps(&exact("/b")));
    }
}
