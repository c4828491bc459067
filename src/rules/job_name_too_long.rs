//! `job-name-too-long`: a Job with a generated selector copies its name into the template labels
//! `job-name` and `batch.kubernetes.io/job-name`, and label values are limited to 63 characters
//! (reference §1.1 META-NAME-JOB-63).

use crate::k8s::apimachinery;
use crate::check::Context;
use crate::model::diagnostic::Diagnostic;
use crate::k8s::object::Object;
use crate::k8s::validate::LABEL_VALUE_MAX;
use crate::k8s::apimachinery::go_quote;
use crate::k8s::kind::Kind;
use crate::k8s::workload;

pub use crate::model::rule::job_name_too_long as RULE;

pub fn check(object: &Object<'_>, cx: &mut Context<'_>) {
    if Kind::of(object) != Some(Kind::Job) {
        return;
    }
    let root = workload::root(object);
    let manual = root
        .at(&["spec", "manualSelector"])
        .and_then(|f| f.node.as_bool())
        == Some(true);
    if manual {
        return;
    }
    let Some(field) = root.at(&["metadata", "name"]) else {
        return;
    };
    let Some(name) = field.str() else {
        return;
    };
    let length = name.chars().count();
    if length <= LABEL_VALUE_MAX {
        return;
    }
    cx.report(
        Diagnostic::new(
            &RULE,
            cx.loc(field.node.span),
            apimachinery::invalid(
                "spec.template.metadata.labels",
                &go_quote(name),
                &crate::k8s::validate::max_len_error(LABEL_VALUE_MAX),
            ),
        )
        .with_label(format!("{length} characters"))
        .with_help(format!(
            "Kubernetes labels the Job's pods `job-name: <name>` and `batch.kubernetes.io/job-name: <name>`, and a label value has at most 63 characters; shorten the name by {} characters",
            length - LABEL_VALUE_MAX
        )),
    );
}
