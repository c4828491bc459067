//! A schedule in words (`at 02:00 on Mondays`), for help texts and `explain-schedule`.

use super::*;
use crate::model::text::join_and;

impl Schedule {
    /// Plain-English description, e.g. "at 23:30 every day".
    pub fn describe(&self) -> String {
        match self.kind {
            ScheduleKind::Every(interval) => describe_interval(interval),
            ScheduleKind::Fields(bits) => bits.describe(),
        }
    }
}

impl FieldBits {
    pub(super) fn describe(&self) -> String {
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

pub(super) fn describe_interval(interval: Duration) -> String {
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
pub(super) fn describe_time(minutes: &[u8], hours: &[u8]) -> String {
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
pub(super) fn every_minutes_phrase(minutes: &[u8]) -> Option<String> {
    let step = progression_from_min(minutes, MINUTES)?;
    Some(match step {
        1 => "every minute".to_owned(),
        step if 60 % step == 0 => format!("every {step} minutes"),
        step => format!("at every {} minute", ordinal(step)),
    })
}

pub(super) fn day_of_month_phrase(days: &[u8]) -> String {
    match days {
        [] => "on no day of the month".to_owned(),
        [day] => format!("on day {day} of the month"),
        _ => match progression_from_min(days, DAYS_OF_MONTH) {
            Some(step) if step > 1 => format!("on every {} day of the month", ordinal(step)),
            _ => format!("on days {} of the month", number_list(days)),
        },
    }
}

pub(super) fn weekday_phrase(days: &[u8]) -> String {
    format!("on {}", name_list(days, |d| WEEKDAY_NAMES[usize::from(d)]))
}

/// If `values` is `min, min+s, min+2s, ...` running to the end of the field
/// (what `*/s` produces), returns `s`.
pub(super) fn progression_from_min(values: &[u8], bounds: Bounds) -> Option<u64> {
    let (&first, &last) = (values.first()?, values.last()?);
    if values.len() < 2 || u64::from(first) != bounds.min {
        return None;
    }
    let step = values[1] - values[0];
    let uniform = values.windows(2).all(|pair| pair[1] - pair[0] == step);
    (uniform && u64::from(last) + u64::from(step) > bounds.max).then_some(u64::from(step))
}

/// `(first, last)` if `values` is one unbroken run.
pub(super) fn contiguous(values: &[u8]) -> Option<(u8, u8)> {
    let (&first, &last) = (values.first()?, values.last()?);
    (usize::from(last - first) + 1 == values.len()).then_some((first, last))
}

/// Consecutive runs of three or more values, as `(first, last)`; shorter
/// runs are split into single values.
pub(super) fn runs(values: &[u8]) -> Vec<(u8, u8)> {
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

pub(super) fn number_list(values: &[u8]) -> String {
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

pub(super) fn name_list(values: &[u8], name: impl Fn(u8) -> &'static str) -> String {
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

pub(super) fn ordinal(n: u64) -> String {
    let suffix = match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}
