//! `http[].match[]` of a VirtualService (istio/api networking/v1alpha3/virtual_service.proto
//! `HTTPMatchRequest`).

use super::networking::{StringMatch, resolve_gateway, string_match};
use super::{CompileError, Meta, boolean, labels, object, string, strings, unsigned};
use crate::simulate::topology::Labels;
use crate::yaml::{Node, Value};

/// A map of names to string matches (`headers`, `queryParams`); an entry with no match type
/// is a presence match (`None`).
fn string_matches(
    meta: &Meta,
    node: &Node,
    key: &str,
    lower: bool,
) -> Result<Vec<(String, Option<StringMatch>)>, CompileError> {
    let Some(map) = object(meta, node, key)? else {
        return Ok(Vec::new());
    };
    let mut out = Vec::with_capacity(map.entries().len());
    for (name, value) in map.entries() {
        let name = if lower {
            name.to_ascii_lowercase()
        } else {
            name.to_string()
        };
        let matched = if matches!(value.value, Value::Map(_)) {
            string_match(meta, value)?
        } else {
            None
        };
        out.push((name, matched));
    }
    Ok(out)
}

/// One `http[].match[]` entry. Every entry of the mesh stays decoded until the mesh is built
/// (a large mesh has hundreds of thousands), so what few entries set is boxed: 96 bytes rather
/// than 288 for an entry that matches the uri, the method or headers only.
#[derive(Debug, Clone, Default)]
pub(crate) struct HttpMatch {
    pub uri: Option<StringMatch>,
    pub method: Option<StringMatch>,
    pub headers: Vec<(String, Option<StringMatch>)>,
    /// `None` when the entry sets none of it.
    rare: Option<Box<RareMatch>>,
}

/// The fields of a match entry that few entries set.
#[derive(Debug, Clone, Default)]
pub(crate) struct RareMatch {
    pub scheme: Option<StringMatch>,
    pub authority: Option<StringMatch>,
    pub without_headers: Vec<(String, Option<StringMatch>)>,
    pub query_params: Vec<(String, Option<StringMatch>)>,
    pub ignore_uri_case: bool,
    pub port: Option<u32>,
    pub source_labels: Labels,
    /// Gateway names, resolved to `namespace/name`.
    pub gateways: Vec<String>,
    pub source_namespace: Option<String>,
}

/// A match entry that sets none of [`RareMatch`].
static NOTHING_RARE: RareMatch = RareMatch {
    scheme: None,
    authority: None,
    without_headers: Vec::new(),
    query_params: Vec::new(),
    ignore_uri_case: false,
    port: None,
    source_labels: Labels::new(),
    gateways: Vec::new(),
    source_namespace: None,
};

impl HttpMatch {
    /// What few entries set (all of it unset when this one sets none).
    pub(crate) fn rare(&self) -> &RareMatch {
        self.rare.as_deref().unwrap_or(&NOTHING_RARE)
    }
}

impl RareMatch {
    fn is_unset(&self) -> bool {
        self.scheme.is_none()
            && self.authority.is_none()
            && self.without_headers.is_empty()
            && self.query_params.is_empty()
            && !self.ignore_uri_case
            && self.port.is_none()
            && self.source_labels.is_empty()
            && self.gateways.is_empty()
            && self.source_namespace.is_none()
    }
}

/// One `http[].match[]` entry read.
pub(super) fn http_match(
    meta: &Meta,
    m: &Node,
    namespace: &str,
) -> Result<HttpMatch, CompileError> {
    // Read in the order they always were, so that the first error is the one it was.
    let string_match_at = |key: &str| -> Result<Option<StringMatch>, CompileError> {
        Ok(object(meta, m, key)?
            .map(|n| string_match(meta, n))
            .transpose()?
            .flatten())
    };
    let uri = string_match_at("uri")?;
    let scheme = string_match_at("scheme")?;
    let method = string_match_at("method")?;
    let authority = string_match_at("authority")?;
    let headers = string_matches(meta, m, "headers", true)?;
    let rare = RareMatch {
        scheme,
        authority,
        without_headers: string_matches(meta, m, "withoutHeaders", true)?,
        query_params: string_matches(meta, m, "queryParams", false)?,
        ignore_uri_case: boolean(meta, m, "ignoreUriCase")?.unwrap_or(false),
        port: unsigned(meta, m, "port")?,
        source_labels: labels(meta, m, "sourceLabels")?,
        gateways: strings(meta, m, "gateways")?
            .iter()
            .map(|g| resolve_gateway(g, namespace))
            .collect(),
        source_namespace: string(meta, m, "sourceNamespace")?.map(str::to_string),
    };
    Ok(HttpMatch {
        uri,
        method,
        headers,
        rare: (!rare.is_unset()).then(|| Box::new(rare)),
    })
}

#[cfg(test)]
mod tests {
    use crate::simulate::testing::resources;

    /// An entry that sets none of the rare fields holds no box, and reads them all unset.
    #[test]
    fn a_plain_match_entry_boxes_nothing() {
        let r = resources(
            r"apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: v, namespace: ns}
spec:
  hosts: [a]
  http:
  - match:
    - uri: {prefix: /p}
      method: {exact: GET}
      headers: {x-a: {exact: b}}
    - port: 80
    route: [{destination: {host: b}}]
",
        );
        let matches = &r.virtual_services[0].http[0].matches;
        assert!(matches[0].rare.is_none());
        let rare = matches[0].rare();
        assert!(rare.scheme.is_none() && rare.port.is_none() && rare.gateways.is_empty());
        assert_eq!(matches[0].headers.len(), 1);
        assert_eq!(matches[1].rare().port, Some(80));
        assert_eq!(size_of::<super::HttpMatch>(), 96);
    }
}
