//! `cron-time-zone`: a CronJob's `spec.timeZone` must be an exact IANA zone name (reference §5.1
//! CJ-TIMEZONE), checked against the tz database bundled with kubevet.

use crate::k8s::apimachinery;
use crate::check::Context;
use crate::k8s::cron;
use crate::model::diagnostic::Diagnostic;
use crate::k8s::object::Object;
use crate::k8s::apimachinery::go_quote;
use crate::k8s::kind::Kind;
use crate::k8s::workload;

pub use crate::model::rule::cron_time_zone as RULE;

pub fn check(object: &Object<'_>, cx: &mut Context<'_>) {
    if Kind::of(object) != Some(Kind::CronJob) {
        return;
    }
    let Some(field) = workload::spec(object).and_then(|s| s.child("timeZone")) else {
        return;
    };
    if field.is_null() {
        return;
    }
    let Some(name) = field.str() else {
        return;
    };
    let detail = if name.is_empty() {
        "timeZone must be nil or non-empty string".to_owned()
    } else if name.eq_ignore_ascii_case("Local") {
        "timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones"
            .to_owned()
    } else if cron::is_valid_time_zone(name) {
        return;
    } else {
        format!("unknown time zone {name}")
    };
    let help = match cron::time_zone_in_canonical_case(name) {
        Some(canonical) => format!("zone names are case-sensitive: write `{canonical}`"),
        None if name.is_empty() || name.eq_ignore_ascii_case("Local") => "name a zone from the IANA tz database, e.g. `Europe/Berlin` or `UTC`, or leave `timeZone` out to use kube-controller-manager's zone".to_owned(),
        None => "use a name from the IANA tz database as written there, e.g. `America/New_York`, `Europe/Berlin`, `Asia/Tokyo` or `UTC`".to_owned(),
    };
    cx.report(
        Diagnostic::new(
            &RULE,
            cx.loc(field.value_span()),
            apimachinery::invalid("spec.timeZone", &go_quote(name), &detail),
        )
        .with_label("not an IANA time zone")
        .with_help(help),
    );
}
