//! `missing-kind-or-api-version`: a document with `kind` but no `apiVersion`, or the reverse, or
//! an empty or non-string `kind`/`apiVersion`. kubectl: `error validating data: [apiVersion not
//! set, kind not set]` (reference §10, YAML-MISSING-TYPEMETA).

use crate::check::Context;
use crate::model::diagnostic::Diagnostic;
use crate::k8s::object::Object;

pub use crate::model::rule::missing_kind_or_api_version as RULE;

pub fn check(object: &Object<'_>, cx: &mut Context<'_>) {
    let root = object.root;
    let api_version = root.entry("apiVersion");
    let kind = root.entry("kind");
    for (field, entry, example) in [
        ("apiVersion", api_version, "apps/v1"),
        ("kind", kind, "Deployment"),
    ] {
        let diagnostic = match entry {
            None => {
                // Point at the field that is there, or at the start of the object.
                let anchor = api_version.or(kind).map_or(root.span, |e| e.key.span);
                Diagnostic::new(&RULE, cx.loc(anchor), format!("`{field}` is not set"))
                    .with_help(format!(
                        "kubectl rejects objects without `{field}` ({field} not set); add e.g. `{field}: {example}`"
                    ))
            }
            Some(e) => match e.value.as_str() {
                Some(s) if !s.trim().is_empty() => continue,
                Some(_) => {
                    Diagnostic::new(&RULE, cx.loc(e.value.span), format!("`{field}` is empty"))
                        .with_help(format!("set `{field}`, e.g. `{field}: {example}`"))
                }
                None => Diagnostic::new(
                    &RULE,
                    cx.loc(e.value.span),
                    format!(
                        "`{field}` must be a string, but this is a {}",
                        e.value.type_name()
                    ),
                )
                .with_help(format!("write it as a string, e.g. `{field}: {example}`")),
            },
        };
        cx.report(diagnostic);
    }
}
