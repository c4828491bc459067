//! `selector-mismatch`: a controller's selector must match the labels of its pod template, or
//! the API server rejects it (reference §3.1 CTL-SEL-MATCH, §3.4 DS-SELECTOR-NIL, §4
//! JOB-SELECTOR-MANUAL): Deployments, ReplicaSets, DaemonSets, StatefulSets,
//! ReplicationControllers and Jobs with `manualSelector: true`.

use crate::k8s::apimachinery;
use crate::k8s::selector;
use crate::check::Context;
use crate::model::diagnostic::Diagnostic;
use crate::k8s::object::Object;
use crate::k8s::apimachinery::go_string_map;
use crate::k8s::kind::Kind;
use crate::k8s::selector::{Selector, describe_mismatch, labels_of};
use crate::k8s::workload;

pub use crate::model::rule::selector_mismatch as RULE;

const DETAIL: &str = "`selector` does not match template `labels`";

pub fn check(object: &Object<'_>, cx: &mut Context<'_>) {
    let Some(kind) = Kind::of(object) else {
        return;
    };
    if cx.is_partial() {
        return; // the labels or the selector may come from the base
    }
    let Some(spec) = workload::spec(object) else {
        return;
    };
    let Some(pod) = workload::pod_spec(object) else {
        return;
    };
    let Some(template) = pod.template.clone() else {
        return;
    };
    let selector_field = spec.child("selector").filter(|f| !f.is_null());
    let selector = match kind {
        Kind::Deployment | Kind::ReplicaSet | Kind::StatefulSet | Kind::DaemonSet => {
            match &selector_field {
                Some(f) if f.node.is_map() => Selector::label_selector(f.node),
                Some(_) => return,
                // kustomize's selector labels make a selector matching the template.
                None if !cx.kustomize_selector_labels().is_empty() => return,
                None if kind == Kind::DaemonSet => {
                    // A nil selector selects nothing, so it never matches.
                    let labels = pod.template_labels().map(|l| labels_of(l.node));
                    cx.report(
                        Diagnostic::new(
                            &RULE,
                            cx.loc(spec.key),
                            apimachinery::invalid(
                                "spec.template.metadata.labels",
                                &go_string_map(labels.as_deref()),
                                DETAIL,
                            ),
                        )
                        .with_label("no spec.selector")
                        .with_help("a DaemonSet finds its pods by `spec.selector`: add `selector: {matchLabels: ...}` with the template's labels"),
                    );
                    return;
                }
                None => return, // invalid-selector
            }
        }
        Kind::ReplicationController => match &selector_field {
            Some(f) if f.node.is_map() => Selector::map(f.node),
            _ => return,
        },
        Kind::Job => {
            let manual = spec.child("manualSelector").and_then(|f| f.node.as_bool()) == Some(true);
            match &selector_field {
                Some(f) if manual && f.node.is_map() => Selector::label_selector(f.node),
                _ => return,
            }
        }
        _ => return,
    };
    // Empty selectors are invalid-selector's finding (or defaulted, for ReplicationControllers).
    if selector.malformed || selector.requirements.is_empty() {
        return;
    }
    let labels_field = pod.template_labels();
    let labels = labels_field.as_ref().map(|l| labels_of(l.node));
    let mut have = labels.clone().unwrap_or_default();
    // What kustomize adds before the API server sees the object: template labels, and selector
    // labels on both sides (a `matchLabels` key it sets matches whatever was written).
    cx.with_kustomize_template_labels(&mut have);
    let set_by_kustomize = cx.kustomize_selector_labels();
    let mut unmatched = selector.unmatched(&have);
    unmatched.retain(|r| {
        !(r.op == selector::Op::Equals && set_by_kustomize.iter().any(|(k, _)| *k == r.key))
    });
    let Some(first) = unmatched.first() else {
        return;
    };
    let secondary = match &labels_field {
        Some(l) => (l.node.span, "template labels".to_owned()),
        None => match template.child("metadata") {
            Some(m) => (m.key, "the template has no labels".to_owned()),
            None => (template.key, "the template has no labels".to_owned()),
        },
    };
    let help = format!(
        "{}; the {} manages exactly the pods its selector matches, so `spec.template.metadata.labels` must carry every label the selector requires",
        describe_mismatch(&unmatched, &have),
        kind.name()
    );
    cx.report(
        Diagnostic::new(
            &RULE,
            cx.loc(first.node.span),
            apimachinery::invalid(
                "spec.template.metadata.labels",
                // As the API server sees them: with what kustomize adds.
                &go_string_map(if cx.kustomize.is_some() {
                    Some(&have)
                } else {
                    labels.as_deref()
                }),
                DETAIL,
            ),
        )
        .with_label("not matched by the template labels")
        .with_secondary(cx.loc(secondary.0), secondary.1)
        .with_help(help),
    );
}
