//! JSON 6902 patches (RFC 6902: add, remove, replace, move, copy, test), with the errors
//! kustomize's JSON patch library (evanphx/json-patch) gives for a path that does not exist.

use super::node::{RNode, RValue};

/// A segment of a JSON pointer, `~1` and `~0` decoded.
fn decode(segment: &str) -> String {
    segment.replace("~1", "/").replace("~0", "~")
}

/// evanphx/json-patch's `findObject`: the container of a path's last segment, and that
/// segment. The segments between the first `/` and the last are followed, each to a mapping or
/// a list (a path that does not start with `/` loses its first segment, as there; one without
/// a `/` has no container).
fn find_object<'a>(doc: &'a mut RNode, path: &str) -> Option<(&'a mut RNode, String)> {
    let split: Vec<&str> = path.split('/').collect();
    let (key, parts) = split.split_last()?;
    let parts = parts.get(1..)?;
    Some((follow(doc, parts)?, decode(key)))
}

fn follow<'a>(node: &'a mut RNode, parts: &[&str]) -> Option<&'a mut RNode> {
    let Some((first, rest)) = parts.split_first() else {
        return Some(node);
    };
    let first = decode(first);
    let next = match &mut node.value {
        RValue::Map(entries) => entries
            .iter_mut()
            .find(|(k, _)| *k == first)
            .map(|(_, v)| v)?,
        RValue::Seq(items) => {
            let i = index(&first, items.len()).ok()?;
            &mut items[i]
        }
        _ => return None,
    };
    if !matches!(next.value, RValue::Map(_) | RValue::Seq(_)) {
        return None;
    }
    follow(next, rest)
}

fn invalid(idx: i64) -> String {
    format!("Unable to access invalid index: {idx}: invalid index")
}

/// Go's `strconv.Atoi`, with its error.
fn atoi(key: &str) -> Result<i64, String> {
    key.parse::<i64>()
        .map_err(|_| format!("strconv.Atoi: parsing {key:?}: invalid syntax"))
}

/// The item a list index names (`partialArray.get`): a negative index counts from the end.
fn index(key: &str, len: usize) -> Result<usize, String> {
    let (idx, len) = (atoi(key)?, len as i64);
    let at = if idx < 0 {
        if idx < -len {
            return Err(invalid(idx));
        }
        idx + len
    } else {
        idx
    };
    if at >= len {
        return Err(invalid(at));
    }
    Ok(at as usize)
}

/// `container.get(key)`: a mapping's value (none for a missing key), a list's item.
fn get<'a>(container: &'a RNode, key: &str) -> Result<Option<&'a RNode>, String> {
    match &container.value {
        RValue::Map(_) => Ok(container.get(key)),
        RValue::Seq(items) => Ok(Some(&items[index(key, items.len())?])),
        _ => Ok(None),
    }
}

/// `container.add(key, value)`: set in a mapping; inserted in a list before the index (`-`:
/// appended; a negative index counts from the end of the longer list).
fn add_to(container: &mut RNode, key: &str, value: RNode) -> Result<(), String> {
    match &mut container.value {
        RValue::Map(_) => {
            container.set(key, value);
            Ok(())
        }
        RValue::Seq(items) => {
            if key == "-" {
                items.push(value);
                return Ok(());
            }
            let idx = atoi(key)
                .map_err(|e| format!("value was not a proper array index: '{key}': {e}"))?;
            let size = items.len() as i64 + 1;
            if idx >= size || idx < -size {
                return Err(invalid(idx));
            }
            let at = if idx < 0 { idx + size } else { idx };
            items.insert(at as usize, value);
            Ok(())
        }
        _ => Ok(()),
    }
}

/// `container.remove(key)`.
fn remove_from(container: &mut RNode, key: &str) -> Result<RNode, String> {
    match &mut container.value {
        RValue::Map(_) => container
            .remove(key)
            .ok_or_else(|| format!("Unable to remove nonexistent key: {key}: missing value")),
        RValue::Seq(items) => {
            let i = index(key, items.len())?;
            Ok(items.remove(i))
        }
        _ => Err(format!(
            "Unable to remove nonexistent key: {key}: missing value"
        )),
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

/// evanphx/json-patch's operations, in its words.
fn apply_ops(doc: &mut RNode, ops: &[RNode]) -> Result<(), String> {
    for op in ops {
        let name = op.str_at(&["op"]).unwrap_or("unknown");
        // (`path` and `from` must be strings; `value` may be left out: null.)
        let path = op.str_at(&["path"]);
        let from = op.str_at(&["from"]);
        let value = || {
            op.get("value")
                .cloned()
                .unwrap_or_else(|| RNode::new(RValue::Null, op.origin))
        };
        let missing = |what: String| {
            format!("{name} operation does not apply: doc is missing {what}: missing value")
        };
        let decode_path =
            || path.ok_or_else(|| format!("{name} operation failed to decode path: missing value"));
        let decode_from = || {
            from.ok_or_else(|| {
                format!("{name} operation failed to decode from: operation, missing from field: missing value")
            })
        };
        match name {
            "add" => {
                let path = decode_path()?;
                let (container, key) =
                    find_object(doc, path).ok_or_else(|| missing(format!("path: \"{path}\"")))?;
                add_to(container, &key, value())
                    .map_err(|e| format!("error in add for path: '{path}': {e}"))?;
            }
            "remove" => {
                let path = decode_path()?;
                let (container, key) =
                    find_object(doc, path).ok_or_else(|| missing(format!("path: \"{path}\"")))?;
                remove_from(container, &key)
                    .map_err(|e| format!("error in remove for path: '{path}': {e}"))?;
            }
            "replace" => {
                let path = decode_path()?;
                if path.is_empty() {
                    let v = value();
                    if !matches!(v.value, RValue::Map(_) | RValue::Seq(_)) {
                        return Err("replace operation value must be object or array".to_owned());
                    }
                    *doc = v;
                    continue;
                }
                let (container, key) =
                    find_object(doc, path).ok_or_else(|| missing(format!("path: {path}")))?;
                if let Err(e) = get(container, &key) {
                    return Err(format!(
                        "replace operation does not apply: doc is missing key: {path}: {e}"
                    ));
                }
                // (A missing key of a mapping is added, as the library does.)
                match &mut container.value {
                    RValue::Seq(items) => {
                        let i = index(&key, items.len())?;
                        items[i] = value();
                    }
                    _ => add_to(container, &key, value())?,
                }
            }
            "move" => {
                let from = decode_from()?;
                let (container, key) =
                    find_object(doc, from).ok_or_else(|| missing(format!("from path: {from}")))?;
                let moving = |e| format!("error in move for path: '{key}': {e}");
                get(container, &key).map_err(moving)?;
                let moved = remove_from(container, &key).map_err(moving)?;
                let path = decode_path()?;
                let (container, key) = find_object(doc, path)
                    .ok_or_else(|| missing(format!("destination path: {path}")))?;
                add_to(container, &key, moved)
                    .map_err(|e| format!("error in move for path: '{path}': {e}"))?;
            }
            "copy" => {
                let from = decode_from()?;
                let (container, key) =
                    find_object(doc, from).ok_or_else(|| missing(format!("from path: {from}")))?;
                // (A missing key of a mapping copies null, as the library does.)
                let copied = get(container, &key)
                    .map_err(|e| format!("error in copy for from: '{from}': {e}"))?
                    .cloned()
                    .unwrap_or_else(|| RNode::new(RValue::Null, op.origin));
                let path = decode_path()?;
                let (container, key) = find_object(doc, path)
                    .ok_or_else(|| missing(format!("destination path: {path}")))?;
                add_to(container, &key, copied)
                    .map_err(|e| format!("error in copy for path: '{path}': {e}"))?;
            }
            "test" => {
                let path = decode_path()?;
                let failed = || format!("testing value {path} failed: test failed");
                let found = if path.is_empty() {
                    Some(&*doc)
                } else {
                    let (container, key) = find_object(doc, path).ok_or_else(|| {
                        format!(
                            "test operation does not apply: is missing path: {path}: missing value"
                        )
                    })?;
                    get(container, &key)
                        .map_err(|e| format!("error in test for path: '{path}': {e}"))?
                };
                let wanted = op.get("value");
                let same = match (found, wanted) {
                    // A missing key passes for a null or absent value, and only then.
                    (None, None) => true,
                    (None, Some(w)) => w.value == RValue::Null,
                    (Some(_), None) => false,
                    (Some(f), Some(w)) => f.to_json() == w.to_json(),
                };
                if !same {
                    return Err(failed());
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
