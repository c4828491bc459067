//! Where the nodes of an inline patch are in the kustomization.
//!
//! An inline patch (`patch: |-` and its lines) is parsed as a text of its own, so its nodes'
//! spans are offsets in that text. A literal block scalar holds its lines as written, less their
//! indentation: each line of the text is a line of the kustomization, shifted right by the
//! block's indentation. [`InlineMap`] maps the text's offsets back, so a finding in a patch
//! points at its exact line; a scalar written another way (quoted, folded, with tabs) keeps
//! every node at the whole patch.

use super::node::{Origin, RNode, RValue};
use crate::load::tree::{Node, Style};
use crate::model::span::Span;

/// The kustomization offset of each line of an inline text.
pub(crate) struct InlineMap {
    /// (offset of the line in the text, offset of the same characters in the file).
    lines: Vec<(u32, u32)>,
}

impl InlineMap {
    /// The map of a literal block scalar whose value is `text`, written in `file`; `None` when
    /// the lines do not reappear exactly.
    pub(crate) fn new(node: &Node, text: &str, file: &str) -> Option<InlineMap> {
        if node.style != Style::Literal {
            return None;
        }
        // The span starts at the first line's text: the block's indentation is its column.
        let start = node.span.start as usize;
        let line_start = file.get(..start)?.rfind('\n').map_or(0, |i| i + 1);
        let indent = start - line_start;
        // An explicit indentation indicator (`|2-`) is rare: left to the whole-patch origin.
        let header_start = file[..line_start.saturating_sub(1)]
            .rfind('\n')
            .map_or(0, |i| i + 1);
        let header = &file[header_start..line_start];
        let indicator = header.rfind('|')?;
        if header[indicator..].bytes().any(|b| b.is_ascii_digit()) {
            return None;
        }
        let mut file_at = line_start;
        let mut lines = Vec::new();
        let mut text_at = 0usize;
        let count = text.split('\n').count();
        for (i, line) in text.split('\n').enumerate() {
            if i + 1 == count && line.is_empty() {
                // The final line break of a kept (`|`) block: nothing to point at.
                lines.push((text_at as u32, file_at.min(file.len()) as u32));
                break;
            }
            let rest = file.get(file_at..)?;
            let file_line = rest.split('\n').next().unwrap_or("");
            let skip = file_line
                .bytes()
                .take(indent)
                .take_while(|b| *b == b' ')
                .count();
            if file_line[skip..].trim_end_matches('\r') != line {
                return None;
            }
            lines.push((text_at as u32, (file_at + skip) as u32));
            text_at += line.len() + 1;
            file_at += file_line.len() + 1;
        }
        Some(InlineMap { lines })
    }

    fn offset(&self, at: u32) -> u32 {
        let i = self
            .lines
            .partition_point(|(t, _)| *t <= at)
            .saturating_sub(1);
        let (t, f) = self.lines[i];
        f + (at - t)
    }

    fn span(&self, span: Span) -> Span {
        Span {
            start: self.offset(span.start),
            end: self.offset(span.end),
        }
    }
}

/// Points every node of an inline patch at the kustomization: at its own place when the
/// patch's lines can be mapped, else at the whole patch.
pub(crate) fn locate(node: &mut RNode, at: Origin, map: Option<&InlineMap>) {
    node.origin = match map {
        Some(map) => Origin {
            file: at.file,
            span: map.span(node.origin.span),
        },
        None => at,
    };
    match &mut node.value {
        RValue::Seq(items) => items.iter_mut().for_each(|i| locate(i, at, map)),
        RValue::Map(entries) => entries.iter_mut().for_each(|(_, v)| locate(v, at, map)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::diagnostic::FileId;
    use crate::model::source::SourceFile;

    /// The map of the block scalar at `key` in `text`, and the scalar's value.
    fn map_of(text: &str, key: &str) -> (Option<InlineMap>, String) {
        let file = SourceFile::new(FileId(0), "k.yaml".into(), text.to_owned());
        let loaded = crate::load::load(&file, &Default::default());
        let node = loaded.documents[0].root.get(key).unwrap().clone();
        let value = match &node.value {
            crate::load::tree::Value::Str(s) => s.clone(),
            other => panic!("{other:?}"),
        };
        (InlineMap::new(&node, &value, text), value)
    }

    #[test]
    fn a_literal_block_maps_each_line_back() {
        let text = "patch: |-\n  kind: Service\n\n  spec:\n    port: 80\nnext: 1\n";
        let (map, value) = map_of(text, "patch");
        let map = map.expect("a literal block maps");
        let at = value.find("80").unwrap() as u32;
        let span = map.span(Span {
            start: at,
            end: at + 2,
        });
        assert_eq!(&text[span.start as usize..span.end as usize], "80");
        let at = value.find("spec").unwrap() as u32;
        assert_eq!(&text[map.offset(at) as usize..][..4], "spec");
    }

    #[test]
    fn a_kept_final_line_break_maps() {
        let text = "patch: |\n    a: 1\n    b: 2\n";
        let (map, value) = map_of(text, "patch");
        let map = map.expect("a literal block maps");
        let at = value.find('2').unwrap() as u32;
        assert_eq!(&text[map.offset(at) as usize..][..1], "2");
    }

    #[test]
    fn other_scalars_keep_the_whole_patch() {
        // An explicit indentation indicator, a folded block, a quoted scalar.
        for text in [
            "patch: |2-\n    a: 1\n",
            "patch: >-\n  a: 1\n",
            "patch: \"a: 1\"\n",
        ] {
            assert!(map_of(text, "patch").0.is_none(), "{text}");
        }
    }
}
