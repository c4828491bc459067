//! Checks on what kustomize really applies: each top-level kustomization (one no other
//! includes: an apply unit) is rendered ([`crate::render`]) and the per-object rules and the
//! schema validation run on the rendered objects.
//!
//! A rendered object mixes values of many files (the base, the overlay's patches, the
//! kustomization's `images:` entry, a generator line), each remembering its [`Origin`]. To run
//! the checks unchanged, which read a [`Node`] tree pointing into one file's text, each unit's
//! files are laid end to end in one *virtual* text (file `k` at offset `base[k]`), every rendered
//! node becomes a [`Node`] whose span is `base[k] + origin span`, and each finding's locations
//! are mapped back to (real file, span) by a binary search over the offsets before positions
//! are computed. The checks read the real text at every span (snippets, quoting styles,
//! placeholders), so they see what the user wrote.
//! An object no step of the render changed skips all this: it is checked on its loaded tree,
//! in its own file ([`written`]).
//!
//! Findings point at the node that set the value; where an overlay changed a value of the base,
//! a related label points at the base's value. A base finding every overlay has is the same
//! (rule, location, message) in each and is reported once, at the base; the run's dedupe does
//! it. The objects of the files a successful render covers are not also reported as written
//! ([`Covered`]): a base flagged for something every overlay fixes is not reported. A
//! kustomization that fails to render leaves its files checked as written.

use crate::check::CheckOptions;
use crate::discover::workspace;
use crate::index::summary::ObjectSummary;
use crate::index::{FileObjects, RenderedBuild, kustomize};
use crate::model::diagnostic::{Diagnostic, FileId, Severity, Stage};
use crate::render::node::Origin;
use crate::run::Options;
use crate::schema::crd::Crds;
use foldhash::{HashMap, HashSet};
use labels::{Related, real_location};
use object::{Checked, Each, OBJECTS_A_TASK};
use rayon::prelude::*;
use seen::{Mode, Seen, share};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tree::Layout;

mod failed;
mod labels;
mod object;
mod seen;
mod summaries;
mod tree;
mod written;

/// The files whose objects are checked as rendered: their per-object findings as written are
/// replaced by the rendered ones.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Covered(HashSet<FileId>);

impl Covered {
    /// Whether a per-file finding stands: file-level findings (YAML, duplicate keys, tabs) and
    /// those of files no successful render covers do; per-object findings of covered files do
    /// not (the rendered view has replaced them).
    pub fn keeps(&self, d: &Diagnostic) -> bool {
        !(self.0.contains(&d.file())
            && d.document.is_some()
            && matches!(d.rule.stage, Stage::Object | Stage::Schema))
    }

    pub fn contains(&self, file: FileId) -> bool {
        self.0.contains(&file)
    }
}

/// The rendered stage's result.
#[derive(Default)]
pub struct Outcome {
    pub covered: Covered,
    /// Findings on rendered objects, their locations in the run's files.
    pub findings: Vec<Diagnostic>,
    /// The rendered objects of each build that rendered, for the index
    /// ([`crate::index::build_with`]; shared with `kubevet lsp`'s kept results).
    pub builds: Vec<Arc<RenderedBuild>>,
}

/// The files with a finding of the kustomize stage (a missing entry, one git ignores, a load
/// restriction) or an unrendered placeholder: a render that fails there is explained already,
/// and not reported again.
pub fn explained<'a>(diagnostics: impl Iterator<Item = &'a Diagnostic>) -> HashSet<FileId> {
    diagnostics
        .filter(|d| {
            d.rule.stage == Stage::Kustomize
                || d.rule == &crate::model::rule::unrendered_placeholder
        })
        .map(Diagnostic::file)
        .collect()
}

/// What the rendered stage reads of the run: every file the index takes (path and
/// kustomization), the options and CRDs, which files are only context (a unit of context files
/// alone is rendered for the index only, or not at all), which kustomizations have a kustomize
/// error already ([`explained`]), and the files loaded already ([`Preloaded`]).
pub struct Inputs<'a> {
    pub indexed: &'a [FileObjects],
    pub options: &'a Options,
    pub crds: &'a Crds,
    pub context: &'a (dyn Fn(FileId) -> bool + Sync),
    pub explained: &'a (dyn Fn(FileId) -> bool + Sync),
    pub preloaded: Option<Preloaded>,
    /// Whether the rendered objects keep their trees ([`ObjectSummary::tree`]): the run has
    /// admission policies, which evaluate them in the whole-repo stage.
    pub keep_trees: bool,
}

/// Renders every top-level kustomization of the run and checks its objects (each unit in
/// parallel).
pub fn check(inputs: Inputs<'_>) -> Outcome {
    let mut cache = Cache {
        results: HashMap::default(),
        keep: false,
        trees: false,
    };
    check_units(inputs, &mut cache, None, true)
}

/// The files the run has loaded already, by normalized path: a render uses them as they are.
pub type Preloaded = std::sync::Arc<HashMap<Vec<u8>, crate::render::Source>>;

/// The run's files by [`kustomize::normalized_key`].
pub(super) type PathIds = HashMap<Vec<u8>, FileId>;

/// Each unit's last result, by directory, with the files it read: `kubevet lsp` renders a unit
/// again only when one of its files changed.
pub struct Cache {
    /// (Shared: a kept result is not copied when it is reused or kept again.)
    results: HashMap<PathBuf, (Vec<FileId>, Arc<UnitResult>)>,
    /// Whether the results are kept (not for a single run: no copy of them is made).
    keep: bool,
    /// Whether the kept results have their objects' trees ([`Inputs::keep_trees`]).
    trees: bool,
}

impl Default for Cache {
    fn default() -> Cache {
        Cache {
            results: HashMap::default(),
            keep: true,
            trees: false,
        }
    }
}

/// [`Inputs::keep_trees`] for a run with these options and objects (as written): it has
/// admission policies, given or among its objects.
pub fn keep_trees<'a>(
    options: &Options,
    mut objects: impl Iterator<Item = &'a ObjectSummary>,
) -> bool {
    !options.policies.is_empty() || objects.any(crate::policy::admission::is_policy)
}

impl Cache {
    /// Whether the kept results have their objects' trees ([`Inputs::keep_trees`]).
    pub fn keeps_trees(&self) -> bool {
        self.trees
    }
}

/// [`check`], rendering again only the units that read a file of `changed` (all: `None`).
pub fn check_with(inputs: Inputs<'_>, cache: &mut Cache, changed: Option<&[FileId]>) -> Outcome {
    check_units(inputs, cache, changed, false)
}

fn check_units(
    inputs: Inputs<'_>,
    cache: &mut Cache,
    changed: Option<&[FileId]>,
    dedupe: bool,
) -> Outcome {
    let Inputs {
        indexed,
        options,
        crds,
        context,
        explained,
        preloaded,
        keep_trees,
    } = inputs;
    // Results made without the trees the run now needs (a policy was added) are not reused.
    if cache.trees != keep_trees {
        cache.results.clear();
        cache.trees = keep_trees;
    }
    if indexed.iter().all(|f| f.kustomization.is_none()) {
        cache.results.clear();
        return Outcome::default();
    }
    let by_path: PathIds = indexed
        .iter()
        .map(|f| (kustomize::normalized_key(&f.path), f.file))
        .collect();
    let units = roots(indexed, &by_path);
    let seen = dedupe.then(|| Seen::of(&units));
    let seen = seen.as_ref();
    let sources = crate::render::Sources {
        reader: reader(options),
        // Loaded under the run's limits: the same as a render's only with the default ones.
        preloaded: preloaded.filter(|_| options.limits == crate::load::Limits::default()),
        // (The admission policies read whole rendered objects.)
        skeletons: !keep_trees,
    };
    let kept = &cache.results;
    let reuse = |u: &Unit| {
        let changed = changed?;
        let (files, result) = kept.get(&u.dir)?;
        (!files.iter().any(|f| changed.contains(f))).then(|| (files.clone(), result.clone()))
    };
    // A unit of context files alone is rendered for the index only, when a checked file has an
    // object whose whole-repo findings reach other builds: a Namespace (its Pod Security
    // labels, its pods) or an admission policy or binding (the objects it selects, anywhere).
    // Its own findings would be dropped: it is not checked, and digests nothing for the others.
    let reaching = indexed.iter().filter(|f| !context(f.file)).any(|f| {
        f.objects.iter().any(|o| {
            crate::policy::admission::is_policy(o) || (o.group.is_empty() && o.kind == "Namespace")
        })
    });
    let results: Vec<(PathBuf, Vec<FileId>, Arc<UnitResult>)> = units
        .par_iter()
        .filter(|u| reaching || u.files.iter().any(|f| !context(*f)))
        .map(|u| {
            let index_only = u.files.iter().all(|f| context(*f));
            let mode = Mode {
                seen: seen.filter(|_| !index_only),
                keep_trees,
                index_only,
            };
            let (files, result) = reuse(u).unwrap_or_else(|| {
                let result = check_unit(u, options, crds, &by_path, sources.clone(), mode);
                let mut files = u.files.clone();
                if let UnitResult::Rendered { files: read, .. } = &result {
                    files.extend(read);
                }
                (files, Arc::new(result))
            });
            (u.dir.clone(), files, result)
        })
        .collect();
    // The run's loaded files, which this holds last for most kustomizations, are freed off the
    // critical path (all small allocations).
    rayon::spawn(move || drop(sources));
    cache.results = if cache.keep {
        results
            .iter()
            .map(|(dir, files, result)| (dir.clone(), (files.clone(), result.clone())))
            .collect()
    } else {
        HashMap::default()
    };
    // (A result the cache shares is copied but for its build, itself shared.)
    let results = results
        .into_iter()
        .map(|(_, _, result)| Arc::try_unwrap(result).unwrap_or_else(|r| (*r).clone()));
    let mut covered: HashSet<FileId> = HashSet::default();
    let mut failed: HashSet<FileId> = HashSet::default();
    let mut findings = Vec::new();
    let mut builds = Vec::new();
    let mut in_cycles: Option<HashSet<FileId>> = None;
    for r in results {
        match r {
            UnitResult::Rendered {
                files,
                diagnostics,
                build,
                skipped,
            } => {
                covered.extend(&files);
                findings.extend(diagnostics);
                if let Some(mut build) = build {
                    if let Some(seen) = seen {
                        share(Arc::make_mut(&mut build), &skipped, seen);
                    }
                    builds.push(build);
                }
            }
            UnitResult::Failed { files, error } => {
                let cycles = in_cycles.get_or_insert_with(|| {
                    crate::index::kustomize_cycles::cycles(indexed)
                        .iter()
                        .map(Diagnostic::file)
                        .collect()
                });
                let known = files.iter().any(|f| explained(*f) || cycles.contains(f));
                if !known {
                    findings.extend(error.map(|e| *e));
                }
                failed.extend(files);
            }
        }
    }
    covered.retain(|f| !failed.contains(f));
    Outcome {
        covered: Covered(covered),
        findings,
        builds,
    }
}

/// A top-level kustomization and the files the index knows it includes.
struct Unit {
    dir: PathBuf,
    /// The kustomization file first.
    files: Vec<FileId>,
}

/// The kustomizations no other includes (components excepted), each with its includes.
fn roots(indexed: &[FileObjects], by_path: &PathIds) -> Vec<Unit> {
    let position: HashMap<FileId, usize> = indexed
        .iter()
        .enumerate()
        .map(|(i, f)| (f.file, i))
        .collect();
    let target = |path: &Path| -> Option<usize> {
        // (Include paths are normalised.)
        let id = by_path
            .get(path.as_os_str().as_encoded_bytes())
            .copied()
            .or_else(|| {
                kustomize::FILE_NAMES.iter().find_map(|n| {
                    by_path
                        .get(kustomize::normalized_key(&path.join(n)).as_slice())
                        .copied()
                })
            })?;
        position.get(&id).copied()
    };
    let mut included: HashSet<usize> = HashSet::default();
    for f in indexed {
        if let Some(k) = &f.kustomization {
            included.extend(k.includes.iter().filter_map(|i| target(&i.path)));
        }
    }
    let mut units = Vec::new();
    for (i, f) in indexed.iter().enumerate() {
        let Some(k) = &f.kustomization else { continue };
        if k.is_component || included.contains(&i) {
            continue;
        }
        let mut files = vec![f.file];
        let mut seen: HashSet<usize> = HashSet::from_iter([i]);
        let mut stack = vec![i];
        while let Some(current) = stack.pop() {
            let Some(k) = &indexed[current].kustomization else {
                continue;
            };
            for path in k.includes.iter().map(|i| &i.path).chain(&k.patches) {
                if let Some(t) = target(path)
                    && seen.insert(t)
                {
                    files.push(indexed[t].file);
                    stack.push(t);
                }
            }
        }
        let dir = if k.dir.as_os_str().is_empty() {
            PathBuf::from(".")
        } else {
            k.dir.clone()
        };
        units.push(Unit { dir, files });
    }
    units
}

/// Reads an editor's unsaved buffers before the disk.
fn reader(options: &Options) -> Option<crate::render::Reader> {
    let buffers = options.buffers.clone()?;
    let cwd = workspace::current_dir();
    Some(std::sync::Arc::new(move |path: &Path| {
        buffers.get(&workspace::absolute_from(&cwd, path)).cloned()
    }))
}

#[derive(Clone)]
enum UnitResult {
    Rendered {
        files: Vec<FileId>,
        diagnostics: Vec<Diagnostic>,
        /// The rendered objects for the index (`None`: the root is no file of the run).
        build: Option<Arc<RenderedBuild>>,
        /// The objects skipped as checked by another unit ([`Seen`]): where their summaries go
        /// in `build`'s objects, and their digest.
        skipped: Vec<(usize, u128)>,
    },
    Failed {
        files: Vec<FileId>,
        /// `kustomize-build-error` at the entry, in kustomize's words (`None`: nowhere to put it).
        error: Option<Box<Diagnostic>>,
    },
}

fn check_unit(
    unit: &Unit,
    options: &Options,
    crds: &Crds,
    by_path: &PathIds,
    sources: crate::render::Sources,
    mode: Mode<'_>,
) -> UnitResult {
    let Mode {
        seen,
        keep_trees,
        index_only,
    } = mode;
    let mut rendered = match crate::render::render_with(&unit.dir, sources) {
        Ok(r) => r,
        Err(failed) => {
            return UnitResult::Failed {
                files: unit.files.clone(),
                error: failed::build_error(&failed, unit, by_path)
                    .filter(|_| !index_only)
                    .map(Box::new),
            };
        }
    };
    let layout = Layout::new(&rendered.files, by_path);
    // (Made by the first object a step of the render changed, if any.)
    let virtual_file = std::sync::OnceLock::new();
    let check_options = CheckOptions {
        kubernetes_version: options.kubernetes_version,
        strict: options.strict,
    };
    let cwd = workspace::current_dir();
    let resources = std::mem::take(&mut rendered.resources);
    let file_keys = seen.map(|seen| tree::file_keys(&layout, &seen.shared));
    let each = Each {
        options,
        crds,
        check_options: &check_options,
        cwd: &cwd,
        rendered: &rendered,
        layout: &layout,
        virtual_file: &virtual_file,
        unit_name: &unit.dir,
        file_keys: file_keys.as_deref(),
        seen,
        keep_trees,
        index_only,
    };
    // The objects are checked in parallel (a unit of many large objects, kube-prometheus's
    // CRDs, would otherwise keep one core busy while the other idles), a few to a task; the
    // caches of a task ([`Related`], [`summaries::Documents`]) are its own.
    let checked: Vec<Checked> = resources
        .into_par_iter()
        .enumerate()
        .with_min_len(OBJECTS_A_TASK)
        .map_init(
            || (Related::default(), summaries::Documents::default()),
            |(related, documents), (i, resource)| each.check(i, resource, related, documents),
        )
        .collect();
    let mut out = Vec::new();
    let mut objects = Vec::new();
    let mut skipped = Vec::new();
    for c in checked {
        match c {
            Checked::Skipped(digest) => skipped.push((objects.len(), digest)),
            Checked::Done {
                objects: o,
                diagnostics,
            } => {
                objects.extend(o);
                out.extend(diagnostics);
            }
        }
    }
    for info in &rendered.infos {
        let at = Origin {
            file: info.at.file,
            span: info.at.span,
        };
        if let Some(location) = real_location(at, &layout, &rendered.files) {
            let mut d = Diagnostic::new(&failed::RULE, location, info.message.clone())
                .with_label("not fetched")
                .with_help("kubevet never fetches: the objects of this entry are not checked");
            d.severity = Severity::Info;
            out.push(d);
        }
    }
    let files: Vec<FileId> = layout.ids.iter().flatten().copied().collect();
    let build = unit.files.first().map(|&root| {
        Arc::new(RenderedBuild {
            root,
            files: files.clone(),
            objects,
        })
    });
    if index_only {
        out.clear();
    }
    UnitResult::Rendered {
        files,
        diagnostics: out,
        build,
        skipped,
    }
}
