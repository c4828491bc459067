//! The rule API: what a per-object rule (and the schema validator, and the kustomization reader)
//! sees besides the object — the file, the run's options, the facts handed in about the files
//! around it — and where it reports.

use crate::check::facts::{KustomizeFacts, ProjectFacts};
use crate::check::placeholder;
use crate::load::tree::{Node, Style};
use crate::model::KubeVersion;
use crate::model::diagnostic::{Diagnostic, Location, ObjectRef};
use crate::model::source::SourceFile;
use crate::model::span::Span;
use std::sync::Arc;

/// What a check needs of the run's options.
#[derive(Clone, Copy, Debug)]
pub struct CheckOptions {
    pub kubernetes_version: KubeVersion,
    /// Unknown fields are errors (kubectl's `--validate=strict`) rather than warnings.
    pub strict: bool,
}

impl Default for CheckOptions {
    fn default() -> CheckOptions {
        CheckOptions {
            kubernetes_version: KubeVersion::NEWEST,
            strict: true,
        }
    }
}

/// What a rule sees besides the object: where to report, the run's options, and what the files
/// around this one say about it.
pub struct Context<'a> {
    pub file: &'a SourceFile,
    pub options: &'a CheckOptions,
    /// The file is read only as context for the whole-repo checks: what it defines matters,
    /// what it mentions (service host names) cannot lead to a reported finding.
    pub context_only: bool,
    diagnostics: Vec<Diagnostic>,
    document: Option<u32>,
    object: Option<Arc<ObjectRef>>,
    /// What the run's kustomizations add to this file's objects in every build that includes
    /// it (labels on selectors and pod templates).
    pub kustomize: Option<&'a KustomizeFacts>,
    /// What the tool files near this one say about it (patch file, images tagged by tools).
    pub project: ProjectFacts,
    /// The placeholders reported as `unrendered-placeholder`: one finding a token.
    placeholders: Vec<Span>,
    /// [`Context::loc`] gives spans only (positions left at their default): the caller maps
    /// them into other files and computes the positions there (a rendered unit's summaries).
    pub spans_only: bool,
}

impl<'a> Context<'a> {
    pub fn new(file: &'a SourceFile, options: &'a CheckOptions) -> Context<'a> {
        Context {
            file,
            options,
            context_only: false,
            diagnostics: Vec::new(),
            document: None,
            object: None,
            kustomize: None,
            project: ProjectFacts::default(),
            placeholders: Vec::new(),
            spans_only: false,
        }
    }

    /// The findings made from now on belong to this document (`None`: to the file).
    pub fn set_document(&mut self, document: Option<u32>) {
        self.document = document;
    }

    /// The findings made from now on are about this object (`None`: about no object).
    pub fn set_object(&mut self, object: Option<Arc<ObjectRef>>) {
        self.object = object;
    }

    /// Whether the file holds patches (kustomize, kubeadm) rather than whole objects: rules about
    /// *missing* fields, or that rely on defaults, skip it.
    pub fn is_partial(&self) -> bool {
        self.project.is_patch
    }

    /// The labels every kustomize build that includes the file adds to selectors (`commonLabels`,
    /// `labels` with `includeSelectors`): kustomize creates `spec.selector.matchLabels` of a
    /// Deployment, ReplicaSet, DaemonSet or StatefulSet that has none, and adds them to the pod
    /// template, before the API server sees the object.
    pub fn kustomize_selector_labels(&self) -> &'a [(String, String)] {
        self.kustomize.map_or(&[], |f| f.selector_labels.as_slice())
    }

    /// The labels every kustomize build that includes the file adds to pod templates (selector
    /// labels included), each overriding a label the template sets itself.
    pub fn with_kustomize_template_labels(&self, labels: &mut Vec<(String, String)>) {
        let Some(f) = self.kustomize else { return };
        for (k, v) in f.template_labels.iter().chain(&f.selector_labels) {
            match labels.iter_mut().find(|(key, _)| key == k) {
                Some(entry) => entry.1 = v.clone(),
                None => labels.push((k.clone(), v.clone())),
            }
        }
    }

    pub fn loc(&self, span: Span) -> Location {
        if self.spans_only {
            return Location {
                file: self.file.id,
                span,
                start: Default::default(),
                end: Default::default(),
            };
        }
        self.file.location(span)
    }

    /// The source text of a node, for messages that quote what the user wrote.
    pub fn text(&self, span: Span) -> &str {
        self.file.slice(span)
    }

    /// Records a finding, tagged with the current document and object. A finding about the
    /// format of a value that is an unrendered placeholder is reported as that, once a token
    /// ([`placeholder`]).
    pub fn report(&mut self, mut diagnostic: Diagnostic) {
        if let Some(span) = placeholder::token_of(&diagnostic, &self.file.text) {
            if self.placeholders.contains(&span) {
                return;
            }
            self.placeholders.push(span);
            diagnostic = placeholder::instead_of(diagnostic, span, self);
        }
        if diagnostic.document.is_none() {
            diagnostic.document = self.document;
        }
        if diagnostic.object.is_none() {
            diagnostic.object = self.object.clone();
        }
        self.diagnostics.push(diagnostic);
    }

    /// The span of bytes `range` of a string scalar's value, when the source text holds the value
    /// verbatim (plain, or quoted without escapes or line folding); otherwise the whole node, so a
    /// caret never lands on the wrong character.
    pub fn span_within(&self, node: &Node, range: std::ops::Range<usize>) -> Span {
        self.spans_within(node, std::slice::from_ref(&range))[0]
    }

    /// [`Context::span_within`] of several ranges of one scalar, in ascending order, reading
    /// the scalar's text once (a dashboard's worth of text has many host names).
    pub fn spans_within(&self, node: &Node, ranges: &[std::ops::Range<usize>]) -> Vec<Span> {
        let cx = self;
        // Block scalars' spans run on to the next key; end at the last character of the value.
        let text = cx.text(node.span);
        let whole = node.span.sub(0, text.trim_end().len());
        let Some(value) = node.as_str() else {
            return vec![whole; ranges.len()];
        };
        let offset = match node.style {
            Style::Plain if text == value => 0,
            Style::SingleQuoted | Style::DoubleQuoted
                if text.len() >= 2 && text.get(1..text.len() - 1) == Some(value) =>
            {
                1
            }
            Style::Literal => {
                // From the start of the line the span starts on: the span starts at the `|` header
                // (the body follows on the next line) or at the first content character.
                let source = &cx.file.text;
                let start = node.span.start as usize;
                let line_start = source[..start].rfind('\n').map_or(0, |i| i + 1);
                let body_start = if source[start..].starts_with('|') {
                    match source[start..].find('\n') {
                        Some(i) => start + i + 1,
                        None => return vec![whole; ranges.len()],
                    }
                } else {
                    line_start
                };
                let end = (node.span.end as usize).max(body_start);
                return literal_offsets(&source[body_start..end], value, ranges)
                    .into_iter()
                    .zip(ranges)
                    .map(|(at, range)| {
                        at.map_or(whole, |at| {
                            Span::new(body_start + at, body_start + at + range.len())
                        })
                    })
                    .collect();
            }
            _ => return vec![whole; ranges.len()],
        };
        ranges
            .iter()
            .map(|range| {
                if range.end > value.len() || range.start > range.end {
                    whole
                } else {
                    node.span.sub(offset + range.start, range.end - range.start)
                }
            })
            .collect()
    }

    pub fn into_diagnostics(self) -> Vec<Diagnostic> {
        self.diagnostics
    }
}

/// Where bytes `range` of a literal block scalar's value (`|`) are in its `body` (the source
/// from the start of its first content line), when they lie on one line: the value is the
/// lines without their indentation, each ending in a
/// newline (chomping only touches the end). Checked against the value itself, so anything
/// unexpected (tabs, an indentation indicator, comments) gives `None`.
fn literal_offsets(
    body: &str,
    value: &str,
    ranges: &[std::ops::Range<usize>],
) -> Vec<Option<usize>> {
    let mut out = vec![None; ranges.len()];
    let Some(indent) = body
        .lines()
        .find(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start_matches(' ').len())
    else {
        return out;
    };
    // The ranges in ascending order of start, each mapped on the line that holds it.
    let mut order: Vec<usize> = (0..ranges.len()).collect();
    order.sort_by_key(|&i| ranges[i].start);
    let mut next = 0;
    let (mut source, mut at_value) = (0, 0);
    for line in body.split_inclusive('\n') {
        let content = line.trim_end_matches('\n');
        let stripped = content.get(indent..).unwrap_or("");
        let end = at_value + stripped.len();
        if value.get(at_value..end) != Some(stripped) {
            return out;
        }
        while let Some(&i) = order.get(next) {
            let range = &ranges[i];
            if range.start > end {
                break;
            }
            if range.start >= at_value && range.end <= end {
                out[i] = Some(source + indent + (range.start - at_value));
            }
            next += 1;
        }
        at_value = end + 1; // the newline
        source += line.len();
        if at_value > value.len() || next == order.len() {
            return out;
        }
    }
    out
}
