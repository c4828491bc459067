//! `job-selector`: Kubernetes generates a Job's selector and the `job-name` template labels
//! unless `manualSelector: true` (reference §4 JOB-SELECTOR-AUTO, §5.1 CJ-JT-SELECTOR,
//! CJ-JT-MANUALSEL). A hand-written selector, or a `job-name` label with another value, is
//! rejected; a CronJob's jobTemplate may not set a selector or `manualSelector: true` at all.

use crate::k8s::apimachinery;
use crate::check::Context;
use crate::model::diagnostic::Diagnostic;
use crate::k8s::object::Object;
use crate::k8s::apimachinery::go_quote;
use crate::k8s::workload;

pub use crate::model::rule::job_selector as RULE;

const JOB_NAME_LABELS: [&str; 2] = ["job-name", "batch.kubernetes.io/job-name"];

pub fn check(object: &Object<'_>, cx: &mut Context<'_>) {
    let Some(job) = workload::job_spec(object) else {
        return;
    };
    let spec = &job.spec;
    let selector = spec.child("selector").filter(|f| !f.is_null());
    let manual_field = spec.child("manualSelector");
    let manual = manual_field.as_ref().and_then(|f| f.node.as_bool()) == Some(true);
    if job.in_cronjob {
        if let Some(selector) = selector {
            cx.report(
                Diagnostic::new(
                    &RULE,
                    cx.loc(selector.key),
                    apimachinery::invalid(
                        &selector.path,
                        &selector.node.to_json().to_string(),
                        "`selector` will be auto-generated",
                    ),
                )
                .with_label("not allowed in a jobTemplate")
                .with_help("each Job the CronJob creates gets a generated selector; remove `selector` from the jobTemplate"),
            );
        }
        if let Some(field) = manual_field.filter(|_| manual) {
            cx.report(
                Diagnostic::new(
                    &RULE,
                    cx.loc(field.node.span),
                    format!(
                        "{}: Unsupported value: true: supported values: \"nil\", \"false\"",
                        field.path
                    ),
                )
                .with_label("not allowed in a jobTemplate")
                .with_help(
                    "a CronJob's Jobs always get generated selectors; remove `manualSelector`",
                ),
            );
        }
        return;
    }
    if manual {
        return; // invalid-selector and selector-mismatch check a manual selector
    }
    if let Some(selector) = selector {
        cx.report(
            Diagnostic::new(
                &RULE,
                cx.loc(selector.key),
                apimachinery::invalid(
                    "spec.selector",
                    &selector.node.to_json().to_string(),
                    "`selector` not auto-generated",
                ),
            )
            .with_label("a Job's selector is generated")
            .with_help("Kubernetes gives every Job a selector on its unique controller-uid label; remove `spec.selector` (labels on the pod template still work for your own queries), or set `manualSelector: true` if you really manage the labels yourself"),
        );
    }
    let (Some(name), Some(pod)) = (object.name, workload::pod_spec(object)) else {
        return;
    };
    let Some(labels) = pod.template_labels() else {
        return;
    };
    for key in JOB_NAME_LABELS {
        let Some(entry) = labels.node.entry(key) else {
            continue;
        };
        let Some(value) = entry.value.as_str() else {
            continue;
        };
        if value == name {
            continue;
        }
        cx.report(
            Diagnostic::new(
                &RULE,
                cx.loc(entry.value.span),
                apimachinery::invalid(
                    &format!("spec.template.metadata.labels[{key}]"),
                    &go_quote(value),
                    &format!("must be '{name}'"),
                ),
            )
            .with_label("must be the Job's name")
            .with_help(format!(
                "Kubernetes sets the `{key}` label to the Job's name itself; remove it from the template"
            )),
        );
    }
}
