//! `request-exceeds-limit`: a container's resource request may not exceed its limit, and
//! resources that cannot be overcommitted (extended resources such as `nvidia.com/gpu`, and
//! hugepages) need a limit equal to the request (reference §2.4 RES-REQ-LE-LIMIT,
//! RES-NONOVERCOMMIT). Compared exactly: `1000m` equals `1`.

use crate::k8s::apimachinery;
use crate::check::Context;
use crate::model::diagnostic::Diagnostic;
use crate::k8s::object::Object;
use crate::k8s::pod::ResourceEntry;
use crate::k8s::apimachinery::go_quote;
use crate::k8s::workload;
use std::cmp::Ordering;

pub use crate::model::rule::request_exceeds_limit as RULE;

/// Resources the scheduler cannot overcommit: hugepages and extended (non-native) resources.
fn overcommit_forbidden(name: &str) -> bool {
    name.starts_with("hugepages-")
        || (name.contains('/')
            && !name.contains("kubernetes.io/")
            && !name.starts_with("requests."))
}

pub fn check(object: &Object<'_>, cx: &mut Context<'_>) {
    let Some(pod) = workload::pod_spec(object) else {
        return;
    };
    for container in pod.containers() {
        let entries = container.resources();
        let find = |map: &str, name: &str| -> Option<&ResourceEntry<'_>> {
            entries.iter().find(|e| e.map == map && e.name == name)
        };
        let requests_path = || format!("{}.resources.requests", container.field.path);
        for request in entries.iter().filter(|e| e.map == "requests") {
            let Ok(requested) = &request.quantity else {
                continue;
            };
            let strict = overcommit_forbidden(&request.name);
            let Some(limit) = find("limits", &request.name) else {
                if strict {
                    let limits_path = format!("{}.resources.limits", container.field.path);
                    cx.report(
                        Diagnostic::new(&RULE, cx.loc(request.node.span), apimachinery::required(&limits_path, "Limit must be set for non overcommitable resources"))
                            .with_label("request without a limit")
                            .with_help(format!("`{}` cannot be overcommitted: set `limits: {{{}: {}}}` equal to the request", request.name, request.name, request.text)),
                    );
                }
                continue;
            };
            let Ok(limited) = &limit.quantity else {
                continue;
            };
            let Some(order) = requested.compare(limited) else {
                continue;
            };
            let (detail, label, help) = if strict && order != Ordering::Equal {
                (
                    format!("must be equal to {} limit of {}", request.name, limit.text),
                    "must equal the limit",
                    format!(
                        "`{}` cannot be overcommitted: request and limit must be the same",
                        request.name
                    ),
                )
            } else if order == Ordering::Greater {
                (
                    format!(
                        "must be less than or equal to {} limit of {}",
                        request.name, limit.text
                    ),
                    "more than the limit",
                    format!(
                        "the scheduler reserves the request and the kubelet enforces the limit, so the request may not exceed it: lower the {} request or raise the limit",
                        request.name
                    ),
                )
            } else {
                continue;
            };
            let path = if strict {
                request.path.to_string()
            } else {
                requests_path()
            };
            cx.report(
                Diagnostic::new(
                    &RULE,
                    cx.loc(request.node.span),
                    apimachinery::invalid(&path, &go_quote(&request.text), &detail),
                )
                .with_label(label)
                .with_secondary(cx.loc(limit.node.span), "limit")
                .with_help(help),
            );
        }
    }
}
