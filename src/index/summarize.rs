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

/// Extracts the summary of one object.
pub fn summarize(object: &Object<'_>, cx: &Context<'_>) -> Option<ObjectSummary> {
    let mut summary = summarize_in_build(object, cx)?;
    summary.digest = digest(object.root);
    Some(summary)
}

/// [`summarize`] of an object of a kustomize build (a rendered one), without its digest (left
/// 0): only copies in loose files are compared by digest (`duplicate-object` in a directory
/// applied with `kubectl apply -R`), and hashing every rendered tree costs as much as the rest
/// of the summary.
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
    // A fixed seed: digests are compared within one run only, but must not depend on it.
    let state = foldhash::quality::FixedState::with_seed(0x006b_7562_6576_6574);
    fn walk(node: &Node, state: &foldhash::quality::FixedState) -> u64 {
        let mut h = state.build_hasher();
        match &node.value {
            Value::Null => h.write_u8(0),
            Value::Bool(b) => {
                h.write_u8(1);
                h.write_u8(u8::from(*b));
            }
            Value::Int(i) => {
                h.write_u8(2);
                h.write_i128(*i);
            }
            Value::Float(f) => {
                h.write_u8(3);
                h.write_u64(f.to_bits());
            }
            Value::Str(s) => {
                h.write_u8(4);
                h.write(s.as_bytes());
            }
            Value::Seq(items) => {
                h.write_u8(5);
                for item in items {
                    h.write_u64(walk(item, state));
                }
            }
            Value::Map(entries) => {
                h.write_u8(6);
                // Order-independent: a sum of the entries' own hashes.
                let sum = entries.iter().fold(0u64, |sum, e| {
                    let mut eh = state.build_hasher();
                    eh.write_u64(walk(&e.key, state));
                    eh.write_u64(walk(&e.value, state));
                    sum.wrapping_add(eh.finish())
                });
                h.write_u64(sum);
                h.write_usize(entries.len());
            }
        }
        h.finish()
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
