//! The per-file stage: a loaded file's documents → objects → the per-object rules and the schema
//! validation, the kustomization read, and what the whole-repo stage needs of each object. Runs
//! in parallel, one file a task.

use crate::check::{CheckOptions, Context};
use crate::index::kustomize::{self, Kustomization};
use crate::index::summarize::summarize;
use crate::index::summary::ObjectSummary;
use crate::k8s::object::{Object, objects_of};
use crate::load::tree::Node;
use crate::load::{Document, Loaded};
use crate::model::diagnostic::{Diagnostic, ObjectRef};
use crate::model::report::ObjectEntry;
use crate::model::source::SourceFile;
use crate::model::span::Span;
use crate::rules;
use crate::run::Options;
use crate::run::suppress::{self, Suppression};
use crate::schema::{self, crd::Crds};

use std::collections::HashSet;
use std::sync::{Arc, OnceLock};

/// The result of checking one file.
pub struct FileOutcome {
    pub documents: usize,
    pub diagnostics: Vec<Diagnostic>,
    /// What the whole-repo checks need of its objects.
    pub objects: Vec<Box<ObjectSummary>>,
    /// Its objects as the report lists them, one for each summary.
    pub entries: Vec<ObjectEntry>,
    /// Boxed: most files have none, and every file's result is kept until the whole-repo stage.
    pub kustomization: Option<Box<Kustomization>>,
    /// The `kubevet-ignore` comments and annotations in the file.
    pub suppressions: Vec<Suppression>,
    /// Some of its documents could not be read.
    pub lost: bool,
}

/// The CRDs of a run without any (and of checks that need none).
pub fn no_crds() -> &'static Crds {
    static EMPTY: OnceLock<Crds> = OnceLock::new();
    EMPTY.get_or_init(Crds::default)
}

/// What the checks need of the run's options.
pub fn check_options(options: &Options) -> CheckOptions {
    CheckOptions {
        kubernetes_version: options.kubernetes_version,
        strict: options.strict,
    }
}

/// Which per-object rules run in a file: those the configuration does not switch off there. A
/// rule whose findings on a placeholder become `unrendered-placeholder` also runs while that
/// rule is on (its other findings are dropped with the rest of an off rule's).
fn enabled_rules<'p>(file: &SourceFile, options: &'p Options) -> std::borrow::Cow<'p, [bool]> {
    let policy = &options.policy;
    let path = policy.has_overrides().then(|| {
        crate::discover::workspace::absolute_from(
            &crate::discover::workspace::current_dir(),
            std::path::Path::new(&file.name),
        )
    });
    policy.enabled_rules(path.as_deref())
}

/// Runs every per-object rule and the schema validation on a loaded file, with what the run's
/// kustomizations and the tool files around it say about it.
pub fn check_loaded(
    file: &SourceFile,
    loaded: &Loaded,
    options: &Options,
    crds: &Crds,
    facts: &kustomize::Facts,
) -> FileOutcome {
    check_loaded_with(file, loaded, options, Some(crds), facts)
}

/// [`check_loaded`]; without `crds`, the per-object rules and the schema validation do not run
/// (the rest does: the loader's findings, the kustomization read, the objects for the index).
pub(crate) fn check_loaded_with(
    file: &SourceFile,
    loaded: &Loaded,
    options: &Options,
    crds: Option<&Crds>,
    facts: &kustomize::Facts,
) -> FileOutcome {
    let check_options = check_options(options);
    let mut cx = Context::new(file, &check_options);
    cx.kustomize = facts.of(&file.name);
    for diagnostic in &loaded.diagnostics {
        let mut diagnostic = diagnostic.clone();
        if diagnostic.document.is_none() {
            // A loading problem inside a document (a duplicate key) belongs to that document.
            let at = diagnostic.primary.location.span.start;
            diagnostic.document = loaded
                .documents
                .iter()
                .find(|d| d.root.span.start <= at && at < d.root.span.end)
                .map(|d| d.index);
        }
        // `kustomize build` fails on a kustomization that is not YAML: say so in its words.
        if diagnostic.rule.id == "invalid-yaml"
            && kustomize::is_kustomization_file(std::path::Path::new(&file.name))
            && let Some(message) = crate::index::kustomize_schema::yaml_error(
                &diagnostic.message,
                &file.text,
                diagnostic.primary.location.span.start as usize,
            )
        {
            let fails = format!("`kustomize build` fails here: {message}");
            diagnostic.help = Some(match diagnostic.help.take() {
                // The fix of a tab stays first.
                Some(help) if help.starts_with("indent with spaces") => {
                    format!("{help}; {fails}").into()
                }
                _ => fails.into(),
            });
        }
        cx.report(diagnostic);
    }
    let enabled = crds.map(|_| enabled_rules(file, options));
    let checks = crds.zip(enabled.as_deref()).map(|(crds, enabled)| Checks {
        crds,
        enabled: Some(enabled),
        options,
    });
    let (objects, entries, kustomization) = walk_documents(file, loaded, &mut cx, checks.as_ref());
    FileOutcome {
        documents: loaded.documents.len(),
        diagnostics: prefer_specific(cx.into_diagnostics()),
        objects,
        entries,
        kustomization,
        suppressions: suppress::scan(file, &loaded.documents),
        lost: loaded.lost > 0,
    }
}

/// A loaded file only for the whole-repo index (a context file): its objects and kustomization,
/// without running the per-object rules.
pub fn index_loaded(file: &SourceFile, loaded: &Loaded, options: &Options) -> FileOutcome {
    let check_options = check_options(options);
    let mut cx = Context::new(file, &check_options);
    cx.context_only = true;
    let (objects, _, kustomization) = walk_documents(file, loaded, &mut cx, None);
    FileOutcome {
        documents: loaded.documents.len(),
        diagnostics: Vec::new(),
        objects,
        entries: Vec::new(),
        kustomization,
        // A whole-repo finding in this file may be reported (it points into a given file), and
        // then its suppressions apply as in a run over the whole repository.
        suppressions: suppress::scan(file, &loaded.documents),
        lost: loaded.lost > 0,
    }
}

/// What the per-object checks of a file need besides the context.
struct Checks<'a> {
    crds: &'a Crds,
    /// Which rules of [`crate::model::registry::ALL`] run; `None`: all.
    enabled: Option<&'a [bool]>,
    /// For the tool files around the file ([`crate::run::project::facts`]), read when its
    /// first object is checked: a kustomization, or a file whose checks wait for the renders,
    /// needs none.
    options: &'a Options,
}

/// Reads every document's kustomization or objects for the index (with the report's entry of
/// each), running the per-object checks unless the file is context only (`checks` is `None`).
/// Each summary is boxed here, on the worker thread, because the index keeps the boxes
/// ([`crate::index::FileObjects`]).
#[allow(clippy::vec_box)]
fn walk_documents(
    file: &SourceFile,
    loaded: &Loaded,
    cx: &mut Context<'_>,
    checks: Option<&Checks<'_>>,
) -> (
    Vec<Box<ObjectSummary>>,
    Vec<ObjectEntry>,
    Option<Box<Kustomization>>,
) {
    let mut objects = Vec::new();
    let mut entries = Vec::new();
    let mut kustomization = None;
    let mut project_read = false;
    for Document { index, root } in &loaded.documents {
        cx.set_document(Some(*index));
        if kustomization.is_none() && is_kustomization(file, root) {
            kustomization = Some(Box::new(kustomize::read(root, cx)));
            continue;
        }
        for object in objects_of(root, *index) {
            let object_ref = Arc::new(object.object_ref());
            cx.set_object(Some(object_ref.clone()));
            if let Some(checks) = checks {
                if !project_read {
                    cx.project = crate::run::project::facts(&file.name, checks.options);
                    project_read = true;
                }
                check_object(&object, cx, checks);
            }
            if !object.is_tool_config()
                && let Some(summary) = summarize(&object, cx)
            {
                entries.push(entry_of(&summary, object_ref));
                objects.push(Box::new(summary));
            }
        }
        cx.set_object(None);
    }
    // Kept until the whole-repo stage (a file's vector of 3 summaries has room for 4).
    objects.shrink_to_fit();
    entries.shrink_to_fit();
    (objects, entries, kustomization)
}

/// The report's entry of a summarized object: its findings' object when they name it the same
/// way (an object without a name is listed with an empty one).
fn entry_of(summary: &ObjectSummary, object_ref: Arc<ObjectRef>) -> ObjectEntry {
    let same = object_ref.api_version.as_deref() == Some(summary.api_version.as_str())
        && object_ref.kind.as_deref() == Some(summary.kind.as_str())
        && object_ref.namespace == summary.namespace
        && object_ref.name.as_deref() == Some(summary.name.as_str());
    let object = if same {
        object_ref
    } else {
        Arc::new(ObjectRef {
            api_version: Some(summary.api_version.clone()),
            kind: Some(summary.kind.clone()),
            namespace: summary.namespace.clone(),
            name: Some(summary.name.clone()),
        })
    };
    ObjectEntry {
        document: summary.document,
        object,
    }
}

/// A kustomization file: named as kustomize looks for it, and not some other object that
/// happens to have that name (a Flux `Kustomization` custom resource, say).
fn is_kustomization(file: &SourceFile, root: &Node) -> bool {
    kustomize::is_kustomization_file(std::path::Path::new(&file.name))
        && root
            .get("apiVersion")
            .and_then(|v| v.as_str())
            .is_none_or(|v| v.starts_with("kustomize.config.k8s.io/"))
}

fn check_object(object: &Object<'_>, cx: &mut Context<'_>, checks: &Checks<'_>) {
    if object.is_tool_config() {
        return;
    }
    rules::check_object(object, cx, checks.enabled);
    schema::check(object, cx, checks.crds);
}

/// When a schema finding and a more specific rule's finding point at the same node (the label
/// `canary: yes` is both a wrong type and an invalid label value), only the specific one is kept:
/// it explains the problem better, and one problem should be one finding.
pub(crate) fn prefer_specific(diagnostics: Vec<Diagnostic>) -> Vec<Diagnostic> {
    let specific: HashSet<Span> = diagnostics
        .iter()
        .filter(|d| !schema::is_validator_rule(d.rule))
        .map(|d| d.primary.location.span)
        .collect();
    if specific.is_empty() {
        return diagnostics;
    }
    diagnostics
        .into_iter()
        .filter(|d| {
            !schema::is_validator_rule(d.rule) || !specific.contains(&d.primary.location.span)
        })
        .collect()
}
