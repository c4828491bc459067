//! kustomize's orders and names of a group, version and kind: its legacy kind order, its sort
//! key and its `Gvk.String()`.

/// kustomize's kind order (`SortOrderTransformer`'s legacy order, and `Gvk.IsLessThan`):
/// these kinds first, the webhook configurations last, every other kind between.
pub(crate) fn kind_rank(kind: &str) -> i64 {
    rank_in(kind, LEGACY_FIRST, LEGACY_LAST)
}

/// kustomize's legacy order: these kinds first, in this order.
pub(crate) const LEGACY_FIRST: &[&str] = &[
    "Namespace",
    "ResourceQuota",
    "StorageClass",
    "CustomResourceDefinition",
    "ServiceAccount",
    "PodSecurityPolicy",
    "Role",
    "ClusterRole",
    "RoleBinding",
    "ClusterRoleBinding",
    "ConfigMap",
    "Secret",
    "Endpoints",
    "Service",
    "LimitRange",
    "PriorityClass",
    "PersistentVolume",
    "PersistentVolumeClaim",
    "Deployment",
    "StatefulSet",
    "CronJob",
    "PodDisruptionBudget",
];

/// kustomize's legacy order: these kinds last.
pub(crate) const LEGACY_LAST: &[&str] = &[
    "MutatingWebhookConfiguration",
    "ValidatingWebhookConfiguration",
];

/// A kind's rank with `first` and `last` lists (`sortOptions.legacySortOptions`): the kinds of
/// `first` before every other, those of `last` after.
pub(crate) fn rank_in<S: AsRef<str>>(kind: &str, first: &[S], last: &[S]) -> i64 {
    // kustomize's `newLegacyIDSorter` fills one map from `orderFirst`, then from `orderLast`:
    // a kind listed twice takes its last place, and one in both lists its place in `last`.
    if let Some(i) = last.iter().rposition(|k| k.as_ref() == kind) {
        1 + i as i64
    } else if let Some(i) = first.iter().rposition(|k| k.as_ref() == kind) {
        i as i64 - first.len() as i64
    } else {
        0
    }
}

/// `group_version_kind`, `~G`, `~V`, `~K` for an empty part: kustomize's sort key of a kind.
pub(crate) fn gvk_key(group: &str, version: &str, kind: &str) -> String {
    fn or<'a>(s: &'a str, d: &'a str) -> &'a str {
        if s.is_empty() { d } else { s }
    }
    format!(
        "{}_{}_{}",
        or(group, "~G"),
        or(version, "~V"),
        or(kind, "~K")
    )
}

/// kustomize's `Gvk.String()`: `Kind.version.group`.
pub(crate) fn gvk_string(group: &str, version: &str, kind: &str) -> String {
    let or = |s: &str, d: &'static str| {
        if s.is_empty() {
            d.to_owned()
        } else {
            s.to_owned()
        }
    };
    format!(
        "{}.{}.{}",
        or(kind, "[noKind]"),
        or(version, "[noVer]"),
        or(group, "[noGrp]")
    )
}
