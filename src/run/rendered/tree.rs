//! The rendered objects as trees of one virtual text: each file of a render laid end to end, so
//! that the checks, which read a [`Node`] tree of one file, run on them unchanged.

use crate::index::kustomize;
use crate::load::tree::{Entry, Node, Style, Value};
use crate::model::diagnostic::FileId;
use crate::model::source::SourceFile;
use crate::model::span::Span;
use crate::render::node::{Origin, RNode, RValue};
use foldhash::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The unit's files laid end to end: file `k` starts at `bases[k]` of the virtual text.
pub(super) struct Layout {
    pub(super) bases: Vec<u32>,
    /// The virtual text (moved into the unit's virtual file once laid out).
    pub(super) text: String,
    /// The run's id of each file of the render (`None`: not a file of the run).
    pub(super) ids: Vec<Option<FileId>>,
}

impl Layout {
    pub(super) fn new(files: &[Arc<SourceFile>], by_path: &HashMap<PathBuf, FileId>) -> Layout {
        let mut bases = Vec::with_capacity(files.len());
        let mut text = String::with_capacity(files.iter().map(|f| f.text.len() + 1).sum());
        for f in files {
            bases.push(text.len() as u32);
            text.push_str(&f.text);
            text.push('\n');
        }
        let ids = files
            .iter()
            .map(|f| {
                by_path
                    .get(&kustomize::normalize(Path::new(&f.name)))
                    .copied()
            })
            .collect();
        Layout { bases, text, ids }
    }

    pub(super) fn span(&self, origin: Origin) -> Span {
        let base = self.bases.get(origin.file as usize).copied().unwrap_or(0);
        Span {
            start: base + origin.span.start,
            end: base + origin.span.end,
        }
    }

    /// The render's file and the span in it of a virtual span.
    pub(super) fn origin(&self, span: Span) -> Option<Origin> {
        let k = self
            .bases
            .partition_point(|&b| b <= span.start)
            .checked_sub(1)?;
        let base = self.bases[k];
        Some(Origin {
            file: k as u32,
            span: Span {
                start: span.start - base,
                end: span.end.saturating_sub(base).max(span.start - base),
            },
        })
    }
}

/// A rendered node as a tree of the virtual text. The rendered node is consumed: its strings
/// move into the tree rather than being copied.
pub(super) fn to_node(r: RNode, layout: &Layout, text: &str) -> Node {
    let span = layout.span(r.origin);
    let written = text.get(span.range()).unwrap_or("");
    let first = written.as_bytes().first().copied();
    let (value, style) = match r.value {
        RValue::Null => (Value::Null, Style::Plain),
        RValue::Bool(b) => (Value::Bool(b), scalar_style(first)),
        RValue::Int(i) => (Value::Int(i), scalar_style(first)),
        RValue::Float(f) => (Value::Float(f), scalar_style(first)),
        RValue::Str(s) => (Value::Str(s), scalar_style(first)),
        RValue::Seq(items) => (
            Value::Seq(
                items
                    .into_iter()
                    .map(|n| to_node(n, layout, text))
                    .collect(),
            ),
            collection_style(first, b'['),
        ),
        RValue::Map(entries) => (
            Value::Map(
                entries
                    .into_iter()
                    .map(|(k, v)| {
                        let value = to_node(v, layout, text);
                        let key_span = key_span(text, value.span, &k).unwrap_or(Span {
                            start: value.span.start,
                            end: value.span.start,
                        });
                        Entry {
                            key: Node::new(Value::Str(k), key_span, Style::Plain),
                            value,
                        }
                    })
                    .collect(),
            ),
            collection_style(first, b'{'),
        ),
    };
    Node::new(value, span, style)
}

fn scalar_style(first: Option<u8>) -> Style {
    match first {
        Some(b'"') => Style::DoubleQuoted,
        Some(b'\'') => Style::SingleQuoted,
        Some(b'|') => Style::Literal,
        Some(b'>') => Style::Folded,
        _ => Style::Plain,
    }
}

fn collection_style(first: Option<u8>, flow: u8) -> Style {
    if first == Some(flow) {
        Style::Flow
    } else {
        Style::Block
    }
}

/// Where the key of a value is written, just before it (`key: value`, `"key":`): keys keep no
/// origin of their own in the rendered tree.
fn key_span(text: &str, value: Span, key: &str) -> Option<Span> {
    let before = text.get(..value.start as usize)?;
    let colon = before.trim_end_matches([' ', '\t', '\r', '\n']);
    let colon = colon.strip_suffix(':')?;
    for quote in ["", "\"", "'"] {
        let Some(rest) = colon
            .strip_suffix(quote)
            .and_then(|c| c.strip_suffix(key))
            .and_then(|c| c.strip_suffix(quote))
        else {
            continue;
        };
        let fits = rest
            .chars()
            .next_back()
            .is_none_or(|c| c.is_whitespace() || matches!(c, '{' | ',' | '-'));
        if fits {
            let len = colon.len() - rest.len();
            return Some(Span::new(rest.len(), rest.len() + len));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_spans_are_found_before_their_values() {
        let text = "a:\n  b: 1\n  \"c\": x\n";
        let b = Span::new(8, 9);
        assert_eq!(key_span(text, b, "b"), Some(Span::new(5, 6)));
        let c = Span::new(17, 18);
        assert_eq!(key_span(text, c, "c"), Some(Span::new(12, 15)));
        assert_eq!(key_span(text, c, "d"), None);
    }

    #[test]
    fn virtual_spans_map_back_to_their_file() {
        let files = vec![
            Arc::new(SourceFile::new(FileId(0), "a.yaml".into(), "abc\n".into())),
            Arc::new(SourceFile::new(FileId(1), "b.yaml".into(), "xyz\n".into())),
        ];
        let layout = Layout::new(&files, &HashMap::default());
        let o = Origin {
            file: 1,
            span: Span::new(1, 2),
        };
        let v = layout.span(o);
        assert_eq!(&layout.text[v.range()], "y");
        assert_eq!(layout.origin(v), Some(o));
    }
}
