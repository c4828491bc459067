//! The two passes over the files: the first reads, loads and checks every file without custom
//! resources and collects the CRDs every file defines; the second, with every CRD known, checks
//! the files that have custom resources.

use crate::discover::{self, Found, workspace};
use crate::index::kustomize;
use crate::load;
use crate::model::diagnostic::FileId;
use crate::model::report::Report;
use crate::model::source::SourceFile;
use crate::run::crd_claims::{CrdClaims, CrdRank};
use crate::run::files::{
    Deferred, FileResult, FileStatus, KeepTrees, Preloaded, Unread, Walked, check_deferred,
    check_shared, check_source, decode, index_context, not_checked, problem, read_file,
    read_source, unread_context,
};
use crate::run::finish::finish_with;
use crate::run::per_file::no_crds;
use crate::run::shared::Shared;
use crate::run::{CheckError, Input, Options};
use crate::schema::{self, crd::Crds};
use rayon::prelude::*;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// What the per-file stage works on.
enum Job {
    Found(Found),
    Stream {
        name: String,
        bytes: Vec<u8>,
    },
    /// A file read only for the whole-repo index.
    Context(PathBuf),
}

impl Job {
    fn order(&self) -> (u8, &Path) {
        match self {
            Job::Found(Found::File(p)) | Job::Context(p) => (0, p),
            Job::Stream { name, .. } => (0, Path::new(name)),
            Job::Found(Found::HelmTemplates(p)) => (1, p),
            Job::Found(Found::Problem { path, .. }) => (2, path),
            Job::Found(Found::Special { path, .. }) => (3, path),
        }
    }
}

/// A job after the first pass.
enum Work {
    /// A file that both defines CRDs and has custom resources: checked in the second pass, its
    /// tree kept (its CRDs point into it).
    Kept(PathBuf, Preloaded),
    /// A file with custom resources: checked in the second pass, once every CRD is known,
    /// loaded again from the text kept (trees are not kept between the passes).
    Reload(PathBuf, SourceFile),
    /// Done in the first pass: a file that needs no CRDs to be checked (no custom resource),
    /// or a context file (indexing needs none), with the CRDs it defines if it is the earliest
    /// to define one of them ([`CrdClaims`]), and whether a whole-repo finding could involve it.
    Done {
        result: Box<FileResult>,
        defined: Option<Crds>,
        involvable: bool,
    },
    /// Stdin, decoded and loaded (it cannot be read twice), or the finding that it is not UTF-8.
    Stream(Result<Preloaded, Box<FileResult>>),
    /// A context file not needed (no given file has anything the context could matter for).
    Context(PathBuf),
}

/// Runs the whole pipeline.
pub fn check(input: Input, options: &Options) -> Result<Report, CheckError> {
    let analysis = analyse_with(input, options, true)?;
    let report = finish_with(analysis.outcomes, options, &analysis.crds, &analysis.facts);
    // The CRD trees and compiled schemas can be large: free them off the critical path.
    rayon::spawn(move || drop(analysis.crds));
    Ok(report)
}

/// The per-file stages of a run, kept by `kubevet lsp` to check one file again and re-run
/// [`finish_with`] when a buffer changes.
pub(crate) struct Analysis {
    /// In file id order.
    pub(crate) outcomes: Vec<FileResult>,
    pub(crate) crds: Crds,
    pub(crate) facts: kustomize::Facts,
}

/// Both passes over every file: everything of [`check`] but the whole-repo stage.
pub(crate) fn analyse(input: Input, options: &Options) -> Result<Analysis, CheckError> {
    analyse_with(input, options, false)
}

/// [`analyse`]; `defer`: the per-object checks of the files a render is expected to cover wait
/// for the whole-repo stage ([`crate::run::files::Deferred`]), which runs them only on those
/// no successful render covers ([`finish_with`] must follow).
fn analyse_with(input: Input, options: &Options, defer: bool) -> Result<Analysis, CheckError> {
    let cwd = workspace::current_dir();
    let policy = &options.policy;
    let crd_files =
        discover::discover(&options.crd_paths).map_err(|m| CheckError::MissingCrdPath(m.0))?;
    let with_context = !options.context.is_empty() || !options.crd_paths.is_empty();
    // With context, every file gets one name however it was reached, so that paths written in
    // kustomizations resolve to it: relative to the current directory if every context root is
    // inside it (the usual case: a hook runs at the repository's root), else absolute.
    let naming = if !with_context {
        None
    } else if options
        .context
        .iter()
        .chain(&options.crd_paths)
        .all(|r| workspace::absolute_from(&cwd, r).starts_with(&cwd))
    {
        Some(Naming::Relative)
    } else {
        Some(Naming::Absolute)
    };
    let rename = |path: &Path| match naming {
        None => path.to_path_buf(),
        Some(naming) => naming.name(&cwd, path),
    };
    let selects = |path: &Path, is_dir: bool, depth: usize| {
        if !policy.filters_files() {
            return true;
        }
        let absolute = workspace::absolute_from(&cwd, path);
        if is_dir {
            depth == 0 || !policy.excludes_dir(&absolute)
        } else {
            policy.selects(&absolute)
        }
    };
    let mut jobs: Vec<Job> = match input {
        Input::Paths(paths) => discover::discover_filtered(&paths, &selects)
            .map_err(|m| CheckError::MissingPath(m.0))?
            .into_iter()
            .map(|found| Job::Found(found.renamed(&rename)))
            .collect(),
        Input::Stream { name, bytes } => vec![Job::Stream { name, bytes }],
    };
    if with_context {
        let mut seen: std::collections::HashSet<PathBuf> = jobs
            .iter()
            .filter_map(|job| match job {
                Job::Found(found) => Some(workspace::absolute_from(&cwd, found.path())),
                // Stdin named after a file (an editor's unsaved buffer) stands in for it.
                Job::Stream { name, .. } => Some(workspace::absolute_from(&cwd, Path::new(name))),
                Job::Context(_) => None,
            })
            .collect();
        // The repository honours include/exclude; CRDs are named explicitly and always read.
        let mut context = discover::discover_filtered(&options.context, &selects)
            .map_err(|m| CheckError::MissingPath(m.0))?;
        context.extend(crd_files.iter().cloned());
        // A `--crd` path that cannot be read, or a FIFO or device met in a `--crd` directory,
        // is reported: it is named explicitly, and its CRDs would be missed.
        jobs.extend(
            crd_files
                .iter()
                .filter(|f| matches!(f, Found::Problem { .. } | Found::Special { .. }))
                .map(|found| Job::Found(found.clone().renamed(&rename))),
        );
        jobs.extend(context.into_iter().filter_map(|found| match found {
            Found::File(path) if seen.insert(workspace::absolute_from(&cwd, &path)) => {
                Some(Job::Context(rename(&path)))
            }
            _ => None,
        }));
        // File ids in path order, as a run over the whole repository numbers them: rules that
        // order findings by location then pick the same object as "the later one".
        jobs.sort_by(|a, b| a.order().cmp(&b.order()));
    }

    // CRDs must be known before any custom resource is validated. A parallel first pass reads,
    // loads and checks every file that has no custom resource (nearly all: its tree is dropped
    // at once), and registers the CRDs files define; the files with custom resources wait for
    // the second pass, when every CRD (and `--crd`) is known. With context, the given files go
    // first, and the context is indexed only if one of them has an object or a kustomization a
    // whole-repo finding could involve (a hook is often passed only CI configs and Helm
    // values); its CRDs count then too. The schema set of the target release is built
    // meanwhile.
    let (given, context): (Vec<_>, Vec<_>) = jobs
        .into_iter()
        .enumerate()
        .map(|(i, job)| (FileId(i as u32), job))
        .partition(|(_, job)| !matches!(job, Job::Context(_)));
    let claims = CrdClaims::default();
    // Kustomization files go first (they are few): what they add to the objects they include
    // (selector labels) is handed to the checks of those objects.
    let is_kustomization = |job: &Job| match job {
        Job::Found(Found::File(path)) | Job::Context(path) => {
            kustomize::is_kustomization_file(path)
        }
        _ => false,
    };
    let (k_given, given): (Vec<_>, Vec<_>) = given
        .into_iter()
        .partition(|(_, job)| is_kustomization(job));
    let (k_context, context): (Vec<_>, Vec<_>) = context
        .into_iter()
        .partition(|(_, job)| is_kustomization(job));
    let no_facts = kustomize::Facts::default();
    let keep = KeepTrees::new(options);
    let no_shared = Shared::none(options, defer);
    let prepare_all = |jobs: Vec<(FileId, Job)>,
                       facts: &kustomize::Facts,
                       shared: &Shared|
     -> Vec<(FileId, Work)> {
        jobs.into_par_iter()
            .map(|(id, job)| {
                let inputs = Inputs {
                    claims: &claims,
                    keep: &keep,
                    options,
                    facts,
                    shared,
                };
                (id, prepare(id, job, &inputs))
            })
            .collect()
    };
    let ((mut given, mut context, facts, shared), _) = rayon::join(
        || {
            let mut k_given = prepare_all(k_given, &no_facts, &no_shared);
            let mut k_context = prepare_all(k_context, &no_facts, &no_shared);
            let facts = kustomization_facts(k_given.iter().chain(&k_context));
            let shared = Shared::of(
                kustomizations(k_given.iter().chain(&k_context)),
                options,
                defer,
            );
            let mut given = prepare_all(given, &facts, &shared);
            given.append(&mut k_given);
            let needs_context = with_context && given.iter().any(|(_, w)| involves(w));
            let mut context: Vec<(FileId, Work)> = if needs_context {
                prepare_all(context, &facts, &shared)
            } else {
                // Not needed: nothing of the context is reported or indexed (its kustomizations
                // were read for the facts only).
                k_context = k_context
                    .into_iter()
                    .map(|(id, w)| (id, unneeded(w)))
                    .collect();
                context
                    .into_iter()
                    .map(|(id, job)| match job {
                        Job::Context(path) => (id, Work::Context(path)),
                        _ => unreachable!("partitioned"),
                    })
                    .collect()
            };
            context.append(&mut k_context);
            (given, context, facts, shared)
        },
        || schema::prepare(options.kubernetes_version),
    );
    let mut crds = Crds::default();
    for (_, w) in given.iter_mut().chain(&mut context) {
        match w {
            Work::Kept(_, p) | Work::Stream(Ok(p)) => {
                crds.add_file(p.file.id, &p.loaded, options.kubernetes_version);
            }
            Work::Done { defined, .. } => {
                if let Some(defined) = defined.take() {
                    crds.merge(defined);
                }
            }
            _ => {}
        }
    }
    crds.merge(collect_crds(&crd_files, &claims, options));

    let mut outcomes: Vec<(FileId, FileResult)> = given
        .into_par_iter()
        .map(|(id, w)| {
            let outcome = match w {
                Work::Kept(path, p) => {
                    let mut result = shared.check(&path, p.file, &p.loaded, options, &crds, &facts);
                    result.entry.path = Some(path);
                    result.tree = keep.keep(&p.loaded).then_some(p.loaded);
                    result
                }
                Work::Reload(path, file) => {
                    let loaded = Arc::new(load::load(&file, &options.limits));
                    let mut result = shared.check(&path, file, &loaded, options, &crds, &facts);
                    result.entry.path = Some(path);
                    result.tree = keep.keep(&loaded).then_some(loaded);
                    result
                }
                // Stdin cannot be read again, so its text is kept for whole-repo findings.
                Work::Stream(Ok(p)) => {
                    let mut result = check_source(p.file, &p.loaded, options, &crds, &facts, true);
                    result.tree = keep.keep(&p.loaded).then_some(p.loaded);
                    result
                }
                Work::Stream(Err(problem)) => *problem,
                Work::Done { result, .. } => *result,
                Work::Context(_) => unreachable!("partitioned"),
            };
            (id, outcome)
        })
        .collect();
    outcomes.par_extend(context.into_par_iter().map(|(id, w)| {
        let outcome = match w {
            Work::Done { result, .. } => *result,
            Work::Context(path) => unread_context(path),
            _ => unreachable!("context files are done in the first pass or not needed"),
        };
        (id, outcome)
    }));
    outcomes.sort_by_key(|(id, _)| *id);
    Ok(Analysis {
        outcomes: outcomes.into_iter().map(|(_, o)| o).collect(),
        crds,
        facts,
    })
}

/// How files are named in a run with context.
#[derive(Clone, Copy)]
enum Naming {
    Relative,
    Absolute,
}

impl Naming {
    fn name(self, cwd: &Path, path: &Path) -> PathBuf {
        let absolute = workspace::absolute_from(cwd, path);
        match self {
            Naming::Relative => match absolute.strip_prefix(cwd) {
                Ok(rel) if !rel.as_os_str().is_empty() => rel.to_path_buf(),
                _ => absolute,
            },
            Naming::Absolute => absolute,
        }
    }
}

/// What the first pass reads besides the job.
struct Inputs<'a> {
    claims: &'a CrdClaims,
    keep: &'a KeepTrees,
    options: &'a Options,
    facts: &'a kustomize::Facts,
    shared: &'a Shared,
}

/// The first pass for one job (see [`Work`]).
fn prepare(id: FileId, job: Job, inputs: &Inputs<'_>) -> Work {
    let Inputs {
        claims,
        keep,
        options,
        ..
    } = *inputs;
    match job {
        Job::Found(Found::File(path)) => prepare_file(id, path, inputs),
        Job::Found(found) => Work::Done {
            result: Box::new(not_checked(id, found)),
            defined: None,
            involvable: false,
        },
        // The command line reads at most one byte more than the limit from stdin.
        Job::Stream { name, bytes } if bytes.len() as u64 > options.limits.max_file_bytes => {
            let limit = options.limits.max_file_bytes;
            let Unread {
                rule,
                message,
                help,
            } = Unread::too_large(format!(
                "the stream is more than the limit of {limit} bytes; not checked"
            ));
            Work::Stream(Err(Box::new(problem(
                id,
                name,
                FileStatus::Failed,
                rule,
                message,
                help,
            ))))
        }
        Job::Stream { name, bytes } => Work::Stream(decode(id, name, bytes).map(|file| {
            let loaded = Arc::new(load::load(&file, &options.limits));
            Preloaded { file, loaded }
        })),
        Job::Context(path) => {
            let name = path.display().to_string();
            let preloaded = read_file(&path, options, Walked::Regular)
                .ok()
                .and_then(|bytes| String::from_utf8(bytes).ok())
                .map(|text| {
                    let file = SourceFile::new(id, name, text);
                    let loaded = Arc::new(load::load(&file, &options.limits));
                    crate::run::project::offer_loaded(&file, &loaded, options);
                    Preloaded { file, loaded }
                });
            let defined = preloaded
                .as_ref()
                .and_then(|p| claims.claim(CrdRank::Context(id), p, options));
            let tree = preloaded
                .as_ref()
                .filter(|p| keep.keep(&p.loaded))
                .map(|p| p.loaded.clone());
            // Not kept for the renders: with context, few of them render (those of the given
            // files), and they read what they need.
            let mut result = index_context(path, preloaded, options);
            result.tree = tree;
            Work::Done {
                result: Box::new(result),
                defined,
                involvable: false,
            }
        }
    }
}

/// The first pass for a given file: read, loaded and checked, unless it has custom resources.
fn prepare_file(id: FileId, path: PathBuf, inputs: &Inputs<'_>) -> Work {
    let Inputs {
        claims,
        keep,
        options,
        facts,
        shared,
    } = *inputs;
    let file = match read_source(id, &path, options, Walked::Regular) {
        Ok(file) => file,
        Err(result) => {
            return Work::Done {
                result,
                defined: None,
                involvable: false,
            };
        }
    };
    let loaded = Arc::new(load::load(&file, &options.limits));
    // (Kustomizations are loaded first: the facts of the files around them read these trees.)
    crate::run::project::offer_loaded(&file, &loaded, options);
    let p = Preloaded { file, loaded };
    let survey = Survey::of(&p);
    if survey.custom_resources {
        return if survey.crds {
            Work::Kept(path, p)
        } else {
            Work::Reload(path, p.file)
        };
    }
    let defined = if survey.crds {
        claims.claim(CrdRank::Given(id), &p, options)
    } else {
        None
    };
    let mut result = if shared.defers(&path) {
        check_deferred(p.file, &p.loaded, options, facts, Deferred::NoCrds)
    } else if shared.shares(&path) {
        check_shared(p.file, &p.loaded, options, no_crds(), facts)
    } else {
        check_source(p.file, &p.loaded, options, no_crds(), facts, false)
    };
    result.entry.path = Some(path);
    result.tree = keep.keep(&p.loaded).then_some(p.loaded);
    Work::Done {
        result: Box::new(result),
        defined,
        involvable: survey.involvable,
    }
}

/// What the first pass needs to know of a loaded file, from one look at its objects.
pub(crate) struct Survey {
    /// It has an object, or is a kustomization: a whole-repo finding could involve it.
    involvable: bool,
    /// It has a custom resource: it is checked once every CRD is known.
    pub(crate) custom_resources: bool,
    /// It defines CRDs.
    pub(crate) crds: bool,
}

impl Survey {
    pub(crate) fn of(p: &Preloaded) -> Survey {
        let mut survey = Survey {
            involvable: kustomize::is_kustomization_file(Path::new(&p.file.name)),
            custom_resources: false,
            crds: false,
        };
        for d in &p.loaded.documents {
            for object in crate::k8s::object::objects_of(&d.root, d.index) {
                survey.involvable = true;
                survey.custom_resources |= schema::is_custom_resource(&object);
                survey.crds |= schema::crd::is_crd(&object);
            }
        }
        survey
    }
}

/// Whether the first pass found a given file a whole-repo finding could involve. (A file that
/// could not be read could not be.)
fn involves(work: &Work) -> bool {
    match work {
        Work::Kept(_, p) | Work::Stream(Ok(p)) => Survey::of(p).involvable,
        // It has custom resources: objects.
        Work::Reload(..) => true,
        Work::Done { involvable, .. } => *involvable,
        _ => false,
    }
}

/// The kustomizations read in the first pass.
fn kustomizations<'a>(
    done: impl Iterator<Item = &'a (FileId, Work)>,
) -> impl Iterator<Item = &'a kustomize::Kustomization> {
    done.filter_map(|(_, w)| match w {
        Work::Done { result, .. } => result.kustomization.as_deref(),
        _ => None,
    })
}

/// What the kustomizations read in the first pass add to the objects they include.
fn kustomization_facts<'a>(done: impl Iterator<Item = &'a (FileId, Work)>) -> kustomize::Facts {
    let mut names: foldhash::HashMap<FileId, &str> = foldhash::HashMap::default();
    let mut ks: Vec<&kustomize::Kustomization> = Vec::new();
    for (id, w) in done {
        if let Work::Done { result, .. } = w
            && let Some(k) = &result.kustomization
        {
            names.insert(*id, &result.entry.name);
            ks.push(k);
        }
    }
    if ks.is_empty() {
        return kustomize::Facts::default();
    }
    let path_of = |id: FileId| names.get(&id).map_or_else(PathBuf::new, PathBuf::from);
    kustomize::Facts::compute(&ks, &path_of)
}

/// A context file read before it was known that the context is not needed: not reported.
fn unneeded(work: Work) -> Work {
    match work {
        Work::Done { result, .. } => match result.entry.path {
            Some(path) => Work::Context(path),
            None => Work::Context(PathBuf::from(&result.entry.name)),
        },
        other => other,
    }
}

/// The CRDs of the `--crd` files (their own findings are not reported).
fn collect_crds(files: &[Found], claims: &CrdClaims, options: &Options) -> Crds {
    let parts: Vec<Crds> = files
        .par_iter()
        .enumerate()
        .filter_map(|(i, found)| {
            let Found::File(path) = found else {
                return None;
            };
            let bytes = read_file(path, options, Walked::Regular).ok()?;
            let file = decode(FileId(u32::MAX), found.path().display().to_string(), bytes).ok()?;
            let loaded = Arc::new(load::load(&file, &options.limits));
            let mut crds = Crds::default();
            crds.add_file(file.id, &loaded, options.kubernetes_version);
            claims.keep(CrdRank::CrdFlag(i), crds)
        })
        .collect();
    let mut crds = Crds::default();
    for part in parts {
        crds.merge(part);
    }
    crds
}
