//! Replacing one file's objects in the index in place, as a batch build would have indexed
//! them: the language server's edits re-index one file, not the repository.

use super::build::{Transform, instance_of};
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
    /// The in-place update after an edit of the `changed` files (`file`: each one's objects, and
    /// whether some of its documents were lost): the rendered `builds` that read one of them
    /// replaced ([`Index::replace_build`]), then each one's own objects
    /// ([`Index::replace_file`]). `None` when one of them needs a batch build (the index is
    /// then left half updated: build it again).
    pub fn replace_changed<'a>(
        &mut self,
        changed: &[FileId],
        builds: &[std::sync::Arc<RenderedBuild>],
        file: impl Fn(FileId) -> (&'a [Box<ObjectSummary>], bool),
    ) -> Option<Vec<Replaced>> {
        let read: Vec<FileId> = changed
            .iter()
            .copied()
            .filter(|&id| self.is_rendered_file(id))
            .collect();
        let mut all = Vec::new();
        let mut renewed: HashSet<FileId> = HashSet::default();
        for b in builds
            .iter()
            .filter(|b| b.files.iter().any(|f| read.contains(f)))
        {
            renewed.extend(&b.files);
            all.push(self.replace_build(b.root, &b.files, b.objects.clone())?);
        }
        if !read.iter().all(|f| renewed.contains(f)) {
            return None;
        }
        for &id in changed {
            let (objects, lost) = file(id);
            all.push(self.replace_file(id, objects, lost)?);
        }
        Some(all)
    }

    /// Replaces one file's objects, each instance where a batch [`build`] of the repository
    /// would put it (same order, transformers, units). `None` when the change needs a batch
    /// build: the file defines CRDs or GitOps units (before or after), or whether its documents
    /// could be read changed. The objects of a rendered build that read it are the render's
    /// ([`build_with`]): they are replaced by [`Index::replace_build`], before this.
    pub fn replace_file(
        &mut self,
        file: FileId,
        objects: &[Box<ObjectSummary>],
        lost: bool,
    ) -> Option<Replaced> {
        let f = file.0 as usize;
        if self.place.lost.get(f).copied() != Some(lost) {
            return None;
        }
        let mine: Vec<usize> = (0..self.place.segments.len())
            .filter(|&s| {
                let seg = &self.place.segments[s];
                seg.file == f && seg.rendered.is_none()
            })
            .collect();
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
                .map(|o| self.place_instance(o.clone(), &seg.transform, seg.build))
                .collect();
            removed.splice(0..0, self.splice(s, new));
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

    /// Whether a build that rendered read `file` (its objects there are the render's).
    pub fn is_rendered_file(&self, file: FileId) -> bool {
        self.place.rendered_files.contains(&(file.0 as usize))
    }

    /// Replaces the objects of a build that rendered (by its root kustomization) with those it
    /// renders now, where a batch [`build_with`] would put them. `None` when that needs a batch
    /// build: the build did not render before, it read other files, its objects come from
    /// other files (the files' units would change), or an object defines CRDs or GitOps units
    /// (before or after).
    #[allow(clippy::vec_box)]
    pub fn replace_build(
        &mut self,
        root: FileId,
        read: &[FileId],
        objects: Vec<Box<ObjectSummary>>,
    ) -> Option<Replaced> {
        let s = self
            .place
            .segments
            .iter()
            .position(|seg| seg.build == Some(root) && seg.rendered.is_some())?;
        let seg = &self.place.segments[s];
        if seg.rendered.as_deref() != Some(read) {
            return None;
        }
        let old = &self.instances[seg.start..seg.start + seg.len];
        let sources = |files: &mut dyn Iterator<Item = FileId>| {
            let mut files: Vec<FileId> = files.collect();
            files.sort_unstable();
            files.dedup();
            files
        };
        if sources(&mut old.iter().map(|i| i.object.file))
            != sources(&mut objects.iter().map(|o| o.file))
            || objects.iter().any(|o| structural(o))
            || old.iter().any(|i| structural(&i.object))
        {
            return None;
        }
        let new: Vec<Instance> = objects
            .into_iter()
            .map(|o| self.place_instance(o, &Transform::default(), Some(root)))
            .collect();
        let removed = self.splice(s, new);
        let seg = &self.place.segments[s];
        let added = (seg.start..seg.start + seg.len).collect();
        self.rescan_sets();
        Some(Replaced {
            removed,
            added,
            // Which files are alternatives is a matter of loose files' objects only.
            alternatives_changed: false,
        })
    }

    /// An instance of `o` as [`build_with`] makes it, placed in its units.
    fn place_instance(
        &self,
        o: Box<ObjectSummary>,
        transform: &Transform,
        build: Option<FileId>,
    ) -> Instance {
        let mut i = instance_of(o, transform, build, &self.place.defined_scope);
        self.units.place(&mut i, &self.place.normalized);
        i
    }

    /// Puts `new` in the place of segment `s`'s instances, the lookups kept in index order
    /// (the old postings go, the later ones move, the new ones are inserted), and the later
    /// segments moved; the instances taken out.
    fn splice(&mut self, s: usize, new: Vec<Instance>) -> Vec<Instance> {
        let seg = &self.place.segments[s];
        let (start, len, now) = (seg.start, seg.len, new.len());
        for i in start..start + len {
            self.post(i, false);
        }
        let removed: Vec<Instance> = self.instances.splice(start..start + len, new).collect();
        self.shift(start + len, now as isize - len as isize);
        for i in start..start + now {
            self.post(i, true);
        }
        self.place.segments[s].len = now;
        for later in &mut self.place.segments[s + 1..] {
            later.start = later.start + now - len;
        }
        removed
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

/// Whether an object shapes the index beyond itself: it defines CRDs or GitOps units.
fn structural(o: &ObjectSummary) -> bool {
    o.defines.is_some() || o.deploys.is_some()
}
