//! Kustomize patches are partial objects: a strategic-merge patch of a Deployment has no
//! `selector`, and may hold directives such as `$patch: delete`. Files that a kustomization names
//! as patches ([`crate::run::project::is_patch_file`]), and objects that hold patch directives, are
//! validated without required fields and with the directives allowed.

use crate::load::tree::Node;

/// Whether a node holds a strategic-merge-patch directive key.
pub fn has_directive(node: &Node) -> bool {
    match &node.value {
        crate::load::tree::Value::Map(entries) => entries
            .iter()
            .any(|e| e.key.as_str().is_some_and(is_directive) || has_directive(&e.value)),
        crate::load::tree::Value::Seq(items) => items.iter().any(has_directive),
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
    fn directives() {
        assert!(is_directive("$setElementOrder/containers"));
        assert!(is_directive("$patch"));
        assert!(!is_directive("$ref"));
    }
}
