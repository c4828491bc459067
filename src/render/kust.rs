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
    /// Decoded ([`super::decode::check`]); shared by the renders that read the file.
    pub root: std::sync::Arc<Node>,
    /// `dir` with its symbolic links resolved, found once (the load restriction of every
    /// file it names compares with it).
    pub real_dir: std::cell::OnceCell<Option<PathBuf>>,
}

impl Kust {
    /// Whether `path` is outside this kustomization's directory ([`crate::index::kustomize_load::outside_root`]).
    pub fn outside_root(&self, path: &std::path::Path) -> Option<bool> {
        use crate::index::kustomize_load::{outside_real_root, real_root};
        let root = self
            .real_dir
            .get_or_init(|| real_root(&self.dir))
            .as_ref()?;
        outside_real_root(&self.dir, root, path)
    }

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
    // (The name first: it tells most objects apart, and is one lookup.)
    let (name, kind, group, namespace) = (r.name(), r.kind(), r.group_version().0, r.namespace());
    // A cluster-scoped object's id has no namespace, whatever its metadata says.
    let clash = resources.iter().any(|o| {
        o.name() == name
            && o.kind() == kind
            && o.group_version().0 == group
            && (same_ns(o.namespace(), namespace) || is_cluster_scoped(&r))
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

/// The (apiVersion, kind) pairs kustomize knows to be cluster-scoped: every other object,
/// custom resources and built-in kinds of other versions included, gets the `namespace:` —
/// a `ValidatingAdmissionPolicy`, a `flowcontrol.apiserver.k8s.io/v1` `FlowSchema` or an
/// `example.com/v2` kind `Namespace` too (the API server drops it again on a cluster-scoped
/// object). kustomize 5.5 decides by its table of known types (kyaml `openapi.IsNamespaceScoped`,
/// `precomputedIsNamespaceScoped`); this list is what `kubectl kustomize` does with one object
/// of every apiVersion and kind of the embedded schemas, 1.25–1.37, and of the older versions
/// of these kinds (checked by the differential test on `fixtures/render/namespace-scopes`).
const CLUSTER_SCOPED: &[(&str, &str)] = &[
    (
        "admissionregistration.k8s.io/v1",
        "MutatingWebhookConfiguration",
    ),
    (
        "admissionregistration.k8s.io/v1",
        "ValidatingWebhookConfiguration",
    ),
    (
        "admissionregistration.k8s.io/v1beta1",
        "MutatingWebhookConfiguration",
    ),
    (
        "admissionregistration.k8s.io/v1beta1",
        "ValidatingWebhookConfiguration",
    ),
    ("apiextensions.k8s.io/v1", "CustomResourceDefinition"),
    ("apiextensions.k8s.io/v1beta1", "CustomResourceDefinition"),
    ("apiregistration.k8s.io/v1", "APIService"),
    ("apiregistration.k8s.io/v1beta1", "APIService"),
    ("certificates.k8s.io/v1", "CertificateSigningRequest"),
    ("certificates.k8s.io/v1beta1", "CertificateSigningRequest"),
    ("flowcontrol.apiserver.k8s.io/v1beta1", "FlowSchema"),
    (
        "flowcontrol.apiserver.k8s.io/v1beta1",
        "PriorityLevelConfiguration",
    ),
    ("networking.k8s.io/v1", "IngressClass"),
    ("networking.k8s.io/v1beta1", "IngressClass"),
    ("node.k8s.io/v1", "RuntimeClass"),
    ("node.k8s.io/v1beta1", "RuntimeClass"),
    ("policy/v1beta1", "PodSecurityPolicy"),
    ("rbac.authorization.k8s.io/v1", "ClusterRole"),
    ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding"),
    ("rbac.authorization.k8s.io/v1beta1", "ClusterRole"),
    ("rbac.authorization.k8s.io/v1beta1", "ClusterRoleBinding"),
    ("scheduling.k8s.io/v1", "PriorityClass"),
    ("scheduling.k8s.io/v1beta1", "PriorityClass"),
    ("storage.k8s.io/v1", "CSIDriver"),
    ("storage.k8s.io/v1", "CSINode"),
    ("storage.k8s.io/v1", "StorageClass"),
    ("storage.k8s.io/v1", "VolumeAttachment"),
    ("storage.k8s.io/v1beta1", "CSIDriver"),
    ("storage.k8s.io/v1beta1", "CSINode"),
    ("storage.k8s.io/v1beta1", "StorageClass"),
    ("storage.k8s.io/v1beta1", "VolumeAttachment"),
    ("v1", "ComponentStatus"),
    ("v1", "Namespace"),
    ("v1", "Node"),
    ("v1", "NodeProxyOptions"),
    ("v1", "PersistentVolume"),
];

/// kustomize's load restriction: a file outside the kustomization's directory (`../x.yaml`, a
/// symlink out of it) is "security; file ... is not in or below ...", at `origin`.
pub(crate) fn within_root(
    k: &Kust,
    path: &std::path::Path,
    origin: Origin,
) -> Result<(), RenderError> {
    match k.outside_root(path) {
        None => Ok(()),
        Some(_) => Err(RenderError::new(
            format!(
                "security; file '{}' is not in or below '{}'",
                path.display(),
                k.dir.display()
            ),
            Some(origin),
        )),
    }
}

pub(crate) fn is_cluster_scoped(r: &Resource) -> bool {
    let (api_version, kind) = (r.api_version(), r.kind());
    // (The kind first: most objects' differs from every one of the list at its length.)
    CLUSTER_SCOPED
        .iter()
        .any(|&(v, k)| k == kind && v == api_version)
}
