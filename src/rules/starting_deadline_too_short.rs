//! `starting-deadline-too-short`: a CronJob `startingDeadlineSeconds` below 10. The controller
//! looks at schedules about every 10 seconds, so a shorter deadline can miss every run
//! (reference §5.1 CJ-SDS).

use crate::check::Context;
use crate::model::diagnostic::Diagnostic;
use crate::k8s::object::Object;
use crate::k8s::kind::Kind;
use crate::k8s::workload;

pub use crate::model::rule::starting_deadline_too_short as RULE;

pub fn check(object: &Object<'_>, cx: &mut Context<'_>) {
    if Kind::of(object) != Some(Kind::CronJob) {
        return;
    }
    let Some(field) = workload::spec(object).and_then(|s| s.child("startingDeadlineSeconds"))
    else {
        return;
    };
    let Some(seconds) = field.int() else {
        return;
    };
    if !(0..10).contains(&seconds) {
        return; // negative: negative-value
    }
    cx.report(
        Diagnostic::new(
            &RULE,
            cx.loc(field.node.span),
            format!("spec.startingDeadlineSeconds: {seconds} is less than 10 seconds; the CronJob may never be scheduled"),
        )
        .with_label("shorter than the controller's 10-second check interval")
        .with_help("the CronJob controller checks schedules about every 10 seconds; a run it notices after the deadline is counted as missed. Use at least 10, or leave the field out to start late runs whenever possible"),
    );
}
