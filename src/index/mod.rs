//! The repository index: one compact entry per object *instance* across every checked path, for
//! the checks that need more than one object.
//!
//! An object file included by kustomizations exists once per kustomize build that includes it
//! (an overlay's `namespace`, `namePrefix`/`nameSuffix` and labels applied); a file that no
//! kustomization includes stands on its own. Lookups go through hash maps keyed by namespace and
//! kind, never scans over the whole index, so 100,000 objects stay cheap.

mod build;
pub mod digests;
pub use build::*;

pub mod gitignore;
pub mod kustomize;
pub mod kustomize_cycles;
pub mod kustomize_load;
pub mod kustomize_schema;
pub mod pods;
mod read;
mod references;
pub mod summarize;
pub mod summary;
mod tools;
pub mod units;
mod update;
pub use update::Replaced;

use crate::index::kustomize::Kustomization;
use crate::model::diagnostic::{Diagnostic, FileId, Location, ObjectRef, Rule};
use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};
use std::path::{Path, PathBuf};
use summary::{Labels, ObjectSummary};

/// Kinds whose objects have no namespace (reference §1.2 META-SCOPE-LIST).
const CLUSTER_SCOPED: &[(&str, &str)] = &[
    ("", "Namespace"),
    ("", "Node"),
    ("", "PersistentVolume"),
    ("", "ComponentStatus"),
    ("rbac.authorization.k8s.io", "ClusterRole"),
    ("rbac.authorization.k8s.io", "ClusterRoleBinding"),
    ("apiextensions.k8s.io", "CustomResourceDefinition"),
    ("apiregistration.k8s.io", "APIService"),
    (
        "admissionregistration.k8s.io",
        "MutatingWebhookConfiguration",
    ),
    (
        "admissionregistration.k8s.io",
        "ValidatingWebhookConfiguration",
    ),
    ("admissionregistration.k8s.io", "ValidatingAdmissionPolicy"),
    (
        "admissionregistration.k8s.io",
        "ValidatingAdmissionPolicyBinding",
    ),
    ("admissionregistration.k8s.io", "MutatingAdmissionPolicy"),
    (
        "admissionregistration.k8s.io",
        "MutatingAdmissionPolicyBinding",
    ),
    ("storage.k8s.io", "StorageClass"),
    ("storage.k8s.io", "VolumeAttachment"),
    ("storage.k8s.io", "CSIDriver"),
    ("storage.k8s.io", "CSINode"),
    ("storage.k8s.io", "VolumeAttributesClass"),
    ("scheduling.k8s.io", "PriorityClass"),
    ("node.k8s.io", "RuntimeClass"),
    ("networking.k8s.io", "IngressClass"),
    ("networking.k8s.io", "IPAddress"),
    ("networking.k8s.io", "ServiceCIDR"),
    ("certificates.k8s.io", "CertificateSigningRequest"),
    ("certificates.k8s.io", "ClusterTrustBundle"),
    ("flowcontrol.apiserver.k8s.io", "FlowSchema"),
    ("flowcontrol.apiserver.k8s.io", "PriorityLevelConfiguration"),
    ("resource.k8s.io", "DeviceClass"),
    ("resource.k8s.io", "ResourceSlice"),
    ("authentication.k8s.io", "TokenReview"),
    ("authentication.k8s.io", "SelfSubjectReview"),
    ("authorization.k8s.io", "SubjectAccessReview"),
    ("authorization.k8s.io", "SelfSubjectAccessReview"),
    ("authorization.k8s.io", "SelfSubjectRulesReview"),
];

/// Namespaces every cluster has.
pub const BUILTIN_NAMESPACES: &[&str] =
    &["default", "kube-system", "kube-public", "kube-node-lease"];

/// One object as it will exist in a cluster.
#[derive(Clone, Debug)]
pub struct Instance {
    /// The object, with kustomize's name and label transformers applied. Boxed: the box its
    /// file's summary was made in (in the per-file stage) moves here, rather than a vector of
    /// whole instances being allocated beside the files' summaries.
    pub object: Box<ObjectSummary>,
    /// `None` for cluster-scoped objects.
    pub namespace: Option<String>,
    /// Where the namespace was set: `metadata.namespace` or the kustomization's `namespace:`.
    pub namespace_location: Option<Location>,
    /// The root kustomization of the build that makes this instance; `None` for a loose file.
    pub build: Option<FileId>,
    /// The apply units it is in ([`units`]), by id.
    pub units: Box<[u32]>,
    /// For a loose file no unit covers: its directory (plain directories are units).
    /// (Shared by the instances of a file.)
    pub loose_dir: Option<std::sync::Arc<std::path::Path>>,
    /// The kustomization that sets the namespace or names, if any (for messages).
    pub via: Option<FileId>,
}

impl Instance {
    pub fn object_ref(&self) -> ObjectRef {
        ObjectRef {
            api_version: Some(self.object.api_version.clone()),
            kind: Some(self.object.kind.clone()),
            namespace: self.namespace.clone(),
            name: Some(self.object.name.clone()),
        }
    }

    /// `Kind namespace/name` or `Kind name`, for messages.
    pub fn display(&self) -> String {
        match &self.namespace {
            Some(ns) => format!("{} {ns}/{}", self.object.kind, self.object.name),
            None => format!("{} {}", self.object.kind, self.object.name),
        }
    }

    /// A finding about this instance, tagged with its document and object.
    pub fn diagnostic(
        &self,
        rule: &'static Rule,
        location: Location,
        message: impl Into<String>,
    ) -> Diagnostic {
        let mut d = Diagnostic::new(rule, location, message);
        d.document = Some(self.object.document);
        d.object = Some(std::sync::Arc::new(self.object_ref()));
        d
    }

    pub fn is(&self, group: &str, kind: &str) -> bool {
        self.object.group == group && self.object.kind == kind
    }
}

pub struct Index {
    pub instances: Vec<Instance>,
    /// Each file's path, by `FileId`.
    pub paths: Vec<PathBuf>,
    /// Names of the Namespace objects the paths declare.
    pub declared_namespaces: HashSet<String>,
    /// Instance indices by (namespace, group, kind).
    by_kind: HashMap<(Option<String>, String, String), Vec<usize>>,
    /// Instance indices of objects that run pods, by namespace.
    workloads: HashMap<String, Vec<usize>>,
    /// Workload instance indices by one of their pod labels, so a selector is matched by
    /// looking up its pairs, not by scanning every workload.
    workloads_by_label: HashMap<(String, String), Vec<usize>>,
    /// Workload instance indices by the key of a pod label whose value a pair may match without
    /// being equal to it: one a pod or unknowable (a label their controller adds), or an
    /// unrendered placeholder.
    workloads_by_added_label: HashMap<String, Vec<usize>>,
    /// Namespaces holding custom resources (an operator may create pods there).
    with_custom_resources: HashSet<String>,
    /// Which instances are applied together ([`units`]).
    pub units: units::Units,
    /// Namespaces where documents that could not be read would be (a kustomization set their
    /// namespace), and whether some are in a namespace nobody knows.
    lost_in: HashSet<String>,
    lost_anywhere: bool,
    /// Where each file's objects are, to replace them in place ([`Index::replace_file`]).
    place: build::Placement,
    /// The namespaces whose objects the scoped whole-repo rules report on ([`Index::subjects`]);
    /// `None`: every object.
    scope: Option<HashSet<String>>,
}

/// Files numbered by the file on disk they are ([`Index::same_file_by_link`]).
#[derive(Default)]
pub struct CanonicalFiles {
    by_file: HashMap<FileId, Option<u32>>,
    by_identity: HashMap<FileIdentity, u32>,
}

/// What tells files on disk apart: the device and inode (one `stat`; resolving the path, as
/// `canonicalize` does, is a system call per component, in the serial whole-repo stage).
#[cfg(unix)]
type FileIdentity = (u64, u64);
#[cfg(not(unix))]
type FileIdentity = PathBuf;

#[cfg(unix)]
fn file_identity(path: &Path) -> Option<FileIdentity> {
    use std::os::unix::fs::MetadataExt;
    let m = std::fs::metadata(path).ok()?;
    Some((m.dev(), m.ino()))
}

#[cfg(not(unix))]
fn file_identity(path: &Path) -> Option<FileIdentity> {
    std::fs::canonicalize(path).ok()
}

impl CanonicalFiles {
    fn of(&mut self, index: &Index, f: FileId) -> Option<u32> {
        if let Some(n) = self.by_file.get(&f) {
            return *n;
        }
        let n = file_identity(&index.paths[f.0 as usize]).map(|identity| {
            let next = self.by_identity.len() as u32;
            *self.by_identity.entry(identity).or_insert(next)
        });
        self.by_file.insert(f, n);
        n
    }
}

impl Index {
    /// Whether two different paths are one file on disk (one reached through a symbolic link,
    /// or a hard link: kubectl would apply the same text twice).
    /// `seen` numbers each file's canonical path for the caller's next questions: resolving a
    /// path is a system call per component, and a rule may ask about thousands of pairs.
    pub fn same_file_by_link(&self, a: FileId, b: FileId, seen: &mut CanonicalFiles) -> bool {
        a != b
            && seen
                .of(self, a)
                .is_some_and(|c| Some(c) == seen.of(self, b))
    }

    pub fn of_kind(&self, namespace: Option<&str>, group: &str, kind: &str) -> &[usize] {
        self.by_kind
            .get(&(
                namespace.map(str::to_owned),
                group.to_owned(),
                kind.to_owned(),
            ))
            .map_or(&[], Vec::as_slice)
    }

    pub fn find(
        &self,
        namespace: Option<&str>,
        group: &str,
        kind: &str,
        name: &str,
    ) -> Option<&Instance> {
        self.of_kind(namespace, group, kind)
            .iter()
            .map(|&i| &self.instances[i])
            .find(|i| i.object.name == name)
    }

    /// Whether `to` can be in one cluster with `from`: not in an alternative of it (another
    /// overlay of the same base, or a file that is an alternative of its file, [`units`]).
    /// Whole-repo checks look only at what they can see.
    pub fn visible(&self, from: &Instance, to: &Instance) -> bool {
        !self.units.alternatives(from, to)
    }

    /// [`Index::find`], among the objects `from` can see.
    pub fn find_from(
        &self,
        from: &Instance,
        namespace: Option<&str>,
        group: &str,
        kind: &str,
        name: &str,
    ) -> Option<&Instance> {
        self.of_kind(namespace, group, kind)
            .iter()
            .map(|&i| &self.instances[i])
            .find(|i| i.object.name == name && self.visible(from, i))
    }

    /// [`Index::workloads_in`], among the objects `from` can see.
    pub fn workloads_seen_from<'a>(
        &'a self,
        from: &'a Instance,
        namespace: &str,
    ) -> impl Iterator<Item = &'a Instance> {
        self.workloads_in(namespace)
            .filter(move |w| self.visible(from, w))
    }

    /// Objects running pods (Pods, workloads, Jobs, CronJobs) in a namespace.
    pub fn workloads_in(&self, namespace: &str) -> impl Iterator<Item = &Instance> {
        self.workloads
            .get(namespace)
            .map_or(&[][..], Vec::as_slice)
            .iter()
            .map(|&i| &self.instances[i])
    }

    /// How many workloads are in `namespace`.
    pub fn workloads_count_in(&self, namespace: &str) -> usize {
        self.workloads.get(namespace).map_or(0, Vec::len)
    }

    /// Every workload (in any namespace) whose pods a Service-style selector selects (by their
    /// template labels or the labels their controller adds, [`pods`]), in index order.
    pub fn workloads_selected_by(&self, selector: &Labels) -> Vec<&Instance> {
        fn list(l: Option<&Vec<usize>>) -> &[usize] {
            l.map_or(&[], Vec::as_slice)
        }
        let postings = selector.iter().map(|pair| {
            (
                list(self.workloads_by_label.get(pair)),
                list(self.workloads_by_added_label.get(&pair.0)),
            )
        });
        let Some((equal, added)) = postings.min_by_key(|(e, a)| e.len() + a.len()) else {
            return Vec::new();
        };
        let mut candidates: Vec<usize> = equal.iter().chain(added).copied().collect();
        if !added.is_empty() {
            candidates.sort_unstable();
            candidates.dedup();
        }
        candidates
            .into_iter()
            .map(|i| &self.instances[i])
            .filter(|w| pods::select(selector, &w.object) == pods::Selection::Selected)
            .collect()
    }

    /// Namespaces the paths declare or use.
    pub fn known_namespaces(&self) -> HashSet<&str> {
        self.instances
            .iter()
            .filter_map(|i| i.namespace.as_deref())
            .chain(self.declared_namespaces.iter().map(String::as_str))
            .collect()
    }

    /// Whether any object in the namespace is a custom resource (an operator may create pods
    /// or services for it that the repository does not show).
    pub fn has_custom_resources(&self, namespace: &str) -> bool {
        self.with_custom_resources.contains(namespace)
    }

    /// Whether a document that could not be read (a YAML error, a limit, an unreadable file)
    /// may have defined objects in `namespace`: then nothing is missing there for sure, and the
    /// checks that report something missing stay silent (the loss itself is an error already).
    pub fn may_lack_objects_in(&self, namespace: &str) -> bool {
        self.lost_anywhere || self.lost_in.contains(namespace)
    }

    /// Whether some document that could not be read may have defined any object (a Namespace).
    pub fn has_lost_documents(&self) -> bool {
        self.lost_anywhere || !self.lost_in.is_empty()
    }
}

fn is_builtin_group(group: &str) -> bool {
    group.is_empty() || !group.contains('.') || group.ends_with(".k8s.io")
}
