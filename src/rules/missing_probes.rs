//! `missing-probes` (best practice): containers of long-running workloads (Deployments,
//! StatefulSets, DaemonSets, ReplicaSets, ReplicationControllers) without a readiness or
//! liveness probe. Without readiness, traffic reaches pods before they can serve; without
//! liveness, a hung process is never restarted.

use crate::checks::Context;
use crate::diagnostics::{Diagnostic, Rule, Severity};
use crate::object::Object;
use crate::workload::{self, ContainerList, join_or};

pub static RULE: Rule = Rule {
    id: "missing-probes",
    severity: Severity::Info,
    summary: "Best practice: containers of long-running workloads should have readiness and liveness probes.",
    doc: include_str!("../../rules/missing-probes.md"),
};

pub fn check(object: &Object<'_>, cx: &mut Context<'_>) {
    let Some(pod) = workload::pod_spec(object) else {
        return;
    };
    if workload::is_partial(cx) {
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
