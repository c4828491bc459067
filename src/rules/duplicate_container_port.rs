//! `duplicate-container-port`: the same `containerPort` and protocol twice in a pod's containers.
//! The API server accepts it with a warning (reference §2.2 CTR-PORT-DUP); one of the two
//! definitions is probably a copy-paste mistake.

use crate::k8s::field;
use crate::check::Context;
use crate::model::diagnostic::Diagnostic;
use crate::k8s::object::Object;
use crate::model::span::Span;
use crate::k8s::pod::ContainerList;
use crate::k8s::workload;

pub use crate::model::rule::duplicate_container_port as RULE;

/// containerPort, protocol, hostIP, hostPort.
type PortKey = (i64, String, String, i64);

pub fn check(object: &Object<'_>, cx: &mut Context<'_>) {
    let Some(pod) = workload::pod_spec(object) else {
        return;
    };
    let mut seen: Vec<(PortKey, field::FieldPath<'_>, Span)> = Vec::new();
    for container in pod.containers() {
        if container.list != ContainerList::Regular {
            continue;
        }
        let Some(ports) = container.child("ports") else {
            continue;
        };
        for port in ports.items() {
            let Some(number) = port.child("containerPort").and_then(|f| f.int()) else {
                continue;
            };
            let text = |key: &str, default: &str| {
                port.child(key)
                    .and_then(|f| f.str().map(str::to_owned))
                    .filter(|s| !s.is_empty())
                    .unwrap_or_else(|| default.to_owned())
            };
            let key = (
                number,
                text("protocol", "TCP"),
                text("hostIP", ""),
                port.child("hostPort").and_then(|f| f.int()).unwrap_or(0),
            );
            if let Some((_, first_path, first_span)) = seen.iter().find(|(k, _, _)| *k == key) {
                let span = port
                    .child("containerPort")
                    .map_or(port.node.span, |f| f.node.span);
                cx.report(
                    Diagnostic::new(
                        &RULE,
                        cx.loc(span),
                        format!("{}: duplicate port definition with {first_path}", port.path),
                    )
                    .with_label(format!("{}/{} again", key.0, key.1))
                    .with_secondary(cx.loc(*first_span), "first defined here")
                    .with_help("the API server accepts this with a warning, but only one container can listen on a port of the pod's network namespace; remove or change one of them"),
                );
            } else {
                let span = port
                    .child("containerPort")
                    .map_or(port.node.span, |f| f.node.span);
                seen.push((key, port.path.clone(), span));
            }
        }
    }
}
