//! Scalars as kyaml keeps them: a node's text (`1.50`, `0x10`, `~`: what go-yaml v3 calls its
//! value, whatever it resolves to) and its style. A strategic merge gives the patch's value the
//! style of the one it replaces (kyaml's `SetStyle`), so a patch's `9090` over a quoted
//! `"8080"` is the string `"9090"`; kustomize's `RemoveBuildAnnotations` writes every
//! annotation back as its text (`5` → `"5"`, a mapping → `""`).

use super::Files;
use super::node::{Origin, RNode, RValue};
use crate::load::tree::{Node, Style, Value};
use crate::model::span::Span;

/// The node of a loaded file written exactly at `origin`, if the file was loaded (a resource
/// or patch file; not a value inside an inline patch, nor one a step of the render made).
fn written(files: &Files, origin: Origin) -> Option<&Node> {
    let loaded = files.loaded_if_any(origin.file)?;
    loaded
        .documents
        .iter()
        .find_map(|d| find(&d.root, origin.span))
}

fn find(node: &Node, span: Span) -> Option<&Node> {
    if !(node.span.start <= span.start && span.end <= node.span.end) {
        return None;
    }
    // Siblings written in one place follow each other: the few that begin at or before the
    // span, nearest first (an alias's copy may be anywhere: then the whole list).
    let near = |starts: &dyn Fn(usize) -> u32, len: usize| {
        let (mut lo, mut end) = (0, len);
        while lo < end {
            let mid = (lo + end) / 2;
            if starts(mid) <= span.start {
                lo = mid + 1;
            } else {
                end = mid;
            }
        }
        (end.saturating_sub(4)..end)
            .rev()
            .chain(end..len)
            .chain(0..end.saturating_sub(4))
    };
    let inner = match &node.value {
        Value::Map(entries) => near(&|i| entries[i].value.span.start, entries.len())
            .find_map(|i| find(&entries[i].value, span)),
        Value::Seq(items) => {
            near(&|i| items[i].span.start, items.len()).find_map(|i| find(&items[i], span))
        }
        _ => None,
    };
    inner.or((node.span == span).then_some(node))
}

/// Whether the string `node` was written quoted or as a block scalar (`"1"`, `'x'`, `|`): a
/// value a strategic merge patch puts in its place is then a string too, of the patch's text.
pub(crate) fn keeps_text(files: &Files, node: &RNode) -> bool {
    let RValue::Str(s) = &node.value else {
        return false;
    };
    written(files, node.origin)
        .is_some_and(|n| n.style != Style::Plain && matches!(&n.value, Value::Str(w) if w == s))
}

/// A scalar's text as kyaml keeps it ([`text_in`]), its file found in `files`.
pub(crate) fn text_of(files: &Files, node: &RNode) -> Option<String> {
    let text = files
        .files
        .get(node.origin.file as usize)
        .map_or("", |f| f.text.as_str());
    text_in(text, node)
}

/// A scalar's text as kyaml keeps it: a string itself; another value its text in `text` (its
/// file's) where that is what was written there (`1.50`, `0x10`, `True`, `~`), else (a value a
/// step of the render made) its canonical text. `None` for a mapping or a list.
pub(crate) fn text_in(text: &str, node: &RNode) -> Option<String> {
    match &node.value {
        // A plain date is a timestamp once decoded; its text stays as written.
        RValue::Str(s) if is_decoded_date(s) => {
            let raw = text.get(node.origin.span.range()).unwrap_or("").trim();
            Some(match super::node::plain_date(raw) {
                Some(date) if &date == s => raw.to_owned(),
                _ => s.clone(),
            })
        }
        RValue::Str(s) => Some(s.clone()),
        RValue::Seq(_) | RValue::Map(_) => None,
        value => {
            let raw = text.get(node.origin.span.range()).unwrap_or("").trim();
            if reads_as(raw, value) {
                Some(raw.to_owned())
            } else {
                node.scalar_text()
            }
        }
    }
}

/// Whether a string may be a plain date as decoded (`2001-12-14T00:00:00Z`).
fn is_decoded_date(s: &str) -> bool {
    s.len() == 20 && s.ends_with("T00:00:00Z")
}

/// Whether a string value is its text: not a plain date, which decoding made a timestamp.
fn is_text(value: &RValue) -> bool {
    matches!(value, RValue::Str(s) if !is_decoded_date(s))
}

/// Whether a plain scalar written `raw` is `value`.
fn reads_as(raw: &str, value: &RValue) -> bool {
    match value {
        RValue::Null => matches!(raw, "" | "~" | "null" | "Null" | "NULL"),
        RValue::Bool(b) => raw.eq_ignore_ascii_case(if *b { "true" } else { "false" }),
        RValue::Int(i) => int_of(raw) == Some(*i),
        RValue::Float(f) => {
            let digits = raw.replace('_', "");
            digits.parse::<f64>().ok() == Some(*f)
                || (f.is_infinite() || f.is_nan()) && raw.starts_with(['.', '+', '-'])
        }
        RValue::Str(_) | RValue::Seq(_) | RValue::Map(_) => false,
    }
}

/// An integer as YAML writes one: decimal, `0x`, `0o`, `0b`, a leading-zero octal, with a
/// sign and underscores.
fn int_of(raw: &str) -> Option<i128> {
    let digits = raw.replace('_', "");
    let (negative, digits) = match digits.as_bytes().first() {
        Some(b'-') => (true, &digits[1..]),
        Some(b'+') => (false, &digits[1..]),
        _ => (false, &digits[..]),
    };
    let magnitude = if let Some(hex) = digits.strip_prefix("0x") {
        i128::from_str_radix(hex, 16).ok()?
    } else if let Some(octal) = digits.strip_prefix("0o") {
        i128::from_str_radix(octal, 8).ok()?
    } else if let Some(binary) = digits.strip_prefix("0b") {
        i128::from_str_radix(binary, 2).ok()?
    } else if digits.len() > 1 && digits.starts_with('0') {
        i128::from_str_radix(&digits[1..], 8).ok()?
    } else {
        digits.parse().ok()?
    };
    Some(if negative { -magnitude } else { magnitude })
}

/// A mapping's values written as text, as kustomize reads and writes annotations: each scalar
/// its text (`text`: [`text_of`] or [`text_in`]), a mapping or a list `""`.
pub(crate) fn values_as_text(map: &mut RNode, text: impl Fn(&RNode) -> Option<String>) {
    if let RValue::Map(entries) = &mut map.value {
        for (_, v) in entries.iter_mut() {
            if !is_text(&v.value) {
                v.value = RValue::Str(text(v).unwrap_or_default());
            }
        }
    }
}

/// go-yaml's short tag of a value.
pub(crate) fn tag(value: &RValue) -> &'static str {
    match value {
        RValue::Null => "!!null",
        RValue::Bool(_) => "!!bool",
        RValue::Int(_) => "!!int",
        RValue::Float(_) => "!!float",
        RValue::Str(_) => "!!str",
        RValue::Seq(_) => "!!seq",
        RValue::Map(_) => "!!map",
    }
}

/// What a plain scalar with this text reads as (YAML 1.2 core schema).
pub(crate) fn plain(text: &str) -> RValue {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return RValue::Null,
        "true" | "True" | "TRUE" => return RValue::Bool(true),
        "false" | "False" | "FALSE" => return RValue::Bool(false),
        _ => {}
    }
    if let Ok(i) = text.parse::<i128>() {
        return RValue::Int(i);
    }
    let numeric = text
        .bytes()
        .all(|b| b.is_ascii_digit() || b"+-.eE".contains(&b))
        && text.bytes().any(|b| b.is_ascii_digit());
    if numeric && let Ok(f) = text.parse::<f64>() {
        return RValue::Float(f);
    }
    RValue::Str(text.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_read_as_yaml_writes_them() {
        for (raw, value) in [
            ("10", 10),
            ("-3", -3),
            ("+3", 3),
            ("0x10", 16),
            ("0o17", 15),
            ("017", 15),
            ("0b101", 5),
            ("1_000", 1000),
        ] {
            assert_eq!(int_of(raw), Some(value), "{raw}");
        }
        assert_eq!(int_of("1.5"), None);
        assert_eq!(int_of("x"), None);
    }

    #[test]
    fn a_scalar_keeps_its_text_where_it_is_written_there() {
        let at = |start: usize, end: usize| Origin {
            file: 0,
            span: Span::new(start, end),
        };
        let text = "f: 1.50\nh: 0x10\nn: ~\nd: 2001-12-14\n";
        let f = RNode::new(RValue::Float(1.5), at(3, 7));
        assert_eq!(text_in(text, &f).as_deref(), Some("1.50"));
        let h = RNode::new(RValue::Int(16), at(11, 15));
        assert_eq!(text_in(text, &h).as_deref(), Some("0x10"));
        let n = RNode::new(RValue::Null, at(19, 20));
        assert_eq!(text_in(text, &n).as_deref(), Some("~"));
        // Made by a step, located elsewhere: its canonical text.
        let made = RNode::new(RValue::Int(7), at(3, 7));
        assert_eq!(text_in(text, &made).as_deref(), Some("7"));
        let d = RNode::str("2001-12-14T00:00:00Z", at(24, 34));
        assert_eq!(text_in(text, &d).as_deref(), Some("2001-12-14"));
        let map = RNode::map(at(0, 1));
        assert_eq!(text_in(text, &map), None);
    }
}
