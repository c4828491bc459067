//! Apply units: which objects are applied together, the question every whole-repo check asks
//! before it compares two objects.
//!
//! A repository holds more than one thing to apply: overlays for staging and production, an
//! install bundle beside its HA variant, docs examples that show one object two ways. An apply
//! unit is a set of files one command applies at once:
//!
//! * **a kustomize build**: a root kustomization (one no other includes), recursively;
//! * **a GitOps tool's path**: a Flux `Kustomization`'s `spec.path` (a directory without a
//!   kustomization.yaml is applied as one generated kustomization of every manifest below it),
//!   an Argo CD `Application`'s `source.path` (with `directory.recurse`, `include`, `exclude`),
//!   and the directories of an `ApplicationSet`'s git generators;
//! * **a declared unit**: `applyUnits:` globs of directories in `.kubevet.yaml`
//!   (`kubectl apply -R DIR`);
//! * otherwise, for loose files no unit covers, **plain directories** (`kubectl apply -R`): two
//!   files are applied together when one's directory contains the other's (unless
//!   `directoryUnits: false`). Such files are often *alternatives* (an all-in-one file beside
//!   the same objects split into files): two files whose shared objects are most of the smaller
//!   one are taken as alternatives, never applied together.
//!
//! Kustomize builds that include the same file (overlays of one base) are alternatives too:
//! one is applied to staging, the other to production.

use super::{FileObjects, Instance};
use crate::discover::globs::PathGlobs;
use crate::index::kustomize;
use crate::index::summary::{DeploySource, Tool};
use crate::model::diagnostic::{FileId, Location};
use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// What the configuration says about apply units.
#[derive(Clone, Debug)]
pub struct UnitSettings {
    /// `applyUnits:` directories (globs relative to `root`), each applied with `kubectl apply -R`.
    pub declared: Option<PathGlobs>,
    /// The configuration's directory (absolute); `None` without a configuration.
    pub root: Option<PathBuf>,
    /// Whether plain directories are units for files no other unit covers (`directoryUnits`).
    pub directories: bool,
}

impl Default for UnitSettings {
    fn default() -> UnitSettings {
        UnitSettings {
            declared: None,
            root: None,
            directories: true,
        }
    }
}

/// How a unit is applied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UnitKind {
    /// `kustomize build` of the kustomization file.
    Build(FileId),
    /// A GitOps tool applies the directory; `defined` is where its object names the path.
    Tool {
        tool: Tool,
        name: String,
        defined: Location,
    },
    /// An `applyUnits:` entry of the configuration.
    Declared,
}

#[derive(Clone, Debug)]
pub struct Unit {
    pub kind: UnitKind,
    /// The directory applied (the kustomization's directory for a build), as the index names it.
    pub dir: PathBuf,
}

/// A namespace a GitOps tool gives the objects of a unit.
#[derive(Clone, Debug)]
struct ToolNamespace {
    name: String,
    location: Location,
    overrides: bool,
}

impl Unit {
    /// Whether two objects with one identity in this unit make the apply fail (kustomize refuses
    /// two resources with the same id) rather than one replace the other.
    pub fn rejects_duplicates(&self) -> bool {
        matches!(
            self.kind,
            UnitKind::Build(_)
                | UnitKind::Tool {
                    tool: Tool::Flux,
                    ..
                }
        )
    }
}

/// How two instances of one identity are applied together, if they are.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Together {
    /// Two documents of one file: `kubectl apply -f` applies both.
    SameFile,
    /// Both in this unit.
    Unit(u32),
    /// Loose files in one directory tree (`kubectl apply -R DIR`), DIR the shallower directory.
    Directory(PathBuf),
}

/// The units of a repository and how files relate through them.
#[derive(Default)]
pub struct Units {
    pub units: Vec<Unit>,
    /// Pairs of files (lower id first) that are alternatives of each other.
    pub(super) alternative_files: HashSet<(FileId, FileId)>,
    /// Pairs of builds (lower unit id first) that include a common file.
    alternative_builds: HashSet<(u32, u32)>,
    pub directories: bool,
    /// What places an instance ([`Units::place`]): each build's unit by its root, the units
    /// over directories by the files they cover, the namespaces GitOps tools give units.
    build_of_root: HashMap<FileId, u32>,
    by_file: HashMap<usize, Vec<u32>>,
    namespaces: HashMap<u32, ToolNamespace>,
}

impl Units {
    /// Whether two instances are applied together, and how.
    pub fn together(&self, a: &Instance, b: &Instance) -> Option<Together> {
        if a.object.file == b.object.file && a.units == b.units {
            return Some(Together::SameFile);
        }
        if let Some(&u) = a.units.iter().find(|u| b.units.contains(u)) {
            return Some(Together::Unit(u));
        }
        match (&a.loose_dir, &b.loose_dir) {
            (Some(x), Some(y)) if self.directories => {
                if x.starts_with(y) {
                    Some(Together::Directory(y.to_path_buf()))
                } else if y.starts_with(x) {
                    Some(Together::Directory(x.to_path_buf()))
                } else {
                    None
                }
            }
            _ => None,
        }
    }

    /// Whether two instances can never be in one cluster state: in overlays of one base, or in
    /// files that are alternatives of each other. Whole-repo checks do not let one stand for
    /// the other (a Service in the production overlay does not select the staging pods).
    pub fn alternatives(&self, a: &Instance, b: &Instance) -> bool {
        if self
            .alternative_files
            .contains(&ordered(a.object.file, b.object.file))
        {
            return a.loose_dir.is_some() && b.loose_dir.is_some();
        }
        a.units.iter().any(|&x| {
            b.units
                .iter()
                .any(|&y| x != y && self.alternative_builds.contains(&ordered(x, y)))
        })
    }

    /// Whether two files are alternatives (their shared objects are most of the smaller one).
    pub fn alternative_files(&self, a: FileId, b: FileId) -> bool {
        self.alternative_files.contains(&ordered(a, b))
    }
}

pub(super) fn ordered<T: Ord>(a: T, b: T) -> (T, T) {
    if a <= b { (a, b) } else { (b, a) }
}

/// Every directory that holds an indexed file, and their ancestors.
fn all_dirs(paths: &[PathBuf]) -> HashSet<PathBuf> {
    let mut dirs = HashSet::new();
    for path in paths {
        let mut dir = path.parent();
        while let Some(d) = dir {
            if !dirs.insert(d.to_path_buf()) {
                break;
            }
            dir = d.parent();
        }
    }
    dirs
}

/// Where a tool's path points: relative to the repository's root, which is the defining file's
/// directory or one above it; the nearest where the path names an indexed directory wins.
fn resolve(defining: &Path, written: &str, dirs: &HashSet<PathBuf>) -> Option<PathBuf> {
    let written = written.trim_start_matches('/');
    let mut base = defining.parent();
    while let Some(b) = base {
        let candidate = kustomize::normalize(&b.join(written));
        if dirs.contains(&candidate) {
            return Some(candidate);
        }
        base = b.parent();
    }
    None
}

/// The directories an ApplicationSet generator's glob matches, under the nearest ancestor of the
/// defining file where it matches any.
fn resolve_glob(defining: &Path, glob: &str, dirs: &HashSet<PathBuf>) -> Vec<PathBuf> {
    let Ok(globs) = PathGlobs::new([glob.trim_start_matches('/')]) else {
        return Vec::new();
    };
    let mut base = defining.parent();
    while let Some(b) = base {
        let mut found: Vec<PathBuf> = dirs
            .iter()
            .filter(|d| {
                d.strip_prefix(b)
                    .is_ok_and(|rel| !rel.as_os_str().is_empty() && globs.matches_exactly(rel))
            })
            .cloned()
            .collect();
        if !found.is_empty() {
            found.sort();
            return found;
        }
        base = b.parent();
    }
    Vec::new()
}

/// A unit over a directory: which loose files and builds it covers.
struct DirUnit {
    dir: PathBuf,
    recurse: bool,
    include: Option<PathGlobs>,
    exclude: Option<PathGlobs>,
}

impl DirUnit {
    fn covers(&self, file: &Path) -> bool {
        let Ok(rel) = file.strip_prefix(&self.dir) else {
            return false;
        };
        if !self.recurse && rel.components().count() != 1 {
            return false;
        }
        self.include.as_ref().is_none_or(|g| g.matches_exactly(rel))
            && !self
                .exclude
                .as_ref()
                .is_some_and(|g| g.matches_exactly(rel))
    }
}

/// Argo CD's `include`/`exclude`: a glob, or several in braces (`{*.yml,*.yaml}`), matched
/// against the path below the application's directory.
fn argo_globs(pattern: Option<&str>) -> Option<PathGlobs> {
    PathGlobs::new([pattern?]).ok()
}

/// The instances' unit memberships, computed once every instance exists. `builds` lists each
/// build's unit id with the files it includes; `loose` the loose instances' indices.
pub(super) fn assign(
    instances: &mut [Instance],
    files: &[FileObjects],
    normalized: &[PathBuf],
    builds: &[(FileId, Vec<usize>)],
    settings: &UnitSettings,
) -> Units {
    let mut units: Vec<Unit> = builds
        .iter()
        .map(|(root, _)| Unit {
            kind: UnitKind::Build(*root),
            dir: normalized[root.0 as usize]
                .parent()
                .unwrap_or(Path::new(""))
                .to_path_buf(),
        })
        .collect();
    let build_of_root: HashMap<FileId, u32> = builds
        .iter()
        .enumerate()
        .map(|(i, (root, _))| (*root, i as u32))
        .collect();

    // Builds that include a common file are overlays of one base: alternatives.
    let mut alternative_builds = HashSet::new();
    let mut builds_of_file: HashMap<usize, Vec<u32>> = HashMap::new();
    for (b, (_, included)) in builds.iter().enumerate() {
        for &f in included {
            builds_of_file.entry(f).or_default().push(b as u32);
        }
    }
    for list in builds_of_file.values() {
        for (i, &x) in list.iter().enumerate() {
            for &y in &list[i + 1..] {
                if x != y {
                    alternative_builds.insert(ordered(x, y));
                }
            }
        }
    }

    // Directory units: GitOps tools' paths, then the configuration's.
    // (Only GitOps tools' paths and declared units read them: most runs have neither.)
    let dirs = std::cell::LazyCell::new(|| all_dirs(normalized));
    let mut dir_units: Vec<(u32, DirUnit)> = Vec::new();
    let mut namespaces: HashMap<u32, ToolNamespace> = HashMap::new();
    for instance in instances.iter() {
        let Some(deploys) = &instance.object.deploys else {
            continue;
        };
        let defining = &normalized[instance.object.file.0 as usize];
        let namespace = deploys
            .namespace
            .as_ref()
            .map(|(name, location)| ToolNamespace {
                name: name.clone(),
                location: *location,
                overrides: deploys.overrides_namespace,
            });
        for source in &deploys.sources {
            for dir in source_dirs(defining, source, &dirs) {
                // A directory with a kustomization is built: a root build is a unit already.
                if let Some(k) = kustomization_of(&dir, normalized, files)
                    && let Some(&build) = build_of_root.get(&k)
                {
                    if let Some(ns) = &namespace {
                        namespaces.entry(build).or_insert_with(|| ns.clone());
                    }
                    continue;
                }
                let id = units.len() as u32;
                if let Some(ns) = &namespace {
                    namespaces.insert(id, ns.clone());
                }
                units.push(Unit {
                    kind: UnitKind::Tool {
                        tool: deploys.tool,
                        name: instance.object.name.clone(),
                        defined: source.location,
                    },
                    dir: dir.clone(),
                });
                let recurse = source.recurse || deploys.tool == Tool::Flux;
                dir_units.push((
                    id,
                    DirUnit {
                        dir,
                        recurse,
                        include: argo_globs(source.include.as_deref()),
                        exclude: argo_globs(source.exclude.as_deref()),
                    },
                ));
            }
        }
    }
    if let (Some(declared), Some(root)) = (&settings.declared, &settings.root) {
        let cwd = crate::discover::workspace::current_dir();
        let mut matched: Vec<&PathBuf> = dirs
            .iter()
            .filter(|d| {
                let absolute = crate::discover::workspace::absolute_from(&cwd, d);
                absolute
                    .strip_prefix(root)
                    .is_ok_and(|rel| !rel.as_os_str().is_empty() && declared.matches_exactly(rel))
            })
            .collect();
        matched.sort();
        for dir in matched {
            let id = units.len() as u32;
            units.push(Unit {
                kind: UnitKind::Declared,
                dir: dir.clone(),
            });
            dir_units.push((
                id,
                DirUnit {
                    dir: dir.clone(),
                    recurse: true,
                    include: None,
                    exclude: None,
                },
            ));
        }
    }

    // Membership: loose files by their path, builds by their kustomization's path (a unit
    // over a directory applies the builds below it with the rest).
    let mut by_file: HashMap<usize, Vec<u32>> = HashMap::new();
    if !dir_units.is_empty() {
        for (f, path) in normalized.iter().enumerate() {
            for (id, unit) in &dir_units {
                if unit.covers(path) {
                    by_file.entry(f).or_default().push(*id);
                }
            }
        }
    }
    let placed = Units {
        units,
        alternative_files: HashSet::new(),
        alternative_builds,
        directories: settings.directories,
        build_of_root,
        by_file,
        namespaces,
    };
    let mut last = None;
    for instance in instances.iter_mut() {
        placed.place_with(instance, normalized, &mut last);
    }
    // (`alternative_files`, which reads the placed instances, is left to the caller: it runs
    // beside the index's lookups.)
    placed
}

impl Units {
    /// Sets an instance's unit memberships (and the namespace a GitOps tool applies its unit
    /// in), from its build or its file.
    pub(super) fn place(&self, instance: &mut Instance, normalized: &[PathBuf]) {
        self.place_with(instance, normalized, &mut None);
    }

    /// [`Units::place`], `last` the directory of the last loose file placed (instances come
    /// file by file: the directory is computed, and allocated, once a file).
    fn place_with(
        &self,
        instance: &mut Instance,
        normalized: &[PathBuf],
        last: &mut Option<(usize, Arc<Path>)>,
    ) {
        let mut member: Vec<u32> = Vec::new();
        match instance.build {
            Some(root) => {
                member.push(self.build_of_root[&root]);
                member.extend(self.by_file.get(&(root.0 as usize)).into_iter().flatten());
            }
            None => {
                let f = instance.object.file.0 as usize;
                member.extend(self.by_file.get(&f).into_iter().flatten());
                if member.is_empty() {
                    let dir = match last {
                        Some((file, dir)) if *file == f => dir.clone(),
                        _ => {
                            let dir: Arc<Path> =
                                Arc::from(normalized[f].parent().unwrap_or(Path::new("")));
                            *last = Some((f, dir.clone()));
                            dir
                        }
                    };
                    instance.loose_dir = Some(dir);
                }
            }
        }
        member.sort_unstable();
        member.dedup();
        // The namespace a GitOps tool applies the unit in, for namespaced objects.
        if let Some(ns) = member.iter().find_map(|u| self.namespaces.get(u))
            && instance.namespace.is_some()
            && (ns.overrides || (instance.object.namespace.is_none() && instance.via.is_none()))
        {
            instance.namespace = Some(ns.name.clone());
            instance.namespace_location = Some(ns.location);
        }
        instance.units = member.into_boxed_slice();
    }

    /// Sets the files that are alternatives of `file` (its objects changed; pairs of other
    /// files stay what they are); whether they changed.
    pub(super) fn set_alternatives_of(
        &mut self,
        file: FileId,
        pairs: HashSet<(FileId, FileId)>,
    ) -> bool {
        let mine = |&(a, b): &(FileId, FileId)| a == file || b == file;
        let before: HashSet<(FileId, FileId)> = self
            .alternative_files
            .iter()
            .filter(|p| mine(p))
            .copied()
            .collect();
        self.alternative_files.retain(|p| !mine(p));
        let changed = before != pairs;
        self.alternative_files.extend(pairs);
        changed
    }

    /// Whether loose instances are compared for alternative files at all.
    pub(super) fn compares_files(&self) -> bool {
        self.directories
    }
}

/// The directories one source of a tool names.
fn source_dirs(defining: &Path, source: &DeploySource, dirs: &HashSet<PathBuf>) -> Vec<PathBuf> {
    if source.glob {
        resolve_glob(defining, &source.path, dirs)
    } else {
        resolve(defining, &source.path, dirs).into_iter().collect()
    }
}

/// The kustomization file in a directory, among the indexed files.
fn kustomization_of(dir: &Path, normalized: &[PathBuf], files: &[FileObjects]) -> Option<FileId> {
    kustomize::FILE_NAMES.iter().find_map(|name| {
        let path = dir.join(name);
        normalized
            .iter()
            .position(|p| *p == path)
            .filter(|&i| files[i].kustomization.is_some())
            .map(|i| files[i].file)
    })
}

/// Loose files applied together by directory whose shared objects are all of the smaller file,
/// or at least two and half of it: an all-in-one file beside the split files, an install bundle
/// beside its HA variant, two docs examples of one object.
pub(super) fn alternative_files(
    instances: &[Instance],
    directories: bool,
) -> HashSet<(FileId, FileId)> {
    let mut out = HashSet::new();
    if !directories {
        return out;
    }
    let mut objects_in: HashMap<FileId, usize> = HashMap::new();
    // (Sized for every instance, most of which it holds: not grown and rehashed on the way.)
    let mut groups: HashMap<(&str, &str, Option<&str>, &str), Vec<usize>> =
        HashMap::with_capacity(instances.len());
    for (i, instance) in instances.iter().enumerate() {
        let o = &instance.object;
        if !compared(instance) {
            continue;
        }
        *objects_in.entry(o.file).or_default() += 1;
        groups
            .entry((
                o.group.as_str(),
                o.kind.as_str(),
                instance.namespace.as_deref(),
                o.name.as_str(),
            ))
            .or_default()
            .push(i);
    }
    let mut shared: HashMap<(FileId, FileId), usize> = HashMap::new();
    for members in groups.values().filter(|m| m.len() > 1) {
        let mut pairs: HashSet<(FileId, FileId)> = HashSet::new();
        for (n, &a) in members.iter().enumerate() {
            for &b in &members[n + 1..] {
                let (fa, fb) = (instances[a].object.file, instances[b].object.file);
                if fa != fb {
                    pairs.insert(ordered(fa, fb));
                }
            }
        }
        for pair in pairs {
            *shared.entry(pair).or_default() += 1;
        }
    }
    for ((a, b), n) in shared {
        if alternative(n, objects_in[&a].min(objects_in[&b])) {
            out.insert((a, b));
        }
    }
    out
}

/// Whether an instance counts in finding alternative files: a loose one with a fixed name.
pub(super) fn compared(instance: &Instance) -> bool {
    let o = &instance.object;
    instance.loose_dir.is_some() && !o.generated_name && !o.name.is_empty()
}

/// Whether two files sharing `shared` objects are alternatives, the smaller holding `smaller`.
pub(super) fn alternative(shared: usize, smaller: usize) -> bool {
    shared >= smaller || (shared >= 2 && 2 * shared >= smaller)
}
