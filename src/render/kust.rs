//! What the steps of a render share: the kustomization being built, the walk's state, and
//! kustomize's notion of an object's id.

use super::node::Origin;
use super::{Files, RenderError, RenderInfo, Resource};
use crate::load::tree::Node;
use std::path::PathBuf;

pub(crate) struct Walk<'a> {
    pub files: &'a mut Files,
    /// The directories being built, outermost first (kustomize refuses cycles).
    pub(crate) stack: Vec<PathBuf>,
    /// Entries kubevet leaves out of the render (remote resources, helm charts), one each.
    pub(crate) infos: Vec<RenderInfo>,
    /// The vars of the kustomization being accumulated (kustomize's `ResAccumulator.varSet`).
    pub(crate) vars: Vec<super::refvar::Var>,
    /// The top kustomization's `buildMetadata` and where it is written.
    pub(crate) build_metadata: Option<(Vec<String>, Origin)>,
    /// The field specs the `configurations` accumulated so far add (kustomize's `tConfig`).
    pub(crate) config: super::config::Config,
}

/// One kustomization file, read.
pub(crate) struct Kust {
    pub file: u32,
    pub dir: PathBuf,
    pub root: Node,
}

impl Kust {
    pub fn origin(&self, node: &Node) -> Origin {
        Files::origin(self.file, node.span)
    }

    pub fn at(&self, key: &str) -> Option<Origin> {
        Some(self.origin(self.root.entry(key).map(|e| &e.key)?))
    }

    pub fn seq(&self, key: &str) -> &[Node] {
        self.root
            .get(key)
            .and_then(Node::as_seq)
            .unwrap_or_default()
    }
}

/// Whether two namespaces are the same for ids ("" is "default").
pub(crate) fn same_ns(a: &str, b: &str) -> bool {
    fn d(s: &str) -> &str {
        if s.is_empty() { "default" } else { s }
    }
    d(a) == d(b)
}

/// Appends an object, refusing a second one with the same current id as kustomize does.
pub(crate) fn append(
    resources: &mut Vec<Resource>,
    r: Resource,
    at: Origin,
) -> Result<(), RenderError> {
    let clash = resources.iter().any(|o| {
        o.kind() == r.kind()
            && o.group_version().0 == r.group_version().0
            && o.name() == r.name()
            && same_ns(o.namespace(), r.namespace())
    });
    if clash {
        return Err(RenderError::new(
            format!(
                "may not add resource with an already registered id: {}",
                r.id_string()
            ),
            Some(at),
        ));
    }
    resources.push(r);
    Ok(())
}

/// Built-in kinds that are not namespaced (the API's discovery, as kustomize's built-in schema
/// has it); other kinds, custom resources included, get the namespace.
const CLUSTER_SCOPED: &[&str] = &[
    "APIService",
    "CSIDriver",
    "CSINode",
    "CertificateSigningRequest",
    "ClusterRole",
    "ClusterRoleBinding",
    "ComponentStatus",
    "CustomResourceDefinition",
    "FlowSchema",
    "IngressClass",
    "MutatingWebhookConfiguration",
    "Namespace",
    "Node",
    "PersistentVolume",
    "PodSecurityPolicy",
    "PriorityClass",
    "PriorityLevelConfiguration",
    "RuntimeClass",
    "SelfSubjectAccessReview",
    "SelfSubjectRulesReview",
    "StorageClass",
    "SubjectAccessReview",
    "TokenReview",
    "ValidatingAdmissionPolicy",
    "ValidatingAdmissionPolicyBinding",
    "ValidatingWebhookConfiguration",
    "VolumeAttachment",
];

pub(crate) fn is_cluster_scoped(r: &Resource) -> bool {
    CLUSTER_SCOPED.contains(&r.kind())
}
