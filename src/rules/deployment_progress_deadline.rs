//! `deployment-progress-deadline`: a Deployment's `progressDeadlineSeconds` (default 600) must be
//! greater than `minReadySeconds` (reference §3.2 DEP-PDS).

use crate::k8s::apimachinery;
use crate::check::Context;
use crate::model::diagnostic::Diagnostic;
use crate::k8s::object::Object;
use crate::k8s::kind::Kind;
use crate::k8s::workload;

pub use crate::model::rule::deployment_progress_deadline as RULE;

const DEFAULT_DEADLINE: i64 = 600;

pub fn check(object: &Object<'_>, cx: &mut Context<'_>) {
    if Kind::of(object) != Some(Kind::Deployment) {
        return;
    }
    let Some(spec) = workload::spec(object) else {
        return;
    };
    let deadline = spec
        .child("progressDeadlineSeconds")
        .filter(|f| !f.is_null());
    let min_ready = spec.child("minReadySeconds").filter(|f| !f.is_null());
    let deadline_value = match &deadline {
        Some(f) => match f.int() {
            Some(v) => v,
            None => return,
        },
        None => DEFAULT_DEADLINE,
    };
    if (deadline.is_none() || min_ready.is_none()) && cx.is_partial() {
        return; // the other value may come from the base
    }
    let min_ready_value = min_ready.as_ref().and_then(|f| f.int()).unwrap_or(0);
    if deadline_value < 0 || min_ready_value < 0 || deadline_value > min_ready_value {
        return; // negatives are negative-value's finding
    }
    let message = apimachinery::invalid(
        "spec.progressDeadlineSeconds",
        &deadline_value.to_string(),
        "must be greater than minReadySeconds",
    );
    let diagnostic = match (&deadline, &min_ready) {
        (Some(d), m) => {
            let mut diagnostic = Diagnostic::new(&RULE, cx.loc(d.node.span), message)
                .with_label(format!("not more than minReadySeconds ({min_ready_value})"));
            if let Some(m) = m {
                diagnostic = diagnostic.with_secondary(cx.loc(m.node.span), "minReadySeconds");
            }
            diagnostic
        }
        (None, Some(m)) => Diagnostic::new(&RULE, cx.loc(m.node.span), message).with_label(
            format!("progressDeadlineSeconds defaults to {DEFAULT_DEADLINE}"),
        ),
        (None, None) => return,
    };
    cx.report(diagnostic.with_help(
        "a new pod counts as available only after minReadySeconds, so a rollout could never finish before its progress deadline; set `progressDeadlineSeconds` well above `minReadySeconds`",
    ));
}
