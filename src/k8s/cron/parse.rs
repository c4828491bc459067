//! robfig/cron v3 `ParseStandard`: the five fields and the `@` descriptors, with its error
//! texts byte for byte.

use super::go::*;
use super::tz::load_location;
use super::*;

/// Parses `expr` exactly like robfig/cron v3.0.1 `ParseStandard`.
pub fn parse_standard(expr: &str) -> Result<Parsed, CronError> {
    if expr.is_empty() {
        return Err(CronError::new("empty spec string", 0..0));
    }

    let mut spec = expr;
    let mut spec_offset = 0;
    let mut tz_prefix = None;
    if let Some(key) = ["TZ=", "CRON_TZ="]
        .into_iter()
        .find(|k| expr.starts_with(k))
    {
        // robfig ends the zone name at the first ASCII space, not at any
        // white space.
        let Some(space) = expr.find(' ') else {
            // robfig slices `spec[eq+1:-1]` and panics; the API server recovers
            // the panic and reports it with this text.
            return Err(CronError::new(
                "invalid schedule format: runtime error: slice bounds out of range [:-1]",
                0..expr.len(),
            ));
        };
        let name_span = key.len()..space;
        let name = &expr[name_span.clone()];
        if let Err(reason) = load_location(name) {
            return Err(CronError::new(
                format!("provided bad location {name}: {reason}"),
                name_span,
            ));
        }
        tz_prefix = Some(TimeZonePrefix {
            name: name.to_owned(),
            span: 0..space,
            key: if key == "TZ=" { "TZ" } else { "CRON_TZ" },
        });
        let rest = &expr[space..];
        let rest_trimmed = rest.trim_start();
        spec_offset = space + (rest.len() - rest_trimmed.len());
        spec = rest_trimmed.trim_end();
    }

    let schedule = if spec.starts_with('@') {
        parse_descriptor(spec, spec_offset)
    } else {
        parse_fields(spec, spec_offset)
    };
    // Nothing left after a prefix (`TZ=UTC `): blame the whole input.
    let schedule = schedule.map_err(|mut err| {
        if err.span.is_empty() {
            err.span = 0..expr.len();
        }
        err
    })?;
    Ok(Parsed {
        schedule,
        tz_prefix,
    })
}

pub(super) fn parse_descriptor(spec: &str, offset: usize) -> Result<Schedule, CronError> {
    let all = |b: Bounds| bits_between(b.min, b.max, 1) | STAR_BIT;
    let one = |value: u64| 1u64 << value;
    let fields = |minute, hour, dom, month, dow| {
        Ok(Schedule {
            kind: ScheduleKind::Fields(FieldBits {
                minute,
                hour,
                dom,
                month,
                dow,
            }),
        })
    };
    match spec {
        "@yearly" | "@annually" => {
            return fields(one(0), one(0), one(1), one(1), all(DAYS_OF_WEEK));
        }
        "@monthly" => return fields(one(0), one(0), one(1), all(MONTHS), all(DAYS_OF_WEEK)),
        "@weekly" => return fields(one(0), one(0), all(DAYS_OF_MONTH), all(MONTHS), one(0)),
        "@daily" | "@midnight" => {
            return fields(
                one(0),
                one(0),
                all(DAYS_OF_MONTH),
                all(MONTHS),
                all(DAYS_OF_WEEK),
            );
        }
        "@hourly" => {
            return fields(
                one(0),
                all(HOURS),
                all(DAYS_OF_MONTH),
                all(MONTHS),
                all(DAYS_OF_WEEK),
            );
        }
        _ => {}
    }

    const EVERY: &str = "@every ";
    if let Some(duration) = spec.strip_prefix(EVERY) {
        return match parse_go_duration(duration) {
            Ok(nanos) => Ok(Schedule {
                kind: ScheduleKind::Every(every_interval(nanos)),
            }),
            Err(reason) => {
                let span = if duration.is_empty() {
                    offset..offset + spec.len()
                } else {
                    offset + EVERY.len()..offset + spec.len()
                };
                Err(CronError::new(
                    format!("failed to parse duration {spec}: {reason}"),
                    span,
                ))
            }
        };
    }

    Err(CronError::new(
        format!("unrecognized descriptor: {spec}"),
        offset..offset + spec.len(),
    ))
}

/// robfig's `Every`: below one second becomes one second (so zero and
/// negative durations are accepted), and sub-second parts are dropped.
pub(super) fn every_interval(nanos: i64) -> Duration {
    const NANOS_PER_SECOND: i64 = 1_000_000_000;
    let nanos = nanos.max(NANOS_PER_SECOND);
    Duration::from_secs((nanos / NANOS_PER_SECOND).unsigned_abs())
}

pub(super) fn parse_fields(spec: &str, offset: usize) -> Result<Schedule, CronError> {
    let fields = go_fields(spec);
    if fields.len() != 5 {
        let listed: Vec<&str> = fields.iter().map(|(_, field)| *field).collect();
        let span = match (fields.get(5), fields.last()) {
            // Too many: point at the surplus fields.
            (Some((first_extra, _)), Some((last_start, last))) => {
                offset + first_extra..offset + last_start + last.len()
            }
            _ => offset..offset + spec.len(),
        };
        return Err(CronError::new(
            format!(
                "expected exactly 5 fields, found {}: [{}]",
                fields.len(),
                listed.join(" ")
            ),
            span,
        ));
    }

    let field_bits = |index: usize, bounds: Bounds| {
        let (start, text) = fields[index];
        get_field(text, bounds, offset + start)
    };
    Ok(Schedule {
        kind: ScheduleKind::Fields(FieldBits {
            minute: field_bits(0, MINUTES)?,
            hour: field_bits(1, HOURS)?,
            dom: field_bits(2, DAYS_OF_MONTH)?,
            month: field_bits(3, MONTHS)?,
            dow: field_bits(4, DAYS_OF_WEEK)?,
        }),
    })
}

/// Go's `strings.Fields` (split on Unicode white space, drop empties), keeping
/// each field's byte offset for error spans.
pub(super) fn go_fields(s: &str) -> Vec<(usize, &str)> {
    let mut fields = Vec::new();
    let mut start = None;
    for (index, c) in s.char_indices() {
        match (c.is_whitespace(), start) {
            (true, Some(begin)) => {
                fields.push((begin, &s[begin..index]));
                start = None;
            }
            (false, None) => start = Some(index),
            _ => {}
        }
    }
    if let Some(begin) = start {
        fields.push((begin, &s[begin..]));
    }
    fields
}

/// One field: a comma list of ranges. Empty list items are skipped (robfig
/// uses `strings.FieldsFunc`), so `,` alone parses to no values at all.
pub(super) fn get_field(field: &str, bounds: Bounds, offset: usize) -> Result<u64, CronError> {
    let mut bits = 0;
    let mut item_start = 0;
    for item in field.split(',') {
        if !item.is_empty() {
            let start = offset + item_start;
            bits |= get_range(item, bounds, start..start + item.len())?;
        }
        item_start += item.len() + 1;
    }
    Ok(bits)
}

/// One range: `*`, `?`, `N` or `N-M`, optionally followed by `/step`.
pub(super) fn get_range(expr: &str, bounds: Bounds, span: Range<usize>) -> Result<u64, CronError> {
    let fail = |message: String| CronError::new(message, span.clone());
    // Parse errors point at the failing piece when it is not empty.
    let fail_at = |message: String, piece_start: usize, piece: &str| {
        let start = span.start + piece_start;
        let piece_span = if piece.is_empty() {
            span.clone()
        } else {
            start..start + piece.len()
        };
        CronError::new(message, piece_span)
    };

    let range_and_step: Vec<&str> = expr.split('/').collect();
    let range = range_and_step[0];
    let low_and_high: Vec<&str> = range.split('-').collect();
    let single_value = low_and_high.len() == 1;

    let (start, mut end, mut extra);
    if low_and_high[0] == "*" || low_and_high[0] == "?" {
        // robfig ignores anything after `*-`, so `*-5` means `*`.
        (start, end, extra) = (bounds.min, bounds.max, STAR_BIT);
    } else {
        let low = low_and_high[0];
        start = parse_int_or_name(low, bounds).map_err(|m| fail_at(m, 0, low))?;
        end = match low_and_high.len() {
            1 => start,
            2 => {
                let high = low_and_high[1];
                parse_int_or_name(high, bounds).map_err(|m| fail_at(m, low.len() + 1, high))?
            }
            _ => return Err(fail(format!("too many hyphens: {expr}"))),
        };
        extra = 0;
    }

    let step = match range_and_step.len() {
        1 => 1,
        2 => {
            let step_text = range_and_step[1];
            let step =
                must_parse_int(step_text).map_err(|m| fail_at(m, range.len() + 1, step_text))?;
            // "N/step" means "N-max/step".
            if single_value {
                end = bounds.max;
            }
            if step > 1 {
                extra = 0;
            }
            step
        }
        _ => return Err(fail(format!("too many slashes: {expr}"))),
    };

    if start < bounds.min {
        return Err(fail(format!(
            "beginning of range ({start}) below minimum ({}): {expr}",
            bounds.min
        )));
    }
    if end > bounds.max {
        return Err(fail(format!(
            "end of range ({end}) above maximum ({}): {expr}",
            bounds.max
        )));
    }
    if start > end {
        return Err(fail(format!(
            "beginning of range ({start}) beyond end of range ({end}): {expr}"
        )));
    }
    if step == 0 {
        return Err(fail(format!(
            "step of range should be a positive number: {expr}"
        )));
    }
    Ok(bits_between(start, end, step) | extra)
}

/// Bits `start..=end` in steps of `step`; callers guarantee `end <= 59`.
pub(super) fn bits_between(start: u64, end: u64, step: u64) -> u64 {
    let mut bits = 0;
    let mut value = start;
    while value <= end {
        bits |= 1 << value;
        match value.checked_add(step) {
            Some(next) => value = next,
            None => break,
        }
    }
    bits
}

pub(super) fn parse_int_or_name(expr: &str, bounds: Bounds) -> Result<u64, String> {
    if !bounds.names.is_empty() {
        let lowered = go_to_lower(expr);
        if let Some(&(_, value)) = bounds.names.iter().find(|(name, _)| *name == lowered) {
            return Ok(value);
        }
    }
    must_parse_int(expr)
}

/// Go's `strings.ToLower` uses simple case mapping; Rust's full mapping only
/// differs for U+0130 (`İ` → `i̇`), where the first char is Go's answer.
pub(super) fn go_to_lower(s: &str) -> String {
    s.chars()
        .map(|c| c.to_lowercase().next().unwrap_or(c))
        .collect()
}

pub(super) fn must_parse_int(expr: &str) -> Result<u64, String> {
    let num =
        go_atoi(expr).map_err(|reason| format!("failed to parse int from {expr}: {reason}"))?;
    u64::try_from(num).map_err(|_| format!("negative number ({num}) not allowed: {expr}"))
}
