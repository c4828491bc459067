//! The repository index: one compact entry per object *instance* across every checked path, for
//! the checks that need more than one object.
//!
//! An object file included by kustomizations exists once per kustomize build that includes it
//! (an overlay's `namespace`, `namePrefix`/`nameSuffix` and labels applied); a file that no
//! kustomization includes stands on its own. Lookups go through hash maps keyed by namespace and
//! kind, never scans over the whole index, so 100,000 objects stay cheap.

pub mod kustomize;
pub mod pods;
pub mod summary;
pub mod units;

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
    /// The object, with kustomize's name and label transformers applied.
    pub object: ObjectSummary,
    /// `None` for cluster-scoped objects.
    pub namespace: Option<String>,
    /// Where the namespace was set: `metadata.namespace` or the kustomization's `namespace:`.
    pub namespace_location: Option<Location>,
    /// The root kustomization of the build that makes this instance; `None` for a loose file.
    pub build: Option<FileId>,
    /// The apply units it is in ([`units`]), by id.
    pub units: Box<[u32]>,
    /// For a loose file no unit covers: its directory (plain directories are units).
    pub loose_dir: Option<PathBuf>,
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
        d.object = Some(self.object_ref());
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
}

impl Index {
    /// Whether two different paths are one file on disk (one reached through a symbolic link).
    pub fn same_file_by_link(&self, a: FileId, b: FileId) -> bool {
        let canonical = |f: FileId| std::fs::canonicalize(&self.paths[f.0 as usize]).ok();
        a != b && canonical(a).is_some_and(|p| Some(p) == canonical(b))
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

/// A file's objects and what kustomize says about it.
pub struct FileObjects {
    pub file: FileId,
    pub path: PathBuf,
    pub objects: Vec<ObjectSummary>,
    pub kustomization: Option<Kustomization>,
    /// Some of its documents (or all: the file could not be read) were lost.
    pub lost: bool,
}

/// Transformers accumulated from the outermost kustomization inwards.
#[derive(Clone, Default)]
struct Transform {
    namespace: Option<(String, Location, FileId)>,
    prefix: String,
    suffix: String,
    labels: Labels,
    template_labels: Labels,
    selector_labels: Labels,
    /// `replicas:` counts by workload name (the outermost kustomization's win).
    replicas: Vec<(String, i64)>,
}

impl Transform {
    /// Adds an inner kustomization: the outer one's namespace wins, prefixes nest.
    fn inner(&self, k: &Kustomization) -> Transform {
        let mut t = self.clone();
        if t.namespace.is_none() {
            t.namespace = k.namespace.clone().map(|(ns, loc)| (ns, loc, k.file));
        }
        t.prefix.push_str(&k.name_prefix);
        t.suffix = format!("{}{}", k.name_suffix, t.suffix);
        add_labels(&mut t.labels, &k.labels);
        add_labels(&mut t.template_labels, &k.template_labels);
        add_labels(&mut t.selector_labels, &k.selector_labels);
        for (name, count) in &k.replicas {
            if !t.replicas.iter().any(|(n, _)| n == name) {
                t.replicas.push((name.clone(), *count));
            }
        }
        t
    }
}

fn add_labels(to: &mut Labels, from: &Labels) {
    for (k, v) in from {
        if !to.iter().any(|(key, _)| key == k) {
            to.push((k.clone(), v.clone()));
        }
    }
}

fn rename(name: &str, t: &Transform) -> String {
    format!("{}{name}{}", t.prefix, t.suffix)
}

/// Applies a build's transformers to an object, as `kustomize build` would.
fn transform(mut o: ObjectSummary, t: &Transform) -> ObjectSummary {
    // kustomize's replica count transformer matches the name as written or as renamed.
    if let Some(ordinals) = o.pods.as_mut().and_then(|p| p.ordinals.as_mut())
        && o.kind == "StatefulSet"
        && let Some((_, count)) = t
            .replicas
            .iter()
            .find(|(n, _)| *n == o.name || *n == rename(&o.name, t))
    {
        ordinals.count = Some(*count);
    }
    if !t.prefix.is_empty() || !t.suffix.is_empty() {
        o.name = rename(&o.name, t);
        for r in o.references.iter_mut().chain(o.scale_target.as_deref_mut()) {
            r.name = rename(&r.name, t);
        }
        // As the references to them are (a per-pod name follows the renamed workload).
        for c in o.creates.iter_mut().filter(|c| !c.per_pod) {
            c.name = rename(&c.name, t);
        }
        for b in &mut o.ingress_backends {
            b.service = rename(&b.service, t);
        }
    }
    let all_labels: Labels = t
        .labels
        .iter()
        .chain(&t.template_labels)
        .chain(&t.selector_labels)
        .cloned()
        .collect();
    add_labels_override(&mut o.labels, &all_labels);
    if let Some(pods) = &mut o.pods {
        add_labels_override(&mut pods.labels, &t.template_labels);
        add_labels_override(&mut pods.labels, &t.selector_labels);
    }
    if let Some((selector, _)) = o.service.as_mut().and_then(|s| s.selector.as_mut()) {
        add_labels_override(selector, &t.selector_labels);
    }
    o
}

fn add_labels_override(to: &mut Labels, from: &Labels) {
    for (k, v) in from {
        match to.iter_mut().find(|(key, _)| key == k) {
            Some(entry) => entry.1 = v.clone(),
            None => to.push((k.clone(), v.clone())),
        }
    }
}

/// Builds the index from every file's objects and kustomizations.
pub fn build(mut files: Vec<FileObjects>, unit_settings: &units::UnitSettings) -> Index {
    let mut defined_scope: HashMap<(String, String), bool> = HashMap::new();
    for f in &files {
        for o in &f.objects {
            if let Some(d) = &o.defines {
                defined_scope.insert((d.group.clone(), d.kind.clone()), d.namespaced);
            }
        }
    }
    let namespaced = |o: &ObjectSummary| {
        if CLUSTER_SCOPED.contains(&(o.group.as_str(), o.kind.as_str())) {
            return false;
        }
        // (Most repositories define no CRD: no key to build for the lookup.)
        defined_scope.is_empty()
            || defined_scope
                .get(&(o.group.clone(), o.kind.clone()))
                .copied()
                .unwrap_or(true)
    };

    // Each file's path normalised once (this stage is serial).
    let normalized: Vec<PathBuf> = files
        .iter()
        .map(|f| kustomize::normalize(&f.path))
        .collect();
    let by_path: HashMap<&Path, usize> = normalized
        .iter()
        .enumerate()
        .map(|(i, path)| (path.as_path(), i))
        .collect();
    let kustomization_of_dir = |dir: &Path| -> Option<usize> {
        kustomize::FILE_NAMES
            .iter()
            .find_map(|n| {
                by_path
                    .get(kustomize::normalize(&dir.join(n)).as_path())
                    .copied()
            })
            .filter(|&i| files[i].kustomization.is_some())
    };

    // Which files kustomizations include, and which are patches.
    let mut included: HashSet<usize> = HashSet::new();
    let mut patches: HashSet<PathBuf> = HashSet::new();
    for f in &files {
        let Some(k) = &f.kustomization else { continue };
        patches.extend(k.patches.iter().cloned());
        for include in &k.includes {
            let target = by_path
                .get(include.path.as_path())
                .copied()
                .or_else(|| kustomization_of_dir(&include.path));
            included.extend(target);
        }
    }

    let mut instances = Vec::with_capacity(files.iter().map(|f| f.objects.len()).sum());
    let mut instantiated: HashSet<usize> = HashSet::new();
    let add =
        |instances: &mut Vec<Instance>, o: ObjectSummary, t: &Transform, build: Option<FileId>| {
            let o = transform(o, t);
            let (namespace, namespace_location, via) = if !namespaced(&o) {
                (None, o.namespace_location, None)
            } else if let Some((ns, loc, file)) = &t.namespace {
                (Some(ns.clone()), Some(*loc), Some(*file))
            } else {
                (
                    Some(o.namespace.clone().unwrap_or_else(|| "default".to_owned())),
                    o.namespace_location,
                    None,
                )
            };
            instances.push(Instance {
                object: o,
                namespace,
                namespace_location,
                build,
                units: Box::default(),
                loose_dir: None,
                via,
            });
        };

    let mut lost_in = HashSet::new();
    let mut lost_anywhere = false;
    // Each root kustomization (one no other includes) is a build.
    let mut builds: Vec<(FileId, Vec<usize>)> = Vec::new();
    for (root, f) in files.iter().enumerate() {
        match &f.kustomization {
            Some(k) if !k.is_component && !included.contains(&root) => {}
            _ => continue,
        }
        let mut in_build = Vec::new();
        let mut stack = vec![(root, Transform::default(), vec![root])];
        while let Some((current, outer, path)) = stack.pop() {
            let Some(k) = &files[current].kustomization else {
                continue;
            };
            let t = outer.inner(k);
            for generated in &k.generated {
                add(&mut instances, generated.clone(), &t, Some(f.file));
            }
            for include in &k.includes {
                let target = by_path
                    .get(include.path.as_path())
                    .copied()
                    .or_else(|| kustomization_of_dir(&include.path));
                let Some(target) = target else { continue };
                if files[target].kustomization.is_some() {
                    // Handled when the target kustomization itself is popped.
                    if !path.contains(&target) {
                        let mut p = path.clone();
                        p.push(target);
                        stack.push((target, t.clone(), p));
                    }
                } else {
                    instantiated.insert(target);
                    in_build.push(target);
                    if files[target].lost {
                        match &t.namespace {
                            Some((ns, _, _)) => {
                                lost_in.insert(ns.clone());
                            }
                            None => lost_anywhere = true,
                        }
                    }
                    for o in &files[target].objects {
                        add(&mut instances, o.clone(), &t, Some(f.file));
                    }
                }
            }
        }
        in_build.sort_unstable();
        in_build.dedup();
        builds.push((f.file, in_build));
    }

    // Everything no build includes stands on its own (its summaries move, not copied: they
    // are not needed again).
    for (i, f) in files.iter_mut().enumerate() {
        if instantiated.contains(&i) || patches.contains(&normalized[i]) {
            continue;
        }
        // A lost document standing on its own: its namespace is unknown.
        lost_anywhere |= f.lost;
        for o in std::mem::take(&mut f.objects) {
            add(&mut instances, o, &Transform::default(), None);
        }
    }
    let units = units::assign(&mut instances, &files, &normalized, &builds, unit_settings);

    let mut by_kind: HashMap<_, Vec<usize>> = HashMap::new();
    let mut workloads: HashMap<String, Vec<usize>> = HashMap::new();
    let mut declared_namespaces = HashSet::new();
    let mut workloads_by_label: HashMap<(String, String), Vec<usize>> = HashMap::new();
    let mut workloads_by_added_label: HashMap<String, Vec<usize>> = HashMap::new();
    let mut with_custom_resources = HashSet::new();
    for (i, instance) in instances.iter().enumerate() {
        let o = &instance.object;
        by_kind
            .entry((instance.namespace.clone(), o.group.clone(), o.kind.clone()))
            .or_default()
            .push(i);
        if let (Some(ns), Some(pods)) = (&instance.namespace, &o.pods) {
            workloads.entry(ns.clone()).or_default().push(i);
            // (Keyed by a few distinct keys: looked up before a key is copied.)
            let mut by_key = |key: &str| match workloads_by_added_label.get_mut(key) {
                Some(list) => list.push(i),
                None => {
                    workloads_by_added_label.insert(key.to_owned(), vec![i]);
                }
            };
            for pair in &pods.labels {
                if crate::k8s::placeholder::contains(&pair.1) {
                    by_key(&pair.0);
                } else {
                    workloads_by_label.entry(pair.clone()).or_default().push(i);
                }
            }
            for added in &pods.added {
                by_key(added.key);
            }
        }
        if let (Some(ns), false) = (&instance.namespace, is_builtin_group(&o.group)) {
            with_custom_resources.insert(ns.clone());
        }
        if instance.is("", "Namespace") {
            declared_namespaces.insert(o.name.clone());
        }
        // Argo CD's `CreateNamespace=true` creates the destination namespace.
        if let Some(d) = o.deploys.as_deref().filter(|d| d.creates_namespace)
            && let Some((ns, _)) = &d.namespace
        {
            declared_namespaces.insert(ns.clone());
        }
    }
    Index {
        instances,
        paths: files.into_iter().map(|f| f.path).collect(),
        declared_namespaces,
        by_kind,
        workloads,
        workloads_by_label,
        workloads_by_added_label,
        with_custom_resources,
        units,
        lost_in,
        lost_anywhere,
    }
}
