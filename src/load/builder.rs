//! Folds one document's parse events into our tree with an explicit stack (no recursion on
//! hostile nesting): scalars resolved, anchors and aliases expanded within a budget, `<<` merge
//! keys applied and duplicate keys collapsed as go-yaml v2 does, and what kubectl's YAML→JSON
//! conversion refuses reported.

use super::*;

pub(super) enum Frame {
    Seq {
        items: Vec<Node>,
        start: usize,
        anchor: Option<(String, u32)>,
        flow: bool,
    },
    Map {
        entries: EntryList,
        /// The key read, and whether it is a `<<` merge key.
        key: Option<(Node, bool)>,
        start: usize,
        anchor: Option<(String, u32)>,
        flow: bool,
    },
}

/// An anchor as go-yaml v2 sees it while decoding: its node once complete; while its
/// collection is still open (an alias to it inside it is a loop), the collection's number.
pub(super) enum Anchor {
    Open(u32),
    Done(Node),
}

pub(super) struct Builder<'a> {
    pub(super) file: &'a SourceFile,
    /// Byte offset of this chunk in the file.
    pub(super) offset: usize,
    pub(super) source: &'a str,
    pub(super) limits: &'a Limits,
    pub(super) stack: Vec<Frame>,
    pub(super) anchors: HashMap<String, Anchor>,
    pub(super) collections: u32,
    pub(super) alias_nodes: usize,
    pub(super) nodes: usize,
    pub(super) root: Option<Node>,
    /// A syntax error or a limit stopped the document.
    pub(super) failed: bool,
    pub(super) diagnostics: Vec<Diagnostic>,
    /// Keeps both of two keys YAML 1.1 reads alike but written differently
    /// ([`super::load_keeping_spellings`]).
    pub(super) keep_spellings: bool,
}

pub(super) const NESTING_HELP: &str = "this document was not checked; if it is legitimate, raise the limit: `limits: {maxDepth: N}` in .kubevet.yaml, or --max-depth N (at most 250)";

pub(super) const YAML_TAG_PREFIX: &str = "tag:yaml.org,2002:";

/// Why building a document stopped early.
pub(super) struct Abort;

impl<'a> Builder<'a> {
    pub(super) fn new(
        file: &'a SourceFile,
        offset: usize,
        source: &'a str,
        limits: &'a Limits,
    ) -> Self {
        Builder {
            file,
            offset,
            source,
            limits,
            stack: Vec::new(),
            anchors: HashMap::new(),
            collections: 0,
            alias_nodes: 0,
            nodes: 0,
            root: None,
            failed: false,
            diagnostics: Vec::new(),
            keep_spellings: false,
        }
    }

    /// File byte offset of a position in the chunk (the line break kubectl's reader adds after
    /// a last line without one lies just past the chunk: it maps to the chunk's end).
    pub(super) fn byte(&self, mark: Mark) -> usize {
        self.offset + mark.index.min(self.source.len())
    }

    pub(super) fn span(&self, start: Mark, end: Mark) -> Span {
        Span::new(self.byte(start), self.byte(end))
    }

    /// Builds the chunk's document. go-yaml decodes only the first document of what it is
    /// given, so anything after a `...` end marker is never read, let alone checked.
    pub(super) fn run(&mut self) {
        let mut parser = Parser::new(self.source);
        loop {
            match parser.next_event() {
                Ok(None | Some(Event::StreamEnd | Event::DocumentEnd)) => return,
                Ok(Some(event)) => {
                    if self.event(event).is_err() {
                        return;
                    }
                }
                Err(error) => {
                    self.syntax_error(&error);
                    return;
                }
            }
        }
    }

    pub(super) fn syntax_error(&mut self, error: &SyntaxError) {
        self.stack.clear();
        self.root = None;
        self.failed = true;
        let tab = super::tabs::indenting_tab(self.source, error.mark.index);
        let diagnostic = match tab.map(|tab| self.offset + tab) {
            Some(tab) => super::tabs::diagnostic(self.file.location(Span::new(tab, tab + 1))),
            None => {
                let at = self.byte(error.mark);
                Diagnostic::new(
                    &crate::model::rule::invalid_yaml,
                    self.file.location(Span::new(at, at)),
                    format!("YAML syntax error: {}", error.problem),
                )
                .with_help(
                    "kubectl cannot parse this document; the other documents were still checked",
                )
            }
        };
        self.diagnostics.push(diagnostic);
    }

    /// A document kubectl cannot decode although it parses (a tag that does not fit its value,
    /// a loop of aliases, a number JSON cannot hold): reported at the node.
    pub(super) fn decode_error(&mut self, span: Span, message: String, help: &str) {
        self.diagnostics.push(
            Diagnostic::new(
                &crate::model::rule::invalid_yaml,
                self.file.location(span),
                message,
            )
            .with_help(help.to_owned()),
        );
    }

    pub(super) fn limit_exceeded(
        &mut self,
        span: Span,
        message: String,
        help: &'static str,
    ) -> Abort {
        self.stack.clear();
        self.root = None;
        self.failed = true;
        self.diagnostics.push(
            Diagnostic::new(
                &crate::model::rule::input_limit_exceeded,
                self.file.location(span),
                message,
            )
            .with_help(help),
        );
        Abort
    }

    pub(super) fn event(&mut self, event: Event) -> Result<(), Abort> {
        match event {
            Event::DocumentStart | Event::DocumentEnd | Event::StreamEnd => {}
            Event::Scalar {
                value,
                style,
                anchor,
                tag,
                plain_implicit,
                start,
                end,
            } => {
                let span = self.span(start, end);
                self.count_node(span)?;
                let merge = value == "<<"
                    && (plain_implicit
                        || tag
                            .as_deref()
                            .is_some_and(|t| t.strip_prefix(YAML_TAG_PREFIX) == Some("merge")));
                let node = self.scalar(value, style, tag.as_deref(), plain_implicit, span);
                if let Some(name) = anchor {
                    self.anchors.insert(name, Anchor::Done(node.clone()));
                }
                self.finish_node(node, merge)?;
            }
            Event::SequenceStart {
                anchor,
                flow,
                start,
                ..
            } => {
                let span = self.span(start, start);
                self.open(span)?;
                let anchor = self.open_anchor(anchor);
                self.stack.push(Frame::Seq {
                    items: Vec::new(),
                    start: span.start as usize,
                    anchor,
                    flow,
                });
            }
            Event::MappingStart {
                anchor,
                flow,
                start,
                ..
            } => {
                let span = self.span(start, start);
                self.open(span)?;
                let anchor = self.open_anchor(anchor);
                self.stack.push(Frame::Map {
                    entries: EntryList::default(),
                    key: None,
                    start: span.start as usize,
                    anchor,
                    flow,
                });
            }
            Event::SequenceEnd { end } => {
                if let Some(Frame::Seq {
                    items,
                    start,
                    anchor,
                    flow,
                }) = self.stack.pop()
                {
                    let end = self.collection_end(flow, end, items.last().map(|n| n.span));
                    let style = if flow { Style::Flow } else { Style::Block };
                    let node = Node::new(Value::Seq(items), Span::new(start, end), style);
                    self.close_anchor(anchor, &node);
                    self.finish_node(node, false)?;
                }
            }
            Event::MappingEnd { end } => {
                if let Some(Frame::Map {
                    entries,
                    start,
                    anchor,
                    flow,
                    ..
                }) = self.stack.pop()
                {
                    let entries = entries.into_entries();
                    let end = self.collection_end(flow, end, entries.last().map(|e| e.value.span));
                    let style = if flow { Style::Flow } else { Style::Block };
                    let node = Node::new(Value::Map(entries), Span::new(start, end), style);
                    self.close_anchor(anchor, &node);
                    self.finish_node(node, false)?;
                }
            }
            Event::Alias { name, start, end } => {
                let span = self.span(start, end);
                let target = match self.anchors.get(&name) {
                    Some(Anchor::Done(node)) => Some(node),
                    Some(Anchor::Open(_)) => {
                        self.decode_error(
                            span,
                            format!("alias `*{name}` is inside the node it refers to: kubectl rejects the document (anchor '{name}' value contains itself)"),
                            "a node cannot contain itself; copy the part you need instead",
                        );
                        None
                    }
                    None => {
                        self.decode_error(
                            span,
                            format!("alias `*{name}` refers to no anchor: kubectl rejects the document (unknown anchor '{name}' referenced)"),
                            "define the anchor (`&name`) before the alias, in the same document",
                        );
                        None
                    }
                };
                let node = match target {
                    Some(target) => {
                        let size = target.count_nodes();
                        let mut node = target.clone();
                        self.alias_nodes += size;
                        if self.alias_nodes > self.limits.max_alias_nodes {
                            return Err(self.limit_exceeded(
                                span,
                                format!(
                                    "aliases in this document expand to more than {} (an alias bomb?)",
                                    crate::model::text::plural(self.limits.max_alias_nodes, "node")
                                ),
                                "this document was not checked; if it is legitimate, expand the anchors by hand or raise the limit: `limits: {maxAliasNodes: N}` in .kubevet.yaml, or --max-alias-nodes N",
                            ));
                        }
                        node.span = span;
                        node
                    }
                    None => Node::new(Value::Null, span, Style::Plain),
                };
                self.finish_node(node, false)?;
            }
        }
        Ok(())
    }

    pub(super) fn open_anchor(&mut self, anchor: Option<String>) -> Option<(String, u32)> {
        self.collections += 1;
        let id = self.collections;
        anchor.map(|name| {
            self.anchors.insert(name.clone(), Anchor::Open(id));
            (name, id)
        })
    }

    /// A collection's anchor refers to it once it is complete, unless the name was anchored
    /// again inside it (the later anchor wins, as in go-yaml).
    pub(super) fn close_anchor(&mut self, anchor: Option<(String, u32)>, node: &Node) {
        if let Some((name, id)) = anchor
            && let Some(entry) = self.anchors.get_mut(&name)
            && matches!(entry, Anchor::Open(open) if *open == id)
        {
            *entry = Anchor::Done(node.clone());
        }
    }

    /// Flow collections end at their closing bracket; block collections at their last child.
    pub(super) fn collection_end(&self, flow: bool, end: Mark, last_child: Option<Span>) -> usize {
        match (flow, last_child) {
            (false, Some(child)) => child.end as usize,
            _ => self.byte(end),
        }
    }

    pub(super) fn open(&mut self, span: Span) -> Result<(), Abort> {
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

    pub(super) fn count_node(&mut self, span: Span) -> Result<(), Abort> {
        self.nodes += 1;
        if self.nodes > self.limits.max_nodes_per_document {
            return Err(self.limit_exceeded(
                span,
                format!(
                    "document has more than {}",
                    crate::model::text::plural(self.limits.max_nodes_per_document, "node")
                ),
                "this document was not checked; if it is legitimate, raise the limit: `limits: {maxNodesPerDocument: N}` in .kubevet.yaml, or --max-nodes-per-document N",
            ));
        }
        Ok(())
    }

    /// A scalar's value as go-yaml v2 decodes it into `interface{}`: plain untagged scalars are
    /// resolved (YAML 1.1), `!!int`, `!!float`, `!!bool`, `!!null` and `!!timestamp` must
    /// resolve to their type (`!!float 1` is 1.0), `!!binary` is base64-decoded, and every other
    /// tag (`!!str`, `!`, `!custom`, `!!map` on a scalar) leaves the text a string.
    pub(super) fn scalar(
        &mut self,
        text: String,
        style: ScalarStyle,
        tag: Option<&str>,
        plain_implicit: bool,
        span: Span,
    ) -> Node {
        let style = match style {
            ScalarStyle::Plain => Style::Plain,
            ScalarStyle::SingleQuoted => Style::SingleQuoted,
            ScalarStyle::DoubleQuoted => Style::DoubleQuoted,
            ScalarStyle::Literal => Style::Literal,
            ScalarStyle::Folded => Style::Folded,
        };
        let core = tag.and_then(|t| t.strip_prefix(YAML_TAG_PREFIX));
        let value = match core {
            None if tag.is_none() && plain_implicit => {
                resolve_non_string(&text).map_or_else(|| Ok(Value::Str(text)), Ok)
            }
            Some("binary") => decode_base64(&text).map(Value::Str).ok_or_else(|| {
                (
                    "`!!binary` value is not valid base64: kubectl rejects the document (!!binary value contains invalid base64 data)".to_owned(),
                    "write the base64 text of the data (line breaks are allowed), or drop the tag",
                )
            }),
            Some(t @ ("int" | "float" | "bool" | "null" | "timestamp")) => {
                resolve_tagged(t, &text).map_err(|problem| {
                    (
                        format!("{problem}: kubectl rejects the document"),
                        "drop the tag, or give the value the tag's type",
                    )
                })
            }
            _ => Ok(Value::Str(text)),
        };
        match value {
            Ok(value) => Node::new(value, span, style),
            Err((message, help)) => {
                self.decode_error(span, message, help);
                Node::new(Value::Null, span, style)
            }
        }
    }

    /// Attaches a completed node to its parent (or makes it the document's root).
    pub(super) fn finish_node(&mut self, node: Node, merge: bool) -> Result<(), Abort> {
        let is_key = matches!(self.stack.last(), Some(Frame::Map { key: None, .. }));
        if !is_key
            && let Value::Float(f) = node.value
            && !f.is_finite()
        {
            let go = if f.is_nan() {
                "NaN"
            } else if f > 0.0 {
                "+Inf"
            } else {
                "-Inf"
            };
            self.decode_error(
                node.span,
                format!("`{}` is not a number JSON can hold: kubectl rejects the document (json: unsupported value: {go})", self.file.slice(node.span)),
                "quote it if it is meant as text",
            );
        }
        match self.stack.last_mut() {
            None => {
                if self.root.is_none() {
                    self.root = Some(node);
                }
            }
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map {
                key: key @ None, ..
            }) => *key = Some((node, merge)),
            Some(Frame::Map {
                key: key @ Some(_), ..
            }) => {
                let (key, merge) = key.take().expect("checked Some");
                self.insert_entry(key, merge, node);
            }
        }
        Ok(())
    }

    /// Adds an entry to the innermost mapping with go-yaml v2's semantics: a `<<` key merges
    /// (into the same map, so later keys win either way), a repeated key replaces the earlier
    /// one and is reported.
    pub(super) fn insert_entry(&mut self, key: Node, merge: bool, value: Node) {
        if merge {
            self.merge(value);
            return;
        }
        let key_string = key.key_string().map(|k| k.into_owned());
        let Some(key_string) = key_string else {
            let message = match &key.value {
                Value::Int(_) => "an integer beyond the int64 range cannot be a mapping key: kubectl rejects it (unsupported map key)".to_owned(),
                Value::Null => "a null cannot be a mapping key: kubectl rejects it (unsupported map key)".to_owned(),
                _ => format!(
                    "{} cannot be a mapping key: kubectl rejects it (invalid map key)",
                    key.a_type_name()
                ),
            };
            self.diagnostics.push(
                Diagnostic::new(
                    &crate::model::rule::invalid_yaml,
                    self.file.location(key.span),
                    message,
                )
                .with_help("use a string key"),
            );
            return;
        };
        let Some(Frame::Map { entries, .. }) = self.stack.last_mut() else {
            return;
        };
        let second = key.span;
        let entry = Entry { key, value };
        let replaced = if self.keep_spellings {
            entries.upsert_spelled(&key_string, entry, &self.file.text)
        } else {
            entries.upsert(&key_string, entry)
        };
        if let Some(first) = replaced {
            // A key that came in through `<<` (its span lies outside this mapping) is not a
            // duplicate: overriding merged keys is the point of merging.
            if self.is_in_current_mapping(first) {
                self.duplicate_key(&key_string, first, second);
            }
        }
    }

    pub(super) fn is_in_current_mapping(&self, span: Span) -> bool {
        match self.stack.last() {
            Some(Frame::Map { start, .. }) => span.start as usize >= *start,
            _ => false,
        }
    }

    pub(super) fn duplicate_key(&mut self, key: &str, first: Span, second: Span) {
        self.diagnostics.push(
            Diagnostic::new(
                &crate::model::rule::duplicate_key,
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

    /// go-yaml v2's merge: a mapping, or a list of mappings (earlier ones win); anything else
    /// is an error.
    pub(super) fn merge(&mut self, value: Node) {
        let span = value.span;
        let sources: Option<Vec<Node>> = match value.value {
            Value::Map(_) => Some(vec![value]),
            Value::Seq(items) if items.iter().all(Node::is_map) => {
                Some(items.into_iter().rev().collect())
            }
            _ => None,
        };
        let Some(sources) = sources else {
            self.diagnostics.push(
                Diagnostic::new(
                    &crate::model::rule::invalid_yaml,
                    self.file.location(span),
                    "a `<<` merge key needs a mapping or a list of mappings: kubectl rejects the document (map merge requires map or sequence of maps as the value)",
                )
                .with_help("point `<<` at an anchored mapping, e.g. `<<: *defaults`"),
            );
            return;
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
