//! Objects a render reads only as far as it needs: in a *plain* build (kustomizations that only
//! list `resources`, down to the last one included: no namespace, prefix, label, patch, image,
//! generator, component or configuration), no step reaches an object's body. kube-prometheus
//! is one: 95 files, most of them large CRDs, which a render converted into kustomize's tree
//! only for the checks to find every one of them unchanged and check it as written.
//!
//! There an object that converts alike ([`converts_alike`]: no scalar go-yaml v3 reads
//! otherwise, no key kustomize cannot write, no annotation it rewrites or drops) and that no
//! name reference of kustomize's reads (a CRD, a ConfigMap, a custom resource; not a
//! Deployment, whose volumes and service account kustomize's name reference walk checks
//! even when nothing is renamed) becomes a *skeleton*: its `apiVersion`, `kind` and `metadata`
//! converted, the rest left in its loaded file. The render's steps read only those (ids, the
//! legacy order, build annotations); the checks take the object as written
//! (`run::rendered::written`), and whatever needs the whole rendered object first makes it
//! whole ([`whole`]). Only runs that check ask for skeletons ([`super::Sources::skeletons`]):
//! `kubevet render` prints whole objects.

use super::node::{Origin, RNode, RValue, converts_alike, from_loaded_keys};
use super::{Files, Resource};
use crate::index::kustomize::{kustomization_in, normalize};
use crate::load::tree::{Node, Value};
use std::path::{Path, PathBuf};

/// The keys a skeleton keeps, converted: all a plain build's steps read.
pub const KEPT: [&str; 3] = ["apiVersion", "kind", "metadata"];

/// The fields a plain kustomization may have.
const PLAIN_FIELDS: [&str; 5] = ["apiVersion", "kind", "metadata", "resources", "bases"];

/// Whether the kustomization in `dir`, and each it includes, only lists resources — read from
/// the files the run loaded (anything else, an editor's buffer, a file not loaded, a
/// kustomization that does not load cleanly: not plain, and rendered whole).
pub(super) fn plain(files: &Files, dir: &Path) -> bool {
    if files.sources.reader.is_some() {
        return false;
    }
    plain_in(files, dir, &mut Vec::new())
}

fn plain_in(files: &Files, dir: &Path, visited: &mut Vec<PathBuf>) -> bool {
    // (A cycle, or a very deep chain, is rendered whole: the render reports the cycle.)
    if visited.len() > 32 || visited.iter().any(|v| v == dir) {
        return false;
    }
    visited.push(dir.to_path_buf());
    let Some(source) = kustomization_in(dir).and_then(|path| files.preloaded(&path)) else {
        return false;
    };
    let loaded = &source.loaded;
    if loaded.documents.len() != 1
        || loaded
            .diagnostics
            .iter()
            .any(|d| d.severity == crate::model::diagnostic::Severity::Error)
    {
        return false;
    }
    let root = &loaded.documents[0].root;
    let Value::Map(entries) = &root.value else {
        return false;
    };
    for e in entries {
        let Value::Str(key) = &e.key.value else {
            return false;
        };
        if !PLAIN_FIELDS.contains(&key.as_str()) {
            return false;
        }
    }
    if root
        .get("kind")
        .is_some_and(|k| k.as_str() != Some("Kustomization"))
    {
        return false;
    }
    for field in ["resources", "bases"] {
        let Some(list) = root.get(field) else {
            continue;
        };
        let Some(list) = list.as_seq() else {
            return false;
        };
        for entry in list {
            let Some(name) = entry.as_str().filter(|n| !n.is_empty()) else {
                return false;
            };
            if super::is_remote(name) {
                return false;
            }
            let path = normalize(&dir.join(name));
            if path.is_dir() && !plain_in(files, &path, visited) {
                return false;
            }
        }
    }
    true
}

/// The skeleton of a loaded object of a plain build (`node`: a document, or an item of a
/// `List`, of the render's file `file`), if it may be one.
pub(super) fn resource(node: &Node, file: u32, text: &str) -> Option<Resource> {
    let Value::Map(entries) = &node.value else {
        return None;
    };
    // (The kind first: a walk of the whole object is wasted on a Deployment.)
    let kind = node.get("kind").and_then(Node::as_str).unwrap_or("");
    let api_version = node.get("apiVersion").and_then(Node::as_str).unwrap_or("");
    let (g, v) = super::group_version_of(api_version);
    if super::refs::is_referrer((kind, g, v))
        || !annotations_kept(node)
        || !converts_alike(node, text)
    {
        return None;
    }
    let mut kept = Vec::with_capacity(KEPT.len());
    for e in entries {
        let Value::Str(key) = &e.key.value else {
            return None;
        };
        if KEPT.contains(&key.as_str()) {
            kept.push((key.clone(), from_loaded_keys(&e.value, file, text).0));
        }
    }
    let root = RNode::new(
        RValue::Map(kept),
        Origin {
            file,
            span: node.span,
        },
    );
    let mut r = Resource::new(root);
    if r.kind().is_empty() || r.name().is_empty() {
        return None;
    }
    r.skeleton = true;
    Some(r)
}

/// Whether a render leaves the object's annotations as loaded: each a string (kustomize
/// writes any other scalar back as its text), none of the build annotations it drops, and not
/// an empty or null mapping (which it drops).
fn annotations_kept(node: &Node) -> bool {
    let Some(annotations) = node.get_path(&["metadata", "annotations"]) else {
        return true;
    };
    match &annotations.value {
        Value::Map(entries) => {
            !entries.is_empty()
                && entries.iter().all(|e| {
                    e.key
                        .as_str()
                        .is_some_and(|k| !super::metadata::is_build_annotation(k))
                        && matches!(e.value.value, Value::Str(_) | Value::Seq(_) | Value::Map(_))
                })
        }
        Value::Null => false,
        _ => true,
    }
}

/// Whether the kept keys of a skeleton (`r`) are the loaded object's (`n`, of the render's file
/// `file`) as it was loaded: no step of the render changed them. (The rest converts alike, which
/// [`resource`] made sure of.)
pub fn holds(r: &RNode, n: &Node, file: u32, unchanged: impl Fn(&RNode, &Node) -> bool) -> bool {
    if r.origin.file != file || r.origin.span != n.span {
        return false;
    }
    let (RValue::Map(kept), Value::Map(entries)) = (&r.value, &n.value) else {
        return false;
    };
    let mut loaded = entries
        .iter()
        .filter(|e| e.key.as_str().is_some_and(|k| KEPT.contains(&k)));
    kept.iter().all(|(key, x)| {
        loaded
            .next()
            .is_some_and(|e| e.key.as_str() == Some(key) && unchanged(x, &e.value))
    }) && loaded.next().is_none()
}

/// The whole rendered object of a skeleton, its loaded object `n` (of the render's file `file`,
/// text `text`) converted around the kept keys as the render left them.
pub fn whole(r: &mut Resource, n: &Node, file: u32, text: &str) {
    if !r.skeleton {
        return;
    }
    r.skeleton = false;
    let RValue::Map(kept) = &mut r.root.value else {
        return;
    };
    let mut kept = std::mem::take(kept);
    let mut entries = Vec::with_capacity(n.entries().len());
    for e in n.entries() {
        let Some(key) = e.key.as_str() else {
            continue;
        };
        if KEPT.contains(&key) {
            if let Some(at) = kept.iter().position(|(k, _)| k == key) {
                entries.push(kept.remove(at));
            }
        } else {
            entries.push((key.to_owned(), from_loaded_keys(&e.value, file, text).0));
        }
    }
    entries.append(&mut kept);
    r.root.value = RValue::Map(entries);
}
