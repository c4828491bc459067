//! Conformance with peer validators: kubevet over `../shared/corpora/peers`, compared with the
//! rows of `expectations.tsv` for kubeconform, kubeval and kubectl-validate whose stated outcome
//! holds in strict mode. A row is `invalid` when kubevet reports an error in its document (or in
//! its file, for `-` rows). The agreement is printed (`cargo test --test conformance_peers --
//! --nocapture`); every difference is listed in `KNOWN_DIFFERENCES` with the reason, and the
//! test fails when a difference appears or disappears. Skipped (with a note) when `../shared`
//! is absent.

use kubevet::diagnostics::Severity;
use kubevet::{Input, Options, check};
use std::collections::BTreeMap;
use std::path::Path;

mod common;

const SUITES: &[&str] = &["kubeconform", "kubeval", "kubectl-validate"];

/// (suite, file, document index or "-", kubevet's outcome) and why kubevet differs.
const KNOWN_DIFFERENCES: &[(&str, &str, &str, &str, &str)] = &[
    // --- Missing schemas: a warning in kubevet, by design (issue 3: "a kind with no schema at
    // all is a warning, never an error by default"). kubeconform and kubeval fail without
    // -ignore-missing-schemas; their rows with that flag agree with kubevet.
    (
        "kubeconform",
        "fixtures/test_crd.yaml",
        "0",
        "valid",
        "no CRD for the sagemaker TrainingJob: kubevet warns (no-schema) instead of failing",
    ),
    (
        "kubeval",
        "fixtures/test_crd.yaml",
        "0",
        "valid",
        "no CRD for the sagemaker TrainingJob: kubevet warns (no-schema) instead of failing",
    ),
    // --- Old API versions: kubeval's fixtures target Kubernetes 1.8-1.14. kubevet checks
    // against 1.25-1.37, where these apiVersions are no longer served: kubevet is right for any
    // cluster it supports (kubectl apply fails with `no matches for kind "Deployment" in version
    // "extensions/v1beta1"`).
    (
        "kubeval",
        "fixtures/valid.json",
        "-",
        "invalid",
        "extensions/v1beta1 Deployment was removed in Kubernetes 1.16 (removed-api-version)",
    ),
    (
        "kubeval",
        "fixtures/null_array.yaml",
        "-",
        "invalid",
        "apps/v1beta1 Deployment was removed in Kubernetes 1.16 (removed-api-version)",
    ),
    (
        "kubeval",
        "fixtures/same-kind-different-api.yaml",
        "-",
        "invalid",
        "one of the two Deployments is apps/v1beta1, removed in Kubernetes 1.16",
    ),
    // --- YAML that is not a Kubernetes object: `key: value` has neither apiVersion nor kind.
    // kubevet deliberately leaves such documents alone (GitOps repositories hold Helm values,
    // CI configs and other YAML next to manifests); a document with one of the two fields is
    // reported (missing-kind-or-api-version), as the other missing_* rows show.
    (
        "kubeconform",
        "fixtures/missing_kind.yaml",
        "0",
        "valid",
        "`key: value` is not taken for a Kubernetes object",
    ),
    (
        "kubeval",
        "fixtures/missing_kind.yaml",
        "-",
        "valid",
        "`key: value` is not taken for a Kubernetes object",
    ),
    // --- kubeval's test skips the made-up kind `SkipThisKind` (KindsToSkip); kubevet has no
    // such option and rightly says that Kubernetes has no kind SkipThisKind in v1 (kubectl:
    // `no matches for kind "SkipThisKind" in version "v1"`), and that the two are duplicates.
    (
        "kubeval",
        "fixtures/duplicates-skipped-kinds.yaml",
        "-",
        "invalid",
        "v1 has no kind SkipThisKind (unknown-kind); kubeval was told to skip it",
    ),
    // --- List-map key uniqueness of a Pod's ports: kubectl-validate rejects a duplicate
    // (containerPort, protocol). The API server accepts it on create with a warning (reference
    // §12: a duplicate containerPort is only a warning), and so does kubevet (the warning
    // duplicate-container-port); only server-side apply rejects it. For custom resources the API
    // server does reject duplicate keys, and kubevet does too (schema-violation).
    (
        "kubectl-validate",
        "testcases/manifests/error_x_list_map_duplicate_key.yaml",
        "0",
        "valid",
        "duplicate (containerPort, protocol): not checked; a warning for the API server on create",
    ),
    // --- The same Pod `nginx-pod` twice in one file: kubectl-validate checks each document on
    // its own; kubevet's whole-repo rule duplicate-object reports the second one, since applying
    // the file leaves only one of them (the first document is also invalid, in both tools).
    (
        "kubectl-validate",
        "testcases/manifests/error_multiple_resources_one_invalid.yaml",
        "1",
        "invalid",
        "duplicate-object: Pod default/nginx-pod is defined twice",
    ),
];

struct Row {
    suite: String,
    file: String,
    document: String,
    expected: String,
    reason: String,
}

fn rows(peers: &Path) -> Vec<Row> {
    let text = std::fs::read_to_string(peers.join("expectations.tsv")).unwrap();
    text.lines()
        .skip(1)
        .filter_map(|line| {
            let f: Vec<&str> = line.split('\t').collect();
            (f.len() >= 10).then(|| Row {
                suite: f[0].to_owned(),
                file: f[1].to_owned(),
                document: f[2].to_owned(),
                expected: f[3].to_owned(),
                reason: format!("{} [{}]", f[4], f[9]),
            })
        })
        .filter(|r| SUITES.contains(&r.suite.as_str()))
        // Outcomes that only hold without strict validation (an unknown field or a duplicate
        // key tolerated) are not kubevet's: it validates strictly, like kubectl since 1.25.
        .filter(|r| !r.reason.contains("non-strict"))
        .collect()
}

/// kubevet's outcome for a row: "invalid" if it reports an error in the row's document.
fn outcome(peers: &Path, row: &Row) -> String {
    let suite_dir = peers.join(&row.suite);
    let mut options = Options::default();
    if row.suite == "kubectl-validate" {
        // Its test runs with --local-crds testcases/crds.
        options.crd_paths = vec![suite_dir.join("testcases/crds")];
    }
    let report = check(Input::Paths(vec![suite_dir.join(&row.file)]), &options).unwrap();
    let document: Option<u32> = row.document.parse().ok();
    let invalid = report
        .diagnostics
        .iter()
        .any(|d| d.severity == Severity::Error && (document.is_none() || d.document == document));
    if invalid { "invalid" } else { "valid" }.to_owned()
}

#[test]
fn agreement_with_peer_validators() {
    let Ok(peers) = common::corpus("peers/expectations.tsv", "agreement_with_peer_validators")
        .map(|tsv| tsv.parent().unwrap().to_path_buf())
    else {
        return;
    };
    let mut per_suite: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut differences = Vec::new();
    for row in rows(&peers) {
        let actual = outcome(&peers, &row);
        let entry = per_suite.entry(row.suite.clone()).or_default();
        entry.1 += 1;
        if actual == row.expected {
            entry.0 += 1;
        } else {
            differences.push((row, actual));
        }
    }
    let (mut agree, mut total) = (0, 0);
    for (suite, (a, t)) in &per_suite {
        println!("{suite:18} {a:3}/{t:3} rows agree");
        agree += a;
        total += t;
    }
    println!("{:18} {agree:3}/{total:3} rows agree", "all");
    for (row, actual) in &differences {
        let why = KNOWN_DIFFERENCES
            .iter()
            .find(|k| k.0 == row.suite && k.1 == row.file && k.2 == row.document)
            .map_or("UNEXPLAINED", |k| k.4);
        println!(
            "  {} {} doc {}: peer {} ({}), kubevet {actual}: {why}",
            row.suite, row.file, row.document, row.expected, row.reason
        );
    }
    let mut actual: Vec<(String, String, String, String)> = differences
        .iter()
        .map(|(r, a)| {
            (
                r.suite.clone(),
                r.file.clone(),
                r.document.clone(),
                a.clone(),
            )
        })
        .collect();
    let mut known: Vec<(String, String, String, String)> = KNOWN_DIFFERENCES
        .iter()
        .map(|k| (k.0.into(), k.1.into(), k.2.into(), k.3.into()))
        .collect();
    actual.sort();
    known.sort();
    assert_eq!(
        actual, known,
        "the differences with the peers changed; explain new ones in KNOWN_DIFFERENCES"
    );
}
