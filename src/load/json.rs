//! JSON streams. kubectl reads a file whose first non-space character (within its first
//! 4096 bytes) is `{` as a stream of JSON values, with Go's encoding/json, not as YAML
//! (apimachinery's YAMLOrJSONDecoder): `"\/"` is fine there, a comment or an unquoted key is
//! not, and `---` does not separate documents. Each value is a document; `null` is skipped.
//! Numbers decode as kubectl decodes them into an object: an int64 if the literal is one, else
//! a float64.

use super::{Document, Limits, Loaded};
use crate::load::tree::{Entry, Node, Style, Value};
use crate::model::diagnostic::Diagnostic;
use crate::model::source::SourceFile;
use crate::model::span::Span;
use std::collections::HashMap;

/// Whether kubectl reads `text` as JSON: its first non-space character, within the first
/// 4096 bytes (what the decoder peeks at), is `{`. Unicode spaces count, a BOM does not.
pub(super) fn is_json_stream(text: &str) -> bool {
    // (The 4096th byte may fall inside a character.)
    let mut end = text.len().min(4096);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].trim_start().starts_with('{')
}

pub(super) fn load(file: &SourceFile, limits: &Limits) -> Loaded {
    let mut parser = JsonParser {
        file,
        src: file.text.as_bytes(),
        pos: 0,
        limits,
        depth: 0,
        nodes: 0,
        diagnostics: Vec::new(),
    };
    let mut loaded = Loaded::default();
    loop {
        parser.skip_space();
        if parser.pos >= parser.src.len() {
            break;
        }
        if loaded.documents.len() >= limits.max_documents {
            let at = parser.pos;
            loaded.diagnostics.push(
                Diagnostic::new(
                    &crate::model::rule::input_limit_exceeded,
                    file.location(Span::new(at, at)),
                    format!(
                        "file has more than {}; the rest of it was not checked",
                        crate::model::text::plural(limits.max_documents, "document")
                    ),
                )
                .with_help(
                    "split the file; if it is legitimate, raise the limit: `limits: {maxDocuments: N}` in .kubevet.yaml, or --max-documents N",
                ),
            );
            loaded.lost += 1;
            break;
        }
        parser.nodes = 0;
        let index = loaded.documents.len() as u32;
        let before = parser.diagnostics.len();
        match parser.value() {
            Ok(root) => {
                for d in &mut parser.diagnostics[before..] {
                    d.document.get_or_insert(index);
                }
                if !root.is_null() {
                    loaded.documents.push(Document { index, root });
                }
            }
            // kubectl stops at the first error of a JSON stream: so does the reading here.
            Err(Stop) => {
                loaded.lost += 1;
                break;
            }
        }
    }
    loaded.diagnostics.append(&mut parser.diagnostics);
    loaded
}

struct Stop;

struct JsonParser<'a> {
    file: &'a SourceFile,
    src: &'a [u8],
    pos: usize,
    limits: &'a Limits,
    depth: usize,
    nodes: usize,
    diagnostics: Vec<Diagnostic>,
}

impl JsonParser<'_> {
    fn skip_space(&mut self) {
        while matches!(self.src.get(self.pos), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    fn character(&self) -> String {
        match self.file.text[self.pos..].chars().next() {
            Some(c) => format!("character {}", go_quote_char(c)),
            None => "end of JSON input".to_owned(),
        }
    }

    fn syntax_error(&mut self, context: &str) -> Stop {
        let problem = match self.file.text[self.pos..].chars().next() {
            Some(_) => format!("invalid {} {context}", self.character()),
            None => "unexpected end of JSON input".to_owned(),
        };
        let at = self.pos;
        self.diagnostics.push(
            Diagnostic::new(
                &crate::model::rule::invalid_yaml,
                self.file.location(Span::new(at, at)),
                format!("JSON syntax error: {problem}"),
            )
            .with_help(
                "kubectl reads a file that starts with `{` as a stream of JSON objects, and stops at this error; write strict JSON (quoted keys, no comments, no trailing commas), or YAML that does not start with `{`",
            ),
        );
        Stop
    }

    fn limit(&mut self, message: String, help: &'static str) -> Stop {
        let at = self.pos;
        self.diagnostics.push(
            Diagnostic::new(
                &crate::model::rule::input_limit_exceeded,
                self.file.location(Span::new(at, at)),
                message,
            )
            .with_help(help),
        );
        Stop
    }

    fn count_node(&mut self) -> Result<(), Stop> {
        self.nodes += 1;
        if self.nodes > self.limits.max_nodes_per_document {
            return Err(self.limit(
                format!(
                    "document has more than {}",
                    crate::model::text::plural(self.limits.max_nodes_per_document, "node")
                ),
                "this document was not checked; if it is legitimate, raise the limit: `limits: {maxNodesPerDocument: N}` in .kubevet.yaml, or --max-nodes-per-document N",
            ));
        }
        Ok(())
    }

    fn value(&mut self) -> Result<Node, Stop> {
        self.skip_space();
        self.count_node()?;
        let start = self.pos;
        match self.src.get(self.pos) {
            Some(b'{') | Some(b'[') => {
                if self.depth >= self.limits.max_depth {
                    return Err(self.limit(
                        format!("nesting deeper than {} levels", self.limits.max_depth),
                        super::NESTING_HELP,
                    ));
                }
                self.depth += 1;
                let node = if self.src[self.pos] == b'{' {
                    self.object(start)
                } else {
                    self.array(start)
                };
                self.depth -= 1;
                node
            }
            Some(b'"') => {
                let text = self.string()?;
                Ok(Node::new(
                    Value::Str(text),
                    Span::new(start, self.pos),
                    Style::DoubleQuoted,
                ))
            }
            Some(b't') => self.literal("true", Value::Bool(true)),
            Some(b'f') => self.literal("false", Value::Bool(false)),
            Some(b'n') => self.literal("null", Value::Null),
            Some(b'-' | b'0'..=b'9') => self.number(),
            _ => Err(self.syntax_error("looking for beginning of value")),
        }
    }

    fn literal(&mut self, word: &str, value: Value) -> Result<Node, Stop> {
        let start = self.pos;
        for &b in word.as_bytes() {
            if self.src.get(self.pos) != Some(&b) {
                return Err(self.syntax_error(&format!(
                    "in literal {word} (expecting {})",
                    go_quote_char(b as char)
                )));
            }
            self.pos += 1;
        }
        Ok(Node::new(value, Span::new(start, self.pos), Style::Plain))
    }

    fn number(&mut self) -> Result<Node, Stop> {
        let start = self.pos;
        let digits = |p: &mut Self| {
            let from = p.pos;
            while p.src.get(p.pos).is_some_and(u8::is_ascii_digit) {
                p.pos += 1;
            }
            p.pos - from
        };
        if self.src.get(self.pos) == Some(&b'-') {
            self.pos += 1;
        }
        match self.src.get(self.pos) {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => {
                digits(self);
            }
            _ => return Err(self.syntax_error("in numeric literal")),
        }
        if self.src.get(self.pos) == Some(&b'.') {
            self.pos += 1;
            if digits(self) == 0 {
                return Err(self.syntax_error("after decimal point in numeric literal"));
            }
        }
        if matches!(self.src.get(self.pos), Some(b'e' | b'E')) {
            self.pos += 1;
            if matches!(self.src.get(self.pos), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            if digits(self) == 0 {
                return Err(self.syntax_error("in exponent of numeric literal"));
            }
        }
        let text = &self.file.text[start..self.pos];
        let span = Span::new(start, self.pos);
        let value = match text.parse::<i64>() {
            Ok(i) => Value::Int(i128::from(i)),
            Err(_) => match text.parse::<f64>() {
                Ok(f) if f.is_finite() => Value::Float(f),
                _ => {
                    self.diagnostics.push(
                        Diagnostic::new(
                            &crate::model::rule::invalid_yaml,
                            self.file.location(span),
                            format!("the number {text} is out of range: kubectl cannot decode it"),
                        )
                        .with_help("write a number that fits a 64-bit float, or a string"),
                    );
                    Value::Null
                }
            },
        };
        Ok(Node::new(value, span, Style::Plain))
    }

    /// A string literal as Go decodes it: escapes, surrogate pairs, a lone surrogate as U+FFFD.
    fn string(&mut self) -> Result<String, Stop> {
        self.pos += 1;
        let mut out = String::new();
        let mut run = self.pos;
        loop {
            match self.src.get(self.pos) {
                None => return Err(self.syntax_error("in string literal")),
                Some(b'"') => {
                    out.push_str(&self.file.text[run..self.pos]);
                    self.pos += 1;
                    return Ok(out);
                }
                Some(&b) if b < 0x20 => return Err(self.syntax_error("in string literal")),
                Some(b'\\') => {
                    out.push_str(&self.file.text[run..self.pos]);
                    self.pos += 1;
                    let c = match self.src.get(self.pos) {
                        Some(b'"') => '"',
                        Some(b'\\') => '\\',
                        Some(b'/') => '/',
                        Some(b'b') => '\x08',
                        Some(b'f') => '\x0c',
                        Some(b'n') => '\n',
                        Some(b'r') => '\r',
                        Some(b't') => '\t',
                        Some(b'u') => {
                            self.pos += 1;
                            let high = self.hex4()?;
                            let c = if (0xd800..0xdc00).contains(&high)
                                && self.src.get(self.pos) == Some(&b'\\')
                                && self.src.get(self.pos + 1) == Some(&b'u')
                            {
                                let save = self.pos;
                                self.pos += 2;
                                let low = self.hex4()?;
                                if (0xdc00..0xe000).contains(&low) {
                                    char::from_u32(
                                        0x10000 + ((high - 0xd800) << 10) + (low - 0xdc00),
                                    )
                                } else {
                                    self.pos = save;
                                    None
                                }
                            } else {
                                char::from_u32(high)
                            };
                            out.push(c.unwrap_or('\u{fffd}'));
                            run = self.pos;
                            continue;
                        }
                        _ => return Err(self.syntax_error("in string escape code")),
                    };
                    out.push(c);
                    self.pos += 1;
                    run = self.pos;
                }
                Some(_) => self.pos += 1,
            }
        }
    }

    fn hex4(&mut self) -> Result<u32, Stop> {
        let mut v = 0;
        for _ in 0..4 {
            match self
                .src
                .get(self.pos)
                .and_then(|&b| (b as char).to_digit(16))
            {
                Some(d) => v = v * 16 + d,
                None => return Err(self.syntax_error("in \\u hexadecimal character escape")),
            }
            self.pos += 1;
        }
        Ok(v)
    }

    fn array(&mut self, start: usize) -> Result<Node, Stop> {
        self.pos += 1;
        let mut items = Vec::new();
        self.skip_space();
        if self.src.get(self.pos) != Some(&b']') {
            loop {
                items.push(self.value()?);
                self.skip_space();
                match self.src.get(self.pos) {
                    Some(b',') => self.pos += 1,
                    Some(b']') => break,
                    _ => return Err(self.syntax_error("after array element")),
                }
            }
        }
        self.pos += 1;
        Ok(Node::new(
            Value::Seq(items),
            Span::new(start, self.pos),
            Style::Flow,
        ))
    }

    fn object(&mut self, start: usize) -> Result<Node, Stop> {
        self.pos += 1;
        let mut entries: Vec<Entry> = Vec::new();
        let mut index: HashMap<String, usize> = HashMap::new();
        self.skip_space();
        if self.src.get(self.pos) != Some(&b'}') {
            loop {
                self.skip_space();
                if self.src.get(self.pos) != Some(&b'"') {
                    return Err(self.syntax_error("looking for beginning of object key string"));
                }
                self.count_node()?;
                let key_start = self.pos;
                let key = self.string()?;
                let key_node = Node::new(
                    Value::Str(key.clone()),
                    Span::new(key_start, self.pos),
                    Style::DoubleQuoted,
                );
                self.skip_space();
                if self.src.get(self.pos) != Some(&b':') {
                    return Err(self.syntax_error("after object key"));
                }
                self.pos += 1;
                let value = self.value()?;
                let entry = Entry {
                    key: key_node,
                    value,
                };
                // Go decodes into a map: the last of duplicate keys wins, silently.
                match index.get(&key) {
                    Some(&i) => {
                        let first = entries[i].key.span;
                        let second = entry.key.span;
                        entries[i] = entry;
                        self.diagnostics.push(
                            Diagnostic::new(
                                &crate::model::rule::duplicate_key,
                                self.file.location(second),
                                format!(
                                    "duplicate key `{key}`: kubectl silently keeps only this one"
                                ),
                            )
                            .with_label("duplicate key")
                            .with_secondary(
                                self.file.location(first),
                                "first defined here (ignored)",
                            )
                            .with_help(format!(
                                "remove one of the two `{key}` entries, or merge their contents"
                            )),
                        );
                    }
                    None => {
                        index.insert(key, entries.len());
                        entries.push(entry);
                    }
                }
                self.skip_space();
                match self.src.get(self.pos) {
                    Some(b',') => self.pos += 1,
                    Some(b'}') => break,
                    _ => return Err(self.syntax_error("after object key:value pair")),
                }
            }
        }
        self.pos += 1;
        Ok(Node::new(
            Value::Map(entries),
            Span::new(start, self.pos),
            Style::Flow,
        ))
    }
}

/// A character as Go's `%q` would write it in encoding/json's messages.
fn go_quote_char(c: char) -> String {
    match c {
        '\'' => "'\\''".to_owned(),
        c if c.is_control() => format!("{:?}", c),
        c => format!("'{c}'"),
    }
}
