//! `selector-matches-nothing`: a PodDisruptionBudget or NetworkPolicy whose pod selector matches
//! no workload's pods in its namespace. An empty NetworkPolicy `podSelector` selects every pod.

use crate::model::diagnostic::Diagnostic;
use crate::index::pods::{self, Selection};

pub use crate::model::rule::selector_matches_nothing as RULE;

pub fn check_repo(repo: &super::Repo<'_>, out: &mut Vec<Diagnostic>) {
    let index = repo.index;
    for instance in &index.instances {
        let (Some(selector), Some(ns)) =
            (&instance.object.pod_selector, instance.namespace.as_deref())
        else {
            continue;
        };
        if selector.is_empty() {
            continue;
        }
        // Only where the repository shows the namespace's pods and no operator may add more.
        if index.workloads_in(ns).next().is_none()
            || index.has_custom_resources(ns)
            || index.may_lack_objects_in(ns)
        {
            continue;
        }
        let mut beyond = None;
        let mut selected = false;
        for w in index.workloads_seen_from(instance, ns) {
            match pods::select_by(selector, &w.object) {
                Selection::Selected => {
                    selected = true;
                    break;
                }
                Selection::BeyondOrdinals { key, ordinal } if beyond.is_none() => {
                    beyond = Some((w, key, ordinal));
                }
                _ => {}
            }
        }
        if selected {
            continue;
        }
        let what = if instance.is("policy", "PodDisruptionBudget") {
            "it protects no pods during voluntary disruptions"
        } else {
            "the policy applies to no pods"
        };
        let message = format!(
            "{} `{}` selects no pods in namespace `{ns}`",
            instance.object.kind, instance.object.name
        );
        let diagnostic = match beyond {
            Some((w, _, _)) if pods::autoscaled(index, w) => continue,
            Some((w, key, ordinal)) => instance
                .diagnostic(
                    &RULE,
                    selector.location,
                    format!(
                        "{message}: {}",
                        pods::describe_ordinals(&w.object, key, ordinal)
                    ),
                )
                .with_label("matches no pod")
                .with_secondary(w.object.location, format!("{} defined here", w.object.kind))
                .with_help(format!(
                    "{what}; select a pod that exists, or raise the {}",
                    pods::size_field(&w.object)
                )),
            None => instance
                .diagnostic(&RULE, selector.location, message)
                .with_label("matches no pod template")
                .with_help(format!(
                    "{what}; the selector must match the pod template labels of a workload"
                )),
        };
        out.push(diagnostic);
    }
}
