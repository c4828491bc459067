//! What the README's "Use it in…" section tells users to paste works: the problem-matcher
//! expression reads kubevet's concise output, the VS Code task uses the same expression, and
//! the pre-commit examples name the hooks this repository defines.

mod common;

fn readme() -> String {
    std::fs::read_to_string("README.md").unwrap()
}

/// The code blocks of the README with their info string.
fn blocks() -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut current: Option<(String, String)> = None;
    for line in readme().lines() {
        match &mut current {
            None => {
                if let Some(info) = line.strip_prefix("```") {
                    current = Some((info.to_owned(), String::new()));
                }
            }
            Some(_) if line == "```" => out.extend(current.take()),
            Some((_, body)) => {
                body.push_str(line);
                body.push('\n');
            }
        }
    }
    out
}

fn problem_matcher() -> regex::Regex {
    let expression = blocks()
        .into_iter()
        .find(|(info, body)| info.is_empty() && body.starts_with("^(.+?):"))
        .expect("the README shows the problem-matcher expression")
        .1;
    regex::Regex::new(expression.trim_end()).unwrap()
}

#[test]
fn the_problem_matcher_reads_concise_output() {
    let matcher = problem_matcher();
    let o = common::command()
        .args([
            "check",
            "--format",
            "concise",
            "--no-context",
            "fixtures/rules/unused-suppression",
            "fixtures/rules/helm-template-skipped",
            "fixtures/rules/duplicate-key",
        ])
        .output()
        .unwrap();
    let out = String::from_utf8(o.stdout).unwrap();
    let mut severities = std::collections::HashSet::new();
    let lines: Vec<&str> = out.lines().collect();
    let (summary, findings) = lines.split_last().unwrap();
    assert!(!matcher.is_match(summary), "the summary is not a finding");
    for line in findings {
        let captures = matcher
            .captures(line)
            .unwrap_or_else(|| panic!("no match: {line}"));
        assert!(std::path::Path::new(&captures[1]).exists(), "{line}");
        assert!(captures[2].parse::<u32>().unwrap() >= 1);
        assert!(captures[3].parse::<u32>().unwrap() >= 1);
        assert!(kubevet::rules::find(&captures[5]).is_some(), "{line}");
        assert!(!captures[6].is_empty());
        severities.insert(captures[4].to_owned());
    }
    assert_eq!(
        severities.len(),
        3,
        "errors, warnings and infos: {severities:?}"
    );
}

/// The README's expression for `--format concise-range` reads its lines, end included.
#[test]
fn the_range_problem_matcher_reads_concise_range_output() {
    let expression = blocks()
        .into_iter()
        .find(|(info, body)| info.is_empty() && body.starts_with("^(.+?):(\\d+):(\\d+)-"))
        .expect("the README shows the concise-range expression")
        .1;
    let matcher = regex::Regex::new(expression.trim_end()).unwrap();
    let o = common::command()
        .args([
            "check",
            "--format",
            "concise-range",
            "-q",
            "--no-context",
            "fixtures/rules/invalid-label-value/fires.yaml",
        ])
        .output()
        .unwrap();
    let out = String::from_utf8(o.stdout).unwrap();
    assert!(!out.is_empty());
    for line in out.lines() {
        let c = matcher
            .captures(line)
            .unwrap_or_else(|| panic!("no match: {line}"));
        let (line_no, column): (u32, u32) = (c[2].parse().unwrap(), c[3].parse().unwrap());
        let (end_line, end_column): (u32, u32) = (c[4].parse().unwrap(), c[5].parse().unwrap());
        assert!((end_line, end_column) > (line_no, column), "{line}");
        assert!(kubevet::rules::find(&c[7]).is_some(), "{line}");
    }
}

#[test]
fn the_vs_code_task_uses_the_same_expression() {
    let task = blocks()
        .into_iter()
        .find(|(info, body)| info == "json" && body.contains("problemMatcher"))
        .expect("a VS Code task")
        .1;
    let task: serde_json::Value = serde_json::from_str(&task).expect("valid JSON");
    assert_eq!(
        task["problemMatcher"]["pattern"]["regexp"]
            .as_str()
            .unwrap(),
        problem_matcher().as_str()
    );
}

#[test]
fn the_pre_commit_examples_name_the_hooks_defined_here() {
    let examples: Vec<String> = blocks()
        .into_iter()
        .filter(|(_, body)| body.starts_with("# .pre-commit-config.yaml"))
        .map(|(_, body)| body)
        .collect();
    assert_eq!(
        examples.len(),
        2,
        "the mirror's hook and the repo: local recipe"
    );
    // The prebuilt hook: the mirror generated from packaging/pre-commit/.
    let mirror = std::fs::read_to_string("packaging/pre-commit/.pre-commit-hooks.yaml").unwrap();
    assert!(examples[0].contains("- repo: https://github.com/kubevet/kubevet-pre-commit\n"));
    assert!(examples[0].contains("- id: kubevet"));
    assert!(mirror.contains("- id: kubevet\n"));
    for key in [
        "language: python",
        "types_or: [yaml, json]",
        "require_serial: true",
        "entry: kubevet check",
    ] {
        assert!(mirror.contains(key), "{key}");
        // The repo: local recipe runs the same command on the same files.
        if key != "language: python" {
            assert!(examples[1].contains(key), "recipe: {key}");
        }
    }
    assert!(examples[1].contains("- repo: local\n"));
    assert!(examples[1].contains("language: system\n"));
    assert!(examples[1].contains("verbose: true"));
}

#[test]
fn the_suppression_example_suppresses_what_it_says() {
    let example = blocks()
        .into_iter()
        .find(|(info, body)| {
            info == "yaml" && body.starts_with("metadata:") && body.contains("kubevet-ignore")
        })
        .expect("a suppression example")
        .1;
    let manifest = format!("apiVersion: v1\nkind: ConfigMap\n{example}");
    let dir = common::scratch("readme-suppressions");
    let file = dir.join("cm.yaml");
    std::fs::write(&file, &manifest).unwrap();
    let run = |path: &std::path::Path| {
        let o = common::command()
            .args([
                "check",
                "--format",
                "concise",
                "--no-context",
                "--no-config",
            ])
            .arg(path)
            .output()
            .unwrap();
        String::from_utf8(o.stdout).unwrap()
    };
    let out = run(&file);
    assert!(
        out.ends_with("0 errors, 0 warnings, 0 infos, 2 suppressed\n"),
        "{manifest}\n{out}"
    );
    // Without the comments, the two findings are there.
    let bare: String = manifest
        .lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .map(|l| l.split("  #").next().unwrap().to_owned() + "\n")
        .collect();
    std::fs::write(&file, bare).unwrap();
    let out = run(&file);
    assert!(
        out.contains("error[invalid-name]") && out.contains("error[invalid-label-value]"),
        "{out}"
    );
}

/// The quick start shows the output of a real run on the examples.
#[test]
fn the_quick_start_output_is_real() {
    let shown = blocks()
        .into_iter()
        .find(|(info, body)| {
            info.is_empty() && body.contains("fixtures/invalid/service-name-starts-with-digit.yaml")
        })
        .expect("the quick start shows its output")
        .1;
    let o = common::command()
        .args([
            "check",
            "--color",
            "never",
            "fixtures/valid",
            "fixtures/invalid",
        ])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8(o.stdout).unwrap(), shown);
}
