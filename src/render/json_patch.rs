//! JSON 6902 patches (RFC 6902: add, remove, replace, move, copy, test), with the errors
//! kustomize's JSON patch library (evanphx/json-patch) gives for a path that does not exist.

use super::node::{RNode, RValue};

fn pointer(path: &str) -> Result<Vec<String>, String> {
    if path.is_empty() {
        return Ok(Vec::new());
    }
    let Some(rest) = path.strip_prefix('/') else {
        return Err(format!("JSON pointer must start with '/': {path}"));
    };
    Ok(rest
        .split('/')
        .map(|s| s.replace("~1", "/").replace("~0", "~"))
        .collect())
}

fn get<'a>(node: &'a RNode, path: &[String]) -> Option<&'a RNode> {
    path.iter().try_fold(node, |n, seg| match &n.value {
        RValue::Map(_) => n.get(seg),
        RValue::Seq(items) => items.get(seg.parse::<usize>().ok()?),
        _ => None,
    })
}

fn get_mut<'a>(node: &'a mut RNode, path: &[String]) -> Option<&'a mut RNode> {
    let Some((first, rest)) = path.split_first() else {
        return Some(node);
    };
    let child = match &mut node.value {
        RValue::Map(entries) => entries
            .iter_mut()
            .find(|(k, _)| k == first)
            .map(|(_, v)| v)?,
        RValue::Seq(items) => items.get_mut(first.parse::<usize>().ok()?)?,
        _ => return None,
    };
    get_mut(child, rest)
}

fn missing(op: &str, path: &str) -> String {
    format!("{op} operation does not apply: doc is missing path: \"{path}\": missing value")
}

fn add(doc: &mut RNode, path: &[String], raw: &str, value: RNode, op: &str) -> Result<(), String> {
    let Some((last, parent)) = path.split_last() else {
        *doc = value;
        return Ok(());
    };
    let Some(container) = get_mut(doc, parent) else {
        return Err(missing(op, raw));
    };
    match &mut container.value {
        RValue::Map(_) => {
            container.set(last, value);
            Ok(())
        }
        RValue::Seq(items) => {
            let at = if last == "-" {
                items.len()
            } else {
                last.parse::<usize>()
                    .ok()
                    .filter(|&i| i <= items.len())
                    .ok_or_else(|| format!("{op} operation does not apply: doc is missing path: \"{raw}\": invalid index"))?
            };
            items.insert(at, value);
            Ok(())
        }
        _ => Err(missing(op, raw)),
    }
}

fn remove(doc: &mut RNode, path: &[String], raw: &str, op: &str) -> Result<RNode, String> {
    let Some((last, parent)) = path.split_last() else {
        return Err(missing(op, raw));
    };
    let container = get_mut(doc, parent).ok_or_else(|| missing(op, raw))?;
    match &mut container.value {
        RValue::Map(_) => container.remove(last).ok_or_else(|| {
            let path = if op == "move" { last } else { raw };
            format!(
                "error in {op} for path: '{path}': Unable to remove nonexistent key: {last}: missing value"
            )
        }),
        RValue::Seq(items) => {
            let i = last
                .parse::<usize>()
                .ok()
                .filter(|&i| i < items.len())
                .ok_or_else(|| missing(op, raw))?;
            Ok(items.remove(i))
        }
        _ => Err(missing(op, raw)),
    }
}

/// Applies the operations in order; an error names the failing operation as kustomize does.
///
/// kustomize patches an object that always has `metadata.annotations` (its own internal
/// annotations live there during the build, and are taken out afterwards): a `replace` or
/// `remove` under an absent `metadata.annotations` applies, and an empty one is dropped again.
pub(crate) fn apply(doc: &mut RNode, ops: &[RNode]) -> Result<(), String> {
    let implicit = match doc.get_mut("metadata") {
        Some(metadata) if metadata.is_map() && metadata.get("annotations").is_none() => {
            let origin = metadata.origin;
            metadata.set("annotations", RNode::map(origin));
            true
        }
        _ => false,
    };
    let applied = apply_ops(doc, ops);
    if implicit
        && let Some(metadata) = doc.get_mut("metadata")
        && metadata
            .get("annotations")
            .is_some_and(|a| a.is_map() && a.entries().is_empty())
    {
        metadata.remove("annotations");
    }
    applied
}

fn apply_ops(doc: &mut RNode, ops: &[RNode]) -> Result<(), String> {
    for op in ops {
        let name = op.str_at(&["op"]).unwrap_or("");
        let raw = op.str_at(&["path"]).unwrap_or("");
        let path = pointer(raw)?;
        let value = || {
            op.get("value")
                .cloned()
                .ok_or_else(|| format!("{name} operation has no value: {raw}"))
        };
        match name {
            "add" => add(doc, &path, raw, value()?, name)?,
            "remove" => {
                remove(doc, &path, raw, name)?;
            }
            "replace" => {
                let v = value()?;
                // A missing key of an existing mapping is added (as kustomize's library does).
                let parent_is_map = path
                    .split_last()
                    .and_then(|(_, parent)| get(doc, parent))
                    .is_some_and(RNode::is_map);
                match get_mut(doc, &path) {
                    Some(target) => *target = v,
                    None if parent_is_map => add(doc, &path, raw, v, name)?,
                    None => {
                        return Err(format!(
                            "replace operation does not apply: doc is missing path: {raw}: missing value"
                        ));
                    }
                }
            }
            "move" | "copy" => {
                let from_raw = op.str_at(&["from"]).unwrap_or("");
                let from = pointer(from_raw)?;
                let v = if name == "move" {
                    remove(doc, &from, from_raw, name)?
                } else {
                    // Copying a missing value copies null (as kustomize's library does).
                    get(doc, &from)
                        .cloned()
                        .unwrap_or_else(|| RNode::new(RValue::Null, op.origin))
                };
                add(doc, &path, raw, v, name)?;
            }
            "test" => {
                let v = value()?;
                let same = get(doc, &path).is_some_and(|n| n.to_json() == v.to_json());
                if !same {
                    return Err(format!("testing value {raw} failed: test failed"));
                }
            }
            other => return Err(format!("Unexpected kind: {other}")),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::node::Origin;
    use super::*;

    fn j(v: serde_json::Value) -> RNode {
        RNode::from_json(&v, Origin::default())
    }

    #[test]
    fn annotations_are_there_to_patch_as_in_kustomize() {
        let mut doc = j(serde_json::json!({"metadata": {"name": "a"}}));
        let ops = j(serde_json::json!([
            {"op": "replace", "path": "/metadata/annotations/owner", "value": "me"}
        ]));
        apply(&mut doc, ops.items()).unwrap();
        assert_eq!(
            doc.to_json(),
            serde_json::json!({"metadata": {"name": "a", "annotations": {"owner": "me"}}})
        );
        let mut doc = j(serde_json::json!({"metadata": {"name": "a"}}));
        let ops = j(serde_json::json!([{"op": "remove", "path": "/metadata/annotations"}]));
        apply(&mut doc, ops.items()).unwrap();
        assert_eq!(
            doc.to_json(),
            serde_json::json!({"metadata": {"name": "a"}})
        );
        // Labels have no such stand-in: kustomize fails there too.
        let ops = j(serde_json::json!([
            {"op": "replace", "path": "/metadata/labels/owner", "value": "me"}
        ]));
        assert!(apply(&mut doc, ops.items()).is_err());
    }

    #[test]
    fn applies_operations_in_order() {
        let mut doc = j(serde_json::json!({"a": {"b": [1, 2]}, "c": "x"}));
        let ops = j(serde_json::json!([
            {"op": "add", "path": "/a/b/-", "value": 3},
            {"op": "add", "path": "/a/b/0", "value": 0},
            {"op": "remove", "path": "/c"},
            {"op": "copy", "from": "/a/b", "path": "/d"},
            {"op": "move", "from": "/d", "path": "/e~1f"},
            {"op": "replace", "path": "/a/b/1", "value": 9},
            {"op": "test", "path": "/a/b/1", "value": 9}
        ]));
        apply(&mut doc, ops.items()).unwrap();
        assert_eq!(
            doc.to_json(),
            serde_json::json!({"a": {"b": [0, 9, 2, 3]}, "e/f": [0, 1, 2, 3]})
        );
        let bad = j(serde_json::json!([{"op": "replace", "path": "/x/y", "value": 1}]));
        assert!(apply(&mut doc, bad.items()).unwrap_err().contains("/x/y"));
    }
}
