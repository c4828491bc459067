//! `missing-resources` (best practice): containers without a CPU request, a memory request or a
//! memory limit. Without requests the scheduler packs pods blindly; without a memory limit one
//! leaking container can push its node into memory pressure.

use crate::check::Context;
use crate::model::diagnostic::Diagnostic;
use crate::k8s::object::Object;
use crate::k8s::pod::ContainerList;
use crate::k8s::workload;
use crate::model::text::join_or;

pub use crate::model::rule::missing_resources as RULE;

pub fn check(object: &Object<'_>, cx: &mut Context<'_>) {
    let Some(pod) = workload::pod_spec(object) else {
        return;
    };
    if cx.is_partial() {
        return;
    }
    for container in pod.containers() {
        if container.list == ContainerList::Ephemeral {
            continue;
        }
        let has = |map: &str, name: &str| {
            container
                .field
                .at(&["resources", map, name])
                .is_some_and(|f| !f.is_null())
        };
        // A limit without a request sets the request to the limit.
        let mut missing = Vec::new();
        if !has("requests", "cpu") && !has("limits", "cpu") {
            missing.push("CPU request".to_owned());
        }
        if !has("requests", "memory") && !has("limits", "memory") {
            missing.push("memory request".to_owned());
        }
        if !has("limits", "memory") {
            missing.push("memory limit".to_owned());
        }
        if missing.is_empty() {
            continue;
        }
        let at = container.name_span();
        cx.report(
            Diagnostic::new(
                &RULE,
                cx.loc(at),
                format!("{} sets no {}", container.describe(), join_or(&missing)),
            )
            .with_label("no resources")
            .with_help("set `resources: {requests: {cpu: 100m, memory: 128Mi}, limits: {memory: 256Mi}}` sized for the workload, so the scheduler can place it and a leak cannot starve its node"),
        );
    }
}
