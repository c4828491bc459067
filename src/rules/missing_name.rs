//! `missing-name`: neither `metadata.name` nor `metadata.generateName` is set
//! (reference §1.1 META-NAME-REQ).

use crate::check::Context;
use crate::model::diagnostic::Diagnostic;
use crate::k8s::object::Object;

pub use crate::model::rule::missing_name as RULE;

pub fn check(object: &Object<'_>, cx: &mut Context<'_>) {
    if object.kind.is_none() {
        return; // missing-kind-or-api-version already explains this document.
    }
    // A present but malformed value (a number, say) is invalid-name's to explain.
    let has = |key| {
        object
            .metadata
            .and_then(|m| m.get(key))
            .is_some_and(|n| !n.is_null() && n.as_str() != Some(""))
    };
    if has("name") || has("generateName") {
        return;
    }
    let at = match object.root.entry("metadata") {
        Some(e) => e.key.span,
        None => object
            .root
            .entry("kind")
            .map_or(object.root.span, |e| e.key.span),
    };
    cx.report(
        Diagnostic::new(
            &RULE,
            cx.loc(at),
            "metadata.name: Required value: name or generateName is required",
        )
        .with_help("add `metadata.name` with the object's name"),
    );
}
