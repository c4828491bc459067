//! Reads one object into its [`ObjectSummary`]: what the whole-repo checks need of it (names,
//! labels, selectors, ports, references), so the index keeps no YAML tree.

use super::pods::added_labels;
use super::read::*;
use super::references::*;
use super::summary::*;
use super::tools::*;
use crate::check::Context;
use crate::k8s::object::Object;
use crate::k8s::placeholder;
use crate::load::tree::{Node, Value};

/// Extracts the summary of one object as written: its digest is made later, from its file, if
/// a copy of it asks ([`super::digests::Digests`]).
pub fn summarize(object: &Object<'_>, cx: &Context<'_>) -> Option<ObjectSummary> {
    let mut summary = summarize_in_build(object, cx)?;
    summary.digest = None;
    Some(summary)
}

/// [`summarize`] of an object of a kustomize build (a rendered one), with no digest (0): only
/// copies in loose files are compared by digest (`duplicate-object` in a directory applied
/// with `kubectl apply -R`).
pub fn summarize_in_build(object: &Object<'_>, cx: &Context<'_>) -> Option<ObjectSummary> {
    let kind = object.kind?.to_owned();
    let api_version = object.api_version?.to_owned();
    let metadata = object.metadata;
    let generate_name = str_at(metadata, &["generateName"]);
    let name = object.name.or(generate_name).unwrap_or("").to_owned();
    let name_node = metadata.and_then(|m| m.get("name").or_else(|| m.get("generateName")));
    let location = cx.loc(
        name_node
            .or_else(|| object.root.get("kind"))
            .map_or(object.root.span, |n| n.span),
    );
    let namespace_node = metadata
        .and_then(|m| m.get("namespace"))
        .filter(|n| n.as_str().is_some_and(|s| !s.is_empty()));
    let mut summary = ObjectSummary::new(
        cx.file.id,
        object.document,
        &api_version,
        &kind,
        &name,
        location,
    );
    // A name holding a placeholder is not known until rendered: never a duplicate.
    summary.generated_name =
        (object.name.is_none() && generate_name.is_some()) || placeholder::contains(&name);
    summary.namespace = namespace_node.and_then(Node::as_str).map(str::to_owned);
    // Nor is a namespace (kept, so objects sharing it are resolved together).
    summary.namespace_location = namespace_node
        .filter(|n| !unrendered(n, cx))
        .map(|n| cx.loc(n.span));
    summary.labels = string_map(metadata.and_then(|m| m.get("labels")), cx);
    let creates = created_by(object);
    if let Some(template) = object.pod_template() {
        let mut ports = Vec::new();
        let mut arguments = Vec::new();
        let is_batch =
            summary.group == "batch" && matches!(summary.kind.as_str(), "Job" | "CronJob");
        for container in template.containers() {
            if is_batch {
                collect_arguments(container, cx, &mut arguments);
            }
            for port in container
                .get("ports")
                .and_then(Node::as_seq)
                .unwrap_or_default()
            {
                if let Some(number) = port.get("containerPort").and_then(Node::as_i64) {
                    let name = port.get("name").and_then(Node::as_str).map(str::to_owned);
                    ports.push(ContainerPort { name, number });
                }
            }
            collect_container_refs(container, cx, &mut summary);
        }
        if let Some(spec) = template.spec {
            // A StatefulSet's controller replaces the pod volumes named like its
            // volumeClaimTemplates by the claims it creates (`updateStorage`).
            let claim_templates: Vec<&str> = creates
                .iter()
                .filter(|c| c.per_pod)
                .map(|c| c.name.as_str())
                .collect();
            collect_pod_refs(spec, &claim_templates, cx, &mut summary);
        }
        let labels = string_map(template.labels(), cx);
        let (added, ordinals) = added_labels(object, &labels, cx.options.kubernetes_version);
        let subdomain = (summary.group == "apps" && summary.kind == "StatefulSet")
            .then(|| str_at(object.root.get("spec"), &["serviceName"]))
            .flatten()
            .map(str::to_owned);
        summary.pods = Some(Box::new(PodSummary {
            labels,
            added,
            ordinals,
            subdomain,
            ports,
            arguments,
        }));
    }
    summary.creates = creates.into_boxed_slice();
    let spec = object.root.get("spec");
    match (summary.group.as_str(), summary.kind.as_str()) {
        ("", "Service") => summary.service = Some(Box::new(service(spec, cx))),
        ("", "ConfigMap") => {
            for entry in object
                .root
                .get("data")
                .map(Node::entries)
                .unwrap_or_default()
            {
                collect_hosts(&entry.value, cx, &mut summary.hosts);
            }
        }
        ("policy", "PodDisruptionBudget") => {
            summary.pod_selector = spec
                .and_then(|s| s.get("selector"))
                .filter(|n| n.is_map())
                .and_then(|n| pod_selector(n, cx));
        }
        ("networking.k8s.io", "NetworkPolicy") => {
            summary.pod_selector = spec
                .and_then(|s| s.get("podSelector"))
                .filter(|n| n.is_map())
                .and_then(|n| pod_selector(n, cx));
        }
        ("networking.k8s.io", "Ingress") => summary.ingress_backends = ingress_backends(spec, cx),
        ("autoscaling", "HorizontalPodAutoscaler") => {
            let target = spec.and_then(|s| s.get("scaleTargetRef"));
            if let (Some(kind), Some(name)) = (
                str_at(target, &["kind"]),
                target.and_then(|t| t.get("name")),
            ) {
                let group = str_at(target, &["apiVersion"])
                    .and_then(|v| v.rsplit_once('/'))
                    .map_or("", |(g, _)| g);
                if let Some(n) = name.as_str().filter(|n| !placeholder::contains(n)) {
                    summary.scale_target = Some(Box::new(Reference {
                        kind: RefKind::ScaleTarget,
                        target_kind: Some((group.to_owned(), kind.to_owned())),
                        name: n.to_owned(),
                        location: cx.loc(name.span),
                    }));
                }
            }
        }
        ("apiextensions.k8s.io", "CustomResourceDefinition") => {
            if let (Some(group), Some(kind)) =
                (str_at(spec, &["group"]), str_at(spec, &["names", "kind"]))
            {
                summary.defines = Some(Box::new(DefinedKind {
                    group: group.to_owned(),
                    kind: kind.to_owned(),
                    namespaced: str_at(spec, &["scope"]) != Some("Cluster"),
                }));
            }
        }
        ("kustomize.toolkit.fluxcd.io", "Kustomization") => {
            summary.deploys = flux_deploys(spec, cx);
        }
        ("argoproj.io", "Application") => {
            summary.deploys = argo_deploys(spec, cx, None);
        }
        ("argoproj.io", "ApplicationSet") => {
            let template = spec.and_then(|s| s.get_path(&["template", "spec"]));
            summary.deploys = argo_deploys(template, cx, spec.and_then(|s| s.get("generators")));
        }
        _ => {}
    }
    Some(summary)
}

/// A hash of a decoded value, the same for values kubectl decodes alike: mapping entries are
/// combined without regard to their order, scalars by their decoded value (so `80` and `0x50`
/// agree, `"80"` and `80` do not).
pub fn digest(node: &Node) -> u64 {
    use std::hash::{BuildHasher, Hasher};
    // A fixed seed: digests are compared within one run only, but must not depend on it. The
    // fast variant: a digest tells equal copies apart from others, it is no defence against
    // chosen input.
    let state = foldhash::fast::FixedState::with_seed(0x006b_7562_6576_6574);
    /// Two hashes into one, order-sensitive (a folded multiply, as foldhash mixes).
    fn mix(a: u64, b: u64) -> u64 {
        let product = u128::from(a ^ 0x243f_6a88_85a3_08d3) * u128::from(b ^ 0x1319_8a2e_0370_7344);
        (product as u64) ^ ((product >> 64) as u64)
    }
    fn walk(node: &Node, state: &foldhash::fast::FixedState) -> u64 {
        let tagged = |tag: u8, value: u64| mix(u64::from(tag), value);
        match &node.value {
            Value::Null => tagged(0, 0),
            Value::Bool(b) => tagged(1, u64::from(*b)),
            Value::Int(i) => tagged(2, mix(*i as u64, (*i >> 64) as u64)),
            Value::Float(f) => tagged(3, f.to_bits()),
            Value::Str(s) => {
                let mut h = state.build_hasher();
                h.write(s.as_bytes());
                tagged(4, h.finish())
            }
            Value::Seq(items) => {
                let all = items
                    .iter()
                    .fold(items.len() as u64, |all, item| mix(all, walk(item, state)));
                tagged(5, all)
            }
            Value::Map(entries) => {
                // Order-independent: a sum of the entries' own hashes.
                let sum = entries.iter().fold(0u64, |sum, e| {
                    sum.wrapping_add(mix(walk(&e.key, state), walk(&e.value, state)))
                });
                tagged(6, mix(sum, entries.len() as u64))
            }
        }
    }
    walk(node, &state)
}

pub(super) fn service(spec: Option<&Node>, cx: &Context<'_>) -> ServiceSummary {
    let selector = spec
        .and_then(|s| s.get("selector"))
        .filter(|n| n.is_map() && !n.entries().is_empty())
        .map(|n| (string_map(Some(n), cx), cx.loc(n.span)))
        // A selector holding a placeholder selects nothing the index can know.
        .filter(|(labels, _)| !has_unrendered(labels));
    let ports = spec
        .and_then(|s| s.get("ports"))
        .and_then(Node::as_seq)
        .unwrap_or_default()
        .iter()
        .map(|p| {
            let target = p.get("targetPort");
            ServicePort {
                name: p.get("name").and_then(Node::as_str).map(str::to_owned),
                port: p.get("port").and_then(Node::as_i64),
                target: target.and_then(|t| port_ref(t, cx)),
                location: cx.loc(target.or_else(|| p.get("port")).map_or(p.span, |n| n.span)),
            }
        })
        .collect();
    ServiceSummary {
        selector,
        external_name: str_at(spec, &["type"]) == Some("ExternalName"),
        ports,
    }
}

pub(super) fn ingress_backends(spec: Option<&Node>, cx: &Context<'_>) -> Vec<Backend> {
    let mut backends = Vec::new();
    let mut add = |backend: Option<&Node>| {
        let Some(service) = backend.and_then(|b| b.get("service")) else {
            return;
        };
        let Some(name) = service
            .get("name")
            .filter(|n| n.as_str().is_some() && !unrendered(n, cx))
        else {
            return;
        };
        let port = service
            .get("port")
            .and_then(|p| p.get("number").or_else(|| p.get("name")));
        backends.push(Backend {
            service: name.as_str().unwrap_or_default().to_owned(),
            port: port.and_then(|p| port_ref(p, cx)),
            location: cx.loc(name.span),
            port_location: port.map(|p| cx.loc(p.span)),
        });
    };
    add(spec.and_then(|s| s.get("defaultBackend")));
    for rule in spec
        .and_then(|s| s.get("rules"))
        .and_then(Node::as_seq)
        .unwrap_or_default()
    {
        for path in rule
            .get_path(&["http", "paths"])
            .and_then(Node::as_seq)
            .unwrap_or_default()
        {
            add(path.get("backend"));
        }
    }
    backends
}

#[cfg(test)]
mod tests {
    use super::digest;
    use crate::model::diagnostic::FileId;
    use crate::model::source::SourceFile;

    fn of(text: &str) -> u64 {
        let file = SourceFile::new(FileId(0), "t.yaml".into(), text.into());
        let loaded = crate::load::load(&file, &Default::default());
        digest(&loaded.documents[0].root)
    }

    #[test]
    fn digests_agree_where_kubectl_decodes_alike() {
        assert_eq!(of("a: 80\nb: [x, y]\n"), of("b: [x, y]\na: 0x50\n"));
        assert_eq!(of("a: {b: 1, c: 'x'}\n"), of("a:\n  c: x\n  b: 1\n"));
        assert_ne!(of("a: 80\n"), of("a: \"80\"\n"));
        assert_ne!(of("b: [x, y]\n"), of("b: [y, x]\n"));
        assert_ne!(of("a: {b: 1}\n"), of("a: {c: 1}\n"));
        assert_ne!(of("a: 1\nb: 2\n"), of("a: 2\nb: 1\n"));
        assert_ne!(of("a: null\n"), of("a: false\n"));
        assert_ne!(of("a: []\n"), of("a: {}\n"));
        assert_ne!(of("a: [[x], y]\n"), of("a: [x, [y]]\n"));
    }
}
