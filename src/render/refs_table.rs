//! kustomize 5.5's built-in `nameReference` table (sigs.k8s.io/kustomize
//! `api/internal/konfig/builtinpluginconsts/namereference.go`), in its order: which fields name
//! objects of which kinds, for [`super::refs`].

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
pub(super) struct Ref {
    pub(super) target: (String, Option<String>, Option<String>),
    pub(super) referrer: (String, Option<String>, Option<String>),
    pub(super) path: String,
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
pub(super) fn refs_with(extra: &[super::config::NameRef]) -> std::borrow::Cow<'static, [Ref]> {
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

/// A field path split into keys, `[]` dropped (lists on the way are entered element by
/// element).
fn keys(path: &str) -> Vec<String> {
    super::fieldspecs::segments(path)
        .into_iter()
        .map(|s| s.strip_suffix("[]").map(str::to_owned).unwrap_or(s))
        .collect()
}

/// Each reference's field path split into keys ([`keys`]), in the list's order; kustomize's
/// own list (`cached`: `refs` is it) split once for the run.
pub(super) fn split_paths(refs: &[Ref], cached: bool) -> std::borrow::Cow<'static, [Vec<String>]> {
    let split = |refs: &[Ref]| refs.iter().map(|r| keys(&r.path)).collect::<Vec<_>>();
    if cached {
        static SPLIT: std::sync::OnceLock<Vec<Vec<String>>> = std::sync::OnceLock::new();
        return std::borrow::Cow::Borrowed(SPLIT.get_or_init(|| split(all_refs())));
    }
    std::borrow::Cow::Owned(split(refs))
}

/// The field paths of a list of references, split into keys (`[]` dropped), sorted (paths
/// through one field are neighbours) and without repeats: what
/// [`super::fieldspecs::name_paths_hold`] walks.
pub(super) type Paths = std::sync::Arc<Vec<Vec<String>>>;

/// The paths of the references whose referrer `selects` an object of kind, group and version
/// `gvk`; for kustomize's own list (`cached`) built once per kind for the whole run.
pub(super) fn referrer_paths(
    refs: &[Ref],
    cached: bool,
    gvk: (&str, &str, &str),
    selects: impl Fn(&Ref) -> bool,
) -> Paths {
    static CACHE: PerKind<Paths> = std::sync::Mutex::new(None);
    per_kind(&CACHE, cached, gvk, || {
        let mut paths: Vec<Vec<String>> = refs
            .iter()
            .filter(|r| selects(r))
            .map(|r| keys(&r.path))
            .collect();
        paths.sort_unstable();
        paths.dedup();
        std::sync::Arc::new(paths)
    })
}

/// What a run keeps per (kind, group, version) of kustomize's own list ([`per_kind`]).
type PerKind<T> = std::sync::Mutex<Option<foldhash::HashMap<(String, String, String), T>>>;

/// `make()` for objects of kind, group and version `gvk`; for kustomize's own list (`cached`)
/// made once per kind for the whole run, in `cache`.
fn per_kind<T: Clone>(
    cache: &PerKind<T>,
    cached: bool,
    gvk: (&str, &str, &str),
    make: impl FnOnce() -> T,
) -> T {
    let key = (gvk.0.to_owned(), gvk.1.to_owned(), gvk.2.to_owned());
    if cached
        && let Some(found) = cache
            .lock()
            .ok()
            .and_then(|c| c.as_ref()?.get(&key).cloned())
    {
        return found;
    }
    let made = make();
    if cached && let Ok(mut c) = cache.lock() {
        c.get_or_insert_with(Default::default)
            .insert(key, made.clone());
    }
    made
}

/// The references of a target, as runs of the list: `(start, end)` of each (the list keeps
/// each target's references together); for kustomize's own list (`cached`) made once.
pub(super) fn target_runs(
    refs: &[Ref],
    cached: bool,
) -> std::borrow::Cow<'static, [(usize, usize)]> {
    let runs = |refs: &[Ref]| {
        let mut out = Vec::new();
        let mut start = 0;
        for i in 1..=refs.len() {
            if i == refs.len() || refs[i].target != refs[start].target {
                out.push((start, i));
                start = i;
            }
        }
        out
    };
    if cached {
        static RUNS: std::sync::OnceLock<Vec<(usize, usize)>> = std::sync::OnceLock::new();
        return std::borrow::Cow::Borrowed(RUNS.get_or_init(|| runs(all_refs())));
    }
    std::borrow::Cow::Owned(runs(refs))
}

/// The references (their places in the list, ascending) whose referrer `selects` an object of
/// kind, group and version `gvk`; for kustomize's own list (`cached`) made once per kind for the
/// whole run. A render asks it once per kind of its objects, not once per object and reference.
pub(super) fn referrer_refs(
    refs: &[Ref],
    cached: bool,
    gvk: (&str, &str, &str),
    selects: impl Fn(&Ref) -> bool,
) -> std::sync::Arc<Vec<u32>> {
    static CACHE: PerKind<std::sync::Arc<Vec<u32>>> = std::sync::Mutex::new(None);
    per_kind(&CACHE, cached, gvk, || {
        let found: Vec<u32> = (0..refs.len() as u32)
            .filter(|&i| selects(&refs[i as usize]))
            .collect();
        std::sync::Arc::new(found)
    })
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn target_runs_cover_the_list_one_target_a_run() {
        let refs = all_refs();
        let runs = target_runs(refs, true);
        assert_eq!(runs.first().map(|r| r.0), Some(0));
        assert_eq!(runs.last().map(|r| r.1), Some(refs.len()));
        for (a, b) in runs.iter().zip(runs.iter().skip(1)) {
            assert_eq!(a.1, b.0, "runs are contiguous");
            assert!(refs[a.0].target != refs[b.0].target);
        }
        for &(start, end) in runs.iter() {
            assert!(start < end);
            assert!(
                refs[start..end]
                    .iter()
                    .all(|r| r.target == refs[start].target)
            );
        }
        // Built again (not cached), the same runs.
        assert_eq!(target_runs(refs, false).as_ref(), runs.as_ref());
    }

    #[test]
    fn referrer_refs_are_the_references_a_kind_refers_by() {
        let refs = all_refs();
        let deployment = ("Deployment", "apps", "v1");
        let selects = |r: &Ref| {
            r.referrer.0 == deployment.0
                && r.referrer.1.as_deref().is_none_or(|g| g == deployment.1)
        };
        let found = referrer_refs(refs, true, deployment, selects);
        assert!(!found.is_empty());
        assert!(found.windows(2).all(|w| w[0] < w[1]), "ascending");
        let expected: Vec<u32> = (0..refs.len() as u32)
            .filter(|&i| selects(&refs[i as usize]))
            .collect();
        assert_eq!(*found, expected);
        // Asked again, the run's list.
        assert!(std::sync::Arc::ptr_eq(
            &found,
            &referrer_refs(refs, true, deployment, |_| false)
        ));
    }
}
