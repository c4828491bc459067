//! `restart-policy`: the pod `restartPolicy` each kind allows (reference §2.1 POD-RESTART, §3.1
//! CTL-RESTART, §4 JOB-RESTART, §2.2 CTR-RESTARTPOLICY). Pods: Always, OnFailure or Never.
//! Deployments, ReplicaSets, DaemonSets, StatefulSets and ReplicationControllers: Always (the
//! default). Jobs and CronJobs: OnFailure or Never, so leaving it out (Always) is an error.
//! Container-level `restartPolicy` exists only for init containers (sidecars), as `Always`.

use crate::k8s::apimachinery;
use crate::check::Context;
use crate::model::diagnostic::Diagnostic;
use crate::k8s::object::Object;
use crate::k8s::apimachinery::enum_help;
use crate::k8s::kind::Kind;
use crate::k8s::pod::ContainerList;
use crate::k8s::workload;

pub use crate::model::rule::restart_policy as RULE;

const POD: &[&str] = &["Always", "OnFailure", "Never"];
const JOB: &[&str] = &["OnFailure", "Never"];
const CONTROLLER: &[&str] = &["Always"];

pub fn check(object: &Object<'_>, cx: &mut Context<'_>) {
    let Some(pod) = workload::pod_spec(object) else {
        return;
    };
    // Formatted only for a finding.
    let path = || format!("{}.restartPolicy", pod.spec.path);
    let field = pod.spec.child("restartPolicy");
    let value = match &field {
        Some(f) if !f.is_null() => match f.str() {
            Some("") => None,
            Some(s) => Some(s),
            None => return, // another type: the schema's finding
        },
        _ => None,
    };
    let kind = pod.kind;
    let at = field.as_ref().map_or(pod.anchor(), |f| f.value_span());
    if kind.is_batch() {
        match value {
            Some("OnFailure" | "Never") => {}
            None if cx.is_partial() => {}
            None | Some("Always") => {
                let label = if value.is_none() {
                    "defaults to Always"
                } else {
                    "not allowed for a Job"
                };
                cx.report(
                    Diagnostic::new(
                        &RULE,
                        cx.loc(at),
                        apimachinery::required(&path(), "valid values: \"OnFailure\", \"Never\""),
                    )
                    .with_label(label)
                    .with_help(format!(
                        "a {}'s pods run to completion, so their restartPolicy must be `OnFailure` (retry in the same pod) or `Never` (a new pod for each retry; required for podFailurePolicy): set `restartPolicy: OnFailure` in {}",
                        kind.name(),
                        pod.spec.path
                    )),
                );
            }
            Some(other) => report_unsupported(cx, at, &path(), other, JOB, kind),
        }
    } else if kind.is_controller() {
        if let Some(other) = value.filter(|v| *v != "Always") {
            report_unsupported(cx, at, &path(), other, CONTROLLER, kind);
        }
    } else if let Some(other) = value.filter(|v| !POD.contains(v)) {
        report_unsupported(cx, at, &path(), other, POD, kind);
    }

    for container in pod.containers() {
        let Some(field) = container.child("restartPolicy") else {
            continue;
        };
        let Some(value) = field.str().filter(|s| !s.is_empty()) else {
            continue;
        };
        if container.list != ContainerList::Init {
            cx.report(
                Diagnostic::new(
                    &RULE,
                    cx.loc(field.key),
                    apimachinery::forbidden(&field.path, "may not be set for non-init containers"),
                )
                .with_label("only init containers have a restartPolicy")
                .with_help("a container-level `restartPolicy: Always` turns an init container into a sidecar; for regular containers the pod's restartPolicy applies, so remove this field"),
            );
        } else if value != "Always" {
            cx.report(
                Diagnostic::new(
                    &RULE,
                    cx.loc(field.node.span),
                    apimachinery::unsupported(&field.path, value, CONTROLLER),
                )
                .with_label("only Always (a sidecar)")
                .with_help("an init container's restartPolicy can only be `Always`, which makes it a sidecar; leave it out for a normal init container"),
            );
        }
    }
}

fn report_unsupported(
    cx: &mut Context<'_>,
    at: crate::model::span::Span,
    path: &str,
    value: &str,
    supported: &[&str],
    kind: Kind,
) {
    let help = if kind.is_controller() && matches!(value, "OnFailure" | "Never") {
        format!(
            "a {} keeps its pods running and restarts them whatever happens, so only `Always` is allowed (it is the default: remove the field); for work that runs to completion use a Job",
            kind.name()
        )
    } else {
        enum_help(value, supported)
    };
    cx.report(
        Diagnostic::new(
            &RULE,
            cx.loc(at),
            apimachinery::unsupported(path, value, supported),
        )
        .with_label(format!("not allowed for a {}", kind.name()))
        .with_help(help),
    );
}
