//! Which namespaces an edit can change the scoped whole-repo findings of
//! ([`crate::rules::scoped`]): those of the objects that changed, and those of the Services
//! anywhere that select a changed workload (their message names the pods elsewhere). `None`
//! when every object must be checked again: a cluster-scoped object changed, the declared
//! namespaces or the alternative files changed, an object creates something in every
//! namespace, or the near-miss budget of `service-selects-nothing` could run out (its
//! findings then depend on the order of every Service).

use crate::index::pods::{self, Selection};
use crate::index::{Index, Instance, Replaced};
use foldhash::{HashMap, HashSet};

/// `service-selects-nothing`'s budget of near-miss comparisons (`NEAR_MISS_BUDGET`).
const NEAR_MISS_BUDGET: usize = 1_000_000;

pub fn affected(
    index: &Index,
    replaced: &[Replaced],
    declared_before: &HashSet<String>,
) -> Option<HashSet<String>> {
    if replaced.iter().any(|r| r.alternatives_changed)
        || *declared_before != index.declared_namespaces
    {
        return None;
    }
    // The instances that differ (in anything: position, units, labels...), before or after.
    let mut changed: Vec<&Instance> = Vec::new();
    for r in replaced {
        let before: Vec<String> = r.removed.iter().map(|i| format!("{i:?}")).collect();
        let after: Vec<String> = r
            .added
            .iter()
            .map(|&i| format!("{:?}", index.instances[i]))
            .collect();
        changed.extend(
            r.removed
                .iter()
                .zip(&before)
                .filter(|(_, d)| !after.contains(d))
                .map(|(i, _)| i),
        );
        changed.extend(
            r.added
                .iter()
                .zip(&after)
                .filter(|(_, d)| !before.contains(d))
                .map(|(&i, _)| &index.instances[i]),
        );
    }
    let mut namespaces = HashSet::default();
    for i in &changed {
        let ns = i.namespace.as_ref()?;
        if i.object.creates.iter().any(|c| c.every_namespace) {
            return None;
        }
        namespaces.insert(ns.clone());
    }
    let mut services: HashMap<&str, usize> = HashMap::default();
    for s in &index.instances {
        let (Some(ns), Some(spec)) = (s.namespace.as_deref(), s.object.service.as_deref()) else {
            continue;
        };
        *services.entry(ns).or_default() += 1;
        let Some((selector, _)) = &spec.selector else {
            continue;
        };
        if !namespaces.contains(ns)
            && changed.iter().any(|w| {
                w.object.pods.is_some() && pods::select(selector, &w.object) == Selection::Selected
            })
        {
            namespaces.insert(ns.to_owned());
        }
    }
    let comparisons: usize = services
        .iter()
        .map(|(ns, n)| n * index.workloads_count_in(ns))
        .sum();
    (comparisons <= NEAR_MISS_BUDGET).then_some(namespaces)
}
