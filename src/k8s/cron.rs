//! Kubernetes CronJob schedules, parsed exactly as the API server does.
//!
//! The API server validates `spec.schedule` with robfig/cron v3.0.1
//! `cron.ParseStandard` (minute, hour, day of month, month, day of week, plus
//! `@` descriptors). This module reproduces that parser's acceptance rules and
//! its error texts byte for byte, so a lint finding can quote what `kubectl
//! apply` would print. It also ports robfig's `Next` so fire times (including
//! its daylight-saving quirks) match what the CronJob controller computes.
//!
//! Go behaviour that leaks into the messages is emulated too: `strconv.Atoi`
//! and `time.ParseDuration` errors, their two different quoting styles,
//! `strings.Fields` splitting on Unicode white space, and `time.Date`'s
//! normalisation of wall-clock times that fall into a DST gap.

use std::fmt;
use std::ops::Range;
use std::sync::OnceLock;
use std::time::Duration;

use jiff::civil::{Date, DateTime, Time};
use jiff::tz::{Offset, TimeZone, TimeZoneDatabase};
use jiff::{Span, Timestamp, Zoned};

/// robfig marks a field written as `*` or `?` (with step 1) by setting bit 63.
const STAR_BIT: u64 = 1 << 63;

/// robfig gives up looking for the next fire time after five years.
const SEARCH_YEARS: i16 = 5;

/// Hard cap on loop iterations in [`next_fire`]; a legitimate five-year search
/// needs far fewer, so hitting it only guards against an unforeseen loop.
const MAX_SEARCH_STEPS: u32 = 5_000_000;

/// The allowed values of one field, plus the names it accepts.
#[derive(Clone, Copy)]
struct Bounds {
    min: u64,
    max: u64,
    names: &'static [(&'static str, u64)],
}

const MINUTES: Bounds = Bounds {
    min: 0,
    max: 59,
    names: &[],
};
const HOURS: Bounds = Bounds {
    min: 0,
    max: 23,
    names: &[],
};
const DAYS_OF_MONTH: Bounds = Bounds {
    min: 1,
    max: 31,
    names: &[],
};
const MONTHS: Bounds = Bounds {
    min: 1,
    max: 12,
    names: &[
        ("jan", 1),
        ("feb", 2),
        ("mar", 3),
        ("apr", 4),
        ("may", 5),
        ("jun", 6),
        ("jul", 7),
        ("aug", 8),
        ("sep", 9),
        ("oct", 10),
        ("nov", 11),
        ("dec", 12),
    ],
};
const DAYS_OF_WEEK: Bounds = Bounds {
    min: 0,
    max: 6,
    names: &[
        ("sun", 0),
        ("mon", 1),
        ("tue", 2),
        ("wed", 3),
        ("thu", 4),
        ("fri", 5),
        ("sat", 6),
    ],
};

/// Month names by number (index 0 unused).
pub const MONTH_NAMES: [&str; 13] = [
    "",
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const WEEKDAY_NAMES: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];

/// A parse failure, with robfig's message and where in the input it applies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CronError {
    /// The text robfig returns (Kubernetes appends it to
    /// `spec.schedule: Invalid value: "<s>": `).
    pub message: String,
    /// Byte range in the input of the offending field or token. Empty only for
    /// an empty input.
    pub span: Range<usize>,
}

impl CronError {
    fn new(message: impl Into<String>, span: Range<usize>) -> Self {
        CronError {
            message: message.into(),
            span,
        }
    }
}

impl fmt::Display for CronError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for CronError {}

/// A leading `TZ=<name> ` or `CRON_TZ=<name> ` that robfig accepted.
///
/// Kubernetes 1.29+ rejects any schedule containing `TZ`; reporting that is
/// left to the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeZonePrefix {
    /// The zone name as written (may be `""`, which Go reads as UTC, or
    /// `Local`).
    pub name: String,
    /// Byte range of the whole prefix, key included (`CRON_TZ=Europe/Berlin`),
    /// without the space that ends it.
    pub span: Range<usize>,
    /// `"TZ"` or `"CRON_TZ"`.
    pub key: &'static str,
}

impl TimeZonePrefix {
    /// The zone robfig would evaluate the schedule in, or `None` for `Local`
    /// (the controller's own zone, unknowable from a manifest).
    pub fn time_zone(&self) -> Option<TimeZone> {
        match self.name.as_str() {
            "" | "UTC" => Some(TimeZone::UTC),
            "Local" => None,
            name => lookup_time_zone(name),
        }
    }
}

/// Result of [`parse_standard`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parsed {
    pub schedule: Schedule,
    pub tz_prefix: Option<TimeZonePrefix>,
}

/// The five fields as robfig's bit sets: bit `n` set means value `n` matches,
/// and bit 63 (robfig's star bit) records that the field was `*` or `?`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldBits {
    pub minute: u64,
    pub hour: u64,
    pub dom: u64,
    pub month: u64,
    pub dow: u64,
}

/// What a schedule is: a crontab spec (fields or a descriptor that expands to
/// one) or `@every <duration>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScheduleKind {
    Fields(FieldBits),
    /// The interval after robfig's rounding: at least one second, whole
    /// seconds only.
    Every(Duration),
}

/// A parsed schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Schedule {
    kind: ScheduleKind,
}

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

/// Whether `name` is exactly (case-sensitively) an IANA zone name in jiff's
/// bundled tzdb. `"UTC"` and `"Etc/UTC"` are valid; `"Local"` and `""` are not.
pub fn is_valid_time_zone(name: &str) -> bool {
    lookup_time_zone(name).is_some()
}

/// The zone `name` refers to, as an exact IANA name, when it is a zone name in another case
/// (`europe/berlin` gives `Europe/Berlin`): a suggestion for a rejected `timeZone`.
pub fn time_zone_in_canonical_case(name: &str) -> Option<String> {
    let tz = bundled_tzdb().get(name).ok()?;
    tz.iana_name()
        .filter(|canonical| *canonical != name && canonical.eq_ignore_ascii_case(name))
        .map(str::to_owned)
}

/// The zone for an IANA name (exact), for fire times.
pub fn time_zone(name: &str) -> Option<TimeZone> {
    lookup_time_zone(name)
}

/// The bundled tzdb, chosen explicitly so results never depend on the host's
/// `/usr/share/zoneinfo`, even if another crate enables jiff's system tzdb.
fn bundled_tzdb() -> &'static TimeZoneDatabase {
    static DB: OnceLock<TimeZoneDatabase> = OnceLock::new();
    DB.get_or_init(TimeZoneDatabase::bundled)
}

/// Exact-name lookup. jiff matches names case-insensitively, so the canonical
/// name it reports must equal the input, as Go's (case-sensitive) loader needs.
fn lookup_time_zone(name: &str) -> Option<TimeZone> {
    let tz = bundled_tzdb().get(name).ok()?;
    (tz.iana_name() == Some(name)).then_some(tz)
}

/// Go's `time.LoadLocation`, reduced to its verdict and error text.
fn load_location(name: &str) -> Result<(), String> {
    if name.is_empty() || name == "UTC" || name == "Local" {
        return Ok(());
    }
    if name.contains("..") || name.starts_with('/') || name.starts_with('\\') {
        return Err("time: invalid location name".to_owned());
    }
    if is_valid_time_zone(name) {
        Ok(())
    } else {
        Err(format!("unknown time zone {name}"))
    }
}

fn parse_descriptor(spec: &str, offset: usize) -> Result<Schedule, CronError> {
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
fn every_interval(nanos: i64) -> Duration {
    const NANOS_PER_SECOND: i64 = 1_000_000_000;
    let nanos = nanos.max(NANOS_PER_SECOND);
    Duration::from_secs((nanos / NANOS_PER_SECOND).unsigned_abs())
}

fn parse_fields(spec: &str, offset: usize) -> Result<Schedule, CronError> {
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
fn go_fields(s: &str) -> Vec<(usize, &str)> {
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
fn get_field(field: &str, bounds: Bounds, offset: usize) -> Result<u64, CronError> {
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
fn get_range(expr: &str, bounds: Bounds, span: Range<usize>) -> Result<u64, CronError> {
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
fn bits_between(start: u64, end: u64, step: u64) -> u64 {
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

fn parse_int_or_name(expr: &str, bounds: Bounds) -> Result<u64, String> {
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
fn go_to_lower(s: &str) -> String {
    s.chars()
        .map(|c| c.to_lowercase().next().unwrap_or(c))
        .collect()
}

fn must_parse_int(expr: &str) -> Result<u64, String> {
    let num =
        go_atoi(expr).map_err(|reason| format!("failed to parse int from {expr}: {reason}"))?;
    u64::try_from(num).map_err(|_| format!("negative number ({num}) not allowed: {expr}"))
}

/// Go's `strconv.Atoi` on a 64-bit platform, with its error text.
fn go_atoi(s: &str) -> Result<i64, String> {
    let syntax = || {
        format!(
            "strconv.Atoi: parsing {}: invalid syntax",
            go_strconv_quote(s)
        )
    };
    let range = || {
        format!(
            "strconv.Atoi: parsing {}: value out of range",
            go_strconv_quote(s)
        )
    };

    let (negative, digits) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    if digits.is_empty() {
        return Err(syntax());
    }
    // Like strconv.ParseUint: scan left to right, so an overflow reported
    // before a later bad byte wins ("99999999999999999999x" is out of range).
    let mut magnitude: u64 = 0;
    for byte in digits.bytes() {
        if !byte.is_ascii_digit() {
            return Err(syntax());
        }
        magnitude = magnitude
            .checked_mul(10)
            .and_then(|m| m.checked_add(u64::from(byte - b'0')))
            .ok_or_else(range)?;
    }
    if negative {
        0i64.checked_sub_unsigned(magnitude).ok_or_else(range)
    } else {
        i64::try_from(magnitude).map_err(|_| range())
    }
}

/// Go's `time.ParseDuration`, returning nanoseconds or Go's error text.
fn parse_go_duration(orig: &str) -> Result<i64, String> {
    const LIMIT: u64 = 1 << 63;
    let invalid = || format!("time: invalid duration {}", go_time_quote(orig));

    let mut s = orig.as_bytes();
    let mut negative = false;
    if let Some(&sign @ (b'-' | b'+')) = s.first() {
        negative = sign == b'-';
        s = &s[1..];
    }
    if s == b"0" {
        return Ok(0);
    }
    if s.is_empty() {
        return Err(invalid());
    }

    let mut total: u64 = 0;
    while !s.is_empty() {
        if !(s[0] == b'.' || s[0].is_ascii_digit()) {
            return Err(invalid());
        }

        // Integer part; Go fails on overflow here.
        let digits = s.iter().take_while(|b| b.is_ascii_digit()).count();
        let mut whole: u64 = 0;
        for &byte in &s[..digits] {
            if whole > LIMIT / 10 {
                return Err(invalid());
            }
            whole = whole * 10 + u64::from(byte - b'0');
            if whole > LIMIT {
                return Err(invalid());
            }
        }
        s = &s[digits..];
        let has_whole = digits > 0;

        // Fraction; Go silently stops accumulating precision on overflow.
        let (mut fraction, mut scale, mut has_fraction) = (0u64, 1f64, false);
        if s.first() == Some(&b'.') {
            s = &s[1..];
            let digits = s.iter().take_while(|b| b.is_ascii_digit()).count();
            has_fraction = digits > 0;
            let mut overflowed = false;
            for &byte in &s[..digits] {
                if overflowed {
                    continue;
                }
                if fraction > (LIMIT - 1) / 10 {
                    overflowed = true;
                    continue;
                }
                let next = fraction * 10 + u64::from(byte - b'0');
                if next > LIMIT {
                    overflowed = true;
                    continue;
                }
                fraction = next;
                scale *= 10.0;
            }
            s = &s[digits..];
        }
        if !has_whole && !has_fraction {
            return Err(invalid());
        }

        // The unit runs to the next digit or '.', both ASCII, so the slice
        // below always ends on a char boundary.
        let unit_len = s
            .iter()
            .take_while(|&&b| !(b == b'.' || b.is_ascii_digit()))
            .count();
        if unit_len == 0 {
            return Err(format!(
                "time: missing unit in duration {}",
                go_time_quote(orig)
            ));
        }
        let unit_text = String::from_utf8_lossy(&s[..unit_len]);
        s = &s[unit_len..];
        let unit: u64 = match unit_text.as_ref() {
            "ns" => 1,
            "us" | "\u{b5}s" | "\u{3bc}s" => 1_000,
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "m" => 60_000_000_000,
            "h" => 3_600_000_000_000,
            _ => {
                return Err(format!(
                    "time: unknown unit {} in duration {}",
                    go_time_quote(&unit_text),
                    go_time_quote(orig)
                ));
            }
        };
        if whole > LIMIT / unit {
            return Err(invalid());
        }
        let mut value = whole * unit;
        if fraction > 0 {
            // Go converts the float to uint64; the product is < 3.7e12 here.
            value += (fraction as f64 * (unit as f64 / scale)) as u64;
            if value > LIMIT {
                return Err(invalid());
            }
        }
        total += value;
        if total > LIMIT {
            return Err(invalid());
        }
    }

    match (negative, i64::try_from(total)) {
        (false, Ok(nanos)) => Ok(nanos),
        (true, Ok(nanos)) => Ok(-nanos),
        (true, Err(_)) => Ok(i64::MIN), // total == 1 << 63
        (false, Err(_)) => Err(invalid()),
    }
}

/// The `quote` helper of Go's time package: non-ASCII and control bytes
/// become `\xNN`, `"` and `\` are backslashed.
fn go_time_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        if !c.is_ascii() || c < ' ' {
            let mut buf = [0u8; 4];
            for byte in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("\\x{byte:02x}"));
            }
        } else {
            if c == '"' || c == '\\' {
                out.push('\\');
            }
            out.push(c);
        }
    }
    out.push('"');
    out
}

/// Go's `strconv.Quote` (also `%q`). Go keeps printable Unicode as is; its `IsPrint` table
/// is approximated here (unassigned code points are treated as printable).
pub fn go_strconv_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{b}' => out.push_str("\\v"),
            c if c < ' ' || c == '\u{7f}' => out.push_str(&format!("\\x{:02x}", u32::from(c))),
            c if go_is_print(c) => out.push(c),
            c if u32::from(c) < 0x10000 => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push_str(&format!("\\U{:08x}", u32::from(c))),
        }
    }
    out.push('"');
    out
}

fn go_is_print(c: char) -> bool {
    const FORMAT_CHARS: &[(u32, u32)] = &[
        (0xAD, 0xAD),
        (0x600, 0x605),
        (0x61C, 0x61C),
        (0x6DD, 0x6DD),
        (0x70F, 0x70F),
        (0x890, 0x891),
        (0x8E2, 0x8E2),
        (0x180E, 0x180E),
        (0x200B, 0x200F),
        (0x202A, 0x202E),
        (0x2060, 0x2064),
        (0x2066, 0x206F),
        (0xFEFF, 0xFEFF),
        (0xFFF9, 0xFFFB),
        (0x110BD, 0x110BD),
        (0x110CD, 0x110CD),
        (0x13430, 0x1343F),
        (0x1BCA0, 0x1BCA3),
        (0x1D173, 0x1D17A),
        (0xE0001, 0xE0001),
        (0xE0020, 0xE007F),
    ];
    let code = u32::from(c);
    let private_use = (0xE000..=0xF8FF).contains(&code) || code >= 0xF0000;
    let noncharacter = (0xFDD0..=0xFDEF).contains(&code) || code & 0xFFFE == 0xFFFE;
    let format = FORMAT_CHARS
        .iter()
        .any(|&(lo, hi)| (lo..=hi).contains(&code));
    !(c.is_control() || (c.is_whitespace() && c != ' ') || private_use || noncharacter || format)
}

impl Schedule {
    pub fn kind(&self) -> &ScheduleKind {
        &self.kind
    }

    /// Plain-English description, e.g. "at 23:30 every day".
    pub fn describe(&self) -> String {
        match self.kind {
            ScheduleKind::Every(interval) => describe_interval(interval),
            ScheduleKind::Fields(bits) => bits.describe(),
        }
    }

    /// The next `n` fire times strictly after `after`, in `after`'s zone,
    /// computed by robfig's `Next` (so a DST gap skips a run and a repeated
    /// hour can run twice). Fewer are returned when robfig finds none within
    /// five years. `@every` fires at whole seconds: `after` truncated + k·d.
    pub fn next_fires(&self, after: &Zoned, n: usize) -> Vec<Zoned> {
        let tz = after.time_zone().clone();
        let mut fires = Vec::with_capacity(n.min(64));
        match self.kind {
            ScheduleKind::Every(interval) => {
                let Ok(step) = jiff::SignedDuration::try_from(interval) else {
                    return fires;
                };
                let start = floor_to_second(after.timestamp());
                let Some(mut t) = start.and_then(|s| Timestamp::from_second(s).ok()) else {
                    return fires;
                };
                for _ in 0..n {
                    let Ok(next) = t.checked_add(step) else { break };
                    fires.push(next.to_zoned(tz.clone()));
                    t = next;
                }
            }
            ScheduleKind::Fields(bits) => {
                if self.never_fires() {
                    return fires;
                }
                let mut t = after.timestamp();
                for _ in 0..n {
                    let Some(next) = next_fire(&bits, &tz, t) else {
                        break;
                    };
                    fires.push(next.to_zoned(tz.clone()));
                    t = next;
                }
            }
        }
        fires
    }

    /// True when the schedule parses but can never fire: some field selects no
    /// value (e.g. `,`), or no month has the requested day (`0 0 30 2 *`,
    /// `0 0 31 4,6,9,11 *`). `0 0 29 2 *` fires in leap years, and a restricted
    /// day of week is ORed with the day of month, so `0 0 30 2 1` fires too.
    pub fn never_fires(&self) -> bool {
        match self.kind {
            ScheduleKind::Every(_) => false,
            ScheduleKind::Fields(bits) => !bits.can_fire(),
        }
    }

    /// robfig ORs day of month and day of week only when neither field was
    /// written as `*`/`?` (step 1); otherwise both must match.
    pub fn dom_and_dow_both_restricted(&self) -> bool {
        match self.kind {
            ScheduleKind::Every(_) => false,
            ScheduleKind::Fields(bits) => !bits.dom_star() && !bits.dow_star(),
        }
    }
}

impl FieldBits {
    pub fn dom_star(&self) -> bool {
        self.dom & STAR_BIT != 0
    }

    pub fn dow_star(&self) -> bool {
        self.dow & STAR_BIT != 0
    }

    fn day_matches(&self, date: Date) -> bool {
        let dom_match = self.dom & (1 << date.day()) != 0;
        let dow_match = self.dow & (1 << date.weekday().to_sunday_zero_offset()) != 0;
        if self.dom_star() || self.dow_star() {
            dom_match && dow_match
        } else {
            dom_match || dow_match
        }
    }

    fn can_fire(&self) -> bool {
        let months = values(self.month, MONTHS);
        if values(self.minute, MINUTES).is_empty()
            || values(self.hour, HOURS).is_empty()
            || months.is_empty()
        {
            return false;
        }
        // Every month has all seven weekdays, so a non-empty day-of-week set
        // is satisfiable whenever it takes part in the match.
        let weekday_possible = !values(self.dow, DAYS_OF_WEEK).is_empty();
        let doms = values(self.dom, DAYS_OF_MONTH);
        // February counts as 29 days: leap years exist.
        let dom_possible = months
            .iter()
            .any(|&month| doms.iter().any(|&day| day <= longest_month_length(month)));
        if self.dom_star() || self.dow_star() {
            weekday_possible && dom_possible
        } else {
            weekday_possible || dom_possible
        }
    }

    fn describe(&self) -> String {
        let minutes = values(self.minute, MINUTES);
        let hours = values(self.hour, HOURS);
        let doms = values(self.dom, DAYS_OF_MONTH);
        let months = values(self.month, MONTHS);
        let dows = values(self.dow, DAYS_OF_WEEK);
        for (set, name) in [(&minutes, "minute"), (&hours, "hour"), (&months, "month")] {
            if set.is_empty() {
                return format!("never (the {name} field selects no values)");
            }
        }

        let mut text = describe_time(&minutes, &hours);
        let dom_full = doms.len() == 31;
        let dow_full = dows.len() == 7;
        let mut month_said = false;
        let days = if self.dom_star() || self.dow_star() {
            match (dom_full, dow_full) {
                (true, true) => "every day".to_owned(),
                (true, false) => weekday_phrase(&dows),
                (false, true) if doms.len() == 1 && months.len() == 1 => {
                    month_said = true;
                    format!("on {} {}", MONTH_NAMES[usize::from(months[0])], doms[0])
                }
                (false, true) => day_of_month_phrase(&doms),
                // Unreachable from the parser (a star field is always full),
                // but keep the literal meaning.
                (false, false) => {
                    format!(
                        "{} if it is also {}",
                        day_of_month_phrase(&doms),
                        weekday_phrase(&dows)
                    )
                }
            }
        } else if dom_full || dow_full {
            "every day".to_owned()
        } else {
            match (doms.is_empty(), dows.is_empty()) {
                (true, true) => "on no day".to_owned(),
                (true, false) => weekday_phrase(&dows),
                (false, true) => day_of_month_phrase(&doms),
                (false, false) => format!(
                    "{} and {}",
                    day_of_month_phrase(&doms),
                    weekday_phrase(&dows)
                ),
            }
        };
        // "every 15 minutes every day" says "every day" twice over.
        if days != "every day" || !text.contains("every") {
            text.push(' ');
            text.push_str(&days);
        }
        if !month_said && months.len() < 12 {
            text.push_str(" in ");
            text.push_str(&name_list(&months, |m| MONTH_NAMES[usize::from(m)]));
        }
        text
    }
}

/// The values set in `bits` within `bounds` (the star bit excluded).
fn values(bits: u64, bounds: Bounds) -> Vec<u8> {
    (bounds.min..=bounds.max)
        .filter(|&v| bits & (1 << v) != 0)
        .filter_map(|v| u8::try_from(v).ok())
        .collect()
}

fn longest_month_length(month: u8) -> u8 {
    match month {
        2 => 29,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

fn describe_interval(interval: Duration) -> String {
    let secs = interval.as_secs();
    let parts: Vec<(u64, &str)> = [
        (secs / 3600, "hour"),
        (secs / 60 % 60, "minute"),
        (secs % 60, "second"),
    ]
    .into_iter()
    .filter(|&(count, _)| count > 0)
    .collect();
    match parts.as_slice() {
        [(1, unit)] => format!("every {unit}"),
        _ => {
            let words: Vec<String> = parts
                .iter()
                .map(|&(count, unit)| {
                    format!("{count} {unit}{}", if count == 1 { "" } else { "s" })
                })
                .collect();
            format!("every {}", words.join(" "))
        }
    }
}

/// The time-of-day part: "at 09:00 and 17:00", "every 15 minutes between
/// 09:00 and 17:59", "at minute 0 of every 2nd hour", ...
fn describe_time(minutes: &[u8], hours: &[u8]) -> String {
    let every_minutes = every_minutes_phrase(minutes);
    let all_hours = hours.len() == 24;
    if every_minutes.is_none() && !all_hours && minutes.len() * hours.len() <= 6 {
        let times: Vec<String> = hours
            .iter()
            .flat_map(|h| minutes.iter().map(move |m| format!("{h:02}:{m:02}")))
            .collect();
        return format!("at {}", join_and(&times));
    }

    let is_every = every_minutes.is_some();
    let mut text = every_minutes.unwrap_or_else(|| match minutes {
        [minute] => format!("at minute {minute}"),
        _ => format!("at minutes {}", number_list(minutes)),
    });
    if all_hours {
        if !is_every {
            text.push_str(" of every hour");
        }
        return text;
    }
    if let Some((first, last)) = contiguous(hours) {
        if is_every || first == last {
            text.push_str(&format!(" between {first:02}:00 and {last:02}:59"));
        } else {
            text.push_str(&format!(
                " of every hour from {first:02}:00 through {last:02}:00"
            ));
        }
    } else if let Some(step) = progression_from_min(hours, HOURS) {
        let joiner = if is_every { "during" } else { "of" };
        text.push_str(&format!(" {joiner} every {} hour", ordinal(step)));
    } else {
        let joiner = if is_every { "during" } else { "past" };
        text.push_str(&format!(" {joiner} hours {}", number_list(hours)));
    }
    text
}

/// "every minute", "every 15 minutes", or, when the step does not divide the
/// hour (`*/45` fires at :00 and :45), the literal "at every 45th minute".
fn every_minutes_phrase(minutes: &[u8]) -> Option<String> {
    let step = progression_from_min(minutes, MINUTES)?;
    Some(match step {
        1 => "every minute".to_owned(),
        step if 60 % step == 0 => format!("every {step} minutes"),
        step => format!("at every {} minute", ordinal(step)),
    })
}

fn day_of_month_phrase(days: &[u8]) -> String {
    match days {
        [] => "on no day of the month".to_owned(),
        [day] => format!("on day {day} of the month"),
        _ => match progression_from_min(days, DAYS_OF_MONTH) {
            Some(step) if step > 1 => format!("on every {} day of the month", ordinal(step)),
            _ => format!("on days {} of the month", number_list(days)),
        },
    }
}

fn weekday_phrase(days: &[u8]) -> String {
    format!("on {}", name_list(days, |d| WEEKDAY_NAMES[usize::from(d)]))
}

/// If `values` is `min, min+s, min+2s, ...` running to the end of the field
/// (what `*/s` produces), returns `s`.
fn progression_from_min(values: &[u8], bounds: Bounds) -> Option<u64> {
    let (&first, &last) = (values.first()?, values.last()?);
    if values.len() < 2 || u64::from(first) != bounds.min {
        return None;
    }
    let step = values[1] - values[0];
    let uniform = values.windows(2).all(|pair| pair[1] - pair[0] == step);
    (uniform && u64::from(last) + u64::from(step) > bounds.max).then_some(u64::from(step))
}

/// `(first, last)` if `values` is one unbroken run.
fn contiguous(values: &[u8]) -> Option<(u8, u8)> {
    let (&first, &last) = (values.first()?, values.last()?);
    (usize::from(last - first) + 1 == values.len()).then_some((first, last))
}

/// Consecutive runs of three or more values, as `(first, last)`; shorter
/// runs are split into single values.
fn runs(values: &[u8]) -> Vec<(u8, u8)> {
    let mut out: Vec<(u8, u8)> = Vec::new();
    for &value in values {
        match out.last_mut() {
            Some((_, last)) if *last + 1 == value => *last = value,
            _ => out.push((value, value)),
        }
    }
    out.into_iter()
        .flat_map(|(first, last)| {
            if last - first >= 2 {
                vec![(first, last)]
            } else {
                (first..=last).map(|v| (v, v)).collect()
            }
        })
        .collect()
}

fn number_list(values: &[u8]) -> String {
    let items: Vec<String> = runs(values)
        .into_iter()
        .map(|(first, last)| {
            if first == last {
                first.to_string()
            } else {
                format!("{first}-{last}")
            }
        })
        .collect();
    join_and(&items)
}

fn name_list(values: &[u8], name: impl Fn(u8) -> &'static str) -> String {
    let items: Vec<String> = runs(values)
        .into_iter()
        .map(|(first, last)| {
            if first == last {
                name(first).to_owned()
            } else {
                format!("{} through {}", name(first), name(last))
            }
        })
        .collect();
    join_and(&items)
}

fn join_and(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [only] => only.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

fn ordinal(n: u64) -> String {
    let suffix = match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

fn floor_to_second(ts: Timestamp) -> Option<i64> {
    let seconds = ts.as_second();
    if ts.subsec_nanosecond() < 0 {
        seconds.checked_sub(1)
    } else {
        Some(seconds)
    }
}

/// Wall-clock reading and construction in one zone, the way Go's `time`
/// package does it. Instants are whole Unix seconds.
struct Clock<'a> {
    tz: &'a TimeZone,
}

impl Clock<'_> {
    fn civil(&self, t: i64) -> Option<DateTime> {
        Some(self.tz.to_datetime(Timestamp::from_second(t).ok()?))
    }

    fn offset_at(&self, t: i64) -> Option<i64> {
        Some(i64::from(
            self.tz.to_offset(Timestamp::from_second(t).ok()?).seconds(),
        ))
    }

    /// Go's `time.Date`: month and day overflow roll into the next year or
    /// month, and a wall time in a DST gap is resolved with Go's two-step
    /// offset lookup (New York's missing 02:30 becomes 01:30 EST, not 03:30
    /// EDT), which robfig's midnight fix-up relies on.
    fn date(&self, year: i16, month: i64, day: i64, time: Time) -> Option<i64> {
        let month_index = month.checked_sub(1)?;
        let year = i64::from(year).checked_add(month_index.div_euclid(12))?;
        let month = i8::try_from(month_index.rem_euclid(12) + 1).ok()?;
        let first = Date::new(i16::try_from(year).ok()?, month, 1).ok()?;
        let date = first
            .checked_add(Span::new().try_days(day.checked_sub(1)?).ok()?)
            .ok()?;
        let wall = Offset::UTC
            .to_timestamp(date.to_datetime(time))
            .ok()?
            .as_second();
        let guess = self.offset_at(wall)?;
        Some(wall - self.offset_at(wall.checked_sub(guess)?)?)
    }

    /// Go's `t.AddDate(0, months, days)`: same wall time, shifted date.
    fn add_date(&self, t: i64, months: i64, days: i64) -> Option<i64> {
        let now = self.civil(t)?;
        self.date(
            now.year(),
            i64::from(now.month()) + months,
            i64::from(now.day()) + days,
            now.time(),
        )
    }
}

/// A port of robfig's `SpecSchedule.Next` (the seconds field is always `0`).
fn next_fire(bits: &FieldBits, tz: &TimeZone, after: Timestamp) -> Option<Timestamp> {
    let clock = Clock { tz };
    let hour_of = |t: i64| clock.civil(t).map(|dt| dt.hour());
    let midnight = Time::midnight();

    // Start at the upcoming whole second.
    let mut t = floor_to_second(after)?.checked_add(1)?;
    let mut added = false;
    let year_limit = clock.civil(t)?.year().checked_add(SEARCH_YEARS)?;
    let mut steps = 0u32;
    let mut tick = || {
        steps += 1;
        (steps < MAX_SEARCH_STEPS).then_some(())
    };

    'wrap: loop {
        if clock.civil(t)?.year() > year_limit {
            return None;
        }

        while bits.month & (1 << now_field(&clock, t, |dt| dt.month())?) == 0 {
            tick()?;
            if !added {
                added = true;
                let now = clock.civil(t)?;
                t = clock.date(now.year(), i64::from(now.month()), 1, midnight)?;
            }
            t = clock.add_date(t, 1, 0)?;
            if clock.civil(t)?.month() == 1 {
                continue 'wrap;
            }
        }

        while !bits.day_matches(clock.civil(t)?.date()) {
            tick()?;
            if !added {
                added = true;
                let now = clock.civil(t)?;
                t = clock.date(
                    now.year(),
                    i64::from(now.month()),
                    i64::from(now.day()),
                    midnight,
                )?;
            }
            t = clock.add_date(t, 0, 1)?;
            // Where DST skips midnight, Go's Date lands on 23:00 or 01:00;
            // robfig nudges it back to the intended day.
            let hour = i64::from(hour_of(t)?);
            if hour != 0 {
                t += if hour > 12 {
                    (24 - hour) * 3600
                } else {
                    -hour * 3600
                };
            }
            if clock.civil(t)?.day() == 1 {
                continue 'wrap;
            }
        }

        while bits.hour & (1 << now_field(&clock, t, |dt| dt.hour())?) == 0 {
            tick()?;
            if !added {
                added = true;
                let now = clock.civil(t)?;
                let hour_start = Time::new(now.hour(), 0, 0, 0).ok()?;
                t = clock.date(
                    now.year(),
                    i64::from(now.month()),
                    i64::from(now.day()),
                    hour_start,
                )?;
            }
            t += 3600;
            if hour_of(t)? == 0 {
                continue 'wrap;
            }
        }

        while bits.minute & (1 << now_field(&clock, t, |dt| dt.minute())?) == 0 {
            tick()?;
            if !added {
                added = true;
                // Go truncates the instant, not the wall clock.
                t = t.div_euclid(60) * 60;
            }
            t += 60;
            if clock.civil(t)?.minute() == 0 {
                continue 'wrap;
            }
        }

        // Seconds must be 0.
        while clock.civil(t)?.second() != 0 {
            tick()?;
            added = true;
            t += 1;
            if clock.civil(t)?.second() == 0 {
                continue 'wrap;
            }
        }

        return Timestamp::from_second(t).ok();
    }
}

/// One wall-clock field of `t`, as a bit index.
fn now_field(clock: &Clock<'_>, t: i64, field: impl Fn(&DateTime) -> i8) -> Option<u32> {
    u32::try_from(field(&clock.civil(t)?)).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_time_zones_are_exact_iana_names() {
        assert!(is_valid_time_zone("Europe/Berlin"));
        assert!(is_valid_time_zone("UTC"));
        assert!(is_valid_time_zone("Etc/UTC"));
        assert!(!is_valid_time_zone("europe/berlin"));
        assert!(!is_valid_time_zone("utc"));
        assert!(!is_valid_time_zone("Local"));
        assert!(!is_valid_time_zone(""));
        assert!(!is_valid_time_zone("Etc/Unknown"));
    }

    #[test]
    fn go_location_loader() {
        assert_eq!(load_location(""), Ok(()));
        assert_eq!(load_location("Local"), Ok(()));
        let invalid = Err("time: invalid location name".to_owned());
        assert_eq!(load_location("/etc/localtime"), invalid);
        assert_eq!(load_location("a..b"), invalid);
        assert_eq!(
            load_location("Nowhere"),
            Err("unknown time zone Nowhere".to_owned())
        );
    }

    #[test]
    fn atoi_matches_go() {
        assert_eq!(go_atoi("42"), Ok(42));
        assert_eq!(go_atoi("+7"), Ok(7));
        assert_eq!(go_atoi("-0"), Ok(0));
        assert_eq!(go_atoi("-9223372036854775808"), Ok(i64::MIN));
        assert_eq!(go_atoi("9223372036854775807"), Ok(i64::MAX));
        let range = |s: &str| Err(format!("strconv.Atoi: parsing \"{s}\": value out of range"));
        assert_eq!(go_atoi("9223372036854775808"), range("9223372036854775808"));
        assert_eq!(
            go_atoi("-9223372036854775809"),
            range("-9223372036854775809")
        );
        // Overflow is noticed before the trailing junk.
        assert_eq!(
            go_atoi("99999999999999999999x"),
            range("99999999999999999999x")
        );
        let syntax = |s: &str| Err(format!("strconv.Atoi: parsing \"{s}\": invalid syntax"));
        assert_eq!(go_atoi("1_000"), syntax("1_000"));
        assert_eq!(
            go_atoi("x99999999999999999999"),
            syntax("x99999999999999999999")
        );
        assert_eq!(go_atoi("+"), syntax("+"));
        assert_eq!(go_atoi(""), syntax(""));
        assert_eq!(go_atoi(" 1"), syntax(" 1"));
    }

    #[test]
    fn durations_match_go() {
        assert_eq!(parse_go_duration("1h30m"), Ok(5_400_000_000_000));
        assert_eq!(parse_go_duration("1.5h"), Ok(5_400_000_000_000));
        assert_eq!(parse_go_duration(".5s"), Ok(500_000_000));
        assert_eq!(parse_go_duration("1.s"), Ok(1_000_000_000));
        assert_eq!(parse_go_duration("-0"), Ok(0));
        assert_eq!(parse_go_duration("0s"), Ok(0));
        assert_eq!(parse_go_duration("+3ns"), Ok(3));
        assert_eq!(parse_go_duration("-9223372036854775808ns"), Ok(i64::MIN));
        assert_eq!(
            parse_go_duration("9223372036854775808ns"),
            Err(r#"time: invalid duration "9223372036854775808ns""#.to_owned())
        );
        assert_eq!(
            parse_go_duration("1"),
            Err(r#"time: missing unit in duration "1""#.to_owned())
        );
        assert_eq!(
            parse_go_duration("1h\u{1f600}"),
            Err(
                r#"time: unknown unit "h\xf0\x9f\x98\x80" in duration "1h\xf0\x9f\x98\x80""#
                    .to_owned()
            )
        );
        assert_eq!(
            parse_go_duration("1\"s"),
            Err(r#"time: unknown unit "\"s" in duration "1\"s""#.to_owned())
        );
    }

    #[test]
    fn strconv_quote_matches_go() {
        assert_eq!(go_strconv_quote(r#"a"b\c"#), r#""a\"b\\c""#);
        assert_eq!(go_strconv_quote("\u{0}\u{7f}\u{85}"), r#""\x00\x7f\u0085""#);
        assert_eq!(go_strconv_quote("\u{e9}\u{1f600}"), "\"\u{e9}\u{1f600}\"");
        assert_eq!(
            go_strconv_quote("\u{feff}\u{f0000}"),
            r#""\ufeff\U000f0000""#
        );
    }

    #[test]
    fn go_date_resolves_gaps_like_go() {
        let tz = TimeZone::get("America/New_York").unwrap();
        let clock = Clock { tz: &tz };
        let utc = |t: i64| Timestamp::from_second(t).unwrap().to_string();
        // 2026-03-08 02:30 does not exist; Go yields 01:30 EST (06:30Z).
        let t = clock
            .date(2026, 3, 8, Time::new(2, 30, 0, 0).unwrap())
            .unwrap();
        assert_eq!(utc(t), "2026-03-08T06:30:00Z");
        // 2026-11-01 01:30 happens twice; Go picks the first (EDT).
        let t = clock
            .date(2026, 11, 1, Time::new(1, 30, 0, 0).unwrap())
            .unwrap();
        assert_eq!(utc(t), "2026-11-01T05:30:00Z");
        // Month 13 and day 32 roll over.
        let t = clock.date(2025, 13, 32, Time::midnight()).unwrap();
        assert_eq!(utc(t), "2026-02-01T05:00:00Z");
    }
}
