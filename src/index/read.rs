//! Reading the values the index keeps from an object's nodes: label maps, selectors, ports,
//! and whether a value is an unrendered placeholder (then the whole-repo checks treat it as
//! unknown).

use super::summary::*;
use crate::check::Context;
use crate::k8s::placeholder;
use crate::load::tree::{Node, Value};

/// A map of labels. A key or value that is an unquoted `{{ ... }}` (YAML mappings) is kept as
/// its text, so that it is seen as the placeholder it is.
pub(super) fn string_map(node: Option<&Node>, cx: &Context<'_>) -> Labels {
    let text = |n: &Node| match &n.value {
        Value::Str(s) => Some(s.clone()),
        Value::Null => Some(String::new()),
        Value::Map(_) if unrendered(n, cx) => Some(cx.text(n.span).to_owned()),
        _ => None,
    };
    node.map(|n| {
        n.entries()
            .iter()
            .filter_map(|e| {
                let key = match e.key.key_string() {
                    Some(k) => k.into_owned(),
                    None => text(&e.key)?,
                };
                Some((key, text(&e.value)?))
            })
            .collect()
    })
    .unwrap_or_default()
}

pub(super) fn str_at<'a>(node: Option<&'a Node>, path: &[&str]) -> Option<&'a str> {
    node?.get_path(path)?.as_str()
}

pub(super) fn port_ref(node: &Node, cx: &Context<'_>) -> Option<PortRef> {
    if unrendered(node, cx) {
        return Some(PortRef::Unrendered);
    }
    match &node.value {
        Value::Int(i) => Some(PortRef::Number(i64::try_from(*i).ok()?)),
        Value::Str(s) => Some(PortRef::Name(s.clone())),
        _ => None,
    }
}

/// Whether a value is (or holds) an unrendered placeholder ([`placeholder`]): a string holding
/// one, or an unquoted `{{ ... }}`, which YAML reads as nested mappings. The whole-repo checks
/// treat such a value as unknown; `unrendered-placeholder` reports it where it is invalid.
pub(super) fn unrendered(node: &Node, cx: &Context<'_>) -> bool {
    match &node.value {
        Value::Str(s) => placeholder::contains(s),
        Value::Map(_) => cx.text(node.span).starts_with("{{"),
        _ => false,
    }
}

/// Whether a label map holds a placeholder in a key or value.
pub(super) fn has_unrendered(labels: &Labels) -> bool {
    labels
        .iter()
        .any(|(k, v)| placeholder::contains(k) || placeholder::contains(v))
}

pub(super) fn selector(node: &Node, cx: &Context<'_>) -> Selector {
    let expressions = node
        .get("matchExpressions")
        .and_then(Node::as_seq)
        .unwrap_or_default()
        .iter()
        .filter_map(|e| {
            Some(Requirement {
                key: e.get("key")?.as_str()?.to_owned(),
                operator: e.get("operator")?.as_str()?.to_owned(),
                values: e
                    .get("values")
                    .and_then(Node::as_seq)
                    .unwrap_or_default()
                    .iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect(),
            })
        })
        .collect();
    Selector {
        match_labels: string_map(node.get("matchLabels"), cx),
        expressions,
        location: cx.loc(node.span),
    }
}

/// A PodDisruptionBudget's or NetworkPolicy's selector, unless it holds a placeholder.
pub(super) fn pod_selector(node: &Node, cx: &Context<'_>) -> Option<Box<Selector>> {
    let s = selector(node, cx);
    let unrendered = has_unrendered(&s.match_labels)
        || s.expressions.iter().any(|r| {
            placeholder::contains(&r.key) || r.values.iter().any(|v| placeholder::contains(v))
        });
    (!unrendered).then(|| Box::new(s))
}

pub(super) fn seq(node: Option<&Node>) -> &[Node] {
    node.and_then(Node::as_seq).unwrap_or_default()
}
