//! Agreement with kubeval's duplicate-object cases (`../shared/corpora/peers`, rows of
//! `expectations.tsv` for suite `kubeval` tagged `duplicate`). Skips when the corpora are absent.
//!
//! Differences on purpose, asserted below so that any other change is noticed:
//! - `same-kind-different-api.yaml`: Deployment `nginx-deployment` as apps/v1 and apps/v1beta1.
//!   kubeval keys objects by apiVersion and calls them distinct; the API server stores versions
//!   of one group as ONE object (the second apply replaces the first), so kubevet reports it.
//! - `duplicates-skipped-kinds.yaml`: kubeval was run with `KindsToSkip=[SkipThisKind]`, a
//!   setting kubevet has no equivalent of; two `SkipThisKind identical` in one namespace are
//!   duplicates, and kubevet says so.

use kubevet::{Input, Options, check};

mod common;

const DIFFERS_ON_PURPOSE: &[&str] = &[
    "fixtures/same-kind-different-api.yaml",
    "fixtures/duplicates-skipped-kinds.yaml",
];

#[test]
fn kubeval_duplicate_cases_agree() {
    let Ok(peers) = common::corpus("peers/expectations.tsv", "kubeval_duplicate_cases_agree")
        .map(|tsv| tsv.parent().unwrap().to_path_buf())
    else {
        return;
    };
    let tsv = std::fs::read_to_string(peers.join("expectations.tsv")).unwrap();
    let (mut agree, mut total) = (0, 0);
    for row in tsv.lines().skip(1) {
        let cols: Vec<&str> = row.split('\t').collect();
        let [suite, file, _doc, expected, reason, ..] = cols.as_slice() else {
            continue;
        };
        let tags = cols.get(10).copied().unwrap_or("");
        if *suite != "kubeval" || !tags.split(',').any(|t| t == "duplicate") {
            continue;
        }
        let path = peers.join(suite).join(file);
        let report = check(Input::Paths(vec![path.clone()]), &Options::default()).unwrap();
        let kubevet_says_duplicate = report
            .diagnostics
            .iter()
            .any(|d| d.rule.id == "duplicate-object");
        let peer_says_duplicate = *expected == "invalid";
        total += 1;
        if kubevet_says_duplicate == peer_says_duplicate {
            agree += 1;
            assert!(
                !DIFFERS_ON_PURPOSE.contains(file),
                "{file} now agrees: update the list"
            );
        } else {
            assert!(
                DIFFERS_ON_PURPOSE.contains(file),
                "{file}: kubeval says {expected} ({reason}), kubevet says duplicate={kubevet_says_duplicate}"
            );
        }
    }
    eprintln!(
        "kubeval duplicate cases: {agree}/{total} agree; {} differ on purpose",
        total - agree
    );
    assert!(
        total >= 7,
        "expected the kubeval duplicate rows, found {total}"
    );
}
