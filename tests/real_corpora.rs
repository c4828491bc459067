//! Real GitOps repositories that apply cleanly upstream must produce zero errors.
//! Uses `../shared/corpora/real` when present; skips with a note otherwise (a user's clone has none).

use kubevet::diagnostics::Severity;
use kubevet::output::{Format, Style, render};
use kubevet::{Input, Options, check};
use std::path::Path;

#[test]
fn real_repositories_have_zero_errors() {
    let root = Path::new("../shared/corpora/real");
    if !root.is_dir() {
        eprintln!("skipped: {} is absent", root.display());
        return;
    }
    let mut repos: Vec<_> = std::fs::read_dir(root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    repos.sort();
    assert!(!repos.is_empty());
    for repo in repos {
        let report = check(Input::Paths(vec![repo.clone()]), &Options::default()).unwrap();
        let errors: Vec<_> = report
            .diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .collect();
        if !errors.is_empty() {
            let mut out = Vec::new();
            render(&report, Format::Concise, Style::default(), &mut out).unwrap();
            panic!(
                "{}: {} errors\n{}",
                repo.display(),
                errors.len(),
                String::from_utf8_lossy(&out)
            );
        }
        eprintln!(
            "{}: {} files, {} documents, 0 errors, {} warnings",
            repo.display(),
            report.summary.files,
            report.summary.documents,
            report.summary.warnings
        );
    }
}
