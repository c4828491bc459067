//! `invalid-affinity`: a pod's `affinity` as the API server validates it (`validateAffinity`):
//! node selector terms and requirements (operators, how many values each takes, label keys and
//! values, `matchFields` only on `metadata.name`), weights from 1 to 100, and pod (anti-)affinity
//! terms (label and namespace selectors, namespace names, a `topologyKey`, `matchLabelKeys` and
//! `mismatchLabelKeys`). Missing required fields are the schema's findings.

use crate::k8s::apimachinery;
use crate::model::KubeVersion;
use crate::check::Context;
use crate::model::diagnostic::Diagnostic;
use crate::k8s::object::Object;
use crate::rules::invalid_selector::check_label_selector;
use crate::k8s::validate;
use crate::k8s::apimachinery::{enum_help, go_quote};
use crate::k8s::field::Field;
use crate::k8s::pod::PodKey;
use crate::k8s::workload;

pub use crate::model::rule::invalid_affinity as RULE;

const REQUIRED: &str = "requiredDuringSchedulingIgnoredDuringExecution";
const PREFERRED: &str = "preferredDuringSchedulingIgnoredDuringExecution";
const NODE_OPERATORS: &[&str] = &["In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt"];
const WEIGHT_MSG: &str = "must be in the range 1-100";

pub fn check(object: &Object<'_>, cx: &mut Context<'_>) {
    let Some(pod) = workload::pod_spec_with(object, &[PodKey::Affinity]) else {
        return;
    };
    let Some(affinity) = pod.spec.child("affinity").filter(|f| f.node.is_map()) else {
        return;
    };
    if let Some(node) = affinity.child("nodeAffinity").filter(|f| f.node.is_map()) {
        node_affinity(cx, &node);
    }
    for key in ["podAffinity", "podAntiAffinity"] {
        if let Some(pod) = affinity.child(key).filter(|f| f.node.is_map()) {
            pod_affinity(cx, &pod);
        }
    }
}

fn node_affinity(cx: &mut Context<'_>, node: &Field<'_>) {
    if let Some(required) = node.child(REQUIRED).filter(|f| f.node.is_map())
        && let Some(terms) = required.child("nodeSelectorTerms").filter(|f| !f.is_null())
    {
        let items = terms.items();
        if items.is_empty() && terms.node.as_seq().is_some() {
            cx.report(
                Diagnostic::new(&RULE, cx.loc(terms.value_span()), apimachinery::required(&terms.path, "must have at least one node selector term"))
                    .with_label("no terms")
                    .with_help("a required node affinity needs at least one term, e.g. `- matchExpressions: [{key: kubernetes.io/arch, operator: In, values: [amd64]}]`; or remove it"),
            );
        }
        for term in items.iter().filter(|t| t.node.is_map()) {
            node_selector_term(cx, term, true);
        }
    }
    if let Some(preferred) = node.child(PREFERRED) {
        for item in preferred.items().iter().filter(|t| t.node.is_map()) {
            weight(cx, item);
            // Preferred terms accept any label value: they may match when there is one node.
            if let Some(term) = item.child("preference").filter(|f| f.node.is_map()) {
                node_selector_term(cx, &term, false);
            }
        }
    }
}

/// `weight` of a preferred term: 1 to 100 (0 when left out, which the schema also reports).
fn weight(cx: &mut Context<'_>, item: &Field<'_>) {
    if let Some(w) = item.child("weight")
        && let Some(n) = w.int().filter(|n| !(1..=100).contains(n))
    {
        cx.report(
            Diagnostic::new(&RULE, cx.loc(w.node.span), apimachinery::invalid(&w.path, &n.to_string(), WEIGHT_MSG))
                .with_label("out of range")
                .with_help("a preferred term's weight is from 1 to 100: the scheduler adds it to the score of the nodes that match"),
        );
    }
}

/// `ValidateNodeSelectorTerm`: its `matchExpressions` and `matchFields`.
fn node_selector_term(cx: &mut Context<'_>, term: &Field<'_>, check_values: bool) {
    if let Some(exprs) = term.child("matchExpressions") {
        for expr in exprs.items().iter().filter(|e| e.node.is_map()) {
            node_requirement(cx, expr, check_values);
        }
    }
    if let Some(fields) = term.child("matchFields") {
        for req in fields.items().iter().filter(|e| e.node.is_map()) {
            field_requirement(cx, req);
        }
    }
}

fn count_values<'a>(expr: &Field<'a>) -> (Option<Field<'a>>, usize) {
    let values = expr.child("values").filter(|f| !f.is_null());
    let count = values
        .as_ref()
        .and_then(|v| v.node.as_seq())
        .map_or(0, <[_]>::len);
    (values, count)
}

/// `ValidateNodeSelectorRequirement`.
fn node_requirement(cx: &mut Context<'_>, expr: &Field<'_>, check_values: bool) {
    let (values, count) = count_values(expr);
    let values_path = || format!("{}.values", expr.path);
    if let Some(op_field) = expr.child("operator")
        && let Some(op) = op_field.str()
    {
        let at = values.as_ref().map_or(op_field.node.span, |v| v.node.span);
        match op {
            "In" | "NotIn" if count == 0 => cx.report(
                Diagnostic::new(&RULE, cx.loc(at), apimachinery::required(&values_path(), "must be specified when `operator` is 'In' or 'NotIn'"))
                    .with_label("no values")
                    .with_help(format!("list the label values `{op}` compares with, e.g. `values: [a, b]`")),
            ),
            "Exists" | "DoesNotExist" if count > 0 => {
                let values = values.as_ref().expect("count > 0 has values");
                cx.report(
                    Diagnostic::new(&RULE, cx.loc(values.key), apimachinery::forbidden(&values.path, "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"))
                        .with_label("values with Exists/DoesNotExist")
                        .with_help(format!("`{op}` looks only at whether the node has the label: remove `values`, or use `In`/`NotIn`")),
                );
            }
            "Gt" | "Lt" if count != 1 => cx.report(
                Diagnostic::new(&RULE, cx.loc(at), apimachinery::required(&values_path(), "must be specified single value when `operator` is 'Lt' or 'Gt'"))
                    .with_label(if count == 0 { "no value" } else { "more than one value" })
                    .with_help(format!("`{op}` compares the node label, as an integer, with exactly one value, e.g. `values: [\"4\"]`")),
            ),
            "In" | "NotIn" | "Exists" | "DoesNotExist" | "Gt" | "Lt" => {}
            other => cx.report(
                Diagnostic::new(&RULE, cx.loc(op_field.node.span), apimachinery::invalid(&op_field.path, &go_quote(other), "not a valid selector operator"))
                    .with_label("unknown operator")
                    .with_help(enum_help(other, NODE_OPERATORS)),
            ),
        }
    }
    if let Some(key) = expr.child("key")
        && let Some(k) = key.str()
    {
        label_key(cx, &key, k);
    }
    if check_values && let Some(values) = values {
        for value in values.items() {
            let Some(v) = value.str() else {
                continue; // non-strings: the schema's finding
            };
            let errors = validate::label_value(v);
            if !errors.is_empty() {
                cx.report(
                    Diagnostic::new(&RULE, cx.loc(value.node.span), apimachinery::invalid(&value.path, &go_quote(v), &errors.join(", ")))
                        .with_label("not a valid label value")
                        .with_help("a node label value is empty or at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit"),
                );
            }
        }
    }
}

/// `ValidateNodeFieldSelectorRequirement`: `metadata.name`, `In` or `NotIn`, one node name.
fn field_requirement(cx: &mut Context<'_>, req: &Field<'_>) {
    let (values, count) = count_values(req);
    if let Some(op_field) = req.child("operator")
        && let Some(op) = op_field.str()
    {
        match op {
            "In" | "NotIn" if count != 1 => {
                let at = values.as_ref().map_or(op_field.node.span, |v| v.node.span);
                cx.report(
                    Diagnostic::new(&RULE, cx.loc(at), apimachinery::required(&format!("{}.values", req.path), "must be only one value when `operator` is 'In' or 'NotIn' for node field selector"))
                        .with_label(if count == 0 { "no value" } else { "more than one value" })
                        .with_help("a node field selector names exactly one node; to allow several nodes, use one term per node"),
                );
            }
            "In" | "NotIn" => {}
            other => cx.report(
                Diagnostic::new(
                    &RULE,
                    cx.loc(op_field.node.span),
                    apimachinery::invalid(
                        &op_field.path,
                        &go_quote(other),
                        "not a valid selector operator",
                    ),
                )
                .with_label("only In and NotIn")
                .with_help(enum_help(other, &["In", "NotIn"])),
            ),
        }
    }
    if let Some(key) = req.child("key")
        && let Some(k) = key.str()
    {
        if k != "metadata.name" {
            cx.report(
                Diagnostic::new(&RULE, cx.loc(key.node.span), apimachinery::invalid(&key.path, &go_quote(k), "not a valid field selector key"))
                    .with_label("not a node field")
                    .with_help("matchFields only selects on `metadata.name`; select on node labels with `matchExpressions`"),
            );
        } else if let Some(values) = values {
            for value in values.items() {
                let Some(v) = value.str() else {
                    continue;
                };
                let errors = validate::dns1123_subdomain(v);
                if !errors.is_empty() {
                    cx.report(
                        Diagnostic::new(&RULE, cx.loc(value.node.span), apimachinery::invalid(&value.path, &go_quote(v), &errors.join(", ")))
                            .with_label("not a node name")
                            .with_help("node names are DNS subdomains: lower-case letters, digits, '-' and '.'"),
                    );
                }
            }
        }
    }
}

fn label_key(cx: &mut Context<'_>, key: &Field<'_>, k: &str) {
    let errors = validate::qualified_name(k);
    if !errors.is_empty() {
        cx.report(
            Diagnostic::new(&RULE, cx.loc(key.value_span()), apimachinery::invalid(&key.path, &go_quote(k), &errors.join(", ")))
                .with_label("not a valid label key")
                .with_help("a label key is an optional DNS-subdomain prefix and '/', then up to 63 letters, digits, '-', '_' or '.'"),
        );
    }
}

/// `validatePodAffinity` / `validatePodAntiAffinity`.
fn pod_affinity(cx: &mut Context<'_>, affinity: &Field<'_>) {
    if let Some(required) = affinity.child(REQUIRED) {
        for term in required.items().iter().filter(|t| t.node.is_map()) {
            pod_affinity_term(cx, term);
        }
    }
    if let Some(preferred) = affinity.child(PREFERRED) {
        for item in preferred.items().iter().filter(|t| t.node.is_map()) {
            weight(cx, item);
            if let Some(term) = item.child("podAffinityTerm").filter(|f| f.node.is_map()) {
                pod_affinity_term(cx, &term);
            }
        }
    }
}

/// `validatePodAffinityTerm`.
fn pod_affinity_term(cx: &mut Context<'_>, term: &Field<'_>) {
    let selector = term.child("labelSelector").filter(|f| !f.is_null());
    if let Some(selector) = &selector {
        check_label_selector(cx, &RULE, selector, true);
    }
    if let Some(selector) = term.child("namespaceSelector").filter(|f| !f.is_null()) {
        check_label_selector(cx, &RULE, &selector, true);
    }
    if let Some(namespaces) = term.child("namespaces") {
        // The API server names the list `namespace` in this message.
        let path = format!("{}.namespace", term.path);
        for item in namespaces.items() {
            let Some(name) = item.str() else {
                continue;
            };
            let errors = validate::dns1123_label(name);
            if !errors.is_empty() {
                cx.report(
                    Diagnostic::new(&RULE, cx.loc(item.node.span), apimachinery::invalid(&path, &go_quote(name), &errors.join(", ")))
                        .with_label("not a namespace name")
                        .with_help("namespace names are DNS labels: at most 63 lower-case letters, digits and '-'"),
                );
            }
        }
    }
    // MatchLabelKeysInPodAffinity: on by default from 1.31.
    if cx.options.kubernetes_version >= KubeVersion::new(31) {
        match_label_keys(cx, term, selector.is_some());
    }
    if let Some(key) = term.child("topologyKey")
        && let Some(k) = key.str()
    {
        if k.is_empty() {
            cx.report(
                Diagnostic::new(&RULE, cx.loc(key.value_span()), apimachinery::required(&key.path, "can not be empty"))
                    .with_label("no topology key")
                    .with_help("name the node label whose value defines \"together\", e.g. `topologyKey: kubernetes.io/hostname` (same node) or `topology.kubernetes.io/zone`"),
            );
        } else {
            label_key(cx, &key, k);
        }
    }
}

/// `validateMatchLabelKeysAndMismatchLabelKeys`: only with a labelSelector, label keys, and no
/// key in both lists.
fn match_label_keys(cx: &mut Context<'_>, term: &Field<'_>, has_selector: bool) {
    let lists: Vec<Field<'_>> = ["matchLabelKeys", "mismatchLabelKeys"]
        .iter()
        .filter_map(|k| term.child(k))
        .filter(|f| f.node.as_seq().is_some_and(|s| !s.is_empty()))
        .collect();
    for list in &lists {
        if !has_selector {
            cx.report(
                Diagnostic::new(&RULE, cx.loc(list.key), apimachinery::forbidden(&list.path, "must not be specified when labelSelector is not set"))
                    .with_label("without a labelSelector")
                    .with_help("matchLabelKeys and mismatchLabelKeys narrow a labelSelector with the values of the pod's own labels; add the `labelSelector`"),
            );
            continue;
        }
        for item in list.items() {
            if let Some(k) = item.str() {
                label_key(cx, &item, k);
            }
        }
    }
    let keys = |name: &str| -> Vec<String> {
        term.child(name)
            .map(|f| {
                f.items()
                    .iter()
                    .filter_map(|i| i.str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    let mismatch = keys("mismatchLabelKeys");
    if let Some(list) = term.child("matchLabelKeys") {
        for item in list.items() {
            if let Some(k) = item.str()
                && mismatch.iter().any(|m| m == k)
            {
                cx.report(
                    Diagnostic::new(&RULE, cx.loc(item.node.span), apimachinery::invalid(&item.path, &go_quote(k), "exists in both matchLabelKeys and mismatchLabelKeys"))
                        .with_label("also in mismatchLabelKeys")
                        .with_help("a key either requires the same value as this pod (matchLabelKeys) or a different one (mismatchLabelKeys); keep it in one list"),
                );
            }
        }
    }
}
