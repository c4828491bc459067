//! kubevet: a fast, exact, offline linter for the Kubernetes manifests in GitOps repositories.
//!
//! The pipeline, one module a stage:
//! [`discover`] → [`load`] (into the [`tree`], decoded by [`resolve`]) → [`object`] →
//! per-object [`checks`], [`rules`] and [`schema`] validation (in parallel) → [`diagnostics`] →
//! [`output`]. Before the per-object stage, a pre-pass collects the CustomResourceDefinitions of
//! the checked files and of `--crd` ([`schema::crd`]), so custom resources can be validated.

pub mod checks;
pub mod cli;
pub mod cron;
pub mod diagnostics;
pub mod discover;
pub mod index;
pub mod kustomize;
pub mod load;
pub mod object;
pub mod output;
pub mod project;
pub mod quantity;
pub mod resolve;
pub mod rules;
pub mod schema;
pub mod source;
pub mod tree;
pub mod validate;
pub mod workload;

use diagnostics::{Diagnostic, FileId, Severity, Summary};
use discover::Found;
use rayon::prelude::*;
use schema::crd::Crds;
use source::SourceFile;
use std::fmt;
use std::path::PathBuf;
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
    pub limits: load::Limits,
    /// Extra CustomResourceDefinitions (`--crd`): files or directories. Their CRDs give schemas
    /// to custom resources; the files themselves are not checked.
    pub crd_paths: Vec<PathBuf>,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            kubernetes_version: KubeVersion::NEWEST,
            strict: true,
            limits: load::Limits::default(),
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
pub struct FileEntry {
    pub name: String,
    pub text: Option<String>,
    /// Where to read the text again; `None` for stdin and for paths that could not be read.
    pub path: Option<PathBuf>,
}

impl FileEntry {
    pub fn source(&self) -> Option<std::borrow::Cow<'_, str>> {
        match (&self.text, &self.path) {
            (Some(text), _) => Some(std::borrow::Cow::Borrowed(text)),
            (None, Some(path)) => std::fs::read_to_string(path)
                .ok()
                .map(std::borrow::Cow::Owned),
            (None, None) => None,
        }
    }
}

/// Everything a run found, ready for any output format.
pub struct Report {
    pub files: Vec<FileEntry>,
    pub diagnostics: Vec<Diagnostic>,
    pub summary: Summary,
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

/// Runs the whole pipeline.
pub fn check(input: Input, options: &Options) -> Result<Report, CheckError> {
    let crd_files =
        discover::discover(&options.crd_paths).map_err(|m| CheckError::MissingCrdPath(m.0))?;
    let found = match input {
        Input::Paths(paths) => {
            discover::discover(&paths).map_err(|m| CheckError::MissingPath(m.0))?
        }
        Input::Stream { name, bytes } => {
            // Stdin cannot be read again, so its text is kept for whole-repo findings.
            let outcome = match decode(FileId(0), name, bytes) {
                Ok(file) => {
                    let loaded = Arc::new(load::load(&file, &options.limits));
                    let mut crds = Crds::default();
                    crds.add_file(file.id, &loaded, options.kubernetes_version);
                    crds.merge(collect_crds(&crd_files, options));
                    check_source(file, &loaded, options, &crds, true)
                }
                Err(problem) => *problem,
            };
            return Ok(finish(vec![outcome]));
        }
    };
    // CRDs must be known before any custom resource is validated: a parallel pre-pass loads the
    // files that mention `CustomResourceDefinition` (kept for the main pass), plus `--crd`.
    // The schema set of the target release is built meanwhile.
    let (preloaded, _) = rayon::join(
        || -> Vec<Option<Preloaded>> {
            found
                .par_iter()
                .enumerate()
                .map(|(i, found)| preload(FileId(i as u32), found, options))
                .collect()
        },
        || schema::prepare(options.kubernetes_version),
    );
    let mut crds = Crds::default();
    for p in preloaded.iter().flatten() {
        crds.add_file(p.file.id, &p.loaded, options.kubernetes_version);
    }
    crds.merge(collect_crds(&crd_files, options));
    let outcomes: Vec<FileResult> = found
        .into_par_iter()
        .zip(preloaded)
        .enumerate()
        .map(|(i, (found, preloaded))| {
            check_found(FileId(i as u32), found, preloaded, options, &crds)
        })
        .collect();
    // The CRD trees and compiled schemas can be large: free them off the critical path.
    rayon::spawn(move || drop(crds));
    Ok(finish(outcomes))
}

/// A file the CRD pre-pass has already read and loaded.
struct Preloaded {
    file: SourceFile,
    loaded: Arc<load::Loaded>,
}

/// Reads and loads a file if its text mentions `CustomResourceDefinition`.
fn preload(id: FileId, found: &Found, options: &Options) -> Option<Preloaded> {
    let Found::File(path) = found else {
        return None;
    };
    let bytes = read_file(path, options).ok()?;
    if !std::str::from_utf8(&bytes)
        .ok()?
        .contains("CustomResourceDefinition")
    {
        return None;
    }
    let file = decode(id, found.path().display().to_string(), bytes).ok()?;
    let loaded = Arc::new(load::load(&file, &options.limits));
    Some(Preloaded { file, loaded })
}

/// The CRDs of the `--crd` files (their own findings are not reported).
fn collect_crds(files: &[Found], options: &Options) -> Crds {
    let parts: Vec<Crds> = files
        .par_iter()
        .filter_map(|found| {
            let Found::File(path) = found else {
                return None;
            };
            let bytes = read_file(path, options).ok()?;
            let file = decode(FileId(u32::MAX), found.path().display().to_string(), bytes).ok()?;
            let loaded = Arc::new(load::load(&file, &options.limits));
            let mut crds = Crds::default();
            crds.add_file(file.id, &loaded, options.kubernetes_version);
            Some(crds)
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
}

fn check_found(
    id: FileId,
    found: Found,
    preloaded: Option<Preloaded>,
    options: &Options,
    crds: &Crds,
) -> FileResult {
    let name = found.path().display().to_string();
    match found {
        Found::File(path) => {
            let mut result = match preloaded {
                Some(p) => check_source(p.file, &p.loaded, options, crds, false),
                None => match read_file(&path, options) {
                    Ok(bytes) => match decode(id, name, bytes) {
                        Ok(file) => {
                            let loaded = load::load(&file, &options.limits);
                            check_source(file, &loaded, options, crds, false)
                        }
                        Err(problem) => *problem,
                    },
                    Err((rule, message)) => {
                        return problem(id, name, FileStatus::Failed, rule, message, None);
                    }
                },
            };
            result.entry.path = Some(path);
            result
        }
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

fn read_file(
    path: &std::path::Path,
    options: &Options,
) -> Result<Vec<u8>, (&'static diagnostics::Rule, String)> {
    use std::io::Read;
    let unreadable = |e: std::io::Error| {
        (
            &rules::unreadable_file::RULE,
            format!("cannot read file: {e}"),
        )
    };
    let file = std::fs::File::open(path).map_err(unreadable)?;
    let metadata = file.metadata().map_err(unreadable)?;
    if metadata.is_dir() {
        return Err((&rules::unreadable_file::RULE, "is a directory".into()));
    }
    let limit = options.limits.max_file_bytes;
    if metadata.len() > limit {
        return Err((
            &rules::input_limit_exceeded::RULE,
            format!(
                "file is {} bytes, more than the limit of {limit} bytes; not checked",
                metadata.len()
            ),
        ));
    }
    let mut bytes = Vec::with_capacity(metadata.len() as usize);
    // `take` guards against files that grow while we read them.
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(unreadable)?;
    if bytes.len() as u64 > limit {
        return Err((
            &rules::input_limit_exceeded::RULE,
            format!("file is more than the limit of {limit} bytes; not checked"),
        ));
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
    help: Option<&str>,
) -> FileResult {
    let file = SourceFile::new(id, name.clone(), String::new());
    let mut diagnostic = Diagnostic::new(rule, file.location(Span::default()), message);
    diagnostic.help = help.map(str::to_owned);
    FileResult {
        entry: FileEntry {
            name,
            text: None,
            path: None,
        },
        status,
        documents: 0,
        diagnostics: vec![diagnostic],
        objects: Vec::new(),
        kustomization: None,
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
            path: None,
        },
        status: FileStatus::Failed,
        documents: 0,
        diagnostics: vec![diagnostic],
        objects: Vec::new(),
        kustomization: None,
    }))
}

fn check_source(
    file: SourceFile,
    loaded: &load::Loaded,
    options: &Options,
    crds: &Crds,
    keep_text: bool,
) -> FileResult {
    let outcome = checks::check_loaded(&file, loaded, options, crds);
    // Keep the text only where a renderer will show a snippet of it.
    let name = file.name.clone();
    let text = (keep_text || !outcome.diagnostics.is_empty()).then_some(file.text);
    FileResult {
        entry: FileEntry {
            name,
            text,
            path: None,
        },
        status: FileStatus::Checked,
        documents: outcome.documents,
        diagnostics: outcome.diagnostics,
        objects: outcome.objects,
        kustomization: outcome.kustomization,
    }
}

/// The whole-repo stage and the report: index every object, run the cross-object rules, sort.
fn finish(outcomes: Vec<FileResult>) -> Report {
    let mut summary = Summary::default();
    let mut files = Vec::with_capacity(outcomes.len());
    let mut diagnostics = Vec::new();
    let mut indexed = Vec::with_capacity(outcomes.len());
    for (i, outcome) in outcomes.into_iter().enumerate() {
        match outcome.status {
            FileStatus::Checked => summary.files += 1,
            FileStatus::Skipped => summary.skipped += 1,
            FileStatus::Failed => summary.failed += 1,
        }
        summary.documents += outcome.documents;
        indexed.push(index::FileObjects {
            file: FileId(i as u32),
            path: PathBuf::from(&outcome.entry.name),
            objects: outcome.objects,
            kustomization: outcome.kustomization,
        });
        files.push(outcome.entry);
        diagnostics.extend(outcome.diagnostics);
    }
    let index = index::build(indexed);
    rules::check_repo(&index, &mut diagnostics);
    diagnostics.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    // A base included by several overlays is checked once per overlay; say each thing once.
    diagnostics
        .dedup_by(|b, a| a.rule == b.rule && a.primary == b.primary && a.message == b.message);
    for d in &diagnostics {
        summary.count(d.severity);
    }
    Report {
        files,
        diagnostics,
        summary,
    }
}
