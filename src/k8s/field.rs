//! A cursor over an object's fields that knows its path as Kubernetes prints it
//! (`spec.template.spec.containers[0].image`), and selecting fields by path.

use crate::load::tree::{Node, Value};
use crate::model::span::Span;
use std::cell::OnceCell;
use std::fmt::{self, Write as _};
use std::rc::Rc;

/// A field path as Kubernetes prints it (`spec.template.spec.containers[0].image`), built lazily:
/// walking the tree only links segments (borrowing key names from it), and the text is made
/// the first time a message needs it. Most fields are never reported, so most paths are never
/// formatted.
#[derive(Clone, Default)]
pub struct FieldPath<'a> {
    last: Option<Rc<Segment<'a>>>,
    text: OnceCell<String>,
}

struct Segment<'a> {
    parent: FieldPath<'a>,
    step: Step<'a>,
}

enum Step<'a> {
    Key(&'a str),
    /// A key that is not a string in the YAML (`on:`), as kubectl converts it.
    OwnedKey(String),
    Index(usize),
    /// A map entry as Kubernetes prints it: `limits[memory]`.
    MapKey(String),
}

impl<'a> FieldPath<'a> {
    /// This path followed by a map entry in brackets (`resources.limits[memory]`).
    pub fn map_key(&self, key: &str) -> FieldPath<'a> {
        self.push(Step::MapKey(key.to_owned()))
    }

    fn push(&self, step: Step<'a>) -> FieldPath<'a> {
        FieldPath {
            last: Some(Rc::new(Segment {
                parent: self.clone(),
                step,
            })),
            text: OnceCell::new(),
        }
    }

    fn render(&self, out: &mut String) {
        let Some(segment) = &self.last else { return };
        segment.parent.render(out);
        let key = match &segment.step {
            Step::Key(key) => key,
            Step::OwnedKey(key) => key.as_str(),
            Step::Index(i) => {
                let _ = write!(out, "[{i}]");
                return;
            }
            Step::MapKey(key) => {
                let _ = write!(out, "[{key}]");
                return;
            }
        };
        if !out.is_empty() {
            out.push('.');
        }
        out.push_str(key);
    }
}

impl std::ops::Deref for FieldPath<'_> {
    type Target = str;

    fn deref(&self) -> &str {
        self.text.get_or_init(|| {
            let mut out = String::new();
            self.render(&mut out);
            out
        })
    }
}

impl fmt::Display for FieldPath<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self)
    }
}

impl fmt::Debug for FieldPath<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

/// A child of a mapping: its value, the span of its key (where to point when something about
/// the field as a whole is wrong) and its field path as Kubernetes prints it.
#[derive(Clone, Debug)]
pub struct Field<'a> {
    pub node: &'a Node,
    pub key: Span,
    pub path: FieldPath<'a>,
}

impl<'a> Field<'a> {
    /// The child `key` of this field's mapping value.
    pub fn child(&self, key: &str) -> Option<Field<'a>> {
        let entry = self.node.entry(key)?;
        let step = match entry.key.as_str() {
            Some(name) => Step::Key(name),
            None => Step::OwnedKey(key.to_owned()),
        };
        Some(Field {
            node: &entry.value,
            key: entry.key.span,
            path: self.path.push(step),
        })
    }

    /// The items of this field's sequence value, with their paths (`path[i]`).
    pub fn items(&self) -> Vec<Field<'a>> {
        self.node
            .as_seq()
            .unwrap_or_default()
            .iter()
            .enumerate()
            .map(|(i, node)| Field {
                node,
                key: node.span,
                path: self.path.push(Step::Index(i)),
            })
            .collect()
    }

    /// Follows several keys.
    pub fn at(&self, keys: &[&str]) -> Option<Field<'a>> {
        keys.iter()
            .try_fold(self.clone(), |field, key| field.child(key))
    }

    pub fn str(&self) -> Option<&'a str> {
        self.node.as_str()
    }

    pub fn int(&self) -> Option<i64> {
        int(self.node)
    }

    /// Whether the value is null (YAML `~` or nothing), which kubectl treats as not set.
    pub fn is_null(&self) -> bool {
        self.node.is_null()
    }

    /// The span to point at when the value itself is at fault: the value, or the key when the
    /// value is empty.
    pub fn value_span(&self) -> Span {
        if self.node.is_null() && self.node.span.start == self.node.span.end {
            self.key
        } else {
            self.node.span
        }
    }
}

/// Every field at `path` below `base`; a `*` step takes each item of a sequence.
pub fn select<'a>(base: &Field<'a>, path: &[&str]) -> Vec<Field<'a>> {
    let mut out = Vec::new();
    select_into(base, path, &mut out);
    out
}

/// [`select`] into one vector: most paths select nothing, and then nothing is allocated.
fn select_into<'a>(base: &Field<'a>, path: &[&str], out: &mut Vec<Field<'a>>) {
    let Some((step, rest)) = path.split_first() else {
        out.push(base.clone());
        return;
    };
    if *step == "*" {
        for item in base.items() {
            select_into(&item, rest, out);
        }
    } else if let Some(child) = base.child(step) {
        select_into(&child, rest, out);
    }
}

/// An integer value: an int, or a float without a fraction (`3.0` reaches the API server as 3).
pub fn int(node: &Node) -> Option<i64> {
    match node.value {
        Value::Int(i) => i64::try_from(i).ok(),
        Value::Float(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Some(f as i64),
        _ => None,
    }
}
