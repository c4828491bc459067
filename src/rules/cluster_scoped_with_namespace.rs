//! `cluster-scoped-with-namespace`: a cluster-scoped object (Namespace, ClusterRole,
//! StorageClass, a cluster-scoped custom resource, ...) with `metadata.namespace`, which the API
//! server silently drops (reference §1.2 META-NS-CLUSTER).
//!
//! Only a namespace the manifest itself writes: kustomize's `namespace:` is set on every object
//! whose apiVersion and kind its own table does not know to be cluster-scoped (a
//! `ValidatingAdmissionPolicy`, a `flowcontrol.apiserver.k8s.io/v1` `FlowSchema`), which the
//! API server drops again; nothing in the repository is wrong.

use crate::model::diagnostic::Diagnostic;
use crate::index::kustomize;

pub use crate::model::rule::cluster_scoped_with_namespace as RULE;

pub fn check_repo(repo: &super::Repo<'_>, out: &mut Vec<Diagnostic>) {
    let index = repo.index;
    for instance in &index.instances {
        let (None, Some(location), Some(ns)) = (
            &instance.namespace,
            instance.namespace_location,
            &instance.object.namespace,
        ) else {
            continue;
        };
        let path = index.paths.get(location.file.0 as usize);
        if path.is_some_and(|p| kustomize::is_kustomization_file(p)) {
            continue;
        }
        out.push(
            instance
                .diagnostic(
                    &RULE,
                    location,
                    format!(
                        "{} is cluster-scoped: `namespace: {ns}` is ignored",
                        instance.object.kind
                    ),
                )
                .with_label("dropped by the API server")
                .with_help(
                    "remove `metadata.namespace`; a cluster-scoped object belongs to no namespace",
                ),
        );
    }
}
