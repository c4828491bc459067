//! `invalid-topology-spread`: a pod's `topologySpreadConstraints` as the API server validates
//! them (`validateTopologySpreadConstraints`): `maxSkew` and `minDomains` greater than zero,
//! `minDomains` only with `DoNotSchedule`, `whenUnsatisfiable` `DoNotSchedule` or
//! `ScheduleAnyway`, a non-empty `topologyKey`, no two constraints with the same topologyKey and
//! whenUnsatisfiable, `nodeAffinityPolicy`/`nodeTaintsPolicy` `Honor` or `Ignore`,
//! `matchLabelKeys` only with a `labelSelector` and valid label keys, and a valid `labelSelector`.
//! A missing `maxSkew`, `topologyKey` or `whenUnsatisfiable` is the schema's finding.

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

pub use crate::model::rule::invalid_topology_spread as RULE;

const WHEN: &[&str] = &["DoNotSchedule", "ScheduleAnyway"];
const POLICIES: &[&str] = &["Honor", "Ignore"];
const POSITIVE: &str = "must be greater than zero";

pub fn check(object: &Object<'_>, cx: &mut Context<'_>) {
    let Some(pod) = workload::pod_spec_with(object, &[PodKey::TopologySpreadConstraints]) else {
        return;
    };
    let Some(list) = pod.spec.child("topologySpreadConstraints") else {
        return;
    };
    let version = cx.options.kubernetes_version;
    let items: Vec<Field<'_>> = list
        .items()
        .into_iter()
        .filter(|c| c.node.is_map())
        .collect();
    for (i, constraint) in items.iter().enumerate() {
        if let Some(f) = constraint.child("maxSkew")
            && let Some(n) = f.int().filter(|n| *n <= 0)
        {
            cx.report(
                Diagnostic::new(&RULE, cx.loc(f.node.span), apimachinery::invalid(&f.path, &n.to_string(), POSITIVE))
                    .with_label("not positive")
                    .with_help("maxSkew is how many more matching pods one domain may have than the emptiest one; it is at least 1"),
            );
        }
        let key = constraint.child("topologyKey");
        if let Some(k) = &key
            && k.str() == Some("")
        {
            cx.report(
                Diagnostic::new(&RULE, cx.loc(k.value_span()), apimachinery::required(&k.path, "can not be empty"))
                    .with_label("no topology key")
                    .with_help("name the node label that defines the domains, e.g. `topologyKey: topology.kubernetes.io/zone` or `kubernetes.io/hostname`"),
            );
        }
        let when = constraint.child("whenUnsatisfiable");
        let when_value = when.as_ref().and_then(|f| f.str());
        if let (Some(f), Some(v)) = (&when, when_value)
            && !WHEN.contains(&v)
        {
            cx.report(
                Diagnostic::new(
                    &RULE,
                    cx.loc(f.value_span()),
                    apimachinery::unsupported(&f.path, v, WHEN),
                )
                .with_label("not a supported value")
                .with_help(enum_help(v, WHEN)),
            );
        }
        duplicate(cx, constraint, &items[i + 1..]);
        // MinDomainsInPodTopologySpread: off by default before 1.27, when the field is dropped.
        if version >= KubeVersion::new(27)
            && let Some(f) = constraint.child("minDomains").filter(|f| !f.is_null())
            && let Some(n) = f.int()
        {
            if n <= 0 {
                cx.report(
                    Diagnostic::new(&RULE, cx.loc(f.node.span), apimachinery::invalid(&f.path, &n.to_string(), POSITIVE))
                        .with_label("not positive")
                        .with_help("minDomains is the number of domains the pods should spread over; leave it out to spread over the domains there are"),
                );
            }
            // A whenUnsatisfiable of another type is the schema's finding.
            if when_value != Some("DoNotSchedule")
                && when
                    .as_ref()
                    .is_none_or(|w| w.is_null() || when_value.is_some())
            {
                let action = when_value.unwrap_or("");
                let mut d = Diagnostic::new(
                    &RULE,
                    cx.loc(f.node.span),
                    apimachinery::invalid(&f.path, &n.to_string(), &format!("can only use minDomains if whenUnsatisfiable=DoNotSchedule, not {action}")),
                )
                .with_label("needs whenUnsatisfiable: DoNotSchedule")
                .with_help("minDomains only affects `whenUnsatisfiable: DoNotSchedule`: use that, or remove minDomains");
                if let Some(w) = &when {
                    d = d.with_secondary(cx.loc(w.value_span()), "whenUnsatisfiable");
                }
                cx.report(d);
            }
        }
        // NodeInclusionPolicyInPodTopologySpread: on by default from 1.26.
        if version >= KubeVersion::new(26) {
            for name in ["nodeAffinityPolicy", "nodeTaintsPolicy"] {
                if let Some(f) = constraint.child(name)
                    && let Some(v) = f.str()
                    && !POLICIES.contains(&v)
                {
                    cx.report(
                        Diagnostic::new(
                            &RULE,
                            cx.loc(f.value_span()),
                            apimachinery::unsupported(&f.path, v, POLICIES),
                        )
                        .with_label("not a supported value")
                        .with_help(enum_help(v, POLICIES)),
                    );
                }
            }
        }
        let selector = constraint.child("labelSelector").filter(|f| !f.is_null());
        // MatchLabelKeysInPodTopologySpread: on by default from 1.27.
        if version >= KubeVersion::new(27) {
            match_label_keys(cx, constraint, selector.is_some());
        }
        if let Some(selector) = &selector {
            check_label_selector(cx, &RULE, selector, true);
        }
    }
}

/// `{topologyKey, whenUnsatisfiable}` repeated by a later constraint: the API server names the
/// earlier one.
fn duplicate(cx: &mut Context<'_>, constraint: &Field<'_>, later: &[Field<'_>]) {
    let pair = |c: &Field<'_>| {
        let get = |k| c.child(k).and_then(|f| f.str().map(str::to_owned));
        Some((get("topologyKey")?, get("whenUnsatisfiable")?))
    };
    let Some(mine) = pair(constraint) else {
        return;
    };
    let Some(other) = later.iter().find(|c| pair(c).as_ref() == Some(&mine)) else {
        return;
    };
    let at = |c: &Field<'_>| c.child("topologyKey").map_or(c.node.span, |f| f.node.span);
    let path = format!("{}.{{topologyKey, whenUnsatisfiable}}", constraint.path);
    let value = go_quote(&format!("{{{}, {}}}", mine.0, mine.1));
    cx.report(
        Diagnostic::new(&RULE, cx.loc(at(constraint)), apimachinery::duplicate(&path, &value))
            .with_label("this topologyKey and whenUnsatisfiable")
            .with_secondary(cx.loc(at(other)), "repeated here")
            .with_help("each constraint needs its own pair of topologyKey and whenUnsatisfiable; merge the two, or spread over another topology key"),
    );
}

/// `matchLabelKeys`: only with a labelSelector, each a label key
/// (`validateMatchLabelKeysInTopologySpread`).
fn match_label_keys(cx: &mut Context<'_>, constraint: &Field<'_>, has_selector: bool) {
    let Some(keys) = constraint.child("matchLabelKeys").filter(|f| !f.is_null()) else {
        return;
    };
    let items = keys.items();
    if items.is_empty() {
        return;
    }
    if !has_selector {
        cx.report(
            Diagnostic::new(&RULE, cx.loc(keys.key), apimachinery::forbidden(&keys.path, "must not be specified when labelSelector is not set"))
                .with_label("matchLabelKeys without labelSelector")
                .with_help("matchLabelKeys narrows a labelSelector with the values of the pod's own labels; add the `labelSelector` that selects the pods to spread"),
        );
    }
    for item in &items {
        let Some(k) = item.str() else {
            continue;
        };
        let errors = validate::qualified_name(k);
        if !errors.is_empty() {
            cx.report(
                Diagnostic::new(
                    &RULE,
                    cx.loc(item.node.span),
                    apimachinery::invalid(&item.path, &go_quote(k), &errors.join(", ")),
                )
                .with_label("not a valid label key")
                .with_help("matchLabelKeys lists label keys of the pod, e.g. `pod-template-hash`"),
            );
        }
    }
}
