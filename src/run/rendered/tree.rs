//! The rendered objects as trees of one virtual text: each file of a render laid end to end, so
//! that the checks, which read a [`Node`] tree of one file, run on them unchanged.

use crate::index::kustomize;
use crate::load::tree::{Entry, Node, Style, Value};
use crate::model::diagnostic::FileId;
use crate::model::source::SourceFile;
use crate::model::span::Span;
use crate::render::node::{Origin, RNode, RValue};
use foldhash::HashSet;
use std::path::Path;
use std::sync::Arc;

/// The unit's files laid end to end: file `k` starts at `bases[k]` of the virtual text.
pub(super) struct Layout {
    pub(super) bases: Vec<u32>,
    /// The run's id of each file of the render (`None`: not a file of the run).
    pub(super) ids: Vec<Option<FileId>>,
}

impl Layout {
    pub(super) fn new(files: &[Arc<SourceFile>], by_path: &super::PathIds) -> Layout {
        let mut bases = Vec::with_capacity(files.len());
        let mut end = 0u32;
        for f in files {
            bases.push(end);
            end += f.text.len() as u32 + 1;
        }
        let ids = files
            .iter()
            .map(|f| {
                by_path
                    .get(kustomize::normalized_key(Path::new(&f.name)).as_slice())
                    .copied()
            })
            .collect();
        Layout { bases, ids }
    }

    /// The virtual text as a file named `name`, with the files' own line starts: made only
    /// for a unit with an object a step of the render changed (the others are checked in their
    /// own files, [`super::written`]), as copying a unit's files is most of its memory.
    pub(super) fn virtual_file(&self, files: &[Arc<SourceFile>], name: String) -> SourceFile {
        let mut text = String::with_capacity(files.iter().map(|f| f.text.len() + 1).sum());
        let mut line_starts =
            Vec::with_capacity(files.iter().map(|f| f.line_starts().len()).sum::<usize>() + 1);
        for (f, &base) in files.iter().zip(&self.bases) {
            debug_assert_eq!(base as usize, text.len());
            line_starts.extend(f.line_starts().iter().map(|s| base + s));
            text.push_str(&f.text);
            text.push('\n');
        }
        // The line after the last file's closing newline.
        line_starts.push(text.len() as u32);
        SourceFile::with_line_starts(FileId(u32::MAX), name, text, line_starts)
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

/// Whether the rendered node `r` is exactly the loaded node `n` of the render's file `file`:
/// every value where it was written and decoded alike (a plain `on` kubectl reads as a boolean
/// is the string "on" once rendered: not alike), every key a string. Then the checks of the
/// loaded node, in its own file, find what those of the rendered one would.
pub(super) fn unchanged(r: &RNode, n: &Node, file: u32) -> bool {
    if r.origin.file != file || r.origin.span != n.span {
        return false;
    }
    match (&r.value, &n.value) {
        (RValue::Null, Value::Null) => true,
        (RValue::Bool(a), Value::Bool(b)) => a == b,
        (RValue::Int(a), Value::Int(b)) => a == b,
        (RValue::Float(a), Value::Float(b)) => a.to_bits() == b.to_bits(),
        (RValue::Str(a), Value::Str(b)) => a == b,
        (RValue::Seq(a), Value::Seq(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| unchanged(x, y, file))
        }
        (RValue::Map(a), Value::Map(b)) => {
            a.len() == b.len()
                && a.iter().zip(b).all(|((key, x), e)| {
                    matches!(&e.key.value, Value::Str(k) if k == key)
                        && unchanged(x, &e.value, file)
                })
        }
        _ => false,
    }
}

/// What stands for each file of a render in a [`digest`]: its run id when another unit reads
/// it too (`shared`), else `None`: an object holding a value of a file only this unit reads (an
/// overlay's patch, its `namePrefix`) is this unit's own, and its digest is not needed.
pub(super) fn file_keys(layout: &Layout, shared: &HashSet<FileId>) -> Vec<Option<u64>> {
    layout
        .ids
        .iter()
        .map(|id| {
            id.filter(|id| shared.contains(id))
                .map(|id| u64::from(id.0))
        })
        .collect()
}

/// A 128-bit digest of a rendered object: its values, and the file and span each came from
/// (files by their run id). Two units that render one base object the same way (an overlay
/// that leaves it alone) give it one digest, and their checks of it find the same things, at
/// the same places. `files`: [`file_keys`]; `None` when a value comes from a file no other
/// unit reads (no other unit can render the object alike), found as soon as the walk meets it.
pub(super) fn digest(r: &RNode, files: &[Option<u64>]) -> Option<u128> {
    use std::hash::{BuildHasher, Hasher};
    /// Two hashers of different seeds fed the same words: 128 bits, in one walk.
    struct Two<H>(H, H);
    impl<H: Hasher> Two<H> {
        #[inline]
        fn word(&mut self, x: u64) {
            self.0.write_u64(x);
            self.1.write_u64(x);
        }
        #[inline]
        fn bytes(&mut self, s: &str) {
            self.0.write(s.as_bytes());
            self.1.write(s.as_bytes());
            self.word(s.len() as u64);
        }
    }
    /// `None`: a value of a file only this unit reads.
    fn walk<H: Hasher>(r: &RNode, keys: &[Option<u64>], h: &mut Two<H>) -> Option<()> {
        // Per node two words: the file and what the node is, then its span.
        let file = (*keys.get(r.origin.file as usize)?)?;
        let (tag, len) = match &r.value {
            RValue::Null => (0, 0),
            RValue::Bool(b) => (1 + u64::from(*b), 0),
            RValue::Int(_) => (3, 0),
            RValue::Float(_) => (4, 0),
            RValue::Str(s) => (5, s.len()),
            RValue::Seq(items) => (6, items.len()),
            RValue::Map(entries) => (7, entries.len()),
        };
        h.word(file.rotate_left(24) ^ tag ^ (len as u64) << 3);
        h.word(u64::from(r.origin.span.start) << 32 | u64::from(r.origin.span.end));
        match &r.value {
            RValue::Int(i) => {
                h.word(*i as u64);
                h.word((*i >> 64) as u64);
            }
            RValue::Float(f) => h.word(f.to_bits()),
            RValue::Str(s) => h.bytes(s),
            RValue::Seq(items) => {
                for item in items {
                    walk(item, keys, h)?;
                }
            }
            RValue::Map(entries) => {
                for (k, v) in entries {
                    h.bytes(k);
                    walk(v, keys, h)?;
                }
            }
            RValue::Null | RValue::Bool(_) => {}
        }
        Some(())
    }
    let mut h = Two(
        foldhash::quality::FixedState::with_seed(0x6b75_6265_7665_7401).build_hasher(),
        foldhash::quality::FixedState::with_seed(0x6b75_6265_7665_7402).build_hasher(),
    );
    walk(r, files, &mut h)?;
    Some(u128::from(h.0.finish()) << 64 | u128::from(h.1.finish()))
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
        let layout = Layout::new(&files, &super::super::PathIds::default());
        let o = Origin {
            file: 1,
            span: Span::new(1, 2),
        };
        let v = layout.span(o);
        let text = layout.virtual_file(&files, "unit".into()).text;
        assert_eq!(&text[v.range()], "y");
        assert_eq!(layout.origin(v), Some(o));
    }

    #[test]
    fn digests_tell_objects_apart_by_value_and_by_origin() {
        let at = |file: u32, start: u32| Origin {
            file,
            span: Span::new(start as usize, start as usize + 3),
        };
        // A base object of render file `file`, its name at `name_at`.
        let object = |name: &str, file: u32, name_at: u32| {
            let mut root = RNode::map(at(file, 0));
            root.set("kind", RNode::str("Job", at(file, 6)));
            let mut metadata = RNode::map(at(file, 20));
            metadata.set("name", RNode::str(name, at(file, name_at)));
            root.set("metadata", metadata);
            root
        };
        // Two renders that read the base as their file 0 and 1: one run file, one digest.
        let (first, second) = ([Some(7), Some(9)], [Some(9), Some(7)]);
        let base = digest(&object("web", 0, 30), &first);
        assert_eq!(digest(&object("web", 1, 30), &second), base);
        // Another value, another file or another place of the same value: another digest.
        assert_ne!(digest(&object("api", 0, 30), &first), base);
        assert_ne!(digest(&object("web", 1, 30), &first), base);
        assert_ne!(digest(&object("web", 0, 31), &first), base);
        // The values of a map are its entries' values, keys included.
        let mut renamed = object("web", 0, 30);
        if let RValue::Map(entries) = &mut renamed.value {
            entries[0].0 = "kinds".into();
        }
        assert_ne!(digest(&renamed, &first), base);
        // A value of a file only this unit reads (file 1 here): no digest.
        let only_here = [Some(7), None];
        assert!(digest(&object("web", 0, 30), &only_here).is_some());
        let mut patched = object("web", 0, 30);
        patched.set("spec", RNode::str("x", at(1, 40)));
        assert_eq!(digest(&patched, &only_here), None);
        assert!(digest(&patched, &first).is_some());
    }
}
