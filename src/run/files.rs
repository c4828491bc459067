//! Reading and decoding a file, and one file's contribution to the report: its findings, the
//! objects and kustomization the whole-repo stage indexes, its suppressions.

use crate::discover::Found;
use crate::index::{self, kustomize};
use crate::load;
use crate::model::diagnostic::{self, Diagnostic, FileId};
use crate::model::report::{FileEntry, digest};
use crate::model::source::SourceFile;
use crate::model::span::Span;
use crate::run::Options;
use crate::run::per_file;
use crate::run::suppress;
use crate::schema::crd::Crds;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// What happened to a file.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum FileStatus {
    Checked,
    Skipped,
    Failed,
}

/// One file's contribution to the report.
#[derive(Clone)]
pub struct FileResult {
    pub entry: FileEntry,
    pub status: FileStatus,
    pub documents: usize,
    pub diagnostics: Vec<Diagnostic>,
    pub objects: Vec<Box<index::summary::ObjectSummary>>,
    pub kustomization: Option<Box<kustomize::Kustomization>>,
    pub suppressions: Vec<suppress::Suppression>,
    /// Documents of the file could not be read (or the file itself): the whole-repo checks
    /// must not take what they may define for missing.
    pub lost: bool,
    /// The file's tree, kept for the admission policies of the whole-repo stage ([`KeepTrees`]).
    pub tree: Option<Arc<load::Loaded>>,
    /// The file as loaded, kept for the renders of the kustomizations that include it (which
    /// then neither read nor load it again).
    pub source: Option<crate::render::Source>,
    /// The per-object rules and the schema validation have not run on the file (`source` is
    /// kept): a render is expected to cover it, and then its objects are checked as rendered
    /// instead. If none does, the whole-repo stage checks it as written ([`recheck`]).
    pub deferred: Option<Deferred>,
}

/// Which CRDs the deferred checks of a file use: none (a file without custom resources is
/// checked in the first pass), or the run's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Deferred {
    NoCrds,
    RunCrds,
}

/// Whether the trees of checked files are kept for the whole-repo stage, where admission
/// policies evaluate the objects they select: when policies are given (`--policy`,
/// `policies:`), or from the moment a file with a policy or binding is loaded (the files loaded
/// before are read again by that stage, as they are without this).
pub(crate) struct KeepTrees(AtomicBool);

impl KeepTrees {
    pub(crate) fn new(options: &Options) -> KeepTrees {
        KeepTrees(AtomicBool::new(!options.policies.is_empty()))
    }

    /// Notes a loaded file; whether its tree is kept.
    pub(crate) fn keep(&self, loaded: &load::Loaded) -> bool {
        if !self.0.load(Ordering::Relaxed) && crate::policy::admission::has_policy(loaded) {
            self.0.store(true, Ordering::Relaxed);
        }
        self.0.load(Ordering::Relaxed)
    }
}

/// The finding for what discovery found but cannot be checked: Helm chart templates, and
/// paths it could not read.
pub(crate) fn not_checked(id: FileId, found: Found) -> FileResult {
    let name = found.path().display().to_string();
    match found {
        Found::File(_) => unreachable!("files are read and checked"),
        Found::HelmTemplates(_) => problem(
            id,
            name,
            FileStatus::Skipped,
            &crate::model::rule::helm_template_skipped,
            "Helm chart templates are not checked: they are not YAML until rendered".into(),
            Some("render the chart and check the result: helm template CHART | kubevet check -"),
        ),
        Found::Special { kind, .. } => problem(
            id,
            name,
            FileStatus::Skipped,
            &crate::model::rule::special_file_skipped,
            format!("not checked: it is {kind}, not a regular file"),
            Some(
                "kubevet reads only regular files: a FIFO, socket or device could block it or never end",
            ),
        ),
        Found::Problem { message, .. } => problem(
            id,
            name,
            FileStatus::Failed,
            &crate::model::rule::unreadable_file,
            message,
            None,
        ),
    }
}

/// A context file: indexed, not checked (its findings would be dropped anyway). `None`: it
/// could not be read, or is not UTF-8.
pub(crate) fn index_context(
    path: PathBuf,
    preloaded: Option<Preloaded>,
    options: &Options,
) -> FileResult {
    let name = path.display().to_string();
    let outcome = preloaded.map(|p| per_file::index_loaded(&p.file, &p.loaded, options));
    let status = if outcome.is_some() {
        FileStatus::Checked
    } else {
        FileStatus::Failed
    };
    let outcome = outcome.unwrap_or(per_file::FileOutcome {
        documents: 0,
        diagnostics: Vec::new(),
        objects: Vec::new(),
        entries: Vec::new(),
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
        tree: None,
        source: None,
        deferred: None,
    }
}

/// A context file that was not needed.
pub(crate) fn unread_context(path: PathBuf) -> FileResult {
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
        tree: None,
        source: None,
        deferred: None,
    }
}

/// Why a file was not read: the finding to report.
pub(crate) struct Unread {
    pub(crate) rule: &'static diagnostic::Rule,
    pub(crate) message: String,
    pub(crate) help: Option<&'static str>,
}

pub(crate) const FILE_SIZE_HELP: &str = "if the file is legitimate, raise the limit: `limits: {maxFileSize: 64MiB}` in .kubevet.yaml, or --max-file-size 64MiB";

impl Unread {
    pub(crate) fn too_large(message: String) -> Unread {
        Unread {
            rule: &crate::model::rule::input_limit_exceeded,
            message,
            help: Some(FILE_SIZE_HELP),
        }
    }
}

/// Reads and decodes a file, or the finding that says why it cannot be checked.
pub(crate) fn read_source(
    id: FileId,
    path: &Path,
    options: &Options,
    walked: Walked,
) -> Result<SourceFile, Box<FileResult>> {
    let name = path.display().to_string();
    let bytes = read_file(path, options, walked).map_err(|unread| {
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

/// Whether discovery's walk has just found a path to be a regular file (or a link to one):
/// then it is opened without a `stat` first ([`crate::discover::special::open_walked_regular`]).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Walked {
    Regular,
    Unknown,
}

pub(crate) fn read_file(
    path: &std::path::Path,
    options: &Options,
    walked: Walked,
) -> Result<Vec<u8>, Unread> {
    use std::io::Read;
    let unreadable = |e: std::io::Error| Unread {
        rule: &crate::model::rule::unreadable_file,
        message: format!("cannot read file: {e}"),
        help: None,
    };
    if let Some(buffers) = &options.buffers
        && let Some(text) = buffers.get(&crate::discover::workspace::absolute(path))
    {
        let limit = options.limits.max_file_bytes;
        if text.len() as u64 > limit {
            return Err(Unread::too_large(format!(
                "file is {} bytes, more than the limit of {limit} bytes; not checked",
                text.len()
            )));
        }
        return Ok(text.clone().into_bytes());
    }
    // Never a FIFO or a device: they could block or never end.
    let (file, metadata) = match walked {
        Walked::Regular => crate::discover::special::open_walked_regular(path),
        Walked::Unknown => crate::discover::special::open_regular(path),
    }
    .map_err(unreadable)?;
    if metadata.is_dir() {
        return Err(Unread {
            rule: &crate::model::rule::unreadable_file,
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
pub(crate) fn problem(
    id: FileId,
    name: String,
    status: FileStatus,
    rule: &'static diagnostic::Rule,
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
        tree: None,
        source: None,
        deferred: None,
    }
}

/// The file's text, or the finding that it is not UTF-8.
pub(crate) fn decode(
    id: FileId,
    name: String,
    bytes: Vec<u8>,
) -> Result<SourceFile, Box<FileResult>> {
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
        &crate::model::rule::invalid_utf8,
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
        tree: None,
        source: None,
        deferred: None,
    }))
}

pub(crate) fn check_source(
    file: SourceFile,
    loaded: &load::Loaded,
    options: &Options,
    crds: &Crds,
    facts: &kustomize::Facts,
    keep_text: bool,
) -> FileResult {
    let mut result = check_file(&file, loaded, options, Some(crds), facts);
    // A file's text is read again where a renderer shows a snippet of it (`keep_text`: it
    // cannot be, stdin).
    result.entry.text = keep_text.then_some(file.text);
    result
}

/// [`check_source`] of a file the run's renders may read: its text and tree are kept for them
/// ([`FileResult::source`]).
pub(crate) fn check_shared(
    file: SourceFile,
    loaded: &Arc<load::Loaded>,
    options: &Options,
    crds: &Crds,
    facts: &kustomize::Facts,
) -> FileResult {
    check_kept(file, loaded, options, Some(crds), facts)
}

/// [`check_shared`] without the per-object rules and the schema validation ([`Deferred`]).
pub(crate) fn check_deferred(
    file: SourceFile,
    loaded: &Arc<load::Loaded>,
    options: &Options,
    facts: &kustomize::Facts,
    deferred: Deferred,
) -> FileResult {
    let mut result = check_kept(file, loaded, options, None, facts);
    // Whether it has findings as written is not known yet: snippets are checked against it.
    result.entry.digest = result.source.as_ref().map(|s| digest(&s.file.text));
    result.deferred = Some(deferred);
    result
}

/// A file checked (without `crds`: its per-object checks left out), its text and tree kept for
/// the renders.
fn check_kept(
    file: SourceFile,
    loaded: &Arc<load::Loaded>,
    options: &Options,
    crds: Option<&Crds>,
    facts: &kustomize::Facts,
) -> FileResult {
    let file = Arc::new(file);
    let mut result = check_file(&file, loaded, options, crds, facts);
    result.source = Some(crate::render::Source {
        file,
        loaded: loaded.clone(),
        decoded: Default::default(),
    });
    result
}

/// A deferred file's findings as written and its digest, exactly as [`check_source`] finds them.
pub(crate) fn recheck(
    source: &crate::render::Source,
    options: &Options,
    crds: &Crds,
    facts: &kustomize::Facts,
) -> (Vec<Diagnostic>, Option<(usize, u64)>) {
    let result = check_file(&source.file, &source.loaded, options, Some(crds), facts);
    (result.diagnostics, result.entry.digest)
}

fn check_file(
    file: &SourceFile,
    loaded: &load::Loaded,
    options: &Options,
    crds: Option<&Crds>,
    facts: &kustomize::Facts,
) -> FileResult {
    let mut outcome = per_file::check_loaded_with(file, loaded, options, crds, facts);
    // Sorted here, in parallel: the run's sort then meets sorted runs, one a file.
    outcome
        .diagnostics
        .sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    let name = file.name.clone();
    let shown = !outcome.diagnostics.is_empty() || !outcome.suppressions.is_empty();
    let digest = shown.then(|| digest(&file.text));
    FileResult {
        entry: FileEntry {
            name,
            digest,
            objects: outcome.entries,
            ..FileEntry::default()
        },
        status: FileStatus::Checked,
        documents: outcome.documents,
        diagnostics: outcome.diagnostics,
        objects: outcome.objects,
        kustomization: outcome.kustomization,
        suppressions: outcome.suppressions,
        lost: outcome.lost,
        tree: None,
        source: None,
        deferred: None,
    }
}

/// A file read and loaded in the first pass.
pub struct Preloaded {
    pub file: SourceFile,
    pub loaded: Arc<load::Loaded>,
}
