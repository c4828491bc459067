//! YAML (and JSON) text → documents of our span-carrying tree, decoded as kubectl decodes them.
//!
//! The stream is first split into documents on `---` lines, as apimachinery's YAMLReader does, and
//! each document is parsed on its own: a syntax error loses only its own document, and the other
//! documents of the file are still checked. Within a document, saphyr-parser events are folded
//! into [`Node`]s with an explicit stack (no recursion on hostile nesting), anchors and aliases are
//! expanded within a budget, `<<` merge keys are applied as go-yaml v2 applies them, and duplicate
//! keys are collapsed to the last one (kubectl's behaviour) and reported.

mod block;

use crate::diagnostics::Diagnostic;
use crate::resolve::resolve_non_string;
use crate::rules;
use crate::source::SourceFile;
use crate::tree::{Entry, Node, Span, Style, Value};
use saphyr_parser::{Event, Parser, ScalarStyle, ScanError};
use std::collections::HashMap;

/// Bounds that keep hostile input from exhausting time or memory. Each can be set in the
/// configuration (`limits:`) or with a flag, within [`Limits::MAX_FILE_BYTES`],
/// [`Limits::MAX_DEPTH`] and [`Limits::MAX_COUNT`].
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Limits {
    pub max_file_bytes: u64,
    pub max_documents: usize,
    pub max_depth: usize,
    /// Nodes that alias expansion may add to one document (an alias bomb hits this at once).
    pub max_alias_nodes: usize,
    pub max_nodes_per_document: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_file_bytes: 32 * 1024 * 1024,
            max_documents: 100_000,
            // saphyr-parser stops at 256 flow levels itself; ours comes first, with a clearer
            // message (see `MAX_DEPTH`).
            max_depth: 200,
            max_alias_nodes: 100_000,
            max_nodes_per_document: 5_000_000,
        }
    }
}

impl Limits {
    /// The largest file size a user may allow: spans are 32-bit byte offsets, and a file is
    /// held in memory with its tree, so this stays well below 4 GiB.
    pub const MAX_FILE_BYTES: u64 = 2 * 1024 * 1024 * 1024;
    /// The deepest nesting a user may allow: saphyr-parser refuses a 256th nested flow
    /// collection itself (its level counter is a `u8`), so a limit above that could never be
    /// reached by flow YAML while block YAML went deeper; the tree's recursive walks (JSON
    /// conversion, schema validation) are sized for it.
    pub const MAX_DEPTH: usize = 250;
    /// The largest count (documents, alias-expanded nodes, nodes per document) a user may
    /// allow: a billion nodes already take tens of GiB, and no file within `MAX_FILE_BYTES`
    /// holds a billion documents, so a larger value is a typo rather than a need.
    pub const MAX_COUNT: usize = 1_000_000_000;
}

/// Limits a flag or the configuration sets; `None` keeps the next source's (then the default).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LimitSettings {
    pub max_file_bytes: Option<u64>,
    pub max_documents: Option<usize>,
    pub max_depth: Option<usize>,
    pub max_alias_nodes: Option<usize>,
    pub max_nodes_per_document: Option<usize>,
}

impl LimitSettings {
    /// These settings, and `fallback`'s where these set none.
    pub fn or(self, fallback: LimitSettings) -> LimitSettings {
        LimitSettings {
            max_file_bytes: self.max_file_bytes.or(fallback.max_file_bytes),
            max_documents: self.max_documents.or(fallback.max_documents),
            max_depth: self.max_depth.or(fallback.max_depth),
            max_alias_nodes: self.max_alias_nodes.or(fallback.max_alias_nodes),
            max_nodes_per_document: self
                .max_nodes_per_document
                .or(fallback.max_nodes_per_document),
        }
    }

    /// The limits: these settings, else the defaults.
    pub fn resolve(self) -> Limits {
        let d = Limits::default();
        Limits {
            max_file_bytes: self.max_file_bytes.unwrap_or(d.max_file_bytes),
            max_documents: self.max_documents.unwrap_or(d.max_documents),
            max_depth: self.max_depth.unwrap_or(d.max_depth),
            max_alias_nodes: self.max_alias_nodes.unwrap_or(d.max_alias_nodes),
            max_nodes_per_document: self
                .max_nodes_per_document
                .unwrap_or(d.max_nodes_per_document),
        }
    }
}

/// What a file size may be written as, for messages.
pub const SIZE_SYNTAX: &str = "a size from 1 byte to 2GiB (a number of bytes, or a number with KiB, MiB or GiB such as 64MiB)";

/// Parses a file size: `1048576`, `512KiB`, `64MiB`, `1GiB` (units are powers of 1024; a
/// space before the unit is allowed, `B` means bytes). `None` when it is not a size or not
/// within 1 byte and [`Limits::MAX_FILE_BYTES`].
pub fn parse_size(text: &str) -> Option<u64> {
    let text = text.trim();
    let digits = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(digits);
    let multiplier: u64 = match unit.trim_start() {
        "" | "B" => 1,
        "KiB" => 1 << 10,
        "MiB" => 1 << 20,
        "GiB" => 1 << 30,
        _ => return None,
    };
    let bytes = number.parse::<u64>().ok()?.checked_mul(multiplier)?;
    (1..=Limits::MAX_FILE_BYTES)
        .contains(&bytes)
        .then_some(bytes)
}

/// Formats a byte count the way [`parse_size`] reads it, in the largest unit that divides it.
pub fn format_size(bytes: u64) -> String {
    for (unit, size) in [("GiB", 1u64 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)] {
        if bytes >= size && bytes.is_multiple_of(size) {
            return format!("{}{unit}", bytes / size);
        }
    }
    format!("{bytes} bytes")
}

/// A count limit (documents, nodes) or depth, within `1..=max`.
pub fn check_count(value: i128, max: usize) -> Option<usize> {
    usize::try_from(value)
        .ok()
        .filter(|v| (1..=max).contains(v))
}

pub struct Document {
    /// 0-based index among the file's non-empty documents (the numbering kubectl's reader uses).
    pub index: u32,
    pub root: Node,
}

#[derive(Default)]
pub struct Loaded {
    pub documents: Vec<Document>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Loads every document of a file. Never panics; problems become diagnostics.
pub fn load(file: &SourceFile, limits: &Limits) -> Loaded {
    load_documents(file, limits, true)
}

/// [`load`] with every document through saphyr-parser: what the fast path ([`block`]) is
/// tested against.
#[doc(hidden)]
pub fn load_without_fast_path(file: &SourceFile, limits: &Limits) -> Loaded {
    load_documents(file, limits, false)
}

/// How many of the text's non-blank document chunks the fast path ([`block`]) parses, of how
/// many: tests assert that it keeps serving the common case.
#[doc(hidden)]
pub fn fast_path_chunks(text: &str, limits: &Limits) -> (usize, usize) {
    let body_start = if text.starts_with('\u{feff}') { 3 } else { 0 };
    split_documents(text, body_start)
        .into_iter()
        .filter(|chunk| !is_blank_or_comment(&text[chunk.clone()]))
        .fold((0, 0), |(parsed, all), chunk| {
            let ok = block::parse(&text[chunk.clone()], chunk.start, limits).is_some();
            (parsed + usize::from(ok), all + 1)
        })
}

fn load_documents(file: &SourceFile, limits: &Limits, fast_path: bool) -> Loaded {
    let mut loaded = Loaded::default();
    let text = file.text.as_str();
    let body_start = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let mut next_index = 0u32;
    for chunk in split_documents(text, body_start) {
        if loaded.documents.len() >= limits.max_documents {
            let span = Span::new(chunk.start, chunk.start);
            loaded.diagnostics.push(
                Diagnostic::new(
                    &rules::input_limit_exceeded::RULE,
                    file.location(span),
                    format!(
                        "file has more than {} documents; the rest of it was not checked",
                        limits.max_documents
                    ),
                )
                .with_help(
                    "split the file; if it is legitimate, raise the limit: `limits: {maxDocuments: N}` in .kubevet.yaml, or --max-documents N",
                ),
            );
            break;
        }
        let source = &text[chunk.clone()];
        if is_blank_or_comment(source) {
            continue;
        }
        if let Some(root) = fast_path
            .then(|| block::parse(source, chunk.start, limits))
            .flatten()
        {
            loaded.documents.push(Document {
                index: next_index,
                root,
            });
            next_index += 1;
            continue;
        }
        let mut builder = Builder::new(file, chunk.start, source, limits);
        builder.run();
        let first_index = next_index;
        for root in builder.roots {
            if root.is_null() {
                continue;
            }
            loaded.documents.push(Document {
                index: next_index,
                root,
            });
            next_index += 1;
        }
        // A problem in a document that was built (a duplicate key) belongs to that document.
        if next_index == first_index + 1 {
            for d in &mut builder.diagnostics {
                d.document.get_or_insert(first_index);
            }
        }
        loaded.diagnostics.append(&mut builder.diagnostics);
    }
    loaded
}

/// Splits on lines that are a `---` document marker, as the Kubernetes YAMLReader does.
/// The marker line stays in the following chunk, so the parser sees `--- |` and the like whole.
pub fn split_documents(text: &str, start: usize) -> Vec<std::ops::Range<usize>> {
    let mut chunks = Vec::new();
    let mut chunk_start = start;
    // A marker starts a line after the first: find "\n---" (SIMD), then check the line.
    let bytes = text.as_bytes();
    for hit in memchr::memmem::find_iter(&bytes[start..], b"\n---") {
        let line_start = start + hit + 1;
        let line_end =
            memchr::memchr(b'\n', &bytes[line_start..]).map_or(text.len(), |i| line_start + i + 1);
        if line_start > chunk_start && is_document_marker(&text[line_start..line_end]) {
            chunks.push(chunk_start..line_start);
            chunk_start = line_start;
        }
    }
    chunks.push(chunk_start..text.len());
    chunks
}

fn is_document_marker(line: &str) -> bool {
    line.strip_prefix("---")
        .is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '\t', '\r', '\n']))
}

fn is_blank_or_comment(chunk: &str) -> bool {
    chunk.lines().all(|line| {
        let line = line.trim();
        line.is_empty() || line.starts_with('#') || line == "---" || line == "..."
    })
}

enum Frame {
    Seq {
        items: Vec<Node>,
        start: usize,
        anchor: usize,
        flow: bool,
    },
    Map {
        entries: EntryList,
        key: Option<Node>,
        start: usize,
        anchor: usize,
        flow: bool,
    },
}

/// A mapping's entries under construction, with a key index once it grows large, so that a
/// mapping with 100,000 keys is not quadratic to build.
#[derive(Default)]
struct EntryList {
    entries: Vec<Entry>,
    index: Option<HashMap<String, usize>>,
}

impl EntryList {
    const INDEX_FROM: usize = 16;

    fn position(&self, key: &str) -> Option<usize> {
        match &self.index {
            Some(index) => index.get(key).copied(),
            None => self
                .entries
                .iter()
                .position(|e| e.key.key_string().as_deref() == Some(key)),
        }
    }

    /// Inserts or replaces; returns the replaced entry's key span.
    fn upsert(&mut self, key: &str, entry: Entry) -> Option<Span> {
        if let Some(i) = self.position(key) {
            let old = std::mem::replace(&mut self.entries[i], entry);
            return Some(old.key.span);
        }
        self.entries.push(entry);
        if let Some(index) = &mut self.index {
            index.insert(key.to_owned(), self.entries.len() - 1);
        } else if self.entries.len() >= Self::INDEX_FROM {
            self.index = Some(
                self.entries
                    .iter()
                    .enumerate()
                    .filter_map(|(i, e)| e.key.key_string().map(|k| (k.into_owned(), i)))
                    .collect(),
            );
        }
        None
    }
}

struct Builder<'a> {
    file: &'a SourceFile,
    /// Byte offset of this chunk in the file.
    offset: usize,
    source: &'a str,
    /// Byte offset of each character of `source`, when it is not ASCII (saphyr counts characters).
    char_offsets: Option<Vec<u32>>,
    limits: &'a Limits,
    stack: Vec<Frame>,
    anchors: HashMap<usize, Node>,
    alias_nodes: usize,
    nodes: usize,
    roots: Vec<Node>,
    diagnostics: Vec<Diagnostic>,
}

const NESTING_HELP: &str = "this document was not checked; if it is legitimate, raise the limit: `limits: {maxDepth: N}` in .kubevet.yaml, or --max-depth N (at most 250)";

/// The parser's own guard: no limit of kubevet's can raise it.
const PARSER_NESTING_HELP: &str = "this document was not checked; the YAML parser cannot nest flow collections (`[`, `{`) 256 levels deep, and Kubernetes objects are never nested this deeply";

/// Why building a document stopped early.
struct Abort;

impl<'a> Builder<'a> {
    fn new(file: &'a SourceFile, offset: usize, source: &'a str, limits: &'a Limits) -> Self {
        let char_offsets = (!source.is_ascii()).then(|| {
            source
                .char_indices()
                .map(|(i, _)| i as u32)
                .chain(std::iter::once(source.len() as u32))
                .collect()
        });
        Builder {
            file,
            offset,
            source,
            char_offsets,
            limits,
            stack: Vec::new(),
            anchors: HashMap::new(),
            alias_nodes: 0,
            nodes: 0,
            roots: Vec::new(),
            diagnostics: Vec::new(),
        }
    }

    /// File byte offset of a saphyr character index.
    fn byte(&self, char_index: usize) -> usize {
        let local = match &self.char_offsets {
            Some(offsets) => offsets
                .get(char_index)
                .map_or(self.source.len(), |&b| b as usize),
            None => char_index.min(self.source.len()),
        };
        self.offset + local
    }

    fn span(&self, span: saphyr_parser::Span) -> Span {
        Span::new(self.byte(span.start.index()), self.byte(span.end.index()))
    }

    fn run(&mut self) {
        let mut parser = Parser::new_from_str(self.source);
        loop {
            match parser.next_event() {
                None => return,
                Some(Err(error)) => {
                    self.syntax_error(&error);
                    return;
                }
                Some(Ok((event, span))) => {
                    if self.event(event, span).is_err() {
                        return;
                    }
                }
            }
        }
    }

    fn syntax_error(&mut self, error: &ScanError) {
        let at = self.byte(error.marker().index());
        let span = Span::new(at, at);
        if error.info().contains("recursion limit exceeded") {
            // The scanner's own nesting guard, which can fire before our depth check sees events.
            let _ = self.limit_exceeded(
                span,
                "nesting too deep to parse".into(),
                PARSER_NESTING_HELP,
            );
            return;
        }
        self.stack.clear();
        self.diagnostics.push(
            Diagnostic::new(
                &rules::invalid_yaml::RULE,
                self.file.location(span),
                format!("YAML syntax error: {}", error.info()),
            )
            .with_help(
                "kubectl cannot parse this document; the other documents were still checked",
            ),
        );
    }

    fn limit_exceeded(&mut self, span: Span, message: String, help: &'static str) -> Abort {
        self.stack.clear();
        self.diagnostics.push(
            Diagnostic::new(
                &rules::input_limit_exceeded::RULE,
                self.file.location(span),
                message,
            )
            .with_help(help),
        );
        Abort
    }

    fn event(&mut self, event: Event<'_>, span: saphyr_parser::Span) -> Result<(), Abort> {
        let span = self.span(span);
        match event {
            Event::DocumentStart(_) => {
                self.stack.clear();
                self.anchors.clear();
                self.alias_nodes = 0;
                self.nodes = 0;
            }
            Event::Scalar(text, style, anchor, tag) => {
                let node = self.scalar(text, style, tag.as_deref(), span);
                self.count_node(span)?;
                self.finish_node(node, anchor)?;
            }
            Event::SequenceStart(anchor, _) => {
                self.open(span)?;
                let (flow, start) = self.collection_start(span, b'[');
                self.stack.push(Frame::Seq {
                    items: Vec::new(),
                    start,
                    anchor,
                    flow,
                });
            }
            Event::MappingStart(anchor, _) => {
                self.open(span)?;
                let (flow, start) = self.collection_start(span, b'{');
                self.stack.push(Frame::Map {
                    entries: EntryList::default(),
                    key: None,
                    start,
                    anchor,
                    flow,
                });
            }
            Event::SequenceEnd => {
                if let Some(Frame::Seq {
                    items,
                    start,
                    anchor,
                    flow,
                }) = self.stack.pop()
                {
                    let end = self.collection_end(flow, span, items.last().map(|n| n.span));
                    let style = if flow { Style::Flow } else { Style::Block };
                    let node = Node::new(Value::Seq(items), Span::new(start, end), style);
                    self.finish_node(node, anchor)?;
                }
            }
            Event::MappingEnd => {
                if let Some(Frame::Map {
                    entries,
                    start,
                    anchor,
                    flow,
                    ..
                }) = self.stack.pop()
                {
                    let entries = entries.entries;
                    let end = self.collection_end(flow, span, entries.last().map(|e| e.value.span));
                    let style = if flow { Style::Flow } else { Style::Block };
                    let node = Node::new(Value::Map(entries), Span::new(start, end), style);
                    self.finish_node(node, anchor)?;
                }
            }
            Event::Alias(id) => {
                let Some(target) = self.anchors.get(&id) else {
                    // saphyr reports unknown anchors itself; nothing to expand.
                    return Ok(());
                };
                let size = target.count_nodes();
                self.alias_nodes += size;
                if self.alias_nodes > self.limits.max_alias_nodes {
                    return Err(self.limit_exceeded(
                        span,
                        format!(
                            "aliases in this document expand to more than {} nodes (an alias bomb?)",
                            self.limits.max_alias_nodes
                        ),
                        "this document was not checked; if it is legitimate, expand the anchors by hand or raise the limit: `limits: {maxAliasNodes: N}` in .kubevet.yaml, or --max-alias-nodes N",
                    ));
                }
                let mut node = target.clone();
                node.span = span;
                self.finish_node(node, 0)?;
            }
            Event::StreamStart | Event::StreamEnd | Event::DocumentEnd | Event::Nothing => {}
        }
        Ok(())
    }

    /// Whether a collection is flow style, and where it starts. saphyr's start event of a flow
    /// collection covers its anchor and tag and ends just after the bracket; a block
    /// collection's is empty, at its first key or item.
    fn collection_start(&self, span: Span, bracket: u8) -> (bool, usize) {
        // The span runs on over spaces after the bracket (`[ "a" ]`).
        let text = self.file.text.as_bytes();
        let mut end = span.end as usize;
        while end > span.start as usize && matches!(text.get(end - 1), Some(b' ' | b'\t')) {
            end -= 1;
        }
        let flow = end > span.start as usize && text.get(end - 1) == Some(&bracket);
        (flow, if flow { end - 1 } else { span.start as usize })
    }

    /// Flow collections end at their closing bracket; block collections at their last child
    /// (saphyr puts a block collection's end event at the next token, often on a later line).
    /// The span of a flow collection's end event starts at its bracket but runs on over the
    /// spaces and a comment after it (`[ e ] }`, `[ x ] # c`); the node ends at the bracket.
    fn collection_end(&self, flow: bool, end_event: Span, last_child: Option<Span>) -> usize {
        match (flow, last_child) {
            (false, Some(child)) => child.end as usize,
            _ => {
                let start = end_event.start as usize;
                match self.file.text.as_bytes().get(start) {
                    Some(b']' | b'}') => start + 1,
                    _ => end_event.end as usize,
                }
            }
        }
    }

    fn open(&mut self, span: Span) -> Result<(), Abort> {
        self.count_node(span)?;
        if self.stack.len() >= self.limits.max_depth {
            return Err(self.limit_exceeded(
                span,
                format!("nesting deeper than {} levels", self.limits.max_depth),
                NESTING_HELP,
            ));
        }
        Ok(())
    }

    fn count_node(&mut self, span: Span) -> Result<(), Abort> {
        self.nodes += 1;
        if self.nodes > self.limits.max_nodes_per_document {
            return Err(self.limit_exceeded(
                span,
                format!(
                    "document has more than {} nodes",
                    self.limits.max_nodes_per_document
                ),
                "this document was not checked; if it is legitimate, raise the limit: `limits: {maxNodesPerDocument: N}` in .kubevet.yaml, or --max-nodes-per-document N",
            ));
        }
        Ok(())
    }

    fn scalar(
        &self,
        text: std::borrow::Cow<'_, str>,
        style: ScalarStyle,
        tag: Option<&saphyr_parser::Tag>,
        span: Span,
    ) -> Node {
        let style = match style {
            ScalarStyle::Plain => Style::Plain,
            ScalarStyle::SingleQuoted => Style::SingleQuoted,
            ScalarStyle::DoubleQuoted => Style::DoubleQuoted,
            ScalarStyle::Literal => Style::Literal,
            ScalarStyle::Folded => Style::Folded,
        };
        let core_tag = tag
            .filter(|t| t.is_yaml_core_schema())
            .map(|t| t.suffix.as_str());
        let resolved = match (style, core_tag) {
            (_, Some("str")) => None,
            (Style::Plain, _) | (_, Some("int" | "float" | "bool" | "null")) => {
                resolve_non_string(&text)
            }
            _ => None,
        };
        // saphyr hands most scalars over already owned: keep them rather than copy.
        let value = resolved.unwrap_or_else(|| Value::Str(text.into_owned()));
        let span = match style {
            Style::SingleQuoted | Style::DoubleQuoted => self.quoted_span(span, style),
            _ => span,
        };
        Node::new(value, span, style)
    }

    /// The span of a quoted scalar, up to its closing quote: saphyr's event for the last
    /// scalar of a mapping can run on over a trailing comment (`name: "x"  # note`).
    fn quoted_span(&self, span: Span, style: Style) -> Span {
        let quote = if style == Style::DoubleQuoted {
            b'"'
        } else {
            b'\''
        };
        let bytes = self.file.text.as_bytes();
        let (start, end) = (span.start as usize, (span.end as usize).min(bytes.len()));
        let Some(open) = bytes[start..end].iter().position(|&b| b == quote) else {
            return span;
        };
        let mut i = start + open + 1;
        while i < end {
            match bytes[i] {
                b'\\' if quote == b'"' => i += 2,
                b'\'' if quote == b'\'' && bytes.get(i + 1) == Some(&b'\'') => i += 2,
                b if b == quote => return Span::new(start, i + 1),
                _ => i += 1,
            }
        }
        span
    }

    /// Attaches a completed node to its parent (or makes it the document root).
    fn finish_node(&mut self, node: Node, anchor: usize) -> Result<(), Abort> {
        if anchor != 0 {
            self.anchors.insert(anchor, node.clone());
        }
        match self.stack.last_mut() {
            None => self.roots.push(node),
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map {
                key: key @ None, ..
            }) => *key = Some(node),
            Some(Frame::Map {
                key: key @ Some(_), ..
            }) => {
                let key = key.take().expect("checked Some");
                self.insert_entry(key, node);
            }
        }
        Ok(())
    }

    /// Adds an entry to the innermost mapping with go-yaml v2's semantics: a `<<` key merges
    /// (keys already present keep their value only if they come later), a repeated key replaces
    /// the earlier one and is reported.
    fn insert_entry(&mut self, key: Node, value: Node) {
        if key.style == Style::Plain && self.file.slice(key.span) == "<<" {
            self.merge(value);
            return;
        }
        let key_string = key.key_string().map(|k| k.into_owned());
        let Some(key_string) = key_string else {
            let kind = key.type_name();
            self.diagnostics.push(
                Diagnostic::new(
                    &rules::invalid_yaml::RULE,
                    self.file.location(key.span),
                    format!(
                        "a {kind} cannot be a mapping key: kubectl rejects it (unsupported map key)"
                    ),
                )
                .with_help("use a string key"),
            );
            return;
        };
        let Some(Frame::Map { entries, .. }) = self.stack.last_mut() else {
            return;
        };
        let second = key.span;
        if let Some(first) = entries.upsert(&key_string, Entry { key, value }) {
            // A key that came in through `<<` (its span lies outside this mapping) is not a
            // duplicate: overriding merged keys is the point of merging.
            if self.is_in_current_mapping(first) {
                self.duplicate_key(&key_string, first, second);
            }
        }
    }

    fn is_in_current_mapping(&self, span: Span) -> bool {
        match self.stack.last() {
            Some(Frame::Map { start, .. }) => span.start as usize >= *start,
            _ => false,
        }
    }

    fn duplicate_key(&mut self, key: &str, first: Span, second: Span) {
        self.diagnostics.push(
            Diagnostic::new(
                &rules::duplicate_key::RULE,
                self.file.location(second),
                format!("duplicate key `{key}`: kubectl silently keeps only this one"),
            )
            .with_label("duplicate key")
            .with_secondary(self.file.location(first), "first defined here (ignored)")
            .with_help(format!(
                "remove one of the two `{key}` entries, or merge their contents"
            )),
        );
    }

    fn merge(&mut self, value: Node) {
        let sources: Vec<Node> = match value.value {
            Value::Map(_) => vec![value],
            // Earlier mappings in a merge list take precedence.
            Value::Seq(items) => items.into_iter().rev().collect(),
            _ => {
                self.diagnostics.push(
                    Diagnostic::new(
                        &rules::invalid_yaml::RULE,
                        self.file.location(value.span),
                        "a `<<` merge key needs a mapping or a list of mappings",
                    )
                    .with_help("point `<<` at an anchored mapping, e.g. `<<: *defaults`"),
                );
                return;
            }
        };
        let Some(Frame::Map { entries, .. }) = self.stack.last_mut() else {
            return;
        };
        for source in sources {
            let Value::Map(merged) = source.value else {
                continue;
            };
            for entry in merged {
                if let Some(key) = entry.key.key_string().map(|k| k.into_owned()) {
                    entries.upsert(&key, entry);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn documents_split_on_marker_lines_only() {
        let text = "---\na: 1\n--- |\n  x\n----\n ---\n---x\n---\r\nb: 2\n---";
        let chunks: Vec<&str> = split_documents(text, 0)
            .into_iter()
            .map(|r| &text[r])
            .collect();
        assert_eq!(
            chunks,
            vec![
                "---\na: 1\n",
                "--- |\n  x\n----\n ---\n---x\n",
                "---\r\nb: 2\n",
                "---"
            ]
        );
        assert_eq!(split_documents("a: 1\n", 0), vec![0..5]);
        assert_eq!(split_documents("\u{feff}---\nx\n", 3), vec![3..9]);
    }
    use super::*;
    use crate::diagnostics::FileId;

    fn load_str(text: &str) -> (Vec<Document>, Vec<Diagnostic>) {
        let file = SourceFile::new(FileId(0), "t.yaml".into(), text.into());
        let loaded = load(&file, &Limits::default());
        (loaded.documents, loaded.diagnostics)
    }

    #[test]
    fn splits_documents_and_skips_empty_ones() {
        let (docs, diags) = load_str("a: 1\n---\n# only a comment\n---\n\n---\nb: yes\n...\n");
        assert!(diags.is_empty());
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[1].index, 1);
        assert_eq!(docs[1].root.get("b").unwrap().value, Value::Bool(true));
    }

    #[test]
    fn spans_are_byte_ranges_of_the_file() {
        let text = "x: 1\n---\nname: \"çé\"\nport: 0755\n";
        let file = SourceFile::new(FileId(0), "t".into(), text.into());
        let loaded = load(&file, &Limits::default());
        let root = &loaded.documents[1].root;
        let name = root.get("name").unwrap();
        assert_eq!(file.slice(name.span), "\"çé\"");
        let port = root.get("port").unwrap();
        assert_eq!(file.slice(port.span), "0755");
        assert_eq!(port.value, Value::Int(493));
        assert_eq!(file.position(port.span.start).column, 7);
    }

    #[test]
    fn duplicate_keys_keep_the_last_and_are_reported() {
        let (docs, diags) = load_str("a: 1\nb: 2\na: 3\n");
        assert_eq!(docs[0].root.get("a").unwrap().value, Value::Int(3));
        assert_eq!(diags.len(), 1);
        assert_eq!(diags[0].rule.id, "duplicate-key");
        assert_eq!(diags[0].primary.location.start.line, 3);
        assert_eq!(diags[0].document, Some(0));
        assert_eq!(diags[0].secondary[0].location.start.line, 1);
    }

    #[test]
    fn merge_keys_follow_go_yaml_v2() {
        let (docs, diags) = load_str("base: &b {a: 1, b: 2}\nobj:\n  <<: *b\n  b: 3\n  y: 4\n");
        assert!(diags.is_empty(), "{diags:?}");
        let obj = docs[0].root.get("obj").unwrap();
        assert_eq!(obj.get("a").unwrap().value, Value::Int(1));
        assert_eq!(obj.get("b").unwrap().value, Value::Int(3));
        // YAML 1.1: the key `y` is the boolean true, so JSON sees the key "true".
        assert_eq!(obj.get("true").unwrap().value, Value::Int(4));
    }

    #[test]
    fn alias_bomb_is_stopped() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x]\n");
        for i in 1..10 {
            let p = i - 1;
            text.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
            ));
        }
        let started = std::time::Instant::now();
        let (docs, diags) = load_str(&text);
        assert!(started.elapsed().as_secs() < 2);
        assert!(docs.is_empty());
        assert_eq!(diags[0].rule.id, "input-limit-exceeded");
    }

    #[test]
    fn deep_nesting_is_stopped() {
        let text = "[".repeat(100_000);
        let (docs, diags) = load_str(&text);
        assert!(docs.is_empty());
        assert!(!diags.is_empty());
    }

    #[test]
    fn a_syntax_error_loses_only_its_document() {
        let (docs, diags) = load_str("a: 1\n---\nb: [1, 2\n---\nc: 3\n");
        assert_eq!(docs.len(), 2);
        assert_eq!(diags.len(), 1);
        assert_eq!(diags[0].rule.id, "invalid-yaml");
        assert_eq!(diags[0].primary.location.start.line, 4);
    }

    #[test]
    fn flow_collections_span_their_brackets_whichever_loader() {
        let text = "a: [ x ] # c\nb: { c: [ d ] , e: f }\n";
        let file = SourceFile::new(FileId(0), "t".into(), text.into());
        for loaded in [
            load(&file, &Limits::default()),
            load_without_fast_path(&file, &Limits::default()),
        ] {
            let root = &loaded.documents[0].root;
            let (a, b) = (root.get("a").unwrap(), root.get("b").unwrap());
            assert_eq!((file.slice(a.span), a.style), ("[ x ]", Style::Flow));
            assert_eq!(file.slice(b.span), "{ c: [ d ] , e: f }");
            assert_eq!(file.slice(b.get("c").unwrap().span), "[ d ]");
        }
    }

    #[test]
    fn quoted_scalars_end_at_their_closing_quote() {
        let text = "a:\n  x: \"q\\\"t\"  # note\n  s: 'it''s'  # note\n";
        let file = SourceFile::new(FileId(0), "t".into(), text.into());
        let loaded = load(&file, &Limits::default());
        let a = loaded.documents[0].root.get("a").unwrap();
        assert_eq!(file.slice(a.get("x").unwrap().span), "\"q\\\"t\"");
        assert_eq!(file.slice(a.get("s").unwrap().span), "'it''s'");
    }

    #[test]
    fn bom_and_crlf_are_accepted() {
        let (docs, diags) = load_str("\u{feff}a: 1\r\n---\r\nb: 2\r\n");
        assert!(diags.is_empty(), "{diags:?}");
        assert_eq!(docs.len(), 2);
    }
}
