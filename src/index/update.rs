//! Replacing one file's objects in the index in place, as a batch build would have indexed
//! them: the language server's edits re-index one file, not the repository.

use super::build::instance_of;
use super::summary::ObjectSummary;
use super::*;

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
    /// build: the file defines CRDs or GitOps units (before or after), whether its documents
    /// could be read changed, or a rendered build read it (its objects there are the render's,
    /// [`build_with`]).
    pub fn replace_file(
        &mut self,
        file: FileId,
        objects: &[Box<ObjectSummary>],
        lost: bool,
    ) -> Option<Replaced> {
        let f = file.0 as usize;
        if self.place.lost.get(f).copied() != Some(lost) || self.place.rendered_files.contains(&f) {
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
        if objects.iter().any(|o| structural(o)) || old.clone().any(|i| structural(&i.object)) {
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
            // The lookups stay in index order: the old postings go, the later ones move, the
            // new ones are inserted.
            for i in start..start + len {
                self.post(i, false);
            }
            removed.splice(0..0, self.instances.splice(start..start + len, new));
            self.shift(start + len, now as isize - len as isize);
            for i in start..start + now {
                self.post(i, true);
            }
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
            let pairs = self.alternatives_of(file);
            alternatives_changed = self.units.set_alternatives_of(file, pairs);
            self.rescan_sets();
        }
        Some(Replaced {
            removed,
            added,
            alternatives_changed,
        })
    }

    /// Adds instance `i` to the lookups (in index order), or removes it.
    fn post(&mut self, i: usize, add: bool) {
        fn edit<K: std::hash::Hash + Eq>(
            map: &mut HashMap<K, Vec<usize>>,
            key: K,
            i: usize,
            add: bool,
        ) {
            if add {
                let list = map.entry(key).or_default();
                let at = list.partition_point(|&x| x <= i);
                list.insert(at, i);
            } else if let Some(list) = map.get_mut(&key) {
                list.retain(|&x| x != i);
                if list.is_empty() {
                    map.remove(&key);
                }
            }
        }
        let instance = &self.instances[i];
        let o = &instance.object;
        let key = (instance.namespace.clone(), o.group.clone(), o.kind.clone());
        edit(&mut self.by_kind, key, i, add);
        if let (Some(ns), Some(pods)) = (&instance.namespace, &o.pods) {
            edit(&mut self.workloads, ns.clone(), i, add);
            for pair in &pods.labels {
                if crate::k8s::placeholder::contains(&pair.1) {
                    edit(&mut self.workloads_by_added_label, pair.0.clone(), i, add);
                } else {
                    edit(&mut self.workloads_by_label, pair.clone(), i, add);
                }
            }
            for added in &pods.added {
                edit(
                    &mut self.workloads_by_added_label,
                    added.key.to_owned(),
                    i,
                    add,
                );
            }
        }
    }

    /// Moves the postings at or after `from` by `by` places.
    fn shift(&mut self, from: usize, by: isize) {
        if by == 0 {
            return;
        }
        let moved = |list: &mut Vec<usize>| {
            for x in list.iter_mut().rev() {
                if *x < from {
                    break;
                }
                *x = x.wrapping_add_signed(by);
            }
        };
        self.by_kind.values_mut().for_each(moved);
        self.workloads.values_mut().for_each(moved);
        self.workloads_by_label.values_mut().for_each(moved);
        self.workloads_by_added_label.values_mut().for_each(moved);
    }

    /// The declared namespaces and those with custom resources, from the instances.
    fn rescan_sets(&mut self) {
        let mut declared = HashSet::new();
        let mut custom: HashSet<String> = HashSet::new();
        for instance in &self.instances {
            let o = &instance.object;
            if let (Some(ns), false) = (&instance.namespace, is_builtin_group(&o.group))
                && !custom.contains(ns)
            {
                custom.insert(ns.clone());
            }
            if instance.is("", "Namespace") {
                declared.insert(o.name.clone());
            }
            if let Some(d) = o.deploys.as_deref().filter(|d| d.creates_namespace)
                && let Some((ns, _)) = &d.namespace
            {
                declared.insert(ns.clone());
            }
        }
        self.declared_namespaces = declared;
        self.with_custom_resources = custom;
    }

    /// The pairs of files that are alternatives of `file` ([`units`]), from its loose objects
    /// and the others of their identities.
    fn alternatives_of(&self, file: FileId) -> HashSet<(FileId, FileId)> {
        let mut out = HashSet::new();
        if !self.units.compares_files() {
            return out;
        }
        let loose_of = |f: usize| {
            self.place
                .segments
                .iter()
                .filter(move |s| s.file == f && s.build.is_none())
                .flat_map(|s| &self.instances[s.start..s.start + s.len])
                .filter(|i| units::compared(i))
        };
        let mine: Vec<&Instance> = loose_of(file.0 as usize).collect();
        let mut identities = HashSet::new();
        let mut shared: HashMap<FileId, usize> = HashMap::new();
        for x in &mine {
            let o = &x.object;
            if !identities.insert((&o.group, &o.kind, &x.namespace, &o.name)) {
                continue;
            }
            let others: HashSet<FileId> = self
                .of_kind(x.namespace.as_deref(), &o.group, &o.kind)
                .iter()
                .map(|&j| &self.instances[j])
                .filter(|j| units::compared(j) && j.object.name == o.name && j.object.file != file)
                .map(|j| j.object.file)
                .collect();
            for g in others {
                *shared.entry(g).or_default() += 1;
            }
        }
        for (g, n) in shared {
            let theirs = loose_of(g.0 as usize).count();
            if units::alternative(n, mine.len().min(theirs)) {
                out.insert(units::ordered(file, g));
            }
        }
        out
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
}
