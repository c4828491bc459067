//! `.kubevet.yaml` end to end: each case under `fixtures/config/` is a directory with its own
//! configuration, run through the binary; its output (concise) and exit code are compared with
//! `fixtures/config/<name>.expected`. `UPDATE_EXPECT=1 cargo test --test config` rewrites them.

use std::path::Path;

mod common;
use common::{assert_expected, kubevet, kubevet_in, kubevet_stdin_in, scratch, transcript};

/// (expected file, arguments after `check --format concise`)
const CASES: &[(&str, &[&str])] = &[
    ("levels", &["fixtures/config/levels"]),
    // Flags win over the file: failOn: warning becomes error, so the warning no longer fails.
    (
        "levels-fail-on-flag",
        &["--fail-on", "error", "fixtures/config/levels"],
    ),
    (
        "levels-no-config",
        &["--no-config", "fixtures/config/levels"],
    ),
    // Another file named with --config: its globs are relative to its own directory.
    (
        "levels-other-config",
        &[
            "--config",
            "fixtures/config/include-exclude/.kubevet.yaml",
            "fixtures/config/levels",
        ],
    ),
    ("include-exclude", &["fixtures/config/include-exclude"]),
    // Files named one by one (as pre-commit passes them) are filtered too.
    (
        "include-exclude-files",
        &[
            "--no-context",
            "fixtures/config/include-exclude/apps/web/config.yaml",
            "fixtures/config/include-exclude/apps/web/next.draft.yaml",
            "fixtures/config/include-exclude/docs/example.yaml",
        ],
    ),
    ("crds", &["fixtures/config/crds/manifests"]),
    (
        "crds-no-config",
        &["--no-config", "fixtures/config/crds/manifests"],
    ),
    // The CRDs are excluded from checking, and still read for their definitions.
    ("crds-excluded", &["fixtures/config/crds"]),
    ("suppressions", &["fixtures/config/suppressions"]),
    ("invalid", &["fixtures/config/invalid"]),
    ("not-yaml", &["fixtures/config/not-yaml"]),
    ("duplicate-key", &["fixtures/config/duplicate-key"]),
    // Lowered limits: each file but one exceeds one, and is reported; the others are checked.
    ("limits", &["fixtures/config/limits"]),
    // Each flag wins over its key; the keys without a flag still apply (maxDocuments: 2).
    (
        "limits-flags",
        &[
            "--max-file-size",
            "2KiB",
            "--max-depth",
            "8",
            "fixtures/config/limits",
        ],
    ),
    ("limits-invalid", &["fixtures/config/limits-invalid"]),
    // Declared apply units: siblings in one are applied together, two units are not, and
    // plain directories are not units at all.
    ("apply-units", &["fixtures/config/apply-units"]),
    // Without the configuration, the examples' directories are a unit (a warning).
    (
        "apply-units-no-config",
        &["--no-config", "fixtures/config/apply-units"],
    ),
    (
        "apply-units-invalid",
        &["fixtures/config/apply-units-invalid"],
    ),
    // extends/select/ignore: sets, ids winning over sets, a level turning a rule on.
    ("rule-sets", &["fixtures/config/rule-sets"]),
    // The flags win over the file: an id or a set, selected or ignored.
    (
        "rule-sets-flags",
        &[
            "--select",
            "suspicious",
            "--ignore",
            "hardening,service-selects-nothing",
            "--ignore",
            "undeclared-namespace",
            "fixtures/config/rule-sets",
        ],
    ),
    // Without the file: the default sets only.
    (
        "rule-sets-no-config",
        &["--no-config", "fixtures/config/rule-sets"],
    ),
    // Unknown sets and rules, with the nearest names.
    ("rule-sets-invalid", &["fixtures/config/rule-sets-invalid"]),
];

#[test]
fn configuration_cases_match_their_expected_output() {
    for (name, args) in CASES {
        let mut all = vec!["check", "--format", "concise"];
        all.extend_from_slice(args);
        let o = kubevet(&all);
        assert_expected(
            &Path::new("fixtures/config").join(format!("{name}.expected")),
            &transcript(&o),
        );
    }
}

/// An invalid configuration fails a CI report: in JUnit, each of its problems is a failed test
/// case (the run exits with 2, and checks nothing).
#[test]
fn a_bad_configuration_is_a_failed_junit_test_case() {
    for args in [
        &["check", "--format", "junit", "fixtures/config/invalid"][..],
        &[
            "check",
            "--format",
            "junit",
            "--fail-on",
            "none",
            "fixtures/config/invalid",
        ],
    ] {
        let o = kubevet(args);
        assert_eq!(o.status.code(), Some(2));
        let out = String::from_utf8_lossy(&o.stdout);
        assert!(
            out.contains("<testsuites name=\"kubevet\" tests=\"1\" failures=\"1\""),
            "{out}"
        );
        assert!(out.contains("<failure type=\"invalid-config\""), "{out}");
    }
}

/// Problems of the configuration are worded for a configuration, not for a manifest that
/// kubectl reads among other documents.
#[test]
fn configuration_errors_do_not_speak_of_manifests() {
    for case in ["duplicate-key", "not-yaml"] {
        let o = kubevet(&[
            "check",
            "--color",
            "never",
            &format!("fixtures/config/{case}"),
        ]);
        assert_eq!(o.status.code(), Some(2));
        let out = transcript(&o);
        assert!(out.contains("error[invalid-config]"), "{out}");
        let about_documents =
            |l: &str| l.contains("one YAML document") || l.contains("first document");
        for line in out.lines().filter(|l| !about_documents(l)) {
            for word in ["kubectl", "document", "were still checked"] {
                assert!(!line.contains(word), "{case}: `{word}` in:\n{out}");
            }
        }
    }
}

#[test]
fn a_bad_configuration_is_a_usage_error_at_its_line() {
    let o = kubevet(&["check", "--color", "never", "fixtures/config/invalid"]);
    assert_eq!(o.status.code(), Some(2));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("error[invalid-config]: unknown rule `invalid-lable-value`; did you mean `invalid-label-value`?"),
        "{out}"
    );
    assert!(
        out.contains("┌─ fixtures/config/invalid/.kubevet.yaml:8:3"),
        "{out}"
    );
    assert!(
        !out.contains("checked "),
        "no summary for a configuration error:\n{out}"
    );
    // Machine formats carry the configuration errors too (an annotation on the config's line).
    let o = kubevet(&["check", "--format", "github", "fixtures/config/invalid"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stdout)
            .contains("::error file=fixtures/config/invalid/.kubevet.yaml,line=1,col=20,"),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
}

#[test]
fn config_flag_errors() {
    let o = kubevet(&["check", "--config", "no/such.yaml", "fixtures/valid"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--config no/such.yaml: no such file"));
    let o = kubevet(&[
        "check",
        "--config",
        "x.yaml",
        "--no-config",
        "fixtures/valid",
    ]);
    assert_eq!(
        o.status.code(),
        Some(2),
        "--config and --no-config conflict"
    );
}

#[test]
fn the_search_walks_up_to_the_repository_root_and_no_further() {
    let root = scratch("config-walk");
    let repo = root.join("repo");
    let app = repo.join("deploy/app");
    std::fs::create_dir_all(&app).unwrap();
    std::fs::write(
        app.join("cm.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: Bad_Name\n",
    )
    .unwrap();
    // Above the repository: a configuration that must not be used once `.git` is found.
    std::fs::write(root.join(".kubevet.yaml"), "rules: {invalid-name: off}\n").unwrap();
    let o = kubevet_in(&repo, &["check", "--format", "concise", "deploy/app"]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "outside a repository the walk reaches the parent config\n{}",
        transcript(&o)
    );
    std::fs::create_dir_all(repo.join(".git")).unwrap();
    let o = kubevet_in(&repo, &["check", "--format", "concise", "deploy/app"]);
    assert_eq!(o.status.code(), Some(1), "{}", transcript(&o));
    // The repository's own configuration is found from a file deep inside it.
    std::fs::write(
        repo.join(".kubevet.yml"),
        "rules: {invalid-name: warning}\n",
    )
    .unwrap();
    let o = kubevet_in(
        &repo,
        &["check", "--format", "concise", "deploy/app/cm.yaml"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", transcript(&o));
    assert!(transcript(&o).contains("warning[invalid-name]"));
    // For stdin, the search starts in the current directory.
    let o = kubevet_stdin_in(
        &app,
        &["check", "-", "--format", "concise"],
        &std::fs::read(app.join("cm.yaml")).unwrap(),
    );
    assert!(
        transcript(&o).contains("<stdin>:4:9: warning[invalid-name]"),
        "{}",
        transcript(&o)
    );
}

#[test]
fn library_reads_versions_written_as_numbers_and_off_as_written() {
    let dir = scratch("config-values");
    let path = dir.join(".kubevet.yaml");
    std::fs::write(
        &path,
        "kubernetesVersion: 1.30\nstrict: false\nfailOn: none\nrules:\n  invalid-name: off\n  missing-name: 'off'\n",
    )
    .unwrap();
    let config = kubevet::config::load(&path).expect("valid");
    assert_eq!(
        config.kubernetes_version,
        Some(kubevet::KubeVersion::new(30)),
        "1.30 is read as written, not as the float 1.3"
    );
    assert_eq!(config.strict, Some(false));
    assert_eq!(config.fail_on, Some(kubevet::cli::FailOn::None));
    for id in ["invalid-name", "missing-name"] {
        let rule = kubevet::rules::find(id).unwrap();
        assert_eq!(config.policy.level(rule, None), kubevet::config::Level::Off);
    }
}

#[test]
fn boolean_flags_take_their_value_after_an_equals_sign() {
    // `--strict PATH` is the flag and a path, not `--strict` with the value PATH.
    for args in [
        &["check", "--strict", "fixtures/valid"][..],
        &["check", "--strict=false", "fixtures/valid"],
        &["check", "--strict=true", "fixtures/valid"],
    ] {
        let o = kubevet(args);
        assert_eq!(o.status.code(), Some(0), "{args:?}: {}", transcript(&o));
    }
    assert_eq!(
        kubevet(&["check", "--strict=maybe", "fixtures/valid"])
            .status
            .code(),
        Some(2)
    );
}
