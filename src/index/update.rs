//! Replacing one file's objects in the index in place, as a batch build would have indexed
//! them: the language server's edits re-index one file, not the repository.

use super::build::{Transform, instance_of};
use super::summary::ObjectSummary;
use super::*;

/// Where one file's objects are in the index: one run of instances per build that includes it,
/// or one for a file standing on its own.
pub(super) struct Segment {
    /// The file, by index.
    pub(super) file: usize,
    pub(super) start: usize,
    pub(super) len: usize,
    pub(super) transform: Transform,
    pub(super) build: Option<FileId>,
}

/// What an in-place replacement needs besides the instances.
#[derive(Default)]
pub(super) struct Placement {
    /// In index order (each starts where the one before it ends, or later).
    pub(super) segments: Vec<Segment>,
    /// Scopes of the kinds the CRDs define.
    pub(super) defined_scope: HashMap<(String, String), bool>,
    /// Each file's path, normalised.
    pub(super) normalized: Vec<PathBuf>,
    /// Whether some of each file's documents were lost.
    pub(super) lost: Vec<bool>,
}

/// A file's instances before and after [`Index::replace_file`].
pub struct Replaced {
    pub removed: Vec<Instance>,
    /// Indices of its instances now.
    pub added: Vec<usize>,
    /// Whether which files are alternatives of each other changed.
    pub alternatives_changed: bool,
}

impl Index {
    /// Replaces one file's objects, each instance where a batch [`build`] of the repository
    /// would put it (same order, transformers, units). `None` when the change needs a batch
    /// build: the file defines CRDs or GitOps units (before or after), or whether its documents
    /// could be read changed.
    pub fn replace_file(
        &mut self,
        file: FileId,
        objects: &[ObjectSummary],
        lost: bool,
    ) -> Option<Replaced> {
        let f = file.0 as usize;
        if self.place.lost.get(f).copied() != Some(lost) {
            return None;
        }
        let mine: Vec<usize> = (0..self.place.segments.len())
            .filter(|&s| self.place.segments[s].file == f)
            .collect();
        let structural = |o: &ObjectSummary| o.defines.is_some() || o.deploys.is_some();
        let old = mine.iter().flat_map(|&s| {
            let seg = &self.place.segments[s];
            &self.instances[seg.start..seg.start + seg.len]
        });
        if objects.iter().any(structural) || old.clone().any(|i| structural(&i.object)) {
            return None;
        }
        let mut removed = Vec::new();
        for &s in mine.iter().rev() {
            let seg = &self.place.segments[s];
            let new: Vec<Instance> = objects
                .iter()
                .map(|o| {
                    let mut i = instance_of(
                        o.clone(),
                        &seg.transform,
                        seg.build,
                        &self.place.defined_scope,
                    );
                    self.units.place(&mut i, &self.place.normalized);
                    i
                })
                .collect();
            let (start, len, now) = (seg.start, seg.len, new.len());
            removed.splice(0..0, self.instances.splice(start..start + len, new));
            self.place.segments[s].len = now;
            for later in &mut self.place.segments[s + 1..] {
                later.start = later.start + now - len;
            }
        }
        let added = mine
            .iter()
            .flat_map(|&s| {
                let seg = &self.place.segments[s];
                seg.start..seg.start + seg.len
            })
            .collect();
        let mut alternatives_changed = false;
        if !mine.is_empty() {
            alternatives_changed = self.units.refresh_alternatives(&self.instances);
            self.relookup();
        }
        Some(Replaced {
            removed,
            added,
            alternatives_changed,
        })
    }

    /// The objects (with their indices) a scoped whole-repo rule reports on: those in the
    /// namespaces of [`Index::set_scope`], or all. Such a rule's findings about an object
    /// depend only on objects in the object's namespace (and on cluster-scoped ones).
    pub fn subjects(&self) -> impl Iterator<Item = (usize, &Instance)> {
        self.instances.iter().enumerate().filter(|(_, i)| {
            self.scope
                .as_ref()
                .is_none_or(|scope| i.namespace.as_ref().is_some_and(|ns| scope.contains(ns)))
        })
    }

    /// Restricts the scoped whole-repo rules to the objects in `namespaces` (`None`: all).
    pub fn set_scope(&mut self, namespaces: Option<HashSet<String>>) {
        self.scope = namespaces;
    }

    /// The lookups, from the instances.
    pub(super) fn relookup(&mut self) {
        let mut by_kind: HashMap<_, Vec<usize>> = HashMap::new();
        let mut workloads: HashMap<String, Vec<usize>> = HashMap::new();
        let mut declared_namespaces = HashSet::new();
        let mut workloads_by_label: HashMap<(String, String), Vec<usize>> = HashMap::new();
        let mut workloads_by_added_label: HashMap<String, Vec<usize>> = HashMap::new();
        let mut with_custom_resources = HashSet::new();
        for (i, instance) in self.instances.iter().enumerate() {
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
        self.by_kind = by_kind;
        self.workloads = workloads;
        self.declared_namespaces = declared_namespaces;
        self.workloads_by_label = workloads_by_label;
        self.workloads_by_added_label = workloads_by_added_label;
        self.with_custom_resources = with_custom_resources;
    }
}
