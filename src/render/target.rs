//! Which objects a patch applies to: its `target` (kustomize's `types.Selector` and
//! `SelectorRegex`: group, version, kind, name and namespace as patterns of the whole value,
//! label and annotation selectors).

use super::kust::Kust;
use super::node::RNode;
use super::{RenderError, Resource};
use crate::load::tree::Node;
use regex::Regex;

/// A patch `target` (kustomize's `types.Selector`).
pub(crate) struct Target {
    group: Option<Pattern>,
    version: Option<Pattern>,
    kind: Option<Pattern>,
    name: Option<Pattern>,
    namespace: Option<Pattern>,
    labels: Option<Selector>,
    annotations: Option<Selector>,
}

impl Target {
    pub(super) fn read(k: &Kust, node: &Node) -> Result<Target, RenderError> {
        let text = |key: &str| {
            node.get(key)
                .and_then(Node::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        let regex = |key: &str| -> Result<Option<Pattern>, RenderError> {
            text(key)
                .map(|s| {
                    if s.chars()
                        .all(|c| c.is_alphanumeric() || c == '-' || c == '_')
                    {
                        return Ok(Pattern::Literal(s));
                    }
                    Regex::new(&format!("^(?:{s})$"))
                        .map(Pattern::Regex)
                        .map_err(|e| {
                            RenderError::new(
                                format!("target {key} regex: {e}"),
                                Some(k.origin(node.get(key).unwrap_or(node))),
                            )
                        })
                })
                .transpose()
        };
        let selector = |key: &str| -> Result<Option<Selector>, RenderError> {
            text(key)
                .map(|s| {
                    Selector::parse(&s).ok_or_else(|| {
                        RenderError::new(
                            format!("unable to parse requirement: `{s}`"),
                            Some(k.origin(node)),
                        )
                    })
                })
                .transpose()
        };
        // Each of group, version, kind, name and namespace is a regular expression of the
        // whole value (kustomize's `SelectorRegex`: `kind: Deployment|StatefulSet`).
        Ok(Target {
            group: regex("group")?,
            version: regex("version")?,
            kind: regex("kind")?,
            name: regex("name")?,
            namespace: regex("namespace")?,
            labels: selector("labelSelector")?,
            annotations: selector("annotationSelector")?,
        })
    }

    pub(crate) fn selects(&self, r: &Resource) -> bool {
        let (g, v) = r.group_version();
        if self.group.as_ref().is_some_and(|x| !x.is_match(g))
            || self.version.as_ref().is_some_and(|x| !x.is_match(v))
            || self.kind.as_ref().is_some_and(|x| !x.is_match(r.kind()))
        {
            return false;
        }
        let first = &r.ids[0];
        let ids = [
            (first.0.as_str(), first.1.as_str()),
            (r.namespace(), r.name()),
        ];
        if let Some(p) = &self.name
            && !ids.iter().any(|(_, n)| p.is_match(n))
        {
            return false;
        }
        if let Some(p) = &self.namespace {
            let effective = |ns: &str| p.is_match(if ns.is_empty() { "default" } else { ns });
            if !ids.iter().any(|(ns, _)| effective(ns)) {
                return false;
            }
        }
        let map = |key: &str| r.root.get_path(&["metadata", key]);
        if let Some(sel) = &self.labels
            && !sel.matches(map("labels"))
        {
            return false;
        }
        if let Some(sel) = &self.annotations
            && !sel.matches(map("annotations"))
        {
            return false;
        }
        true
    }
}

/// A target's `name` or `namespace`: a regular expression matching the whole text, compiled
/// only when it has something beside literal characters.
enum Pattern {
    Literal(String),
    Regex(Regex),
}

impl Pattern {
    fn is_match(&self, text: &str) -> bool {
        match self {
            Pattern::Literal(s) => s == text,
            Pattern::Regex(re) => re.is_match(text),
        }
    }
}

/// A label selector string: `a=b,c!=d,e,!f,g in (x,y),h notin (z)`.
pub(crate) struct Selector(Vec<(String, Op, Vec<String>)>);

#[derive(PartialEq)]
enum Op {
    In,
    NotIn,
    Exists,
    NotExists,
}

impl Selector {
    pub(crate) fn parse(text: &str) -> Option<Selector> {
        let mut reqs = Vec::new();
        let mut rest = text.trim();
        while !rest.is_empty() {
            // A requirement ends at a comma outside parentheses.
            let mut depth = 0;
            let end = rest
                .char_indices()
                .find(|&(_, c)| {
                    match c {
                        '(' => depth += 1,
                        ')' => depth -= 1,
                        _ => {}
                    }
                    c == ',' && depth == 0
                })
                .map_or(rest.len(), |(i, _)| i);
            let req = rest[..end].trim();
            rest = rest.get(end + 1..).unwrap_or("").trim();
            let set = |s: &str| -> Option<Vec<String>> {
                let inner = s.trim().strip_prefix('(')?.strip_suffix(')')?;
                Some(inner.split(',').map(|v| v.trim().to_owned()).collect())
            };
            if let Some((k, v)) = req.split_once("!=") {
                reqs.push((k.trim().to_owned(), Op::NotIn, vec![v.trim().to_owned()]));
            } else if let Some((k, v)) = req.split_once("==").or_else(|| req.split_once('=')) {
                reqs.push((k.trim().to_owned(), Op::In, vec![v.trim().to_owned()]));
            } else if let Some((k, v)) = req.split_once(" notin ") {
                reqs.push((k.trim().to_owned(), Op::NotIn, set(v)?));
            } else if let Some((k, v)) = req.split_once(" in ") {
                reqs.push((k.trim().to_owned(), Op::In, set(v)?));
            } else if let Some(k) = req.strip_prefix('!') {
                reqs.push((k.trim().to_owned(), Op::NotExists, Vec::new()));
            } else if !req.is_empty() {
                reqs.push((req.to_owned(), Op::Exists, Vec::new()));
            }
        }
        Some(Selector(reqs))
    }

    pub(crate) fn matches(&self, map: Option<&RNode>) -> bool {
        self.0.iter().all(|(key, op, values)| {
            let value = map.and_then(|m| m.get(key)).and_then(RNode::as_str);
            match op {
                Op::Exists => value.is_some(),
                Op::NotExists => value.is_none(),
                Op::In => value.is_some_and(|v| values.iter().any(|x| x == v)),
                Op::NotIn => value.is_none_or(|v| !values.iter().any(|x| x == v)),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::Pattern;

    #[test]
    fn literal_targets_match_the_whole_name_as_their_regex_would() {
        let literal = Pattern::Literal("app-1_x".into());
        let regex = Pattern::Regex(regex::Regex::new("^(?:app-1_x)$").unwrap());
        for name in ["app-1_x", "app-1_xy", "xapp-1_x", "app-1", ""] {
            assert_eq!(literal.is_match(name), regex.is_match(name), "{name}");
        }
    }
}
