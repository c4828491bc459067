//! Context mode (what a pre-commit hook gets): files checked with the repository around them
//! indexed as context report exactly what a run over the whole repository reports for them.

use kubevet::{Input, Options, check};
use std::path::{Path, PathBuf};

mod common;
use common::{kubevet_in, kubevet_stdin_in, scratch, transcript};

/// A finding as `file:line:col: severity[rule]: message`.
fn line(
    report: &kubevet::Report,
    d: &kubevet::diagnostics::Diagnostic,
    at: kubevet::diagnostics::Location,
) -> String {
    format!(
        "{}:{}:{}: {}[{}]: {}",
        report.file_name(at.file),
        at.start.line,
        at.start.column,
        d.severity.as_str(),
        d.rule.id,
        d.message
    )
}

/// Each finding as a line, with its related locations' files and the line it would be
/// reported as at each of them.
fn findings(report: &kubevet::Report) -> Vec<(String, Vec<(String, String)>)> {
    report
        .diagnostics
        .iter()
        .map(|d| {
            let related = d
                .secondary
                .iter()
                .map(|l| {
                    (
                        report.file_name(l.location.file).to_owned(),
                        line(report, d, l.location),
                    )
                })
                .collect();
            (line(report, d, d.primary.location), related)
        })
        .collect()
}

/// For every file of `root`: the findings of checking it alone with `root` as context equal the
/// findings of checking all of `root` that involve it: those in it, and those with a related
/// location in it, which are reported there.
fn assert_context_equivalence(root: &Path) {
    let full = check(Input::Paths(vec![root.to_path_buf()]), &Options::default()).unwrap();
    // Every file the whole run read (not a chart's templates directory, reported as one).
    let files: Vec<PathBuf> = full
        .files
        .iter()
        .map(|f| PathBuf::from(&f.name))
        .filter(|p| std::fs::metadata(p).is_ok_and(|m| m.is_file()))
        .collect();
    let full = findings(&full);
    assert!(!files.is_empty());
    for file in files {
        let name = file.display().to_string();
        let mut expected: Vec<String> = full
            .iter()
            .filter_map(|(line, related)| {
                if line.starts_with(&format!("{name}:")) {
                    return Some(line.clone());
                }
                related
                    .iter()
                    .find(|(f, _)| *f == name)
                    .map(|(_, moved)| moved.clone())
            })
            .collect();
        expected.sort();
        // Two findings moved to one place with one message are one finding there.
        expected.dedup();
        let options = Options {
            context: vec![root.to_path_buf()],
            ..Options::default()
        };
        let report = check(Input::Paths(vec![file.clone()]), &options).unwrap();
        let mut actual: Vec<String> = findings(&report).into_iter().map(|(l, _)| l).collect();
        actual.sort();
        assert_eq!(
            expected,
            actual,
            "{name} alone, with {} as context",
            root.display()
        );
        // The context is read when the file has an object or a kustomization.
        let has_objects = !report
            .files
            .iter()
            .all(|f| f.context || f.objects.is_empty());
        if has_objects {
            assert!(report.summary.context_files > 0, "{name}");
        }
        assert!(report.summary.files <= 1, "{name}");
    }
}

#[test]
fn every_fixture_file_alone_reports_what_the_whole_run_reports_for_it() {
    assert_context_equivalence(Path::new("fixtures/rules"));
}

#[test]
fn real_repositories_too() {
    let Ok(root) = common::corpus("real", "context::real_repositories_too") else {
        return;
    };
    for repo in ["flux2-kustomize-helm-example", "microservices-demo"] {
        // Absolute, as context mode names files outside the current directory.
        let path = kubevet::workspace::absolute(&root.join(repo));
        if path.is_dir() {
            assert_context_equivalence(&path);
        }
    }
}

const CONFIG_MAP: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n";

/// Two files of one kustomize build defining the same ConfigMap: the finding is on the second
/// one, `b.yaml`.
fn duplicate_repo(name: &str, git: bool) -> PathBuf {
    let repo = scratch(name);
    let dir = repo.join("deploy");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("a.yaml"), CONFIG_MAP).unwrap();
    std::fs::write(dir.join("b.yaml"), CONFIG_MAP).unwrap();
    std::fs::write(
        dir.join("kustomization.yaml"),
        "resources: [a.yaml, b.yaml]\n",
    )
    .unwrap();
    if git {
        std::fs::create_dir_all(repo.join(".git")).unwrap();
    }
    repo
}

fn check_args(dir: &Path, args: &[&str]) -> (Option<i32>, String) {
    let mut all = vec!["check", "--format", "concise"];
    all.extend_from_slice(args);
    let o = kubevet_in(dir, &all);
    (o.status.code(), transcript(&o))
}

#[test]
fn file_arguments_in_a_git_repository_get_the_repository_as_context() {
    let repo = duplicate_repo("context-git", true);
    let (code, out) = check_args(&repo, &["deploy/b.yaml"]);
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.starts_with("deploy/b.yaml:4:9: error[duplicate-object]"),
        "{out}"
    );
    assert!(
        out.contains("checked 1 file (1 document; 2 more files as context)"),
        "{out}"
    );
    // A finding that involves the given file is reported at the given file: a.yaml is the
    // earlier copy b.yaml duplicates (as when a hook passes an older file that a new one
    // duplicates); b.yaml, which was not given, is only the related location.
    let (code, out) = check_args(&repo, &["deploy/a.yaml"]);
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.starts_with("deploy/a.yaml:4:9: error[duplicate-object]"),
        "{out}"
    );
    assert!(!out.contains("deploy/b.yaml:"), "{out}");
    let o = kubevet_in(&repo, &["check", "--format", "json", "deploy/a.yaml"]);
    let out = transcript(&o);
    assert!(
        out.contains("deploy/b.yaml"),
        "the other copy is related: {out}"
    );
    // Files with no object a whole-repo check could involve (a CI config) need no context.
    std::fs::write(repo.join("ci.yaml"), "jobs:\n  build:\n    steps: []\n").unwrap();
    let (code, out) = check_args(&repo, &["ci.yaml"]);
    assert_eq!(code, Some(0), "{out}");
    assert!(
        out.contains("checked 1 file (1 document): 0 errors"),
        "{out}"
    );
    // Findings that do not involve the given files are not reported.
    std::fs::write(
        repo.join("deploy/c.yaml"),
        CONFIG_MAP.replace("settings", "other"),
    )
    .unwrap();
    let (code, out) = check_args(&repo, &["deploy/c.yaml"]);
    assert_eq!(code, Some(0), "{out}");
    // --no-context: the file on its own.
    let (code, out) = check_args(&repo, &["--no-context", "deploy/b.yaml"]);
    assert_eq!(code, Some(0), "{out}");
    // Directories are checked as they are, without context.
    let (_, out) = check_args(&repo, &["deploy"]);
    assert!(out.contains("checked 4 files (4 documents):"), "{out}");
    // From a subdirectory the same finding is found (files are then named by absolute paths,
    // so that kustomizations anywhere in the repository resolve to them).
    let (code, out) = check_args(&repo.join("deploy"), &["b.yaml"]);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("b.yaml:4:9: error[duplicate-object]"), "{out}");
    // The configuration's exclude applies to the context too.
    std::fs::write(repo.join(".kubevet.yaml"), "exclude: [deploy/a.yaml]\n").unwrap();
    let (code, out) = check_args(&repo, &["deploy/b.yaml"]);
    assert_eq!(code, Some(0), "{out}");
}

#[test]
fn outside_a_repository_context_is_explicit() {
    let dir = duplicate_repo("context-plain", false);
    let (code, out) = check_args(&dir, &["deploy/b.yaml"]);
    assert_eq!(code, Some(0), "no repository, no context: {out}");
    let (code, out) = check_args(&dir, &["--context", ".", "deploy/b.yaml"]);
    assert_eq!(code, Some(1), "{out}");
    let (code, out) = check_args(&dir, &["--context", "missing", "deploy/b.yaml"]);
    assert_eq!(code, Some(2), "{out}");
    assert!(
        out.contains("--context missing: no such directory"),
        "{out}"
    );
    let (code, _) = check_args(&dir, &["--context", ".", "--no-context", "deploy/b.yaml"]);
    assert_eq!(code, Some(2), "--context and --no-context conflict");
}

#[test]
fn stdin_named_after_a_file_stands_in_for_it() {
    // An editor checking its unsaved buffer: the file on disk is replaced, not duplicated.
    let repo = duplicate_repo("context-stdin", true);
    let run = |args: &[&str], input: &str| {
        let o = kubevet_stdin_in(&repo, args, input.as_bytes());
        (o.status.code(), transcript(&o))
    };
    let args = [
        "check",
        "--format",
        "concise",
        "-",
        "--stdin-filename",
        "deploy/b.yaml",
        "--context",
        ".",
    ];
    let (code, out) = run(&args, CONFIG_MAP);
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.starts_with("deploy/b.yaml:4:9: error[duplicate-object]"),
        "{out}"
    );
    let renamed = CONFIG_MAP.replace("settings", "other-settings");
    let (code, out) = run(&args, &renamed);
    assert_eq!(code, Some(0), "the buffer replaces b.yaml: {out}");
}
