//! `cron-schedule-never-fires`: a schedule the API server accepts but that names no real time,
//! such as February 30 (reference §5.2 CRON-NEVER-FIRES). The CronJob controller records an
//! `InvalidSchedule` event and never creates a Job.

use super::cron_schedule::{field_ranges, parsed, schedule};
use crate::check::Context;
use crate::k8s::cron::{FieldBits, ScheduleKind};
use crate::model::diagnostic::Diagnostic;
use crate::k8s::object::Object;
use crate::k8s::apimachinery::go_quote;
use crate::model::text::join_and;

pub use crate::model::rule::cron_schedule_never_fires as RULE;

pub fn check(object: &Object<'_>, cx: &mut Context<'_>) {
    let Some((field, text)) = schedule(object) else {
        return;
    };
    let Ok(parsed) = parsed(object, text) else {
        return;
    };
    if !parsed.schedule.never_fires() {
        return;
    }
    let ScheduleKind::Fields(bits) = *parsed.schedule.kind() else {
        return;
    };
    let (reason, field_index) = reason(&bits);
    let ranges = field_ranges(text);
    let span = match ranges.get(field_index) {
        Some(range) if ranges.len() == 5 => cx.span_within(field.node, range.clone()),
        _ => field.node.span,
    };
    let help = if reason.contains("selects no values") {
        "the API server accepts this schedule, but the CronJob controller finds no time to run it, records an `InvalidSchedule` event and never creates a Job; a field made only of commas (an empty list) selects nothing: write `*` or a value"
    } else if bits.month == 1 << 2 {
        "the API server accepts this schedule, but the CronJob controller finds no time to run it, records an `InvalidSchedule` event and never creates a Job; February has 28 days (29 in leap years: `0 0 29 2 *` runs every four years), so for its last day schedule `0 0 28 2 *`"
    } else {
        "the API server accepts this schedule, but the CronJob controller finds no time to run it, records an `InvalidSchedule` event and never creates a Job; check the day-of-month and month fields"
    };
    cx.report(
        Diagnostic::new(
            &RULE,
            cx.loc(span),
            format!("spec.schedule: {} never fires: {reason}", go_quote(text)),
        )
        .with_label("never happens")
        .with_help(help),
    );
}

/// Why the fields select no time, and the index of the field to point at.
fn reason(bits: &FieldBits) -> (String, usize) {
    let set = |mask: u64, lo: u8, hi: u8| -> Vec<u8> {
        (lo..=hi).filter(|v| mask & (1u64 << v) != 0).collect()
    };
    for (i, (mask, lo, hi)) in [
        (bits.minute, 0, 59),
        (bits.hour, 0, 23),
        (bits.month, 1, 12),
    ]
    .into_iter()
    .enumerate()
    {
        if set(mask, lo, hi).is_empty() {
            let index = [0, 1, 3][i];
            return (
                format!(
                    "the {} field selects no values",
                    super::cron_schedule::FIELD_NAMES[index]
                ),
                index,
            );
        }
    }
    let days = set(bits.dom, 1, 31);
    if days.is_empty() {
        return ("the day-of-month field selects no values".to_owned(), 2);
    }
    let months: Vec<String> = set(bits.month, 1, 12)
        .into_iter()
        .map(|m| crate::k8s::cron::MONTH_NAMES[usize::from(m)].to_owned())
        .collect();
    let days: Vec<String> = days.iter().map(u8::to_string).collect();
    let have = if months.len() == 1 { "has" } else { "have" };
    let day_word = if days.len() == 1 { "day" } else { "days" };
    (
        format!(
            "{} {have} no {day_word} {}",
            join_and(&months),
            join_and(&days)
        ),
        2,
    )
}
