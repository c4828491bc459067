//! Which objects a policy and a binding select: `matchConstraints` and `matchResources`
//! (resource rules, exclusions, `matchPolicy`, namespace and object selectors), on the index.

use crate::load::tree::{Node, Value as Y};
use std::collections::HashMap;

#[derive(Default)]
pub(super) struct MatchResources {
    pub(super) namespace_selector: Option<Selector>,
    pub(super) object_selector: Option<Selector>,
    pub(super) rules: Vec<ResourceRule>,
    pub(super) excluded: Vec<ResourceRule>,
    pub(super) exact: bool,
}

pub(super) struct ResourceRule {
    pub(super) groups: Vec<String>,
    pub(super) versions: Vec<String>,
    pub(super) resources: Vec<String>,
    pub(super) names: Vec<String>,
    pub(super) operations: Vec<String>,
}

#[derive(Clone, Debug, Default)]
pub(super) struct Selector {
    pub(super) labels: Vec<(String, String)>,
    pub(super) expressions: Vec<(String, String, Vec<String>)>,
}

impl Selector {
    pub(super) fn read(node: &Node) -> Selector {
        let labels = node
            .get("matchLabels")
            .map(Node::entries)
            .unwrap_or(&[])
            .iter()
            .filter_map(|e| Some((e.key.as_str()?.to_owned(), scalar(&e.value)?)))
            .collect();
        let expressions = node
            .get("matchExpressions")
            .and_then(Node::as_seq)
            .unwrap_or(&[])
            .iter()
            .filter_map(|r| {
                Some((
                    r.get("key")?.as_str()?.to_owned(),
                    r.get("operator")?.as_str()?.to_owned(),
                    strings(r.get("values")),
                ))
            })
            .collect();
        Selector {
            labels,
            expressions,
        }
    }

    pub(super) fn matches(&self, labels: &[(String, String)]) -> bool {
        let get = |k: &str| labels.iter().find(|(l, _)| l == k).map(|(_, v)| v.as_str());
        self.labels.iter().all(|(k, v)| get(k) == Some(v.as_str()))
            && self
                .expressions
                .iter()
                .all(|(k, op, values)| match op.as_str() {
                    "In" => get(k).is_some_and(|v| values.iter().any(|x| x == v)),
                    "NotIn" => get(k).is_none_or(|v| !values.iter().any(|x| x == v)),
                    "Exists" => get(k).is_some(),
                    "DoesNotExist" => get(k).is_none(),
                    _ => false,
                })
    }
}

pub(super) fn scalar(node: &Node) -> Option<String> {
    match &node.value {
        Y::Str(s) => Some(s.clone()),
        Y::Int(i) => Some(i.to_string()),
        Y::Bool(b) => Some(b.to_string()),
        Y::Float(f) => Some(f.to_string()),
        _ => None,
    }
}

pub(super) fn strings(node: Option<&Node>) -> Vec<String> {
    node.and_then(Node::as_seq)
        .unwrap_or(&[])
        .iter()
        .filter_map(scalar)
        .collect()
}

impl MatchResources {
    pub(super) fn read(node: &Node) -> MatchResources {
        let rules = |key: &str| -> Vec<ResourceRule> {
            node.get(key)
                .and_then(Node::as_seq)
                .unwrap_or(&[])
                .iter()
                .map(|r| ResourceRule {
                    groups: strings(r.get("apiGroups")),
                    versions: strings(r.get("apiVersions")),
                    resources: strings(r.get("resources")),
                    names: strings(r.get("resourceNames")),
                    operations: strings(r.get("operations")),
                })
                .collect()
        };
        MatchResources {
            namespace_selector: node.get("namespaceSelector").map(Selector::read),
            object_selector: node.get("objectSelector").map(Selector::read),
            rules: rules("resourceRules"),
            excluded: rules("excludeResourceRules"),
            exact: node.get("matchPolicy").and_then(Node::as_str) == Some("Exact"),
        }
    }
}

/// What the matching needs to know of an object.
pub(super) struct Target<'a> {
    pub(super) group: &'a str,
    pub(super) version: &'a str,
    pub(super) resource: String,
    pub(super) name: &'a str,
    pub(super) namespace: Option<&'a str>,
    pub(super) labels: &'a [(String, String)],
}

impl<'a> Target<'a> {
    /// What a policy matches an indexed object by.
    pub(super) fn of(
        instance: &'a crate::index::Instance,
        plurals: &HashMap<(String, String), String>,
    ) -> Target<'a> {
        let o = &instance.object;
        Target {
            group: &o.group,
            version: o.api_version.rsplit('/').next().unwrap_or(""),
            resource: resource_of(&o.kind, plurals, &o.group),
            name: &o.name,
            namespace: instance.namespace.as_deref(),
            labels: &o.labels,
        }
    }
}

impl ResourceRule {
    pub(super) fn matches(&self, t: &Target<'_>, exact: bool) -> bool {
        let any = |list: &[String], v: &str| list.iter().any(|x| x == "*" || x == v);
        any(&self.operations, "CREATE")
            && any(&self.groups, t.group)
            // matchPolicy Equivalent (the default): the API server converts the object to a
            // version the rule names; within a group, any version is equivalent.
            && (!exact || any(&self.versions, t.version))
            && self
                .resources
                .iter()
                .any(|r| r == "*" || r == "*/*" || *r == t.resource)
            && (self.names.is_empty() || self.names.iter().any(|n| n == t.name))
    }
}

/// Whether `constraints` select the target (resource rules, exclusions, selectors).
pub(super) fn selects(
    m: &MatchResources,
    t: &Target<'_>,
    namespace_labels: &dyn Fn(&str) -> Vec<(String, String)>,
    require_rules: bool,
) -> bool {
    if (require_rules || !m.rules.is_empty()) && !m.rules.iter().any(|r| r.matches(t, m.exact)) {
        return false;
    }
    if m.excluded.iter().any(|r| r.matches(t, m.exact)) {
        return false;
    }
    if let Some(s) = &m.object_selector
        && !s.matches(t.labels)
    {
        return false;
    }
    if let Some(s) = &m.namespace_selector {
        // Cluster-scoped objects are not filtered by namespace; a Namespace is its own.
        let ns = if t.group.is_empty() && t.resource == "namespaces" {
            Some(t.name)
        } else {
            t.namespace
        };
        if let Some(ns) = ns
            && !s.matches(&namespace_labels(ns))
        {
            return false;
        }
    }
    true
}

/// The resource of a kind, as `meta.UnsafeGuessKindToResource` guesses it (CRDs give theirs).
fn resource_of(kind: &str, plurals: &HashMap<(String, String), String>, group: &str) -> String {
    if let Some(p) = plurals.get(&(group.to_owned(), kind.to_owned())) {
        return p.clone();
    }
    let lower = kind.to_lowercase();
    if lower == "endpoints" {
        return lower;
    }
    if let Some(stem) = lower.strip_suffix('y') {
        format!("{stem}ies")
    } else if lower.ends_with('s') {
        format!("{lower}es")
    } else {
        format!("{lower}s")
    }
}
