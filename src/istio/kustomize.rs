//! Kustomize layouts among the files given: a `kustomization.yaml` says which of its folder's
//! files are patches (partial objects, or lists of JSON 6902 operations, which only
//! `kustomize build` turns into objects) and which namespace its resources go to. Patches are
//! left out of the check, and a resource file that names no namespace takes the
//! kustomization's, as `kubectl apply -k` applies it. What an overlay makes of a base is only
//! known after `kustomize build`; `kubectl kustomize DIR | meshc verify -` checks that.

use std::collections::{HashMap, HashSet};
use std::path::{Component, Path, PathBuf};

use super::files;
use crate::yaml::{self, Node, Value};

/// The file names Kustomize reads as a kustomization.
const NAMES: &[&str] = &["kustomization.yaml", "kustomization.yml"];

/// What the kustomizations among some files say about the others.
#[derive(Debug, Default)]
pub(crate) struct Layout {
    /// Files that kustomizations name as patches.
    patches: HashSet<PathBuf>,
    /// Files that kustomizations name as resources, with the namespace they set.
    namespaces: HashMap<PathBuf, String>,
}

impl Layout {
    /// Reads the kustomizations among `paths`. One that cannot be read or parsed says
    /// nothing here: it is checked, and reported, like every other file.
    pub(crate) fn of(paths: &[PathBuf]) -> Self {
        let mut layout = Self::default();
        for path in paths.iter().filter(|p| is_kustomization(p)) {
            let Ok(text) = files::read(path) else {
                continue;
            };
            let dir = path.parent().unwrap_or(Path::new(""));
            for document in yaml::read(&text).documents {
                layout.add(dir, &document.root);
            }
        }
        layout
    }

    /// Whether a kustomization names `path` as a patch.
    pub(crate) fn is_patch(&self, path: &Path) -> bool {
        self.patches.contains(&normal(path))
    }

    /// The namespace a kustomization sets for the resources of `path`.
    pub(crate) fn namespace(&self, path: &Path) -> Option<&str> {
        self.namespaces.get(&normal(path)).map(String::as_str)
    }

    fn add(&mut self, dir: &Path, root: &Node) {
        let file = |node: &Node| {
            node.as_str()
                .filter(|s| !s.contains('\n'))
                .map(|s| normal(&dir.join(s)))
        };
        // `patchesStrategicMerge` holds paths or inline patches; `patches` and
        // `patchesJson6902` hold entries whose `path` names a file.
        let listed = |key: &str| root.get(key).map(Node::items).unwrap_or_default();
        for node in listed("patchesStrategicMerge") {
            self.patches.extend(file(node));
        }
        for node in listed("patches").iter().chain(listed("patchesJson6902")) {
            self.patches.extend(node.get("path").and_then(file));
        }
        if let Some(Value::Str(namespace)) = root.get("namespace").map(|n| &n.value) {
            for node in listed("resources") {
                if let Some(path) = file(node) {
                    self.namespaces.insert(path, namespace.to_string());
                }
            }
        }
    }
}

fn is_kustomization(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| NAMES.contains(&n))
}

/// `path` with `.` and `a/..` removed, as written (no file system look-up): the same file
/// named from a folder or from a kustomization compares equal.
fn normal(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir
                if matches!(out.components().next_back(), Some(Component::Normal(_))) =>
            {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layout(dir: &str, text: &str) -> Layout {
        let mut layout = Layout::default();
        layout.add(Path::new(dir), &yaml::read(text).documents[0].root);
        layout
    }

    #[test]
    fn patches_of_every_form_are_named() {
        let found = layout(
            "overlays/prod",
            "patches:\n- path: weights.yaml\n- patch: |-\n    - op: remove\n      path: /spec\n\
             patchesStrategicMerge:\n- ./replicas.yaml\n- |-\n  apiVersion: v1\n  kind: Service\n\
             patchesJson6902:\n- target: {kind: VirtualService, name: a}\n  path: ../shared/ops.yaml\n",
        );
        let mut patches: Vec<_> = found
            .patches
            .iter()
            .map(|p| p.display().to_string())
            .collect();
        patches.sort();
        assert_eq!(
            patches,
            [
                "overlays/prod/replicas.yaml",
                "overlays/prod/weights.yaml",
                "overlays/shared/ops.yaml"
            ]
        );
        assert!(found.is_patch(Path::new("overlays/./prod/weights.yaml")));
        assert!(!found.is_patch(Path::new("overlays/prod/kustomization.yaml")));
    }

    #[test]
    fn the_namespace_goes_to_the_resources_listed() {
        let found = layout(
            "base",
            "namespace: shop\nresources:\n- route.yaml\n- ../common\n",
        );
        assert_eq!(found.namespace(Path::new("base/route.yaml")), Some("shop"));
        assert_eq!(found.namespace(Path::new("base/other.yaml")), None);
        let none = layout("base", "resources:\n- route.yaml\n");
        assert_eq!(none.namespace(Path::new("base/route.yaml")), None);
    }

    #[test]
    fn only_a_kustomization_file_names_patches() {
        let dir = tempfile::tempdir().unwrap();
        let text = "patchesStrategicMerge: [p.yaml]\nnamespace: shop\nresources: [r.yaml]\n";
        let kustomization = dir.path().join("kustomization.yaml");
        let other = dir.path().join("values.yaml");
        std::fs::write(&kustomization, text).unwrap();
        std::fs::write(&other, text.replace("p.yaml", "q.yaml")).unwrap();
        let layout = Layout::of(&[kustomization, other]);
        assert!(layout.is_patch(&dir.path().join("p.yaml")));
        assert!(!layout.is_patch(&dir.path().join("q.yaml")));
        assert_eq!(layout.namespace(&dir.path().join("r.yaml")), Some("shop"));
    }

    #[test]
    fn paths_compare_as_written() {
        assert_eq!(
            normal(Path::new("a/./b/../c.yaml")),
            PathBuf::from("a/c.yaml")
        );
        assert_eq!(normal(Path::new("../x/../y")), PathBuf::from("../y"));
    }
}
