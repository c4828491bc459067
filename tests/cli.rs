//! The built binary, end to end: flags, exit codes, stdin, and the rendered formats.

use std::process::Stdio;

mod common;
use common::{assert_snapshot, command_in, kubevet, kubevet_stdin, root, scratch, stderr, stdout};

#[test]
fn valid_fixtures_exit_zero() {
    let o = kubevet(&["check", "fixtures/valid"]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    assert!(
        stdout(&o).contains("0 errors, 0 warnings"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn findings_exit_one_and_fail_on_controls_the_threshold() {
    let o = kubevet(&["check", "fixtures/invalid"]);
    assert_eq!(o.status.code(), Some(1));
    // Only an info finding: clean at --fail-on error and at --fail-on warning.
    let info_only = "fixtures/rules/helm-template-skipped/fires-chart/templates";
    assert_eq!(kubevet(&["check", info_only]).status.code(), Some(0));
    assert_eq!(
        kubevet(&["check", "--fail-on", "warning", info_only])
            .status
            .code(),
        Some(0)
    );
}

#[test]
fn usage_errors_exit_two() {
    for args in [
        &["check", "does/not/exist.yaml"][..],
        &["check", "--kubernetes-version", "1.2", "fixtures/valid"],
        &["check", "--kubernetes-version", "banana", "fixtures/valid"],
        &["check", "--format", "xml", "fixtures/valid"],
        &["check", "-", "fixtures/valid"],
        &["check", "--stdin-filename", "x.yaml", "fixtures/valid"],
        &["explain", "no-such-rule"],
        &["frobnicate"],
    ] {
        let o = kubevet(args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(!stderr(&o).is_empty(), "{args:?} must say why");
        assert!(!stderr(&o).contains("panicked"), "{args:?}");
    }
    let o = kubevet(&["check", "--kubernetes-version", "1.99", "fixtures/valid"]);
    assert!(
        stderr(&o).contains("supported versions are 1.25-1.37"),
        "{}",
        stderr(&o)
    );
    let o = kubevet(&["explain", "duplicat-key"]);
    assert!(
        stderr(&o).contains("did you mean `duplicate-key`"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn version_and_help() {
    let o = kubevet(&["--version"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).starts_with("kubevet "), "{}", stdout(&o));
    let o = kubevet(&["check", "--help"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).contains("--fail-on"));
}

#[test]
fn stdin_is_one_stream_named_by_stdin_filename() {
    let manifest = b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: Bad_Name\n";
    let o = kubevet_stdin(
        &[
            "check",
            "-",
            "--stdin-filename",
            "rendered/app.yaml",
            "--format",
            "concise",
            "-q",
        ],
        manifest,
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stdout(&o).starts_with("rendered/app.yaml:4:9: error[invalid-name]"),
        "{}",
        stdout(&o)
    );
    let o = kubevet_stdin(&["check", "-", "--format", "concise", "-q"], manifest);
    assert!(stdout(&o).starts_with("<stdin>:4:9:"), "{}", stdout(&o));
}

#[test]
fn rules_lists_every_rule_and_explain_prints_its_page() {
    let o = kubevet(&["rules"]);
    assert_eq!(o.status.code(), Some(0));
    let listing = stdout(&o);
    for rule in kubevet::rules::ALL {
        assert!(
            listing.contains(rule.id),
            "{} missing from `kubevet rules`",
            rule.id
        );
    }
    let o = kubevet(&["explain", "duplicate-key"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).starts_with("# duplicate-key\n"));
}

#[test]
fn human_output_snapshot() {
    let o = kubevet(&[
        "check",
        "--color",
        "never",
        "--no-context",
        "fixtures/rules/duplicate-key/fires.yaml",
        "fixtures/rules/invalid-label-value/fires.yaml",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert_snapshot("human.txt", &stdout(&o));
}

#[test]
fn json_output_snapshot_follows_the_contract() {
    let o = kubevet(&[
        "check",
        "--format",
        "json",
        "--no-context",
        "fixtures/rules/duplicate-key/fires.yaml",
        "fixtures/rules/missing-name/fires.yaml",
    ]);
    assert_eq!(o.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).expect("valid JSON");
    assert_eq!(json["version"], 1);
    for key in ["files", "documents", "errors", "warnings", "infos"] {
        assert!(json["summary"][key].is_u64(), "summary.{key}");
    }
    let first = &json["diagnostics"][0];
    for key in [
        "file",
        "line",
        "column",
        "end_line",
        "end_column",
        "severity",
        "rule",
        "message",
    ] {
        assert!(!first[key].is_null(), "diagnostics[0].{key}");
    }
    assert_snapshot("json.txt", &stdout(&o));
}

#[test]
fn color_follows_the_flag_and_no_color() {
    let path = "fixtures/rules/missing-name/fires.yaml";
    let o = kubevet(&["check", "--color", "always", path]);
    assert!(stdout(&o).contains("\u{1b}["), "--color always must colour");
    // Not a terminal: auto means no colour.
    let o = kubevet(&["check", path]);
    assert!(!stdout(&o).contains("\u{1b}["));
    let o = command_in(root())
        .args(["check", "--color", "never", path])
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert!(!stdout(&o).contains("\u{1b}["));
}

#[test]
fn quiet_drops_the_summary() {
    let o = kubevet(&["check", "-q", "--format", "concise", "fixtures/valid"]);
    assert!(!stdout(&o).contains("checked "), "{}", stdout(&o));
    let o = kubevet(&["check", "--format", "concise", "fixtures/valid"]);
    assert!(
        stdout(&o).lines().last().unwrap().starts_with("checked "),
        "{}",
        stdout(&o)
    );
}

#[test]
fn closing_stdout_early_is_not_a_crash() {
    // Many findings, read one line, close the pipe.
    let mut child = command_in(root())
        .args(["check", "--format", "concise", "fixtures/rules"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = child.stdout.take().unwrap();
    let mut first = [0u8; 16];
    std::io::Read::read_exact(&mut out, &mut first).unwrap();
    drop(out);
    let o = child.wait_with_output().unwrap();
    assert!(matches!(o.status.code(), Some(0 | 1)), "{:?}", o.status);
    assert!(!stderr(&o).contains("panicked"), "{}", stderr(&o));
}

#[test]
fn limit_flags_make_small_inputs_exceed_them() {
    let dir = scratch("limit-flags");
    std::fs::write(
        dir.join("aliases.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: aliases\n  labels: &labels {app: web, tier: front}\n  annotations: *labels\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("other.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: Other_Bad\n",
    )
    .unwrap();
    let check = |flags: &[&str]| {
        let mut args = vec![
            "check",
            "--format",
            "concise",
            "--no-config",
            "--no-context",
        ];
        args.extend_from_slice(flags);
        args.push(dir.to_str().unwrap());
        kubevet(&args)
    };
    let (aliases, other) = (
        dir.join("aliases.yaml").display().to_string(),
        dir.join("other.yaml").display().to_string(),
    );
    let other_finding = format!(
        "{other}:4:9: error[invalid-name]: metadata.name: Invalid value: \"Other_Bad\": a lowercase RFC 1123 subdomain"
    );
    // The alias adds 5 nodes (the mapping, two keys, two values); the labels are the 11th node
    // and the third level. other.yaml has 9 nodes and 2 levels.
    for (flags, finding) in [
        (
            &["--max-alias-nodes", "4"][..],
            format!(
                "{aliases}:6:16: error[input-limit-exceeded]: aliases in this document expand to more than 4 nodes (an alias bomb?)"
            ),
        ),
        (
            &["--max-nodes-per-document", "10"],
            format!("{aliases}:5:19: error[input-limit-exceeded]: document has more than 10 nodes"),
        ),
        (
            &["--max-depth", "2"],
            format!("{aliases}:5:19: error[input-limit-exceeded]: nesting deeper than 2 levels"),
        ),
        (
            &["--max-file-size", "100"],
            format!(
                "{aliases}:1:1: error[input-limit-exceeded]: file is 122 bytes, more than the limit of 100 bytes; not checked"
            ),
        ),
    ] {
        let o = check(flags);
        assert_eq!(o.status.code(), Some(1), "{flags:?}: {}", stderr(&o));
        let out = stdout(&o);
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines[0], finding, "{flags:?}");
        // The other file is still checked.
        assert!(lines[1].starts_with(&other_finding), "{flags:?}: {out}");
        assert_eq!(lines.len(), 3, "{flags:?}: {out}");
    }
    // The same limits raised to what the file needs: it is checked and clean.
    let o = check(&[
        "--max-alias-nodes",
        "5",
        "--max-depth",
        "3",
        "--max-nodes-per-document",
        "16",
        "--max-file-size",
        "122",
    ]);
    let out = stdout(&o);
    assert!(!out.contains("input-limit-exceeded"), "{out}");
    assert!(
        out.ends_with("checked 2 files (2 documents): 1 error, 0 warnings, 0 infos\n"),
        "{out}"
    );
    // Stdin is bounded by the file size too.
    let o = kubevet_stdin(
        &[
            "check",
            "-",
            "--format",
            "concise",
            "--no-config",
            "--max-file-size",
            "64",
        ],
        &std::fs::read(dir.join("aliases.yaml")).unwrap(),
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_eq!(
        stdout(&o),
        "<stdin>:1:1: error[input-limit-exceeded]: the stream is more than the limit of 64 bytes; not checked\nchecked 0 files (0 documents), 1 file could not be checked: 1 error, 0 warnings, 0 infos\n"
    );
}

#[test]
fn bad_limit_flags_are_usage_errors() {
    for (args, message) in [
        (
            &["--max-depth", "0"][..],
            "invalid value '0' for '--max-depth <N>': expected a whole number from 1 to 250",
        ),
        (
            &["--max-depth", "251"],
            "invalid value '251' for '--max-depth <N>': expected a whole number from 1 to 250",
        ),
        (
            &["--max-documents", "many"],
            "invalid value 'many' for '--max-documents <N>': expected a whole number from 1 to 1000000000",
        ),
        (
            &["--max-alias-nodes=-1"],
            "invalid value '-1' for '--max-alias-nodes <N>': expected a whole number from 1 to 1000000000",
        ),
        (
            &["--max-nodes-per-document", "1000000001"],
            "invalid value '1000000001' for '--max-nodes-per-document <N>': expected a whole number from 1 to 1000000000",
        ),
        (
            &["--max-file-size", "64MB"],
            "invalid value '64MB' for '--max-file-size <SIZE>': expected a size from 1 byte to 2GiB (a number of bytes, or a number with KiB, MiB or GiB such as 64MiB)",
        ),
        (
            &["--max-file-size", "3GiB"],
            "invalid value '3GiB' for '--max-file-size <SIZE>': expected a size from 1 byte to 2GiB",
        ),
        (
            &["--max-file-size", "0"],
            "invalid value '0' for '--max-file-size <SIZE>': expected a size from 1 byte to 2GiB",
        ),
    ] {
        let mut all = vec!["check"];
        all.extend_from_slice(args);
        all.push("fixtures/valid");
        let o = kubevet(&all);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert!(stderr(&o).contains(message), "{args:?}: {}", stderr(&o));
    }
    for size in ["512KiB", "64MiB", "1GiB", "2GiB", "1048576", "64 MiB"] {
        let o = kubevet(&["check", "--max-file-size", size, "fixtures/valid"]);
        assert_eq!(o.status.code(), Some(0), "{size}: {}", stderr(&o));
    }
}

#[test]
fn version_names_the_supported_kubernetes_releases() {
    use kubevet::KubeVersion;
    for flag in ["--version", "-V"] {
        let o = kubevet(&[flag]);
        assert_eq!(o.status.code(), Some(0));
        assert_eq!(
            stdout(&o),
            format!(
                "kubevet {} (Kubernetes {}-{})\n",
                env!("CARGO_PKG_VERSION"),
                KubeVersion::OLDEST,
                KubeVersion::NEWEST
            )
        );
    }
}

#[test]
fn json_summary_names_kubevet_and_the_kubernetes_release() {
    let o = kubevet(&[
        "check",
        "--format",
        "json",
        "--kubernetes-version",
        "1.30",
        "fixtures/valid",
    ]);
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        json["summary"]["kubevet_version"],
        env!("CARGO_PKG_VERSION")
    );
    assert_eq!(json["summary"]["kubernetes_version"], "1.30");
    // The default: the newest release.
    let o = kubevet(&["check", "--format", "json", "--no-config", "fixtures/valid"]);
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        json["summary"]["kubernetes_version"],
        kubevet::KubeVersion::NEWEST.to_string()
    );
}
