//! A kustomization's transformers, in kustomize's order (`configureBuiltinTransformers` in
//! sigs.k8s.io/kustomize `api/internal/target/kusttarget_configplugin.go`): patches, namespace,
//! name prefix and suffix, labels, annotations, JSON 6902 patches, replicas, images, replacements.

use super::fieldspecs::{self, ANNOTATIONS, SELECTOR_LABELS, Spec, TEMPLATE_LABELS};
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
    namespace(k, resources)?;
    prefix_suffix(k, resources)?;
    labels(k, resources, &walk.config.common_labels)?;
    if let Some(node) = k.root.get("commonAnnotations") {
        let pairs = string_pairs(k, node);
        let mut specs = Spec::all(ANNOTATIONS);
        specs.extend(walk.config.common_annotations.iter().cloned());
        apply_specs(resources, &specs, &pairs, k.origin(node));
    }
    super::patch::json6902_legacy(walk, k, resources)?;
    replicas(k, resources)?;
    images(k, resources, &walk.config.images)?;
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

/// The `namespace` transformer: every namespaced object, a `Namespace` object's own name, an
/// APIService's service (created), a CRD's conversion webhook service (when written), and
/// the `default` ServiceAccount subjects of bindings.
fn namespace(k: &Kust, resources: &mut [Resource]) -> Result<(), RenderError> {
    let Some(node) = k.root.get("namespace") else {
        return Ok(());
    };
    let Some(ns) = node.as_str().filter(|s| !s.is_empty()) else {
        return Ok(());
    };
    let at = k.origin(node);
    for r in resources.iter_mut() {
        let group = r.group_version().0.to_owned();
        match (r.kind(), group.as_str()) {
            ("Namespace", _) => r
                .root
                .child_map("metadata", at)
                .set("name", RNode::str(ns, at)),
            ("APIService", "apiregistration.k8s.io") => r
                .root
                .child_map("spec", at)
                .child_map("service", at)
                .set("namespace", RNode::str(ns, at)),
            ("CustomResourceDefinition", "apiextensions.k8s.io") => {
                let path = ["spec", "conversion", "webhook", "clientConfig", "service"];
                let service = path.iter().try_fold(&mut r.root, |n, key| n.get_mut(key));
                if let Some(service) = service
                    && service.get("namespace").is_some()
                {
                    service.set("namespace", RNode::str(ns, at));
                }
            }
            _ => {}
        }
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
        r.remember_id();
    }
    // Objects of one kind and name moved into one namespace (two `Namespace` objects too).
    let mut seen = std::collections::HashSet::new();
    for r in resources.iter() {
        let ns = if r.namespace().is_empty() {
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

fn prefix_suffix(k: &Kust, resources: &mut [Resource]) -> Result<(), RenderError> {
    for (field, is_prefix) in [("namePrefix", true), ("nameSuffix", false)] {
        let Some(node) = k.root.get(field) else {
            continue;
        };
        let Some(affix) = node.as_str().filter(|s| !s.is_empty()) else {
            continue;
        };
        let at = k.origin(node);
        for r in resources.iter_mut() {
            let skip = matches!(r.kind(), "CustomResourceDefinition" | "Namespace")
                || (r.kind() == "APIService" && r.group_version().0 == "apiregistration.k8s.io");
            if skip {
                continue;
            }
            let name = r.name();
            let renamed = if is_prefix {
                format!("{affix}{name}")
            } else {
                format!("{name}{affix}")
            };
            r.root
                .child_map("metadata", at)
                .set("name", RNode::str(renamed, at));
            r.remember_id();
            r.affixes[usize::from(!is_prefix)].push(affix.to_owned());
        }
    }
    Ok(())
}

/// A kustomization's string map (`commonLabels`, `pairs`), each value at its node (decoded:
/// strings, or null for "").
fn string_pairs(k: &Kust, node: &Node) -> Vec<(String, RNode)> {
    node.entries()
        .iter()
        .map(|e| {
            let key = e.key.key_string().unwrap_or_default().into_owned();
            let value = e.value.as_str().unwrap_or_default();
            (key, RNode::str(value, k.origin(&e.value)))
        })
        .collect()
}

fn apply_specs(resources: &mut [Resource], specs: &[Spec], pairs: &[(String, RNode)], at: Origin) {
    if pairs.is_empty() {
        return;
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
                fieldspecs::merge_pairs(n, pairs, at)
            });
        }
    }
}

/// The field specs of a `labels` entry as kustomize merges them: its own `fields` first, then
/// the built-in ones its flags ask for (kustomize's `configureBuiltinTransformers`).
fn label_specs(k: &Kust, entry: &Node, custom: &[Spec]) -> Result<Vec<Spec>, RenderError> {
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
    if flag("includeSelectors") {
        let all: Vec<_> = SELECTOR_LABELS
            .iter()
            .chain(TEMPLATE_LABELS)
            .copied()
            .collect();
        Spec::merge_all(&mut specs, &all)
            .and_then(|()| {
                custom
                    .iter()
                    .try_for_each(|x| Spec::merge_one(&mut specs, x.clone()))
            })
            .map_err(|e| fail(format!("failed to merge labels: {e}")))?;
    } else {
        Spec::merge_all(&mut specs, &TEMPLATE_LABELS[..1])
            .map_err(|e| fail(format!("failed to merge labels: {e}")))?;
        if flag("includeTemplates") {
            Spec::merge_all(&mut specs, TEMPLATE_LABELS)
                .map_err(|e| fail(format!("failed to merge template fieldSpec: {e}")))?;
        }
    }
    Ok(specs)
}

fn labels(k: &Kust, resources: &mut [Resource], custom: &[Spec]) -> Result<(), RenderError> {
    for entry in k.seq("labels") {
        let Some(pairs_node) = entry.get("pairs") else {
            continue;
        };
        let pairs = string_pairs(k, pairs_node);
        let specs = label_specs(k, entry, custom)?;
        apply_specs(resources, &specs, &pairs, k.origin(pairs_node));
    }
    if let Some(node) = k.root.get("commonLabels") {
        let pairs = string_pairs(k, node);
        let mut all: Vec<Spec> = SELECTOR_LABELS
            .iter()
            .chain(TEMPLATE_LABELS)
            .map(Spec::of)
            .collect();
        all.extend(custom.iter().cloned());
        apply_specs(resources, &all, &pairs, k.origin(node));
    }
    Ok(())
}

const REPLICA_KINDS: &[&str] = &[
    "Deployment",
    "ReplicationController",
    "ReplicaSet",
    "StatefulSet",
];

fn replicas(k: &Kust, resources: &mut [Resource]) -> Result<(), RenderError> {
    for entry in k.seq("replicas") {
        let Some(name) = entry.get("name").and_then(Node::as_str) else {
            continue;
        };
        let count = entry.get("count");
        let value = count
            .and_then(Node::as_i64)
            .map_or(RValue::Int(0), |c| RValue::Int(i128::from(c)));
        let at = k.origin(count.unwrap_or(entry));
        let mut found = false;
        for r in resources.iter_mut() {
            let named = r.ids.iter().any(|(_, n)| n == name);
            if named && REPLICA_KINDS.contains(&r.kind()) {
                found = true;
                r.root
                    .child_map("spec", at)
                    .set("replicas", RNode::new(value.clone(), at));
            }
        }
        if !found {
            return Err(RenderError::new(
                format!(
                    "resource with name {name} does not match a config with the following GVK [~G_~V_Deployment ~G_~V_ReplicationController ~G_~V_ReplicaSet apps_~V_StatefulSet]"
                ),
                Some(k.origin(entry)),
            ));
        }
    }
    Ok(())
}

/// An `images:` entry.
struct ImageRule {
    name: String,
    new_name: Option<(String, Origin)>,
    new_tag: Option<(String, Origin)>,
    digest: Option<(String, Origin)>,
    at: Origin,
}

fn images(k: &Kust, resources: &mut [Resource], custom: &[Spec]) -> Result<(), RenderError> {
    // kustomize ignores `tagSuffix` beside a `newTag` or `digest`; alone, it is not rendered yet.
    let set = |e: &Node, key| {
        e.get(key)
            .and_then(Node::as_str)
            .is_some_and(|s| !s.is_empty())
    };
    if let Some(e) = k
        .seq("images")
        .iter()
        .find(|e| set(e, "tagSuffix") && !set(e, "newTag") && !set(e, "digest"))
    {
        return Err(RenderError::unsupported(
            "kubevet does not render an `images` entry's `tagSuffix` yet",
            Some(k.origin(e.get("tagSuffix").unwrap_or(e))),
        ));
    }
    let rules: Vec<ImageRule> = k
        .seq("images")
        .iter()
        .filter_map(|e| {
            let text = |key: &str| {
                let n = e.get(key)?;
                Some((n.as_str()?.to_owned(), k.origin(n)))
            };
            Some(ImageRule {
                name: e.get("name")?.as_str()?.to_owned(),
                new_name: text("newName"),
                new_tag: text("newTag"),
                digest: text("digest"),
                at: k.origin(e),
            })
        })
        .collect();
    for r in resources.iter_mut().filter(|_| !rules.is_empty()) {
        update_images(&mut r.root, &rules);
        // Then the configurations' image fields (kustomize's `imagetag.Filter` on them).
        let (group, version) = r.group_version();
        let (group, version, kind) = (group.to_owned(), version.to_owned(), r.kind().to_owned());
        for spec in custom.iter().filter(|s| s.selects(&group, &version, &kind)) {
            let at = r.root.origin;
            fieldspecs::visit(&mut r.root, &spec.path, false, at, &mut |n| {
                if n.as_str().is_some() {
                    update_image(n, &rules);
                }
            });
        }
    }
    Ok(())
}

/// Every `containers`/`initContainers` list anywhere in the object (kustomize's legacy image
/// filter walks the whole object).
fn update_images(node: &mut RNode, rules: &[ImageRule]) {
    match &mut node.value {
        RValue::Map(entries) => {
            for (key, value) in entries.iter_mut() {
                if matches!(key.as_str(), "containers" | "initContainers")
                    && let RValue::Seq(items) = &mut value.value
                {
                    for c in items.iter_mut() {
                        if let Some(image) = c.get_mut("image") {
                            update_image(image, rules);
                        }
                    }
                }
                update_images(value, rules);
            }
        }
        RValue::Seq(items) => items.iter_mut().for_each(|i| update_images(i, rules)),
        _ => {}
    }
}

/// Splits an image into its name and its `:tag`/`@digest` part (kustomize's `image.Split`).
fn split_image(image: &str) -> (&str, &str) {
    if let Some(at) = image.find('@') {
        return (&image[..at], &image[at..]);
    }
    let slash = image.rfind('/').map_or(0, |i| i + 1);
    match image[slash..].find(':') {
        Some(colon) => (&image[..slash + colon], &image[slash + colon..]),
        None => (image, ""),
    }
}

fn update_image(image: &mut RNode, rules: &[ImageRule]) {
    let Some(current) = image.as_str() else {
        return;
    };
    let (name, tag) = split_image(current);
    let Some(rule) = rules.iter().find(|r| r.name == name) else {
        return;
    };
    let new_name = rule.new_name.as_ref().map_or(name, |(n, _)| n.as_str());
    let (suffix, at) = if let Some((d, at)) = &rule.digest {
        (format!("@{d}"), *at)
    } else if let Some((t, at)) = &rule.new_tag {
        (format!(":{t}"), *at)
    } else {
        (
            tag.to_owned(),
            rule.new_name.as_ref().map_or(rule.at, |(_, at)| *at),
        )
    };
    *image = RNode::str(format!("{new_name}{suffix}"), at);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_images_like_kustomize() {
        assert_eq!(split_image("nginx"), ("nginx", ""));
        assert_eq!(split_image("nginx:1.2"), ("nginx", ":1.2"));
        assert_eq!(
            split_image("reg:5000/team/app:v1"),
            ("reg:5000/team/app", ":v1")
        );
        assert_eq!(split_image("app@sha256:abc"), ("app", "@sha256:abc"));
    }
}
