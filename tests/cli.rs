//! The built binary, end to end: flags, exit codes, stdin, and the rendered formats.

use std::process::Stdio;

mod common;
use common::{
    assert_snapshot, command_in, kubevet, kubevet_in, kubevet_stdin, root, scratch, stderr, stdout,
};

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
        "--select",
        "hygiene,hardening",
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
        "--select",
        "hygiene,hardening",
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

/// `kubevet rules` shows each rule's set, and whether it is on under the configuration found
/// from the current directory and the flags.
#[test]
fn rules_shows_each_set_and_whether_it_is_on() {
    let dir = scratch("rules-sets");
    let line = |listing: &str, id: &str| -> Vec<String> {
        let line = listing
            .lines()
            .find(|l| l.split_whitespace().next() == Some(id))
            .unwrap_or_else(|| panic!("{id} missing:\n{listing}"));
        line.split_whitespace().take(4).map(str::to_owned).collect()
    };
    let listing = stdout(&kubevet_in(&dir, &["rules"]));
    assert_eq!(
        line(&listing, "invalid-name"),
        ["invalid-name", "error", "correctness", "on"]
    );
    assert_eq!(
        line(&listing, "run-as-non-root"),
        ["run-as-non-root", "info", "hardening", "off"]
    );
    assert_eq!(
        line(&listing, "latest-tag"),
        ["latest-tag", "warning", "hygiene", "off"]
    );
    std::fs::write(
        dir.join(".kubevet.yaml"),
        "select: [hardening]\nignore: [service-selects-nothing]\nrules: {latest-tag: info}\n",
    )
    .unwrap();
    let listing = stdout(&kubevet_in(&dir, &["rules"]));
    assert_eq!(line(&listing, "run-as-non-root")[3], "on");
    assert_eq!(line(&listing, "latest-tag")[3], "on");
    assert_eq!(line(&listing, "service-selects-nothing")[3], "off");
    let listing = stdout(&kubevet_in(&dir, &["rules", "--ignore", "hardening"]));
    assert_eq!(line(&listing, "run-as-non-root")[3], "off");
    let listing = stdout(&kubevet_in(&dir, &["rules", "--no-config"]));
    assert_eq!(line(&listing, "service-selects-nothing")[3], "on");
    let o = kubevet_in(&dir, &["rules", "--select", "hardning"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("unknown rule or rule set `hardning`; did you mean `hardening`?"),
        "{}",
        stderr(&o)
    );
}

/// Every id a finding can carry has a page `kubevet explain` prints, with the rule's set.
#[test]
fn explain_knows_every_finding_id() {
    let o = kubevet(&["explain", "invalid-config"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).starts_with("# invalid-config\n"));
    assert!(std::path::Path::new("rules/invalid-config.md").is_file());
    let o = kubevet(&["explain", "missing-probes"]);
    assert!(stdout(&o).contains("· Set: hygiene ·"), "{}", stdout(&o));
    // Every id used in a finding: the table's and the configuration's.
    for rule in kubevet::rules::ALL
        .iter()
        .copied()
        .chain([&kubevet::config::INVALID_CONFIG])
    {
        assert!(
            std::path::Path::new("rules")
                .join(format!("{}.md", rule.id))
                .is_file(),
            "{}",
            rule.id
        );
    }
    let o = kubevet(&["explain", "invalid-confg"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("did you mean `invalid-config`?"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn an_unknown_output_format_is_named() {
    let o = kubevet(&["check", "--output", "foo=x.out", "fixtures/valid"]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains("unknown format `foo`; expected one of human, concise, concise-range, json, sarif, github or junit"),
        "{err}"
    );
    let o = kubevet(&["check", "--output", "sarfi=x.out", "fixtures/valid"]);
    assert!(
        stderr(&o).contains("(did you mean `sarif`?)"),
        "{}",
        stderr(&o)
    );
}

/// `--max-documents`: the help says what happens, and it happens: the first N documents are
/// checked, the rest is reported.
#[test]
fn max_documents_checks_the_first_documents() {
    let help = stdout(&kubevet(&["check", "--help"]));
    assert!(help.contains("only the first N are checked"), "{help}");
    let dir = scratch("max-documents");
    std::fs::write(
        dir.join("two.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: First_One}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: Second_One}\n",
    )
    .unwrap();
    let o = kubevet_in(
        &dir,
        &["check", "--format", "concise", "--max-documents", "1", "."],
    );
    let out = stdout(&o);
    assert!(out.contains("\"First_One\""), "{out}");
    assert!(!out.contains("\"Second_One\""), "{out}");
    assert!(
        out.contains("file has more than 1 document; the rest of it was not checked"),
        "{out}"
    );
}

/// A directory without manifests is not an error, but the run says that nothing was checked,
/// where it looked and with which filters.
#[test]
fn nothing_to_check_is_said() {
    let dir = scratch("nothing-to-check");
    std::fs::write(dir.join("README.md"), "no manifests here\n").unwrap();
    let o = kubevet_in(&dir, &["check", "."]);
    assert_eq!(o.status.code(), Some(0));
    assert!(
        stderr(&o).contains("nothing to check: no Kubernetes manifests (.yaml, .yml, .json) found under . (no include or exclude)"),
        "{}",
        stderr(&o)
    );
    std::fs::write(
        dir.join(".kubevet.yaml"),
        "include: ['apps/**']\nexclude: [legacy]\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("web.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: web}\n",
    )
    .unwrap();
    let o = kubevet_in(&dir, &["check", "."]);
    assert!(
        stderr(&o).contains("found under . (include: `apps/**`; exclude: `legacy`)"),
        "{}",
        stderr(&o)
    );
    // With a manifest checked, nothing is said.
    let o = kubevet_in(&dir, &["check", "--no-config", "."]);
    assert!(!stderr(&o).contains("nothing to check"), "{}", stderr(&o));
}

/// `--format concise-range`: concise with the end of each finding, as the README's
/// problem-matcher expression for it reads it.
#[test]
fn concise_range_gives_the_end() {
    let o = kubevet(&[
        "check",
        "--format",
        "concise-range",
        "--no-context",
        "fixtures/rules/invalid-label-value/fires.yaml",
    ]);
    let out = stdout(&o);
    assert!(
        out.starts_with(
            "fixtures/rules/invalid-label-value/fires.yaml:6:13-6:16: error[invalid-label-value]: "
        ),
        "{out}"
    );
}

/// Shell completions offer the rule ids after `kubevet explain`, the rule ids and sets after
/// `--select`, and the format names after `--format`.
#[test]
fn completions_offer_rule_ids_and_formats() {
    for shell in ["bash", "zsh", "fish"] {
        let script = stdout(&kubevet(&["completions", shell]));
        for word in [
            "service-selects-nothing",
            "invalid-config",
            "hardening",
            "concise-range",
            "junit",
        ] {
            assert!(script.contains(word), "{shell}: {word}");
        }
    }
}

/// A tab used for indentation is reported at the tab, with the fix.
#[test]
fn a_tab_indent_is_reported_at_the_tab() {
    for (yaml, at) in [
        ("a:\n\tb: 1\n", "2:1"),
        (
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n\tname: x\n",
            "4:1",
        ),
        ("a:\n  b: 1\n\tc: 2\n", "3:1"),
        ("a:\n  b: 1\n \tc: 2\n", "3:2"),
        ("a: |\n  x\n\ty\n", "3:1"),
    ] {
        let o = kubevet_stdin(&["check", "--format", "concise", "-"], yaml.as_bytes());
        let out = stdout(&o);
        assert!(
            out.starts_with(&format!("<stdin>:{at}: error[invalid-yaml]: YAML syntax error: a tab character is used for indentation")),
            "{yaml:?}: {out}"
        );
        let o = kubevet_stdin(&["check", "--color", "never", "-"], yaml.as_bytes());
        assert!(
            stdout(&o).contains("help: indent with spaces: YAML forbids tabs for indentation"),
            "{}",
            stdout(&o)
        );
    }
}
