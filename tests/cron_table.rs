//! Verdicts of robfig/cron v3.0.1 `ParseStandard` (what the Kubernetes API
//! server runs on `spec.schedule`) for a curated set of schedules.

use std::time::Duration;

use jiff::Zoned;
use kubevet::cron::{ScheduleKind, is_valid_time_zone, parse_standard};

/// robfig's verdict on one expression.
#[derive(Debug)]
enum Verdict {
    /// Parses and fires at least once.
    Fires,
    /// Parses, but can never fire.
    NeverFires,
    /// Rejected with this exact message; the span is `start..end`.
    Error(&'static str, usize, usize),
}

use Verdict::{Error, Fires, NeverFires};

const TABLE: &[(&str, Verdict)] = &[
    // Plain fields.
    ("* * * * *", Fires),
    ("*/15 * * * *", Fires),
    ("30 23 * * *", Fires),
    ("0 0 13 * 5", Fires),
    ("0 9 * * 1-5", Fires),
    ("00 09 * * *", Fires),
    ("59 23 31 12 6", Fires),
    ("0 0 * * 0,6", Fires),
    ("0 0 31 * *", Fires),
    // Names: three letters, any case, also in ranges and as a range start.
    ("0 9 * * MON-FRI", Fires),
    ("0 0 1 Jan,jUL *", Fires),
    ("0 0 * * sun", Fires),
    ("0 0 * jan/2 *", Fires),
    // Go's ToLower maps U+0130 to 'i', so this is Friday.
    ("0 0 * * FR\u{130}", Fires),
    // `?` is `*`; steps, `N/step`, empty list items, `*-anything`, `+N`.
    ("0 0 * * ?", Fires),
    ("0 0 ? * *", Fires),
    ("*/1 * * * *", Fires),
    ("5/15 * * * *", Fires),
    ("0 0 1-31/2 * *", Fires),
    ("1,,2 * * * *", Fires),
    ("*-5 * * * *", Fires),
    ("+5 * * * *", Fires),
    // Day-of-month that exists only in leap years, or ORed with a weekday.
    ("0 0 29 2 *", Fires),
    ("0 0 30 2 1", Fires),
    ("0 0 30 2 */2", Fires),
    // Descriptors.
    ("@yearly", Fires),
    ("@annually", Fires),
    ("@monthly", Fires),
    ("@weekly", Fires),
    ("@daily", Fires),
    ("@midnight", Fires),
    ("@hourly", Fires),
    ("@every 1h30m", Fires),
    ("@every 90s", Fires),
    ("@every 1.5h", Fires),
    ("@every 500ms", Fires),
    ("@every 0", Fires),
    ("@every -1h", Fires),
    ("@every 1\u{b5}s", Fires),
    // Time zone prefixes (robfig accepts them; Kubernetes >= 1.29 does not).
    ("TZ=UTC 0 0 * * *", Fires),
    ("CRON_TZ=Europe/Berlin 30 2 * * *", Fires),
    ("TZ=America/New_York @daily", Fires),
    ("TZ= 0 0 * * *", Fires),
    ("TZ=Local * * * * *", Fires),
    ("CRON_TZ=Asia/Tokyo   */5 * * * *  ", Fires),
    ("TZ=UTC  @every 5m", Fires),
    // White space is Go's strings.Fields: any Unicode white space.
    ("  0 0 * * *  ", Fires),
    ("0\t0\t*\t*\t*", Fires),
    ("0 0 * * *\n", Fires),
    ("0\u{a0}0 * * *", Fires),
    // Parse, but never fire.
    ("0 0 30 2 *", NeverFires),
    ("0 0 31 2 *", NeverFires),
    ("0 0 31 4,6,9,11 *", NeverFires),
    ("0 0 30 2 ?", NeverFires),
    ("0 0 30 2 */1", NeverFires),
    (", * * * *", NeverFires),
    ("0 , * * *", NeverFires),
    ("0 0 * , *", NeverFires),
    ("0 0 , * ,", NeverFires),
    // Field count.
    ("", Error("empty spec string", 0, 0)),
    ("   ", Error("expected exactly 5 fields, found 0: []", 0, 3)),
    (
        "0 0 * * * *",
        Error("expected exactly 5 fields, found 6: [0 0 * * * *]", 10, 11),
    ),
    (
        "0 0 1 1 * 2026",
        Error(
            "expected exactly 5 fields, found 6: [0 0 1 1 * 2026]",
            10,
            14,
        ),
    ),
    (
        "0 0 * *",
        Error("expected exactly 5 fields, found 4: [0 0 * *]", 0, 7),
    ),
    (
        " @daily",
        Error("expected exactly 5 fields, found 1: [@daily]", 0, 7),
    ),
    (
        "tz=UTC 0 0 * * *",
        Error(
            "expected exactly 5 fields, found 6: [tz=UTC 0 0 * * *]",
            15,
            16,
        ),
    ),
    (
        "TZ=UTC ",
        Error("expected exactly 5 fields, found 0: []", 0, 7),
    ),
    (
        "CRON_TZ=UTC 0 0 * * * *",
        Error("expected exactly 5 fields, found 6: [0 0 * * * *]", 22, 23),
    ),
    // Bounds.
    (
        "0 24 * * *",
        Error("end of range (24) above maximum (23): 24", 2, 4),
    ),
    (
        "60 * * * *",
        Error("end of range (60) above maximum (59): 60", 0, 2),
    ),
    (
        "0-60 * * * *",
        Error("end of range (60) above maximum (59): 0-60", 0, 4),
    ),
    (
        "0 0 0 * *",
        Error("beginning of range (0) below minimum (1): 0", 4, 5),
    ),
    (
        "0 0 32 * *",
        Error("end of range (32) above maximum (31): 32", 4, 6),
    ),
    (
        "0 0 * 0 *",
        Error("beginning of range (0) below minimum (1): 0", 6, 7),
    ),
    (
        "0 0 * 13 *",
        Error("end of range (13) above maximum (12): 13", 6, 8),
    ),
    (
        "0 0 * * 7",
        Error("end of range (7) above maximum (6): 7", 8, 9),
    ),
    (
        "0 0 * * 1-7",
        Error("end of range (7) above maximum (6): 1-7", 8, 11),
    ),
    (
        "0 0 * * 1,8",
        Error("end of range (8) above maximum (6): 8", 10, 11),
    ),
    (
        "0 0 0/0 * *",
        Error("beginning of range (0) below minimum (1): 0/0", 4, 7),
    ),
    (
        "0 0 * * 9223372036854775807",
        Error(
            "end of range (9223372036854775807) above maximum (6): 9223372036854775807",
            8,
            27,
        ),
    ),
    // Range shape.
    (
        "5-1 * * * *",
        Error("beginning of range (5) beyond end of range (1): 5-1", 0, 3),
    ),
    (
        "0 0 * * fri-mon",
        Error(
            "beginning of range (5) beyond end of range (1): fri-mon",
            8,
            15,
        ),
    ),
    ("1-2-3 * * * *", Error("too many hyphens: 1-2-3", 0, 5)),
    ("0 0 1--2 * *", Error("too many hyphens: 1--2", 4, 8)),
    ("*/2/3 * * * *", Error("too many slashes: */2/3", 0, 5)),
    // Steps.
    (
        "*/0 * * * *",
        Error("step of range should be a positive number: */0", 0, 3),
    ),
    (
        "0 0 * * 0/0",
        Error("step of range should be a positive number: 0/0", 8, 11),
    ),
    (
        "1-2/0 * * * *",
        Error("step of range should be a positive number: 1-2/0", 0, 5),
    ),
    (
        "*/-1 * * * *",
        Error("negative number (-1) not allowed: -1", 2, 4),
    ),
    (
        "*/-9223372036854775808 * * * *",
        Error(
            "negative number (-9223372036854775808) not allowed: -9223372036854775808",
            2,
            22,
        ),
    ),
    (
        "*/x * * * *",
        Error(
            "failed to parse int from x: strconv.Atoi: parsing \"x\": invalid syntax",
            2,
            3,
        ),
    ),
    (
        "0 0 * */feb *",
        Error(
            "failed to parse int from feb: strconv.Atoi: parsing \"feb\": invalid syntax",
            8,
            11,
        ),
    ),
    (
        "0 0 */ * *",
        Error(
            "failed to parse int from : strconv.Atoi: parsing \"\": invalid syntax",
            4,
            6,
        ),
    ),
    // Numbers and names robfig cannot read.
    (
        "x * * * *",
        Error(
            "failed to parse int from x: strconv.Atoi: parsing \"x\": invalid syntax",
            0,
            1,
        ),
    ),
    (
        "-1 * * * *",
        Error(
            "failed to parse int from : strconv.Atoi: parsing \"\": invalid syntax",
            0,
            2,
        ),
    ),
    (
        "0 0 * * 5-",
        Error(
            "failed to parse int from : strconv.Atoi: parsing \"\": invalid syntax",
            8,
            10,
        ),
    ),
    (
        "1.5 * * * *",
        Error(
            "failed to parse int from 1.5: strconv.Atoi: parsing \"1.5\": invalid syntax",
            0,
            3,
        ),
    ),
    (
        "0 0 * * Monday",
        Error(
            "failed to parse int from Monday: strconv.Atoi: parsing \"Monday\": invalid syntax",
            8,
            14,
        ),
    ),
    (
        "0 0 L * *",
        Error(
            "failed to parse int from L: strconv.Atoi: parsing \"L\": invalid syntax",
            4,
            5,
        ),
    ),
    (
        "0 0 15W * *",
        Error(
            "failed to parse int from 15W: strconv.Atoi: parsing \"15W\": invalid syntax",
            4,
            7,
        ),
    ),
    (
        "0 0 * * 5#3",
        Error(
            "failed to parse int from 5#3: strconv.Atoi: parsing \"5#3\": invalid syntax",
            8,
            11,
        ),
    ),
    (
        "99999999999999999999 * * * *",
        Error(
            "failed to parse int from 99999999999999999999: strconv.Atoi: parsing \"99999999999999999999\": value out of range",
            0,
            20,
        ),
    ),
    (
        "0 0 * * 9223372036854775808",
        Error(
            "failed to parse int from 9223372036854775808: strconv.Atoi: parsing \"9223372036854775808\": value out of range",
            8,
            27,
        ),
    ),
    (
        "0 0 * * M\u{f6}nday",
        Error(
            "failed to parse int from M\u{f6}nday: strconv.Atoi: parsing \"M\u{f6}nday\": invalid syntax",
            8,
            15,
        ),
    ),
    (
        "0 0 * * 1\u{200b}",
        Error(
            "failed to parse int from 1\u{200b}: strconv.Atoi: parsing \"1\\u200b\": invalid syntax",
            8,
            12,
        ),
    ),
    (
        "0 0 * * 1\u{7}",
        Error(
            "failed to parse int from 1\u{7}: strconv.Atoi: parsing \"1\\a\": invalid syntax",
            8,
            10,
        ),
    ),
    // Descriptors.
    ("@Daily", Error("unrecognized descriptor: @Daily", 0, 6)),
    ("@reboot", Error("unrecognized descriptor: @reboot", 0, 7)),
    ("@every", Error("unrecognized descriptor: @every", 0, 6)),
    ("@daily ", Error("unrecognized descriptor: @daily ", 0, 7)),
    (
        "TZ=UTC @Daily",
        Error("unrecognized descriptor: @Daily", 7, 13),
    ),
    (
        "@every 90",
        Error(
            "failed to parse duration @every 90: time: missing unit in duration \"90\"",
            7,
            9,
        ),
    ),
    (
        "@every ",
        Error(
            "failed to parse duration @every : time: invalid duration \"\"",
            0,
            7,
        ),
    ),
    (
        "@every 1d",
        Error(
            "failed to parse duration @every 1d: time: unknown unit \"d\" in duration \"1d\"",
            7,
            9,
        ),
    ),
    (
        "@every abc",
        Error(
            "failed to parse duration @every abc: time: invalid duration \"abc\"",
            7,
            10,
        ),
    ),
    (
        "@every .s",
        Error(
            "failed to parse duration @every .s: time: invalid duration \".s\"",
            7,
            9,
        ),
    ),
    (
        "@every -",
        Error(
            "failed to parse duration @every -: time: invalid duration \"-\"",
            7,
            8,
        ),
    ),
    (
        "@every 9999999999h",
        Error(
            "failed to parse duration @every 9999999999h: time: invalid duration \"9999999999h\"",
            7,
            18,
        ),
    ),
    (
        "@every 1h ",
        Error(
            "failed to parse duration @every 1h : time: unknown unit \"h \" in duration \"1h \"",
            7,
            10,
        ),
    ),
    (
        "@every 1h\u{a0}",
        Error(
            "failed to parse duration @every 1h\u{a0}: time: unknown unit \"h\\xc2\\xa0\" in duration \"1h\\xc2\\xa0\"",
            7,
            11,
        ),
    ),
    // Time zone prefixes.
    (
        "TZ=Foo/Bar 0 0 * * *",
        Error(
            "provided bad location Foo/Bar: unknown time zone Foo/Bar",
            3,
            10,
        ),
    ),
    (
        "TZ=europe/berlin 0 0 * * *",
        Error(
            "provided bad location europe/berlin: unknown time zone europe/berlin",
            3,
            16,
        ),
    ),
    (
        "CRON_TZ=../etc/passwd 0 0 * * *",
        Error(
            "provided bad location ../etc/passwd: time: invalid location name",
            8,
            21,
        ),
    ),
    (
        "TZ=UTC\t0 0 * * *",
        Error(
            "provided bad location UTC\t0: unknown time zone UTC\t0",
            3,
            8,
        ),
    ),
    // robfig panics without a space after the zone; Kubernetes recovers and
    // reports this.
    (
        "CRON_TZ=UTC",
        Error(
            "invalid schedule format: runtime error: slice bounds out of range [:-1]",
            0,
            11,
        ),
    ),
    (
        "TZ=UTC",
        Error(
            "invalid schedule format: runtime error: slice bounds out of range [:-1]",
            0,
            6,
        ),
    ),
];

#[test]
fn table_matches_robfig() {
    assert!(TABLE.len() >= 70, "table has only {} rows", TABLE.len());
    let mut failures = Vec::new();
    for (expr, verdict) in TABLE {
        let outcome = parse_standard(expr);
        let ok = match (verdict, &outcome) {
            (Fires, Ok(parsed)) => !parsed.schedule.never_fires(),
            (NeverFires, Ok(parsed)) => parsed.schedule.never_fires(),
            (Error(message, start, end), Err(err)) => {
                err.message == *message && err.span == (*start..*end)
            }
            _ => false,
        };
        if !ok {
            failures.push(format!("{expr:?}: expected {verdict:?}, got {outcome:?}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

fn schedule(expr: &str) -> kubevet::cron::Schedule {
    parse_standard(expr)
        .unwrap_or_else(|e| panic!("{expr:?} should parse: {e}"))
        .schedule
}

fn zoned(text: &str) -> Zoned {
    text.parse()
        .unwrap_or_else(|e| panic!("bad test time {text:?}: {e}"))
}

fn fires(expr: &str, after: &str, n: usize) -> Vec<String> {
    schedule(expr)
        .next_fires(&zoned(after), n)
        .iter()
        .map(|z| z.to_string())
        .collect()
}

#[test]
fn next_fires_daily() {
    assert_eq!(
        fires("30 23 * * *", "2026-01-01T00:00:00+00:00[UTC]", 3),
        [
            "2026-01-01T23:30:00+00:00[UTC]",
            "2026-01-02T23:30:00+00:00[UTC]",
            "2026-01-03T23:30:00+00:00[UTC]",
        ]
    );
}

#[test]
fn next_fires_dom_or_dow() {
    // 2026-01-13 is a Tuesday: the 13th fires as well as every Friday.
    assert_eq!(
        fires("0 0 13 * 5", "2026-01-01T00:00:00+00:00[UTC]", 4),
        [
            "2026-01-02T00:00:00+00:00[UTC]",
            "2026-01-09T00:00:00+00:00[UTC]",
            "2026-01-13T00:00:00+00:00[UTC]",
            "2026-01-16T00:00:00+00:00[UTC]",
        ]
    );
    assert!(schedule("0 0 13 * 5").dom_and_dow_both_restricted());
    assert!(!schedule("0 0 13 * *").dom_and_dow_both_restricted());
    assert!(!schedule("0 0 13 * */1").dom_and_dow_both_restricted());
    assert!(schedule("0 0 13 * */2").dom_and_dow_both_restricted());
    assert!(!schedule("@weekly").dom_and_dow_both_restricted());
    assert!(!schedule("@every 1h").dom_and_dow_both_restricted());
}

#[test]
fn next_fires_leap_day() {
    assert_eq!(
        fires("0 0 29 2 *", "2026-03-01T00:00:00+00:00[UTC]", 2),
        [
            "2028-02-29T00:00:00+00:00[UTC]",
            "2032-02-29T00:00:00+00:00[UTC]"
        ]
    );
}

#[test]
fn next_fires_never() {
    assert!(fires("0 0 30 2 *", "2026-01-01T00:00:00+00:00[UTC]", 3).is_empty());
    assert!(fires(", * * * *", "2026-01-01T00:00:00+00:00[UTC]", 3).is_empty());
}

#[test]
fn next_fires_strictly_after() {
    assert_eq!(
        fires("0 * * * *", "2026-01-01T10:00:00+00:00[UTC]", 1),
        ["2026-01-01T11:00:00+00:00[UTC]"]
    );
    assert_eq!(
        fires("0 * * * *", "2026-01-01T09:59:59.999+00:00[UTC]", 1),
        ["2026-01-01T10:00:00+00:00[UTC]"]
    );
}

#[test]
fn next_fires_dst_spring_forward_skips_missing_time() {
    // 2026-03-08 02:30 does not exist in New York; robfig skips that day.
    assert_eq!(
        fires(
            "30 2 * * *",
            "2026-03-07T03:00:00-05:00[America/New_York]",
            2
        ),
        [
            "2026-03-09T02:30:00-04:00[America/New_York]",
            "2026-03-10T02:30:00-04:00[America/New_York]",
        ]
    );
}

#[test]
fn next_fires_dst_fall_back_repeats_time() {
    // 01:30 happens twice on 2026-11-01; robfig's Next returns both.
    assert_eq!(
        fires(
            "30 1 * * *",
            "2026-10-31T12:00:00-04:00[America/New_York]",
            3
        ),
        [
            "2026-11-01T01:30:00-04:00[America/New_York]",
            "2026-11-01T01:30:00-05:00[America/New_York]",
            "2026-11-02T01:30:00-05:00[America/New_York]",
        ]
    );
}

#[test]
fn next_fires_dst_missing_midnight() {
    // Brazil skipped 2018-11-04 00:00. robfig's hour search steps from 23:00
    // to 01:00 and never sees hour 0 that day.
    assert_eq!(
        fires(
            "0 0 * * *",
            "2018-11-03T12:00:00-03:00[America/Sao_Paulo]",
            1
        ),
        ["2018-11-05T00:00:00-02:00[America/Sao_Paulo]"]
    );
    // The day search lands on 01:00 of the 4th and so misses it too; Brazil
    // dropped DST in 2019, when midnight exists again.
    assert_eq!(
        fires(
            "0 0 4 11 *",
            "2018-11-01T12:00:00-03:00[America/Sao_Paulo]",
            1
        ),
        ["2019-11-04T00:00:00-03:00[America/Sao_Paulo]"]
    );
}

#[test]
fn next_fires_every() {
    assert_eq!(
        fires("@every 90s", "2026-01-01T00:00:00.5+00:00[UTC]", 2),
        [
            "2026-01-01T00:01:30+00:00[UTC]",
            "2026-01-01T00:03:00+00:00[UTC]"
        ]
    );
    assert_eq!(
        fires(
            "TZ=UTC @every 1h30m",
            "2026-01-01T00:00:00+01:00[Europe/Berlin]",
            1
        ),
        ["2026-01-01T01:30:00+01:00[Europe/Berlin]"]
    );
}

#[test]
fn every_durations_are_rounded_like_robfig() {
    let interval = |expr: &str| match schedule(expr).kind() {
        ScheduleKind::Every(d) => *d,
        other => panic!("{expr:?} is not @every: {other:?}"),
    };
    assert_eq!(interval("@every 1h30m"), Duration::from_secs(5400));
    assert_eq!(interval("@every 1.5h"), Duration::from_secs(5400));
    assert_eq!(interval("@every 1.9s"), Duration::from_secs(1));
    assert_eq!(interval("@every 500ms"), Duration::from_secs(1));
    assert_eq!(interval("@every 0"), Duration::from_secs(1));
    assert_eq!(interval("@every -1h"), Duration::from_secs(1));
    assert_eq!(interval("@every 2h0.5s"), Duration::from_secs(7200));
    assert_eq!(interval("@every 1\u{3bc}s"), Duration::from_secs(1));
}

#[test]
fn time_zone_prefix_is_reported() {
    let parsed = parse_standard("CRON_TZ=Europe/Berlin 30 2 * * *").unwrap();
    let prefix = parsed.tz_prefix.expect("prefix");
    assert_eq!(prefix.key, "CRON_TZ");
    assert_eq!(prefix.name, "Europe/Berlin");
    assert_eq!(prefix.span, 0..21);
    assert_eq!(
        prefix
            .time_zone()
            .and_then(|tz| tz.iana_name().map(str::to_owned))
            .as_deref(),
        Some("Europe/Berlin")
    );

    let prefix = parse_standard("TZ= 0 0 * * *")
        .unwrap()
        .tz_prefix
        .expect("prefix");
    assert_eq!(
        (prefix.key, prefix.name.as_str(), prefix.span.clone()),
        ("TZ", "", 0..3)
    );
    assert!(prefix.time_zone().is_some(), "an empty name is UTC in Go");

    let prefix = parse_standard("TZ=Local 0 0 * * *")
        .unwrap()
        .tz_prefix
        .expect("prefix");
    assert!(prefix.time_zone().is_none());

    assert!(parse_standard("0 0 * * *").unwrap().tz_prefix.is_none());
}

#[test]
fn descriptors_expand_like_robfig() {
    let same = |a: &str, b: &str| assert_eq!(schedule(a), schedule(b), "{a} vs {b}");
    same("@yearly", "0 0 1 1 *");
    same("@annually", "0 0 1 1 *");
    same("@monthly", "0 0 1 * *");
    same("@weekly", "0 0 * * 0");
    same("@daily", "0 0 * * *");
    same("@midnight", "0 0 * * *");
    same("@hourly", "0 * * * *");
    same("*-5 * * * *", "* * * * *");
    same("0 0 * * FR\u{130}", "0 0 * * 5");
    same("5/15 * * * *", "5,20,35,50 * * * *");
}

#[test]
fn describe_common_schedules() {
    let cases = [
        ("* * * * *", "every minute"),
        ("*/15 * * * *", "every 15 minutes"),
        ("0 * * * *", "at minute 0 of every hour"),
        ("@hourly", "at minute 0 of every hour"),
        ("5,35 * * * *", "at minutes 5 and 35 of every hour"),
        ("*/45 * * * *", "at every 45th minute"),
        ("30 23 * * *", "at 23:30 every day"),
        ("@daily", "at 00:00 every day"),
        ("0 0,12 * * *", "at 00:00 and 12:00 every day"),
        ("0 */2 * * *", "at minute 0 of every 2nd hour"),
        (
            "0 9-17 * * *",
            "at minute 0 of every hour from 09:00 through 17:00",
        ),
        ("@weekly", "at 00:00 on Sunday"),
        ("0 9 * * 1-5", "at 09:00 on Monday through Friday"),
        ("0 0 * * 1,3,5", "at 00:00 on Monday, Wednesday and Friday"),
        ("0 0 * * 0,6", "at 00:00 on Sunday and Saturday"),
        (
            "*/5 9-17 * * 1-5",
            "every 5 minutes between 09:00 and 17:59 on Monday through Friday",
        ),
        (
            "0,30 9-17 * * *",
            "every 30 minutes between 09:00 and 17:59",
        ),
        ("@monthly", "at 00:00 on day 1 of the month"),
        ("0 0 */2 * *", "at 00:00 on every 2nd day of the month"),
        (
            "0 0 13 * 5",
            "at 00:00 on day 13 of the month and on Friday",
        ),
        ("@yearly", "at 00:00 on January 1"),
        ("0 0 29 2 *", "at 00:00 on February 29"),
        (
            "0 0 1 */3 *",
            "at 00:00 on day 1 of the month in January, April, July and October",
        ),
        ("15 10 * 1,7 *", "at 10:15 every day in January and July"),
        ("@every 1h30m", "every 1 hour 30 minutes"),
        ("@every 90s", "every 1 minute 30 seconds"),
        ("@every 1h", "every hour"),
        (", * * * *", "never (the minute field selects no values)"),
    ];
    for (expr, expected) in cases {
        assert_eq!(schedule(expr).describe(), expected, "describe({expr:?})");
    }
}

#[test]
fn time_zone_names() {
    for valid in [
        "UTC",
        "Etc/UTC",
        "Europe/Berlin",
        "America/New_York",
        "Asia/Kolkata",
        "US/Eastern",
    ] {
        assert!(is_valid_time_zone(valid), "{valid} should be valid");
    }
    for invalid in [
        "",
        "Local",
        "utc",
        "europe/berlin",
        "EUROPE/BERLIN",
        "Europe/Berlin ",
        "Mars/Olympus",
        "Etc/Unknown",
        "../etc",
    ] {
        assert!(
            !is_valid_time_zone(invalid),
            "{invalid:?} should be invalid"
        );
    }
}

/// Garbage in, no panic out; spans always slice the input.
#[test]
fn garbage_never_panics() {
    const PIECES: &[&str] = &[
        "*",
        "?",
        "/",
        "-",
        ",",
        " ",
        "\t",
        "\n",
        "0",
        "1",
        "5",
        "7",
        "13",
        "31",
        "59",
        "60",
        "99999999999999999999",
        "9223372036854775808",
        "-9223372036854775808",
        "jan",
        "MON",
        "sun",
        "Fri",
        "L",
        "W",
        "#",
        "@",
        "@every ",
        "@daily",
        "TZ=",
        "CRON_TZ=",
        "UTC",
        "Europe/Berlin",
        "..",
        "h",
        "m",
        "s",
        "ms",
        "\u{b5}s",
        ".",
        "+",
        "\u{a0}",
        "\u{130}",
        "\u{200b}",
        "\u{1f600}",
        "\u{fffd}",
        "\u{0}",
        "\u{7f}",
        "ö",
    ];
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let after = zoned("2026-06-15T12:34:56+02:00[Europe/Berlin]");
    for _ in 0..20_000 {
        let len = next() % 12;
        let input: String = (0..len)
            .map(|_| PIECES[(next() % PIECES.len() as u64) as usize])
            .collect();
        match parse_standard(&input) {
            Ok(parsed) => {
                let schedule = parsed.schedule;
                let _ = schedule.describe();
                let _ = schedule.dom_and_dow_both_restricted();
                let fires = schedule.next_fires(&after, 2);
                if schedule.never_fires() {
                    assert!(fires.is_empty(), "{input:?}");
                }
                assert!(fires.iter().all(|f| *f > after), "{input:?}");
            }
            Err(err) => {
                assert!(
                    input.get(err.span.clone()).is_some(),
                    "{input:?}: bad span {:?}",
                    err.span
                );
                assert!(!err.message.is_empty());
            }
        }
    }
}

/// In UTC (no DST) robfig's `Next` is plain matching: check the port against
/// a day-by-day brute force over random, mostly valid schedules.
#[test]
fn next_fires_agree_with_brute_force_in_utc() {
    use jiff::civil::DateTime;

    const TOKENS: [&[&str]; 5] = [
        &["*", "0", "*/15", "5/20", "0,30", "59", "10-20/5"],
        &["*", "0", "23", "*/6", "9-17", "1,13"],
        &[
            "*", "1", "13", "29", "30", "31", "*/10", "15-16", "?", "*/1",
        ],
        &["*", "1", "2", "feb", "*/4", "4,6,9,11", "dec"],
        &["*", "0", "5", "1-5", "sat,sun", "*/2", "?", "*/1"],
    ];
    let mut state: u64 = 0x2545_F491_4F6C_DD1D;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let matches = |bits: &kubevet::cron::FieldBits, dt: DateTime, check_time: bool| {
        let has = |set: u64, value: i64| set & (1 << value) != 0;
        let dom = has(bits.dom, dt.day().into());
        let dow = has(bits.dow, dt.weekday().to_sunday_zero_offset().into());
        let star = 1u64 << 63;
        let day = if bits.dom & star != 0 || bits.dow & star != 0 {
            dom && dow
        } else {
            dom || dow
        };
        let time = has(bits.hour, dt.hour().into()) && has(bits.minute, dt.minute().into());
        day && has(bits.month, dt.month().into()) && (!check_time || time)
    };

    for _ in 0..300 {
        let fields: Vec<&str> = TOKENS
            .iter()
            .map(|choices| choices[(next() % choices.len() as u64) as usize])
            .collect();
        let expr = fields.join(" ");
        let schedule = schedule(&expr);
        let ScheduleKind::Fields(bits) = *schedule.kind() else {
            unreachable!()
        };
        let start_second = (next() % (4 * 365 * 86_400)) as i64 + 1_767_225_600; // 2026..2030
        let after = jiff::Timestamp::from_second(start_second)
            .unwrap()
            .to_zoned(jiff::tz::TimeZone::UTC);

        // In UTC civil order is instant order, so compare DateTimes.
        let mut expected: Vec<DateTime> = Vec::new();
        let mut day = after.date();
        let start = after.datetime();
        // robfig searches five years past each previous fire.
        let limit = |fires: &[DateTime]| fires.last().unwrap_or(&start).year() + 5;
        'days: while expected.len() < 3 && day.year() <= limit(&expected) {
            if matches(&bits, day.at(0, 0, 0, 0), false) {
                for hour in 0..24 {
                    for minute in 0..60 {
                        let candidate = day.at(hour, minute, 0, 0);
                        if candidate > *expected.last().unwrap_or(&start)
                            && matches(&bits, candidate, true)
                        {
                            expected.push(candidate);
                            if expected.len() == 3 {
                                break 'days;
                            }
                        }
                    }
                }
            }
            day = day.tomorrow().unwrap();
        }
        let expected: Vec<Zoned> = expected
            .into_iter()
            .map(|dt| dt.to_zoned(jiff::tz::TimeZone::UTC).unwrap())
            .collect();
        let actual = schedule.next_fires(&after, 3);
        assert_eq!(actual, expected, "{expr} after {after}");
        assert_eq!(schedule.never_fires(), expected.is_empty(), "{expr}");
    }
}
