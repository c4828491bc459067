//! Fixture tests: every case under `fixtures/` is checked and its findings compared, rule, line
//! and column, with the `.expected` file beside it (concise format, one finding a line).
//!
//! Layout: `fixtures/rules/<rule-id>/<case>` where a case is a manifest file or a directory (a
//! multi-file case). Cases named `fires*` must produce that rule, cases named `ok*` must not.
//! `fixtures/valid/` holds everyday manifests that must produce no error or warning at all.
//!
//! `UPDATE_EXPECT=1 cargo test --test fixtures` rewrites the `.expected` files; review the diff.

use kubevet::output::{Format, Style, render};
use kubevet::{Input, Options, check, rules};
use std::path::{Path, PathBuf};

fn cases(dir: &Path) -> Vec<PathBuf> {
    let mut cases: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.is_dir()
                || matches!(
                    p.extension().and_then(|e| e.to_str()),
                    Some("yaml" | "yml" | "json")
                )
        })
        .collect();
    cases.sort();
    cases
}

fn run(case: &Path) -> String {
    let report = check(Input::Paths(vec![case.to_path_buf()]), &Options::default()).unwrap();
    let mut out = Vec::new();
    let style = Style {
        summary: false,
        ..Style::default()
    };
    render(&report, Format::Concise, style, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

fn expected_path(case: &Path) -> PathBuf {
    let mut name = case.file_name().unwrap().to_os_string();
    name.push(".expected");
    case.with_file_name(name)
}

/// Compares a case with its `.expected` file; returns the findings.
fn assert_matches_expected(case: &Path) -> String {
    let actual = run(case);
    let expected_file = expected_path(case);
    if std::env::var_os("UPDATE_EXPECT").is_some() {
        std::fs::write(&expected_file, &actual).unwrap();
        return actual;
    }
    let expected = std::fs::read_to_string(&expected_file).unwrap_or_else(|_| {
        panic!(
            "{} has no {} (run with UPDATE_EXPECT=1 to create it)\nactual:\n{actual}",
            case.display(),
            expected_file.display()
        )
    });
    assert_eq!(
        expected,
        actual,
        "findings for {} differ from {}",
        case.display(),
        expected_file.display()
    );
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
