//! kubevet: a fast, exact, offline linter for the Kubernetes manifests in GitOps repositories.
//!
//! The pipeline, one module a stage:
//! [`discover`] → [`load`] (into the [`tree`], decoded by [`resolve`]) → [`object`] →
//! per-object [`checks`], [`rules`] and [`schema`] validation (in parallel) → the whole-repo
//! [`index`] and its rules → [`config`] and [`suppress`]ions applied to every finding →
//! [`diagnostics`] → [`output`]. Files go through the per-file stages in two passes: the first
//! checks every file that has no custom resource and collects the CustomResourceDefinitions of
//! all of them ([`schema::crd`]); the second, with every CRD (and `--crd`) known, checks the
//! files that have custom resources.

pub mod checks;
pub mod cli;
pub mod config;
pub mod cron;
pub mod diagnostics;
pub mod discover;
pub mod globs;
pub mod index;
pub mod kustomize;
pub mod load;
pub mod object;
pub mod output;
pub mod placeholder;
pub mod project;
pub mod quantity;
pub mod resolve;
pub mod rules;
pub mod schema;
pub mod source;
pub mod suppress;
pub mod tree;
pub mod validate;
pub mod workload;
pub mod workspace;

use diagnostics::{Diagnostic, FileId, Severity, Summary};
use discover::Found;
use rayon::prelude::*;
use schema::crd::Crds;
use source::SourceFile;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tree::Span;

/// Where `kubevet explain` and the output formats point for a rule's documentation.
pub const RULE_DOCS_BASE_URL: &str = "https://github.com/kubevet/kubevet/blob/main/rules";

/// A Kubernetes minor release, the target the schemas and version-dependent rules use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct KubeVersion {
    pub minor: u32,
}

impl KubeVersion {
    pub const OLDEST: KubeVersion = KubeVersion { minor: 25 };
    pub const NEWEST: KubeVersion = KubeVersion { minor: 37 };

    pub const fn new(minor: u32) -> KubeVersion {
        KubeVersion { minor }
    }

    /// Parses `1.30` without checking the supported range.
    pub fn parse_any(text: &str) -> Option<KubeVersion> {
        let (major, minor) = text.trim().trim_start_matches('v').split_once('.')?;
        let minor = minor.split('.').next()?;
        (major == "1").then_some(())?;
        minor.parse().ok().map(KubeVersion::new)
    }

    /// Parses `1.30`, `v1.30` or `1.30.2` and checks that kubevet supports it.
    pub fn parse(text: &str) -> Result<KubeVersion, String> {
        let range = format!("supported versions are {}-{}", Self::OLDEST, Self::NEWEST);
        let bad = || {
            format!(
                "invalid Kubernetes version {text:?}: expected MAJOR.MINOR such as {}; {range}",
                Self::NEWEST
            )
        };
        let trimmed = text.trim().trim_start_matches('v');
        let mut parts = trimmed.split('.');
        let (Some(major), Some(minor)) = (parts.next(), parts.next()) else {
            return Err(bad());
        };
        let patch_ok =
            parts.next().is_none_or(|p| p.parse::<u32>().is_ok()) && parts.next().is_none();
        let (Ok(major), Ok(minor)) = (major.parse::<u32>(), minor.parse::<u32>()) else {
            return Err(bad());
        };
        if !patch_ok {
            return Err(bad());
        }
        let version = KubeVersion { minor };
        if major != 1 || version < Self::OLDEST || version > Self::NEWEST {
            return Err(format!(
                "Kubernetes version {text} is not supported: {range}"
            ));
        }
        Ok(version)
    }
}

impl fmt::Display for KubeVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "1.{}", self.minor)
    }
}

/// How a run checks.
#[derive(Clone, Debug)]
pub struct Options {
    pub kubernetes_version: KubeVersion,
    /// Unknown fields are errors (kubectl's `--validate=strict`) rather than warnings.
    pub strict: bool,
    /// The input limits for every file the run reads (`--max-*` flags, the configuration's
    /// `limits:`, else the defaults).
    pub limits: load::Limits,
    /// Which files are checked and how severe each rule is where (from `.kubevet.yaml`).
    pub policy: config::Policy,
    /// Files and directories indexed for the whole-repo checks but not reported on (the
    /// repository around the files a pre-commit hook passes). Their findings are dropped.
    pub context: Vec<PathBuf>,
    /// Extra CustomResourceDefinitions (`--crd`, `crds:`): files or directories. Their CRDs
    /// give schemas and scopes to custom resources; the files themselves are not checked.
    pub crd_paths: Vec<PathBuf>,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            kubernetes_version: KubeVersion::NEWEST,
            strict: true,
            limits: load::Limits::default(),
            policy: config::Policy::default(),
            context: Vec::new(),
            crd_paths: Vec::new(),
        }
    }
}

/// What to check.
pub enum Input {
    /// Files and directories.
    Paths(Vec<PathBuf>),
    /// One stream (from stdin), with the name to show for it.
    Stream { name: String, bytes: Vec<u8> },
}

/// A file as the report knows it: its name for output, and its text where a renderer will need
/// it for snippets. Texts of files without per-file findings are dropped after their checks (so
/// memory does not grow with the repository); a renderer re-reads them from `path` if a
/// whole-repo finding points there.
#[derive(Default)]
pub struct FileEntry {
    pub name: String,
    /// The text, kept only where it cannot be read again (stdin, undecodable files).
    pub text: Option<String>,
    /// Where to read the text again; `None` for stdin and for paths that could not be read.
    pub path: Option<PathBuf>,
    /// The length and hash of the text that was checked, for files with findings: a snippet
    /// is shown from the file read again only if it is still that text.
    pub digest: Option<(usize, u64)>,
    /// The objects in the file, in order (for formats that list them, such as JUnit).
    pub objects: Vec<ObjectEntry>,
    /// Read only as context for the whole-repo checks; nothing is reported about it.
    pub context: bool,
}

/// An object of a checked file, as the report lists it.
#[derive(Clone, Debug, Default)]
pub struct ObjectEntry {
    pub document: u32,
    pub object: diagnostics::ObjectRef,
}

impl FileEntry {
    /// The file's text for snippets: kept, or read again (checked files are not kept in memory,
    /// so a run's memory does not grow with the size of the sources). `None` when the file
    /// changed since it was checked.
    pub fn source(&self) -> Option<std::borrow::Cow<'_, str>> {
        match (&self.text, &self.path) {
            (Some(text), _) => Some(std::borrow::Cow::Borrowed(text)),
            (None, Some(path)) => std::fs::read_to_string(path)
                .ok()
                .filter(|text| self.digest.is_none_or(|d| d == digest(text)))
                .map(std::borrow::Cow::Owned),
            (None, None) => None,
        }
    }
}

/// Length and FNV-1a hash of a text.
fn digest(text: &str) -> (usize, u64) {
    let hash = text.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    (text.len(), hash)
}

/// Everything a run found, ready for any output format.
#[derive(Default)]
pub struct Report {
    pub files: Vec<FileEntry>,
    pub diagnostics: Vec<Diagnostic>,
    pub summary: Summary,
    /// Findings a suppression comment or annotation covered (counted in the summary).
    pub suppressed: Vec<suppress::Suppressed>,
}

impl Report {
    pub fn file_name(&self, id: FileId) -> &str {
        &self.files[id.0 as usize].name
    }

    /// The most severe finding, if any.
    pub fn worst(&self) -> Option<Severity> {
        self.diagnostics.iter().map(|d| d.severity).max()
    }
}

#[derive(Debug)]
pub enum CheckError {
    MissingPath(PathBuf),
    MissingCrdPath(PathBuf),
}

impl fmt::Display for CheckError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CheckError::MissingPath(p) => write!(f, "{}: no such file or directory", p.display()),
            CheckError::MissingCrdPath(p) => {
                write!(f, "--crd {}: no such file or directory", p.display())
            }
        }
    }
}

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
    let prepare_all = |jobs: Vec<(FileId, Job)>, facts: &kustomize::Facts| -> Vec<(FileId, Work)> {
        jobs.into_par_iter()
            .map(|(id, job)| (id, prepare(id, job, &claims, options, facts)))
            .collect()
    };
    let ((mut given, mut context, facts), _) = rayon::join(
        || {
            let mut k_given = prepare_all(k_given, &no_facts);
            let mut k_context = prepare_all(k_context, &no_facts);
            let facts = kustomization_facts(k_given.iter().chain(&k_context));
            let mut given = prepare_all(given, &facts);
            given.append(&mut k_given);
            let needs_context = with_context && given.iter().any(|(_, w)| involves(w));
            let mut context: Vec<(FileId, Work)> = if needs_context {
                prepare_all(context, &facts)
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
            (given, context, facts)
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
                    let mut result = check_source(p.file, &p.loaded, options, &crds, &facts, false);
                    result.entry.path = Some(path);
                    result
                }
                Work::Reload(path, file) => {
                    let loaded = load::load(&file, &options.limits);
                    let mut result = check_source(file, &loaded, options, &crds, &facts, false);
                    result.entry.path = Some(path);
                    result
                }
                // Stdin cannot be read again, so its text is kept for whole-repo findings.
                Work::Stream(Ok(p)) => {
                    check_source(p.file, &p.loaded, options, &crds, &facts, true)
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
    // The CRD trees and compiled schemas can be large: free them off the critical path.
    rayon::spawn(move || drop(crds));
    Ok(finish(
        outcomes.into_iter().map(|(_, o)| o).collect(),
        options,
    ))
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

/// The first pass for one job (see [`Work`]).
fn prepare(
    id: FileId,
    job: Job,
    claims: &CrdClaims,
    options: &Options,
    facts: &kustomize::Facts,
) -> Work {
    match job {
        Job::Found(Found::File(path)) => prepare_file(id, path, claims, options, facts),
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
            let preloaded = read_file(&path, options)
                .ok()
                .and_then(|bytes| String::from_utf8(bytes).ok())
                .map(|text| {
                    let file = SourceFile::new(id, name, text);
                    let loaded = Arc::new(load::load(&file, &options.limits));
                    Preloaded { file, loaded }
                });
            let defined = preloaded
                .as_ref()
                .and_then(|p| claims.claim(CrdRank::Context(id), p, options));
            Work::Done {
                result: Box::new(index_context(path, preloaded, options)),
                defined,
                involvable: false,
            }
        }
    }
}

/// The first pass for a given file: read, loaded and checked, unless it has custom resources.
fn prepare_file(
    id: FileId,
    path: PathBuf,
    claims: &CrdClaims,
    options: &Options,
    facts: &kustomize::Facts,
) -> Work {
    let file = match read_source(id, &path, options) {
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
    let mut result = check_source(p.file, &p.loaded, options, checks::no_crds(), facts, false);
    result.entry.path = Some(path);
    Work::Done {
        result: Box::new(result),
        defined,
        involvable: survey.involvable,
    }
}

/// Where a file's CRDs come in the order that decides which definition of an apiVersion/kind
/// wins: the given files, then the context, then `--crd` files, each in path order.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum CrdRank {
    Given(FileId),
    Context(FileId),
    CrdFlag(usize),
}

/// The earliest file seen so far to define each CRD apiVersion/kind, shared by the parallel
/// first pass: a file whose every definition an earlier file already gives drops its tree at
/// once, instead of holding it until all files are loaded (a repository that vendors the same
/// CRDs many times held them all). Which definition wins is still decided by merging in rank
/// order; this only decides what may be dropped early.
#[derive(Default)]
struct CrdClaims(std::sync::Mutex<foldhash::HashMap<(String, String), CrdRank>>);

impl CrdClaims {
    /// The CRDs `p` defines if it is the earliest so far to define one of them.
    fn claim(&self, rank: CrdRank, p: &Preloaded, options: &Options) -> Option<Crds> {
        let mut crds = Crds::default();
        crds.add_file(p.file.id, &p.loaded, options.kubernetes_version);
        self.keep(rank, crds)
    }

    fn keep(&self, rank: CrdRank, crds: Crds) -> Option<Crds> {
        let mut claims = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let mut first = false;
        for key in crds.keys() {
            match claims.get_mut(key) {
                Some(earliest) if *earliest < rank => {}
                Some(earliest) => {
                    *earliest = rank;
                    first = true;
                }
                None => {
                    claims.insert(key.clone(), rank);
                    first = true;
                }
            }
        }
        first.then_some(crds)
    }
}

/// What the first pass needs to know of a loaded file, from one look at its objects.
struct Survey {
    /// It has an object, or is a kustomization: a whole-repo finding could involve it.
    involvable: bool,
    /// It has a custom resource: it is checked once every CRD is known.
    custom_resources: bool,
    /// It defines CRDs.
    crds: bool,
}

impl Survey {
    fn of(p: &Preloaded) -> Survey {
        let mut survey = Survey {
            involvable: kustomize::is_kustomization_file(Path::new(&p.file.name)),
            custom_resources: false,
            crds: false,
        };
        for d in &p.loaded.documents {
            for object in object::objects_of(&d.root, d.index) {
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

/// A file read and loaded in the first pass.
struct Preloaded {
    file: SourceFile,
    loaded: Arc<load::Loaded>,
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
            let bytes = read_file(path, options).ok()?;
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

/// What happened to a file.
#[derive(Clone, Copy, PartialEq, Eq)]
enum FileStatus {
    Checked,
    Skipped,
    Failed,
}

/// One file's contribution to the report.
struct FileResult {
    entry: FileEntry,
    status: FileStatus,
    documents: usize,
    diagnostics: Vec<Diagnostic>,
    objects: Vec<index::summary::ObjectSummary>,
    kustomization: Option<kustomize::Kustomization>,
    suppressions: Vec<suppress::Suppression>,
    /// Documents of the file could not be read (or the file itself): the whole-repo checks
    /// must not take what they may define for missing.
    lost: bool,
}

/// The finding for what discovery found but cannot be checked: Helm chart templates, and
/// paths it could not read.
fn not_checked(id: FileId, found: Found) -> FileResult {
    let name = found.path().display().to_string();
    match found {
        Found::File(_) => unreachable!("files are read and checked"),
        Found::HelmTemplates(_) => problem(
            id,
            name,
            FileStatus::Skipped,
            &rules::helm_template_skipped::RULE,
            "Helm chart templates are not checked: they are not YAML until rendered".into(),
            Some("render the chart and check the result: helm template CHART | kubevet check -"),
        ),
        Found::Problem { message, .. } => problem(
            id,
            name,
            FileStatus::Failed,
            &rules::unreadable_file::RULE,
            message,
            None,
        ),
    }
}

/// A context file: indexed, not checked (its findings would be dropped anyway). `None`: it
/// could not be read, or is not UTF-8.
fn index_context(path: PathBuf, preloaded: Option<Preloaded>, options: &Options) -> FileResult {
    let name = path.display().to_string();
    let outcome = preloaded.map(|p| checks::index_loaded(&p.file, &p.loaded, options));
    let status = if outcome.is_some() {
        FileStatus::Checked
    } else {
        FileStatus::Failed
    };
    let outcome = outcome.unwrap_or(checks::FileOutcome {
        documents: 0,
        diagnostics: Vec::new(),
        objects: Vec::new(),
        kustomization: None,
        suppressions: Vec::new(),
        lost: false,
    });
    FileResult {
        entry: FileEntry {
            name,
            path: Some(path),
            context: true,
            ..FileEntry::default()
        },
        status,
        documents: outcome.documents,
        diagnostics: Vec::new(),
        objects: outcome.objects,
        kustomization: outcome.kustomization,
        suppressions: outcome.suppressions,
        lost: outcome.lost,
    }
}

/// A context file that was not needed.
fn unread_context(path: PathBuf) -> FileResult {
    FileResult {
        entry: FileEntry {
            name: path.display().to_string(),
            path: Some(path),
            context: true,
            ..FileEntry::default()
        },
        status: FileStatus::Skipped,
        documents: 0,
        diagnostics: Vec::new(),
        objects: Vec::new(),
        kustomization: None,
        suppressions: Vec::new(),
        lost: false,
    }
}

/// Why a file was not read: the finding to report.
struct Unread {
    rule: &'static diagnostics::Rule,
    message: String,
    help: Option<&'static str>,
}

const FILE_SIZE_HELP: &str = "if the file is legitimate, raise the limit: `limits: {maxFileSize: 64MiB}` in .kubevet.yaml, or --max-file-size 64MiB";

impl Unread {
    fn too_large(message: String) -> Unread {
        Unread {
            rule: &rules::input_limit_exceeded::RULE,
            message,
            help: Some(FILE_SIZE_HELP),
        }
    }
}

/// Reads and decodes a file, or the finding that says why it cannot be checked.
fn read_source(id: FileId, path: &Path, options: &Options) -> Result<SourceFile, Box<FileResult>> {
    let name = path.display().to_string();
    let bytes = read_file(path, options).map_err(|unread| {
        Box::new(problem(
            id,
            name.clone(),
            FileStatus::Failed,
            unread.rule,
            unread.message,
            unread.help,
        ))
    })?;
    decode(id, name, bytes).map_err(|mut problem| {
        problem.entry.path = Some(path.to_path_buf());
        problem
    })
}

fn read_file(path: &std::path::Path, options: &Options) -> Result<Vec<u8>, Unread> {
    use std::io::Read;
    let unreadable = |e: std::io::Error| Unread {
        rule: &rules::unreadable_file::RULE,
        message: format!("cannot read file: {e}"),
        help: None,
    };
    let file = std::fs::File::open(path).map_err(unreadable)?;
    let metadata = file.metadata().map_err(unreadable)?;
    if metadata.is_dir() {
        return Err(Unread {
            rule: &rules::unreadable_file::RULE,
            message: "is a directory".into(),
            help: None,
        });
    }
    let limit = options.limits.max_file_bytes;
    if metadata.len() > limit {
        return Err(Unread::too_large(format!(
            "file is {} bytes, more than the limit of {limit} bytes; not checked",
            metadata.len()
        )));
    }
    let mut bytes = Vec::with_capacity(metadata.len() as usize);
    // `take` guards against files that grow while we read them.
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(unreadable)?;
    if bytes.len() as u64 > limit {
        return Err(Unread::too_large(format!(
            "file is more than the limit of {limit} bytes; not checked"
        )));
    }
    Ok(bytes)
}

/// A file that could not be checked: one finding at its start.
fn problem(
    id: FileId,
    name: String,
    status: FileStatus,
    rule: &'static diagnostics::Rule,
    message: String,
    help: Option<&'static str>,
) -> FileResult {
    let file = SourceFile::new(id, name.clone(), String::new());
    let mut diagnostic = Diagnostic::new(rule, file.location(Span::default()), message);
    diagnostic.help = help.map(Into::into);
    FileResult {
        entry: FileEntry {
            name,
            ..FileEntry::default()
        },
        status,
        documents: 0,
        diagnostics: vec![diagnostic],
        objects: Vec::new(),
        kustomization: None,
        suppressions: Vec::new(),
        lost: false,
    }
}

/// The file's text, or the finding that it is not UTF-8.
fn decode(id: FileId, name: String, bytes: Vec<u8>) -> Result<SourceFile, Box<FileResult>> {
    let (text, utf8_error) = match String::from_utf8(bytes) {
        Ok(text) => (text, None),
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            (String::from_utf8_lossy(e.as_bytes()).into_owned(), Some(at))
        }
    };
    let file = SourceFile::new(id, name.clone(), text);
    let Some(at) = utf8_error else {
        return Ok(file);
    };
    let diagnostic = Diagnostic::new(
        &rules::invalid_utf8::RULE,
        file.location(Span::new(at, at)),
        format!("file is not valid UTF-8 (first invalid byte at offset {at}); it was not checked"),
    )
    .with_help(
        "Kubernetes manifests must be UTF-8; convert the file, e.g. `iconv -f latin1 -t utf-8`",
    );
    Err(Box::new(FileResult {
        entry: FileEntry {
            name,
            text: Some(file.text),
            ..FileEntry::default()
        },
        status: FileStatus::Failed,
        documents: 0,
        diagnostics: vec![diagnostic],
        objects: Vec::new(),
        kustomization: None,
        suppressions: Vec::new(),
        lost: false,
    }))
}

fn check_source(
    file: SourceFile,
    loaded: &load::Loaded,
    options: &Options,
    crds: &Crds,
    facts: &kustomize::Facts,
    keep_text: bool,
) -> FileResult {
    let mut outcome = checks::check_loaded(&file, loaded, options, crds, facts);
    // Sorted here, in parallel: the run's sort then meets sorted runs, one a file.
    outcome
        .diagnostics
        .sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    // A file's text is read again where a renderer shows a snippet of it (`keep_text`: it
    // cannot be, stdin).
    let name = file.name.clone();
    let shown = !outcome.diagnostics.is_empty() || !outcome.suppressions.is_empty();
    let digest = shown.then(|| digest(&file.text));
    let text = keep_text.then_some(file.text);
    let objects = outcome
        .objects
        .iter()
        .map(|o| ObjectEntry {
            document: o.document,
            object: diagnostics::ObjectRef {
                api_version: Some(o.api_version.clone()),
                kind: Some(o.kind.clone()),
                namespace: o.namespace.clone(),
                name: Some(o.name.clone()),
            },
        })
        .collect();
    FileResult {
        entry: FileEntry {
            name,
            text,
            digest,
            objects,
            ..FileEntry::default()
        },
        status: FileStatus::Checked,
        documents: outcome.documents,
        diagnostics: outcome.diagnostics,
        objects: outcome.objects,
        kustomization: outcome.kustomization,
        suppressions: outcome.suppressions,
        lost: outcome.lost,
    }
}

/// The whole-repo stage and the report: index every object, run the cross-object rules, apply
/// the configuration and suppressions to every finding, sort.
fn finish(outcomes: Vec<FileResult>, options: &Options) -> Report {
    let mut summary = Summary {
        kubernetes_version: Some(options.kubernetes_version),
        ..Summary::default()
    };
    let mut files = Vec::with_capacity(outcomes.len());
    let mut diagnostics = Vec::new();
    let mut indexed = Vec::with_capacity(outcomes.len());
    let mut suppressions = Vec::new();
    for (i, outcome) in outcomes.into_iter().enumerate() {
        let id = FileId(i as u32);
        if outcome.entry.context {
            summary.context_files += usize::from(outcome.status == FileStatus::Checked);
        } else {
            match outcome.status {
                FileStatus::Checked => summary.files += 1,
                FileStatus::Skipped => summary.skipped += 1,
                FileStatus::Failed => summary.failed += 1,
            }
            summary.documents += outcome.documents;
        }
        indexed.push(index::FileObjects {
            file: id,
            path: PathBuf::from(&outcome.entry.name),
            objects: outcome.objects,
            kustomization: outcome.kustomization,
            lost: outcome.lost || outcome.status == FileStatus::Failed,
        });
        if !outcome.suppressions.is_empty() {
            suppressions.push((id, outcome.suppressions));
        }
        files.push(outcome.entry);
        diagnostics.extend(outcome.diagnostics);
    }
    let index = index::build(indexed, options.policy.units());
    rules::check_repo(&index, &mut diagnostics);
    // With context, a whole-repo finding that involves a given file is reported at the given
    // file (the other file is the related location), never only in a file not asked about.
    let given = |f: FileId| !files[f.0 as usize].context;
    if files.iter().any(|f| f.context) {
        for d in diagnostics.iter_mut().filter(|d| !given(d.file())) {
            if let Some(i) = d.secondary.iter().position(|l| given(l.location.file)) {
                std::mem::swap(&mut d.primary, &mut d.secondary[i]);
                let at = d.primary.location;
                d.document = index
                    .instances
                    .iter()
                    .find(|i| i.object.location == at)
                    .map(|i| i.object.document);
            }
        }
    }
    // Freeing the index is all small allocations: off the critical path, like the CRDs.
    rayon::spawn(move || drop(index));
    diagnostics.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    // A base included by several overlays is checked once per overlay; say each thing once.
    diagnostics
        .dedup_by(|b, a| a.rule == b.rule && a.primary == b.primary && a.message == b.message);
    let cwd = workspace::current_dir();
    let path_of = |f: FileId| {
        Some(workspace::absolute_from(
            &cwd,
            Path::new(&files[f.0 as usize].name),
        ))
    };
    let mut applied = suppress::apply(diagnostics, &suppressions, &options.policy, &path_of);
    // Context files are there for the index: only findings that involve the files asked about
    // are reported (those in them, and those moved to them above).
    let involves_given =
        |d: &Diagnostic| given(d.file()) || d.secondary.iter().any(|l| given(l.location.file));
    applied.diagnostics.retain(involves_given);
    applied.suppressed.retain(|s| involves_given(&s.diagnostic));
    let mut diagnostics = applied.diagnostics;
    diagnostics.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    for d in &diagnostics {
        summary.count(d.severity);
    }
    summary.suppressed = applied.suppressed.len();
    Report {
        files,
        diagnostics,
        summary,
        suppressed: applied.suppressed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn defining(kinds: &[&str]) -> Crds {
        let text: String = kinds
            .iter()
            .map(|kind| {
                format!(
                    "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\n\
                     metadata: {{name: x}}\nspec:\n  group: example.org\n  names: {{kind: {kind}}}\n  \
                     versions: [{{name: v1, served: true}}]\n---\n"
                )
            })
            .collect();
        let file = SourceFile::new(FileId(0), "crds.yaml".into(), text);
        let loaded = Arc::new(load::load(&file, &Options::default().limits));
        let mut crds = Crds::default();
        crds.add_file(file.id, &loaded, KubeVersion::new(37));
        assert_eq!(crds.keys().count(), kinds.len());
        crds
    }

    /// A file keeps its CRDs only while it is the earliest to define one of them; the threads
    /// may present files in any order.
    #[test]
    fn crd_claims_keep_only_possible_winners() {
        let claims = CrdClaims::default();
        let given = |i| CrdRank::Given(FileId(i));
        assert!(claims.keep(given(5), defining(&["A"])).is_some());
        // Earlier than the holder: kept (it wins at the merge).
        assert!(claims.keep(given(3), defining(&["A"])).is_some());
        // Later than the earliest: dropped.
        assert!(claims.keep(given(4), defining(&["A"])).is_none());
        // Partly new: kept whole.
        assert!(claims.keep(given(9), defining(&["A", "B"])).is_some());
        assert!(
            claims
                .keep(CrdRank::Context(FileId(0)), defining(&["B"]))
                .is_none()
        );
        assert!(
            claims
                .keep(CrdRank::CrdFlag(0), defining(&["A", "B"]))
                .is_none()
        );
        assert!(claims.keep(CrdRank::CrdFlag(0), defining(&["C"])).is_some());
        // Given files come before the context, whatever their ids.
        assert!(
            claims
                .keep(CrdRank::Context(FileId(0)), defining(&["D"]))
                .is_some()
        );
        assert!(claims.keep(given(100), defining(&["D"])).is_some());
    }
}
