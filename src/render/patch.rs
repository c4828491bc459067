//! `patches`, `patchesStrategicMerge` and `patchesJson6902`: reading the patch (a file or
//! inline text), choosing its targets (sigs.k8s.io/kustomize
//! `api/internal/builtins/PatchTransformer.go`) and applying it.

use super::kust::{Kust, Walk, same_ns};
use super::node::{Origin, RNode, RValue, from_loaded};
use super::target::Target;
use super::{Files, RenderError, Resource};
use crate::index::kustomize::normalize;
use crate::load::tree::Node;
use crate::model::diagnostic::FileId;
use crate::model::source::SourceFile;

/// A patch's documents, and where the patch is written.
struct Loaded {
    docs: Vec<RNode>,
    at: Origin,
    /// Read from the kustomization's own text, not from a file.
    inline: bool,
}

/// Reads a patch: a path relative to the kustomization, or inline YAML (whose nodes all point
/// at the inline text in the kustomization).
fn load_patch(
    walk: &mut Walk<'_>,
    k: &Kust,
    node: &Node,
    inline: bool,
) -> Result<Loaded, RenderError> {
    let at = k.origin(node);
    let text = node.as_str().unwrap_or_default();
    let as_path = !inline && !text.contains('\n');
    if as_path {
        let path = normalize(&k.dir.join(text.trim()));
        if path.is_file() {
            super::kust::within_root(k, &path, at)?;
            let file = walk
                .files
                .read(&path)
                .map_err(|e| RenderError::new(e, Some(at)))?;
            walk.files.documents(file)?;
            let loaded = walk.files.loaded(file);
            let source = walk.files.file(file);
            return Ok(Loaded {
                docs: loaded
                    .documents
                    .iter()
                    .map(|d| from_loaded(&d.root, file, &source.text))
                    .collect(),
                at,
                inline: false,
            });
        }
        if !text.contains(':') && !text.trim_start().starts_with('[') {
            return Err(RenderError::new(
                format!("open {}: no such file or directory", path.display()),
                Some(at),
            ));
        }
    }
    let file = SourceFile::new(FileId(u32::MAX), "inline".into(), text.to_owned());
    let loaded = crate::load::load(&file, &Default::default());
    if let Some(d) = loaded.diagnostics.first() {
        return Err(RenderError::new(
            format!(
                "unable to parse SM or JSON patch from [{text}]: {}",
                d.message
            ),
            Some(at),
        ));
    }
    let map = super::inline::InlineMap::new(node, text, walk.files.text(at.file));
    let docs = loaded
        .documents
        .iter()
        .map(|d| {
            let mut n = from_loaded(&d.root, at.file, text);
            super::inline::locate(&mut n, at, map.as_ref());
            n
        })
        .collect();
    Ok(Loaded {
        docs,
        at,
        inline: true,
    })
}

pub(crate) fn strategic_legacy(
    walk: &mut Walk<'_>,
    k: &Kust,
    resources: &mut Vec<Resource>,
) -> Result<(), RenderError> {
    for entry in k.seq("patchesStrategicMerge") {
        let patch = load_patch(walk, k, entry, false)?;
        if let Some(missing) = patch
            .docs
            .iter()
            .filter(|d| d.is_map())
            .find_map(missing_id)
        {
            if !patch.inline {
                return Err(RenderError::new(
                    format!("missing {missing} in object"),
                    Some(patch.at),
                ));
            }
            // kustomize reads an inline patch it cannot take as resources as a file path.
            let text = entry.as_str().unwrap_or_default();
            let path = k.dir.join(text).display().to_string();
            return Err(RenderError::new(
                format!("evalsymlink failure on '{path}' : lstat {path}: no such file or directory"),
                Some(patch.at),
            )
            .suggesting(format!(
                "the patch has no `{missing}`: kustomize takes an inline patch it cannot read as an object for a file name; give the patch its `kind` and `metadata.name`"
            )));
        }
        for doc in &patch.docs {
            apply_strategic(walk.files, resources, doc, None, patch.at, Allow::default())?;
        }
    }
    Ok(())
}

pub(crate) fn patches(
    walk: &mut Walk<'_>,
    k: &Kust,
    resources: &mut Vec<Resource>,
) -> Result<(), RenderError> {
    for entry in k.seq("patches") {
        // (An empty string is no patch, as in kustomize's struct.)
        let given = |key: &str| entry.get(key).filter(|n| n.as_str() != Some(""));
        let (node, inline) = match (given("path"), given("patch")) {
            (Some(p), None) => (p, false),
            (None, Some(p)) => (p, true),
            (Some(_), Some(_)) => {
                return Err(RenderError::new(
                    "patch and path can't be set at the same time",
                    Some(k.origin(entry)),
                ));
            }
            (None, None) => {
                return Err(RenderError::new(
                    "must specify one of patch and path",
                    Some(k.origin(entry)),
                ));
            }
        };
        let allow = Allow::read(entry.get("options"));
        let patch = load_patch(walk, k, node, inline)?;
        let field = if inline { "patch" } else { "path" };
        let described = || {
            let text = node.as_str().unwrap_or_default();
            format!(
                "[{field}: {}]",
                serde_json::to_string(text).unwrap_or_default()
            )
        };
        // kustomize reads a strategic merge patch as resources: each needs a kind and a name
        // (a `List` no name), or the patch is neither (its `target` makes no difference).
        if patch
            .docs
            .iter()
            .any(|d| d.is_map() && missing_id(d).is_some())
        {
            return Err(RenderError::new(
                format!("unable to parse SM or JSON patch from {}", described()),
                Some(patch.at),
            ));
        }
        // Nothing in it (no document, null, `[]`): read as no resources and as an empty JSON
        // patch, both without an error, it is both, and kustomize refuses it.
        let empty = patch.docs.iter().all(|d| match &d.value {
            RValue::Null => true,
            RValue::Seq(items) => items.is_empty(),
            _ => false,
        });
        if empty {
            return Err(RenderError::new(
                format!(
                    "illegally qualifies as both an SM and JSON patch: {}",
                    described()
                ),
                Some(patch.at),
            ));
        }
        let target = entry
            .get("target")
            .map(|t| Target::read(k, t))
            .transpose()?;
        apply(walk.files, resources, &patch, target.as_ref(), allow)?;
    }
    Ok(())
}

/// A patch's `options` (kustomize's `map[string]bool`): `allowNameChange` and
/// `allowKindChange` let a strategic merge patch rename the object or change its kind; other
/// keys are ignored, as kustomize ignores them.
#[derive(Clone, Copy, Default)]
pub(crate) struct Allow {
    name: bool,
    kind: bool,
}

impl Allow {
    /// Decoded: booleans, or null for false.
    fn read(options: Option<&Node>) -> Allow {
        let mut allow = Allow::default();
        for e in options.map(Node::entries).unwrap_or_default() {
            let on = e.value.as_bool().unwrap_or(false);
            match e.key.as_str() {
                Some("allowNameChange") => allow.name = on,
                Some("allowKindChange") => allow.kind = on,
                _ => {}
            }
        }
        allow
    }
}

pub(crate) fn json6902_legacy(
    walk: &mut Walk<'_>,
    k: &Kust,
    resources: &mut Vec<Resource>,
) -> Result<(), RenderError> {
    for entry in k.seq("patchesJson6902") {
        let (node, inline) = match (entry.get("path"), entry.get("patch")) {
            (Some(p), _) => (p, false),
            (None, Some(p)) => (p, true),
            (None, None) => continue,
        };
        let patch = load_patch(walk, k, node, inline)?;
        let Some(t) = entry.get("target") else {
            return Err(RenderError::new(
                "must specify a target for patch",
                Some(k.origin(entry)),
            ));
        };
        if t.get("name")
            .and_then(Node::as_str)
            .is_none_or(str::is_empty)
        {
            return Err(RenderError::new(
                "must specify the target name",
                Some(k.origin(t)),
            ));
        }
        let target = Target::read(k, t)?;
        apply(
            walk.files,
            resources,
            &patch,
            Some(&target),
            Allow::default(),
        )?;
    }
    Ok(())
}

/// Applies every document of a patch: JSON 6902 when it is a list of operations, else a
/// strategic merge patch.
fn apply(
    files: &Files,
    resources: &mut Vec<Resource>,
    patch: &Loaded,
    target: Option<&Target>,
    allow: Allow,
) -> Result<(), RenderError> {
    for doc in &patch.docs {
        if let RValue::Seq(ops) = &doc.value {
            let Some(target) = target else {
                return Err(RenderError::new(
                    "must specify a target for patch",
                    Some(patch.at),
                ));
            };
            for r in resources.iter_mut().filter(|r| target.selects(r)) {
                super::json_patch::apply(&mut r.root, ops)
                    .map_err(|e| RenderError::new(e, Some(patch.at)))?;
                // What kyaml's `GetValidatedMetadata` then asks of the object.
                if let Some(what) = r.root.unidentified() {
                    return Err(RenderError::new(
                        format!("missing {what} in object"),
                        Some(patch.at),
                    ));
                }
                r.remember_id();
            }
        } else if doc.is_map() {
            apply_strategic(files, resources, doc, target, patch.at, allow)?;
        }
    }
    Ok(())
}

fn apply_strategic(
    files: &Files,
    resources: &mut Vec<Resource>,
    doc: &RNode,
    target: Option<&Target>,
    at: Origin,
    allow: Allow,
) -> Result<(), RenderError> {
    let chosen: Vec<usize> = match target {
        Some(t) => (0..resources.len())
            .filter(|&i| t.selects(&resources[i]))
            .collect(),
        None => {
            let patch = Resource::new(doc.clone());
            let matches: Vec<usize> = (0..resources.len())
                .filter(|&i| same_id(&resources[i], &patch))
                .collect();
            if matches.len() != 1 {
                let id = patch.id_string();
                return Err(RenderError::new(
                    if matches.is_empty() {
                        format!(
                            "no resource matches strategic merge patch \"{id}\": no matches for Id {id}; failed to find unique target for patch {id}"
                        )
                    } else {
                        format!(
                            "multiple matches for Id {id}; failed to find unique target for patch {id}"
                        )
                    },
                    Some(at),
                ));
            }
            matches
        }
    };
    let mut deleted = Vec::new();
    for i in chosen {
        let r = &mut resources[i];
        let mut patch = doc.clone();
        {
            // The patch takes the target's identity (kustomize's `ApplySmPatch`): its own name
            // only chose the target, unless `options` allow a change.
            for key in ["apiVersion", "kind"] {
                if allow.kind && patch.get(key).is_some() {
                    continue;
                }
                if let Some(v) = r.root.get(key).cloned() {
                    patch.set(key, v);
                }
            }
            // The target's own nodes, so that its name keeps pointing where it was set.
            let meta = patch.child_map("metadata", at);
            for key in ["name", "namespace"] {
                if key == "name" && allow.name && meta.get(key).is_some() {
                    continue;
                }
                match r.root.get_path(&["metadata", key]) {
                    Some(v) => meta.set(key, v.clone()),
                    None => {
                        meta.remove(key);
                    }
                }
            }
        }
        let known = super::smp::is_builtin(r.group_version().0);
        if super::smp::merge_object(&mut r.root, &patch, known, files)
            .map_err(|e| RenderError::new(e, Some(at)))?
        {
            deleted.push(i);
        }
        r.remember_id();
    }
    for i in deleted.into_iter().rev() {
        resources.remove(i);
    }
    Ok(())
}

/// What kyaml's `GetValidatedMetadata` finds missing in a patch read as a resource: its
/// `kind`, or (but in a `List`) its `metadata.name`.
fn missing_id(doc: &RNode) -> Option<&'static str> {
    let kind = doc.str_at(&["kind"]).unwrap_or_default();
    if kind.is_empty() {
        return Some("kind");
    }
    let name = doc.str_at(&["metadata", "name"]).unwrap_or_default();
    (!kind.ends_with("List") && name.is_empty()).then_some("metadata.name")
}

/// Whether a patch's own id names a resource (any name and namespace it had).
fn same_id(r: &Resource, patch: &Resource) -> bool {
    let (pg, pv) = patch.group_version();
    let (g, v) = r.group_version();
    r.kind() == patch.kind()
        && g == pg
        && (pv.is_empty() || v == pv)
        && r.ids
            .iter()
            .any(|(ns, name)| name == patch.name() && same_ns(ns, patch.namespace()))
}
