//! YAML (and JSON) text → documents of our span-carrying tree, decoded as kubectl decodes them.
//!
//! A file goes through what `kubectl apply -f` does with it. A stream whose first non-space
//! character is `{` is a stream of JSON values ([`json`]). Otherwise it is split into documents
//! by kubectl's line reader ([`split_documents`]), and each document is parsed on its own with
//! go-yaml v2's grammar ([`scan`], [`parse`]): a syntax error loses only its own document, and the
//! other documents of the file are still checked. Within a document, events are folded into
//! [`Node`]s with an explicit stack (no recursion on hostile nesting), scalars are resolved as
//! go-yaml v2 resolves them (YAML 1.1, tags), anchors and aliases are expanded within a budget,
//! `<<` merge keys are applied as go-yaml v2 applies them, duplicate keys are collapsed to the
//! last one (kubectl's behaviour) and reported, and what kubectl's YAML→JSON conversion refuses
//! (null or collection keys, `.inf`) is reported. Most documents never get here: the fast path
//! ([`block`]) builds the same tree for plain block YAML.
//!
//! `tests/goyaml_differential.rs` checks all of it against kubectl itself on several hundred cases.

mod builder;
use builder::*;
mod entries;
use entries::EntryList;

mod block;
mod json;
pub mod limits;
mod parse;
pub mod resolve;
mod scan;
mod tabs;
pub mod tree;

pub use limits::Limits;

use crate::load::resolve::{resolve_non_string, resolve_tagged};
use crate::load::tree::{Entry, Node, Style, Value};
use crate::model::diagnostic::Diagnostic;
use crate::model::source::SourceFile;
use crate::model::span::Span;
use parse::{Event, Parser, SyntaxError};
use scan::{Mark, ScalarStyle};
use std::collections::HashMap;

pub struct Document {
    /// 0-based index among the file's non-empty documents (the numbering kubectl's reader uses).
    pub index: u32,
    pub root: Node,
}

#[derive(Default)]
pub struct Loaded {
    pub documents: Vec<Document>,
    pub diagnostics: Vec<Diagnostic>,
    /// Documents that could not be read (a syntax error, a limit): the whole-repo checks must
    /// not take what they defined for missing.
    pub lost: usize,
}

/// Loads every document of a file. Never panics; problems become diagnostics.
pub fn load(file: &SourceFile, limits: &Limits) -> Loaded {
    load_documents(file, limits, true, false)
}

/// [`load`] as kustomize's reader (go-yaml v3) sees a mapping's keys: two keys YAML 1.1 reads
/// alike but written differently (`on:` and `yes:`, both `true` to kubectl) are both kept, each
/// under its own spelling. For renders of files that have such keys (a `duplicate-key`
/// finding); every other reading is [`load`]'s.
pub fn load_keeping_spellings(file: &SourceFile, limits: &Limits) -> Loaded {
    load_documents(file, limits, false, true)
}

/// [`load`] with every document through the general loader: what the fast path ([`block`]) is
/// tested against.
#[doc(hidden)]
pub fn load_without_fast_path(file: &SourceFile, limits: &Limits) -> Loaded {
    load_documents(file, limits, false, false)
}

/// How many of the text's non-blank document chunks the fast path ([`block`]) parses, of how
/// many: tests assert that it keeps serving the common case.
#[doc(hidden)]
pub fn fast_path_chunks(text: &str, limits: &Limits) -> (usize, usize) {
    if json::is_json_stream(text) {
        return (0, 0);
    }
    split_documents(text)
        .into_iter()
        .filter(|chunk| {
            chunk.bad_separator.is_none() && !is_blank_or_comment(&text[chunk.range.clone()])
        })
        .fold((0, 0), |(parsed, all), chunk| {
            let ok = block::parse(&text[chunk.range.clone()], chunk.range.start, limits).is_some();
            (parsed + usize::from(ok), all + 1)
        })
}

fn load_documents(
    file: &SourceFile,
    limits: &Limits,
    fast_path: bool,
    keep_spellings: bool,
) -> Loaded {
    let text = file.text.as_str();
    if json::is_json_stream(text) {
        return json::load(file, limits);
    }
    let mut loaded = Loaded::default();
    let mut next_index = 0u32;
    let mut previous_end = 0;
    for chunk in split_documents(text) {
        let range = chunk.range;
        // The document with the `---` line before it, which the reader dropped.
        let document_start = std::mem::replace(&mut previous_end, range.end);
        if loaded.documents.len() >= limits.max_documents {
            let span = Span::new(document_start, document_start);
            loaded.diagnostics.push(
                Diagnostic::new(
                    &crate::model::rule::input_limit_exceeded,
                    file.location(span),
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
        if let Some(at) = chunk.bad_separator {
            loaded.diagnostics.push(bad_separator(file, at));
            loaded.lost += 1;
            continue;
        }
        let source = &text[range.clone()];
        if is_blank_or_comment(source) {
            continue;
        }
        if let Some(root) = fast_path
            .then(|| block::parse(source, range.start, limits))
            .flatten()
        {
            loaded.documents.push(Document {
                index: next_index,
                root,
            });
            next_index += 1;
            continue;
        }
        if let Some(at) = first_control_character(source) {
            let at = range.start + at;
            loaded.diagnostics.push(
                Diagnostic::new(
                    &crate::model::rule::invalid_yaml,
                    file.location(Span::new(at, at)),
                    "YAML syntax error: control characters are not allowed",
                )
                .with_label("a control character")
                .with_help(
                    "kubectl cannot read this document (only tabs and line breaks may appear raw in YAML); remove the character, or write it as an escape in a double-quoted string (\"\\x01\"); the other documents were still checked",
                ),
            );
            loaded.lost += 1;
            continue;
        }
        let mut builder = Builder::new(file, range.start, source, limits);
        builder.keep_spellings = keep_spellings;
        builder.run();
        // A problem in a document that was built (a duplicate key) belongs to that document.
        if let Some(root) = builder.root.take().filter(|root| !root.is_null()) {
            for d in &mut builder.diagnostics {
                d.document.get_or_insert(next_index);
            }
            loaded.documents.push(Document {
                index: next_index,
                root,
            });
            next_index += 1;
        } else if builder.failed {
            loaded.lost += 1;
        }
        loaded.diagnostics.append(&mut builder.diagnostics);
    }
    loaded
}

fn bad_separator(file: &SourceFile, at: usize) -> Diagnostic {
    let line_end = file.text[at..]
        .find('\n')
        .map_or(file.text.len(), |i| at + i);
    let line = file.text[at..line_end].trim_end_matches('\r');
    Diagnostic::new(
        &crate::model::rule::invalid_yaml,
        file.location(Span::new(at, at + line.len())),
        format!(
            "invalid document separator `{}`: kubectl's reader allows only a comment after `---`",
            line.trim()
        ),
    )
    .with_label("kubectl stops reading the file here")
    .with_help(
        "put the content on the next line (`---`, then the document), or make the line a comment; the document after this line was not checked",
    )
}

/// One document of a file, as kubectl's reader hands it to go-yaml.
pub struct Chunk {
    pub range: std::ops::Range<usize>,
    /// The offset of a `---` line followed by more than a comment, which kubectl's reader
    /// refuses ("invalid Yaml document separator"); such a chunk starts at that line and is
    /// reported, not loaded.
    pub bad_separator: Option<usize>,
}

/// Splits a YAML stream into documents as apimachinery's YAMLReader does (the reader of
/// `kubectl apply -f`): a line that starts with `---` ends the document being read, and is
/// dropped, unless no line has been read into the document yet, in which case it starts it
/// (`---` then the document; a `%YAML` directive before a `---` ends up alone in its own
/// document, which go-yaml then rejects). Only a comment or spaces may follow `---` on its
/// line; anything else stops the reader.
pub fn split_documents(text: &str) -> Vec<Chunk> {
    let bytes = text.as_bytes();
    let mut chunks = Vec::new();
    let mut chunk_start = 0;
    let mut bad = None;
    // A marker starts a line: find "\n---" (SIMD), then look at the line.
    let first = bytes.starts_with(b"---").then_some(0);
    let hits = memchr::memmem::find_iter(bytes, b"\n---").map(|i| i + 1);
    for line_start in first.into_iter().chain(hits) {
        let line_end =
            memchr::memchr(b'\n', &bytes[line_start..]).map_or(bytes.len(), |i| line_start + i);
        let mut rest = &text[line_start + 3..line_end];
        if line_end < bytes.len() {
            rest = rest.strip_suffix('\r').unwrap_or(rest);
        }
        // Go's strings.TrimSpace and Rust's trim agree on what is white space (Unicode).
        let rest = rest.trim();
        let is_bad = !rest.is_empty() && !rest.starts_with('#');
        if line_start == chunk_start {
            // Nothing read into this document yet: the line starts it.
            if is_bad {
                bad = Some(line_start);
            }
            continue;
        }
        chunks.push(Chunk {
            range: chunk_start..line_start,
            bad_separator: bad.take(),
        });
        if is_bad {
            chunk_start = line_start;
            bad = Some(line_start);
        } else {
            chunk_start = (line_end + 1).min(bytes.len());
        }
    }
    if chunk_start < bytes.len() || bad.is_some() {
        chunks.push(Chunk {
            range: chunk_start..bytes.len(),
            bad_separator: bad,
        });
    }
    chunks
}

/// Whether a document holds nothing but spaces, line breaks and comments (go-yaml: no document).
/// A tab at the start of a line is not blank: go-yaml refuses it there.
fn is_blank_or_comment(chunk: &str) -> bool {
    // go-yaml drops a byte order mark at the start of what it reads, not elsewhere.
    let chunk = chunk.strip_prefix('\u{feff}').unwrap_or(chunk);
    chunk.split('\n').all(|line| {
        let line = line.trim_start_matches(' ');
        line.is_empty() || line == "\r" || line.starts_with('#')
    })
}

/// The offset of the first character go-yaml's reader refuses ("control characters are not
/// allowed"): C0 controls other than tab, line feed and carriage return, DEL, C1 controls
/// other than NEL, U+FFFE and U+FFFF.
fn first_control_character(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    bytes.iter().enumerate().find_map(|(i, &b)| {
        let bad = match b {
            0x00..=0x08 | 0x0b | 0x0c | 0x0e..=0x1f | 0x7f => true,
            0xc2 => matches!(bytes.get(i + 1), Some(0x80..=0x84 | 0x86..=0x9f)),
            0xef => {
                bytes.get(i + 1) == Some(&0xbf) && matches!(bytes.get(i + 2), Some(0xbe | 0xbf))
            }
            _ => false,
        };
        bad.then_some(i)
    })
}

/// Go's `base64.StdEncoding.DecodeString`, which skips line breaks; invalid UTF-8 in the
/// result becomes U+FFFD per byte, as Go's JSON encoder writes it.
fn decode_base64(text: &str) -> Option<String> {
    let mut bits = 0u32;
    let mut count = 0;
    let mut out = Vec::new();
    let mut padding = 0;
    for b in text.bytes().filter(|&b| b != b'\n' && b != b'\r') {
        let v = match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' => {
                padding += 1;
                count += 1;
                continue;
            }
            _ => return None,
        };
        if padding > 0 {
            return None;
        }
        bits = bits << 6 | u32::from(v);
        count += 1;
        if count % 4 == 0 {
            out.extend_from_slice(&[(bits >> 16) as u8, (bits >> 8) as u8, bits as u8]);
            bits = 0;
        }
    }
    if count % 4 != 0 || padding > 2 {
        return None;
    }
    match padding {
        1 => out.extend_from_slice(&[(bits >> 10) as u8, (bits >> 2) as u8]),
        2 => out.push((bits >> 4) as u8),
        _ => {}
    }
    let mut text = String::with_capacity(out.len());
    let mut rest = out.as_slice();
    loop {
        match std::str::from_utf8(rest) {
            Ok(valid) => {
                text.push_str(valid);
                return Some(text);
            }
            Err(e) => {
                let (valid, after) = rest.split_at(e.valid_up_to());
                text.push_str(std::str::from_utf8(valid).unwrap_or_default());
                text.push('\u{fffd}');
                rest = &after[1..];
            }
        }
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn documents_split_as_kubectl_reads_them() {
        let split = |text: &'static str| -> Vec<(&'static str, bool)> {
            split_documents(text)
                .into_iter()
                .map(|c| (&text[c.range], c.bad_separator.is_some()))
                .collect()
        };
        // A `---` line ends a document and is dropped, unless it starts one.
        assert_eq!(
            split("---\na: 1\n---\n ---\nb: 2\n--- # c\r\nc: 3\n---"),
            vec![
                ("---\na: 1\n", false),
                (" ---\nb: 2\n", false),
                ("c: 3\n", false)
            ]
        );
        // Anything but a comment after `---` stops kubectl's reader.
        assert_eq!(
            split("a: 1\n--- |\n  x\n---\nb: 2\n----\n"),
            vec![
                ("a: 1\n", false),
                ("--- |\n  x\n", true),
                ("b: 2\n", false),
                ("----\n", true)
            ]
        );
        // A directive before `---` is a document of its own.
        assert_eq!(
            split("%YAML 1.1\n---\na: 1\n"),
            vec![("%YAML 1.1\n", false), ("a: 1\n", false)]
        );
        assert_eq!(split("a: 1\n").len(), 1);
        assert!(split("").is_empty());
    }
    use super::*;
    use crate::model::diagnostic::FileId;

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
    fn keys_spelled_apart_are_kept_for_kustomize() {
        let file = SourceFile::new(
            FileId(0),
            "t.yaml".into(),
            "data:\n  on: a\n  yes: b\n  on: c\n  yes: d\n".into(),
        );
        let loaded = load_keeping_spellings(&file, &Limits::default());
        let data = loaded.documents[0].root.get("data").unwrap();
        let written: Vec<&str> = data
            .entries()
            .iter()
            .map(|e| file.slice(e.key.span))
            .collect();
        // `on` twice is still one key (the last value), reported, and so is `yes`; each
        // spelling is a key of its own.
        assert_eq!(written, ["on", "yes"]);
        assert_eq!(data.entries()[0].value.as_str(), Some("c"));
        assert_eq!(data.entries()[1].value.as_str(), Some("d"));
        assert_eq!(loaded.diagnostics.len(), 2);
        assert_eq!(loaded.diagnostics[0].primary.location.start.line, 4);
        assert_eq!(loaded.diagnostics[1].primary.location.start.line, 5);
        // kubectl's reading: one key `true`, the last value.
        let kubectl = load(&file, &Limits::default());
        let data = kubectl.documents[0].root.get("data").unwrap();
        assert_eq!(data.entries().len(), 1);
        assert_eq!(data.entries()[0].value.as_str(), Some("d"));
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
    fn a_character_across_the_json_sniffing_limit_is_fine() {
        let mut text = "a: ".to_owned();
        text.push_str(&"x".repeat(4091));
        text.push_str("\u{feff}\n");
        let (docs, diags) = load_str(&text);
        assert!(diags.is_empty(), "{diags:?}");
        assert_eq!(docs.len(), 1);
    }

    #[test]
    fn bom_and_crlf_are_accepted() {
        let (docs, diags) = load_str("\u{feff}a: 1\r\n---\r\nb: 2\r\n");
        assert!(diags.is_empty(), "{diags:?}");
        assert_eq!(docs.len(), 2);
    }
}
