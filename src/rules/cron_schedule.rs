//! `cron-schedule`: a CronJob's `spec.schedule` must be present and parse exactly as the API
//! server parses it (robfig/cron v3 `ParseStandard`, reference §5.2), with the caret under the
//! failing item.

use crate::k8s::apimachinery;
use crate::check::Context;
use crate::k8s::cron::{self, CronError};
use crate::model::diagnostic::Diagnostic;
use crate::k8s::object::Object;
use crate::k8s::apimachinery::go_quote;
use crate::k8s::field::Field;
use crate::k8s::kind::Kind;
use crate::k8s::workload;
use std::ops::Range;

pub use crate::model::rule::cron_schedule as RULE;

pub const FIELD_NAMES: [&str; 5] = ["minute", "hour", "day-of-month", "month", "day-of-week"];
const FIELDS_HELP: &str = "the five fields are minute (0-59), hour (0-23), day-of-month (1-31), month (1-12 or JAN-DEC) and day-of-week (0-6 or SUN-SAT, Sunday is 0)";

/// A CronJob's schedule field and its text, when it is a non-empty string.
pub fn schedule<'a>(object: &Object<'a>) -> Option<(Field<'a>, &'a str)> {
    if Kind::of(object) != Some(Kind::CronJob) {
        return None;
    }
    let field = workload::spec(object)?.child("schedule")?;
    let text = field.str().filter(|s| !s.is_empty())?;
    Some((field, text))
}

/// `text`, the object's schedule (from [`schedule`]), parsed: once per object, for the four
/// rules that read it.
pub fn parsed<'o>(object: &'o Object<'_>, text: &str) -> &'o Result<cron::Parsed, cron::CronError> {
    object.schedule.get_or_init(|| cron::parse_standard(text))
}

/// Byte ranges of the five fields (after a `TZ=` prefix), split like Go's `strings.Fields`.
pub fn field_ranges(expr: &str) -> Vec<Range<usize>> {
    let start = match cron::parse_standard(expr) {
        Ok(parsed) => parsed.tz_prefix.map_or(0, |p| p.span.end),
        Err(_) => 0,
    };
    let mut ranges = Vec::new();
    let mut current: Option<usize> = None;
    for (i, c) in expr[start..].char_indices() {
        let i = i + start;
        match (c.is_whitespace(), current) {
            (true, Some(s)) => {
                ranges.push(s..i);
                current = None;
            }
            (false, None) => current = Some(i),
            _ => {}
        }
    }
    if let Some(s) = current {
        ranges.push(s..expr.len());
    }
    ranges
}

pub fn check(object: &Object<'_>, cx: &mut Context<'_>) {
    if Kind::of(object) != Some(Kind::CronJob) {
        return;
    }
    let Some(spec) = workload::spec(object) else {
        return;
    };
    let field = spec.child("schedule");
    let text = match &field {
        None => None,
        Some(f) if f.is_null() => None,
        Some(f) => match f.str() {
            Some(s) => Some(s),
            None => return, // another type: the schema's finding
        },
    };
    let Some(text) = text.filter(|s| !s.is_empty()) else {
        if cx.is_partial() {
            return;
        }
        let at = field.as_ref().map_or(spec.key, |f| f.value_span());
        cx.report(
            Diagnostic::new(&RULE, cx.loc(at), apimachinery::required("spec.schedule", ""))
                .with_label("a CronJob needs a schedule")
                .with_help(format!(
                    "write when to run in cron syntax, e.g. `schedule: \"30 23 * * *\"` (23:30 every day); {FIELDS_HELP}"
                )),
        );
        return;
    };
    let field = field.expect("a schedule text comes from a field");
    let Err(error) = parsed(object, text) else {
        return;
    };
    let span = cx.span_within(field.node, error.span.clone());
    let label = label_for(text, error);
    cx.report(
        Diagnostic::new(
            &RULE,
            cx.loc(span),
            apimachinery::invalid("spec.schedule", &go_quote(text), &error.message),
        )
        .with_label(label)
        .with_help(help_for(text, error)),
    );
}

/// Names the field the error is in: "in the day-of-week field".
pub fn label_for(expr: &str, error: &CronError) -> String {
    if error.message.starts_with("expected exactly 5 fields") {
        let found = field_ranges(expr).len();
        return if found > 5 {
            format!("{} too many", found - 5)
        } else {
            format!("{found} of 5 fields")
        };
    }
    let ranges = field_ranges(expr);
    if ranges.len() == 5
        && let Some(i) = ranges
            .iter()
            .position(|r| r.start <= error.span.start && error.span.start < r.end.max(r.start + 1))
    {
        return format!("invalid {} field", FIELD_NAMES[i]);
    }
    "not a valid schedule".to_owned()
}

fn help_for(expr: &str, error: &CronError) -> String {
    format!(
        "{} (`kubevet explain-schedule` shows what a schedule means)",
        hint(expr, error)
    )
}

/// What to write instead, for a schedule robfig rejects.
pub fn hint(expr: &str, error: &CronError) -> String {
    let m = error.message.as_str();
    let bad = expr.get(error.span.clone()).unwrap_or("");
    if m.starts_with("expected exactly 5 fields") {
        let found = field_ranges(expr).len();
        if found == 6 {
            "Kubernetes schedules have no seconds or year field".to_owned()
        } else {
            format!("a schedule has exactly five fields; {FIELDS_HELP}")
        }
    } else if m.starts_with("end of range (7) above maximum (6)") {
        "day-of-week runs 0-6 with Sunday as 0: `7` is not accepted, write `0` or `SUN`".to_owned()
    } else if m.starts_with("beginning of range (0) below minimum (1)") {
        "day-of-month and month count from 1".to_owned()
    } else if m.contains("above maximum") || m.contains("below minimum") {
        FIELDS_HELP.to_owned()
    } else if m.starts_with("beginning of range") {
        "a range goes from low to high; a range across the end wraps as a list, e.g. `22-23,0-2`"
            .to_owned()
    } else if m.starts_with("step of range") {
        "a step is a positive number, e.g. `*/5` for every 5th".to_owned()
    } else if m.starts_with("too many hyphens") || m.starts_with("too many slashes") {
        "an item is `*`, `N`, or a range `N-M`, optionally with one step `/S`; separate items with commas".to_owned()
    } else if m.starts_with("negative number") {
        "cron values are never negative".to_owned()
    } else if m.starts_with("failed to parse int from") {
        parse_int_help(bad)
    } else if m.starts_with("unrecognized descriptor") {
        if bad.eq_ignore_ascii_case("@reboot") {
            "`@reboot` has no meaning for a CronJob; the descriptors are @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly and @every <duration>".to_owned()
        } else {
            "descriptors are lower-case: @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly, or @every <duration>".to_owned()
        }
    } else if m.starts_with("failed to parse duration") {
        "`@every` takes a Go duration with a unit, e.g. `@every 90m` or `@every 1h30m`".to_owned()
    } else if m.starts_with("provided bad location") {
        "the zone after `TZ=` must be an IANA name; better, move it to `spec.timeZone`".to_owned()
    } else if m.starts_with("invalid schedule format") {
        "a `TZ=` prefix must be followed by a space and the schedule; better, move the zone to `spec.timeZone`".to_owned()
    } else {
        FIELDS_HELP.to_owned()
    }
}

fn parse_int_help(bad: &str) -> String {
    const DAYS: [&str; 7] = [
        "sunday",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
    ];
    const MONTHS: [&str; 12] = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ];
    let lower = bad.to_ascii_lowercase();
    if let Some(name) = DAYS
        .iter()
        .chain(MONTHS.iter())
        .find(|n| lower.len() > 3 && n.starts_with(&lower[..3]) && lower.starts_with(&n[..3]))
    {
        return format!(
            "names are three-letter abbreviations: write `{}`",
            name[..3].to_ascii_uppercase()
        );
    }
    if bad.contains(['L', 'W', '#']) {
        return "Quartz-style `L`, `W` and `#` are not supported by Kubernetes".to_owned();
    }
    FIELDS_HELP.to_owned()
}
