//! Agreement with kube-linter on its own test fixtures, for the checks that overlap kubevet's
//! workload rules: `restart-policy`, `mismatching-selector` and the Job/CronJob check
//! `job-ttl-seconds-after-finished`.
//!
//! The fixtures and kube-linter's verdicts (transcribed from its e2e tests) live in the shared
//! peer corpus, `../shared/corpora/peers/{kube-linter,expectations.tsv}`, next to this worktree.
//! When that directory is absent the test prints a note and passes.
//!
//! Every disagreement must be explained in `EXPLAINED` below, and every explanation must still be
//! needed; the test prints the agreement per check (`cargo test --test kube_linter_agreement --
//! --nocapture`).

use kubevet::{Input, Options, check};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

mod common;

/// kube-linter check → the kubevet rules that decide the same question.
const CHECKS: &[(&str, &[&str])] = &[
    ("restart-policy", &["restart-policy"]),
    ("mismatching-selector", &["selector-mismatch"]),
    ("job-ttl-seconds-after-finished", &["job-without-ttl"]),
];

/// (file, document, why kubevet's verdict differs from kube-linter's).
///
/// kube-linter's `restart-policy` is a policy ("only Always or OnFailure are acceptable"), not
/// the API server's rule; kubevet reports what the API server rejects, per kind: Pods may use
/// any of the three values, Jobs and CronJobs must use OnFailure or Never, and the controllers
/// must use Always.
const EXPLAINED: &[(&str, usize, &str)] = &[
    (
        "tests/checks/restart-policy.yaml",
        5,
        "Job with restartPolicy Always: the API server rejects it (Jobs need OnFailure or Never); kube-linter's policy accepts Always",
    ),
    (
        "tests/checks/restart-policy.yaml",
        6,
        "CronJob with restartPolicy Always: rejected for the jobTemplate like a Job; kube-linter accepts Always",
    ),
    (
        "tests/checks/restart-policy.yaml",
        7,
        "Deployment with restartPolicy OnFailure: the API server only allows Always for controllers; kube-linter accepts OnFailure",
    ),
    (
        "tests/checks/restart-policy.yaml",
        9,
        "DaemonSet with restartPolicy OnFailure: only Always is allowed; kube-linter accepts OnFailure",
    ),
    (
        "tests/checks/restart-policy.yaml",
        10,
        "ReplicaSet with restartPolicy OnFailure: only Always is allowed; kube-linter accepts OnFailure",
    ),
    (
        "tests/checks/restart-policy.yaml",
        11,
        "ReplicationController with restartPolicy OnFailure: only Always is allowed; kube-linter accepts OnFailure",
    ),
    (
        "tests/checks/restart-policy.yaml",
        15,
        "Pod with restartPolicy Never: valid for a bare Pod (run once); kube-linter's policy rejects Never everywhere",
    ),
    (
        "tests/checks/restart-policy.yaml",
        19,
        "Job with restartPolicy Never: one of the two values a Job may use; kube-linter's policy rejects Never",
    ),
    (
        "tests/checks/restart-policy.yaml",
        20,
        "CronJob with restartPolicy Never: valid for its Jobs; kube-linter's policy rejects Never",
    ),
    (
        "tests/checks/mismatching-selector.yml",
        3,
        "OpenShift DeploymentConfig (apps.openshift.io): a custom resource whose schema kubevet does not know, so it is not checked",
    ),
    (
        "tests/checks/job-ttl-seconds-after-finished.yaml",
        2,
        "ttlSecondsAfterFinished in a CronJob's jobTemplate is legitimate (it works alongside the history limits); kube-linter warns that the two may conflict, kubevet does not",
    ),
];

struct Row {
    file: String,
    document: usize,
    expected_invalid: bool,
    check: String,
    kind_name: String,
}

fn peers() -> Option<PathBuf> {
    common::corpus("peers/expectations.tsv", "kube_linter_agreement")
        .ok()
        .map(|tsv| tsv.parent().unwrap().to_path_buf())
}

fn rows(peers: &Path) -> Vec<Row> {
    let text = std::fs::read_to_string(peers.join("expectations.tsv")).unwrap();
    text.lines()
        .skip(1)
        .filter_map(|line| {
            let cols: Vec<&str> = line.split('\t').collect();
            let (suite, file, document, expected, check, kind_name) =
                (cols[0], cols[1], cols[2], cols[3], cols[8], cols[7]);
            if suite != "kube-linter" || !CHECKS.iter().any(|(c, _)| *c == check) {
                return None;
            }
            Some(Row {
                file: file.to_owned(),
                // Every row of these checks is pinned to a document.
                document: document.parse().expect("a document index"),
                expected_invalid: expected == "invalid",
                check: check.to_owned(),
                kind_name: kind_name.to_owned(),
            })
        })
        .collect()
}

/// The rule ids kubevet reports per document of a file.
fn findings(path: &Path) -> HashMap<usize, BTreeSet<&'static str>> {
    // Every set: kube-linter's checks include best practice (hygiene, hardening).
    let mut options = Options::default();
    options.policy.set_flags(kubevet::config::Selectors {
        select: kubevet::diagnostics::RuleSet::ALL
            .iter()
            .map(|&s| kubevet::config::Selector::Set(s))
            .collect(),
        ignore: Vec::new(),
    });
    let report = check(Input::Paths(vec![path.to_path_buf()]), &options).unwrap();
    let mut by_document: HashMap<usize, BTreeSet<&'static str>> = HashMap::new();
    for d in &report.diagnostics {
        if let Some(doc) = d.document {
            by_document
                .entry(doc as usize)
                .or_default()
                .insert(d.rule.id);
        }
    }
    by_document
}

#[test]
fn kube_linter_expectations_agree_or_are_explained() {
    let Some(peers) = peers() else {
        return;
    };
    let rows = rows(&peers);
    assert!(
        rows.len() >= 29,
        "expected the restart-policy, mismatching-selector and job-ttl rows, found {}",
        rows.len()
    );
    let mut cache: HashMap<String, HashMap<usize, BTreeSet<&'static str>>> = HashMap::new();
    let mut tally: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    let mut unexplained = Vec::new();
    let mut used = BTreeSet::new();
    for row in &rows {
        let by_document = cache
            .entry(row.file.clone())
            .or_insert_with(|| findings(&peers.join("kube-linter").join(&row.file)));
        let rules = CHECKS
            .iter()
            .find(|(c, _)| *c == row.check)
            .map(|(_, r)| *r)
            .unwrap();
        let ours_invalid = by_document
            .get(&row.document)
            .is_some_and(|found| rules.iter().any(|r| found.contains(r)));
        let (check, _) = CHECKS.iter().find(|(c, _)| *c == row.check).unwrap();
        let entry = tally.entry(check).or_default();
        entry.1 += 1;
        if ours_invalid == row.expected_invalid {
            entry.0 += 1;
            continue;
        }
        let verdict = |invalid| if invalid { "invalid" } else { "valid" };
        match EXPLAINED
            .iter()
            .find(|(f, d, _)| *f == row.file && *d == row.document)
        {
            Some((_, _, why)) => {
                used.insert((row.file.as_str(), row.document));
                println!(
                    "  differs: {} #{} {} (kube-linter {}, kubevet {}): {why}",
                    row.file,
                    row.document,
                    row.kind_name,
                    verdict(row.expected_invalid),
                    verdict(ours_invalid)
                );
            }
            None => unexplained.push(format!(
                "{} #{} {} [{}]: kube-linter says {}, kubevet says {}",
                row.file,
                row.document,
                row.kind_name,
                row.check,
                verdict(row.expected_invalid),
                verdict(ours_invalid)
            )),
        }
    }
    for (check, (agree, total)) in &tally {
        println!("kube-linter `{check}`: kubevet agrees on {agree} of {total} rows");
    }
    assert!(
        unexplained.is_empty(),
        "unexplained disagreements with kube-linter:\n{}",
        unexplained.join("\n")
    );
    let stale: Vec<_> = EXPLAINED
        .iter()
        .filter(|(f, d, _)| !used.contains(&(*f, *d)))
        .collect();
    assert!(
        stale.is_empty(),
        "explanations for rows that now agree (remove them): {stale:?}"
    );
}
