//! The machine formats end to end: SARIF (validated against the official SARIF 2.1.0 schema),
//! GitHub workflow commands, JUnit XML, `--output`, `--show-suppressed`, and completions.

use std::process::{Command, Output};

mod common;
use common::{assert_snapshot, command_in, kubevet, root, scratch, stderr, stdout};

/// Fixtures with secondary labels, cross-file related locations, a file that cannot be read
/// as UTF-8, non-ASCII text, and suppressions; with every rule set, so that infos are there too.
const SAMPLE: &[&str] = &[
    "--no-context",
    "--select",
    "hygiene,hardening",
    "fixtures/rules/duplicate-key/fires.yaml",
    "fixtures/rules/duplicate-object/fires-two-files",
    "fixtures/rules/invalid-utf8/fires-latin1.yaml",
    "fixtures/rules/invalid-label-value/fires.yaml",
    "fixtures/rules/unused-suppression",
];

fn sample(format: &str, extra: &[&str]) -> Output {
    let mut args = vec!["check", "--format", format];
    args.extend_from_slice(extra);
    args.extend_from_slice(SAMPLE);
    kubevet(&args)
}

fn sarif_schema() -> jsonschema::Validator {
    let mut schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string("tests/data/sarif-schema-2.1.0.json").unwrap(),
    )
    .unwrap();
    // The official schema's pattern for `language` properties (which kubevet does not write)
    // has a stray `]`: a literal bracket in ECMA 262's Annex B, an error to the stricter regex
    // check of the meta-schema. Escaping it keeps its meaning and lets the schema compile.
    let patched = patch_pattern(
        &mut schema,
        "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$",
        r"^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}\]?$",
    );
    assert_eq!(patched, 2, "run.language and toolComponent.language");
    jsonschema::draft7::new(&schema).expect("the SARIF schema compiles")
}

fn patch_pattern(value: &mut serde_json::Value, from: &str, to: &str) -> usize {
    match value {
        serde_json::Value::Object(map) => map
            .iter_mut()
            .map(|(key, v)| {
                if key == "pattern" && v == from {
                    *v = to.into();
                    1
                } else {
                    patch_pattern(v, from, to)
                }
            })
            .sum(),
        serde_json::Value::Array(items) => {
            items.iter_mut().map(|v| patch_pattern(v, from, to)).sum()
        }
        _ => 0,
    }
}

fn assert_valid_sarif(sarif: &serde_json::Value) {
    let validator = sarif_schema();
    let errors: Vec<String> = validator
        .iter_errors(sarif)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "SARIF does not validate:\n{}",
        errors.join("\n")
    );
}

#[test]
fn sarif_validates_against_the_official_schema() {
    let o = sample("sarif", &["--show-suppressed"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let sarif: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    assert_valid_sarif(&sarif);
    // The validator is not vacuous: a region starting at line 0 is rejected.
    let mut broken = sarif.clone();
    broken["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] =
        0.into();
    assert!(!sarif_schema().is_valid(&broken));

    let run = &sarif["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    for rule in kubevet::rules::ALL {
        let r = rules
            .iter()
            .find(|r| r["id"] == rule.id)
            .unwrap_or_else(|| panic!("{} missing from the rules", rule.id));
        assert!(
            r["helpUri"]
                .as_str()
                .unwrap()
                .ends_with(&format!("/rules/{}.md", rule.id))
        );
        assert!(
            r["help"]["markdown"]
                .as_str()
                .unwrap()
                .contains("## How to fix")
        );
        assert_eq!(r["shortDescription"]["text"], rule.summary);
    }
    let root = run["originalUriBaseIds"]["%SRCROOT%"]["uri"]
        .as_str()
        .unwrap();
    assert!(
        root.starts_with("file:///") && root.ends_with('/'),
        "{root}"
    );
    let results = run["results"].as_array().unwrap();
    assert!(results.len() > 10);
    let mut fingerprints = std::collections::HashSet::new();
    let mut suppressed = 0;
    for result in results {
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], result["ruleId"]);
        let location = &result["locations"][0]["physicalLocation"];
        let artifact = &location["artifactLocation"];
        assert_eq!(artifact["uriBaseId"], "%SRCROOT%");
        assert!(
            artifact["uri"]
                .as_str()
                .unwrap()
                .starts_with("fixtures/rules/")
        );
        for key in ["startLine", "startColumn", "endLine", "endColumn"] {
            assert!(location["region"][key].as_u64().unwrap() >= 1, "{key}");
        }
        let fingerprint = result["partialFingerprints"]["kubevetFinding/v1"]
            .as_str()
            .unwrap();
        assert!(
            fingerprints.insert(fingerprint.to_owned()),
            "duplicate {fingerprint}"
        );
        if result.get("suppressions").is_some() {
            assert_eq!(result["suppressions"][0]["kind"], "inSource");
            suppressed += 1;
        }
    }
    assert!(suppressed > 0, "--show-suppressed lists suppressed results");
    // Related locations: the first key of a duplicate, the other file of a duplicate object.
    assert!(results.iter().any(|r| r["ruleId"] == "duplicate-key"
        && r["relatedLocations"][0]["message"]["text"] == "first defined here (ignored)"));
    assert!(results.iter().any(|r| {
        r["ruleId"] == "duplicate-object"
            && r["relatedLocations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap()
                .ends_with("nginx-a.yaml")
    }));
    // Certain fixes, as `check --fix` applies them: `canary: yes` (line 6) quoted.
    let canary = results
        .iter()
        .find(|r| {
            r["ruleId"] == "invalid-label-value"
                && r["locations"][0]["physicalLocation"]["region"]["startLine"] == 6
        })
        .expect("the canary label's finding");
    let change = &canary["fixes"][0]["artifactChanges"][0];
    assert_eq!(
        change["artifactLocation"],
        canary["locations"][0]["physicalLocation"]["artifactLocation"]
    );
    assert_eq!(
        change["replacements"][0],
        serde_json::json!({
            "deletedRegion": {"startLine": 6, "startColumn": 13, "endLine": 6, "endColumn": 16},
            "insertedContent": {"text": "\"yes\""},
        })
    );
}

#[test]
fn sarif_snapshot() {
    let o = sample("sarif", &[]);
    let sarif: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    // The rules' help pages and the machine's own path are not what this snapshot is about.
    let mut run = sarif["runs"][0].clone();
    run["originalUriBaseIds"]["%SRCROOT%"]["uri"] = "file:///SRCROOT/".into();
    for rule in run["tool"]["driver"]["rules"].as_array_mut().unwrap() {
        rule["help"] = "…".into();
    }
    let mut shown = sarif.clone();
    shown["runs"][0] = run;
    assert_snapshot(
        "sarif.txt",
        &(serde_json::to_string_pretty(&shown).unwrap() + "\n"),
    );
}

#[test]
fn sarif_fingerprints_survive_lines_moving() {
    let dir = scratch("fingerprints");
    let manifest = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: Bad_Name\n  labels:\n    canary: yes\n";
    let file = dir.join("cm.yaml");
    let run = || {
        let o = kubevet(&[
            "check",
            "--format",
            "sarif",
            "--no-context",
            file.to_str().unwrap(),
        ]);
        let sarif: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        sarif["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["partialFingerprints"]["kubevetFinding/v1"]
                        .as_str()
                        .unwrap()
                        .to_owned(),
                    r["locations"][0]["physicalLocation"]["region"]["startLine"]
                        .as_u64()
                        .unwrap(),
                )
            })
            .collect::<Vec<_>>()
    };
    std::fs::write(&file, manifest).unwrap();
    let before = run();
    std::fs::write(&file, format!("# a new comment\n# and another\n{manifest}")).unwrap();
    let after = run();
    assert_eq!(before.len(), 2);
    for ((fa, la), (fb, lb)) in before.iter().zip(&after) {
        assert_eq!(fa, fb, "the fingerprint does not depend on the line");
        assert_eq!(la + 2, *lb);
    }
}

#[test]
fn github_annotations_snapshot() {
    let o = sample("github", &[]);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    for line in out.lines().filter(|l| l.starts_with("::")) {
        assert!(
            line.starts_with("::error file=")
                || line.starts_with("::warning file=")
                || line.starts_with("::notice file="),
            "{line}"
        );
        assert!(
            line.contains(",line=")
                && line.contains(",endColumn=")
                && line.contains(",title=kubevet%3A ")
        );
    }
    assert_snapshot("github.txt", &out);
}

#[test]
fn github_escapes_file_names_and_messages() {
    let dir = scratch("github, 100%: odd");
    let file = dir.join("a,b:c%d.yaml");
    std::fs::write(
        &file,
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: \"50%_off\\r\\nnext\"\n",
    )
    .unwrap();
    let o = kubevet(&[
        "check",
        "--format",
        "github",
        "--no-context",
        file.to_str().unwrap(),
    ]);
    let line = stdout(&o).lines().next().unwrap().to_owned();
    // Relative to the working directory (the checkout) when the scratch directory is in it;
    // absolute under a CARGO_TARGET_DIR elsewhere.
    let relative = match file.strip_prefix(root()) {
        Ok(_) => "target/tmp/github%2C 100%25%3A odd/a%2Cb%3Ac%25d.yaml".to_owned(),
        Err(_) => format!(
            "{}/github%2C 100%25%3A odd/a%2Cb%3Ac%25d.yaml",
            dir.parent()
                .unwrap()
                .to_str()
                .unwrap()
                .replace('%', "%25")
                .replace(',', "%2C")
                .replace(':', "%3A")
        ),
    };
    assert!(
        line.starts_with(&format!("::error file={relative},line=4,col=9,")),
        "{line}"
    );
    // In the message: `%` and the line breaks escaped, `:` and `,` as they are.
    assert!(
        line.contains("::metadata.name: Invalid value: \"50%25_off\\r\\nnext\""),
        "{line}"
    );
    assert!(line.contains("%0A%0Ahelp: "), "{line}");
    // Paths are relative to GITHUB_WORKSPACE when it is set.
    let o = command_in(root())
        .args([
            "check",
            "--format",
            "github",
            "--no-context",
            file.to_str().unwrap(),
        ])
        .env("GITHUB_WORKSPACE", &dir)
        .output()
        .unwrap();
    assert!(
        stdout(&o).starts_with("::error file=a%2Cb%3Ac%25d.yaml,line=4,"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn junit_is_one_suite_per_file_and_one_case_per_object() {
    let o = sample("junit", &[]);
    let xml = stdout(&o);
    let doc = roxmltree::Document::parse(&xml).expect("well-formed XML");
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "testsuites");
    let suites: Vec<_> = root.children().filter(|n| n.is_element()).collect();
    assert!(suites.iter().all(|s| s.tag_name().name() == "testsuite"));
    let names: Vec<_> = suites
        .iter()
        .map(|s| s.attribute("name").unwrap())
        .collect();
    assert!(names.contains(&"fixtures/rules/duplicate-object/fires-two-files/nginx-b.yaml"));
    let mut tests = 0;
    let mut failures = 0;
    for suite in &suites {
        let cases: Vec<_> = suite
            .children()
            .filter(|n| n.has_tag_name("testcase"))
            .collect();
        assert_eq!(suite.attribute("tests").unwrap(), cases.len().to_string());
        let failing = cases
            .iter()
            .filter(|c| c.children().any(|n| n.has_tag_name("failure")))
            .count();
        assert_eq!(suite.attribute("failures").unwrap(), failing.to_string());
        tests += cases.len();
        failures += failing;
    }
    assert_eq!(root.attribute("tests").unwrap(), tests.to_string());
    assert_eq!(root.attribute("failures").unwrap(), failures.to_string());
    // The duplicate-key fixture's Deployment fails with the duplicate-key error.
    let case = doc
        .descendants()
        .find(|n| {
            n.has_tag_name("testcase")
                && n.attribute("file") == Some("fixtures/rules/duplicate-key/fires.yaml")
        })
        .unwrap();
    let failure = case.children().find(|n| n.has_tag_name("failure")).unwrap();
    assert_eq!(failure.attribute("type"), Some("duplicate-key"));
    assert!(
        failure
            .text()
            .unwrap()
            .contains("help: remove one of the two")
    );
    assert_snapshot("junit.txt", &xml);
}

#[test]
fn junit_failures_follow_fail_on() {
    let path = "fixtures/rules/reserved-namespace";
    let count = |extra: &[&str]| {
        let mut args = vec!["check", "--format", "junit"];
        args.extend_from_slice(extra);
        args.push(path);
        let xml = stdout(&kubevet(&args));
        let doc = roxmltree::Document::parse(&xml).unwrap();
        (
            doc.descendants()
                .filter(|n| n.has_tag_name("failure"))
                .count(),
            doc.descendants()
                .filter(|n| n.has_tag_name("system-out"))
                .count(),
        )
    };
    // Warnings only: below the default fail level they are output, not failures.
    let (failures, outputs) = count(&[]);
    assert_eq!(failures, 0);
    assert!(outputs > 0);
    let (failures, outputs) = count(&["--fail-on", "warning"]);
    assert!(failures > 0);
    assert_eq!(outputs, 0);
}

#[test]
fn output_writes_a_second_format_in_the_same_run() {
    let dir = scratch("outputs");
    let sarif = dir.join("kubevet.sarif");
    let junit = dir.join("report.xml");
    let json = dir.join("out.txt");
    let o = kubevet(&[
        "check",
        "--color",
        "never",
        "--no-context",
        "--output",
        sarif.to_str().unwrap(),
        "--output",
        &format!("junit={}", junit.display()),
        "--output",
        &format!("json={}", json.display()),
        "fixtures/rules/duplicate-key/fires.yaml",
    ]);
    assert_eq!(o.status.code(), Some(1));
    let human = stdout(&o);
    assert!(
        human.contains("\nerror[duplicate-key]: ") && human.starts_with(char::is_alphabetic),
        "human on stdout: {human}"
    );
    let sarif: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&sarif).unwrap()).unwrap();
    assert_valid_sarif(&sarif);
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert!(results.iter().any(|r| r["ruleId"] == "duplicate-key"));
    roxmltree::Document::parse(&std::fs::read_to_string(&junit).unwrap()).unwrap();
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(json["summary"]["errors"], 2);

    for bad in ["report.txt", "yaml=x.yaml", "sarif="] {
        let o = kubevet(&["check", "--output", bad, "fixtures/valid"]);
        assert_eq!(o.status.code(), Some(2), "{bad}");
        assert!(stderr(&o).contains("--output"), "{bad}: {}", stderr(&o));
    }
    let o = kubevet(&[
        "check",
        "--output",
        "sarif=/nonexistent/dir/x.sarif",
        "fixtures/valid",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("/nonexistent/dir/x.sarif"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn suppressed_findings_are_counted_and_shown_on_request() {
    let path = "fixtures/rules/unused-suppression/ok-line-above.yaml";
    let o = kubevet(&["check", "--no-context", path]);
    assert_eq!(o.status.code(), Some(0));
    assert!(
        stdout(&o).ends_with("0 errors, 0 warnings, 0 infos, 3 suppressed\n"),
        "{}",
        stdout(&o)
    );
    let o = kubevet(&["check", "--format", "json", "--no-context", path]);
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(json["summary"]["suppressed"], 3);
    assert!(
        json.get("suppressed").is_none(),
        "listed only with --show-suppressed"
    );
    let o = kubevet(&[
        "check",
        "--format",
        "json",
        "--show-suppressed",
        "--no-context",
        path,
    ]);
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let suppressed = json["suppressed"].as_array().unwrap();
    assert_eq!(suppressed.len(), 3);
    let first = &suppressed[0];
    assert_eq!(first["rule"], "invalid-name");
    assert_eq!(first["line"], 6);
    assert_eq!(first["suppression"]["kind"], "comment");
    assert_eq!(first["suppression"]["line"], 5);
    assert_eq!(
        first["suppression"]["reason"],
        "imported from the old cluster as is"
    );
}

#[test]
fn completions_for_every_shell() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let o = kubevet(&["completions", shell]);
        assert_eq!(o.status.code(), Some(0), "{shell}");
        let script = stdout(&o);
        assert!(script.contains("kubevet"), "{shell}");
        assert!(script.contains("fail-on"), "{shell}: flags of `check`");
        assert!(script.contains("sarif"), "{shell}: format values");
    }
    // Where the shell is installed, the script must at least parse.
    let dir = scratch("completions");
    for (shell, check) in [
        ("bash", &["-n"][..]),
        ("zsh", &["-n"]),
        ("fish", &["--no-execute"]),
    ] {
        if Command::new(shell).arg("--version").output().is_err() {
            eprintln!("{shell} not installed: syntax not checked");
            continue;
        }
        let file = dir.join(format!("kubevet.{shell}"));
        std::fs::write(&file, kubevet(&["completions", shell]).stdout).unwrap();
        let o = Command::new(shell).args(check).arg(&file).output().unwrap();
        assert!(o.status.success(), "{shell}: {}", stderr(&o));
    }
    assert_eq!(kubevet(&["completions", "tcsh"]).status.code(), Some(2));
}

/// Checked files are not kept in memory: snippets come from reading them again, and a file
/// that changed in between gets its findings without a snippet rather than a wrong one.
#[test]
fn snippets_are_read_again_and_only_from_unchanged_files() {
    use kubevet::output::{Format, Style, render};
    let dir = scratch("reread");
    let file = dir.join("pod.yaml");
    let manifest = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n    - name: web\n      image: nginx:latest\n";
    std::fs::write(&file, manifest).unwrap();
    let mut options = kubevet::Options {
        context: Vec::new(),
        ..kubevet::Options::default()
    };
    options.policy.set_flags(kubevet::config::Selectors {
        select: vec![kubevet::config::Selector::parse("latest-tag").unwrap()],
        ignore: Vec::new(),
    });
    let report = kubevet::check(kubevet::Input::Paths(vec![file.clone()]), &options).unwrap();
    assert!(report.files[0].text.is_none(), "the text is not kept");
    let human = |report: &kubevet::Report| {
        let mut out = Vec::new();
        render(report, Format::Human, Style::default(), &mut out).unwrap();
        String::from_utf8(out).unwrap()
    };
    let shown = human(&report);
    assert!(shown.contains("[latest-tag]"), "{shown}");
    assert!(
        shown.contains("image: nginx:latest"),
        "snippet read again:\n{shown}"
    );
    // Same length, other text: no snippet, same findings.
    std::fs::write(&file, manifest.replace("latest", "LATEST")).unwrap();
    let shown = human(&report);
    assert!(shown.contains("[latest-tag]"), "{shown}");
    assert!(
        !shown.contains("image: nginx"),
        "no stale snippet:\n{shown}"
    );
    std::fs::remove_file(&file).unwrap();
    assert!(human(&report).contains("[latest-tag]"));
}
