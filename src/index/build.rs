//! Builds the index from every file's objects: each object file once per kustomize build that
//! includes it (its namespace, name prefix/suffix and labels applied), then the lookups.

use super::*;
use rayon::prelude::*;
use std::ffi::OsStr;

/// A file's objects and what kustomize says about it.
pub struct FileObjects {
    pub file: FileId,
    pub path: PathBuf,
    /// Boxed as they were summarized, on the thread that read the file: the index takes the
    /// boxes as they are (allocating them again in the serial stage, beside the files' freed
    /// vectors, cost 2.3 MB of the 2,000-file corpus's peak).
    pub objects: Vec<Box<ObjectSummary>>,
    pub kustomization: Option<Box<Kustomization>>,
    /// Some of its documents (or all: the file could not be read) were lost.
    pub lost: bool,
}

/// The objects of one kustomize build as rendered ([`crate::render`]): their summaries, every
/// location in the run's files (the node that set each value), and the files the render read.
/// The index takes them instead of approximating the build from its kustomizations' fields.
#[derive(Clone, Debug)]
pub struct RenderedBuild {
    /// The root kustomization.
    pub root: FileId,
    /// Every file of the run the render read (kustomizations, resources, patches).
    pub files: Vec<FileId>,
    #[allow(clippy::vec_box)]
    pub objects: Vec<Box<ObjectSummary>>,
}

/// Transformers accumulated from the outermost kustomization inwards.
#[derive(Clone, Default)]
pub(super) struct Transform {
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
    pub(super) fn inner(&self, k: &Kustomization) -> Transform {
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

pub(super) fn add_labels(to: &mut Labels, from: &Labels) {
    for (k, v) in from {
        if !to.iter().any(|(key, _)| key == k) {
            to.push((k.clone(), v.clone()));
        }
    }
}

pub(super) fn rename(name: &str, t: &Transform) -> String {
    format!("{}{name}{}", t.prefix, t.suffix)
}

/// Applies a build's transformers to an object, as `kustomize build` would.
pub(super) fn transform(mut o: Box<ObjectSummary>, t: &Transform) -> Box<ObjectSummary> {
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

pub(super) fn add_labels_override(to: &mut Labels, from: &Labels) {
    for (k, v) in from {
        match to.iter_mut().find(|(key, _)| key == k) {
            Some(entry) => entry.1 = v.clone(),
            None => to.push((k.clone(), v.clone())),
        }
    }
}

/// Builds the index from every file's objects and kustomizations.
pub fn build(files: Vec<FileObjects>, unit_settings: &units::UnitSettings) -> Index {
    build_with(files, Vec::new(), unit_settings)
}

/// [`build`], with the builds that rendered: each one's objects are its rendered objects, not
/// its files' objects with the kustomizations' transformers applied.
pub fn build_with(
    mut files: Vec<FileObjects>,
    rendered: Vec<RenderedBuild>,
    unit_settings: &units::UnitSettings,
) -> Index {
    // (Their summaries move into the index, not copied.)
    let mut rendered_of: HashMap<FileId, RenderedBuild> =
        rendered.into_iter().map(|b| (b.root, b)).collect();
    let mut defined_scope: HashMap<(String, String), bool> = HashMap::new();
    for f in &files {
        for o in &f.objects {
            if let Some(d) = &o.defines {
                defined_scope.insert((d.group.clone(), d.kind.clone()), d.namespaced);
            }
        }
    }
    // Each file's path normalised once (this stage is serial).
    let normalized: Vec<PathBuf> = files
        .iter()
        .map(|f| kustomize::normalize(&f.path))
        .collect();
    // (Keyed by the normalized paths' text: equal texts are equal paths, and hashing a `Path`
    // goes component by component, a tenth of this stage.)
    let by_path: HashMap<&OsStr, usize> = normalized
        .iter()
        .enumerate()
        .map(|(i, path)| (path.as_os_str(), i))
        .collect();
    let kustomization_of_dir = |dir: &Path| -> Option<usize> {
        kustomize::FILE_NAMES
            .iter()
            .find_map(|n| {
                by_path
                    .get(kustomize::normalize(&dir.join(n)).as_os_str())
                    .copied()
            })
            .filter(|&i| files[i].kustomization.is_some())
    };

    // Which files kustomizations include, and which are patches (normalized paths).
    let mut included: HashSet<usize> = HashSet::new();
    let mut patches: HashSet<std::ffi::OsString> = HashSet::new();
    for f in &files {
        let Some(k) = &f.kustomization else { continue };
        patches.extend(k.patches.iter().map(|p| p.as_os_str().to_owned()));
        for include in &k.includes {
            let target = by_path
                .get(include.path.as_os_str())
                .copied()
                .or_else(|| kustomization_of_dir(&include.path));
            included.extend(target);
        }
    }

    let mut instances = Vec::with_capacity(files.iter().map(|f| f.objects.len()).sum());
    let mut instantiated: HashSet<usize> = HashSet::new();
    let mut segments: Vec<Segment> = Vec::new();
    let add = |instances: &mut Vec<Instance>,
               o: Box<ObjectSummary>,
               t: &Transform,
               build: Option<FileId>| {
        instances.push(instance_of(o, t, build, &defined_scope));
    };
    let mut lost_in = HashSet::new();
    let mut lost_anywhere = false;
    // The files of the builds that rendered: their objects cannot be re-indexed one file alone.
    let mut rendered_files: HashSet<usize> = HashSet::new();
    // Each root kustomization (one no other includes) is a build.
    let mut builds: Vec<(FileId, Vec<usize>)> = Vec::new();
    for (root, f) in files.iter().enumerate() {
        match &f.kustomization {
            Some(k) if !k.is_component && !included.contains(&root) => {}
            _ => continue,
        }
        let mut in_build = Vec::new();
        let as_rendered = rendered_of.remove(&f.file);
        let mut stack = vec![(root, Transform::default(), vec![root])];
        while let Some((current, outer, path)) = stack.pop() {
            let Some(k) = &files[current].kustomization else {
                continue;
            };
            let t = outer.inner(k);
            if as_rendered.is_none() {
                for generated in &k.generated {
                    add(
                        &mut instances,
                        Box::new(generated.clone()),
                        &t,
                        Some(f.file),
                    );
                }
            }
            for include in &k.includes {
                let target = by_path
                    .get(include.path.as_os_str())
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
                    if as_rendered.is_some() {
                        continue;
                    }
                    let start = instances.len();
                    for o in &files[target].objects {
                        add(&mut instances, o.clone(), &t, Some(f.file));
                    }
                    segments.push(Segment {
                        file: target,
                        start,
                        len: instances.len() - start,
                        transform: t.clone(),
                        build: Some(f.file),
                        rendered: None,
                    });
                }
            }
        }
        if let Some(b) = as_rendered {
            // The rendered objects, as they are: their names, namespaces and labels are those
            // kustomize applies. A resource file the render read that the kustomizations'
            // fields did not name is in the build too (not also loose); a generated object's
            // kustomization is not a file the build includes.
            let start = instances.len();
            for o in b.objects {
                let i = o.file.0 as usize;
                if i < files.len() && files[i].kustomization.is_none() {
                    instantiated.insert(i);
                    in_build.push(i);
                }
                add(&mut instances, o, &Transform::default(), Some(f.file));
            }
            rendered_files.extend(b.files.iter().map(|f| f.0 as usize));
            segments.push(Segment {
                file: root,
                start,
                len: instances.len() - start,
                transform: Transform::default(),
                build: Some(f.file),
                rendered: Some(b.files),
            });
        }
        in_build.sort_unstable();
        in_build.dedup();
        builds.push((f.file, in_build));
    }

    // Everything no build includes stands on its own (its summaries move, not copied: they
    // are not needed again). The instances are made on the pool, each written where it goes
    // (making them here, and the first writes to the vector, were a third of this stage).
    let mut loose: Vec<Box<ObjectSummary>> =
        Vec::with_capacity(files.iter().map(|f| f.objects.len()).sum());
    for (i, f) in files.iter_mut().enumerate() {
        if instantiated.contains(&i) || patches.contains(normalized[i].as_os_str()) {
            continue;
        }
        // A lost document standing on its own: its namespace is unknown.
        lost_anywhere |= f.lost;
        segments.push(Segment {
            file: i,
            start: instances.len() + loose.len(),
            len: f.objects.len(),
            transform: Transform::default(),
            build: None,
            rendered: None,
        });
        loose.extend(std::mem::take(&mut f.objects));
    }
    let none = Transform::default();
    instances.par_extend(
        loose
            .into_par_iter()
            .with_min_len(256)
            .map(|o| instance_of(o, &none, None, &defined_scope)),
    );
    let mut units = units::assign(&mut instances, &files, &normalized, &builds, unit_settings);
    // The lookups and the alternative files read the placed instances: side by side.
    let (alternatives, lookups) = rayon::join(
        || units::alternative_files(&instances, unit_settings.directories),
        || Lookups::of(&instances),
    );
    units.alternative_files = alternatives;

    let Lookups {
        by_kind,
        declared_namespaces,
        with_custom_resources,
        workloads,
        workloads_by_label,
        workloads_by_added_label,
    } = lookups;
    let lost = files.iter().map(|f| f.lost).collect();
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
        scope: None,
        place: Placement {
            segments,
            defined_scope,
            normalized,
            lost,
            rendered_files,
        },
    }
}

/// An instance of an object in a build (or standing on its own), its transformers applied.
pub(super) fn instance_of(
    o: Box<ObjectSummary>,
    t: &Transform,
    build: Option<FileId>,
    defined_scope: &HashMap<(String, String), bool>,
) -> Instance {
    let o = transform(o, t);
    let (namespace, namespace_location, via) = if !namespaced(&o, defined_scope) {
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
    Instance {
        object: o,
        namespace,
        namespace_location,
        build,
        units: Box::default(),
        loose_dir: None,
        via,
    }
}

/// Whether objects of a kind have a namespace (built-in scopes, then the CRDs' scopes).
fn namespaced(o: &ObjectSummary, defined_scope: &HashMap<(String, String), bool>) -> bool {
    if CLUSTER_SCOPED.contains(&(o.group.as_str(), o.kind.as_str())) {
        return false;
    }
    // (Most repositories define no CRD: no key to build for the lookup.)
    defined_scope.is_empty()
        || defined_scope
            .get(&(o.group.clone(), o.kind.clone()))
            .copied()
            .unwrap_or(true)
}

/// Where one file's objects are in the index: one run of instances per build that includes it,
/// or one for a file standing on its own.
pub(super) struct Segment {
    /// The file, by index.
    pub(super) file: usize,
    pub(super) start: usize,
    pub(super) len: usize,
    pub(super) transform: Transform,
    pub(super) build: Option<FileId>,
    /// For the objects of a build that rendered (`file` is its root kustomization): the files
    /// the render read.
    pub(super) rendered: Option<Vec<FileId>>,
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
    /// The files (by index) a rendered build read: its instances come from the render.
    pub(super) rendered_files: HashSet<usize>,
}

/// The index's lookups, from its instances.
pub(super) struct Lookups {
    by_kind: HashMap<(Option<String>, String, String), Vec<usize>>,
    declared_namespaces: HashSet<String>,
    with_custom_resources: HashSet<String>,
    workloads: HashMap<String, Vec<usize>>,
    workloads_by_label: HashMap<(String, String), Vec<usize>>,
    workloads_by_added_label: HashMap<String, Vec<usize>>,
}

impl Lookups {
    /// The lookups by kind and namespace, and those of the workloads, made side by side.
    pub(super) fn of(instances: &[Instance]) -> Lookups {
        let ((by_kind, declared_namespaces, with_custom_resources), workloads) =
            rayon::join(|| by_kind(instances), || Workloads::of(instances));
        Lookups {
            by_kind,
            declared_namespaces,
            with_custom_resources,
            workloads: workloads.by_namespace,
            workloads_by_label: workloads.by_label,
            workloads_by_added_label: workloads.by_added_label,
        }
    }
}

/// Instances by namespace and kind; the namespaces declared; those holding custom resources.
/// (Keyed by the instances' own strings while made, copied once a key rather than three
/// copies an instance.)
#[allow(clippy::type_complexity)]
fn by_kind(
    instances: &[Instance],
) -> (
    HashMap<(Option<String>, String, String), Vec<usize>>,
    HashSet<String>,
    HashSet<String>,
) {
    let mut by_kind: HashMap<(Option<&str>, &str, &str), Vec<usize>> = HashMap::new();
    let mut declared_namespaces: HashSet<&str> = HashSet::new();
    let mut with_custom_resources: HashSet<&str> = HashSet::new();
    for (i, instance) in instances.iter().enumerate() {
        let o = &instance.object;
        by_kind
            .entry((instance.namespace.as_deref(), &o.group, &o.kind))
            .or_default()
            .push(i);
        if let (Some(ns), false) = (&instance.namespace, is_builtin_group(&o.group)) {
            with_custom_resources.insert(ns);
        }
        if instance.is("", "Namespace") {
            declared_namespaces.insert(&o.name);
        }
        // Argo CD's `CreateNamespace=true` creates the destination namespace.
        if let Some(d) = o.deploys.as_deref().filter(|d| d.creates_namespace)
            && let Some((ns, _)) = &d.namespace
        {
            declared_namespaces.insert(ns);
        }
    }
    let owned = |set: HashSet<&str>| set.into_iter().map(str::to_owned).collect();
    (
        by_kind
            .into_iter()
            .map(|((ns, group, kind), list)| {
                let key = (ns.map(str::to_owned), group.to_owned(), kind.to_owned());
                (key, list)
            })
            .collect(),
        owned(declared_namespaces),
        owned(with_custom_resources),
    )
}

/// The workloads' lookups: by namespace, by pod label, by the key of a label a selector may
/// match without being equal to it.
struct Workloads {
    by_namespace: HashMap<String, Vec<usize>>,
    by_label: HashMap<(String, String), Vec<usize>>,
    by_added_label: HashMap<String, Vec<usize>>,
}

impl Workloads {
    /// (Keyed by the instances' own strings while made, as [`by_kind`].)
    fn of(instances: &[Instance]) -> Workloads {
        let mut by_namespace: HashMap<&str, Vec<usize>> = HashMap::new();
        let mut by_label: HashMap<(&str, &str), Vec<usize>> = HashMap::new();
        let mut by_added_label: HashMap<&str, Vec<usize>> = HashMap::new();
        for (i, instance) in instances.iter().enumerate() {
            let (Some(ns), Some(pods)) = (&instance.namespace, &instance.object.pods) else {
                continue;
            };
            by_namespace.entry(ns).or_default().push(i);
            for (key, value) in &pods.labels {
                if crate::k8s::placeholder::contains(value) {
                    by_added_label.entry(key).or_default().push(i);
                } else {
                    by_label.entry((key, value)).or_default().push(i);
                }
            }
            for added in &pods.added {
                by_added_label.entry(added.key).or_default().push(i);
            }
        }
        let owned = |map: HashMap<&str, Vec<usize>>| {
            map.into_iter()
                .map(|(k, list)| (k.to_owned(), list))
                .collect()
        };
        Workloads {
            by_namespace: owned(by_namespace),
            by_label: by_label
                .into_iter()
                .map(|((k, v), list)| ((k.to_owned(), v.to_owned()), list))
                .collect(),
            by_added_label: owned(by_added_label),
        }
    }
}
