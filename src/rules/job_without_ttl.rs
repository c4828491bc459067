//! `job-without-ttl` (best practice): a standalone Job without `ttlSecondsAfterFinished` stays,
//! with its pods, after it finishes (reference §4 JOB-NO-TTL). Jobs owned by a CronJob or
//! another controller, and hook Jobs that Helm or Argo CD delete, are left alone.

use crate::check::Context;
use crate::model::diagnostic::Diagnostic;
use crate::k8s::object::Object;
use crate::k8s::kind::Kind;
use crate::k8s::workload;

pub use crate::model::rule::job_without_ttl as RULE;

const DELETE_POLICIES: [&str; 2] = [
    "helm.sh/hook-delete-policy",
    "argocd.argoproj.io/hook-delete-policy",
];

pub fn check(object: &Object<'_>, cx: &mut Context<'_>) {
    if Kind::of(object) != Some(Kind::Job) {
        return;
    }
    let Some(spec) = workload::spec(object) else {
        return;
    };
    if cx.is_partial()
        || spec
            .child("ttlSecondsAfterFinished")
            .is_some_and(|f| !f.is_null())
    {
        return;
    }
    let metadata = object.metadata;
    let owned = metadata
        .and_then(|m| m.get("ownerReferences"))
        .and_then(|o| o.as_seq())
        .is_some_and(|o| !o.is_empty());
    let deleted_by_tool = metadata
        .and_then(|m| m.get("annotations"))
        .is_some_and(|a| DELETE_POLICIES.iter().any(|k| a.get(k).is_some()));
    if owned || deleted_by_tool {
        return;
    }
    cx.report(
        Diagnostic::new(
            &RULE,
            cx.loc(spec.key),
            "Job has no `spec.ttlSecondsAfterFinished`: the finished Job and its pods are kept until someone deletes them",
        )
        .with_label("no ttlSecondsAfterFinished")
        .with_help("set `ttlSecondsAfterFinished` (e.g. 86400 for a day) to let Kubernetes delete the Job after it completes or fails"),
    );
}
