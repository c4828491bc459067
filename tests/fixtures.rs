//! Fixture tests: every case under `fixtures/` is checked and its findings compared, rule, line
//! and column, with the `.expected` file beside it (concise format, one finding a line).
//!
//! Layout: `fixtures/rules/<rule-id>/<case>` where a case is a manifest file or a directory (a
//! multi-file case). Cases named `fires*` must produce that rule, cases named `ok*` must not.
//! `fixtures/valid/` holds everyday manifests that must produce no error or warning at all.
//!
//! A rule's own cases are checked with that rule selected (as `--select <rule-id>` does), on
//! top of the default sets, so that the cases of an opt-in rule (hygiene, hardening) prove it
//! too; the other cases are checked with the defaults.
//!
//! Each case of `fixtures/rules/` and `fixtures/invalid/` also has a rendered snapshot,
//! `<case>.rendered`: the human output (snippets, labels, help; no colour, no summary line), so
//! that a change to what a user reads shows in review as well as a change to what is found.
//!
//! `UPDATE_EXPECT=1 cargo test --test fixtures` rewrites the `.expected` and `.rendered` files;
//! review the diff.

use kubevet::config::{Selector, Selectors};
use kubevet::diagnostics::Rule;
use kubevet::output::Format;
use kubevet::{Options, Report, rules};
use std::path::Path;

mod common;
use common::{
    assert_expected, beside, cases, check_paths, concise, normalise_paths, render_report,
};

/// The default options, with `rule` selected.
fn selecting(rule: Option<&'static Rule>) -> Options {
    let mut options = Options::default();
    if let Some(rule) = rule {
        options.policy.set_flags(Selectors {
            select: vec![Selector::Rule(rule)],
            ignore: Vec::new(),
        });
    }
    options
}

/// Compares a case with its `.expected` file; returns the findings and the report.
fn assert_findings_expected(case: &Path, rule: Option<&'static Rule>) -> (String, Report) {
    let report = check_paths(&[case], &selecting(rule));
    let actual = concise(&report);
    assert_expected(&beside(case, ".expected"), &actual);
    (actual, report)
}

/// Compares a case with its `.expected` file, and its human rendering with its `.rendered`
/// file; returns the findings.
fn assert_matches_expected_and_rendered(case: &Path, rule: Option<&'static Rule>) -> String {
    let (findings, report) = assert_findings_expected(case, rule);
    let rendered = normalise_paths(&render_report(&report, Format::Human));
    assert_expected(&beside(case, ".rendered"), &rendered);
    findings
}

/// Compares a case with its `.expected` file; returns the findings.
fn assert_matches_expected(case: &Path) -> String {
    assert_findings_expected(case, None).0
}

#[test]
fn rule_fixtures_match_their_expected_findings() {
    for rule_dir in cases(Path::new("fixtures/rules")) {
        let rule = rule_dir.file_name().unwrap().to_str().unwrap().to_owned();
        let selected = rules::find(&rule);
        assert!(selected.is_some(), "fixtures/rules/{rule}: no such rule");
        for case in cases(&rule_dir) {
            let findings = assert_matches_expected_and_rendered(&case, selected);
            let name = case.file_name().unwrap().to_str().unwrap();
            let marker = format!("[{rule}]");
            if name.starts_with("fires") {
                assert!(
                    findings.contains(&marker),
                    "{} must fire {rule}:\n{findings}",
                    case.display()
                );
            } else if name.starts_with("ok") {
                assert!(
                    !findings.contains(&marker),
                    "{} must not fire {rule}:\n{findings}",
                    case.display()
                );
            } else {
                panic!("{}: case names start with `fires` or `ok`", case.display());
            }
        }
    }
}

#[test]
fn every_rule_has_docs_and_fixtures_that_fire_and_that_do_not() {
    for rule in rules::ALL {
        let doc = Path::new("rules").join(format!("{}.md", rule.id));
        assert!(
            doc.is_file(),
            "rule {} has no doc page {}",
            rule.id,
            doc.display()
        );
        assert!(
            rule.doc.starts_with(&format!("# {}\n", rule.id)),
            "{}: the doc page starts with `# {}`",
            doc.display(),
            rule.id
        );
        for section in ["## What it checks", "## Why", "## Example", "## How to fix"] {
            assert!(
                rule.doc.contains(section),
                "{} lacks a `{section}` section",
                doc.display()
            );
        }
        let dir = Path::new("fixtures/rules").join(rule.id);
        let names: Vec<String> = if dir.is_dir() {
            cases(&dir)
                .iter()
                .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
                .collect()
        } else {
            Vec::new()
        };
        assert!(
            names.iter().any(|n| n.starts_with("fires")),
            "rule {} has no fixture that fires ({})",
            rule.id,
            dir.display()
        );
        assert!(
            names.iter().any(|n| n.starts_with("ok")),
            "rule {} has no fixture that must not fire ({})",
            rule.id,
            dir.display()
        );
    }
}

#[test]
fn everyday_manifests_are_clean() {
    for case in cases(Path::new("fixtures/valid")) {
        let findings = assert_matches_expected(&case);
        assert!(
            !findings.contains(": error[") && !findings.contains(": warning["),
            "{} should have no errors or warnings:\n{findings}",
            case.display()
        );
    }
}

#[test]
fn invalid_examples_report_at_the_right_place() {
    for case in cases(Path::new("fixtures/invalid")) {
        let findings = assert_matches_expected_and_rendered(&case, None);
        assert!(
            findings.contains(": error["),
            "{} should have an error:\n{findings}",
            case.display()
        );
    }
}

/// Quiet by default: an ordinary, correct Deployment and Job get no findings at all from the
/// default sets (correctness, suspicious); the opt-in sets find what best practice asks.
#[test]
fn ordinary_manifests_have_no_findings_by_default() {
    let case = Path::new("fixtures/defaults/ordinary.yaml");
    let report = check_paths(&[case], &Options::default());
    assert_eq!(concise(&report), "", "no findings by default");
    let mut options = Options::default();
    options.policy.set_flags(Selectors {
        select: ["hygiene", "hardening"]
            .iter()
            .map(|s| Selector::parse(s).unwrap())
            .collect(),
        ignore: Vec::new(),
    });
    let opt_in = concise(&check_paths(&[case], &options));
    assert_expected(&beside(case, ".opt-in.expected"), &opt_in);
    for rule in [
        "run-as-non-root",
        "missing-probes",
        "missing-resources",
        "job-without-ttl",
    ] {
        assert!(opt_in.contains(&format!("[{rule}]")), "{rule}:\n{opt_in}");
    }
}
