//! Per-file stage: read → load → objects → per-object rules. Runs in parallel, one file a task.

use crate::Options;
use crate::diagnostics::{Diagnostic, Location, ObjectRef};
use crate::load::{self, Document};
use crate::object::{Object, objects_of};
use crate::rules;
use crate::source::SourceFile;
use crate::tree::Span;

/// What a rule sees besides the object: where to report, and the run's options.
pub struct Context<'a> {
    pub file: &'a SourceFile,
    pub options: &'a Options,
    diagnostics: Vec<Diagnostic>,
    document: Option<u32>,
    object: Option<ObjectRef>,
}

impl<'a> Context<'a> {
    pub fn new(file: &'a SourceFile, options: &'a Options) -> Context<'a> {
        Context {
            file,
            options,
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
}

/// Loads a file's documents and runs every per-object rule on them.
pub fn check_file(file: &SourceFile, options: &Options) -> FileOutcome {
    let loaded = load::load(file, &options.limits);
    let mut cx = Context::new(file, options);
    for diagnostic in loaded.diagnostics {
        cx.report(diagnostic);
    }
    for Document { index, root } in &loaded.documents {
        cx.document = Some(*index);
        for object in objects_of(root, *index) {
            cx.object = Some(object.object_ref());
            check_object(&object, &mut cx);
        }
        cx.object = None;
    }
    FileOutcome {
        documents: loaded.documents.len(),
        diagnostics: cx.into_diagnostics(),
    }
}

fn check_object(object: &Object<'_>, cx: &mut Context<'_>) {
    if object.is_tool_config() {
        return;
    }
    rules::check_object(object, cx);
}
