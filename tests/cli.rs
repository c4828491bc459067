//! The built binary, end to end: flags, exit codes, stdin, and the rendered formats.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

fn kubevet(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kubevet"))
        .args(args)
        .env_remove("NO_COLOR")
        .output()
        .expect("run kubevet")
}

fn kubevet_stdin(args: &[&str], input: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_kubevet"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run kubevet");
    child.stdin.take().unwrap().write_all(input).unwrap();
    child.wait_with_output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Compares with a snapshot under tests/snapshots (UPDATE_EXPECT=1 rewrites it).
fn assert_snapshot(name: &str, actual: &str) {
    let path = Path::new("tests/snapshots").join(name);
    if std::env::var_os("UPDATE_EXPECT").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|_| {
        panic!(
            "missing snapshot {} (UPDATE_EXPECT=1 creates it)\n{actual}",
            path.display()
        )
    });
    assert_eq!(expected, actual, "output differs from {}", path.display());
}

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
    let o = Command::new(env!("CARGO_BIN_EXE_kubevet"))
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
    let mut child = Command::new(env!("CARGO_BIN_EXE_kubevet"))
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
