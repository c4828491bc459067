//! kubevet over each real-world corpus in `../shared/corpora/real/*` (GitOps repositories that
//! apply cleanly upstream) must report no error: every error there would be a false positive.
//! kube-prometheus validates its custom resources against the CRDs in the same tree. Skipped
//! (with a note) when `../shared` is absent.

use kubevet::diagnostics::Severity;
use kubevet::output::{Format, Style, render};
use kubevet::{Input, Options, check};
use std::path::Path;

#[test]
fn real_corpora_have_no_errors() {
    let root = Path::new("../shared/corpora/real");
    let Ok(entries) = std::fs::read_dir(root) else {
        println!(
            "note: {} is absent; real corpora not checked",
            root.display()
        );
        return;
    };
    let mut corpora: Vec<_> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    corpora.sort();
    assert!(!corpora.is_empty());
    for corpus in corpora {
        let report = check(Input::Paths(vec![corpus.clone()]), &Options::default()).unwrap();
        let mut out = Vec::new();
        let style = Style {
            color: false,
            summary: true,
        };
        render(&report, Format::Concise, style, &mut out).unwrap();
        let out = String::from_utf8(out).unwrap();
        println!("{}: {}", corpus.display(), out.lines().last().unwrap_or(""));
        let errors: Vec<&str> = out.lines().filter(|l| l.contains(": error[")).collect();
        assert!(
            report
                .diagnostics
                .iter()
                .all(|d| d.severity < Severity::Error),
            "{}: {} error(s):\n{}",
            corpus.display(),
            errors.len(),
            errors.join("\n")
        );
    }
}
