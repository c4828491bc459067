//! `kubevet explain-schedule`'s content: a schedule in words, the day-of-month/day-of-week rule
//! when it matters, what Kubernetes rejects, and the next runs, computed exactly as the CronJob
//! controller does. The command line prints it.

use super::*;

/// A schedule explained.
pub struct Explained {
    /// The lines to print.
    pub text: String,
    /// Kubernetes rejects the schedule, or it never fires: the command exits with findings.
    pub findings: bool,
}

/// Why a schedule could not be explained.
pub enum ExplainError {
    /// Kubernetes rejects the schedule itself.
    Schedule(CronError),
    /// A time zone or time given with it is not one.
    Usage(String),
}

/// Explains `expr` in `time_zone` (else its `TZ=` prefix, else UTC), listing `count` runs
/// after `after` (an RFC 3339 time; `None`: now).
pub fn explain(
    expr: &str,
    time_zone: Option<&str>,
    after: Option<&str>,
    count: usize,
) -> Result<Explained, ExplainError> {
    use std::fmt::Write as _;
    let parsed = parse_standard(expr).map_err(ExplainError::Schedule)?;
    let zone_name = match (time_zone, &parsed.tz_prefix) {
        (Some(name), _) => name.to_owned(),
        (None, Some(prefix)) if is_valid_time_zone(&prefix.name) => prefix.name.clone(),
        _ => "UTC".to_owned(),
    };
    let Some(zone) = time_zone_fn(&zone_name) else {
        let hint = time_zone_in_canonical_case(&zone_name)
            .map(|c| format!("; did you mean `{c}`?"))
            .unwrap_or_else(|| "; use an IANA name such as Europe/Berlin or UTC".to_owned());
        return Err(ExplainError::Usage(format!(
            "unknown time zone `{zone_name}`{hint}"
        )));
    };
    let after = match after {
        None => Timestamp::now(),
        Some(text) => text.parse::<Timestamp>().map_err(|e| {
            ExplainError::Usage(format!(
                "--after `{text}` is not an RFC 3339 time such as 2025-01-31T12:00:00Z: {e}"
            ))
        })?,
    };
    let schedule = parsed.schedule;
    let mut findings = false;
    let mut out = String::new();
    let _ = writeln!(out, "Schedule:  {expr}");
    let _ = writeln!(out, "Meaning:   {}", schedule.describe());
    let _ = writeln!(out, "Time zone: {zone_name}");
    if let Some(prefix) = &parsed.tz_prefix {
        findings = true;
        let _ = writeln!(
            out,
            "Rejected:  Kubernetes 1.29 and later reject `{}=` in the schedule; put the zone in `spec.timeZone` instead",
            prefix.key
        );
    } else if expr.contains("TZ") {
        findings = true;
        let _ = writeln!(
            out,
            "Rejected:  Kubernetes 1.29 and later reject any schedule containing `TZ`"
        );
    }
    if schedule.dom_and_dow_both_restricted() {
        let _ = writeln!(
            out,
            "Note:      day of month and day of week are both restricted, so it runs when EITHER matches (cron ORs them), not only on days that match both"
        );
    }
    if let ScheduleKind::Every(_) = schedule.kind() {
        let _ = writeln!(
            out,
            "Note:      `@every` is accepted by Kubernetes but not documented; runs count from the CronJob's creation (or its last run), here from the --after time"
        );
    }
    if schedule.never_fires() {
        let _ = writeln!(
            out,
            "Next runs: none, the schedule never fires; Kubernetes accepts it but never creates a Job"
        );
        return Ok(Explained {
            text: out,
            findings: true,
        });
    }
    let fires = schedule.next_fires(&after.to_zoned(zone), count);
    let _ = writeln!(out, "Next runs:");
    for fire in &fires {
        let _ = writeln!(out, "  {}", fire.strftime("%a %Y-%m-%d %H:%M:%S %Z (%:z)"));
    }
    Ok(Explained {
        text: out,
        findings,
    })
}

use tz::time_zone as time_zone_fn;
