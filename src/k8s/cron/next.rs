//! The next fire times, as robfig's `Schedule.Next` computes them (daylight-saving quirks
//! included), which is what the CronJob controller does.

use super::*;

impl Schedule {
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
}

pub(super) fn floor_to_second(ts: Timestamp) -> Option<i64> {
    let seconds = ts.as_second();
    if ts.subsec_nanosecond() < 0 {
        seconds.checked_sub(1)
    } else {
        Some(seconds)
    }
}

/// Wall-clock reading and construction in one zone, the way Go's `time`
/// package does it. Instants are whole Unix seconds.
pub(super) struct Clock<'a> {
    tz: &'a TimeZone,
}

impl Clock<'_> {
    pub(super) fn civil(&self, t: i64) -> Option<DateTime> {
        Some(self.tz.to_datetime(Timestamp::from_second(t).ok()?))
    }

    pub(super) fn offset_at(&self, t: i64) -> Option<i64> {
        Some(i64::from(
            self.tz.to_offset(Timestamp::from_second(t).ok()?).seconds(),
        ))
    }

    /// Go's `time.Date`: month and day overflow roll into the next year or
    /// month, and a wall time in a DST gap is resolved with Go's two-step
    /// offset lookup (New York's missing 02:30 becomes 01:30 EST, not 03:30
    /// EDT), which robfig's midnight fix-up relies on.
    pub(super) fn date(&self, year: i16, month: i64, day: i64, time: Time) -> Option<i64> {
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
    pub(super) fn add_date(&self, t: i64, months: i64, days: i64) -> Option<i64> {
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
pub(super) fn next_fire(bits: &FieldBits, tz: &TimeZone, after: Timestamp) -> Option<Timestamp> {
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
pub(super) fn now_field(clock: &Clock<'_>, t: i64, field: impl Fn(&DateTime) -> i8) -> Option<u32> {
    u32::try_from(field(&clock.civil(t)?)).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

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
