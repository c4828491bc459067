//! The policy pack (`rules/policies/`) and `--policy`: ValidatingAdmissionPolicies given
//! outside the checked tree, evaluated on its objects (issue #17).

use kubevet::policy::admission::{PACK, Source};
use kubevet::{Input, Options, check};
use std::path::PathBuf;

fn findings(policies: Vec<Source>) -> Vec<String> {
    let options = Options {
        policies,
        ..Options::default()
    };
    let report = check(
        Input::Paths(vec![PathBuf::from("tests/data/policies/workloads.yaml")]),
        &options,
    )
    .unwrap();
    report
        .diagnostics
        .iter()
        .filter(|d| d.rule.id == "admission-policy")
        .map(|d| {
            format!(
                "{}:{} {:?} {}",
                d.primary.location.start.line,
                d.primary.location.start.column,
                d.severity,
                d.message
            )
        })
        .collect()
}

#[test]
fn the_pack_denies_what_each_policy_forbids() {
    let all: Vec<Source> = PACK.iter().map(|(name, _)| Source::Pack(name)).collect();
    let found = findings(all);
    let expected = [
        "35:9 Error ValidatingAdmissionPolicy 'kubevet-required-labels' with binding 'kubevet-required-labels' denied request: missing required labels: app.kubernetes.io/part-of",
        "35:9 Error ValidatingAdmissionPolicy 'kubevet-allowed-registries' with binding 'kubevet-allowed-registries' denied request: images from registries that are not allowed: docker.io/library/busybox",
        "35:9 Error ValidatingAdmissionPolicy 'kubevet-no-latest-tag' with binding 'kubevet-no-latest-tag' denied request: images without a fixed tag (none, or :latest): ghcr.io/example/bad:latest, docker.io/library/busybox",
        "35:9 Error ValidatingAdmissionPolicy 'kubevet-resource-limits' with binding 'kubevet-resource-limits' denied request: containers without a memory limit and CPU and memory requests: app, init",
        "35:9 Error ValidatingAdmissionPolicy 'kubevet-replica-bounds' with binding 'kubevet-replica-bounds' denied request: replicas must be between 1 and 50, but it is 80",
        "57:9 Error ValidatingAdmissionPolicy 'kubevet-allowed-registries' with binding 'kubevet-allowed-registries' denied request: images from registries that are not allowed: quay.io/other/job:2.0",
    ];
    let mut found_sorted = found.clone();
    found_sorted.sort();
    let mut expected_sorted: Vec<String> = expected.iter().map(|s| s.to_string()).collect();
    expected_sorted.sort();
    assert_eq!(found_sorted, expected_sorted, "{found:#?}");
}

#[test]
fn policies_given_by_path_are_evaluated_and_nothing_without_them() {
    assert!(findings(Vec::new()).is_empty());
    let found = findings(vec![Source::Path(PathBuf::from(
        "rules/policies/replica-bounds.yaml",
    ))]);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(found[0].contains("replicas must be between 1 and 50, but it is 80"));
}

/// The run keeps the trees of the files it loads for the policies (all of them when policies
/// are given, else from the first file with a policy on); the files it did not keep are read
/// again. Both give the same findings.
#[test]
fn kept_trees_and_files_read_again_agree() {
    let run = |policies: Vec<Source>| -> Vec<String> {
        let options = Options {
            policies,
            ..Options::default()
        };
        let report = check(
            Input::Paths(vec![PathBuf::from(
                "fixtures/rules/admission-policy/fires-policies",
            )]),
            &options,
        )
        .unwrap();
        report
            .diagnostics
            .iter()
            .filter(|d| d.rule.id == "admission-policy")
            .map(|d| format!("{} {}", d.primary.location.start.line, d.message))
            .collect()
    };
    // In the tree only: the files loaded before the policies' file are read again.
    let read_again = run(Vec::new());
    // A given policy that selects nothing here makes the run keep every tree.
    let kept = run(vec![Source::Path(PathBuf::from(
        "rules/policies/replica-bounds.yaml",
    ))]);
    assert_eq!(read_again.len(), 3, "{read_again:#?}");
    assert_eq!(read_again, kept);
}
