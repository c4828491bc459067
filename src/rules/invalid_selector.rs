//! `invalid-selector`: a workload's `spec.selector` is missing, empty or malformed (reference
//! §3.1 CTL-SEL-REQ, CTL-SEL-EMPTY, §1.3 LBL-SEL-OP, §4 JOB-SELECTOR-MANUAL). Whether it matches
//! the template is `selector-mismatch`; label keys and values in `matchLabels` are checked by
//! the label rules.

use crate::k8s::apimachinery;
use crate::check::Context;
use crate::model::diagnostic::{Diagnostic, Rule};
use crate::k8s::object::Object;
use crate::load::tree::Value;
use crate::k8s::validate;
use crate::k8s::apimachinery::go_quote;
use crate::k8s::field::Field;
use crate::k8s::kind::Kind;
use crate::k8s::selector::labels_of;
use crate::k8s::workload;

pub use crate::model::rule::invalid_selector as RULE;

pub fn check(object: &Object<'_>, cx: &mut Context<'_>) {
    let Some(kind) = Kind::of(object) else {
        return;
    };
    let Some(spec) = workload::spec(object) else {
        return;
    };
    let selector = spec.child("selector").filter(|f| !f.is_null());
    match kind {
        Kind::Deployment | Kind::ReplicaSet | Kind::StatefulSet | Kind::DaemonSet => {
            let Some(selector) = selector else {
                // A DaemonSet without one fails the match check instead (selector-mismatch);
                // kustomize's selector labels make one.
                if kind != Kind::DaemonSet
                    && !cx.is_partial()
                    && cx.kustomize_selector_labels().is_empty()
                {
                    report_missing(cx, object, &spec, kind);
                }
                return;
            };
            if !selector.node.is_map() {
                return;
            }
            let count = |key| {
                selector.child(key).map_or(0, |f| {
                    f.node.entries().len() + f.node.as_seq().map_or(0, <[_]>::len)
                })
            };
            if count("matchLabels") + count("matchExpressions") == 0 {
                let which = match kind {
                    Kind::DaemonSet => "daemonset",
                    Kind::StatefulSet => "statefulset",
                    // The ReplicaSet message says "deployment" too.
                    _ => "deployment",
                };
                cx.report(
                    Diagnostic::new(
                        &RULE,
                        cx.loc(selector.value_span()),
                        apimachinery::invalid(
                            "spec.selector",
                            &selector.node.to_json().to_string(),
                            &format!("empty selector is invalid for {which}"),
                        ),
                    )
                    .with_label("selects nothing in particular")
                    .with_help(suggestion(object, kind)),
                );
                return;
            }
            check_expressions(cx, &RULE, &selector, true);
        }
        Kind::Job => {
            let manual = spec.child("manualSelector").and_then(|f| f.node.as_bool()) == Some(true);
            if !manual {
                return; // job-selector
            }
            match selector {
                None if cx.is_partial() => {}
                None => {
                    let at = spec.child("manualSelector").map_or(spec.key, |f| f.key);
                    cx.report(
                        Diagnostic::new(&RULE, cx.loc(at), apimachinery::required("spec.selector", ""))
                            .with_label("manualSelector needs a selector")
                            .with_help("with `manualSelector: true` you must write `spec.selector` yourself, matching the template labels; or remove `manualSelector` and let Kubernetes generate it"),
                    );
                }
                Some(selector) if selector.node.is_map() => {
                    check_expressions(cx, &RULE, &selector, true)
                }
                Some(_) => {}
            }
        }
        Kind::ReplicationController => {
            // An empty selector is defaulted from the template labels.
            let has_selector = selector.is_some_and(|s| !s.node.entries().is_empty());
            let has_labels = workload::pod_spec(object)
                .and_then(|p| p.template_labels())
                .is_some_and(|l| !l.node.entries().is_empty());
            if !has_selector && !has_labels && !cx.is_partial() {
                let at = spec.child("selector").map_or(spec.key, |f| f.key);
                cx.report(
                    Diagnostic::new(&RULE, cx.loc(at), apimachinery::required("spec.selector", ""))
                        .with_label("no selector and no template labels to default it from")
                        .with_help("give the pod template labels (`spec.template.metadata.labels`); the selector defaults to them"),
                );
            }
        }
        _ => {}
    }
}

fn report_missing(cx: &mut Context<'_>, object: &Object<'_>, spec: &Field<'_>, kind: Kind) {
    cx.report(
        Diagnostic::new(
            &RULE,
            cx.loc(spec.key),
            apimachinery::required("spec.selector", ""),
        )
        .with_label(format!("a {} needs a selector", kind.name()))
        .with_help(suggestion(object, kind)),
    );
}

/// "add `spec.selector.matchLabels` with the template labels: {app: web}".
fn suggestion(object: &Object<'_>, kind: Kind) -> String {
    let labels = workload::pod_spec(object)
        .and_then(|p| p.template_labels())
        .map(|l| labels_of(l.node))
        .unwrap_or_default();
    if labels.is_empty() {
        format!(
            "a {} finds its pods by `spec.selector.matchLabels`: give the pod template labels (`spec.template.metadata.labels`, e.g. `app: myapp`) and select them",
            kind.name()
        )
    } else {
        let pairs: Vec<String> = labels.iter().map(|(k, v)| format!("{k}: {v}")).collect();
        format!(
            "a {} finds its pods by label: select the template's labels, e.g. `selector: {{matchLabels: {{{}}}}}`",
            kind.name(),
            pairs.join(", ")
        )
    }
}

/// A `metav1.LabelSelector` elsewhere in an object (pod affinity terms, topology spread
/// constraints), as apimachinery's `ValidateLabelSelector` checks it, reported as `rule`:
/// `matchLabels` keys and values (the label rules look only at the selectors they know), then
/// the expressions. `values`: whether invalid label values in expressions are errors
/// (`AllowInvalidLabelValueInSelector` is off on create).
pub fn check_label_selector(
    cx: &mut Context<'_>,
    rule: &'static Rule,
    selector: &Field<'_>,
    values: bool,
) {
    if !selector.node.is_map() {
        return;
    }
    if let Some(labels) = selector.child("matchLabels").filter(|f| f.node.is_map()) {
        for entry in labels.node.entries() {
            if let Some(k) = entry.key.as_str() {
                let errors = validate::qualified_name(k);
                if !errors.is_empty() {
                    cx.report(
                        Diagnostic::new(
                            rule,
                            cx.loc(entry.key.span),
                            apimachinery::invalid(&labels.path, &go_quote(k), &errors.join(", ")),
                        )
                        .with_label("not a valid label key")
                        .with_help(LABEL_KEY_HELP),
                    );
                }
            }
            if let Value::Str(v) = &entry.value.value {
                let errors = validate::label_value(v);
                if !errors.is_empty() {
                    cx.report(
                        Diagnostic::new(
                            rule,
                            cx.loc(entry.value.span),
                            apimachinery::invalid(&labels.path, &go_quote(v), &errors.join(", ")),
                        )
                        .with_label("not a valid label value")
                        .with_help(LABEL_VALUE_HELP),
                    );
                }
            }
        }
    }
    check_expressions(cx, rule, selector, values);
}

const LABEL_KEY_HELP: &str = "a selector key is a label key: an optional DNS-subdomain prefix and '/', then up to 63 letters, digits, '-', '_' or '.'";
const LABEL_VALUE_HELP: &str = "a label value is empty or at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit";

/// `matchExpressions` entries: operator, values, key and value formats.
fn check_expressions(
    cx: &mut Context<'_>,
    rule: &'static Rule,
    selector: &Field<'_>,
    check_values: bool,
) {
    let Some(exprs) = selector.child("matchExpressions") else {
        return;
    };
    for expr in exprs.items() {
        if !expr.node.is_map() {
            continue;
        }
        if let Some(key) = expr.child("key")
            && let Some(k) = key.str()
        {
            let errors = validate::qualified_name(k);
            if !errors.is_empty() {
                cx.report(
                    Diagnostic::new(
                        rule,
                        cx.loc(key.node.span),
                        apimachinery::invalid(&key.path, &go_quote(k), &errors.join(", ")),
                    )
                    .with_label("not a valid label key")
                    .with_help(LABEL_KEY_HELP),
                );
            }
        }
        let Some(op_field) = expr.child("operator") else {
            continue;
        };
        let Some(op) = op_field.str() else {
            continue;
        };
        let values = expr.child("values").filter(|f| !f.is_null());
        let count = values
            .as_ref()
            .and_then(|v| v.node.as_seq())
            .map_or(0, <[_]>::len);
        match op {
            "In" | "NotIn" => {
                if count == 0 {
                    let at = values.as_ref().map_or(op_field.node.span, |v| v.node.span);
                    cx.report(
                        Diagnostic::new(
                            rule,
                            cx.loc(at),
                            apimachinery::required(
                                &format!("{}.values", expr.path),
                                "must be specified when `operator` is 'In' or 'NotIn'",
                            ),
                        )
                        .with_label("no values")
                        .with_help(format!(
                            "list the label values `{op}` compares with, e.g. `values: [a, b]`"
                        )),
                    );
                }
            }
            "Exists" | "DoesNotExist" => {
                if count > 0 {
                    let values = values.as_ref().expect("count > 0 has values");
                    cx.report(
                        Diagnostic::new(
                            rule,
                            cx.loc(values.key),
                            apimachinery::forbidden(
                                &values.path,
                                "may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
                            ),
                        )
                        .with_label("values with Exists/DoesNotExist")
                        .with_help(format!("`{op}` looks only at whether the key is present: remove `values`, or use `In`/`NotIn`")),
                    );
                }
            }
            other => {
                cx.report(
                    Diagnostic::new(
                        rule,
                        cx.loc(op_field.node.span),
                        apimachinery::invalid(
                            &op_field.path,
                            &go_quote(other),
                            "not a valid selector operator",
                        ),
                    )
                    .with_label("unknown operator")
                    .with_help(apimachinery::enum_help(
                        other,
                        &["In", "NotIn", "Exists", "DoesNotExist"],
                    )),
                );
            }
        }
        if let Some(values) = values.filter(|_| check_values) {
            for value in values.items() {
                let Value::Str(v) = &value.node.value else {
                    continue; // non-strings: the schema's finding
                };
                let errors = validate::label_value(v);
                if !errors.is_empty() {
                    cx.report(
                        Diagnostic::new(
                            rule,
                            cx.loc(value.node.span),
                            apimachinery::invalid(&value.path, &go_quote(v), &errors.join(", ")),
                        )
                        .with_label("not a valid label value")
                        .with_help(LABEL_VALUE_HELP),
                    );
                }
            }
        }
    }
}
