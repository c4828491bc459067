//! Kustomize patches are partial objects: a strategic-merge patch of a Deployment has no
//! `selector`, and may hold directives such as `$patch: delete`. Files that a kustomization in
//! the checked paths names as patches, and objects that hold patch directives, are validated
//! without required fields and with the directives allowed.

use crate::tree::Node;
use std::path::{Component, Path, PathBuf};

/// The file names kustomize reads as a kustomization.
pub fn is_kustomization_file(path: &Path) -> bool {
    path.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
        matches!(
            n,
            "kustomization.yaml" | "kustomization.yml" | "Kustomization"
        )
    })
}

/// The patch files a kustomization document names (`patches[].path`, `patches` and
/// `patchesStrategicMerge` entries that are paths), resolved against its directory.
pub fn patch_paths(kustomization: &Path, root: &Node) -> Vec<PathBuf> {
    let dir = kustomization.parent().unwrap_or(Path::new(""));
    let mut paths = Vec::new();
    for key in ["patches", "patchesStrategicMerge"] {
        for item in root.get(key).and_then(Node::as_seq).unwrap_or(&[]) {
            let path = match item.as_str() {
                Some(s) => s,
                None => match item.get("path").and_then(Node::as_str) {
                    Some(s) => s,
                    None => continue,
                },
            };
            // An inline patch (patchesStrategicMerge allows YAML text) is not a path.
            if path.contains('\n') || path.trim().is_empty() {
                continue;
            }
            paths.push(normalize(&dir.join(path.trim())));
        }
    }
    paths
}

/// Lexical normalization (`a/./b/../c` → `a/c`), so paths from the walk and from a
/// kustomization compare equal.
pub fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// Whether a node holds a strategic-merge-patch directive key.
pub fn has_directive(node: &Node) -> bool {
    match &node.value {
        crate::tree::Value::Map(entries) => entries
            .iter()
            .any(|e| e.key.as_str().is_some_and(is_directive) || has_directive(&e.value)),
        crate::tree::Value::Seq(items) => items.iter().any(has_directive),
        _ => false,
    }
}

/// `$patch`, `$retainKeys`, `$setElementOrder/<list>`, `$deleteFromPrimitiveList/<list>`.
pub fn is_directive(key: &str) -> bool {
    key == "$patch"
        || key == "$retainKeys"
        || key.starts_with("$setElementOrder/")
        || key.starts_with("$deleteFromPrimitiveList/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_normalize_lexically() {
        assert_eq!(
            normalize(Path::new("a/./b/../c.yaml")),
            PathBuf::from("a/c.yaml")
        );
        assert_eq!(normalize(Path::new("../x")), PathBuf::from("../x"));
        assert!(is_kustomization_file(Path::new(
            "overlays/kustomization.yaml"
        )));
        assert!(!is_kustomization_file(Path::new("kustomize.yaml")));
        assert!(is_directive("$setElementOrder/containers"));
        assert!(!is_directive("$ref"));
    }
}
