//! The `## Example` of every rule page (`rules/<rule-id>.md`) is run: what the page shows is what
//! kubevet reports.
//!
//! The format, for contributors: each ```` ```yaml ```` block of the Example section is a file
//! (named by a first line `# path/to/file.yaml`, else `example.yaml`, `example-2.yaml`, ...);
//! together they are one small repository, checked with the built binary. A finding is written
//! as a comment on the line it points at: `# error[rule-id]`, `# warning[rule-id]` or
//! `# info[rule-id]` (several on one line if need be; text may follow, e.g.
//! `# warning[latest-tag]: no tag means latest`). The page's own rule is selected (as with
//! `--select <rule-id>`), so that opt-in rules show too. The test compares rule, severity, file and
//! line: every annotation must be reported, and every finding of the page's own rule, and every
//! error or warning of any rule, must be annotated. (Info findings of other rules, such as
//! `missing-probes` on a short Deployment, are not compared unless annotated.)
//!
//! Pages whose example cannot be a text file are listed in [`NOT_RUNNABLE`] with the reason.

use std::collections::BTreeSet;
use std::path::Path;

mod common;
use common::{kubevet_in, scratch_outside, stderr, stdout};

/// Rules whose Example cannot be shown as YAML text in a page, and why.
const NOT_RUNNABLE: &[(&str, &str)] = &[
    ("invalid-utf8", "the example is bytes that are not UTF-8"),
    (
        "unreadable-file",
        "the example is a file kubevet may not read",
    ),
    (
        "special-file-skipped",
        "the example is a FIFO, which a text file cannot be",
    ),
    (
        "helm-template-skipped",
        "the finding is on a chart's templates directory, not on a line",
    ),
];

/// (file, line, severity, rule)
type Finding = (String, usize, String, String);

/// The `yaml` blocks of the page's `## Example` section, as (file name, text).
fn example_files(page: &str) -> Vec<(String, String)> {
    let Some(start) = page.find("\n## Example\n") else {
        return Vec::new();
    };
    let section = &page[start + 1..];
    let section = &section[..section[3..].find("\n## ").map_or(section.len(), |i| i + 3)];
    let mut files = Vec::new();
    let mut block: Option<String> = None;
    for line in section.lines() {
        match &mut block {
            None if line.trim_end() == "```yaml" => block = Some(String::new()),
            Some(text) if line.trim_end() == "```" => {
                let name = text
                    .lines()
                    .next()
                    .and_then(|l| l.strip_prefix("# "))
                    .filter(|n| !n.contains(' ') && (n.ends_with(".yaml") || n.ends_with(".yml")))
                    .map(str::to_owned)
                    .unwrap_or_else(|| {
                        let unnamed = files
                            .iter()
                            .filter(|(n, _): &&(String, String)| n.starts_with("example"))
                            .count();
                        match unnamed {
                            0 => "example.yaml".to_owned(),
                            n => format!("example-{}.yaml", n + 1),
                        }
                    });
                files.push((name, std::mem::take(text)));
                block = None;
            }
            Some(text) => {
                text.push_str(line);
                text.push('\n');
            }
            None => {}
        }
    }
    files
}

/// The findings the comments of `text` announce.
fn annotations(file: &str, text: &str) -> Vec<Finding> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let Some(comment) = line
            .find(" #")
            .map(|at| &line[at + 2..])
            .or_else(|| line.trim_start().strip_prefix('#'))
        else {
            continue;
        };
        for severity in ["error", "warning", "info"] {
            let marker = format!("{severity}[");
            let mut rest = comment;
            while let Some(at) = rest.find(&marker) {
                let preceded_by_word = rest[..at]
                    .chars()
                    .last()
                    .is_some_and(|c| c.is_alphanumeric() || c == '-');
                rest = &rest[at + marker.len()..];
                let Some(end) = rest.find(']') else { break };
                if !preceded_by_word {
                    out.push((
                        file.to_owned(),
                        i + 1,
                        severity.to_owned(),
                        rest[..end].to_owned(),
                    ));
                }
            }
        }
    }
    out
}

/// The findings of a concise report, as (file, line, severity, rule).
fn reported(concise: &str) -> Vec<Finding> {
    concise
        .lines()
        .filter_map(|line| {
            let (location, rest) = line.split_once(": ")?;
            let (severity, rest) = rest.split_once('[')?;
            let rule = rest.split_once(']')?.0;
            let mut parts = location.rsplitn(3, ':');
            let _column = parts.next()?;
            let line_number = parts.next()?.parse().ok()?;
            let file = parts.next()?;
            Some((
                file.to_owned(),
                line_number,
                severity.to_owned(),
                rule.to_owned(),
            ))
        })
        .collect()
}

/// What is wrong with the example of `rule`'s page; empty when it shows what kubevet reports.
fn check_page(rule: &str) -> Vec<String> {
    let page = std::fs::read_to_string(Path::new("rules").join(format!("{rule}.md"))).unwrap();
    let files = example_files(&page);
    if files.is_empty() {
        return vec![format!("rules/{rule}.md: the Example has no ```yaml block")];
    }
    let dir = scratch_outside(&format!("doc-example-{rule}"));
    let mut expected = BTreeSet::new();
    for (name, text) in &files {
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        expected.extend(annotations(name, text));
    }
    let o = kubevet_in(
        &dir,
        &[
            "check", "--format", "concise", "--color", "never", "--select", rule, ".",
        ],
    );
    let _ = std::fs::remove_dir_all(&dir);
    if !matches!(o.status.code(), Some(0 | 1)) {
        return vec![format!("rules/{rule}.md: kubevet failed: {}", stderr(&o))];
    }
    let out = stdout(&o);
    let actual: BTreeSet<Finding> = reported(&out)
        .into_iter()
        .map(|(f, l, s, r)| (f.trim_start_matches("./").to_owned(), l, s, r))
        .collect();
    let mut problems = Vec::new();
    for a in expected.difference(&actual) {
        problems.push(format!(
            "rules/{rule}.md: {}:{}: {}[{}] is announced but not reported",
            a.0, a.1, a.2, a.3
        ));
    }
    for f in actual.difference(&expected) {
        if f.3 == rule || f.2 != "info" {
            problems.push(format!(
                "rules/{rule}.md: {}:{}: {}[{}] is reported but not announced",
                f.0, f.1, f.2, f.3
            ));
        }
    }
    if !actual.iter().any(|f| f.3 == rule) && problems.is_empty() {
        problems.push(format!(
            "rules/{rule}.md: the Example does not show {rule} firing"
        ));
    }
    if !problems.is_empty() {
        problems.push(format!("kubevet said:\n{out}"));
    }
    problems
}

#[test]
fn every_rule_page_example_shows_what_kubevet_reports() {
    let mut problems = Vec::new();
    let mut checked = 0;
    for rule in kubevet::rules::ALL {
        if NOT_RUNNABLE.iter().any(|(id, _)| *id == rule.id) {
            continue;
        }
        checked += 1;
        problems.extend(check_page(rule.id));
    }
    assert!(checked > 50, "only {checked} pages checked");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Rule pages cite sources users have (a Kubernetes source file and function, a kubernetes.io
/// page), not sections of a private reference document.
#[test]
fn no_rule_page_cites_the_private_reference() {
    let mut offenders = Vec::new();
    for rule in kubevet::rules::ALL {
        let page = std::fs::read_to_string(Path::new("rules").join(format!("{}.md", rule.id)))
            .unwrap()
            .to_lowercase();
        if page.contains("reference §") || page.contains("reference section") {
            offenders.push(rule.id);
        }
    }
    assert!(
        offenders.is_empty(),
        "these pages cite \"Reference §N\"; cite the Kubernetes source or docs instead: {offenders:?}"
    );
}

#[test]
fn the_pages_that_cannot_run_their_example_exist() {
    for (id, reason) in NOT_RUNNABLE {
        assert!(
            kubevet::rules::find(id).is_some(),
            "{id} ({reason}) is not a rule"
        );
    }
}

#[test]
fn annotations_are_read_as_documented() {
    let text = "a: 1\nimage: nginx   # warning[latest-tag]: no tag\n# error[x] info[y-z]\nb: c#warning[no]\nd: 2  # see-warning[no]\n";
    assert_eq!(
        annotations("f.yaml", text),
        [
            ("f.yaml".into(), 2, "warning".into(), "latest-tag".into()),
            ("f.yaml".into(), 3, "error".into(), "x".into()),
            ("f.yaml".into(), 3, "info".into(), "y-z".into()),
        ]
    );
    let page = "# r\n\n## Example\n```yaml\n# base/kustomization.yaml\nresources: []\n```\ntext\n```yaml\nkind: Pod\n```\n\n## How to fix\n```yaml\nno: 1\n```\n";
    assert_eq!(
        example_files(page),
        [
            (
                "base/kustomization.yaml".into(),
                "# base/kustomization.yaml\nresources: []\n".into()
            ),
            ("example.yaml".into(), "kind: Pod\n".into()),
        ]
    );
    assert_eq!(
        reported("a/b.yaml:3:7: error[invalid-name]: x: y\nchecked 1 file\n"),
        [("a/b.yaml".into(), 3, "error".into(), "invalid-name".into())]
    );
}
