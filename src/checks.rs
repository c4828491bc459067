//! Per-file stage: read → load → objects → per-object rules. Runs in parallel, one file a task.

use crate::Options;
use crate::diagnostics::{Diagnostic, Location, ObjectRef};
use crate::index::summary::{ObjectSummary, summarize};
use crate::kustomize::{self, Kustomization};
use crate::load::{self, Document};
use crate::object::{Object, objects_of};
use crate::rules;
use crate::source::SourceFile;
use crate::tree::Span;

/// What a rule sees besides the object: where to report, and the run's options.
pub struct Context<'a> {
    pub file: &'a SourceFile,
    pub options: &'a Options,
    /// The file is read only as context for the whole-repo checks: what it defines matters,
    /// what it mentions (service host names) cannot lead to a reported finding.
    pub context_only: bool,
    diagnostics: Vec<Diagnostic>,
    document: Option<u32>,
    object: Option<ObjectRef>,
}

impl<'a> Context<'a> {
    pub fn new(file: &'a SourceFile, options: &'a Options) -> Context<'a> {
        Context {
            file,
            options,
            context_only: false,
            diagnostics: Vec::new(),
            document: None,
            object: None,
        }
    }

    pub fn loc(&self, span: Span) -> Location {
        self.file.location(span)
    }

    /// The source text of a node, for messages that quote what the user wrote.
    pub fn text(&self, span: Span) -> &str {
        self.file.slice(span)
    }

    /// Records a finding, tagged with the current document and object.
    pub fn report(&mut self, mut diagnostic: Diagnostic) {
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
}

/// Loads a file's documents and runs every per-object rule on them.
pub fn check_file(file: &SourceFile, options: &Options) -> FileOutcome {
    let loaded = load::load(file, &options.limits);
    let mut cx = Context::new(file, options);
    for diagnostic in loaded.diagnostics {
        cx.report(diagnostic);
    }
    let mut objects = Vec::new();
    let mut kustomization = None;
    for Document { index, root } in &loaded.documents {
        cx.document = Some(*index);
        if kustomization.is_none() && is_kustomization(file, root) {
            kustomization = Some(kustomize::read(root, &mut cx));
            continue;
        }
        for object in objects_of(root, *index) {
            cx.object = Some(object.object_ref());
            check_object(&object, &mut cx);
            if !object.is_tool_config() {
                objects.extend(summarize(&object, &cx));
            }
        }
        cx.object = None;
    }
    FileOutcome {
        documents: loaded.documents.len(),
        diagnostics: cx.into_diagnostics(),
        objects,
        kustomization,
        suppressions: crate::suppress::scan(file, &loaded.documents),
    }
}

/// Loads a file only for the whole-repo index (a context file): its objects and kustomization,
/// without running the per-object rules.
pub fn index_file(file: &SourceFile, options: &Options) -> FileOutcome {
    let loaded = load::load(file, &options.limits);
    let mut cx = Context::new(file, options);
    cx.context_only = true;
    let mut objects = Vec::new();
    let mut kustomization = None;
    for Document { index, root } in &loaded.documents {
        cx.document = Some(*index);
        if kustomization.is_none() && is_kustomization(file, root) {
            kustomization = Some(kustomize::read(root, &mut cx));
            continue;
        }
        for object in objects_of(root, *index) {
            if !object.is_tool_config() {
                objects.extend(summarize(&object, &cx));
            }
        }
    }
    FileOutcome {
        documents: loaded.documents.len(),
        diagnostics: Vec::new(),
        objects,
        kustomization,
        // A whole-repo finding in this file may be reported (it points into a given file), and
        // then its suppressions apply as in a run over the whole repository.
        suppressions: crate::suppress::scan(file, &loaded.documents),
    }
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
}
