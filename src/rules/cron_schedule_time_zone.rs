//! `cron-schedule-time-zone`: `TZ=` or `CRON_TZ=` inside `spec.schedule`. Kubernetes 1.29 and
//! later reject any schedule containing `TZ`; older releases accepted it with a warning
//! (reference §5.1 CJ-TZ-IN-SCHEDULE).

use crate::k8s::apimachinery;
use super::cron_schedule::{parsed, schedule};
use crate::model::KubeVersion;
use crate::check::Context;
use crate::k8s::cron;
use crate::model::diagnostic::{Diagnostic, Severity};
use crate::k8s::object::Object;
use crate::k8s::apimachinery::go_quote;
use crate::k8s::workload;

pub use crate::model::rule::cron_schedule_time_zone as RULE;

pub fn check(object: &Object<'_>, cx: &mut Context<'_>) {
    let Some((field, text)) = schedule(object) else {
        return;
    };
    let Some(at) = text.find("TZ") else {
        return;
    };
    let prefix = parsed(object, text)
        .as_ref()
        .ok()
        .and_then(|p| p.tz_prefix.clone());
    let range = prefix.as_ref().map_or(at..at + 2, |p| p.span.clone());
    let span = cx.span_within(field.node, range);
    let has_time_zone = workload::spec(object)
        .and_then(|s| s.child("timeZone"))
        .is_some_and(|f| !f.is_null());
    let rejected = cx.options.kubernetes_version >= KubeVersion::new(29);
    let detail = if rejected {
        "cannot use TZ or CRON_TZ in schedule, use timeZone field instead"
    } else if has_time_zone {
        "cannot use both timeZone field and TZ or CRON_TZ in schedule"
    } else {
        "CRON_TZ or TZ used in .spec.schedule is not officially supported, see https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/ for more details"
    };
    let message = apimachinery::invalid("spec.schedule", &go_quote(text), detail);
    let rest = match &prefix {
        Some(p) => text[p.span.end..].trim(),
        None => "…",
    };
    let help = match prefix.as_ref().map(|p| p.name.as_str()) {
        Some(name) if cron::is_valid_time_zone(name) => format!(
            "set `timeZone: {name}` in the CronJob spec and write the schedule without the prefix: `schedule: \"{rest}\"`"
        ),
        _ => "set the zone in `spec.timeZone` (an IANA name such as `Europe/Berlin`) and remove it from the schedule".to_owned(),
    };
    let mut diagnostic = Diagnostic::new(&RULE, cx.loc(span), message)
        .with_label("time zone inside the schedule")
        .with_help(help);
    if !rejected && !has_time_zone {
        diagnostic.severity = Severity::Warning;
    }
    cx.report(diagnostic);
}
