//! Label selectors (`matchLabels`/`matchExpressions`, and plain label maps) and how labels
//! satisfy them.

use crate::load::tree::{Node, Value};
use std::fmt::Write as _;

/// Labels as (key, value) strings; non-string values (reported by the label rules) are compared
/// as kubectl would stringify them.
pub fn labels_of(map: &Node) -> Vec<(String, String)> {
    map.entries()
        .iter()
        .filter_map(|e| {
            let key = e.key.key_string()?.into_owned();
            let value = match &e.value.value {
                Value::Null => String::new(),
                _ => e.value.key_string()?.into_owned(),
            };
            Some((key, value))
        })
        .collect()
}

/// One requirement of a selector, and the node it was written as.
#[derive(Clone, Debug)]
pub struct Requirement<'a> {
    pub key: String,
    pub op: Op,
    pub values: Vec<String>,
    pub node: &'a Node,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Equals,
    In,
    NotIn,
    Exists,
    DoesNotExist,
}

impl<'a> Requirement<'a> {
    pub fn matches(&self, labels: &[(String, String)]) -> bool {
        let value = labels
            .iter()
            .find(|(k, _)| *k == self.key)
            .map(|(_, v)| v.as_str());
        match self.op {
            Op::Equals | Op::In => value.is_some_and(|v| self.values.iter().any(|w| w == v)),
            Op::NotIn => value.is_none_or(|v| !self.values.iter().any(|w| w == v)),
            Op::Exists => value.is_some(),
            Op::DoesNotExist => value.is_none(),
        }
    }

    /// How the requirement reads: `app=web`, `tier in (a, b)`, `!canary`.
    pub fn describe(&self) -> String {
        match self.op {
            Op::Equals => format!("{}={}", self.key, self.values.join("")),
            Op::In => format!("{} in ({})", self.key, self.values.join(", ")),
            Op::NotIn => format!("{} notin ({})", self.key, self.values.join(", ")),
            Op::Exists => self.key.clone(),
            Op::DoesNotExist => format!("!{}", self.key),
        }
    }
}

/// A selector's requirements: `matchLabels` entries and well-formed `matchExpressions`
/// (malformed expressions are `invalid-selector`'s finding and are left out here), or a plain
/// label map (a ReplicationController's or a Service's selector).
#[derive(Clone, Debug, Default)]
pub struct Selector<'a> {
    pub requirements: Vec<Requirement<'a>>,
    /// Whether an expression could not be understood (then matching is not judged).
    pub malformed: bool,
}

impl<'a> Selector<'a> {
    /// A `metav1.LabelSelector` (`matchLabels` / `matchExpressions`).
    pub fn label_selector(node: &'a Node) -> Selector<'a> {
        let mut selector = Selector::default();
        if let Some(labels) = node.get("matchLabels") {
            selector.push_map(labels);
        }
        if let Some(exprs) = node.get("matchExpressions") {
            for expr in exprs.as_seq().unwrap_or_default() {
                match parse_expression(expr) {
                    Some(req) => selector.requirements.push(req),
                    None => selector.malformed = true,
                }
            }
        }
        selector
    }

    /// A plain `map[string]string` selector.
    pub fn map(node: &'a Node) -> Selector<'a> {
        let mut selector = Selector::default();
        selector.push_map(node);
        selector
    }

    fn push_map(&mut self, map: &'a Node) {
        for entry in map.entries() {
            let Some(key) = entry.key.key_string() else {
                continue;
            };
            let value = match &entry.value.value {
                Value::Null => String::new(),
                _ => match entry.value.key_string() {
                    Some(v) => v.into_owned(),
                    None => {
                        self.malformed = true;
                        continue;
                    }
                },
            };
            self.requirements.push(Requirement {
                key: key.into_owned(),
                op: Op::Equals,
                values: vec![value],
                node: &entry.value,
            });
        }
    }

    pub fn is_empty(&self) -> bool {
        self.requirements.is_empty() && !self.malformed
    }

    /// The requirements the labels do not satisfy.
    pub fn unmatched(&self, labels: &[(String, String)]) -> Vec<&Requirement<'a>> {
        self.requirements
            .iter()
            .filter(|r| !r.matches(labels))
            .collect()
    }
}

fn parse_expression(expr: &Node) -> Option<Requirement<'_>> {
    let key = expr.get("key")?.as_str()?.to_owned();
    let op = match expr.get("operator")?.as_str()? {
        "In" => Op::In,
        "NotIn" => Op::NotIn,
        "Exists" => Op::Exists,
        "DoesNotExist" => Op::DoesNotExist,
        _ => return None,
    };
    let values: Vec<String> = match expr.get("values") {
        None => Vec::new(),
        Some(v) if v.is_null() => Vec::new(),
        Some(v) => v
            .as_seq()?
            .iter()
            .map(|n| n.key_string().map(|s| s.into_owned()))
            .collect::<Option<_>>()?,
    };
    let needs_values = matches!(op, Op::In | Op::NotIn);
    if needs_values == values.is_empty() {
        return None;
    }
    Some(Requirement {
        key,
        op,
        values,
        node: expr,
    })
}

/// Writes a list of the selector requirements the template does not satisfy, for help texts.
pub fn describe_mismatch(unmatched: &[&Requirement<'_>], labels: &[(String, String)]) -> String {
    let mut out = String::new();
    for (i, req) in unmatched.iter().enumerate() {
        if i > 0 {
            out.push_str("; ");
        }
        let have = labels.iter().find(|(k, _)| *k == req.key);
        match (req.op, have) {
            (Op::Equals, Some((_, v))) => {
                let _ = write!(
                    out,
                    "the selector wants `{}: {}` but the template has `{}: {v}`",
                    req.key, req.values[0], req.key
                );
            }
            (Op::Equals, None) => {
                let _ = write!(
                    out,
                    "the selector wants `{}: {}` but the template has no `{}` label",
                    req.key, req.values[0], req.key
                );
            }
            (_, Some((_, v))) => {
                let _ = write!(
                    out,
                    "the template's `{}: {v}` does not satisfy `{}`",
                    req.key,
                    req.describe()
                );
            }
            (_, None) => {
                let _ = write!(
                    out,
                    "the template has no `{}` label, which `{}` needs",
                    req.key,
                    req.describe()
                );
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::tree::Node;
    use crate::load::{Limits, load};
    use crate::model::source::SourceFile;

    fn doc(text: &str) -> Node {
        let file = SourceFile::new(crate::model::diagnostic::FileId(0), "t".into(), text.into());
        load(&file, &Limits::default())
            .documents
            .into_iter()
            .next()
            .unwrap()
            .root
    }

    #[test]
    fn selector_matching() {
        let sel = doc(
            "matchLabels: {app: web}\nmatchExpressions:\n- {key: tier, operator: In, values: [a, b]}\n- {key: canary, operator: DoesNotExist}\n",
        );
        let selector = Selector::label_selector(&sel);
        assert!(!selector.malformed);
        let labels = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        assert!(
            selector
                .unmatched(&labels(&[("app", "web"), ("tier", "a")]))
                .is_empty()
        );
        let missing = labels(&[("app", "web"), ("tier", "c"), ("canary", "")]);
        let unmatched = selector.unmatched(&missing);
        assert_eq!(unmatched.len(), 2);
        assert_eq!(unmatched[0].describe(), "tier in (a, b)");
        assert_eq!(unmatched[1].describe(), "!canary");
        let bad = doc("matchExpressions:\n- {key: tier, operator: in, values: [a]}\n");
        assert!(Selector::label_selector(&bad).malformed);
    }
}
