//! A file's text plus the line index that turns byte offsets into line and column.

use crate::model::diagnostic::{FileId, Location, Position};
use crate::model::span::Span;

pub struct SourceFile {
    pub id: FileId,
    /// The path as the user gave it (or `--stdin-filename`), for output.
    pub name: String,
    pub text: String,
    line_starts: Vec<u32>,
    /// Whether a decoded value may hold a placeholder ([`SourceFile::may_hold_placeholders`]).
    placeholders: std::sync::OnceLock<bool>,
}

impl SourceFile {
    pub fn new(id: FileId, name: String, text: String) -> SourceFile {
        let line_starts = std::iter::once(0)
            .chain(memchr_newlines(&text).map(|i| i as u32 + 1))
            .collect();
        SourceFile {
            id,
            name,
            text,
            line_starts,
            placeholders: std::sync::OnceLock::new(),
        }
    }

    /// A file whose line starts are known already (a text laid together from files whose
    /// [`SourceFile::line_starts`] are): `line_starts` must be those [`SourceFile::new`] finds.
    pub fn with_line_starts(
        id: FileId,
        name: String,
        text: String,
        line_starts: Vec<u32>,
    ) -> SourceFile {
        debug_assert!(
            line_starts
                .iter()
                .copied()
                .eq(std::iter::once(0).chain(memchr_newlines(&text).map(|i| i as u32 + 1)))
        );
        SourceFile {
            id,
            name,
            text,
            line_starts,
            placeholders: std::sync::OnceLock::new(),
        }
    }

    /// Whether a value decoded from this text may hold a placeholder, found once by `scan`
    /// (`k8s::placeholder::may_occur`): most files hold none, and a rule that looks for them
    /// in many fields of every object can then stop before it starts.
    pub fn may_hold_placeholders(&self, scan: fn(&str) -> bool) -> bool {
        *self.placeholders.get_or_init(|| scan(&self.text))
    }

    /// The byte offset where each line starts (the first is 0).
    pub fn line_starts(&self) -> &[u32] {
        &self.line_starts
    }

    /// 1-based line and character column of a byte offset (clamped to the text and snapped back
    /// to a character boundary).
    pub fn position(&self, offset: u32) -> Position {
        let mut offset = (offset as usize).min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.line_starts.partition_point(|&s| s as usize <= offset) - 1;
        let line_start = self.line_starts[line] as usize;
        let column = self.text[line_start..offset].chars().count();
        Position {
            line: line as u32 + 1,
            column: column as u32 + 1,
        }
    }

    pub fn location(&self, span: Span) -> Location {
        let start = self.position(span.start);
        Location {
            file: self.id,
            span,
            start,
            end: self.position_after(start, span.start, span.end),
        }
    }

    /// [`SourceFile::position`] of `offset`, knowing the position of an earlier offset `from`:
    /// on the same line (most spans), only the characters between them are counted.
    fn position_after(&self, from_position: Position, from: u32, offset: u32) -> Position {
        let next_line = self
            .line_starts
            .get(from_position.line as usize)
            .map_or(self.text.len(), |&s| s as usize);
        let (from, to) = (from as usize, offset as usize);
        if from > to || to >= next_line || to > self.text.len() {
            return self.position(offset);
        }
        match self.text.get(from..to) {
            Some(between) => Position {
                line: from_position.line,
                column: from_position.column + between.chars().count() as u32,
            },
            // (Not at character boundaries: as `position` snaps them.)
            None => self.position(offset),
        }
    }

    /// The source text of a span.
    pub fn slice(&self, span: Span) -> &str {
        self.text.get(span.range()).unwrap_or("")
    }
}

fn memchr_newlines(text: &str) -> impl Iterator<Item = usize> + '_ {
    memchr::memchr_iter(b'\n', text.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_characters() {
        let f = SourceFile::new(FileId(0), "x".into(), "ab\nçé: x\n".into());
        assert_eq!(f.position(0), Position { line: 1, column: 1 });
        assert_eq!(f.position(3), Position { line: 2, column: 1 });
        // "çé" is 4 bytes: ':' is byte 7 but column 3.
        assert_eq!(f.position(7), Position { line: 2, column: 3 });
        // Inside a multi-byte character snaps back to its start.
        assert_eq!(f.position(4), Position { line: 2, column: 1 });
        assert_eq!(f.position(1000), Position { line: 3, column: 1 });
    }

    #[test]
    fn locations_end_where_positions_say() {
        let f = SourceFile::new(FileId(0), "x".into(), "ab\nçé: x\nlast".into());
        let len = f.text.len() as u32;
        for start in 0..=len {
            for end in start..=len + 2 {
                let l = f.location(Span::new(start as usize, end as usize));
                assert_eq!(l.start, f.position(start), "{start}..{end}");
                assert_eq!(l.end, f.position(end), "{start}..{end}");
            }
        }
    }
}
