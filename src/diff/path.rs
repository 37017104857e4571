//! Field paths as reviewers read them: `http[default].route[canary].weight`.

use std::fmt;

/// One step into an object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    /// A mapping key.
    Key(String),
    /// A list entry found by its name (or subset, host, port name, metric).
    Named(String),
    /// A list entry found by its position (0-based).
    Index(usize),
    /// A list entry found by its position, with what it is about (`caller shop/cart`).
    About(usize, String),
}

/// Where a field is, from the object's root.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldPath(pub Vec<Segment>);

impl FieldPath {
    /// This path one step further.
    pub(super) fn join(&self, segment: Segment) -> Self {
        let mut segments = self.0.clone();
        segments.push(segment);
        Self(segments)
    }
}

/// `spec` holds nearly every change; leaving it out keeps lines short. Other top-level keys
/// (`apiVersion`, `metadata`) are written out.
impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let skip = usize::from(matches!(self.0.first(), Some(Segment::Key(k)) if k == "spec"));
        for (i, segment) in self.0.iter().skip(skip).enumerate() {
            match segment {
                Segment::Key(key) if is_plain(key) => {
                    if i > 0 {
                        f.write_str(".")?;
                    }
                    f.write_str(key)?;
                }
                Segment::Key(key) => write!(f, "[{}]", quoted(key))?,
                Segment::Named(name) if !needs_quotes(name) => write!(f, "[{name}]")?,
                Segment::Named(name) => write!(f, "[{}]", quoted(name))?,
                Segment::Index(index) => write!(f, "[{index}]")?,
                Segment::About(index, about) if !needs_quotes_inside(about) => {
                    write!(f, "[{index}: {about}]")?;
                }
                Segment::About(index, about) => write!(f, "[{index}: {}]", quoted(about))?,
            }
        }
        Ok(())
    }
}

/// A key that reads unambiguously after a dot.
fn is_plain(text: &str) -> bool {
    !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

fn needs_quotes(text: &str) -> bool {
    text.is_empty()
        || text
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || "[]\"'".contains(c))
}

/// Whether a description would be misread between `[N: ` and `]`; spaces are fine there.
fn needs_quotes_inside(text: &str) -> bool {
    text.chars().any(|c| c.is_control() || "[]\"".contains(c))
}

fn quoted(text: &str) -> String {
    serde_json::Value::String(text.to_string()).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(segments: Vec<Segment>) -> String {
        FieldPath(segments).to_string()
    }

    #[test]
    fn reads_like_the_yaml() {
        assert_eq!(
            path(vec![
                Segment::Key("spec".into()),
                Segment::Key("http".into()),
                Segment::Named("default".into()),
                Segment::Key("route".into()),
                Segment::Named("canary".into()),
                Segment::Key("weight".into()),
            ]),
            "http[default].route[canary].weight"
        );
        assert_eq!(
            path(vec![
                Segment::Key("metadata".into()),
                Segment::Key("labels".into()),
                Segment::Key("topology.kubernetes.io/region".into()),
            ]),
            "metadata.labels[\"topology.kubernetes.io/region\"]"
        );
        assert_eq!(
            path(vec![
                Segment::Key("spec".into()),
                Segment::Key("rules".into()),
                Segment::Index(2),
                Segment::Key("route".into()),
                Segment::Named("api.example.com".into()),
                Segment::Named("a b".into()),
            ]),
            "rules[2].route[api.example.com][\"a b\"]"
        );
        assert_eq!(
            path(vec![
                Segment::Key("spec".into()),
                Segment::Key("rules".into()),
                Segment::About(1, "caller shop/cart, path /v1/*".into()),
                Segment::About(0, "claim[x]".into()),
            ]),
            "rules[1: caller shop/cart, path /v1/*][0: \"claim[x]\"]"
        );
    }
}
