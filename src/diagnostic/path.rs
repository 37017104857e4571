//! Field paths into a structured document (`spec.http[0].route[1]`): how a location in a YAML
//! file names the field it is about. The YAML reader walks them; diagnostics print them.

use std::fmt::{self, Write as _};
use std::sync::Arc;

/// One step of a path into a document.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Step {
    /// A mapping key; shared, so that a longer path copies no text (checks build a path for
    /// every field they visit).
    Key(Arc<str>),
    /// A list index.
    Index(usize),
}

/// A path into a document, printed like `spec.http[0].route[1].destination`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Path(pub Vec<Step>);

impl Path {
    /// The path of the document itself.
    pub fn root() -> Self {
        Self(Vec::new())
    }

    /// This path with a key added.
    #[must_use]
    pub fn key(&self, key: &str) -> Self {
        let mut steps = self.0.clone();
        steps.push(Step::Key(key.into()));
        Self(steps)
    }

    /// This path with an index added.
    #[must_use]
    pub fn index(&self, index: usize) -> Self {
        let mut steps = self.0.clone();
        steps.push(Step::Index(index));
        Self(steps)
    }

    /// A path of keys.
    pub fn of(keys: &[&str]) -> Self {
        Self(keys.iter().map(|k| Step::Key((*k).into())).collect())
    }
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str(".");
        }
        for (i, step) in self.0.iter().enumerate() {
            match step {
                Step::Index(index) => write!(f, "[{index}]")?,
                Step::Key(key) if is_plain_key(key) => {
                    if i > 0 {
                        f.write_char('.')?;
                    }
                    f.write_str(key)?;
                }
                Step::Key(key) => write!(f, "[{}]", serde_json::Value::from(&**key))?,
            }
        }
        Ok(())
    }
}

/// Keys printed bare in a path: `[A-Za-z_$@][\w$@-]*`, as the referee prints them.
fn is_plain_key(key: &str) -> bool {
    let mut chars = key.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || matches!(c, '_' | '$' | '@'))
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '$' | '@' | '-'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_print_like_json_paths() {
        let path = Path::of(&["spec", "http"])
            .index(0)
            .key("app.kubernetes.io/name");
        assert_eq!(
            path.to_string(),
            r#"spec.http[0]["app.kubernetes.io/name"]"#
        );
        assert_eq!(Path::root().to_string(), ".");
        assert_eq!(
            Path::of(&["a", "8080"]).index(2).to_string(),
            r#"a["8080"][2]"#
        );
    }
}
