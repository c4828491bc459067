//! A kustomization's transformers, in kustomize's order (`configureBuiltinTransformers` in
//! sigs.k8s.io/kustomize `api/internal/target/kusttarget_configplugin.go`): patches, namespace,
//! name prefix and suffix, labels, annotations, JSON 6902 patches, replicas, images, replacements.

use super::config::{
    COMMON_ANNOTATIONS, COMMON_LABELS, Config, NAME_PREFIX, NAME_SPACE, NAME_SUFFIX, REPLICA_COUNT,
    TEMPLATE,
};
use super::fieldspecs::{self, Spec};
use super::kust::{Kust, Walk, is_cluster_scoped};
use super::node::{Origin, RNode, RValue};
use super::{RenderError, Resource};
use crate::load::tree::Node;

pub(crate) fn run(
    walk: &mut Walk<'_>,
    k: &Kust,
    resources: &mut Vec<Resource>,
) -> Result<(), RenderError> {
    super::patch::strategic_legacy(walk, k, resources)?;
    super::patch::patches(walk, k, resources)?;
    let config = &walk.config;
    namespace(k, resources, config)?;
    prefix_suffix(k, resources, config)?;
    labels(k, resources, config)?;
    if let Some(node) = k.root.get("commonAnnotations") {
        let pairs = string_pairs(k, node);
        let specs = config.common_annotations.list(&COMMON_ANNOTATIONS);
        apply_specs(resources, specs, &pairs, k.origin(node))?;
    }
    super::patch::json6902_legacy(walk, k, resources)?;
    replicas(k, resources, &walk.config, walk.files)?;
    super::images::run(k, resources, &walk.config.images)?;
    super::replace::run(walk, k, resources)?;
    if walk
        .build_metadata
        .as_ref()
        .is_some_and(|(options, _)| options.iter().any(|o| o == super::metadata::TRANSFORMERS))
    {
        super::metadata::record_transformers(k, resources);
    }
    Ok(())
}

/// The `namespace` transformer (kustomize's `namespace.Filter`): `metadata/namespace` of every
/// namespaced object and the `default` ServiceAccount subjects of bindings by its own code,
/// then the configuration's other specs (a `Namespace`'s own name, an APIService's service,
/// a CRD's conversion webhook service, and any a configuration adds); `metadata/name` only of
/// `v1` objects.
fn namespace(k: &Kust, resources: &mut [Resource], config: &Config) -> Result<(), RenderError> {
    let Some(node) = k.root.get("namespace") else {
        return Ok(());
    };
    let Some(ns) = node.as_str().filter(|s| !s.is_empty()) else {
        return Ok(());
    };
    let at = k.origin(node);
    let specs = config.namespace.list(&NAME_SPACE);
    for r in resources.iter_mut() {
        if !is_cluster_scoped(r) {
            r.root
                .child_map("metadata", at)
                .set("namespace", RNode::str(ns, at));
        }
        if matches!(r.kind(), "RoleBinding" | "ClusterRoleBinding")
            && let Some(RValue::Seq(subjects)) = r.root.get_mut("subjects").map(|s| &mut s.value)
        {
            for s in subjects.iter_mut() {
                if s.str_at(&["name"]) == Some("default") {
                    s.set("namespace", RNode::str(ns, at));
                }
            }
        }
        let (group, version) = r.group_version();
        let (group, version, kind) = (group.to_owned(), version.to_owned(), r.kind().to_owned());
        let v1 = r.api_version() == "v1";
        for spec in specs {
            let skip = spec.path == "metadata/namespace"
                || (spec.path == "metadata/name" && !v1)
                || (spec.path == "subjects/namespace"
                    && matches!(&*spec.kind, "RoleBinding" | "ClusterRoleBinding"));
            if skip || !spec.selects(&group, &version, &kind) {
                continue;
            }
            let mut leaf = false;
            fieldspecs::visit(&mut r.root, &spec.path, spec.create, at, &mut |n| {
                fieldspecs::wrong_kind(n, "ScalarNode").inspect_err(|_| leaf = true)?;
                *n = RNode::str(ns, at);
                Ok(())
            })
            .map_err(|e| {
                // kustomize's namespace filter says which of its two steps failed.
                let step = if leaf {
                    "namespace field specs must target scalar nodes"
                } else {
                    "namespace transformation failed"
                };
                let id = r.id_string();
                RenderError::new(
                    format!("{step}: {}", fieldspecs::considering(&spec.path, &id, &e)),
                    Some(at),
                )
            })?;
        }
        r.remember_id();
    }
    // Objects of one kind and name moved into one namespace (two `Namespace` objects too).
    let mut seen = foldhash::HashSet::default();
    for r in resources.iter() {
        // (A cluster-scoped object has no namespace in its id, whatever its metadata says:
        // one key for all of them, that of an object without a namespace.)
        let ns = if r.namespace().is_empty() || is_cluster_scoped(r) {
            "default"
        } else {
            r.namespace()
        };
        if !seen.insert((r.group_version().0, r.kind(), r.name(), ns)) {
            return Err(RenderError::new(
                "namespace transformation produces ID conflict",
                Some(at),
            ));
        }
    }
    Ok(())
}

/// The `namePrefix` and `nameSuffix` transformers: each spec of the configuration that selects
/// an object (never a CRD, an APIService or a Namespace) gets the affix on its field, made a
/// string; a `metadata/name` one renames the object.
fn prefix_suffix(k: &Kust, resources: &mut [Resource], config: &Config) -> Result<(), RenderError> {
    for (field, is_prefix) in [("namePrefix", true), ("nameSuffix", false)] {
        let Some(node) = k.root.get(field) else {
            continue;
        };
        let Some(affix) = node.as_str().filter(|s| !s.is_empty()) else {
            continue;
        };
        let at = k.origin(node);
        let specs = if is_prefix {
            config.name_prefix.list(&NAME_PREFIX)
        } else {
            config.name_suffix.list(&NAME_SUFFIX)
        };
        for r in resources.iter_mut() {
            let (group, version) = r.group_version();
            let skip = matches!(r.kind(), "CustomResourceDefinition" | "Namespace")
                || (r.kind() == "APIService" && group == "apiregistration.k8s.io");
            if skip {
                continue;
            }
            let (group, version, kind) =
                (group.to_owned(), version.to_owned(), r.kind().to_owned());
            // (kustomize names the object as it was before this transformer.)
            let before = r.ids.len() - 1;
            for spec in specs.iter().filter(|s| s.selects(&group, &version, &kind)) {
                fieldspecs::visit(&mut r.root, &spec.path, spec.create, at, &mut |n| {
                    let text = match &n.value {
                        RValue::Null => String::new(),
                        RValue::Str(s) => s.clone(),
                        RValue::Bool(b) => b.to_string(),
                        RValue::Int(i) => i.to_string(),
                        RValue::Float(_) => super::emit::scalar(n),
                        RValue::Seq(_) | RValue::Map(_) => {
                            return fieldspecs::wrong_kind(n, "ScalarNode");
                        }
                    };
                    let affixed = if is_prefix {
                        format!("{affix}{text}")
                    } else {
                        format!("{text}{affix}")
                    };
                    *n = RNode::str(affixed, at);
                    Ok(())
                })
                .map_err(|e| {
                    let (ns, name) = &r.ids[before];
                    let id = r.id_string_as(ns, name);
                    RenderError::new(fieldspecs::considering(&spec.path, &id, &e), Some(at))
                })?;
                if spec.path == "metadata/name" {
                    r.remember_id();
                    r.affixes[usize::from(!is_prefix)].push(affix.to_owned());
                }
            }
        }
    }
    Ok(())
}

/// A kustomization's string map (`commonLabels`, `pairs`), each value at its node (decoded:
/// strings, or null for ""), and the first key YAML reads as something other than a string
/// (`on:`, `1:`), which kustomize keeps as such and then cannot write out.
fn string_pairs(k: &Kust, node: &Node) -> (Vec<(String, RNode)>, Option<Origin>) {
    let pairs = node
        .entries()
        .iter()
        .map(|e| {
            let key = e.key.key_string().unwrap_or_default().into_owned();
            let value = e.value.as_str().unwrap_or_default();
            (key, RNode::str(value, k.origin(&e.value)))
        })
        .collect();
    let non_string = node
        .entries()
        .iter()
        .find(|e| !matches!(e.key.value, crate::load::tree::Value::Str(_)))
        .map(|e| k.origin(&e.key));
    (pairs, non_string)
}

/// Merges `pairs` into the mapping at each spec's field (kustomize's `SetEntry`: a field that
/// is not a mapping fails in its words).
fn apply_specs(
    resources: &mut [Resource],
    specs: &[Spec],
    (pairs, non_string_key): &(Vec<(String, RNode)>, Option<Origin>),
    at: Origin,
) -> Result<(), RenderError> {
    if pairs.is_empty() {
        return Ok(());
    }
    for r in resources.iter_mut() {
        let (group, version) = r.group_version();
        let (group, version, kind) = (group.to_owned(), version.to_owned(), r.kind().to_owned());
        // One path may be listed twice (StatefulSet claim templates): touch it once.
        let mut done: Vec<&str> = Vec::new();
        for spec in specs.iter().filter(|s| s.selects(&group, &version, &kind)) {
            if done.contains(&spec.path.as_str()) {
                continue;
            }
            done.push(&spec.path);
            fieldspecs::visit(&mut r.root, &spec.path, spec.create, at, &mut |n| {
                if n.value != RValue::Null {
                    fieldspecs::wrong_kind(n, "MappingNode")?;
                }
                fieldspecs::merge_pairs(n, pairs, at);
                r.non_string_key = r.non_string_key.or(*non_string_key);
                Ok(())
            })
            .map_err(|e| {
                let id = r.id_string();
                RenderError::new(fieldspecs::considering(&spec.path, &id, &e), Some(at))
            })?;
        }
    }
    Ok(())
}

/// The field specs of a `labels` entry as kustomize merges them: its own `fields` first, then
/// the configuration's lists its flags ask for (kustomize's `configureBuiltinTransformers`).
fn label_specs(k: &Kust, entry: &Node, config: &Config) -> Result<Vec<Spec>, RenderError> {
    let text = |n: &Node, key| {
        n.get(key)
            .and_then(Node::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let mut specs: Vec<Spec> = Vec::new();
    for f in entry
        .get("fields")
        .and_then(Node::as_seq)
        .unwrap_or_default()
    {
        specs.push(Spec {
            group: text(f, "group"),
            version: text(f, "version"),
            kind: text(f, "kind"),
            path: text(f, "path"),
            create: f.get("create").and_then(Node::as_bool) == Some(true),
        });
    }
    let flag = |key| entry.get(key).and_then(Node::as_bool) == Some(true);
    let fail = |why: String| RenderError::new(why, Some(k.origin(entry)));
    let merge = |specs: &mut Vec<Spec>, incoming: &[Spec]| {
        incoming
            .iter()
            .try_for_each(|x| Spec::merge_one(specs, x.clone()))
    };
    if flag("includeSelectors") {
        merge(&mut specs, config.common_labels.list(&COMMON_LABELS))
            .map_err(|e| fail(format!("failed to merge labels: {e}")))?;
    } else {
        if flag("includeTemplates") {
            merge(&mut specs, config.template_labels.list(&TEMPLATE))
                .map_err(|e| fail(format!("failed to merge template fieldSpec: {e}")))?;
        }
        let metadata = Spec {
            group: String::new(),
            version: String::new(),
            kind: String::new(),
            path: "metadata/labels".to_owned(),
            create: true,
        };
        Spec::merge_one(&mut specs, metadata)
            .map_err(|e| fail(format!("failed to merge labels: {e}")))?;
    }
    Ok(specs)
}

fn labels(k: &Kust, resources: &mut [Resource], config: &Config) -> Result<(), RenderError> {
    for entry in k.seq("labels") {
        let Some(pairs_node) = entry.get("pairs") else {
            continue;
        };
        let pairs = string_pairs(k, pairs_node);
        let specs = label_specs(k, entry, config)?;
        apply_specs(resources, &specs, &pairs, k.origin(pairs_node))?;
    }
    if let Some(node) = k.root.get("commonLabels") {
        let pairs = string_pairs(k, node);
        let specs = config.common_labels.list(&COMMON_LABELS);
        apply_specs(resources, specs, &pairs, k.origin(node))?;
    }
    Ok(())
}

/// The `replicas` transformer: for each entry, every spec of the configuration that selects an
/// object of that name (under any name it had) sets its count there.
fn replicas(
    k: &Kust,
    resources: &mut [Resource],
    config: &Config,
    files: &super::Files,
) -> Result<(), RenderError> {
    let specs = config.replicas.list(&REPLICA_COUNT);
    for entry in k.seq("replicas") {
        let Some(name) = entry.get("name").and_then(Node::as_str) else {
            continue;
        };
        let count_node = entry.get("count");
        let at = k.origin(count_node.unwrap_or(entry));
        // kustomize decodes the count as an int64 from JSON: `5.0` and `1e2` are integers
        // (a fraction fails when the kustomization is read).
        let count = match count_node.map(|c| &c.value) {
            Some(crate::load::tree::Value::Int(i)) => *i,
            Some(crate::load::tree::Value::Float(f)) if f.fract() == 0.0 => *f as i128,
            _ => 0,
        };
        let mut found = false;
        for spec in specs {
            for r in resources.iter_mut() {
                let (group, version) = r.group_version();
                let selected =
                    spec.selects(group, version, r.kind()) && r.ids.iter().any(|(_, n)| n == name);
                if !selected {
                    continue;
                }
                found = true;
                fieldspecs::visit(&mut r.root, &spec.path, spec.create, at, &mut |n| {
                    fieldspecs::wrong_kind(n, "ScalarNode")?;
                    // kustomize replaces the scalar's text and keeps its style: a count
                    // written quoted (or as a block) stays a string.
                    let quoted = matches!(n.value, RValue::Str(_))
                        && not_plain(files.text(n.origin.file), n.origin.span.start as usize);
                    *n = if quoted {
                        RNode::str(count.to_string(), at)
                    } else {
                        RNode::new(RValue::Int(count), at)
                    };
                    Ok(())
                })
                .map_err(|e| {
                    let id = r.id_string();
                    RenderError::new(fieldspecs::considering(&spec.path, &id, &e), Some(at))
                })?;
            }
        }
        if !found {
            let gvks: Vec<String> = specs.iter().map(super::config::gvk_string).collect();
            return Err(RenderError::new(
                format!(
                    "resource with name {name} does not match a config with the following GVK [{}]",
                    gvks.join(" ")
                ),
                Some(k.origin(entry)),
            ));
        }
    }
    Ok(())
}

/// Whether the scalar whose text starts at `start` is written quoted or as a block scalar (its
/// span starts at the content, on a line after the `|` or `>` indicator).
fn not_plain(text: &str, start: usize) -> bool {
    if matches!(text.as_bytes().get(start), Some(b'"' | b'\'')) {
        return true;
    }
    let before = text.get(..start).unwrap_or_default();
    let before = before.trim_end_matches([' ', '\t']);
    if !before.ends_with('\n') {
        return false;
    }
    let line = before.trim_end().rsplit('\n').next().unwrap_or_default();
    line.trim_end_matches(|c: char| c.is_ascii_digit() || c == '-' || c == '+')
        .ends_with(['|', '>'])
}
