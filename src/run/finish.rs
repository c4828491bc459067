//! The whole-repo stage over the per-file results: index every object, run the cross-object
//! rules, apply the configuration and suppressions, sort into the report.

use crate::discover::workspace;
use crate::index;
use crate::model::diagnostic::{Diagnostic, FileId, Summary};
use crate::model::report::Report;
use crate::rules;
use crate::run::Options;
use crate::run::files::{FileResult, FileStatus};
use crate::run::suppress;
use std::path::{Path, PathBuf};

/// The whole-repo stage and the report: index every object, run the cross-object rules, apply
/// the configuration and suppressions to every finding, sort.
pub fn finish(outcomes: Vec<FileResult>, options: &Options) -> Report {
    finish_with(outcomes, options, crate::run::per_file::no_crds())
}

/// [`finish`], with the run's CRDs (for the checks on rendered kustomizations).
pub fn finish_with(
    outcomes: Vec<FileResult>,
    options: &Options,
    crds: &crate::schema::crd::Crds,
) -> Report {
    let mut summary = Summary {
        kubernetes_version: Some(options.kubernetes_version),
        ..Summary::default()
    };
    let mut files = Vec::with_capacity(outcomes.len());
    let mut diagnostics = Vec::new();
    let mut indexed = Vec::with_capacity(outcomes.len());
    let mut suppressions = Vec::new();
    let mut trees = Vec::with_capacity(outcomes.len());
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
        trees.push(outcome.tree);
        files.push(outcome.entry);
        diagnostics.extend(outcome.diagnostics);
    }
    let source = |f: FileId| {
        files[f.0 as usize]
            .source()
            .map(std::borrow::Cow::into_owned)
    };
    let access = FileAccess {
        source: &source,
        tree: &|f: FileId| trees.get(f.0 as usize).cloned().flatten(),
        context: &|f: FileId| files.get(f.0 as usize).is_none_or(|e| e.context),
    };
    // Kustomizations checked as rendered: their objects' findings replace those as written.
    let explained = crate::run::rendered::explained(diagnostics.iter());
    let rendered = crate::run::rendered::check(&indexed, options, crds, access.context, &explained);
    diagnostics.retain(|d| rendered.covered.keeps(d));
    diagnostics.extend(rendered.findings);
    let index = repo_stage(indexed, options, &access, &mut diagnostics);
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
        fixes: Vec::new(),
    }
}

/// What the whole-repo stage may read of the files besides their summaries.
pub struct FileAccess<'a> {
    /// A file's text again (read again, or kept for stdin and editor buffers).
    pub source: &'a (dyn Fn(FileId) -> Option<String> + Sync),
    /// A checked file's tree, when the run kept it (for admission policies).
    pub tree: &'a (dyn Fn(FileId) -> Option<std::sync::Arc<crate::load::Loaded>> + Sync),
    /// Whether a file is context (indexed, not reported on).
    pub context: &'a (dyn Fn(FileId) -> bool + Sync),
}

/// The whole-repo checks: every file's objects indexed, then the cross-object rules and the
/// admission policies. Their findings are added to `out` as they are (before the
/// configuration and suppressions apply). Returns the index.
pub fn repo_stage(
    indexed: Vec<index::FileObjects>,
    options: &Options,
    files: &FileAccess<'_>,
    out: &mut Vec<Diagnostic>,
) -> index::Index {
    out.extend(index::kustomize_cycles::cycles(&indexed));
    let index = index::build(indexed, options.policy.units());
    repo_checks(&index, options, files, out);
    index
}

/// The cross-object rules and the admission policies over an index (the whole-repo stage but
/// the kustomization cycles, which only kustomizations change).
pub fn repo_checks(
    index: &index::Index,
    options: &Options,
    files: &FileAccess<'_>,
    out: &mut Vec<Diagnostic>,
) {
    rules::check_repo(index, out);
    rules::pod_security::check_repo(
        index,
        &rules::pod_security::Inputs {
            settings: &options.pod_security,
            kubernetes_version: options.kubernetes_version,
            limits: &options.limits,
            source: files.source,
        },
        out,
    );
    crate::policy::admission::check_repo(
        index,
        &crate::policy::admission::Inputs {
            kubernetes_version: options.kubernetes_version,
            limits: &options.limits,
            given: &options.policies,
            tree: files.tree,
            source: files.source,
            context: files.context,
        },
        out,
    );
}

/// The findings of one file of a run without context, as [`finish`] reports them: its own
/// (`per_file`) and the whole-repo findings whose primary location is in it (`repo`, in the
/// order the whole-repo stage found them), with the configuration and its suppressions applied.
pub fn file_findings(
    file: FileId,
    per_file: &[Diagnostic],
    repo: &[Diagnostic],
    suppressions: &[suppress::Suppression],
    options: &Options,
    path: &Path,
) -> Vec<Diagnostic> {
    let mut diagnostics: Vec<Diagnostic> = per_file.iter().chain(repo).cloned().collect();
    diagnostics.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    diagnostics
        .dedup_by(|b, a| a.rule == b.rule && a.primary == b.primary && a.message == b.message);
    let suppressions = if suppressions.is_empty() {
        Vec::new()
    } else {
        vec![(file, suppressions.to_vec())]
    };
    let path = path.to_path_buf();
    let mut diagnostics = suppress::apply(diagnostics, &suppressions, &options.policy, &|_| {
        Some(path.clone())
    })
    .diagnostics;
    diagnostics.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    diagnostics
}
