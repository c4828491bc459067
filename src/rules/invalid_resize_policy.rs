//! `invalid-resize-policy`: a container's `resizePolicy` (`validateResizePolicy`), from 1.33,
//! when in-place pod resize (InPlacePodVerticalScaling) is on by default; before, the API server
//! drops the field. Each entry names `cpu` or `memory` once, with the restart policy
//! `NotRequired` or `RestartContainer`, and a pod with `restartPolicy: Never` allows only
//! `NotRequired`.

use crate::k8s::apimachinery;
use crate::model::KubeVersion;
use crate::check::Context;
use crate::model::diagnostic::Diagnostic;
use crate::k8s::object::Object;
use crate::model::span::Span;
use crate::k8s::apimachinery::{enum_help, go_quote};
use crate::k8s::pod::{ContainerKey, ContainerList};
use crate::k8s::workload;

pub use crate::model::rule::invalid_resize_policy as RULE;

const RESOURCES: &[&str] = &["cpu", "memory"];
const POLICIES: &[&str] = &["NotRequired", "RestartContainer"];

pub fn check(object: &Object<'_>, cx: &mut Context<'_>) {
    if cx.options.kubernetes_version < KubeVersion::new(33) {
        return;
    }
    let Some(pod) = workload::pod_spec(object) else {
        return;
    };
    let never = pod.restart_policy().and_then(|f| f.str()) == Some("Never");
    for container in pod.containers() {
        // Ephemeral containers may not have one at all (the schema has no such field).
        if container.list == ContainerList::Ephemeral || !container.has(ContainerKey::ResizePolicy)
        {
            continue;
        }
        let Some(list) = container.child("resizePolicy") else {
            continue;
        };
        let mut seen: Vec<(&str, Span)> = Vec::new();
        for (i, item) in list.items().iter().enumerate() {
            if !item.node.is_map() {
                continue;
            }
            if let Some(f) = item.child("resourceName")
                && let Some(name) = f.str()
            {
                if let Some((_, first)) = seen.iter().find(|(n, _)| *n == name) {
                    cx.report(
                        Diagnostic::new(
                            &RULE,
                            cx.loc(f.node.span),
                            apimachinery::duplicate(&format!("{}[{i}]", list.path), &go_quote(name)),
                        )
                        .with_label("named twice")
                        .with_secondary(cx.loc(*first), "first here")
                        .with_help(
                            "each resource has one resize policy; remove one of the entries",
                        ),
                    );
                } else {
                    seen.push((name, f.node.span));
                }
                // The API server reports these on the list, not on the entry.
                match name {
                    "cpu" | "memory" => {}
                    "" => cx.report(
                        Diagnostic::new(
                            &RULE,
                            cx.loc(f.value_span()),
                            apimachinery::required(&list.path, ""),
                        )
                        .with_label("no resource")
                        .with_help("name the resource: `cpu` or `memory`"),
                    ),
                    other => cx.report(
                        Diagnostic::new(
                            &RULE,
                            cx.loc(f.node.span),
                            apimachinery::unsupported(&list.path, other, RESOURCES),
                        )
                        .with_label("only cpu and memory resize in place")
                        .with_help(enum_help(other, RESOURCES)),
                    ),
                }
            }
            let Some(f) = item.child("restartPolicy") else {
                continue;
            };
            let Some(policy) = f.str() else {
                continue;
            };
            match policy {
                "NotRequired" | "RestartContainer" => {}
                "" => cx.report(
                    Diagnostic::new(&RULE, cx.loc(f.value_span()), apimachinery::required(&list.path, ""))
                        .with_label("no restart policy")
                        .with_help("say whether a resize restarts the container: `NotRequired` or `RestartContainer`"),
                ),
                other => cx.report(
                    Diagnostic::new(&RULE, cx.loc(f.node.span), apimachinery::unsupported(&list.path, other, POLICIES))
                        .with_label("not a resize restart policy")
                        .with_help(enum_help(other, POLICIES)),
                ),
            }
            if never && policy == "RestartContainer" {
                cx.report(
                    Diagnostic::new(&RULE, cx.loc(f.value_span()), apimachinery::invalid(&list.path, &go_quote(policy), "must be 'NotRequired' when `restartPolicy` is 'Never'"))
                        .with_label("the pod never restarts containers")
                        .with_help("a pod with `restartPolicy: Never` cannot restart a container to resize it: use `restartPolicy: NotRequired`"),
                );
            }
        }
    }
}
