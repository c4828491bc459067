//! The span-carrying YAML tree every check works on.
//!
//! Values are already decoded the way kubectl decodes them (go-yaml v2 / YAML 1.1 plain scalars,
//! see [`crate::load::resolve`]); the original text of any node is `&source[node.span]`, and its
//! [`Style`] says how it was written, so a check can explain a surprise ("`yes` is a boolean").

use std::borrow::Cow;

pub use crate::model::span::Span;

/// How a node was written in the source.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    Plain,
    SingleQuoted,
    DoubleQuoted,
    Literal,
    Folded,
    Block,
    Flow,
}

impl Style {
    pub fn is_quoted(self) -> bool {
        matches!(self, Style::SingleQuoted | Style::DoubleQuoted)
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    /// Integers as go-yaml v2 resolves them: int64, or uint64 when larger.
    Int(i128),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    Map(Vec<Entry>),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub value: Value,
    pub span: Span,
    pub style: Style,
}

/// A mapping entry. The loader keeps only the last of duplicate keys (kubectl's view) and
/// reports the duplicates, so lookups never have to think about them.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    pub key: Node,
    pub value: Node,
}

impl Node {
    pub fn new(value: Value, span: Span, style: Style) -> Node {
        Node { value, span, style }
    }

    /// The value of `key` in a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|e| &e.value)
    }

    /// The mapping entry for `key`.
    pub fn entry(&self, key: &str) -> Option<&Entry> {
        // Keys of 4 to 16 bytes (nearly all of a manifest's) are compared as two overlapping
        // words, without a call to `memcmp`, the looked-up key's words read once, not once per
        // entry compared: lookups are 9% of a check's instructions. (The two widths are written
        // out: one generic version over the width cost 4% of a check, 722 M against 692 M
        // instructions on the 2,000-file corpus.)
        let entries = self.entries();
        let b = key.as_bytes();
        let n = b.len();
        let other = |e: &Entry| match &e.key.value {
            Value::Str(_) => false,
            // Rare: `on:` or `1:` keys, compared as kubectl converts them.
            _ => e.key.key_string().as_deref() == Some(key),
        };
        match n {
            4..=7 => {
                let (head, tail) = (word4(b, 0), word4(b, n - 4));
                entries.iter().find(|e| match &e.key.value {
                    Value::Str(s) => {
                        let a = s.as_bytes();
                        a.len() == n && word4(a, 0) == head && word4(a, n - 4) == tail
                    }
                    _ => other(e),
                })
            }
            8..=16 => {
                let (head, tail) = (word8(b, 0), word8(b, n - 8));
                entries.iter().find(|e| match &e.key.value {
                    Value::Str(s) => {
                        let a = s.as_bytes();
                        a.len() == n && word8(a, 0) == head && word8(a, n - 8) == tail
                    }
                    _ => other(e),
                })
            }
            _ => entries.iter().find(|e| match &e.key.value {
                Value::Str(s) => s.as_bytes() == b,
                _ => other(e),
            }),
        }
    }

    /// Follows a path of mapping keys.
    pub fn get_path(&self, path: &[&str]) -> Option<&Node> {
        path.iter().try_fold(self, |node, key| node.get(key))
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_i64(&self) -> Option<i64> {
        match self.value {
            Value::Int(i) => i64::try_from(i).ok(),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self.value {
            Value::Bool(b) => Some(b),
            _ => None,
        }
    }

    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.value {
            Value::Seq(items) => Some(items),
            _ => None,
        }
    }

    /// The entries of a mapping (empty for anything else).
    pub fn entries(&self) -> &[Entry] {
        match &self.value {
            Value::Map(entries) => entries,
            _ => &[],
        }
    }

    pub fn is_map(&self) -> bool {
        matches!(self.value, Value::Map(_))
    }

    pub fn is_null(&self) -> bool {
        matches!(self.value, Value::Null)
    }

    /// The key as kubectl's YAML→JSON conversion turns it into a string
    /// (sigs.k8s.io/yaml convertToJSONableObject): `on:` becomes "true", `1:` becomes "1".
    /// `None` for keys JSON cannot have (null, sequences, mappings).
    pub fn key_string(&self) -> Option<Cow<'_, str>> {
        match &self.value {
            Value::Str(s) => Some(Cow::Borrowed(s)),
            Value::Bool(b) => Some(Cow::Borrowed(if *b { "true" } else { "false" })),
            // go-yaml v2 decodes a larger integer as uint64 or a big integer, keys sigs.k8s.io/yaml
            // refuses ("unsupported map key").
            Value::Int(i) if i64::try_from(*i).is_ok() => Some(Cow::Owned(i.to_string())),
            Value::Float(f) => Some(Cow::Owned(format_float_key(*f))),
            Value::Int(_) | Value::Null | Value::Seq(_) | Value::Map(_) => None,
        }
    }

    /// A short description of the value's type as a user would say it.
    pub fn type_name(&self) -> &'static str {
        match self.value {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Int(_) => "integer",
            Value::Float(_) => "number",
            Value::Str(_) => "string",
            Value::Seq(_) => "list",
            Value::Map(_) => "mapping",
        }
    }

    /// The type name with its article: "an integer", "a string".
    pub fn a_type_name(&self) -> String {
        let name = self.type_name();
        let article = if name.starts_with(['a', 'e', 'i', 'o', 'u']) {
            "an"
        } else {
            "a"
        };
        format!("{article} {name}")
    }

    /// Number of nodes in this subtree (used for alias-expansion budgets).
    pub fn count_nodes(&self) -> usize {
        1 + match &self.value {
            Value::Seq(items) => items.iter().map(Node::count_nodes).sum(),
            Value::Map(entries) => entries
                .iter()
                .map(|e| e.key.count_nodes() + e.value.count_nodes())
                .sum(),
            _ => 0,
        }
    }

    /// Converts to JSON as kubectl's YAMLToJSON does: keys become strings, whole floats are
    /// written as integers (Go's json.Marshal does the same), keys JSON cannot have are dropped
    /// (the loader has already reported them).
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match &self.value {
            Value::Null => J::Null,
            Value::Bool(b) => J::Bool(*b),
            Value::Int(i) => int_to_json(*i),
            Value::Float(f) => float_to_json(*f),
            Value::Str(s) => J::String(s.clone()),
            Value::Seq(items) => J::Array(items.iter().map(Node::to_json).collect()),
            Value::Map(entries) => {
                let mut map = serde_json::Map::with_capacity(entries.len());
                for e in entries {
                    if let Some(k) = e.key.key_string() {
                        map.insert(k.into_owned(), e.value.to_json());
                    }
                }
                J::Object(map)
            }
        }
    }
}

#[inline]
fn word4(s: &[u8], at: usize) -> u32 {
    u32::from_ne_bytes(s[at..at + 4].try_into().expect("4 bytes"))
}

#[inline]
fn word8(s: &[u8], at: usize) -> u64 {
    u64::from_ne_bytes(s[at..at + 8].try_into().expect("8 bytes"))
}

/// Formats a float map key as sigs.k8s.io/yaml does: `FormatFloat(f, 'g', -1, 32)`, the
/// shortest float32 digits, in exponent form below 1e-4 or from 1e6 (`1.8446744e+19`), and
/// `.inf`, `-.inf`, `.nan`.
pub fn format_float_key(f: f64) -> String {
    if f.is_nan() {
        return ".nan".to_owned();
    }
    if f.is_infinite() {
        return if f > 0.0 { ".inf" } else { "-.inf" }.to_owned();
    }
    let f = f as f32;
    let scientific = format!("{f:e}");
    let Some((mantissa, exp)) = scientific.split_once('e') else {
        return scientific;
    };
    let exp: i32 = exp.parse().unwrap_or(0);
    if f != 0.0 && !(-4..6).contains(&exp) {
        format!(
            "{mantissa}e{}{:02}",
            if exp < 0 { '-' } else { '+' },
            exp.abs()
        )
    } else {
        format!("{f}")
    }
}

/// An integer as JSON: int64, else uint64, else (out of both) a float, as Go's json.Marshal.
pub fn int_to_json(i: i128) -> serde_json::Value {
    if let Ok(v) = i64::try_from(i) {
        serde_json::Value::from(v)
    } else if let Ok(v) = u64::try_from(i) {
        serde_json::Value::from(v)
    } else {
        serde_json::Value::from(i as f64)
    }
}

/// A float as JSON: Go's json.Marshal writes 1000.0 as `1000`, which then decodes into int
/// fields; NaN and infinities (JSON has none) become null.
pub fn float_to_json(f: f64) -> serde_json::Value {
    if f.fract() == 0.0 && f.abs() < 9.0e15 {
        serde_json::Value::from(f as i64)
    } else {
        serde_json::Number::from_f64(f).map_or(serde_json::Value::Null, serde_json::Value::Number)
    }
}

#[cfg(test)]
mod tests {
    use super::{Entry, Node, Style, Value};
    use crate::model::span::Span;

    fn scalar(value: Value) -> Node {
        Node::new(value, Span::default(), Style::Plain)
    }

    #[test]
    fn entry_finds_exactly_the_equal_key_at_every_length_and_position() {
        // Every prefix of the text, and each with one byte changed, as keys of one mapping
        // (with a non-string key among them): each lookup finds its own entry and only it.
        let text = "abcdefghijklmnopqrstuvwxyz0123456789";
        let mut keys: Vec<String> = Vec::new();
        for n in 0..=text.len() {
            keys.push(text[..n].to_owned());
            for at in 0..n {
                let mut b = text.as_bytes()[..n].to_vec();
                b[at] = b'_';
                keys.push(String::from_utf8(b).unwrap());
            }
        }
        let mut entries: Vec<Entry> = keys
            .iter()
            .enumerate()
            .map(|(i, k)| Entry {
                key: scalar(Value::Str(k.clone())),
                value: scalar(Value::Int(i as i128)),
            })
            .collect();
        entries.insert(
            3,
            Entry {
                key: scalar(Value::Bool(true)),
                value: scalar(Value::Int(-1)),
            },
        );
        let map = scalar(Value::Map(entries));
        for (i, k) in keys.iter().enumerate() {
            assert_eq!(map.get(k).and_then(Node::as_i64), Some(i as i64), "{k:?}");
        }
        // `on:` decodes to `true`, which kubectl's JSON names "true".
        assert_eq!(map.get("true").and_then(Node::as_i64), Some(-1));
        assert_eq!(map.get("abcdefghijklmnopqrstuvwxyz0123456789!"), None);
        assert_eq!(map.get("zz"), None);
        assert_eq!(map.get("abcdefghij__"), None);
        assert_eq!(scalar(Value::Null).get("a"), None);
    }
}
