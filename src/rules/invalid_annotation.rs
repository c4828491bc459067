//! `invalid-annotation`: an annotation key is not a qualified name (checked case-insensitively),
//! or all annotations together exceed 256 KiB (reference §1.3 ANN-KEY, ANN-SIZE).

use crate::check::Context;
use crate::model::diagnostic::Diagnostic;
use crate::k8s::object::Object;
use crate::load::tree::Node;
use crate::k8s::validate;

pub use crate::model::rule::invalid_annotation as RULE;

pub fn check(object: &Object<'_>, cx: &mut Context<'_>) {
    let mut maps = vec![(
        "metadata.annotations",
        object.get(&["metadata", "annotations"]),
    )];
    if object.is_builtin() {
        maps.push((
            "spec.template.metadata.annotations",
            object.get(&["spec", "template", "metadata", "annotations"]),
        ));
    }
    for (path, annotations) in maps {
        if let Some(annotations) = annotations.filter(|n| n.is_map()) {
            check_map(path, annotations, cx);
        }
    }
}

fn check_map(path: &str, annotations: &Node, cx: &mut Context<'_>) {
    let mut total = 0usize;
    for entry in annotations.entries() {
        let Some(key) = entry.key.key_string() else {
            continue;
        };
        total += key.len() + entry.value.as_str().map_or(0, str::len);
        let errors = validate::qualified_name(&key.to_ascii_lowercase());
        if errors.is_empty() {
            continue;
        }
        cx.report(
            Diagnostic::new(
                &RULE,
                cx.loc(entry.key.span),
                format!("{path}: Invalid value: {key:?}: {}", errors.join(", ")),
            )
            .with_label("invalid annotation key")
            .with_help("an annotation key is an optional DNS subdomain prefix and '/', then a name of 1-63 letters, digits, '-', '_' or '.' (e.g. `example.com/owner`)"),
        );
    }
    if total > validate::TOTAL_ANNOTATION_SIZE_MAX {
        cx.report(
            Diagnostic::new(
                &RULE,
                cx.loc(annotations.span),
                format!(
                    "{path}: Too long: may not be more than {} bytes (these are {total})",
                    validate::TOTAL_ANNOTATION_SIZE_MAX
                ),
            )
            .with_help("move large data into a ConfigMap; remember that client-side `kubectl apply` also copies the whole object into an annotation (use --server-side)"),
        );
    }
}
