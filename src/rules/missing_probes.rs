//! `missing-probes` (best practice): containers of long-running workloads (Deployments,
//! StatefulSets, DaemonSets, ReplicaSets, ReplicationControllers) without a readiness or
//! liveness probe. Without readiness, traffic reaches pods before they can serve; without
//! liveness, a hung process is never restarted.

use crate::check::Context;
use crate::model::diagnostic::Diagnostic;
use crate::k8s::object::Object;
use crate::k8s::pod::ContainerList;
use crate::k8s::workload;
use crate::model::text::join_or;

pub use crate::model::rule::missing_probes as RULE;

pub fn check(object: &Object<'_>, cx: &mut Context<'_>) {
    let Some(pod) = workload::pod_spec(object) else {
        return;
    };
    if cx.is_partial() {
        return;
    }
    if !pod.kind.is_controller() {
        return;
    }
    for container in pod.containers() {
        if container.list != ContainerList::Regular {
            continue;
        }
        let missing: Vec<String> = ["readinessProbe", "livenessProbe"]
            .iter()
            .filter(|k| container.child(k).is_none_or(|f| f.is_null()))
            .map(|k| format!("`{k}`"))
            .collect();
        if missing.is_empty() {
            continue;
        }
        let at = container.name_span();
        cx.report(
            Diagnostic::new(
                &RULE,
                cx.loc(at),
                format!("{} has no {}", container.describe(), join_or(&missing)),
            )
            .with_label("no probes")
            .with_help("a readiness probe keeps traffic away until the container can serve; a liveness probe restarts it when it hangs (e.g. `httpGet: {path: /healthz, port: http}`)"),
        );
    }
}
