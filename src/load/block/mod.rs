//! The fast path of loading: the YAML that Kubernetes manifests are nearly always written in.
//!
//! Block mappings and sequences, one-line plain and quoted scalars, literal and folded block
//! scalars, one-line flow collections (`[a, "b"]`, `{name: app, ports: [{containerPort: 80}]}`),
//! and comments. For such a document it
//! builds exactly the tree the general loader (go-yaml's grammar, events folded by `Builder`) builds:
//! the same values, styles and spans. On anything else (anchors, aliases, tags, multi-line plain,
//! quoted or flow scalars, escapes, tabs, CR, non-ASCII text, duplicate or `<<` keys, limits,
//! errors) it gives up with `None`, and the document is loaded by the general loader: a give-up
//! costs a little time, never a difference in what is reported.
//!
//! Why: the general scanner goes character by character through a queue of tokens (with
//! libyaml's look-ahead for simple keys), which was two thirds of loading and a third of a whole
//! check; this scanner looks at each byte about once.
//! `tests/load_fast_path.rs` compares the two loaders on every fixture, on real repositories and
//! on generated documents, and the `load` fuzz target compares them on arbitrary input.

mod nested;

use super::Limits;
use crate::load::resolve::resolve_non_string;
use crate::load::tree::{Entry, Node, Style, Value};
use crate::model::span::Span;

/// Parses one document chunk (as split by [`super::split_documents`]); `offset` is the chunk's
/// byte offset in the file. `None`: not in the fast path's subset; use the general loader.
pub(super) fn parse(chunk: &str, offset: usize, limits: &Limits) -> Option<Node> {
    // Printable ASCII and line feeds only: no tabs, CR, control characters or Unicode, whose
    // treatment (indentation, line breaks, character positions) is left to the general loader.
    // In blocks without an early exit, so that the compiler vectorises the test.
    let plain_ascii = chunk.as_bytes().chunks(64).all(|block| {
        block.iter().fold(true, |ok, &b| {
            ok & ((0x20..0x7f).contains(&b) | (b == b'\n'))
        })
    });
    if !plain_ascii {
        return None;
    }
    let mut parser = Parser {
        text: chunk,
        src: chunk.as_bytes(),
        offset,
        limits,
        nodes: 0,
        pos: 0,
        scratch: SCRATCH.with(std::cell::Cell::take),
    };
    let document = parser.document();
    let mut scratch = parser.scratch;
    scratch.clear();
    SCRATCH.with(|s| s.set(scratch));
    document
}

thread_local! {
    /// The parsers' stack of mapping entries, kept between documents ([`Parser::scratch`]).
    static SCRATCH: std::cell::Cell<Vec<Entry>> = const { std::cell::Cell::new(Vec::new()) };
}

/// One line of the chunk. Indices are into the chunk.
#[derive(Clone, Copy)]
struct Line {
    start: usize,
    /// Column of `content` (only spaces precede it on the line).
    indent: usize,
    /// First byte of the content looked at (after the indentation, or after a `- `).
    content: usize,
    /// The line feed ending the line, or the end of the chunk.
    end: usize,
}

impl Line {
    fn next(&self) -> usize {
        self.end + 1
    }
}

struct Parser<'a> {
    /// The chunk, all ASCII: any byte range of it is a `str` without a UTF-8 check.
    text: &'a str,
    src: &'a [u8],
    offset: usize,
    limits: &'a Limits,
    nodes: usize,
    /// Start of the first line not yet consumed.
    pos: usize,
    /// The entries of the mappings being read, innermost last: a mapping's entries are moved
    /// into a vector of exactly their number when it ends (one allocation, no growth: 96 bytes
    /// an entry, and most mappings have 1 to 6).
    scratch: Vec<Entry>,
}

impl Parser<'_> {
    fn byte(&self, i: usize) -> Option<u8> {
        self.src.get(i).copied()
    }

    /// Whether `i` ends a token: a space, the end of the line or of the chunk.
    fn is_break_or_space(&self, i: usize) -> bool {
        matches!(self.byte(i), None | Some(b' ' | b'\n'))
    }

    fn line_at(&self, start: usize) -> Line {
        let rest = &self.src[start..];
        let end = memchr::memchr(b'\n', rest).map_or(self.src.len(), |i| start + i);
        let indent = rest[..end - start]
            .iter()
            .position(|&b| b != b' ')
            .unwrap_or(end - start);
        Line {
            start,
            indent,
            content: start + indent,
            end,
        }
    }

    /// The next line with content at or after `pos`, skipping blank and comment lines.
    /// `None` (give up) on a line the fast path does not take anywhere: a document end marker
    /// or a directive-looking line at column 0.
    fn next_content(&self, mut pos: usize) -> Option<Option<Line>> {
        while pos < self.src.len() {
            let line = self.line_at(pos);
            if line.content < line.end && self.src[line.content] != b'#' {
                if line.indent == 0 {
                    let rest = &self.src[line.content..line.end];
                    if rest.starts_with(b"---") || rest.starts_with(b"...") {
                        return None;
                    }
                }
                return Some(Some(line));
            }
            pos = line.next();
        }
        Some(None)
    }

    fn span(&self, start: usize, end: usize) -> Span {
        Span::new(self.offset + start, self.offset + end)
    }

    fn count_node(&mut self) -> Option<()> {
        self.nodes += 1;
        (self.nodes < self.limits.max_nodes_per_document).then_some(())
    }

    fn document(&mut self) -> Option<Node> {
        // An optional `---` marker line (with at most a comment), among blank and comment lines.
        let mut pos = 0;
        let mut marker_seen = false;
        while pos < self.src.len() {
            let line = self.line_at(pos);
            let rest = &self.src[line.content..line.end];
            if rest.is_empty() || rest[0] == b'#' {
                pos = line.next();
                continue;
            }
            if line.indent == 0 && rest.starts_with(b"---") && !marker_seen {
                let after = &rest[3..];
                let trimmed = after.trim_ascii_start();
                let comment_only = trimmed.is_empty() || (trimmed[0] == b'#' && after[0] == b' ');
                if !comment_only {
                    return None;
                }
                marker_seen = true;
                pos = line.next();
                continue;
            }
            break;
        }
        let first = self.next_content(pos)??;
        let root = self.block_node(first, 0)?;
        // Nothing but blank and comment lines may follow the root.
        if self.next_content(self.pos)?.is_some() {
            return None;
        }
        Some(root)
    }

    fn is_sequence_entry(&self, line: &Line) -> bool {
        self.byte(line.content) == Some(b'-') && self.is_break_or_space(line.content + 1)
    }

    /// A block mapping or sequence starting on `line`.
    fn block_node(&mut self, line: Line, depth: usize) -> Option<Node> {
        if self.is_sequence_entry(&line) {
            return self.sequence(line, depth);
        }
        let (key, after_colon) = self.key(&line)??;
        self.mapping(line, key, after_colon, depth)
    }

    /// A plain or quoted key at `line.content`, followed by `:` and a space or the line's end.
    /// `Some(None)`: the line is not a key; `None`: give up.
    fn key(&mut self, line: &Line) -> Option<Option<(Node, usize)>> {
        let start = line.content;
        let (node, colon) = match self.src[start] {
            b'"' | b'\'' => {
                let (node, end) = self.quoted(start, line.end)?;
                if self.byte(end) != Some(b':') {
                    return Some(None);
                }
                // YAML caps simple keys at 1024 characters: very long ones go the long way.
                if end - start > 1000 {
                    return None;
                }
                (node, end)
            }
            b'[' | b'{' => return Some(None),
            first => {
                if !self.may_start_plain(start, first) {
                    return None;
                }
                let line_bytes = &self.src[start..line.end];
                let mut colon = None;
                for (i, &b) in line_bytes.iter().enumerate() {
                    match b {
                        b':' if self.is_break_or_space(start + i + 1) => {
                            colon = Some(start + i);
                            break;
                        }
                        b'#' if line_bytes[i - 1] == b' ' => return Some(None),
                        _ => {}
                    }
                }
                let Some(colon) = colon else {
                    return Some(None);
                };
                let text = &self.text[start..colon];
                // `key :` (a space before the colon), very long keys (YAML caps simple keys at
                // 1024 characters), `<<` merges and keys that are not strings go the long way.
                if text.ends_with(' ') || text.len() > 1000 || text == "<<" {
                    return None;
                }
                if resolve_non_string(text).is_some() {
                    return None;
                }
                (
                    Node::new(
                        Value::Str(text.to_owned()),
                        self.span(start, colon),
                        Style::Plain,
                    ),
                    colon,
                )
            }
        };
        if !self.is_break_or_space(colon + 1) {
            return None;
        }
        self.count_node()?;
        Some(Some((node, colon + 1)))
    }

    /// Whether a plain scalar may start with `first` at `at` (YAML's indicator rules).
    fn may_start_plain(&self, at: usize, first: u8) -> bool {
        match first {
            b'-' | b'?' | b':' => !self.is_break_or_space(at + 1),
            b',' | b'[' | b']' | b'{' | b'}' | b'#' | b'&' | b'*' | b'!' | b'|' | b'>' | b'\''
            | b'"' | b'%' | b'@' | b'`' => false,
            _ => true,
        }
    }

    /// A one-line quoted scalar opening at `start`, and the index after its closing quote.
    /// Escapes in double quotes, and line breaks, give up.
    fn quoted(&self, start: usize, line_end: usize) -> Option<(Node, usize)> {
        let quote = self.src[start];
        let mut text = String::new();
        let mut i = start + 1;
        let mut run = i;
        while i < line_end {
            match self.src[i] {
                b'\\' if quote == b'"' => return None,
                b'\'' if quote == b'\'' && self.byte(i + 1) == Some(b'\'') => {
                    text.push_str(&self.text[run..=i]);
                    i += 2;
                    run = i;
                }
                b if b == quote => {
                    text.push_str(&self.text[run..i]);
                    let style = if quote == b'"' {
                        Style::DoubleQuoted
                    } else {
                        Style::SingleQuoted
                    };
                    let node = Node::new(Value::Str(text), self.span(start, i + 1), style);
                    return Some((node, i + 1));
                }
                _ => i += 1,
            }
        }
        None
    }

    /// The rest of a line after a value: spaces, then nothing or a comment.
    fn only_comment_after(&self, value_end: usize, line_end: usize) -> bool {
        let i = self.skip_spaces(value_end, line_end);
        i == line_end || (self.src[i] == b'#' && i > value_end)
    }

    /// A block mapping whose first key (already read) is on `line`.
    fn mapping(
        &mut self,
        first_line: Line,
        first_key: Node,
        after_colon: usize,
        depth: usize,
    ) -> Option<Node> {
        if depth + 2 >= self.limits.max_depth {
            return None;
        }
        self.count_node()?;
        let base = self.scratch.len();
        let Some(end) = self.mapping_entries(first_line, first_key, after_colon, depth, base)
        else {
            self.scratch.truncate(base);
            return None;
        };
        let entries: Vec<Entry> = self.scratch.split_off(base);
        Some(Node::new(
            Value::Map(entries),
            Span::new(self.offset + first_line.content, end),
            Style::Block,
        ))
    }

    /// [`Parser::mapping`]'s entries, pushed on the scratch above `base`; where the last ends.
    fn mapping_entries(
        &mut self,
        first_line: Line,
        first_key: Node,
        after_colon: usize,
        depth: usize,
        base: usize,
    ) -> Option<usize> {
        let indent = first_line.indent;
        let (mut line, mut key, mut after_colon) = (first_line, first_key, after_colon);
        loop {
            let value = self.value(&line, after_colon, indent, depth + 1)?;
            self.scratch.push(Entry { key, value });
            let Some(next) = self.next_content(self.pos)? else {
                break;
            };
            if next.indent < indent {
                break;
            }
            if next.indent > indent || self.is_sequence_entry(&next) {
                return None;
            }
            line = next;
            (key, after_colon) = self.key(&line)??;
            // A duplicate is reported by the general loader; a very large mapping is indexed there.
            let entries = &self.scratch[base..];
            if entries.len() >= 256
                || entries
                    .iter()
                    .any(|e| e.key.as_str() == key.as_str() && key.as_str().is_some())
            {
                return None;
            }
        }
        // (At least the first entry was pushed.)
        Some(self.scratch.last().map_or(0, |e| e.value.span.end as usize))
    }

    /// The value of a mapping entry whose `:` ends at `after_colon` on `line`; the mapping is
    /// at column `indent`. Leaves `self.pos` at the first line after the value.
    fn value(
        &mut self,
        line: &Line,
        after_colon: usize,
        indent: usize,
        depth: usize,
    ) -> Option<Node> {
        let p = self.skip_spaces(after_colon, line.end);
        if p == line.end || self.src[p] == b'#' {
            self.pos = line.next().min(self.src.len());
            let next = self.next_content(self.pos)?;
            return match next {
                Some(next) if next.indent > indent => self.block_node(next, depth),
                Some(next) if next.indent == indent && self.is_sequence_entry(&next) => {
                    self.sequence(next, depth)
                }
                _ => {
                    self.count_node()?;
                    let colon = after_colon - 1;
                    Some(Node::new(
                        Value::Null,
                        self.span(colon, colon),
                        Style::Plain,
                    ))
                }
            };
        }
        if matches!(self.src[p], b'|' | b'>') {
            return self.block_scalar(line, p, indent);
        }
        self.inline_value(line, p, depth)
    }

    /// A scalar or flow collection that ends on its line, at `p`.
    fn inline_value(&mut self, line: &Line, p: usize, depth: usize) -> Option<Node> {
        let (node, end) = match self.src[p] {
            b'"' | b'\'' => {
                self.count_node()?;
                self.quoted(p, line.end)?
            }
            b'[' | b'{' => self.flow_node(p, line.end, depth)?,
            first if self.may_start_plain(p, first) => {
                self.count_node()?;
                let bytes = &self.src[p..line.end];
                let mut end = bytes.len();
                for (i, &b) in bytes.iter().enumerate() {
                    match b {
                        b'#' if bytes[i - 1] == b' ' => {
                            end = i;
                            break;
                        }
                        b':' if self.is_break_or_space(p + i + 1) => return None,
                        _ => {}
                    }
                }
                let text = bytes[..end].trim_ascii_end();
                let end = p + text.len();
                (self.plain(p, text.len())?, end)
            }
            _ => return None,
        };
        if !self.only_comment_after(end, line.end) {
            return None;
        }
        self.pos = line.next().min(self.src.len());
        Some(node)
    }

    /// The plain scalar of `len` bytes at `at`.
    fn plain(&self, at: usize, len: usize) -> Option<Node> {
        let text = &self.text[at..at + len];
        let value = resolve_non_string(text).unwrap_or_else(|| Value::Str(text.to_owned()));
        // `.inf` and `.nan` are errors (JSON cannot hold them): the general loader reports them.
        if matches!(value, Value::Float(f) if !f.is_finite()) {
            return None;
        }
        Some(Node::new(
            value,
            self.span(at, at + text.len()),
            Style::Plain,
        ))
    }
}
