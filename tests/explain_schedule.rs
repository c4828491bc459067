//! The `kubevet` binary: `explain-schedule` output and exit codes, and `kubevet rules`.

mod common;
use common::{kubevet, stderr, stdout};

const AFTER: &str = "2025-03-29T12:00:00Z";

#[test]
fn explains_a_daily_schedule_with_the_next_three_runs() {
    let output = kubevet(&["explain-schedule", "30 23 * * *", "--after", AFTER]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(
        stdout(&output),
        "Schedule:  30 23 * * *\n\
         Meaning:   at 23:30 every day\n\
         Time zone: UTC\n\
         Next runs:\n  \
         Sat 2025-03-29 23:30:00 UTC (+00:00)\n  \
         Sun 2025-03-30 23:30:00 UTC (+00:00)\n  \
         Mon 2025-03-31 23:30:00 UTC (+00:00)\n"
    );
}

#[test]
fn runs_in_the_given_time_zone_across_daylight_saving_time() {
    // 02:30 does not exist in Berlin on 2025-03-30; robfig (and so the controller) skips it.
    let output = kubevet(&[
        "explain-schedule",
        "30 2 * * *",
        "--time-zone",
        "Europe/Berlin",
        "--after",
        AFTER,
    ]);
    assert_eq!(output.status.code(), Some(0));
    let text = stdout(&output);
    assert!(text.contains("Time zone: Europe/Berlin\n"), "{text}");
    assert!(
        text.contains(
            "  Mon 2025-03-31 02:30:00 CEST (+02:00)\n  Tue 2025-04-01 02:30:00 CEST (+02:00)\n  Wed 2025-04-02 02:30:00 CEST (+02:00)\n"
        ),
        "{text}"
    );
}

#[test]
fn explains_the_day_of_month_or_day_of_week_rule() {
    let output = kubevet(&["explain-schedule", "0 0 13 * 5", "--after", AFTER]);
    assert_eq!(output.status.code(), Some(0));
    let text = stdout(&output);
    assert!(
        text.contains("Meaning:   at 00:00 on day 13 of the month and on Friday\n"),
        "{text}"
    );
    assert!(text.contains("runs when EITHER matches"), "{text}");
    // Friday April 4 and 11, then Sunday the 13th.
    assert!(text.contains("  Fri 2025-04-04 00:00:00 UTC"), "{text}");
    assert!(text.contains("  Sun 2025-04-13 00:00:00 UTC"), "{text}");
}

#[test]
fn a_rejected_schedule_gets_a_caret_and_exit_code_1() {
    let output = kubevet(&["explain-schedule", "0 9 * * 7"]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(stdout(&output), "");
    assert_eq!(
        stderr(&output),
        "kubevet: Kubernetes rejects this schedule: end of range (7) above maximum (6): 7\n  \
         0 9 * * 7\n  \
         \x20       ^\n\
         help: day-of-week runs 0-6 with Sunday as 0: `7` is not accepted, write `0` or `SUN`\n"
    );
}

#[test]
fn a_schedule_that_never_fires_exits_1() {
    let output = kubevet(&["explain-schedule", "0 0 30 2 *", "--after", AFTER]);
    assert_eq!(output.status.code(), Some(1));
    let text = stdout(&output);
    assert!(
        text.contains("Meaning:   at 00:00 on February 30\n"),
        "{text}"
    );
    assert!(text.contains("never fires"), "{text}");
}

#[test]
fn a_time_zone_prefix_is_explained_but_rejected() {
    let output = kubevet(&[
        "explain-schedule",
        "CRON_TZ=Asia/Tokyo 0 9 * * *",
        "--after",
        AFTER,
    ]);
    assert_eq!(output.status.code(), Some(1));
    let text = stdout(&output);
    assert!(text.contains("Time zone: Asia/Tokyo\n"), "{text}");
    assert!(
        text.contains("Rejected:  Kubernetes 1.29 and later reject `CRON_TZ=`"),
        "{text}"
    );
    assert!(
        text.contains("  Sun 2025-03-30 09:00:00 JST (+09:00)"),
        "{text}"
    );
}

#[test]
fn every_intervals_count_from_the_given_time() {
    let output = kubevet(&[
        "explain-schedule",
        "@every 90m",
        "--after",
        AFTER,
        "--count",
        "2",
    ]);
    assert_eq!(output.status.code(), Some(0));
    let text = stdout(&output);
    assert!(
        text.contains("Meaning:   every 1 hour 30 minutes\n"),
        "{text}"
    );
    assert!(
        text.ends_with("Next runs:\n  Sat 2025-03-29 13:30:00 UTC (+00:00)\n  Sat 2025-03-29 15:00:00 UTC (+00:00)\n"),
        "{text}"
    );
}

#[test]
fn usage_errors_exit_2() {
    let output = kubevet(&[
        "explain-schedule",
        "0 0 * * *",
        "--time-zone",
        "europe/berlin",
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("did you mean `Europe/Berlin`?"));
    let output = kubevet(&["explain-schedule", "0 0 * * *", "--time-zone", "Local"]);
    assert_eq!(output.status.code(), Some(2));
    let output = kubevet(&["explain-schedule", "0 0 * * *", "--after", "yesterday"]);
    assert_eq!(output.status.code(), Some(2));
    let output = kubevet(&["explain-schedule"]);
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn rules_lists_every_workload_rule() {
    let output = kubevet(&["rules"]);
    assert_eq!(output.status.code(), Some(0));
    let text = stdout(&output);
    for (id, severity) in [
        ("cron-schedule", "error"),
        ("cron-schedule-never-fires", "warning"),
        ("cron-day-or-weekday", "info"),
        ("restart-policy", "error"),
        ("selector-mismatch", "error"),
        ("latest-tag", "warning"),
        ("run-as-non-root", "info"),
    ] {
        assert!(
            text.lines()
                .any(|l| l.starts_with(&format!("{id} ")) && l.contains(&format!(" {severity} "))),
            "`kubevet rules` lacks {id} ({severity}):\n{text}"
        );
    }
    for rule in kubevet::rules::ALL {
        assert!(text.contains(rule.id), "{} missing", rule.id);
    }
}
