//! Strategic merge patches as kustomize 5.5 applies them (kyaml's `merge2`, patch items
//! prepended): mappings merge recursively, `null` deletes a field, and a list merges as the
//! schema kustomize embeds (Kubernetes 1.21's) says:
//!
//! - a list with a patch merge key (containers by `name`, env by `name`, …) merges item by
//!   item; where the schema lists several keys (container ports by `containerPort` and
//!   `protocol`, Service ports by `port` and `protocol`, topology spread constraints by
//!   `topologyKey` and `whenUnsatisfiable`), kyaml's rules for keys a side leaves out apply
//!   ([`merge_keyed`]);
//! - `metadata.finalizers` merges as a set, the patch's values first;
//! - every other list — and every list of a custom resource, which has no schema here, as in a
//!   plain `kustomize build` — is replaced by the patch's, as written (a `$patch` in its items
//!   stays, as kustomize leaves it).
//!
//! `$patch: delete|replace|merge` is honoured on mappings and merged lists. kustomize 5.5 does
//! not know the other directives of the API server's strategic merge (`$retainKeys`,
//! `$deleteFromPrimitiveList/<field>`, `$setElementOrder/<field>`): it keeps them as ordinary
//! fields, and so does this (the API server then rejects the object).

use super::Files;
use super::node::{RNode, RValue};
use super::scalars;

/// API groups of the built-in types, whose merge keys apply.
pub(crate) fn is_builtin(group: &str) -> bool {
    matches!(
        group,
        "" | "apps"
            | "batch"
            | "policy"
            | "autoscaling"
            | "networking.k8s.io"
            | "rbac.authorization.k8s.io"
            | "storage.k8s.io"
            | "scheduling.k8s.io"
            | "admissionregistration.k8s.io"
            | "apiextensions.k8s.io"
            | "coordination.k8s.io"
            | "discovery.k8s.io"
            | "node.k8s.io"
            | "certificates.k8s.io"
            | "extensions"
    )
}

/// How a list field merges.
#[derive(Clone, Copy)]
enum ListKind {
    /// Replaced by the patch's list.
    Atomic,
    /// Merged item by item, by these keys (`""`: the item itself, a list of strings).
    Keyed(&'static [&'static str]),
}

/// How the list at `path` (the mapping keys from the object's root, list positions left out)
/// merges in an object of `kind`, per kustomize's schema.
fn list_kind(kind: &str, path: &[&str]) -> ListKind {
    let Some((last, parents)) = path.split_last() else {
        return ListKind::Atomic;
    };
    let parent = parents.last().copied().unwrap_or("");
    ListKind::Keyed(match *last {
        "containers" | "initContainers" | "ephemeralContainers" => &["name"],
        // (An ephemeral container's ports have no merge key in the schema.)
        "ports" if matches!(parent, "containers" | "initContainers") => {
            &["containerPort", "protocol"]
        }
        "ports" if kind == "Service" && path == ["spec", "ports"] => &["port", "protocol"],
        "topologySpreadConstraints" => &["topologyKey", "whenUnsatisfiable"],
        "env" => &["name"],
        // A pod's volumes; a PodSecurityPolicy's are a list of volume types, replaced.
        "volumes" if kind != "PodSecurityPolicy" => &["name"],
        // A pod's; a ServiceAccount's (at the top of the object) are replaced.
        "imagePullSecrets" if !parents.is_empty() => &["name"],
        "webhooks" if parents.is_empty() => &["name"],
        "secrets" if kind == "ServiceAccount" && parents.is_empty() => &["name"],
        "volumeMounts" => &["mountPath"],
        "volumeDevices" => &["devicePath"],
        "hostAliases" => &["ip"],
        "conditions" => &["type"],
        "ownerReferences" if parent == "metadata" => &["uid"],
        "finalizers" if path == ["metadata", "finalizers"] => &[""],
        _ => return ListKind::Atomic,
    })
}

fn directive(node: &RNode) -> Option<&str> {
    node.get("$patch").and_then(RNode::as_str)
}

/// Merges a patch into an object; returns true when the patch deletes the whole object. A
/// patch value of another kind than the object's (a mapping for a list, a list for a scalar,
/// `{$patch: delete}` for a list) fails as kyaml fails: `wrong node kind: expected
/// SequenceNode but got MappingNode`.
pub(crate) fn merge_object(
    target: &mut RNode,
    patch: &RNode,
    known: bool,
    files: &Files,
) -> Result<bool, String> {
    if directive(patch) == Some("delete") {
        return Ok(true);
    }
    let kind = target.str_at(&["kind"]).unwrap_or_default().to_owned();
    let schema = Schema {
        kind: known.then_some(kind.as_str()),
        files,
    };
    let mut path = Vec::new();
    schema.merge_map(target, patch, &mut path)?;
    Ok(false)
}

/// go-yaml's name of a node's kind.
fn node_kind(node: &RNode) -> &'static str {
    match node.value {
        RValue::Map(_) => "MappingNode",
        RValue::Seq(_) => "SequenceNode",
        _ => "ScalarNode",
    }
}

/// The schema a merge follows: the object's kind, or none (a custom resource); and the
/// render's files, where the merged scalars were written ([`scalars`]).
struct Schema<'k> {
    kind: Option<&'k str>,
    files: &'k Files,
}

impl Schema<'_> {
    fn list_kind(&self, path: &[&str]) -> ListKind {
        match self.kind {
            Some(kind) => list_kind(kind, path),
            None => ListKind::Atomic,
        }
    }

    fn merge_map<'a>(
        &self,
        target: &mut RNode,
        patch: &'a RNode,
        path: &mut Vec<&'a str>,
    ) -> Result<(), String> {
        if directive(patch) == Some("replace") || !target.is_map() {
            let mut out = RNode::map(patch.origin);
            self.merge_entries(&mut out, patch, path)?;
            *target = out;
            return Ok(());
        }
        self.merge_entries(target, patch, path)
    }

    /// The patch's fields merged into a mapping.
    fn merge_entries<'a>(
        &self,
        target: &mut RNode,
        patch: &'a RNode,
        path: &mut Vec<&'a str>,
    ) -> Result<(), String> {
        for (key, value) in patch.entries() {
            if key == "$patch" {
                continue;
            }
            if value.value == RValue::Null {
                target.remove(key);
                continue;
            }
            // kyaml walks by the object's kind of node: a patch of another kind fails.
            if let Some(existing) = target.get(key)
                && existing.value != RValue::Null
                && node_kind(existing) != node_kind(value)
            {
                return Err(format!(
                    "wrong node kind: expected {} but got {}",
                    node_kind(existing),
                    node_kind(value)
                ));
            }
            // kyaml gives the patch's scalar the style of the one it replaces: over a quoted or
            // block string, it is a string of its text (`9090` → "9090").
            let keeps_text = matches!(
                value.value,
                RValue::Int(_) | RValue::Float(_) | RValue::Bool(_) | RValue::Str(_)
            ) && target
                .get(key)
                .is_some_and(|e| scalars::keeps_text(self.files, e));
            path.push(key);
            let merged = match target.get_mut(key) {
                Some(existing) => match (&mut existing.value, &value.value) {
                    (RValue::Map(_), RValue::Map(_)) if directive(value) == Some("delete") => None,
                    (RValue::Map(_), RValue::Map(_)) => {
                        self.merge_map(existing, value, path)?;
                        Some(None)
                    }
                    (RValue::Seq(_), RValue::Seq(_)) => {
                        self.merge_list(existing, value, path)?.then_some(None)
                    }
                    _ if keeps_text => {
                        let text = scalars::text_of(self.files, value).unwrap_or_default();
                        Some(Some(RNode::str(text, value.origin)))
                    }
                    _ => self.fresh(value, path)?.map(Some),
                },
                None => self.fresh(value, path)?.map(Some),
            };
            path.pop();
            match merged {
                None => {
                    target.remove(key);
                }
                Some(Some(node)) => target.set(key, node),
                Some(None) => {}
            }
        }
        Ok(())
    }

    /// A patch value where the object has nothing: mappings lose their directives and nulls,
    /// merged lists their directive items; `None` when it deletes itself.
    fn fresh<'a>(
        &self,
        value: &'a RNode,
        path: &mut Vec<&'a str>,
    ) -> Result<Option<RNode>, String> {
        match &value.value {
            RValue::Map(_) => {
                if directive(value) == Some("delete") {
                    return Ok(None);
                }
                let mut out = RNode::map(value.origin);
                self.merge_entries(&mut out, value, path)?;
                Ok(Some(out))
            }
            RValue::Seq(_) => {
                let mut out = RNode::new(RValue::Seq(Vec::new()), value.origin);
                Ok(self.merge_list(&mut out, value, path)?.then_some(out))
            }
            _ => Ok(Some(value.clone())),
        }
    }

    /// Merges a patch list into the object's list; false when the patch deletes the field.
    fn merge_list<'a>(
        &self,
        target: &mut RNode,
        patch: &'a RNode,
        path: &mut Vec<&'a str>,
    ) -> Result<bool, String> {
        let ListKind::Keyed(keys) = self.list_kind(path) else {
            *target = patch.clone();
            return Ok(true);
        };
        let mut items: Vec<&RNode> = patch.items().iter().collect();
        // kyaml's list directive: the first item with a `$patch`, when it has nothing else.
        if let Some(at) = items.iter().position(|i| i.get("$patch").is_some())
            && items[at].entries().len() == 1
        {
            match directive(items[at]).unwrap_or_default() {
                "delete" => return Ok(false),
                "replace" => {
                    items.remove(at);
                    let RValue::Seq(existing) = &mut target.value else {
                        return Ok(true);
                    };
                    existing.clear();
                }
                "merge" => {
                    items.remove(at);
                }
                other => return Err(format!("unknown patch strategy {other}")),
            }
        }
        let RValue::Seq(existing) = &mut target.value else {
            return Ok(true);
        };
        let dest = std::mem::take(existing);
        *existing = self.merge_keyed(dest, &items, keys, path)?;
        Ok(true)
    }

    /// kyaml's merge of an associative list (`setAssociativeSequenceElements`, kustomize 5.5):
    /// every distinct key tuple, the patch's first, is merged from the first item of each side
    /// that has it; the results are collected, then the object's items put back by key, which
    /// keeps them in the object's order after the patch's new items.
    fn merge_keyed<'a>(
        &self,
        mut nodes: Vec<RNode>,
        patch: &[&'a RNode],
        keys: &[&str],
        path: &mut Vec<&'a str>,
    ) -> Result<Vec<RNode>, String> {
        let mut dest_refs: Vec<usize> = (0..nodes.len()).collect();
        let tuple = |node: &RNode| -> Vec<String> {
            keys.iter()
                .map(|k| field_text(node, k).unwrap_or_default())
                .collect()
        };
        let mut values: Vec<Vec<String>> = Vec::new();
        for t in patch
            .iter()
            .map(|n| tuple(n))
            .chain(nodes.iter().map(tuple))
        {
            if !values.contains(&t) {
                values.push(t);
            }
        }
        if keys.len() > 1 {
            merge_values(&mut values);
        }
        // Keys some tuple has a value for (all of them when none has).
        let valid: Vec<usize> = {
            let set: Vec<usize> = (0..keys.len())
                .filter(|&i| values.iter().any(|v| !v[i].is_empty()))
                .collect();
            if set.is_empty() {
                (0..keys.len()).collect()
            } else {
                set
            }
        };
        let valid_keys: Vec<&str> = valid.iter().map(|&i| keys[i]).collect();
        let mut added: Vec<usize> = Vec::new();
        for value in &values {
            let valid_values: Vec<&str> = valid.iter().map(|&i| value[i].as_str()).collect();
            // The lookup in each side uses only the keys this tuple has.
            let (find_keys, find_values): (Vec<&str>, Vec<&str>) = {
                let pairs: Vec<(&str, &str)> = keys
                    .iter()
                    .zip(value)
                    .filter(|(_, v)| !v.is_empty())
                    .map(|(k, v)| (*k, v.as_str()))
                    .collect();
                if pairs.is_empty() {
                    keys.iter().map(|k| (*k, "")).unzip()
                } else {
                    pairs.into_iter().unzip()
                }
            };
            let in_dest = dest_refs
                .iter()
                .copied()
                .find(|&r| element_matches(&nodes[r], &find_keys, &find_values));
            let in_patch = patch
                .iter()
                .find(|n| element_matches(n, &find_keys, &find_values));
            let merged = match (in_dest, in_patch) {
                (_, Some(p)) if p.is_map() && directive(p) == Some("delete") => None,
                (Some(d), Some(p)) => {
                    if nodes[d].is_map() && p.is_map() {
                        self.merge_map(&mut nodes[d], p, path)?;
                    } else {
                        nodes[d] = (*p).clone();
                    }
                    Some(d)
                }
                (Some(d), None) => Some(d),
                (None, Some(p)) => match self.fresh(p, path)? {
                    Some(node) => {
                        nodes.push(node);
                        Some(nodes.len() - 1)
                    }
                    None => None,
                },
                (None, None) => None,
            };
            let Some(at) = merged.filter(|&at| !is_empty(&nodes[at])) else {
                element_set(&nodes, &mut dest_refs, None, &valid_keys, &valid_values);
                continue;
            };
            for (key, value) in valid_keys.iter().zip(&valid_values) {
                if !key.is_empty() && !value.is_empty() && nodes[at].get(key).is_none() {
                    let origin = nodes[at].origin;
                    let scalar = match value.parse::<i128>() {
                        Ok(n) => RNode::new(RValue::Int(n), origin),
                        Err(_) => RNode::str(*value, origin),
                    };
                    nodes[at].set(key, scalar);
                }
            }
            element_set(&nodes, &mut added, Some(at), &valid_keys, &valid_values);
        }
        if !values.is_empty() {
            // appendListNode: the object's items put back by their keys.
            for &r in &dest_refs {
                if valid_keys.first() == Some(&"") {
                    let text = nodes[r].scalar_text().unwrap_or_default();
                    element_set(&nodes, &mut added, Some(r), &[""], &[&text]);
                    continue;
                }
                let mut v: Vec<String> = Vec::new();
                for key in &valid_keys {
                    match nodes[r].get(key) {
                        Some(field) => v.push(field.scalar_text().unwrap_or_default()),
                        None => added.push(r),
                    }
                }
                let v: Vec<&str> = v.iter().map(String::as_str).collect();
                if valid_keys.len() > 1 {
                    element_set(&nodes, &mut added, None, &valid_keys, &v);
                }
                element_set(&nodes, &mut added, Some(r), &valid_keys, &v);
            }
            dest_refs = added;
        }
        // An item can be listed twice (as kyaml can): the last use takes it, the others copy.
        let mut uses = vec![0usize; nodes.len()];
        dest_refs.iter().for_each(|&r| uses[r] += 1);
        let mut slots: Vec<Option<RNode>> = nodes.into_iter().map(Some).collect();
        Ok(dest_refs
            .into_iter()
            .filter_map(|r| {
                uses[r] -= 1;
                if uses[r] == 0 {
                    slots[r].take()
                } else {
                    slots[r].clone()
                }
            })
            .collect())
    }
}

/// A field's text for matching (`""`: the item itself, in a list of strings).
fn field_text(node: &RNode, key: &str) -> Option<String> {
    if key.is_empty() {
        return node.scalar_text();
    }
    node.get(key).and_then(RNode::scalar_text)
}

/// kyaml's `ElementMatcher`: every key present with exactly this text.
fn element_matches(node: &RNode, keys: &[&str], values: &[&str]) -> bool {
    if keys.first() == Some(&"") {
        return node.scalar_text().as_deref() == values.first().copied();
    }
    node.is_map()
        && keys
            .iter()
            .zip(values)
            .all(|(k, v)| field_text(node, k).as_deref() == Some(*v))
}

/// A null item or an empty mapping, which kyaml's `ElementSetter` drops.
fn is_empty(node: &RNode) -> bool {
    match &node.value {
        RValue::Null => true,
        RValue::Map(entries) => entries.is_empty(),
        _ => false,
    }
}

/// kyaml's `ElementSetter` on a list of item indexes: items matching the keys are replaced by
/// `element` (or removed, without one); without a match, `element` is appended. An empty key
/// value matches any value of a present field; no values at all match nothing and drop every
/// other item (as kyaml does).
fn element_set(
    nodes: &[RNode],
    list: &mut Vec<usize>,
    element: Option<usize>,
    keys: &[&str],
    values: &[&str],
) {
    let mapping_setter = keys.first().is_some_and(|k| !k.is_empty())
        && values.first().is_some_and(|v| !v.is_empty());
    let mut found = false;
    let mut out = Vec::with_capacity(list.len() + 1);
    for &r in list.iter() {
        let node = &nodes[r];
        if is_empty(node) {
            continue;
        }
        if !node.is_map() && mapping_setter {
            out.push(r);
            continue;
        }
        let mut matched = false;
        for (j, key) in keys.iter().enumerate() {
            if let Some(want) = values.get(j) {
                matched = field_matches(node, key, want);
            }
            if !matched {
                break;
            }
        }
        if !matched {
            if !values.is_empty() {
                out.push(r);
            }
            continue;
        }
        found = true;
        out.extend(element);
    }
    *list = out;
    if let Some(e) = element
        && !found
    {
        list.push(e);
    }
}

/// kyaml's `FieldMatcher` with a string value: an empty value matches any present field.
fn field_matches(node: &RNode, key: &str, want: &str) -> bool {
    if key.is_empty() {
        return node.scalar_text().as_deref() == Some(want);
    }
    match node.get(key) {
        Some(field) => want.is_empty() || field.scalar_text().as_deref() == Some(want),
        None => false,
    }
}

/// kyaml's `mergeValues`: two key tuples that share a value and differ only where one is
/// empty (a port with and one without its protocol) become one, the values of both.
fn merge_values(values: &mut [Vec<String>]) {
    for i in 0..values.len() {
        let first = values[i].clone();
        for j in 0..values.len() {
            if let Some(merged) = match_values(&first, &values[j]) {
                values[i] = merged.clone();
                values[j] = merged;
            }
        }
    }
}

fn match_values(a: &[String], b: &[String]) -> Option<Vec<String>> {
    if a.len() != b.len() {
        return None;
    }
    let mut common = false;
    let mut out = Vec::with_capacity(a.len());
    for (x, y) in a.iter().zip(b) {
        if x == y {
            common = true;
            out.push(x.clone());
        } else if !x.is_empty() && !y.is_empty() {
            return None;
        } else {
            out.push(if x.is_empty() { y.clone() } else { x.clone() });
        }
    }
    common.then_some(out)
}
