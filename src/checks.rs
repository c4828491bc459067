//! Per-file stage: read → load → objects → per-object rules and schema validation. Runs in
//! parallel, one file a task.

use crate::Options;
use crate::diagnostics::{Diagnostic, Location, ObjectRef};
use crate::index::summary::{ObjectSummary, summarize};
use crate::kustomize::{self, Kustomization};
use crate::load::{self, Document, Loaded};
use crate::object::{Object, objects_of};
use crate::rules;
use crate::schema::{self, crd::Crds};
use crate::source::SourceFile;
use crate::tree::Span;
use std::collections::HashSet;
use std::sync::OnceLock;

/// What a rule sees besides the object: where to report, the run's options, and the CRDs the
/// run knows.
pub struct Context<'a> {
    pub file: &'a SourceFile,
    pub options: &'a Options,
    pub crds: &'a Crds,
    /// The file is read only as context for the whole-repo checks: what it defines matters,
    /// what it mentions (service host names) cannot lead to a reported finding.
    pub context_only: bool,
    diagnostics: Vec<Diagnostic>,
    document: Option<u32>,
    object: Option<ObjectRef>,
    /// Whether the file is a kustomize patch, asked by many rules for every object.
    is_patch_file: std::cell::OnceCell<bool>,
    /// What the run's kustomizations add to this file's objects in every build that includes
    /// it (labels on selectors and pod templates).
    pub kustomize: Option<&'a kustomize::FileFacts>,
    /// The placeholders reported as `unrendered-placeholder`: one finding a token.
    placeholders: Vec<Span>,
}

/// The CRDs of a run without any (and of checks that need none).
pub fn no_crds() -> &'static Crds {
    static EMPTY: OnceLock<Crds> = OnceLock::new();
    EMPTY.get_or_init(Crds::default)
}

impl<'a> Context<'a> {
    pub fn new(file: &'a SourceFile, options: &'a Options) -> Context<'a> {
        Context::with_crds(file, options, no_crds())
    }

    pub fn with_crds(file: &'a SourceFile, options: &'a Options, crds: &'a Crds) -> Context<'a> {
        Context {
            file,
            options,
            crds,
            context_only: false,
            diagnostics: Vec::new(),
            document: None,
            object: None,
            is_patch_file: std::cell::OnceCell::new(),
            kustomize: None,
            placeholders: Vec::new(),
        }
    }

    /// Whether the file holds patches rather than whole objects ([`crate::project`]).
    pub fn is_patch_file(&self) -> bool {
        *self
            .is_patch_file
            .get_or_init(|| crate::project::is_patch_file(&self.file.name, &self.options.limits))
    }

    pub fn loc(&self, span: Span) -> Location {
        self.file.location(span)
    }

    /// The source text of a node, for messages that quote what the user wrote.
    pub fn text(&self, span: Span) -> &str {
        self.file.slice(span)
    }

    /// Records a finding, tagged with the current document and object. A finding about the
    /// format of a value that is an unrendered placeholder is reported as that, once a token
    /// ([`rules::unrendered_placeholder`]).
    pub fn report(&mut self, mut diagnostic: Diagnostic) {
        if let Some(span) = rules::unrendered_placeholder::token_of(&diagnostic, &self.file.text) {
            if self.placeholders.contains(&span) {
                return;
            }
            self.placeholders.push(span);
            diagnostic = rules::unrendered_placeholder::instead_of(diagnostic, span, self);
        }
        if diagnostic.document.is_none() {
            diagnostic.document = self.document;
        }
        if diagnostic.object.is_none() {
            diagnostic.object = self.object.clone();
        }
        self.diagnostics.push(diagnostic);
    }

    pub fn into_diagnostics(self) -> Vec<Diagnostic> {
        self.diagnostics
    }
}

/// The result of checking one file.
pub struct FileOutcome {
    pub documents: usize,
    pub diagnostics: Vec<Diagnostic>,
    /// What the whole-repo checks need of its objects.
    pub objects: Vec<ObjectSummary>,
    pub kustomization: Option<Kustomization>,
    /// The `kubevet-ignore` comments and annotations in the file.
    pub suppressions: Vec<crate::suppress::Suppression>,
    /// Some of its documents could not be read.
    pub lost: bool,
}

/// Loads a file's documents and runs every per-object rule on them (no CRDs known).
pub fn check_file(file: &SourceFile, options: &Options) -> FileOutcome {
    let loaded = load::load(file, &options.limits);
    check_loaded(
        file,
        &loaded,
        options,
        no_crds(),
        &kustomize::Facts::default(),
    )
}

/// Runs every per-object rule and the schema validation on a loaded file, with what the run's
/// kustomizations say about it.
pub fn check_loaded(
    file: &SourceFile,
    loaded: &Loaded,
    options: &Options,
    crds: &Crds,
    facts: &kustomize::Facts,
) -> FileOutcome {
    let mut cx = Context::with_crds(file, options, crds);
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
        cx.report(diagnostic);
    }
    let (objects, kustomization) = walk_documents(file, loaded, &mut cx);
    FileOutcome {
        documents: loaded.documents.len(),
        diagnostics: prefer_specific(cx.into_diagnostics()),
        objects,
        kustomization,
        suppressions: crate::suppress::scan(file, &loaded.documents),
        lost: loaded.lost > 0,
    }
}

/// A loaded file only for the whole-repo index (a context file): its objects and kustomization,
/// without running the per-object rules.
pub fn index_loaded(file: &SourceFile, loaded: &Loaded, options: &Options) -> FileOutcome {
    let mut cx = Context::new(file, options);
    cx.context_only = true;
    let (objects, kustomization) = walk_documents(file, loaded, &mut cx);
    FileOutcome {
        documents: loaded.documents.len(),
        diagnostics: Vec::new(),
        objects,
        kustomization,
        // A whole-repo finding in this file may be reported (it points into a given file), and
        // then its suppressions apply as in a run over the whole repository.
        suppressions: crate::suppress::scan(file, &loaded.documents),
        lost: loaded.lost > 0,
    }
}

/// Reads every document's kustomization or objects for the index, running the per-object rules
/// unless the file is context only.
fn walk_documents(
    file: &SourceFile,
    loaded: &Loaded,
    cx: &mut Context<'_>,
) -> (Vec<ObjectSummary>, Option<Kustomization>) {
    let mut objects = Vec::new();
    let mut kustomization = None;
    for Document { index, root } in &loaded.documents {
        cx.document = Some(*index);
        if kustomization.is_none() && is_kustomization(file, root) {
            kustomization = Some(kustomize::read(root, cx));
            continue;
        }
        for object in objects_of(root, *index) {
            cx.object = Some(object.object_ref());
            if !cx.context_only {
                check_object(&object, cx);
            }
            if !object.is_tool_config() {
                objects.extend(summarize(&object, cx));
            }
        }
        cx.object = None;
    }
    (objects, kustomization)
}

/// A kustomization file: named as kustomize looks for it, and not some other object that
/// happens to have that name (a Flux `Kustomization` custom resource, say).
fn is_kustomization(file: &SourceFile, root: &crate::tree::Node) -> bool {
    kustomize::is_kustomization_file(std::path::Path::new(&file.name))
        && root
            .get("apiVersion")
            .and_then(|v| v.as_str())
            .is_none_or(|v| v.starts_with("kustomize.config.k8s.io/"))
}

fn check_object(object: &Object<'_>, cx: &mut Context<'_>) {
    if object.is_tool_config() {
        return;
    }
    rules::check_object(object, cx);
    schema::check(object, cx);
}

/// When a schema finding and a more specific rule's finding point at the same node (the label
/// `canary: yes` is both a wrong type and an invalid label value), only the specific one is kept:
/// it explains the problem better, and one problem should be one finding.
fn prefer_specific(diagnostics: Vec<Diagnostic>) -> Vec<Diagnostic> {
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
