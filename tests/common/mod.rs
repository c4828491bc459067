//! The shared test harness: every integration test includes it with `mod common;`.
//!
//! - running the built binary ([`kubevet`], [`kubevet_in`], [`kubevet_stdin`]) with a clean
//!   environment, and reading what it printed ([`stdout`], [`stderr`], [`transcript`]);
//! - running the library on a path or on YAML text ([`check_paths`], [`check_yaml`]) and
//!   rendering the report ([`render_report`], [`concise`]);
//! - scratch directories ([`scratch`] inside the build's temporary directory, [`scratch_outside`]
//!   outside any repository);
//! - fixtures ([`cases`]: the cases of a fixture directory, sorted);
//! - expected files: [`assert_expected`] compares with a file, or rewrites it when
//!   `UPDATE_EXPECT` is set ([`update_expect`]); [`assert_snapshot`] does so under
//!   `tests/snapshots/`;
//! - [`normalise_paths`]: machine-specific directories replaced by stable placeholders.
//!
//! Not every test uses every helper.
#![allow(dead_code)]

use kubevet::diagnostics::Severity;
use kubevet::output::{Format, Style, render};
use kubevet::{Input, KubeVersion, Options, Report, check};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// The repository root (where `Cargo.toml` is); tests run from here.
pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The kubevet binary in `dir`, with the variables that change its output (`NO_COLOR`,
/// `GITHUB_WORKSPACE`) removed.
pub fn command_in(dir: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_kubevet"));
    command
        .current_dir(dir)
        .env_remove("NO_COLOR")
        .env_remove("GITHUB_WORKSPACE");
    command
}

/// The kubevet binary in the repository root (see [`command_in`]).
pub fn command() -> Command {
    command_in(root())
}

/// Runs kubevet with `args` in the repository root.
pub fn kubevet(args: &[&str]) -> Output {
    kubevet_in(root(), args)
}

/// Runs kubevet with `args` in `dir`.
pub fn kubevet_in(dir: &Path, args: &[&str]) -> Output {
    command_in(dir).args(args).output().expect("run kubevet")
}

/// Runs kubevet with `args` in the repository root, `input` on its standard input.
pub fn kubevet_stdin(args: &[&str], input: &[u8]) -> Output {
    kubevet_stdin_in(root(), args, input)
}

/// Runs kubevet with `args` in `dir`, `input` on its standard input.
pub fn kubevet_stdin_in(dir: &Path, args: &[&str], input: &[u8]) -> Output {
    let mut child = command_in(dir)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run kubevet");
    child.stdin.take().unwrap().write_all(input).unwrap();
    child.wait_with_output().unwrap()
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Standard output, then standard error, then `exit: N`: one text to compare.
pub fn transcript(o: &Output) -> String {
    format!(
        "{}{}exit: {}\n",
        stdout(o),
        stderr(o),
        o.status.code().unwrap_or(-1)
    )
}

/// An empty directory `name` under the build's temporary directory (inside this repository,
/// so a run there finds the repository's root).
pub fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// An empty directory `name` under the system's temporary directory: outside any repository.
pub fn scratch_outside(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("kubevet-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Writes `files` (path relative to `dir`, text) below `dir`, creating directories.
pub fn write_files(dir: &Path, files: &[(&str, &str)]) {
    for (name, text) in files {
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
}

/// The cases of a fixture directory, sorted: its subdirectories and its `.yaml`, `.yml` and
/// `.json` files (not the `.expected` and other snapshot files beside them).
pub fn cases(dir: &Path) -> Vec<PathBuf> {
    let mut cases: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.is_dir()
                || matches!(
                    p.extension().and_then(|e| e.to_str()),
                    Some("yaml" | "yml" | "json")
                )
        })
        .collect();
    cases.sort();
    cases
}

/// `case` with `suffix` added to its file name: `fires.yaml` → `fires.yaml.expected`.
pub fn beside(case: &Path, suffix: &str) -> PathBuf {
    let mut name = case.file_name().unwrap().to_os_string();
    name.push(suffix);
    case.with_file_name(name)
}

/// Whether `UPDATE_EXPECT` is set: expected files are then rewritten, not compared.
pub fn update_expect() -> bool {
    std::env::var_os("UPDATE_EXPECT").is_some()
}

/// Compares `actual` with the file at `path`; with `UPDATE_EXPECT` set, writes it there instead.
pub fn assert_expected(path: &Path, actual: &str) {
    if update_expect() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(path).unwrap_or_else(|_| {
        panic!(
            "missing {} (UPDATE_EXPECT=1 creates it)\nactual:\n{actual}",
            path.display()
        )
    });
    assert_eq!(expected, actual, "output differs from {}", path.display());
}

/// [`assert_expected`] for a snapshot `name` under `tests/snapshots/`.
pub fn assert_snapshot(name: &str, actual: &str) {
    assert_expected(&Path::new("tests/snapshots").join(name), actual);
}

/// `text` with the machine-specific directories replaced: the build's temporary directory by
/// `$TMP`, the system's by `$SYSTMP`, the repository root by `$ROOT`.
pub fn normalise_paths(text: &str) -> String {
    let mut text = text.replace(env!("CARGO_TARGET_TMPDIR"), "$TMP");
    text = text.replace(root().to_str().unwrap(), "$ROOT");
    let system = std::env::temp_dir();
    let system = system.to_str().unwrap().trim_end_matches('/');
    if !system.is_empty() {
        text = text.replace(&format!("{system}/"), "$SYSTMP/");
    }
    text
}

/// The library's report for `paths`.
pub fn check_paths(paths: &[&Path], options: &Options) -> Report {
    let input = Input::Paths(paths.iter().map(|p| p.to_path_buf()).collect());
    check(input, options).unwrap()
}

/// The library's report for `yaml`, read as a stream named `test.yaml`.
pub fn check_yaml(yaml: &str, options: &Options) -> Report {
    let input = Input::Stream {
        name: "test.yaml".into(),
        bytes: yaml.as_bytes().to_vec(),
    };
    check(input, options).unwrap()
}

/// The library's report for `yaml` checked against Kubernetes 1.`minor`.
pub fn check_yaml_at(yaml: &str, minor: u32) -> Report {
    let options = Options {
        kubernetes_version: KubeVersion::new(minor),
        ..Options::default()
    };
    check_yaml(yaml, &options)
}

/// (rule id, severity) of every error and warning for `yaml` checked against 1.`minor`.
pub fn errors_and_warnings(yaml: &str, minor: u32) -> Vec<(&'static str, Severity)> {
    check_yaml_at(yaml, minor)
        .diagnostics
        .iter()
        .map(|d| (d.rule.id, d.severity))
        .filter(|(_, s)| *s != Severity::Info)
        .collect()
}

/// `report` rendered in `format`, without colour and without the summary line.
pub fn render_report(report: &Report, format: Format) -> String {
    let mut out = Vec::new();
    let style = Style {
        summary: false,
        ..Style::default()
    };
    render(report, format, style, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

/// The concise findings of `report`, one a line.
pub fn concise(report: &Report) -> String {
    render_report(report, Format::Concise)
}

/// Whether `shellcheck` is installed. When it is not, says that `what` is not checked, and
/// fails if `KUBEVET_REQUIRE_SHELLCHECK` is set (as in CI).
pub fn shellcheck_installed(what: &str) -> bool {
    if Command::new("shellcheck").arg("--version").output().is_ok() {
        return true;
    }
    assert!(
        std::env::var_os("KUBEVET_REQUIRE_SHELLCHECK").is_none(),
        "shellcheck is required (KUBEVET_REQUIRE_SHELLCHECK) but not installed"
    );
    eprintln!("shellcheck is not installed: {what} is not checked");
    false
}

/// The shared corpora directory: `KUBEVET_CORPORA` if set, else `../shared/corpora` beside
/// this repository.
pub fn corpora_root() -> PathBuf {
    std::env::var_os("KUBEVET_CORPORA")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("../shared/corpora"))
}

/// `sub` (a directory, or a file) of the shared corpora, if present. When it is absent the test
/// says it skips, on the terminal: written to the process's standard error directly, which the
/// test harness does not capture (it captures `eprintln!`), so `cargo test` shows the skip
/// next to the `ok`. Returns the line it wrote, too.
pub fn corpus(sub: &str, test: &str) -> Result<PathBuf, String> {
    let path = corpora_root().join(sub);
    if path.exists() {
        return Ok(path);
    }
    let line = format!(
        "SKIPPED {test}: {} is absent (set KUBEVET_CORPORA to the corpora directory)",
        path.display()
    );
    let _ = writeln!(std::io::stderr(), "{line}");
    Err(line)
}

/// The real repositories of the shared corpora (`real/*`), sorted; a visible skip (see
/// [`corpus`]) when they are absent.
pub fn real_repositories(test: &str) -> Result<Vec<PathBuf>, String> {
    let root = corpus("real", test)?;
    let mut repos: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    repos.sort();
    assert!(!repos.is_empty(), "no repository in {}", root.display());
    Ok(repos)
}
