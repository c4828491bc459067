//! Name references follow renamed objects (kustomize's `nameReference` field specs, sigs.k8s.io/kustomize
//! `api/internal/konfig/builtinpluginconsts/namereference.go`): a ConfigMap renamed by a prefix
//! or a generator's hash is renamed in the pods that mount it, a ServiceAccount in the bindings
//! that name it, and so on. Done once, at the top level, from each object's name history.

use super::Resource;
use super::fieldspecs;
use super::kust::{is_cluster_scoped, same_ns};
use super::node::{RNode, RValue};

/// Where pod specs are, by kind.
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

/// Fields of a pod spec that name an object of a kind.
const POD_REFS: &[(&str, &str)] = &[
    ("ConfigMap", "volumes/configMap/name"),
    ("ConfigMap", "containers/env/valueFrom/configMapKeyRef/name"),
    (
        "ConfigMap",
        "initContainers/env/valueFrom/configMapKeyRef/name",
    ),
    ("ConfigMap", "containers/envFrom/configMapRef/name"),
    ("ConfigMap", "initContainers/envFrom/configMapRef/name"),
    ("ConfigMap", "volumes/projected/sources/configMap/name"),
    ("Secret", "volumes/secret/secretName"),
    ("Secret", "containers/env/valueFrom/secretKeyRef/name"),
    ("Secret", "initContainers/env/valueFrom/secretKeyRef/name"),
    ("Secret", "containers/envFrom/secretRef/name"),
    ("Secret", "initContainers/envFrom/secretRef/name"),
    ("Secret", "imagePullSecrets/name"),
    ("Secret", "volumes/projected/sources/secret/name"),
    ("ServiceAccount", "serviceAccountName"),
    (
        "PersistentVolumeClaim",
        "volumes/persistentVolumeClaim/claimName",
    ),
    ("PriorityClass", "priorityClassName"),
];

/// Other references: (referenced kind, referring kind, path).
const OTHER_REFS: &[(&str, &str, &str)] = &[
    ("Secret", "Ingress", "spec/tls/secretName"),
    ("Secret", "ServiceAccount", "imagePullSecrets/name"),
    ("Service", "StatefulSet", "spec/serviceName"),
    (
        "Service",
        "Ingress",
        "spec/rules/http/paths/backend/service/name",
    ),
    ("Service", "Ingress", "spec/defaultBackend/service/name"),
    (
        "Service",
        "Ingress",
        "spec/rules/http/paths/backend/serviceName",
    ),
    ("Service", "Ingress", "spec/backend/serviceName"),
    (
        "PersistentVolume",
        "PersistentVolumeClaim",
        "spec/volumeName",
    ),
    ("StorageClass", "PersistentVolume", "spec/storageClassName"),
    (
        "StorageClass",
        "PersistentVolumeClaim",
        "spec/storageClassName",
    ),
    (
        "StorageClass",
        "StatefulSet",
        "spec/volumeClaimTemplates/spec/storageClassName",
    ),
    ("IngressClass", "Ingress", "spec/ingressClassName"),
];

/// An object that was renamed: its kind, every id it had, its current name and namespace.
struct Renamed {
    kind: String,
    ids: Vec<(String, String)>,
    name: String,
    namespace: String,
    cluster: bool,
}

fn new_name<'a>(renamed: &'a [Renamed], kind: &str, old: &str, ns: &str) -> Option<&'a Renamed> {
    let candidates: Vec<&Renamed> = renamed
        .iter()
        .filter(|r| r.kind == kind && r.ids.iter().any(|(_, n)| n == old))
        .collect();
    let chosen: Vec<&Renamed> = if candidates.iter().all(|c| c.cluster) {
        candidates
    } else {
        candidates
            .into_iter()
            .filter(|c| same_ns(&c.namespace, ns))
            .collect()
    };
    match chosen.as_slice() {
        [one] => Some(one),
        _ => None,
    }
}

fn rename(node: &mut RNode, renamed: &[Renamed], kind: &str, ns: &str) {
    let Some(old) = node.as_str() else { return };
    if let Some(r) = new_name(renamed, kind, old, ns)
        && r.name != old
    {
        node.value = RValue::Str(r.name.clone());
    }
}

pub(crate) fn fix_references(resources: &mut [Resource]) {
    let renamed: Vec<Renamed> = resources
        .iter()
        .filter(|r| r.ids.len() > 1)
        .map(|r| Renamed {
            kind: r.kind().to_owned(),
            ids: r.ids.clone(),
            name: r.name().to_owned(),
            namespace: r.namespace().to_owned(),
            cluster: is_cluster_scoped(r),
        })
        .collect();
    if renamed.is_empty() {
        return;
    }
    let at = Default::default();
    for r in resources.iter_mut() {
        let kind = r.kind().to_owned();
        let ns = r.namespace().to_owned();
        if let Some((_, prefix)) = POD_SPECS.iter().find(|(k, _)| *k == kind) {
            for (target, path) in POD_REFS {
                let full = format!("{prefix}/{path}");
                fieldspecs::visit(&mut r.root, &full, false, at, &mut |n| {
                    rename(n, &renamed, target, &ns)
                });
            }
        }
        for (target, referrer, path) in OTHER_REFS {
            if *referrer == kind {
                fieldspecs::visit(&mut r.root, path, false, at, &mut |n| {
                    rename(n, &renamed, target, &ns)
                });
            }
        }
        // References whose kind is written beside the name.
        let typed: &[(&str, &[&str])] = match kind.as_str() {
            "RoleBinding" => &[("roleRef", &["Role", "ClusterRole"])],
            "ClusterRoleBinding" => &[("roleRef", &["ClusterRole"])],
            "HorizontalPodAutoscaler" => &[(
                "spec/scaleTargetRef",
                &[
                    "Deployment",
                    "ReplicationController",
                    "ReplicaSet",
                    "StatefulSet",
                ],
            )],
            _ => &[],
        };
        for (path, kinds) in typed {
            fieldspecs::visit(&mut r.root, path, false, at, &mut |n| {
                let Some(k) = n.str_at(&["kind"]).map(str::to_owned) else {
                    return;
                };
                if kinds.contains(&k.as_str())
                    && let Some(name) = n.get_mut("name")
                {
                    rename(name, &renamed, &k, &ns);
                }
            });
        }
        // A Service named by name and namespace (webhooks, API services).
        let service_refs: &[&str] = match kind.as_str() {
            "ValidatingWebhookConfiguration" | "MutatingWebhookConfiguration" => {
                &["webhooks/clientConfig/service"]
            }
            "APIService" => &["spec/service"],
            _ => &[],
        };
        for path in service_refs {
            fieldspecs::visit(&mut r.root, path, false, at, &mut |service| {
                let (Some(old), Some(old_ns)) = (
                    service.str_at(&["name"]).map(str::to_owned),
                    service.str_at(&["namespace"]).map(str::to_owned),
                ) else {
                    return;
                };
                let found = renamed.iter().find(|c| {
                    c.kind == "Service"
                        && c.ids
                            .iter()
                            .any(|(ns, n)| *n == old && same_ns(ns, &old_ns))
                });
                if let Some(c) = found {
                    let origin = service.origin;
                    service.set("name", RNode::str(c.name.clone(), origin));
                    service.set("namespace", RNode::str(c.namespace.clone(), origin));
                }
            });
        }
        if matches!(kind.as_str(), "RoleBinding" | "ClusterRoleBinding")
            && let Some(RValue::Seq(subjects)) = r.root.get_mut("subjects").map(|s| &mut s.value)
        {
            for s in subjects.iter_mut() {
                if s.str_at(&["kind"]) != Some("ServiceAccount") {
                    continue;
                }
                let subject_ns = s.str_at(&["namespace"]).unwrap_or(&ns).to_owned();
                let Some(old) = s.str_at(&["name"]).map(str::to_owned) else {
                    continue;
                };
                let found = renamed.iter().find(|c| {
                    c.kind == "ServiceAccount"
                        && c.ids
                            .iter()
                            .any(|(cns, n)| *n == old && same_ns(cns, &subject_ns))
                });
                if let Some(c) = found {
                    if let Some(n) = s.get_mut("name") {
                        n.value = RValue::Str(c.name.clone());
                    }
                    if !c.namespace.is_empty() {
                        let origin = s.origin;
                        s.set("namespace", RNode::str(c.namespace.clone(), origin));
                    }
                }
            }
        }
    }
}
