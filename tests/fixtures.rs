//! Fixture tests: every case under `fixtures/` is checked and its findings compared, rule, line
//! and column, with the `.expected` file beside it (concise format, one finding a line).
//!
//! Layout: `fixtures/rules/<rule-id>/<case>` where a case is a manifest file or a directory (a
//! multi-file case). Cases named `fires*` must produce that rule, cases named `ok*` must not.
//! `fixtures/valid/` holds everyday manifests that must produce no error or warning at all.
//!
//! `UPDATE_EXPECT=1 cargo test --test fixtures` rewrites the `.expected` files; review the diff.

use kubevet::{Options, rules};
use std::path::Path;

mod common;
use common::{assert_expected, beside, cases, check_paths, concise};

/// Compares a case with its `.expected` file; returns the findings.
fn assert_matches_expected(case: &Path) -> String {
    let actual = concise(&check_paths(&[case], &Options::default()));
    assert_expected(&beside(case, ".expected"), &actual);
    actual
}

#[test]
fn rule_fixtures_match_their_expected_findings() {
    for rule_dir in cases(Path::new("fixtures/rules")) {
        let rule = rule_dir.file_name().unwrap().to_str().unwrap().to_owned();
        assert!(
            rules::find(&rule).is_some(),
            "fixtures/rules/{rule}: no such rule"
        );
        for case in cases(&rule_dir) {
            let findings = assert_matches_expected(&case);
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
        let findings = assert_matches_expected(&case);
        assert!(
            findings.contains(": error["),
            "{} should have an error:\n{findings}",
            case.display()
        );
    }
}
