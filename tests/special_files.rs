//! FIFOs, sockets and devices never block kubevet (issue 22, part 1): met in a walk they are
//! skipped with an info finding (`special-file-skipped`); named explicitly they are an
//! `unreadable-file` error; `--crd`, `--config`, the `.kubevet.yaml` found by discovery, git's
//! ignore files and files kustomizations name are never opened either. Every run is guarded by
//! a timeout, so a regression fails instead of hanging CI.
#![cfg(unix)]

use std::path::Path;
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

mod common;
use common::{command_in, scratch_outside, write_files};

const CONFIG_MAP: &str = "apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  a: b
";

/// Runs kubevet in `dir`; fails the test if it has not finished within 30 seconds.
fn run(dir: &Path, args: &[&str]) -> (String, i32) {
    let mut child = command_in(dir)
        .args(args)
        .arg("--format=concise")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run kubevet");
    let start = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if start.elapsed() > Duration::from_secs(30) {
            child.kill().unwrap();
            let _ = child.wait();
            panic!(
                "kubevet {args:?} in {} hung: killed after 30 s",
                dir.display()
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let output: Output = child.wait_with_output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (text, output.status.code().unwrap_or(-1))
}

fn mkfifo(path: &Path) {
    let status = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("mkfifo");
    assert!(status.success());
}

fn findings(text: &str) -> Vec<&str> {
    text.lines().filter(|l| l.contains("]: ")).collect()
}

#[test]
fn a_fifo_met_in_a_walk_is_skipped_with_an_info() {
    let dir = scratch_outside("fifo-walk");
    write_files(&dir, &[("ok.yaml", CONFIG_MAP)]);
    mkfifo(&dir.join("x.yaml"));
    let (text, code) = run(&dir, &["check", "."]);
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains(
            "./x.yaml:1:1: info[special-file-skipped]: not checked: it is a FIFO (named pipe), not a regular file"
        ),
        "{text}"
    );
    assert_eq!(findings(&text).len(), 1, "{text}");
}

#[test]
fn a_fifo_named_explicitly_is_an_error() {
    let dir = scratch_outside("fifo-named");
    mkfifo(&dir.join("x.yaml"));
    let (text, code) = run(&dir, &["check", "x.yaml"]);
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains(
            "x.yaml:1:1: error[unreadable-file]: cannot read file: it is a FIFO (named pipe), not a regular file"
        ),
        "{text}"
    );
}

#[test]
fn a_symlink_to_a_fifo_and_a_socket_are_skipped() {
    let dir = scratch_outside("fifo-link");
    write_files(&dir, &[("ok.yaml", CONFIG_MAP)]);
    mkfifo(&dir.join("pipe"));
    std::os::unix::fs::symlink("pipe", dir.join("link.yaml")).unwrap();
    let _socket = std::os::unix::net::UnixListener::bind(dir.join("s.yaml")).unwrap();
    let (text, code) = run(&dir, &["check", "."]);
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains("./link.yaml:1:1: info[special-file-skipped]: not checked: it is a symbolic link to a FIFO (named pipe), not a regular file"),
        "{text}"
    );
    assert!(
        text.contains(
            "./s.yaml:1:1: info[special-file-skipped]: not checked: it is a socket, not a regular file"
        ),
        "{text}"
    );
    assert_eq!(findings(&text).len(), 2, "{text}");
    let (text, code) = run(&dir, &["check", "s.yaml", "link.yaml"]);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("s.yaml:1:1: error[unreadable-file]: cannot read file: it is a socket, not a regular file"), "{text}");
    assert!(text.contains("link.yaml:1:1: error[unreadable-file]: cannot read file: it is a symbolic link to a FIFO (named pipe), not a regular file"), "{text}");
}

#[test]
fn a_symlink_to_a_device_is_skipped() {
    let dir = scratch_outside("device-link");
    write_files(&dir, &[("ok.yaml", CONFIG_MAP)]);
    std::os::unix::fs::symlink("/dev/zero", dir.join("zero.yaml")).unwrap();
    let (text, code) = run(&dir, &["check", "."]);
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains("./zero.yaml:1:1: info[special-file-skipped]: not checked: it is a symbolic link to a character device, not a regular file"),
        "{text}"
    );
    let (text, code) = run(&dir, &["check", "zero.yaml"]);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("error[unreadable-file]: cannot read file: it is a symbolic link to a character device, not a regular file"), "{text}");
}

#[test]
fn a_fifo_named_by_a_kustomization_is_an_error_at_the_entry() {
    let dir = scratch_outside("fifo-kustomization");
    write_files(
        &dir,
        &[(
            "app/kustomization.yaml",
            "resources:\n- pipe.yaml\nconfigMapGenerator:\n- name: c\n  files:\n  - data.txt\n",
        )],
    );
    mkfifo(&dir.join("app/pipe.yaml"));
    mkfifo(&dir.join("app/data.txt"));
    let (text, code) = run(&dir, &["check", "app/kustomization.yaml"]);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("app/kustomization.yaml:2:3: error[kustomize-missing-file]: `pipe.yaml` in `resources` is a FIFO (named pipe), not a regular file: `kustomize build` would block or never end reading it"), "{text}");
    assert!(text.contains("app/kustomization.yaml:6:5: error[kustomize-missing-file]: `data.txt` in `configMapGenerator` is a FIFO (named pipe), not a regular file"), "{text}");
    // The whole directory: the FIFO is also met in the walk.
    let (text, code) = run(&dir, &["check", "app"]);
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains("app/pipe.yaml:1:1: info[special-file-skipped]"),
        "{text}"
    );
}

#[test]
fn a_fifo_crd_is_an_error_and_one_in_a_crd_directory_an_info() {
    let dir = scratch_outside("fifo-crd");
    write_files(&dir, &[("ok.yaml", CONFIG_MAP)]);
    mkfifo(&dir.join("crd.yaml"));
    let (text, code) = run(&dir, &["check", "--crd", "crd.yaml", "ok.yaml"]);
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains("crd.yaml:1:1: error[unreadable-file]: cannot read file: it is a FIFO (named pipe), not a regular file"),
        "{text}"
    );
    std::fs::create_dir(dir.join("crds")).unwrap();
    mkfifo(&dir.join("crds/x.yaml"));
    let (text, code) = run(&dir, &["check", "--crd", "crds", "ok.yaml"]);
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains("crds/x.yaml:1:1: info[special-file-skipped]"),
        "{text}"
    );
}

#[test]
fn a_fifo_config_is_an_error() {
    let dir = scratch_outside("fifo-config");
    write_files(&dir, &[("ok.yaml", CONFIG_MAP)]);
    mkfifo(&dir.join("config.yaml"));
    let (text, code) = run(&dir, &["check", "--config", "config.yaml", "."]);
    assert_eq!(code, 2, "{text}");
    assert!(
        text.contains("--config config.yaml: it is a FIFO (named pipe), not a regular file"),
        "{text}"
    );
    // Found by discovery: an error too, not a run without the team's configuration.
    mkfifo(&dir.join(".kubevet.yaml"));
    let (text, code) = run(&dir, &["check", "."]);
    assert_eq!(code, 2, "{text}");
    assert!(
        text.contains(".kubevet.yaml: it is a FIFO (named pipe), not a regular file"),
        "{text}"
    );
}

#[test]
fn a_fifo_ignore_file_does_not_block_the_walk() {
    let dir = scratch_outside("fifo-gitignore");
    write_files(
        &dir,
        &[("ok.yaml", CONFIG_MAP), ("sub/also.yaml", CONFIG_MAP)],
    );
    mkfifo(&dir.join("sub/.gitignore"));
    let (text, code) = run(&dir, &["check", "."]);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("./sub/.gitignore:1:1: error[unreadable-file]: cannot read git's ignore file: it is a FIFO (named pipe), not a regular file; the directory `./sub` was not checked"), "{text}");
    // At the root given: the same, and nothing else is walked.
    std::os::unix::fs::symlink("/dev/zero", dir.join(".ignore")).unwrap();
    let (text, code) = run(&dir, &["check", "."]);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("./.ignore:1:1: error[unreadable-file]: cannot read git's ignore file: it is a symbolic link to a character device, not a regular file; the directory `.` was not checked"), "{text}");
}

/// kustomize refuses a file outside the kustomization's directory before reading it; kubevet
/// says so and never opens it (a FIFO there would block it if it did).
#[test]
fn a_fifo_outside_the_kustomization_root_is_refused_unread() {
    let dir = scratch_outside("fifo-outside-root");
    write_files(
        &dir,
        &[(
            "app/kustomization.yaml",
            "resources:\n- ../elsewhere/pipe.yaml\n",
        )],
    );
    std::fs::create_dir(dir.join("elsewhere")).unwrap();
    mkfifo(&dir.join("elsewhere/pipe.yaml"));
    let (text, code) = run(&dir, &["check", "app"]);
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains("app/kustomization.yaml:2:3: error[kustomize-load-restriction]: security; file 'elsewhere/pipe.yaml' is not in or below 'app'"),
        "{text}"
    );
    assert_eq!(findings(&text).len(), 1, "{text}");
}
