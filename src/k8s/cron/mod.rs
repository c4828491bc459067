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

mod describe;
mod explain;
mod go;
mod next;
mod parse;
mod tz;

pub use explain::{ExplainError, Explained, explain};
pub use go::go_strconv_quote;
pub use parse::parse_standard;
use tz::lookup_time_zone;
pub use tz::{is_valid_time_zone, time_zone, time_zone_in_canonical_case, time_zone_names};

use std::fmt;
use std::ops::Range;
use std::sync::OnceLock;
use std::time::Duration;

use jiff::civil::{Date, DateTime, Time};
use jiff::tz::{Offset, TimeZone, TimeZoneDatabase};
use jiff::{Span, Timestamp, Zoned};

/// robfig marks a field written as `*` or `?` (with step 1) by setting bit 63.
pub(super) const STAR_BIT: u64 = 1 << 63;

/// robfig gives up looking for the next fire time after five years.
pub(super) const SEARCH_YEARS: i16 = 5;

/// Hard cap on loop iterations in [`next_fire`]; a legitimate five-year search
/// needs far fewer, so hitting it only guards against an unforeseen loop.
pub(super) const MAX_SEARCH_STEPS: u32 = 5_000_000;

/// The allowed values of one field, plus the names it accepts.
#[derive(Clone, Copy)]
pub(super) struct Bounds {
    pub(super) min: u64,
    pub(super) max: u64,
    pub(super) names: &'static [(&'static str, u64)],
}

pub(super) const MINUTES: Bounds = Bounds {
    min: 0,
    max: 59,
    names: &[],
};
pub(super) const HOURS: Bounds = Bounds {
    min: 0,
    max: 23,
    names: &[],
};
pub(super) const DAYS_OF_MONTH: Bounds = Bounds {
    min: 1,
    max: 31,
    names: &[],
};
pub(super) const MONTHS: Bounds = Bounds {
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
pub(super) const DAYS_OF_WEEK: Bounds = Bounds {
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
pub(super) const WEEKDAY_NAMES: [&str; 7] = [
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
    pub(super) fn new(message: impl Into<String>, span: Range<usize>) -> Self {
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
    pub(super) kind: ScheduleKind,
}

impl Schedule {
    pub fn kind(&self) -> &ScheduleKind {
        &self.kind
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

    pub(super) fn day_matches(&self, date: Date) -> bool {
        let dom_match = self.dom & (1 << date.day()) != 0;
        let dow_match = self.dow & (1 << date.weekday().to_sunday_zero_offset()) != 0;
        if self.dom_star() || self.dow_star() {
            dom_match && dow_match
        } else {
            dom_match || dow_match
        }
    }

    pub(super) fn can_fire(&self) -> bool {
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
}

/// The values set in `bits` within `bounds` (the star bit excluded).
pub(super) fn values(bits: u64, bounds: Bounds) -> Vec<u8> {
    (bounds.min..=bounds.max)
        .filter(|&v| bits & (1 << v) != 0)
        .filter_map(|v| u8::try_from(v).ok())
        .collect()
}

pub(super) fn longest_month_length(month: u8) -> u8 {
    match month {
        2 => 29,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}
