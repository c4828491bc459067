//! `invalid-namespace`: `metadata.namespace` is not a DNS-1123 label (reference §1.2 META-NS-VALUE).

use crate::check::Context;
use crate::model::diagnostic::Diagnostic;
use crate::k8s::object::Object;
use crate::k8s::validate;

pub use crate::model::rule::invalid_namespace as RULE;

pub fn check(object: &Object<'_>, cx: &mut Context<'_>) {
    let Some(node) = object.metadata.and_then(|m| m.get("namespace")) else {
        return;
    };
    if node.is_null() {
        return;
    }
    let Some(namespace) = node.as_str() else {
        super::invalid_name::report_not_string(&RULE, cx, "namespace", node);
        return;
    };
    if namespace.is_empty() {
        return; // Same as unset: kubectl uses the context's namespace.
    }
    let errors = validate::dns1123_label(namespace);
    if errors.is_empty() {
        return;
    }
    cx.report(
        Diagnostic::new(
            &RULE,
            cx.loc(node.span),
            format!(
                "metadata.namespace: Invalid value: {namespace:?}: {}",
                errors.join(", ")
            ),
        )
        .with_label("not a valid namespace name")
        .with_help("namespace names are DNS-1123 labels: lower-case letters, digits and '-', starting and ending with a letter or digit, at most 63 characters"),
    );
}
