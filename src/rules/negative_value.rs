//! `negative-value`: counts, limits and durations that must be zero or more (apimachinery's
//! `ValidateNonnegativeField`, reference §0.1): replicas, history limits, Job parallelism and
//! backoff, CronJob deadlines, probe timings.

use crate::k8s::apimachinery;
use crate::check::Context;
use crate::model::diagnostic::Diagnostic;
use crate::k8s::object::Object;
use crate::k8s::field::{Field, select};
use crate::k8s::kind::Kind;
use crate::k8s::workload;

pub use crate::model::rule::negative_value as RULE;

#[derive(Clone, Copy)]
enum Base {
    Spec(&'static [Kind]),
    JobSpec,
}

const REPLICATED: &[Kind] = &[
    Kind::Deployment,
    Kind::ReplicaSet,
    Kind::StatefulSet,
    Kind::ReplicationController,
];
const WITH_MIN_READY: &[Kind] = &[
    Kind::Deployment,
    Kind::ReplicaSet,
    Kind::StatefulSet,
    Kind::ReplicationController,
    Kind::DaemonSet,
];
const WITH_HISTORY: &[Kind] = &[Kind::Deployment, Kind::StatefulSet, Kind::DaemonSet];

static TABLE: &[(Base, &[&str])] = &[
    (Base::Spec(REPLICATED), &["replicas"]),
    (Base::Spec(WITH_MIN_READY), &["minReadySeconds"]),
    (Base::Spec(WITH_HISTORY), &["revisionHistoryLimit"]),
    (
        Base::Spec(&[Kind::Deployment]),
        &["progressDeadlineSeconds"],
    ),
    (Base::Spec(&[Kind::StatefulSet]), &["ordinals", "start"]),
    (
        Base::Spec(&[Kind::StatefulSet]),
        &["updateStrategy", "rollingUpdate", "partition"],
    ),
    (Base::Spec(&[Kind::CronJob]), &["startingDeadlineSeconds"]),
    (
        Base::Spec(&[Kind::CronJob]),
        &["successfulJobsHistoryLimit"],
    ),
    (Base::Spec(&[Kind::CronJob]), &["failedJobsHistoryLimit"]),
    (Base::JobSpec, &["parallelism"]),
    (Base::JobSpec, &["completions"]),
    (Base::JobSpec, &["activeDeadlineSeconds"]),
    (Base::JobSpec, &["backoffLimit"]),
    (Base::JobSpec, &["ttlSecondsAfterFinished"]),
    (Base::JobSpec, &["backoffLimitPerIndex"]),
    (Base::JobSpec, &["maxFailedIndexes"]),
];

const PROBES: [&str; 3] = ["livenessProbe", "readinessProbe", "startupProbe"];
const PROBE_NUMBERS: [&str; 5] = [
    "initialDelaySeconds",
    "timeoutSeconds",
    "periodSeconds",
    "successThreshold",
    "failureThreshold",
];

pub fn check(object: &Object<'_>, cx: &mut Context<'_>) {
    let Some(kind) = Kind::of(object) else {
        return;
    };
    let spec = workload::spec(object);
    let job = workload::job_spec(object);
    for (base, path) in TABLE {
        let base = match base {
            Base::Spec(kinds) if kinds.contains(&kind) => spec.clone(),
            Base::JobSpec => job.as_ref().map(|j| j.spec.clone()),
            _ => None,
        };
        if let Some(base) = base {
            for field in select(&base, path) {
                check_value(cx, &field);
            }
        }
    }
    let Some(pod) = workload::pod_spec(object) else {
        return;
    };
    for container in pod.containers() {
        for probe in PROBES.iter().filter_map(|p| container.child(p)) {
            for field in PROBE_NUMBERS.iter().filter_map(|n| probe.child(n)) {
                check_value(cx, &field);
            }
        }
    }
}

fn check_value(cx: &mut Context<'_>, field: &Field<'_>) {
    let Some(value) = field.int() else {
        return;
    };
    if value >= 0 {
        return;
    }
    cx.report(
        Diagnostic::new(
            &RULE,
            cx.loc(field.node.span),
            apimachinery::invalid(
                &field.path,
                &value.to_string(),
                "must be greater than or equal to 0",
            ),
        )
        .with_label("negative")
        .with_help("use 0 or more, or leave the field out to get the default"),
    );
}
