//! kustomize's orders and names of a group, version and kind: its legacy kind order, its sort
//! key and its `Gvk.String()`.

/// kustomize's kind order (`SortOrderTransformer`'s legacy order, and `Gvk.IsLessThan`):
/// these kinds first, the webhook configurations last, every other kind between.
pub(crate) fn kind_rank(kind: &str) -> i64 {
    const FIRST: &[&str] = &[
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
    const LAST: &[&str] = &[
        "MutatingWebhookConfiguration",
        "ValidatingWebhookConfiguration",
    ];
    if let Some(i) = FIRST.iter().position(|k| *k == kind) {
        i as i64 - FIRST.len() as i64
    } else if let Some(i) = LAST.iter().position(|k| *k == kind) {
        1 + i as i64
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
