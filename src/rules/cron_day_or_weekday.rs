//! `cron-day-or-weekday`: a schedule that restricts both day-of-month and day-of-week runs when
//! EITHER matches (`0 0 13 * 5` is every Friday and every 13th), which users often misread as
//! AND (reference §5.2 CRON-DOM-DOW).

use super::cron_schedule::{field_ranges, parsed, schedule};
use crate::check::Context;
use crate::model::diagnostic::Diagnostic;
use crate::k8s::object::Object;
use crate::k8s::apimachinery::go_quote;

pub use crate::model::rule::cron_day_or_weekday as RULE;

pub fn check(object: &Object<'_>, cx: &mut Context<'_>) {
    let Some((field, text)) = schedule(object) else {
        return;
    };
    let Ok(parsed) = parsed(object, text) else {
        return;
    };
    let schedule = parsed.schedule;
    if !schedule.dom_and_dow_both_restricted() || schedule.never_fires() {
        return;
    }
    let ranges = field_ranges(text);
    let span = match (ranges.get(2), ranges.get(4)) {
        (Some(dom), Some(dow)) if ranges.len() == 5 => {
            cx.span_within(field.node, dom.start..dow.end)
        }
        _ => field.node.span,
    };
    cx.report(
        Diagnostic::new(
            &RULE,
            cx.loc(span),
            format!(
                "spec.schedule: {} runs when the day of the month OR the day of the week matches: {}",
                go_quote(text),
                schedule.describe()
            ),
        )
        .with_label("either day matches")
        .with_help("cron ORs a restricted day-of-month with a restricted day-of-week; to run only when both match (say, on Fridays the 13th), schedule on one of them and check the other in the job"),
    );
}
