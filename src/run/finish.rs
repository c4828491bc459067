//! The whole-repo stage over the per-file results: index every object, run the cross-object
//! rules, apply the configuration and suppressions, sort into the report.

use crate::discover::workspace;
use crate::index;
use crate::model::diagnostic::{Diagnostic, FileId, Summary};
use crate::model::report::Report;
use crate::rules;
use crate::run::Options;
use crate::run::files::{Deferred, FileResult, FileStatus};
use crate::run::suppress;
use rayon::prelude::*;
use std::path::{Path, PathBuf};

/// The whole-repo stage and the report: index every object, run the cross-object rules, apply
/// the configuration and suppressions to every finding, sort.
pub fn finish(outcomes: Vec<FileResult>, options: &Options) -> Report {
    finish_with(
        outcomes,
        options,
        crate::run::per_file::no_crds(),
        &Default::default(),
    )
}

/// [`finish`], with the run's CRDs (for the checks on rendered kustomizations) and what its
/// kustomizations say about the files (for the deferred checks, [`Deferred`]).
pub fn finish_with(
    outcomes: Vec<FileResult>,
    options: &Options,
    crds: &crate::schema::crd::Crds,
    facts: &crate::index::kustomize::Facts,
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
    let mut preloaded = foldhash::HashMap::default();
    let mut deferred = AsWritten {
        files: foldhash::HashMap::default(),
        done: Default::default(),
        options,
        crds,
        facts,
    };
    for (i, mut outcome) in outcomes.into_iter().enumerate() {
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
        if let Some(source) = outcome.source.take() {
            if let Some(d) = outcome.deferred {
                deferred.files.insert(id, (d, source.clone()));
            }
            let key = crate::index::kustomize::normalized_key(Path::new(&outcome.entry.name));
            preloaded.insert(key, source);
        }
        trees.push(outcome.tree);
        files.push(outcome.entry);
        diagnostics.extend(outcome.diagnostics);
    }
    let contexts: Vec<bool> = files.iter().map(|e| e.context).collect();
    let context = |f: FileId| contexts.get(f.0 as usize).copied().unwrap_or(true);
    // Kustomizations checked as rendered: their objects' findings replace those as written.
    let explained_set = crate::run::rendered::explained(diagnostics.iter());
    let explained = |f: FileId| explained_set.contains(&f) || deferred.explains(f);
    let preloaded = (!preloaded.is_empty()).then(|| std::sync::Arc::new(preloaded));
    let mut rendered = if options.render {
        crate::run::rendered::check(crate::run::rendered::Inputs {
            indexed: &indexed,
            options,
            crds,
            context: &context,
            explained: &explained,
            preloaded,
            keep_trees: crate::run::rendered::keep_trees(
                options,
                indexed.iter().flat_map(|f| f.objects.iter().map(|o| &**o)),
            ),
        })
    } else {
        crate::run::rendered::Outcome::default()
    };
    // The deferred files no successful render covers are checked as written after all.
    let uncovered: Vec<FileId> = deferred
        .files
        .keys()
        .copied()
        .filter(|f| !rendered.covered.contains(*f))
        .collect();
    if !uncovered.is_empty() {
        let checked: Vec<(FileId, Checked)> = uncovered
            .par_iter()
            .map(|f| (*f, deferred.take(*f)))
            .collect();
        let uncovered: foldhash::HashSet<FileId> = uncovered.into_iter().collect();
        diagnostics.retain(|d| !uncovered.contains(&d.file()));
        for (f, (found, digest)) in checked {
            diagnostics.extend(found);
            files[f.0 as usize].digest = digest;
        }
    }
    // Their trees, which these hold last, are freed off the critical path (all small
    // allocations: 2% of a kustomize-heavy check), as the index is below.
    let kept = std::mem::take(&mut deferred.files);
    drop(deferred);
    rayon::spawn(move || drop(kept));
    diagnostics.retain(|d| rendered.covered.keeps(d));
    diagnostics.extend(rendered.findings);
    let source = |f: FileId| {
        files[f.0 as usize]
            .source()
            .map(std::borrow::Cow::into_owned)
    };
    let access = FileAccess {
        source: &source,
        tree: &|f: FileId| trees.get(f.0 as usize).cloned().flatten(),
        context: &context,
    };
    let index = repo_stage(
        indexed,
        std::mem::take(&mut rendered.builds)
            .into_iter()
            .map(std::sync::Arc::unwrap_or_clone)
            .collect(),
        options,
        &access,
        &mut diagnostics,
    );
    // With context, a whole-repo finding that involves a given file is reported at the given
    // file (the other file is the related location), never only in a file not asked about.
    let given = |f: FileId| !files[f.0 as usize].context;
    if files.iter().any(|f| f.context) {
        // Said once first, as the whole run says it: one patch that sets a wrong value on
        // several objects of a base is one finding at the patch (its related location the
        // first object's), not one a base object once moved to a given base file.
        say_once(&mut diagnostics);
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
    say_once(&mut diagnostics);
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

/// A deferred file's findings as written, and its digest.
type Checked = (Vec<Diagnostic>, Option<(usize, u64)>);

/// The deferred files ([`Deferred`]) and their checks as written, run when a render needs to
/// know whether a failure is explained there already, or when no successful render covers them.
struct AsWritten<'a> {
    files: foldhash::HashMap<FileId, (Deferred, crate::render::Source)>,
    done: std::sync::Mutex<foldhash::HashMap<FileId, Checked>>,
    options: &'a Options,
    crds: &'a crate::schema::crd::Crds,
    facts: &'a crate::index::kustomize::Facts,
}

impl AsWritten<'_> {
    fn run(&self, f: FileId) -> Option<Checked> {
        let (deferred, source) = self.files.get(&f)?;
        let crds = match deferred {
            Deferred::NoCrds => crate::run::per_file::no_crds(),
            Deferred::RunCrds => self.crds,
        };
        Some(crate::run::files::recheck(
            source,
            self.options,
            crds,
            self.facts,
        ))
    }

    /// Whether a deferred file's findings as written explain a failed render there
    /// ([`crate::run::rendered::explained`]).
    fn explains(&self, f: FileId) -> bool {
        let mut done = self.done.lock().unwrap_or_else(|e| e.into_inner());
        let checked = match done.entry(f) {
            std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::hash_map::Entry::Vacant(e) => match self.run(f) {
                Some(checked) => e.insert(checked),
                None => return false,
            },
        };
        !crate::run::rendered::explained(checked.0.iter()).is_empty()
    }

    /// A deferred file's findings as written.
    fn take(&self, f: FileId) -> Checked {
        let done = self
            .done
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&f);
        done.or_else(|| self.run(f)).unwrap_or_default()
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
/// configuration and suppressions apply). The builds that rendered are indexed as rendered
/// (`rendered`). Returns the index.
pub fn repo_stage(
    indexed: Vec<index::FileObjects>,
    rendered: Vec<index::RenderedBuild>,
    options: &Options,
    files: &FileAccess<'_>,
    out: &mut Vec<Diagnostic>,
) -> index::Index {
    out.extend(index::kustomize_cycles::cycles(&indexed));
    let index = index::build_with(indexed, rendered, options.policy.units());
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
    let digests = index::digests::Digests::new(files.source, files.tree, &options.limits);
    rules::check_repo(
        &rules::Repo {
            index,
            digests: &digests,
        },
        out,
    );
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

/// Sorts the findings and says each thing once: a base included by several overlays is checked
/// once per overlay, and a finding every overlay has is the same (rule, place, message) in each.
fn say_once(diagnostics: &mut Vec<Diagnostic>) {
    diagnostics.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    diagnostics
        .dedup_by(|b, a| a.rule == b.rule && a.primary == b.primary && a.message == b.message);
}
