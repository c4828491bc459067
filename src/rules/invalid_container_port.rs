//! `invalid-container-port`: container ports (reference §2.2 CTR-PORT-RANGE, CTR-PORT-NAME):
//! `containerPort` is required and within 1-65535, a non-zero `hostPort` too, and a port `name`
//! is an IANA service name (at most 15 characters, lower-case letters, digits and '-', at least
//! one letter), unique within the container; with `hostNetwork: true`, a `hostPort` equal to the
//! `containerPort` (reference §2.1 POD-HOSTNETWORK-PORTS).

use crate::k8s::apimachinery;
use crate::k8s::pod;
use crate::check::Context;
use crate::model::diagnostic::Diagnostic;
use crate::k8s::object::Object;
use crate::model::span::Span;
use crate::k8s::apimachinery::go_quote;
use crate::k8s::intstr::{PORT_RANGE_MSG, port_name_errors};
use crate::k8s::pod::ContainerList;
use crate::k8s::workload;

pub use crate::model::rule::invalid_container_port as RULE;

pub fn check(object: &Object<'_>, cx: &mut Context<'_>) {
    let Some(pod) = workload::pod_spec(object) else {
        return;
    };
    let host_network = pod.has(&[pod::PodKey::HostNetwork])
        && pod.spec.child("hostNetwork").and_then(|f| f.node.as_bool()) == Some(true);
    for container in pod.containers() {
        let Some(ports) = container.child("ports") else {
            continue;
        };
        let mut names: Vec<(String, Span)> = Vec::new();
        for port in ports.items() {
            if !port.node.is_map() {
                continue;
            }
            match port.child("containerPort").filter(|f| !f.is_null()) {
                None if cx.is_partial() => {}
                None => cx.report(
                    Diagnostic::new(
                        &RULE,
                        cx.loc(port.node.span),
                        apimachinery::required(&format!("{}.containerPort", port.path), ""),
                    )
                    .with_label("no containerPort")
                    .with_help(
                        "a port entry needs the `containerPort` number the container listens on",
                    ),
                ),
                Some(f) => {
                    if let Some(n) = f.int().filter(|n| !(1..=65535).contains(n)) {
                        report_range(cx, &f.path, f.node.span, n);
                    }
                }
            }
            if let Some(f) = port.child("hostPort")
                && let Some(n) = f.int().filter(|n| *n != 0 && !(1..=65535).contains(n))
            {
                report_range(cx, &f.path, f.node.span, n);
            }
            // With hostNetwork the container listens on the node: hostPort is containerPort. An
            // unset hostPort is defaulted to it (a Pod's defaulting; templates allow 0).
            if host_network
                && container.list == ContainerList::Regular
                && let Some(host) = port.child("hostPort")
                && let Some(h) = host.int().filter(|h| *h != 0)
                && let Some(c) = port.child("containerPort").and_then(|f| f.int())
                && h != c
            {
                cx.report(
                    Diagnostic::new(&RULE, cx.loc(host.node.span), apimachinery::invalid(&host.path, &h.to_string(), "must match `containerPort` when `hostNetwork` is true"))
                        .with_label(format!("not the containerPort {c}"))
                        .with_help("a pod on the host network cannot map ports: remove hostPort, or set it to the containerPort"),
                );
            }
            let Some(name_field) = port.child("name") else {
                continue;
            };
            let Some(name) = name_field.str().filter(|s| !s.is_empty()) else {
                continue;
            };
            let errors = port_name_errors(name);
            if !errors.is_empty() {
                let help = if name.len() > 15 {
                    "port names are IANA service names of at most 15 characters: shorten it (e.g. `metrics` or `http-admin`)"
                } else {
                    "a port name has at most 15 lower-case letters, digits and single '-', with at least one letter, like `http` or `grpc-web`"
                };
                cx.report(
                    Diagnostic::new(
                        &RULE,
                        cx.loc(name_field.node.span),
                        apimachinery::invalid(&name_field.path, &go_quote(name), &errors.join(", ")),
                    )
                    .with_label("not a valid port name")
                    .with_help(help),
                );
            }
            if let Some((_, first)) = names.iter().find(|(n, _)| n == name) {
                cx.report(
                    Diagnostic::new(&RULE, cx.loc(name_field.node.span), apimachinery::duplicate(&name_field.path, &go_quote(name)))
                        .with_label("used twice")
                        .with_secondary(cx.loc(*first), "first used here")
                        .with_help("port names must be unique within a container; Services and probes refer to ports by name"),
                );
            } else {
                names.push((name.to_owned(), name_field.node.span));
            }
        }
    }
}

fn report_range(cx: &mut Context<'_>, path: &str, span: Span, n: i64) {
    cx.report(
        Diagnostic::new(
            &RULE,
            cx.loc(span),
            apimachinery::invalid(path, &n.to_string(), PORT_RANGE_MSG),
        )
        .with_label("not a port number")
        .with_help("port numbers run from 1 to 65535"),
    );
}
