//! One placeholder is one finding: a finding about the format of a value that is an unrendered
//! template placeholder (`{{ .Values.x }}`, `${VAR}`) is reported as `unrendered-placeholder`
//! instead, once a token. Which rules it takes over is the `[placeholder]` mark of the rule
//! table ([`crate::model::registry`]); [`Context::report`] asks here for every finding.

use crate::check::Context;
use crate::k8s::placeholder;
use crate::model::diagnostic::{Diagnostic, Severity};
use crate::model::rule;
use crate::model::span::Span;

/// What `unrendered-placeholder` tells to do.
pub const RENDER: &str = "render the templates first (`helm template`, `envsubst`, Flux `postBuild.substitute`) and check what they produce, or write the value";

/// The placeholder a finding is about, if it is about one: where this rule reports it.
pub fn token_of(diagnostic: &Diagnostic, source: &str) -> Option<Span> {
    let span = diagnostic.primary.location.span;
    if diagnostic.rule == &rule::unrendered_placeholder {
        Some(span)
    } else if diagnostic.rule == &rule::invalid_yaml {
        // Of the placeholders, only `{{ ... }}` is YAML syntax (flow mappings).
        placeholder::at(source, span).filter(|t| {
            let text = source.get(t.range()).unwrap_or_default();
            text.starts_with("{{") || text.starts_with("${{")
        })
    } else if diagnostic.rule.replaceable_by_placeholder {
        placeholder::at(source, span)
    } else {
        None
    }
}

/// This rule's finding at `span` instead of another rule's, with that finding's severity (the
/// API server rejects an invalid name; it accepts a StatefulSet's `serviceName` before 1.33).
pub fn instead_of(replaced: Diagnostic, span: Span, cx: &Context<'_>) -> Diagnostic {
    if replaced.rule == &rule::unrendered_placeholder {
        return replaced;
    }
    let verdict = if replaced.rule == &rule::invalid_yaml {
        "kubectl cannot read it as written"
    } else if replaced.rule == &rule::kustomize_missing_file {
        "`kustomize build` fails on it as written"
    } else if replaced.severity == Severity::Error {
        "the API server rejects the value as written"
    } else {
        "the value cannot work as written"
    };
    let mut d = Diagnostic::new(
        &rule::unrendered_placeholder,
        cx.loc(span),
        placeholder::describe(cx.text(span)),
    )
    .with_label("not rendered")
    .with_help(format!("{verdict} (`{}`); {RENDER}", replaced.rule.id));
    d.severity = replaced.severity;
    d.document = replaced.document;
    d.object = replaced.object;
    d
}
