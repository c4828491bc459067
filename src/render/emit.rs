//! Rendered objects as YAML, in kustomize's layout (keys sorted, block style, `---` between
//! objects), optionally with a comment per object and per scalar saying where it was set.

use super::node::{Origin, RNode, RValue};
use crate::load::resolve::resolve_plain;
use crate::load::tree::Value;
use std::fmt::Write;

/// Says where an origin is (`file:line`), or `None` to print no comment.
pub type Describe<'a> = &'a dyn Fn(Origin) -> Option<String>;

/// Writes objects as a YAML stream.
pub fn write_stream(objects: &[&RNode], sources: Option<Describe<'_>>) -> String {
    let mut out = String::new();
    for (i, object) in objects.iter().enumerate() {
        if i > 0 {
            out.push_str("---\n");
        }
        if let Some(describe) = sources
            && let Some(at) = describe(object.origin)
        {
            let _ = writeln!(out, "# from {at}");
        }
        write_map_body(&mut out, object, 0, sources);
    }
    out
}

fn sorted(entries: &[(String, RNode)]) -> Vec<&(String, RNode)> {
    let mut v: Vec<&(String, RNode)> = entries.iter().collect();
    v.sort_by(|a, b| a.0.cmp(&b.0));
    v
}

fn indent(out: &mut String, n: usize) {
    out.extend(std::iter::repeat_n(' ', n));
}

fn comment(out: &mut String, node: &RNode, sources: Option<Describe<'_>>) {
    if let Some(describe) = sources
        && let Some(at) = describe(node.origin)
    {
        let _ = write!(out, "  # {at}");
    }
}

fn write_map_body(out: &mut String, node: &RNode, level: usize, sources: Option<Describe<'_>>) {
    let entries = sorted(node.entries());
    if entries.is_empty() {
        indent(out, level);
        out.push_str("{}\n");
        return;
    }
    for (i, (key, value)) in entries.into_iter().enumerate() {
        if i > 0 {
            indent(out, level);
        }
        write_entry(out, key, value, level, sources);
    }
}

/// Writes `key: value` (the indentation of the first line already written).
fn write_entry(
    out: &mut String,
    key: &str,
    value: &RNode,
    level: usize,
    sources: Option<Describe<'_>>,
) {
    out.push_str(&scalar_text(key));
    out.push(':');
    write_value(out, value, level, sources, true);
}

/// Writes a value after `key:` or `- ` (the caller wrote those), ending the line(s).
fn write_value(
    out: &mut String,
    value: &RNode,
    level: usize,
    sources: Option<Describe<'_>>,
    after_key: bool,
) {
    match &value.value {
        RValue::Map(entries) if !entries.is_empty() => {
            if after_key {
                out.push('\n');
                indent(out, level + 2);
                write_map_body(out, value, level + 2, sources);
            } else {
                // `- key: value` with the rest aligned under the first key.
                write_map_body(out, value, level + 2, sources);
            }
        }
        RValue::Seq(items) if !items.is_empty() => {
            if after_key {
                out.push('\n');
            }
            for (i, item) in items.iter().enumerate() {
                if i > 0 || after_key {
                    indent(out, level);
                }
                out.push('-');
                match &item.value {
                    RValue::Map(e) if !e.is_empty() => {
                        out.push(' ');
                        write_value(out, item, level, sources, false);
                    }
                    RValue::Seq(s) if !s.is_empty() => {
                        write_value(out, item, level + 2, sources, true);
                    }
                    _ => write_value(out, item, level, sources, true),
                }
            }
        }
        _ => {
            out.push(' ');
            out.push_str(&scalar(value));
            comment(out, value, sources);
            out.push('\n');
        }
    }
}

pub(super) fn scalar(node: &RNode) -> String {
    match &node.value {
        RValue::Null => "null".into(),
        RValue::Bool(b) => b.to_string(),
        RValue::Int(i) => i.to_string(),
        RValue::Float(f) => {
            if f.is_nan() {
                ".nan".into()
            } else if f.is_infinite() {
                if *f > 0.0 { ".inf" } else { "-.inf" }.into()
            } else if f.fract() == 0.0 && f.abs() < 9.0e15 {
                format!("{}", *f as i64)
            } else {
                format!("{f}")
            }
        }
        RValue::Str(s) => scalar_text(s),
        RValue::Map(_) => "{}".into(),
        RValue::Seq(_) => "[]".into(),
    }
}

/// A string plain when YAML 1.1 and 1.2 both read it back as the same string, else quoted.
fn scalar_text(s: &str) -> String {
    let simple = !s.is_empty()
        && (s.as_bytes()[0].is_ascii_alphanumeric() || s.starts_with('/'))
        && !s.ends_with(':')
        && !s.starts_with("0o")
        && (!s.as_bytes()[0].is_ascii_digit() || !s.contains(':'))
        && s.bytes().all(|b| {
            b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'/' | b'-' | b':' | b'@')
        })
        && matches!(resolve_plain(s), Value::Str(_))
        && super::node::plain_date(s).is_none();
    if simple {
        s.to_owned()
    } else {
        serde_json::to_string(s).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::{Limits, load};
    use crate::model::diagnostic::FileId;
    use crate::model::source::SourceFile;

    #[test]
    fn round_trips_through_the_loader() {
        let text = "a:\n  b: [1, {c: d, e: [x, y]}, [p, q], {}, []]\n  on: yes\n  n: '0x1'\n  m: \"line\\nline\"\nz: null\n";
        let file = SourceFile::new(FileId(0), "t.yaml".into(), text.into());
        let loaded = load(&file, &Limits::default());
        let node = super::super::node::from_loaded(&loaded.documents[0].root, 0, text);
        let out = write_stream(&[&node], None);
        let back = SourceFile::new(FileId(0), "o.yaml".into(), out.clone());
        let reloaded = load(&back, &Limits::default());
        assert!(reloaded.diagnostics.is_empty(), "{out}");
        let again = super::super::node::from_loaded(&reloaded.documents[0].root, 0, &out);
        assert_eq!(again.to_json(), node.to_json(), "{out}");
        assert_eq!(node.to_json()["a"]["on"], "yes");
    }
}
