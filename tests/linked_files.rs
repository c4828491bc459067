//! A file reached by two paths (a symbolic or a hard link to it) is one file: its objects are
//! not duplicates of themselves. A copy is another file.
#![cfg(unix)]

mod common;
use common::{kubevet_in, scratch_outside, write_files};

const FLUX: &str = "apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: apps
  namespace: flux-system
spec:
  interval: 10m
  path: ./apps
  prune: true
  sourceRef:
    kind: GitRepository
    name: repo
";

fn config_map(value: &str) -> String {
    format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: team\ndata:\n  mode: {value}\n"
    )
}

fn duplicates(dir: &std::path::Path) -> Vec<String> {
    let out = kubevet_in(dir, &["check", ".", "--format=concise"]);
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .filter(|l| l.contains("[duplicate-object]"))
        .map(|l| l.split(": error").next().unwrap_or(l).to_owned())
        .collect()
}

#[test]
fn a_file_and_its_links_are_one_file() {
    let dir = scratch_outside("linked-files");
    write_files(
        &dir,
        &[("flux.yaml", FLUX), ("apps/a.yaml", &config_map("on"))],
    );
    std::os::unix::fs::symlink("a.yaml", dir.join("apps/link.yaml")).unwrap();
    std::fs::hard_link(dir.join("apps/a.yaml"), dir.join("apps/hard.yaml")).unwrap();
    assert_eq!(duplicates(&dir), Vec::<String>::new());
    // A copy is another file: the Flux Kustomization applies both, and kustomize refuses the
    // second (compared with each earlier one, the links too).
    write_files(&dir, &[("apps/copy.yaml", &config_map("off"))]);
    assert_eq!(
        duplicates(&dir),
        [
            "./apps/copy.yaml:4:9",
            "./apps/hard.yaml:4:9",
            "./apps/link.yaml:4:9"
        ]
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
