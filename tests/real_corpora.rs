//! Real GitOps repositories that apply cleanly upstream must produce zero errors.
//! Uses `../shared/corpora/real` (or `$KUBEVET_CORPORA/real`) when present; otherwise the test
//! prints a visible SKIPPED line (a user's clone has none).

use kubevet::diagnostics::Severity;
use kubevet::output::{Format, Style, render};
use kubevet::{Input, Options, check};

mod common;

#[test]
fn real_repositories_have_zero_errors() {
    let Ok(repos) = common::real_repositories("real_repositories_have_zero_errors") else {
        return;
    };
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

/// Without the corpora the tests above skip, and say so where `cargo test` shows it.
#[test]
fn an_absent_corpus_is_a_visible_skip() {
    let line = common::corpus("no-such-corpus", "an_absent_corpus_is_a_visible_skip").unwrap_err();
    assert!(
        line.starts_with("SKIPPED an_absent_corpus_is_a_visible_skip: "),
        "{line}"
    );
    assert!(
        line.ends_with("no-such-corpus is absent (set KUBEVET_CORPORA to the corpora directory)"),
        "{line}"
    );
}
