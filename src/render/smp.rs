//! Strategic merge patches as kustomize applies them (kyaml's `merge2`): mappings merge
//! recursively, `null` deletes a field, lists of built-in types merge by their patch merge key
//! (containers by `name`, container ports by `containerPort`, …) and other lists are replaced;
//! `$patch: delete|replace|merge` is honoured. kustomize 5.5 does not know the other directives
//! of the API server's strategic merge (`$retainKeys`, `$deleteFromPrimitiveList/<field>`,
//! `$setElementOrder/<field>`): it keeps them as ordinary fields, and so does this (the API server
//! then rejects the object). Custom resources have no schema here, as in a plain `kustomize
//! build`: their lists are replaced.

use super::node::{RNode, RValue};

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

/// The patch merge key of a list field, from the field's name and its parents' (`path` holds
/// the mapping keys from the object's root, list positions left out).
fn merge_key(path: &[&str]) -> Option<&'static str> {
    let (last, parents) = path.split_last()?;
    let parent = parents.last().copied().unwrap_or("");
    Some(match *last {
        "containers" | "initContainers" | "ephemeralContainers" => "name",
        "ports"
            if matches!(
                parent,
                "containers" | "initContainers" | "ephemeralContainers"
            ) =>
        {
            "containerPort"
        }
        "ports" if parent == "spec" && parents.len() == 1 => "port",
        "env" | "volumes" | "imagePullSecrets" | "resourceClaims" | "schedulingGates" => "name",
        "volumeMounts" => "mountPath",
        "volumeDevices" => "devicePath",
        "hostAliases" => "ip",
        "topologySpreadConstraints" => "topologyKey",
        "conditions" => "type",
        "ownerReferences" => "uid",
        _ => return None,
    })
}

fn directive(node: &RNode) -> Option<&str> {
    node.get("$patch").and_then(RNode::as_str)
}

/// Merges a patch into an object; returns true when the patch deletes the whole object. A
/// patch value of another kind than the object's (a mapping for a list, a list for a scalar,
/// `{$patch: delete}` for a list) fails as kyaml fails: `wrong node kind: expected
/// SequenceNode but got MappingNode`.
pub(crate) fn merge_object(target: &mut RNode, patch: &RNode, known: bool) -> Result<bool, String> {
    if directive(patch) == Some("delete") {
        return Ok(true);
    }
    let mut path = Vec::new();
    merge_map(target, patch, known, &mut path)?;
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

/// Removes the directives from a value that is inserted as is.
fn strip(node: &RNode) -> RNode {
    let mut out = node.clone();
    clean(&mut out);
    out
}

fn clean(node: &mut RNode) {
    match &mut node.value {
        RValue::Map(entries) => {
            // A directive, or a null that deletes a field nothing had.
            entries.retain(|(k, v)| k != "$patch" && v.value != RValue::Null);
            entries.iter_mut().for_each(|(_, v)| clean(v));
        }
        RValue::Seq(items) => {
            items.retain(|i| !matches!(directive(i), Some("delete" | "replace")) || !i.is_map());
            items.iter_mut().for_each(clean);
        }
        _ => {}
    }
}

fn merge_map<'a>(
    target: &mut RNode,
    patch: &'a RNode,
    known: bool,
    path: &mut Vec<&'a str>,
) -> Result<(), String> {
    if directive(patch) == Some("replace") || !target.is_map() {
        *target = strip(patch);
        return Ok(());
    }
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
        if value.is_map() && directive(value) == Some("delete") {
            target.remove(key);
            continue;
        }
        path.push(key);
        match target.get_mut(key) {
            Some(existing) => match (&mut existing.value, &value.value) {
                (RValue::Map(_), RValue::Map(_)) => merge_map(existing, value, known, path)?,
                (RValue::Seq(_), RValue::Seq(_)) => merge_list(existing, value, known, path)?,
                _ => *existing = strip(value),
            },
            None => target.set(key, strip(value)),
        }
        path.pop();
    }
    Ok(())
}

fn merge_list<'a>(
    target: &mut RNode,
    patch: &'a RNode,
    known: bool,
    path: &mut Vec<&'a str>,
) -> Result<(), String> {
    let items = patch.items();
    if items
        .iter()
        .any(|i| i.is_map() && directive(i) == Some("replace"))
    {
        *target = strip(patch);
        return Ok(());
    }
    let key = if known { merge_key(path) } else { None };
    let Some(key) = key.filter(|_| items.iter().all(RNode::is_map)) else {
        *target = strip(patch);
        return Ok(());
    };
    let RValue::Seq(existing) = &mut target.value else {
        return Ok(());
    };
    // kustomize's order: the patch's items first (merged into the matching item), then the
    // items the patch does not name.
    let mut rest: Vec<Option<RNode>> = std::mem::take(existing).into_iter().map(Some).collect();
    let mut merged = Vec::with_capacity(rest.len() + items.len());
    for item in items {
        let id = item.get(key).map(|v| &v.value);
        let at = id.and_then(|id| {
            rest.iter().position(|e| {
                e.as_ref()
                    .and_then(|e| e.get(key))
                    .is_some_and(|v| v.value == *id)
            })
        });
        let matched = at.and_then(|i| rest[i].take());
        if directive(item) == Some("delete") {
            continue;
        }
        match matched {
            Some(mut original) => {
                merge_map(&mut original, item, known, path)?;
                merged.push(original);
            }
            None => merged.push(strip(item)),
        }
    }
    merged.extend(rest.into_iter().flatten());
    *existing = merged;
    Ok(())
}
