//! Where a finding on a rendered object is reported: its locations mapped back to the run's
//! files, and the related labels that show what an overlay changed of its base.

use super::tree::Layout;
use crate::index::kustomize;
use crate::load::tree::{Node, Value};
use crate::model::diagnostic::{Diagnostic, FileId, Label, Location};
use crate::model::source::SourceFile;
use crate::model::span::Span;
use crate::render::node::Origin;
use crate::run::Options;
use foldhash::HashMap;
use std::path::Path;
use std::sync::Arc;

/// Labels the values an overlay set inside a mapping or list a finding points at (the template
/// labels a patch changed): "set here, on top of base/api.yaml:11". At most three a finding.
/// `root` is the rendered object as a tree of the virtual text ([`super::tree::to_node`]).
pub(super) fn overlaid(
    mut d: Diagnostic,
    root: &Node,
    layout: &Layout,
    files: &[Arc<SourceFile>],
) -> Diagnostic {
    let mut added: Vec<Label> = Vec::new();
    for at in std::iter::once(&d.primary).chain(&d.secondary) {
        let Some(origin) = layout.origin(at.location.span) else {
            continue;
        };
        let Some(node) = find_node(root, at.location.span) else {
            continue;
        };
        if !matches!(node.value, Value::Map(_) | Value::Seq(_)) {
            continue;
        }
        let Some(file) = files.get(origin.file as usize) else {
            continue;
        };
        let on_top_of = format!(
            "{}:{}",
            display(&file.name),
            file.position(origin.span.start).line
        );
        let mut stack: Vec<&Node> = children(node).collect();
        while let Some(n) = stack.pop() {
            if added.len() >= 3 {
                break;
            }
            if layout.origin(n.span).map(|o| o.file) != Some(origin.file) {
                let span = n.span;
                if !added.iter().any(|l| l.location.span == span) && span != at.location.span {
                    let mut location = at.location;
                    location.span = span;
                    added.push(Label {
                        location,
                        message: format!("set here, on top of {on_top_of}").into(),
                    });
                }
            } else {
                stack.extend(children(n));
            }
        }
    }
    d.secondary.extend(added);
    d
}

fn children(node: &Node) -> impl Iterator<Item = &Node> {
    node.entries()
        .iter()
        .map(|e| &e.value)
        .chain(node.as_seq().unwrap_or_default())
        .rev()
}

/// The node of a rendered tree at the virtual span `span` (set at the origin it maps to).
fn find_node(node: &Node, span: Span) -> Option<&Node> {
    if node.span == span {
        return Some(node);
    }
    children(node).find_map(|c| find_node(c, span))
}

/// A render's origin as a location of the run's file.
pub(super) fn real_location(
    at: Origin,
    layout: &Layout,
    files: &[Arc<SourceFile>],
) -> Option<Location> {
    let id = layout.ids.get(at.file as usize).copied().flatten()?;
    let file = files.get(at.file as usize)?;
    Some(location_in(id, file, at.span))
}

pub(super) fn location_in(id: FileId, file: &SourceFile, span: Span) -> Location {
    let end = span.end.min(file.text.len() as u32);
    let span = Span {
        start: span.start.min(end),
        end,
    };
    // `location`'s end is counted from its start (on one line, most spans), not searched for.
    Location {
        file: id,
        ..file.location(span)
    }
}

/// A location of the virtual text as a location of the run's file it is in.
fn remap_location(at: Location, layout: &Layout, files: &[Arc<SourceFile>]) -> Option<Location> {
    real_location(layout.origin(at.span)?, layout, files)
}

/// A finding on the virtual text, pointed into the run's files (its document: the one of its
/// file the location is in). `None` when it points at a file the run does not have.
pub(super) fn remap(
    mut d: Diagnostic,
    layout: &Layout,
    files: &[Arc<SourceFile>],
) -> Option<Diagnostic> {
    let origin = layout.origin(d.primary.location.span)?;
    d.primary.location = remap_location(d.primary.location, layout, files)?;
    d.secondary = std::mem::take(&mut d.secondary)
        .into_iter()
        .filter_map(|l| {
            Some(Label {
                location: remap_location(l.location, layout, files)?,
                message: l.message,
            })
        })
        .collect();
    let text = &files[origin.file as usize].text;
    let at = d.primary.location.span.start as usize;
    // Numbered as the loader numbers documents: blank and comment-only ones do not count.
    let mut index = 0u32;
    for chunk in crate::load::split_documents(text) {
        let source = text.get(chunk.range.clone()).unwrap_or("");
        if at < chunk.range.start {
            break;
        }
        if at < chunk.range.end.max(chunk.range.start + 1) {
            break;
        }
        let blank = source
            .lines()
            .all(|l| l.trim().is_empty() || l.trim_start().starts_with('#'));
        index += u32::from(!blank);
    }
    d.document = Some(index);
    Some(d)
}

/// The related label of a finding an overlay makes on a value of its base: the base's value,
/// found by the path of the rendered node in the base's object as written. The base files are
/// loaded once a unit.
#[derive(Default)]
pub(super) struct Related {
    loaded: HashMap<u32, crate::load::Loaded>,
}

impl Related {
    pub(super) fn add(
        &mut self,
        mut d: Diagnostic,
        root: &Node,
        root_origin: Origin,
        layout: &Layout,
        files: &[Arc<SourceFile>],
        options: &Options,
    ) -> Diagnostic {
        let root_node = root;
        let root = root_origin;
        let Some(at) = layout.ids.get(root.file as usize).copied().flatten() else {
            return d;
        };
        if d.file() == at {
            return d;
        }
        // The rendered node at the finding, and its path from the object's root.
        let Some(k) = layout.ids.iter().position(|id| *id == Some(d.file())) else {
            return d;
        };
        let target = layout.span(Origin {
            file: k as u32,
            span: d.primary.location.span,
        });
        let mut path = Vec::new();
        if !find_path(root_node, target, &mut path) {
            return d;
        }
        let base_file = &files[root.file as usize];
        let loaded = self
            .loaded
            .entry(root.file)
            .or_insert_with(|| crate::load::load(base_file, &options.limits));
        let Some(doc) = loaded
            .documents
            .iter()
            .find(|doc| doc.root.span == root.span)
        else {
            return d;
        };
        let Some(base) = follow(&doc.root, &path) else {
            return d;
        };
        let changed_by = format!(
            "{}:{}",
            display(&files[k].name),
            d.primary.location.start.line
        );
        let location = Location {
            file: at,
            ..base_file.location(base.span)
        };
        d.secondary.push(Label {
            location,
            message: format!("the base's value, which {changed_by} replaces").into(),
        });
        d
    }
}

fn display(name: &str) -> String {
    kustomize::normalize(Path::new(name)).display().to_string()
}

/// One step from a node to a child: a key, or an item (with its `name`, matched first).
enum Step {
    Key(String),
    Item(usize, Option<String>),
}

/// The path from `node` to the node at the virtual span `target`.
fn find_path(node: &Node, target: Span, path: &mut Vec<Step>) -> bool {
    if node.span == target {
        return true;
    }
    match &node.value {
        Value::Map(entries) => {
            for e in entries {
                path.push(Step::Key(e.key.as_str().unwrap_or_default().to_owned()));
                if find_path(&e.value, target, path) {
                    return true;
                }
                path.pop();
            }
        }
        Value::Seq(items) => {
            for (i, v) in items.iter().enumerate() {
                let name = v.get("name").and_then(Node::as_str).map(str::to_owned);
                path.push(Step::Item(i, name));
                if find_path(v, target, path) {
                    return true;
                }
                path.pop();
            }
        }
        _ => {}
    }
    false
}

/// The node at `path` in a tree as written.
fn follow<'a>(node: &'a Node, path: &[Step]) -> Option<&'a Node> {
    path.iter().try_fold(node, |node, step| match step {
        Step::Key(k) => node.get(k),
        Step::Item(i, name) => {
            let items = node.as_seq()?;
            match name {
                Some(name) => items
                    .iter()
                    .find(|n| n.get("name").and_then(Node::as_str) == Some(name)),
                None => items.get(*i),
            }
        }
    })
}
