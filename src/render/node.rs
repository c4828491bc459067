//! The rendered tree: values from many files, each node remembering where it came from.
//!
//! The loader's [`Node`] points into one file (its [`Span`] is a byte range of that file); a
//! rendered object mixes the base file, patch files and the kustomization's own entries, so each
//! [`RNode`] carries an [`Origin`]: the index of its file in the render's file table and the span
//! there. It costs eight bytes more a node than the loader's tree, and keys keep no origin (the
//! value's is the one findings point at).
//!
//! Scalars are what kustomize's output holds, decoded as `kubectl apply` reads it: kustomize reads
//! resources with go-yaml v3 (YAML 1.2) and writes them back, so a plain `on`, `yes` or `y` that
//! kubevet's loader (go-yaml v2, YAML 1.1) reads as a boolean is the *string* "on" once rendered,
//! a plain `2001-12-14` becomes the timestamp string "2001-12-14T00:00:00Z", and `0o17` becomes 15
//! ([`from_loaded`]). Everything else decodes alike in both.

use crate::load::tree::{Node, Style, Value};
use crate::model::span::Span;

/// Where a rendered value was written: a file of the render's table, and the span there.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Origin {
    pub file: u32,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum RValue {
    Null,
    Bool(bool),
    Int(i128),
    Float(f64),
    Str(String),
    Seq(Vec<RNode>),
    Map(Vec<(String, RNode)>),
}

#[derive(Clone, Debug, PartialEq)]
pub struct RNode {
    pub value: RValue,
    pub origin: Origin,
}

impl RNode {
    pub fn new(value: RValue, origin: Origin) -> RNode {
        RNode { value, origin }
    }

    pub fn str(s: impl Into<String>, origin: Origin) -> RNode {
        RNode::new(RValue::Str(s.into()), origin)
    }

    pub fn map(origin: Origin) -> RNode {
        RNode::new(RValue::Map(Vec::new()), origin)
    }

    pub fn get(&self, key: &str) -> Option<&RNode> {
        match &self.value {
            RValue::Map(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    pub fn get_mut(&mut self, key: &str) -> Option<&mut RNode> {
        match &mut self.value {
            RValue::Map(entries) => entries.iter_mut().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    pub fn get_path(&self, path: &[&str]) -> Option<&RNode> {
        path.iter().try_fold(self, |node, key| node.get(key))
    }

    /// What kyaml's `GetValidatedMetadata` finds missing in an object, if anything: its
    /// `kind` (asked first), or its `metadata.name` (each a scalar, not empty).
    pub(crate) fn unidentified(&self) -> Option<&'static str> {
        [
            (&["kind"][..], "kind"),
            (&["metadata", "name"][..], "metadata.name"),
        ]
        .into_iter()
        .find(|(path, _)| {
            !self.get_path(path).is_some_and(|n| match &n.value {
                RValue::Str(s) => !s.is_empty(),
                RValue::Int(_) | RValue::Float(_) | RValue::Bool(_) => true,
                RValue::Null | RValue::Seq(_) | RValue::Map(_) => false,
            })
        })
        .map(|(_, what)| what)
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            RValue::Str(s) => Some(s),
            _ => None,
        }
    }

    /// A scalar's text as kustomize holds it (`null` is empty); `None` for a map or a list.
    pub fn scalar_text(&self) -> Option<String> {
        Some(match &self.value {
            RValue::Null => String::new(),
            RValue::Bool(b) => b.to_string(),
            RValue::Int(i) => i.to_string(),
            RValue::Float(f) => f.to_string(),
            RValue::Str(s) => s.clone(),
            RValue::Seq(_) | RValue::Map(_) => return None,
        })
    }

    pub fn str_at(&self, path: &[&str]) -> Option<&str> {
        self.get_path(path).and_then(RNode::as_str)
    }

    pub fn is_map(&self) -> bool {
        matches!(self.value, RValue::Map(_))
    }

    pub fn entries(&self) -> &[(String, RNode)] {
        match &self.value {
            RValue::Map(entries) => entries,
            _ => &[],
        }
    }

    pub fn items(&self) -> &[RNode] {
        match &self.value {
            RValue::Seq(items) => items,
            _ => &[],
        }
    }

    /// Sets `key` in a mapping (replacing its value, or appending the entry).
    pub fn set(&mut self, key: &str, value: RNode) {
        if let RValue::Map(entries) = &mut self.value {
            match entries.iter_mut().find(|(k, _)| k == key) {
                Some((_, v)) => *v = value,
                None => entries.push((key.to_owned(), value)),
            }
        }
    }

    pub fn remove(&mut self, key: &str) -> Option<RNode> {
        if let RValue::Map(entries) = &mut self.value {
            let at = entries.iter().position(|(k, _)| k == key)?;
            return Some(entries.remove(at).1);
        }
        None
    }

    /// The mapping at `key`, created (at `origin`) when missing or null.
    pub fn child_map(&mut self, key: &str, origin: Origin) -> &mut RNode {
        let missing = !self.get(key).is_some_and(RNode::is_map);
        if missing {
            self.set(key, RNode::map(origin));
        }
        self.get_mut(key).expect("just set")
    }

    /// Converts to JSON as kubectl sends it (whole floats as integers, as Go's json.Marshal).
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match &self.value {
            RValue::Null => J::Null,
            RValue::Bool(b) => J::Bool(*b),
            RValue::Int(i) => crate::load::tree::int_to_json(*i),
            RValue::Float(f) => crate::load::tree::float_to_json(*f),
            RValue::Str(s) => J::String(s.clone()),
            RValue::Seq(items) => J::Array(items.iter().map(RNode::to_json).collect()),
            RValue::Map(entries) => J::Object(
                entries
                    .iter()
                    .map(|(k, v)| (k.clone(), v.to_json()))
                    .collect(),
            ),
        }
    }

    /// Builds a tree from JSON (values a kustomization writes inline), every node at `origin`.
    pub fn from_json(value: &serde_json::Value, origin: Origin) -> RNode {
        use serde_json::Value as J;
        let value = match value {
            J::Null => RValue::Null,
            J::Bool(b) => RValue::Bool(*b),
            J::Number(n) => match n.as_i64() {
                Some(i) => RValue::Int(i128::from(i)),
                None => RValue::Float(n.as_f64().unwrap_or(0.0)),
            },
            J::String(s) => RValue::Str(s.clone()),
            J::Array(items) => {
                RValue::Seq(items.iter().map(|v| RNode::from_json(v, origin)).collect())
            }
            J::Object(map) => RValue::Map(
                map.iter()
                    .map(|(k, v)| (k.clone(), RNode::from_json(v, origin)))
                    .collect(),
            ),
        };
        RNode::new(value, origin)
    }
}

/// Converts a loaded node of file `file` (whose text is `text`) into a rendered node, re-reading
/// plain scalars as go-yaml v3 does where it differs from v2 (see the module's documentation).
pub fn from_loaded(node: &Node, file: u32, text: &str) -> RNode {
    convert(node, file, text, &mut None)
}

/// [`from_loaded`], and the first mapping key go-yaml v3 does not read as a string (a plain
/// `1`, `1.5`, `true`, `0o17` or `2001-01-02`), if any: kustomize cannot write such an object
/// out (its JSON encoder refuses a map with keys that are not strings).
pub fn from_loaded_keys(node: &Node, file: u32, text: &str) -> (RNode, Option<Origin>) {
    let mut bad = None;
    let node = convert(node, file, text, &mut bad);
    (node, bad.map(|span| Origin { file, span }))
}

/// Whether go-yaml v3 reads the mapping key `key` of the file `text` as something other than
/// a string.
#[inline(always)]
fn non_string_key(key: &Node, text: &str) -> bool {
    match &key.value {
        // (Most keys are words: only one that starts with a digit can be a number or a date.)
        Value::Str(s) => {
            key.style == Style::Plain
                && s.as_bytes().first().is_some_and(u8::is_ascii_digit)
                && (matches!(yaml12_plain(s), RValue::Int(_)) || plain_date(s).is_some())
        }
        Value::Int(_) | Value::Float(_) => true,
        Value::Bool(_) => is_yaml12_bool(text.get(key.span.range()).unwrap_or("")),
        Value::Null | Value::Seq(_) | Value::Map(_) => false,
    }
}

fn convert(node: &Node, file: u32, text: &str, bad: &mut Option<Span>) -> RNode {
    let origin = Origin {
        file,
        span: node.span,
    };
    let value = match &node.value {
        Value::Null => RValue::Null,
        Value::Bool(b) => {
            let written = text.get(node.span.range()).unwrap_or("");
            if node.style == Style::Plain && !is_yaml12_bool(written) && !written.is_empty() {
                RValue::Str(written.to_owned())
            } else {
                RValue::Bool(*b)
            }
        }
        Value::Int(i) => RValue::Int(*i),
        Value::Float(f) => RValue::Float(*f),
        Value::Str(s) if node.style == Style::Plain => yaml12_plain(s),
        Value::Str(s) if block_at_eof(node, text) => {
            RValue::Str(s.strip_suffix('\n').unwrap_or(s).to_owned())
        }
        Value::Str(s) => RValue::Str(s.clone()),
        Value::Seq(items) => {
            RValue::Seq(items.iter().map(|n| convert(n, file, text, bad)).collect())
        }
        Value::Map(entries) => {
            // (Sized for every entry: collecting a `filter_map` grows the vector from four.)
            let mut out = Vec::with_capacity(entries.len());
            for e in entries {
                if bad.is_none() && non_string_key(&e.key, text) {
                    *bad = Some(e.key.span);
                }
                let key = match (&e.key.value, e.key.style) {
                    (Value::Bool(_), Style::Plain) => {
                        text.get(e.key.span.range()).unwrap_or("").to_owned()
                    }
                    _ => match e.key.key_string() {
                        Some(key) => key.into_owned(),
                        None => continue,
                    },
                };
                out.push((key, convert(&e.value, file, text, bad)));
            }
            RValue::Map(out)
        }
    };
    RNode::new(value, origin)
}

/// Whether [`from_loaded_keys`] gives `node` back as it was loaded (the rendered node
/// [`unchanged`](crate::run) from the loaded one: every value decoded alike by go-yaml v3 and
/// kubevet's loader, every key a string both read so): a walk that allocates nothing, for the
/// objects a render need not convert ([`super::skeleton`]). `false` may be too careful, never
/// wrong.
pub(crate) fn converts_alike(node: &Node, text: &str) -> bool {
    match &node.value {
        Value::Null | Value::Int(_) | Value::Float(_) => true,
        Value::Bool(_) => {
            let written = text.get(node.span.range()).unwrap_or("");
            node.style != Style::Plain || is_yaml12_bool(written) || written.is_empty()
        }
        Value::Str(s) if node.style == Style::Plain => {
            !(s.strip_prefix("0o")
                .is_some_and(|o| i128::from_str_radix(o, 8).is_ok())
                || plain_date(s).is_some())
        }
        Value::Str(_) => !block_at_eof(node, text),
        Value::Seq(items) => items.iter().all(|n| converts_alike(n, text)),
        Value::Map(entries) => entries.iter().all(|e| {
            matches!(e.key.value, Value::Str(_))
                && !non_string_key(&e.key, text)
                && converts_alike(&e.value, text)
        }),
    }
}

/// A `|` or `>` block scalar that ends the file without a final newline: go-yaml v3 gives its
/// value no final line break (kubectl's reader, which kubevet's loader follows, adds one).
fn block_at_eof(node: &Node, text: &str) -> bool {
    matches!(node.style, Style::Literal | Style::Folded)
        && !text.ends_with('\n')
        && text[node.span.end.min(text.len() as u32) as usize..]
            .trim()
            .is_empty()
        && !text
            .get(node.span.range())
            .unwrap_or("")
            .lines()
            .next()
            .unwrap_or("")
            .contains('+')
}

fn is_yaml12_bool(text: &str) -> bool {
    matches!(text, "true" | "True" | "TRUE" | "false" | "False" | "FALSE")
}

/// A plain scalar v2 left a string: go-yaml v3 reads `0o17` as an integer and a date as a
/// timestamp, which kustomize writes back in RFC 3339.
fn yaml12_plain(s: &str) -> RValue {
    if let Some(octal) = s.strip_prefix("0o")
        && let Ok(i) = i128::from_str_radix(octal, 8)
    {
        return RValue::Int(i);
    }
    if let Some(date) = plain_date(s) {
        return RValue::Str(date);
    }
    RValue::Str(s.to_owned())
}

/// `2001-12-14` (or `2001-1-2`) as go-yaml v3 decodes it and Go's JSON writes it back.
pub(crate) fn plain_date(s: &str) -> Option<String> {
    // (Most strings are not dates: four digits and a dash first, or not one.)
    let b = s.as_bytes();
    if b.len() < 8 || b[4] != b'-' || !b[..4].iter().all(u8::is_ascii_digit) {
        return None;
    }
    let mut parts = s.split('-');
    let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
    let digits = |p: &str, lo: usize, hi: usize| {
        (lo..=hi).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit())
    };
    if parts.next().is_some() || !digits(y, 4, 4) || !digits(m, 1, 2) || !digits(d, 1, 2) {
        return None;
    }
    let (m, d): (u32, u32) = (m.parse().ok()?, d.parse().ok()?);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    Some(format!("{y}-{m:02}-{d:02}T00:00:00Z"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_scalars_read_as_yaml_1_2() {
        assert_eq!(yaml12_plain("0o17"), RValue::Int(15));
        assert_eq!(
            yaml12_plain("2001-1-2"),
            RValue::Str("2001-01-02T00:00:00Z".into())
        );
        assert_eq!(yaml12_plain("2001-13-2"), RValue::Str("2001-13-2".into()));
        assert_eq!(
            yaml12_plain("2001-12-14"),
            RValue::Str("2001-12-14T00:00:00Z".into())
        );
        for not_a_date in [
            "20011-1-2",
            "201-01-02",
            "2001-1-",
            "x001-01-02",
            "2001-01-02-03",
        ] {
            assert_eq!(yaml12_plain(not_a_date), RValue::Str(not_a_date.into()));
        }
        assert!(is_yaml12_bool("True"));
        assert!(!is_yaml12_bool("yes"));
    }

    #[test]
    fn group_and_version_split_at_the_first_slash() {
        let of = |api_version: &str| {
            let mut root = RNode::map(Origin::default());
            root.set("apiVersion", RNode::str(api_version, Origin::default()));
            let r = crate::render::Resource::new(root);
            let (g, v) = r.group_version();
            (g.to_owned(), v.to_owned())
        };
        let pair = |g: &str, v: &str| (g.to_owned(), v.to_owned());
        assert_eq!(of("v1"), pair("", "v1"));
        assert_eq!(of("apps/v1"), pair("apps", "v1"));
        assert_eq!(of("a/b/c"), pair("a", "b/c"));
        assert_eq!(of(""), pair("", ""));
        assert_eq!(of("é/v1"), pair("é", "v1"));
    }
}
