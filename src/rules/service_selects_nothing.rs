//! `service-selects-nothing`: a Service whose selector matches the pod template labels of no
//! workload in its namespace, with the nearest miss (a typo in a value, or the right pods in
//! another namespace). Services without a selector and ExternalName Services are exempt.

use crate::model::diagnostic::Diagnostic;
use crate::index::pods::{self, Selection};
use crate::index::summary::Labels;
use crate::index::Instance;
use crate::model::text::edit_distance_within;

pub use crate::model::rule::service_selects_nothing as RULE;

fn pods(instance: &Instance) -> &Labels {
    &instance
        .object
        .pods
        .as_ref()
        .expect("workloads have pods")
        .labels
}

fn format_labels(labels: &Labels) -> String {
    labels
        .iter()
        .map(|(k, v)| format!("{k}: {v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// How far a workload's labels are from the selector: the summed edit distance of the values
/// that differ (a missing key is far). `None` when it is not a plausible typo.
fn distance(selector: &Labels, labels: &Labels) -> Option<usize> {
    let mut total = 0;
    for (k, v) in selector {
        let value = labels.iter().find(|(key, _)| key == k).map(|(_, v)| v)?;
        if value != v {
            total += edit_distance_within(v, value, (v.chars().count() / 3).max(1))?;
        }
    }
    Some(total)
}

/// How many workloads the near-miss search may compare with selectors in one run. The search
/// looks at every workload of the Service's namespace, so without a bound a repository with
/// many broken Services in one large namespace would be quadratic; past the budget, findings
/// keep their message but lose the "did you mean" help.
const NEAR_MISS_BUDGET: usize = 1_000_000;

pub fn check_repo(repo: &super::Repo<'_>, out: &mut Vec<Diagnostic>) {
    let index = repo.index;
    let mut budget = NEAR_MISS_BUDGET;
    for (_, service) in index.subjects() {
        let Some(spec) = &service.object.service else {
            continue;
        };
        let (Some((selector, location)), false) = (&spec.selector, spec.external_name) else {
            continue;
        };
        let Some(ns) = service.namespace.as_deref() else {
            continue;
        };
        // The pods may be in a document that could not be read.
        if index.may_lack_objects_in(ns) {
            continue;
        }
        let elsewhere = index.workloads_selected_by(selector);
        if elsewhere
            .iter()
            .any(|w| w.namespace.as_deref() == Some(ns) && index.visible(service, w))
        {
            continue;
        }
        // A pod of a StatefulSet (or Indexed Job) beyond its replicas.
        let beyond = if selector.iter().any(|(k, _)| pods::is_ordinal_label(k)) {
            index.workloads_seen_from(service, ns).find_map(|w| {
                match pods::select(selector, &w.object) {
                    Selection::BeyondOrdinals { key, ordinal } => Some((w, key, ordinal)),
                    _ => None,
                }
            })
        } else {
            None
        };
        if let Some((w, key, ordinal)) = beyond {
            if !pods::autoscaled(index, w) {
                out.push(
                    service
                        .diagnostic(
                            &RULE,
                            *location,
                            format!(
                                "Service `{}` selects no pods: {}",
                                service.object.name,
                                pods::describe_ordinals(&w.object, key, ordinal)
                            ),
                        )
                        .with_label("matches no pod")
                        .with_secondary(
                            w.object.location,
                            format!("{} defined here", w.object.kind),
                        )
                        .with_help(format!(
                            "its Endpoints stay empty and traffic goes nowhere; select a pod that exists, or raise the {}",
                            pods::size_field(&w.object)
                        )),
                );
            }
            continue;
        }
        let candidates = index.workloads_count_in(ns);
        let near_miss = if candidates <= budget {
            budget -= candidates;
            index
                .workloads_seen_from(service, ns)
                .filter_map(|w| Some((distance(selector, pods(w))?, w)))
                .min_by_key(|(d, w)| (*d, w.object.location))
        } else {
            None
        };
        let alternative = elsewhere
            .iter()
            .find(|w| w.namespace.as_deref() == Some(ns));
        let (message, help) = if let Some(w) = alternative {
            // Selected only in an alternative: another overlay of the same base.
            let build = w
                .build
                .map(|root| format!(" of {}", index.paths[root.0 as usize].display()))
                .unwrap_or_default();
            let here = service
                .build
                .map(|root| {
                    format!(
                        "in the kustomize build of {}",
                        index.paths[root.0 as usize].display()
                    )
                })
                .unwrap_or_else(|| "where it is applied".to_string());
            (
                format!(
                    "Service `{}` selects no pods in namespace `{ns}` {here}",
                    service.object.name
                ),
                format!(
                    "the pods with these labels ({}) are in the kustomize build{build}, an alternative never applied with this one; add them to this build too",
                    w.display()
                ),
            )
        } else if let Some(w) = elsewhere.first() {
            let other = w.namespace.as_deref().unwrap_or_default();
            (
                format!(
                    "Service `{}` selects no pods in namespace `{ns}`",
                    service.object.name
                ),
                format!(
                    "pods with these labels exist in namespace `{other}`, not in `{ns}` ({}); move the Service to `{other}`",
                    w.display()
                ),
            )
        } else if let Some((_, w)) = near_miss {
            let fixed: Labels = selector
                .iter()
                .map(|(k, _)| {
                    (
                        k.clone(),
                        pods(w)
                            .iter()
                            .find(|(key, _)| key == k)
                            .map(|(_, v)| v.clone())
                            .unwrap_or_default(),
                    )
                })
                .collect();
            (
                format!(
                    "Service `{}` selects no pods: no workload in `{ns}` has the labels {}",
                    service.object.name,
                    format_labels(selector)
                ),
                format!(
                    "did you mean `{}` ({})?",
                    format_labels(&fixed),
                    w.display()
                ),
            )
        } else if index.workloads_in(ns).next().is_some()
            && !index.has_custom_resources(ns)
            && ns != "kube-system"
        {
            (
                format!("Service `{}` selects no pods: no workload in `{ns}` has the labels {}", service.object.name, format_labels(selector)),
                "the selector must match the pod template labels (`spec.template.metadata.labels`) of a workload; its Endpoints stay empty and traffic goes nowhere".to_owned(),
            )
        } else {
            // Nothing in the repository runs pods here, an operator may create them, or they are
            // kube-system's static control-plane pods: the pods are likely defined elsewhere.
            continue;
        };
        out.push(
            service
                .diagnostic(&RULE, *location, message)
                .with_label("matches no pod template")
                .with_help(help),
        );
    }
}
