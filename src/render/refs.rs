//! Name references follow renamed objects (kustomize 5.5's `nameReference` field specs,
//! sigs.k8s.io/kustomize `api/internal/konfig/builtinpluginconsts/namereference.go`, applied as
//! `api/filters/nameref/nameref.go` does): a ConfigMap renamed by a prefix or a generator's hash
//! is renamed in the pods that mount it, a ServiceAccount in the bindings that name it, a Secret
//! in a StorageClass's parameters, and so on. Done once, at the top level, from each object's
//! name history.
//!
//! As in kustomize 5.5: `IngressClass` references are listed under the group
//! `networking.k8s.io/v1`, which no object has, so `ingressClassName` is never renamed; an
//! HPA's `scaleTargetRef` is renamed whatever its `kind`; a binding's `subjects` entries are
//! renamed by name whatever their `kind`.
//!
//! Where several renamed objects had the name referred to, the referrer's namespace and then
//! its name prefixes and suffixes narrow them; if several with different names remain,
//! kustomize fails ("found multiple possible referrals"), and so does the render, at the entry
//! that last renamed the first of them.

use super::fieldspecs;
use super::kust::{is_cluster_scoped, same_ns};
use super::node::{Origin, RNode, RValue};
use super::{RenderError, Resource};

/// A kind whose objects are referred to by name: kind, group and version (`None`: any).
type Target = (&'static str, Option<&'static str>, Option<&'static str>);

/// A field that names an object: the referring kind, its group (`None`: any), the path.
type Referrer = (&'static str, Option<&'static str>, &'static str);

const RBAC: Option<&str> = Some("rbac.authorization.k8s.io");

/// Kinds with a pod spec, and where it is.
const POD_SPECS: &[(&str, &str)] = &[
    ("Pod", "spec"),
    ("PodTemplate", "template/spec"),
    ("Deployment", "spec/template/spec"),
    ("ReplicaSet", "spec/template/spec"),
    ("DaemonSet", "spec/template/spec"),
    ("StatefulSet", "spec/template/spec"),
    ("Job", "spec/template/spec"),
    ("ReplicationController", "spec/template/spec"),
    ("CronJob", "spec/jobTemplate/spec/template/spec"),
];

/// Pod-spec fields naming ConfigMaps (Secrets: the same with `secretKeyRef`, `secretRef`,
/// `secret/secretName`, plus `imagePullSecrets`), in every pod kind but ReplicationController.
const CONFIG_MAP_FIELDS: &[&str] = &[
    "volumes/configMap/name",
    "containers/env/valueFrom/configMapKeyRef/name",
    "initContainers/env/valueFrom/configMapKeyRef/name",
    "containers/envFrom/configMapRef/name",
    "initContainers/envFrom/configMapRef/name",
    "volumes/projected/sources/configMap/name",
];

const SECRET_FIELDS: &[&str] = &[
    "volumes/secret/secretName",
    "containers/env/valueFrom/secretKeyRef/name",
    "initContainers/env/valueFrom/secretKeyRef/name",
    "containers/envFrom/secretRef/name",
    "initContainers/envFrom/secretRef/name",
    "imagePullSecrets/name",
    "volumes/projected/sources/secret/name",
];

const CONFIG_MAP_OTHERS: &[Referrer] = &[
    ("Node", None, "spec/configSource/configMap"),
    ("Role", None, "rules/resourceNames"),
    ("ClusterRole", None, "rules/resourceNames"),
    (
        "Ingress",
        None,
        "metadata/annotations/nginx.ingress.kubernetes.io\\/fastcgi-params-configmap",
    ),
];

const SECRET_OTHERS: &[Referrer] = &[
    ("Ingress", None, "spec/tls/secretName"),
    (
        "Ingress",
        None,
        "metadata/annotations/ingress.kubernetes.io\\/auth-secret",
    ),
    (
        "Ingress",
        None,
        "metadata/annotations/nginx.ingress.kubernetes.io\\/auth-secret",
    ),
    (
        "Ingress",
        None,
        "metadata/annotations/nginx.ingress.kubernetes.io\\/auth-tls-secret",
    ),
    ("ServiceAccount", None, "imagePullSecrets/name"),
    ("StorageClass", None, "parameters/secretName"),
    ("StorageClass", None, "parameters/adminSecretName"),
    ("StorageClass", None, "parameters/userSecretName"),
    ("StorageClass", None, "parameters/secretRef"),
    ("Role", None, "rules/resourceNames"),
    ("ClusterRole", None, "rules/resourceNames"),
    (
        "Service",
        Some("serving.knative.dev"),
        "spec/template/spec/containers/env/valueFrom/secretKeyRef/name",
    ),
    ("PersistentVolume", None, "spec/azureFile/secretName"),
];

const SERVICE: &[Referrer] = &[
    ("StatefulSet", Some("apps"), "spec/serviceName"),
    ("Ingress", None, "spec/rules/http/paths/backend/serviceName"),
    ("Ingress", None, "spec/backend/serviceName"),
    (
        "Ingress",
        None,
        "spec/rules/http/paths/backend/service/name",
    ),
    ("Ingress", None, "spec/defaultBackend/service/name"),
    (
        "APIService",
        Some("apiregistration.k8s.io"),
        "spec/service/name",
    ),
    (
        "ValidatingWebhookConfiguration",
        Some("admissionregistration.k8s.io"),
        "webhooks/clientConfig/service",
    ),
    (
        "MutatingWebhookConfiguration",
        Some("admissionregistration.k8s.io"),
        "webhooks/clientConfig/service",
    ),
];

const OTHERS: &[(Target, &[Referrer])] = &[
    (
        ("Role", RBAC, None),
        &[("RoleBinding", RBAC, "roleRef/name")],
    ),
    (
        ("ClusterRole", RBAC, None),
        &[
            ("RoleBinding", RBAC, "roleRef/name"),
            ("ClusterRoleBinding", RBAC, "roleRef/name"),
        ],
    ),
    (
        ("PersistentVolume", Some(""), Some("v1")),
        &[
            ("PersistentVolumeClaim", None, "spec/volumeName"),
            ("ClusterRole", None, "rules/resourceNames"),
        ],
    ),
    (
        ("StorageClass", Some("storage.k8s.io"), Some("v1")),
        &[
            ("PersistentVolume", None, "spec/storageClassName"),
            ("PersistentVolumeClaim", None, "spec/storageClassName"),
            (
                "StatefulSet",
                None,
                "spec/volumeClaimTemplates/spec/storageClassName",
            ),
        ],
    ),
];

/// Kinds whose pods name ServiceAccounts, claims and priority classes (not ReplicaSet, not
/// PodTemplate).
const SA_KINDS: &[&str] = &[
    "Pod",
    "StatefulSet",
    "Deployment",
    "ReplicationController",
    "CronJob",
    "Job",
    "DaemonSet",
];

fn pod_prefix(kind: &str) -> &'static str {
    POD_SPECS
        .iter()
        .find(|(k, _)| *k == kind)
        .map_or("", |(_, p)| p)
}

/// One entry of the name-reference table: (target, referring kind, its group, path).
type Reference = (Target, &'static str, Option<&'static str>, String);

/// One field that names objects of a kind: the kind referred to (`""` or `None`: any), the
/// referring kind, group and version, and the field's path.
#[derive(Clone, PartialEq)]
struct Ref {
    target: (String, Option<String>, Option<String>),
    referrer: (String, Option<String>, Option<String>),
    path: String,
}

/// The whole list, in kustomize's order, built once.
fn all_refs() -> &'static [Ref] {
    static REFS: std::sync::OnceLock<Vec<Ref>> = std::sync::OnceLock::new();
    REFS.get_or_init(|| {
        let owned = |s: Option<&str>| s.map(str::to_owned);
        build_refs()
            .into_iter()
            .map(|((kind, group, version), by, by_group, path)| Ref {
                target: (kind.to_owned(), owned(group), owned(version)),
                referrer: (by.to_owned(), owned(by_group), None),
                path,
            })
            .collect()
    })
}

/// The built-in list and the `nameReference` entries of configurations (each kind's fields
/// after the built-in ones: its own run).
fn refs_with(extra: &[super::config::NameRef]) -> std::borrow::Cow<'static, [Ref]> {
    if extra.is_empty() {
        return std::borrow::Cow::Borrowed(all_refs());
    }
    let any = |s: &str| (!s.is_empty()).then(|| s.to_owned());
    let mut refs = all_refs().to_vec();
    for n in extra {
        for f in &n.referrers {
            refs.push(Ref {
                target: (n.kind.clone(), any(&n.group), any(&n.version)),
                referrer: (f.kind.clone(), any(&f.group), any(&f.version)),
                path: f.path.clone(),
            });
        }
    }
    std::borrow::Cow::Owned(refs)
}

fn build_refs() -> Vec<Reference> {
    let v1 = |kind| (kind, Some(""), Some("v1"));
    let mut out = Vec::new();
    for kind in [
        "Deployment",
        "ReplicationController",
        "ReplicaSet",
        "StatefulSet",
    ] {
        out.push((
            (kind, None, None),
            "HorizontalPodAutoscaler",
            None,
            "spec/scaleTargetRef/name".to_owned(),
        ));
    }
    let pod_kinds = POD_SPECS
        .iter()
        .map(|(k, _)| *k)
        .filter(|k| *k != "ReplicationController");
    for (target, fields, others) in [
        ("ConfigMap", CONFIG_MAP_FIELDS, CONFIG_MAP_OTHERS),
        ("Secret", SECRET_FIELDS, SECRET_OTHERS),
    ] {
        for kind in pod_kinds.clone() {
            for f in fields {
                out.push((v1(target), kind, None, format!("{}/{f}", pod_prefix(kind))));
            }
        }
        for (kind, group, path) in others {
            out.push((v1(target), kind, *group, (*path).to_owned()));
        }
    }
    for (kind, group, path) in SERVICE {
        out.push((v1("Service"), kind, *group, (*path).to_owned()));
    }
    for ((target, t_group, t_version), referrers) in OTHERS.iter().take(2) {
        for (kind, group, path) in *referrers {
            out.push((
                (target, *t_group, *t_version),
                kind,
                *group,
                (*path).to_owned(),
            ));
        }
    }
    for (kind, group) in [("RoleBinding", RBAC), ("ClusterRoleBinding", RBAC)] {
        out.push((v1("ServiceAccount"), kind, group, "subjects".to_owned()));
    }
    for (target, field) in [
        (v1("ServiceAccount"), "serviceAccountName"),
        (
            v1("PersistentVolumeClaim"),
            "volumes/persistentVolumeClaim/claimName",
        ),
    ] {
        for kind in SA_KINDS {
            out.push((target, kind, None, format!("{}/{field}", pod_prefix(kind))));
        }
    }
    for ((target, t_group, t_version), referrers) in OTHERS.iter().skip(2) {
        for (kind, group, path) in *referrers {
            out.push((
                (target, *t_group, *t_version),
                kind,
                *group,
                (*path).to_owned(),
            ));
        }
    }
    let priority = ("PriorityClass", Some("scheduling.k8s.io"), Some("v1"));
    for kind in SA_KINDS {
        out.push((
            priority,
            kind,
            None,
            format!("{}/priorityClassName", pod_prefix(kind)),
        ));
    }
    out
}

/// An object that may be referred to, as it is now and as it was.
struct Candidate {
    ids: Vec<(String, String)>,
    kind: String,
    name: String,
    namespace: String,
    cluster: bool,
    affixes: [Vec<String>; 2],
    /// kustomize's `CurId().String()`, for the error naming several.
    id: String,
    /// Where its name was last set: the kustomization entry that renamed it.
    renamed_at: Origin,
}

/// The object that refers.
struct Referring {
    namespace: String,
    cluster: bool,
    role_ref_kind: Option<String>,
    role_ref: bool,
    /// The namespaces of a binding's ServiceAccount subjects, which it may refer to.
    subject_namespaces: Vec<String>,
    affixes: [Vec<String>; 2],
}

/// kustomize's `SameEndingSubSlice`: one list ends with the other (two empty lists do, an
/// empty and a non-empty one do not).
fn same_ending(a: &[String], b: &[String]) -> bool {
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    if short.is_empty() {
        return long.is_empty();
    }
    long.ends_with(short)
}

/// kustomize's `selectReferral`: the candidates whose previous names (not the current one)
/// include `old`, in the namespaces the referrer may see (`SubsetThatCouldBeReferencedByResource`),
/// of the `roleRef` kind, in the referrer's namespace; if several remain, those with the
/// referrer's prefixes and suffixes (`PrefixesSuffixesEquals`). Several that agree on the name
/// (and, with `by_namespace`, the namespace) count as one; several that differ are kustomize's
/// "found multiple possible referrals" error, at the entry that renamed the first.
fn select<'a>(
    old: &str,
    candidates: &[&'a Candidate],
    by: &Referring,
    by_namespace: bool,
) -> Result<Option<&'a Candidate>, Failure> {
    let chosen: Vec<&Candidate> = candidates
        .iter()
        .copied()
        .filter(|c| {
            c.ids[..c.ids.len().saturating_sub(1)]
                .iter()
                .any(|(_, n)| n == old)
        })
        .filter(|c| {
            by.cluster
                || c.cluster
                || same_ns(&by.namespace, &c.namespace)
                || by.subject_namespaces.contains(&c.namespace)
        })
        .filter(|c| !by.role_ref || by.role_ref_kind.as_deref().is_none_or(|k| k == c.kind))
        .filter(|c| {
            by.cluster
                || c.cluster
                || c.kind == "ServiceAccount"
                || same_ns(&by.namespace, &c.namespace)
        })
        .collect();
    if let [one] = chosen[..] {
        return Ok(Some(one));
    }
    let chosen: Vec<&Candidate> = chosen
        .into_iter()
        .filter(|c| (0..2).all(|i| same_ending(&c.affixes[i], &by.affixes[i])))
        .collect();
    let Some(first) = chosen.first() else {
        return Ok(None);
    };
    if chosen
        .iter()
        .all(|c| c.name == first.name && (!by_namespace || c.namespace == first.namespace))
    {
        return Ok(Some(first));
    }
    let ids: Vec<&str> = chosen.iter().map(|c| c.id.as_str()).collect();
    Err((
        format!("found multiple possible referrals: {}", ids.join(", ")),
        first.renamed_at,
    ))
}

/// kustomize's error, and where to report it.
type Failure = (String, Origin);

fn set_scalar(node: &mut RNode, candidates: &[&Candidate], by: &Referring) -> Result<(), Failure> {
    let Some(old) = node.as_str() else {
        return Ok(());
    };
    if let Some(c) = select(old, candidates, by, false)?
        && c.name != old
    {
        node.value = RValue::Str(c.name.clone());
    }
    Ok(())
}

/// A reference written as a mapping with `name` and maybe `namespace` (webhook services,
/// binding subjects, a Node's config source): both are taken from the object referred to.
fn set_mapping(node: &mut RNode, candidates: &[&Candidate], by: &Referring) -> Result<(), Failure> {
    let Some(old) = node.str_at(&["name"]).map(str::to_owned) else {
        return Ok(());
    };
    let narrowed: Vec<&Candidate>;
    let candidates = match node.get("namespace").and_then(RNode::as_str) {
        None => candidates,
        Some(ns) => {
            let original: Vec<&Candidate> = candidates
                .iter()
                .copied()
                .filter(|c| c.ids.first().is_some_and(|(o, _)| same_ns(o, ns)))
                .collect();
            narrowed = if original.is_empty() {
                candidates
                    .iter()
                    .copied()
                    .filter(|c| same_ns(&c.namespace, ns))
                    .collect()
            } else {
                original
            };
            &narrowed
        }
    };
    let Some(c) = select(&old, candidates, by, true)? else {
        return Ok(());
    };
    if c.name == old && c.namespace.is_empty() {
        return Ok(());
    }
    let origin = node.origin;
    if let Some(n) = node.get_mut("name") {
        n.value = RValue::Str(c.name.clone());
    }
    if !c.namespace.is_empty() {
        node.set("namespace", RNode::str(c.namespace.clone(), origin));
    }
    Ok(())
}

/// Whether a resource of (kind, group, version) is of the target's kind, group and version
/// (`""`, `None`: any).
fn matches_gvk(
    gvk: &(String, Option<String>, Option<String>),
    (k, g, v): (&str, &str, &str),
) -> bool {
    let (kind, group, version) = gvk;
    (kind.is_empty() || k == kind)
        && group.as_ref().is_none_or(|x| x == g)
        && version.as_ref().is_none_or(|x| x == v)
}

fn subject_namespaces(r: &Resource) -> Vec<String> {
    if !matches!(r.kind(), "RoleBinding" | "ClusterRoleBinding") {
        return Vec::new();
    }
    r.root
        .get("subjects")
        .map(RNode::items)
        .unwrap_or_default()
        .iter()
        .filter(|s| s.str_at(&["kind"]) == Some("ServiceAccount"))
        .filter_map(|s| s.str_at(&["namespace"]).map(str::to_owned))
        .collect()
}

/// Fails as kustomize does where a reference could be to several objects, at the field.
pub(crate) fn fix_references(
    resources: &mut [Resource],
    extra: &[super::config::NameRef],
) -> Result<(), RenderError> {
    if !resources.iter().any(|r| r.ids.len() > 1) {
        return Ok(());
    }
    let refs = refs_with(extra);
    let at = Default::default();
    // Each resource's (kind, group, version) read once: the loop below asks it of every
    // resource for every field of every target (references change names, never kinds).
    let gvks: Vec<(String, String, String)> = resources
        .iter()
        .map(|r| {
            let (g, v) = r.group_version();
            (r.kind().to_owned(), g.to_owned(), v.to_owned())
        })
        .collect();
    let gvk = |j: usize| {
        let (k, g, v) = &gvks[j];
        (k.as_str(), g.as_str(), v.as_str())
    };
    let mut i = 0;
    while i < refs.len() {
        // The fields of one target, against the candidates as they are now.
        let target = &refs[i].target;
        let end = refs[i..]
            .iter()
            .position(|r| r.target != *target)
            .map_or(refs.len(), |n| i + n);
        let candidates: Vec<Candidate> = resources
            .iter()
            .enumerate()
            .filter(|(j, _)| matches_gvk(target, gvk(*j)))
            .map(|(_, r)| Candidate {
                ids: r.ids.clone(),
                kind: r.kind().to_owned(),
                name: r.name().to_owned(),
                namespace: r.namespace().to_owned(),
                cluster: is_cluster_scoped(r),
                affixes: r.affixes.clone(),
                id: r.id_string(),
                renamed_at: r
                    .root
                    .get("metadata")
                    .and_then(|m| m.get("name"))
                    .map_or(r.root.origin, |n| n.origin),
            })
            .collect();
        let renamed = candidates.iter().any(|c| c.ids.len() > 1);
        let candidates: Vec<&Candidate> = candidates.iter().collect();
        for (j, r) in resources.iter_mut().enumerate().filter(|_| renamed) {
            for Ref { referrer, path, .. } in &refs[i..end] {
                if !matches_gvk(referrer, gvk(j)) {
                    continue;
                }
                if !fieldspecs::reaches(&r.root, path) {
                    continue;
                }
                let by = Referring {
                    namespace: r.namespace().to_owned(),
                    cluster: is_cluster_scoped(r),
                    role_ref_kind: r.root.str_at(&["roleRef", "kind"]).map(str::to_owned),
                    role_ref: path.ends_with("roleRef/name"),
                    subject_namespaces: subject_namespaces(r),
                    affixes: r.affixes.clone(),
                };
                let mut failed = None;
                let mut set = |n: &mut RNode| {
                    let done = if n.is_map() {
                        set_mapping(n, &candidates, &by)
                    } else {
                        set_scalar(n, &candidates, &by)
                    };
                    if let Err(e) = done {
                        failed.get_or_insert(e);
                    }
                };
                fieldspecs::visit(&mut r.root, path, false, at, &mut |n| match &mut n.value {
                    RValue::Str(_) | RValue::Map(_) => set(n),
                    RValue::Seq(items) => items.iter_mut().for_each(&mut set),
                    _ => {}
                });
                if let Some((e, origin)) = failed {
                    return Err(RenderError::new(e, Some(origin)));
                }
            }
        }
        i = end;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::same_ending;

    fn list(s: &str) -> Vec<String> {
        s.split(',')
            .filter(|x| !x.is_empty())
            .map(str::to_owned)
            .collect()
    }

    #[test]
    fn affixes_agree_when_one_list_ends_the_other() {
        assert!(same_ending(&list(""), &list("")));
        assert!(!same_ending(&list(""), &list("x-")));
        assert!(same_ending(&list("x-"), &list("a-,x-")));
        assert!(same_ending(&list("a-,x-"), &list("x-")));
        assert!(!same_ending(&list("a-,x-"), &list("b-,x-")));
        assert!(!same_ending(&list("x-"), &list("x-,a-")));
    }
}
