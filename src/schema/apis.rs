//! Which `apiVersion`/`kind` pairs a Kubernetes release serves: derived from the embedded schema
//! sets (a pair missing from the target release but present in an older one was removed, one
//! present in the target but missing from a newer one is deprecated), plus a small table for
//! what was removed before the oldest embedded release (reference §9) and for deprecations the
//! schemas cannot show.

use super::catalog::{Catalog, KindEntry};
use crate::model::KubeVersion;

/// An API removed before the oldest embedded release (reference §9, from the Kubernetes
/// deprecation guide).
struct Removal {
    api_version: &'static str,
    kinds: &'static [&'static str],
    removed_in: u32,
    /// The apiVersion that replaces it, for the same kind.
    replacement: Option<&'static str>,
    /// What to do when there is no replacement.
    note: Option<&'static str>,
}

const fn removal(
    api_version: &'static str,
    kinds: &'static [&'static str],
    removed_in: u32,
    replacement: &'static str,
) -> Removal {
    Removal {
        api_version,
        kinds,
        removed_in,
        replacement: Some(replacement),
        note: None,
    }
}

const PSP_NOTE: &str = "PodSecurityPolicy has no replacement API: use Pod Security Admission (the pod-security.kubernetes.io/* namespace labels) or a policy engine";

static REMOVED: &[Removal] = &[
    removal(
        "extensions/v1beta1",
        &["Deployment", "DaemonSet", "ReplicaSet"],
        16,
        "apps/v1",
    ),
    removal(
        "extensions/v1beta1",
        &["NetworkPolicy"],
        16,
        "networking.k8s.io/v1",
    ),
    Removal {
        api_version: "extensions/v1beta1",
        kinds: &["PodSecurityPolicy"],
        removed_in: 16,
        replacement: None,
        note: Some(PSP_NOTE),
    },
    removal(
        "extensions/v1beta1",
        &["Ingress"],
        22,
        "networking.k8s.io/v1",
    ),
    removal(
        "apps/v1beta1",
        &["Deployment", "StatefulSet", "ControllerRevision"],
        16,
        "apps/v1",
    ),
    removal(
        "apps/v1beta2",
        &[
            "Deployment",
            "DaemonSet",
            "ReplicaSet",
            "StatefulSet",
            "ControllerRevision",
        ],
        16,
        "apps/v1",
    ),
    removal(
        "networking.k8s.io/v1beta1",
        &["Ingress", "IngressClass"],
        22,
        "networking.k8s.io/v1",
    ),
    removal(
        "rbac.authorization.k8s.io/v1beta1",
        &["Role", "RoleBinding", "ClusterRole", "ClusterRoleBinding"],
        22,
        "rbac.authorization.k8s.io/v1",
    ),
    removal(
        "rbac.authorization.k8s.io/v1alpha1",
        &["Role", "RoleBinding", "ClusterRole", "ClusterRoleBinding"],
        22,
        "rbac.authorization.k8s.io/v1",
    ),
    removal(
        "apiextensions.k8s.io/v1beta1",
        &["CustomResourceDefinition"],
        22,
        "apiextensions.k8s.io/v1",
    ),
    removal(
        "admissionregistration.k8s.io/v1beta1",
        &[
            "MutatingWebhookConfiguration",
            "ValidatingWebhookConfiguration",
        ],
        22,
        "admissionregistration.k8s.io/v1",
    ),
    removal(
        "apiregistration.k8s.io/v1beta1",
        &["APIService"],
        22,
        "apiregistration.k8s.io/v1",
    ),
    removal(
        "authentication.k8s.io/v1beta1",
        &["TokenReview"],
        22,
        "authentication.k8s.io/v1",
    ),
    removal(
        "authorization.k8s.io/v1beta1",
        &[
            "SubjectAccessReview",
            "LocalSubjectAccessReview",
            "SelfSubjectAccessReview",
            "SelfSubjectRulesReview",
        ],
        22,
        "authorization.k8s.io/v1",
    ),
    removal(
        "certificates.k8s.io/v1beta1",
        &["CertificateSigningRequest"],
        22,
        "certificates.k8s.io/v1",
    ),
    removal(
        "coordination.k8s.io/v1beta1",
        &["Lease"],
        22,
        "coordination.k8s.io/v1",
    ),
    removal(
        "scheduling.k8s.io/v1beta1",
        &["PriorityClass"],
        22,
        "scheduling.k8s.io/v1",
    ),
    removal(
        "storage.k8s.io/v1beta1",
        &["CSIDriver", "CSINode", "StorageClass", "VolumeAttachment"],
        22,
        "storage.k8s.io/v1",
    ),
    removal("batch/v2alpha1", &["CronJob"], 21, "batch/v1"),
    removal("batch/v1beta1", &["CronJob"], 25, "batch/v1"),
    removal("policy/v1beta1", &["PodDisruptionBudget"], 25, "policy/v1"),
    Removal {
        api_version: "policy/v1beta1",
        kinds: &["PodSecurityPolicy"],
        removed_in: 25,
        replacement: None,
        note: Some(PSP_NOTE),
    },
    removal(
        "discovery.k8s.io/v1beta1",
        &["EndpointSlice"],
        25,
        "discovery.k8s.io/v1",
    ),
    removal("events.k8s.io/v1beta1", &["Event"], 25, "events.k8s.io/v1"),
    removal(
        "node.k8s.io/v1beta1",
        &["RuntimeClass"],
        25,
        "node.k8s.io/v1",
    ),
    removal(
        "autoscaling/v2beta1",
        &["HorizontalPodAutoscaler"],
        25,
        "autoscaling/v2",
    ),
];

/// Deprecations the schema sets cannot show (the API is still served by the newest embedded
/// release): the API server's own warnings.
struct Deprecation {
    api_version: &'static str,
    kind: &'static str,
    since: u32,
    instead: Option<&'static str>,
}

static DEPRECATED: &[Deprecation] = &[
    Deprecation {
        api_version: "v1",
        kind: "Endpoints",
        since: 33,
        instead: Some("discovery.k8s.io/v1 EndpointSlice"),
    },
    Deprecation {
        api_version: "v1",
        kind: "ComponentStatus",
        since: 19,
        instead: None,
    },
];

/// What the target release makes of an `apiVersion`/`kind` pair of a built-in group.
#[derive(Debug, PartialEq, Eq)]
pub enum Lifecycle<'c> {
    /// Served, with its schema definition; maybe deprecated.
    Served {
        def: &'static str,
        deprecation: Option<Deprecated>,
    },
    /// No longer served.
    Removed {
        removed_in: KubeVersion,
        /// The apiVersion to use instead (for the same kind).
        replacement: Option<String>,
        note: Option<&'static str>,
    },
    /// Only served by releases newer than the target.
    NotYet {
        since: KubeVersion,
        /// An apiVersion of the kind that the target serves.
        instead: Option<String>,
    },
    /// Not an apiVersion/kind of Kubernetes at all.
    Unknown {
        /// Other apiVersions that serve this kind in the target release.
        served_as: Vec<&'c str>,
        /// A kind of this apiVersion with a similar name.
        similar_kind: Option<&'c str>,
    },
}

#[derive(Debug, PartialEq, Eq)]
pub struct Deprecated {
    /// The release that no longer serves it, when known.
    pub removed_in: Option<KubeVersion>,
    pub since: Option<KubeVersion>,
    /// What to use instead: an apiVersion (same kind) or an apiVersion and kind.
    pub instead: Option<String>,
}

/// `v1` > `v1beta2` > `v1beta1` > `v1alpha1`, for choosing a replacement.
fn stability(api_version: &str) -> (u32, u32, u32) {
    let version = api_version.rsplit('/').next().unwrap_or(api_version);
    let rest = version.trim_start_matches('v');
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    let major = digits.parse().unwrap_or(0);
    let rest = &rest[digits.len()..];
    let (stage, n) = if let Some(n) = rest.strip_prefix("beta") {
        (1, n.parse().unwrap_or(0))
    } else if let Some(n) = rest.strip_prefix("alpha") {
        (0, n.parse().unwrap_or(0))
    } else {
        (2, 0)
    };
    (stage, major, n)
}

fn group_of(api_version: &str) -> &str {
    api_version.rsplit_once('/').map_or("", |(g, _)| g)
}

/// Whether an apiVersion belongs to Kubernetes itself (embedded or in the removals table), so
/// a kind without a schema there is a mistake rather than a custom resource.
pub fn is_builtin_group(catalog: &Catalog, group: &str) -> bool {
    catalog.is_builtin_group(group) || REMOVED.iter().any(|r| group_of(r.api_version) == group)
}

/// The best apiVersion the target serves for `kind`, preferring `group`, then stability.
fn served_as<'c>(catalog: &'c Catalog, target: usize, kind: &str, group: &str) -> Vec<&'c str> {
    let mut found: Vec<&KindEntry> = catalog
        .kinds
        .iter()
        .filter(|k| k.kind == kind && k.served & (1 << target) != 0)
        .collect();
    found.sort_by_key(|k| {
        (
            std::cmp::Reverse(k.group() == group),
            std::cmp::Reverse(stability(&k.api_version)),
        )
    });
    found.into_iter().map(|k| k.api_version.as_str()).collect()
}

/// Where an apiVersion/kind of a built-in group stands in the target release (an index into
/// `catalog.versions`).
pub fn lifecycle<'c>(
    catalog: &'c Catalog,
    target: usize,
    api_version: &str,
    kind: &str,
) -> Lifecycle<'c> {
    let group = group_of(api_version);
    let bit = 1u64 << target;
    let newest = catalog.versions.len() - 1;
    let replacement = |catalog: &'c Catalog| {
        served_as(catalog, target, kind, group)
            .into_iter()
            .find(|v| *v != api_version)
    };
    if let Some(entry) = catalog.kind(api_version, kind) {
        if entry.served & bit != 0 {
            let def = entry
                .def_in(target)
                .expect("a served kind has a definition");
            let last = 63 - entry.served.leading_zeros() as usize;
            let deprecation = if last < newest {
                Some(Deprecated {
                    removed_in: Some(catalog.versions[last + 1]),
                    since: None,
                    instead: replacement(catalog).map(str::to_owned),
                })
            } else {
                DEPRECATED
                    .iter()
                    .find(|d| {
                        d.api_version == api_version
                            && d.kind == kind
                            && catalog.versions[target].minor >= d.since
                    })
                    .map(|d| Deprecated {
                        removed_in: None,
                        since: Some(KubeVersion::new(d.since)),
                        instead: d.instead.map(str::to_owned),
                    })
            };
            return Lifecycle::Served { def, deprecation };
        }
        let below = entry.served & (bit - 1);
        if below != 0 {
            let last = 63 - below.leading_zeros() as usize;
            return Lifecycle::Removed {
                removed_in: catalog.versions[last + 1],
                replacement: replacement(catalog).map(str::to_owned),
                note: None,
            };
        }
        let first = entry.served.trailing_zeros() as usize;
        return Lifecycle::NotYet {
            since: catalog.versions[first],
            instead: replacement(catalog).map(str::to_owned),
        };
    }
    if let Some(r) = REMOVED
        .iter()
        .find(|r| r.api_version == api_version && r.kinds.contains(&kind))
    {
        return Lifecycle::Removed {
            removed_in: KubeVersion::new(r.removed_in),
            replacement: r.replacement.map(str::to_owned),
            note: r.note,
        };
    }
    let served_as = served_as(catalog, target, kind, group);
    let similar_kind = if served_as.is_empty() {
        let names = catalog
            .kinds
            .iter()
            .filter(|k| k.api_version == api_version && k.served & bit != 0)
            .map(|k| k.kind.as_str());
        crate::model::text::did_you_mean(kind, names)
    } else {
        None
    };
    Lifecycle::Unknown {
        served_as,
        similar_kind,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::catalog::catalog;

    fn at(minor: u32) -> usize {
        catalog().index_of(KubeVersion::new(minor)).unwrap()
    }

    #[test]
    fn removed_before_the_embedded_range_comes_from_the_table() {
        let c = catalog();
        assert_eq!(
            lifecycle(c, at(37), "batch/v1beta1", "CronJob"),
            Lifecycle::Removed {
                removed_in: KubeVersion::new(25),
                replacement: Some("batch/v1".into()),
                note: None
            }
        );
        assert!(matches!(
            lifecycle(c, at(37), "extensions/v1beta1", "DaemonSet"),
            Lifecycle::Removed { removed_in, .. } if removed_in == KubeVersion::new(16)
        ));
    }

    #[test]
    fn removals_and_deprecations_inside_the_range_are_derived() {
        let c = catalog();
        assert_eq!(
            lifecycle(
                c,
                at(37),
                "flowcontrol.apiserver.k8s.io/v1beta3",
                "FlowSchema"
            ),
            Lifecycle::Removed {
                removed_in: KubeVersion::new(32),
                replacement: Some("flowcontrol.apiserver.k8s.io/v1".into()),
                note: None
            }
        );
        let Lifecycle::Served { deprecation, .. } =
            lifecycle(c, at(25), "autoscaling/v2beta2", "HorizontalPodAutoscaler")
        else {
            panic!("served in 1.25")
        };
        assert_eq!(
            deprecation,
            Some(Deprecated {
                removed_in: Some(KubeVersion::new(26)),
                since: None,
                instead: Some("autoscaling/v2".into())
            })
        );
        assert!(matches!(
            lifecycle(c, at(37), "apps/v1", "Deployment"),
            Lifecycle::Served {
                deprecation: None,
                ..
            }
        ));
    }

    #[test]
    fn unknown_kinds_get_suggestions() {
        let c = catalog();
        assert_eq!(
            lifecycle(c, at(37), "v1", "configmap"),
            Lifecycle::Unknown {
                served_as: vec![],
                similar_kind: Some("ConfigMap")
            }
        );
        assert_eq!(
            lifecycle(c, at(37), "v1", "Deployment"),
            Lifecycle::Unknown {
                served_as: vec!["apps/v1"],
                similar_kind: None
            }
        );
        assert!(matches!(
            lifecycle(c, at(30), "resource.k8s.io/v1", "DeviceClass"),
            Lifecycle::NotYet { since, .. } if since == KubeVersion::new(34)
        ));
    }
}
