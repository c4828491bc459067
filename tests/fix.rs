//! `kubevet check --fix` on a scratch copy of a repository: the certain fixes written, the
//! choices left to the user, what remains reported, and nothing written without `--fix`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

struct Repo(PathBuf);

impl Repo {
    fn new(name: &str, files: &[(&str, &str)]) -> Repo {
        let root = std::env::temp_dir().join(format!("kubevet-fix-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(root.join(".git")).unwrap();
        for (path, text) in files {
            let path = root.join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        Repo(root)
    }

    fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.0.join(rel)).unwrap()
    }
}

impl Drop for Repo {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn kubevet(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kubevet"))
        .args(args)
        .arg(dir)
        .output()
        .unwrap()
}

const DAEMONSET: &str = "\
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: d
  labels:
    enabled: yes
spec:
  replicas: 2
  selector:
    matchLabels: {app: d}
  template:
    metadata:
      labels: {app: d}
    spec:
      contianers:
      - name: a
        image: busybox:1.36
";

const JOB: &str = "\
apiVersion: batch/v1
kind: Job
metadata:
  name: j
spec:
  template:
    spec:
      containers:
      - name: a
        image: busybox:1.36
";

const OLD_APIS: &str = "\
apiVersion: policy/v1beta1
kind: PodDisruptionBudget
metadata:
  name: p
spec:
  minAvailable: 1
  selector:
    matchLabels: {app: x}
---
apiVersion: extensions/v1beta1
kind: Ingress
metadata:
  name: i
spec:
  backend:
    serviceName: web
    servicePort: 80
";

#[test]
fn fix_writes_the_certain_fixes_and_reports_what_remains() {
    let repo = Repo::new(
        "certain",
        &[
            ("ds.yaml", DAEMONSET),
            ("job.yaml", JOB),
            ("apis.yaml", OLD_APIS),
            (
                ".kubevet.yaml",
                "rules:\n  missing-probes: off\n  missing-resources: off\n  latest-tag: off\n  job-without-ttl: off\n",
            ),
        ],
    );
    // Without --fix nothing is written.
    let before = kubevet(&["check", "--format", "concise"], &repo.0);
    assert_eq!(before.status.code(), Some(1));
    assert_eq!(repo.read("ds.yaml"), DAEMONSET);

    let o = kubevet(&["check", "--fix", "--format", "concise"], &repo.0);
    let stdout = String::from_utf8_lossy(&o.stdout);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        stderr.contains("kubevet: fixed 4 findings in 2 files"),
        "{stderr}\n{stdout}"
    );
    assert_eq!(
        repo.read("ds.yaml"),
        DAEMONSET
            .replace("enabled: yes", "enabled: \"yes\"")
            .replace("  replicas: 2\n", "")
            .replace("contianers", "containers")
    );
    // The PodDisruptionBudget moves to policy/v1; the Ingress's backend changed shape in
    // networking.k8s.io/v1, so it is left as it is.
    assert_eq!(
        repo.read("apis.yaml"),
        OLD_APIS.replace("policy/v1beta1", "policy/v1")
    );
    // Two choices (OnFailure, Never): not applied.
    assert_eq!(repo.read("job.yaml"), JOB);
    // What remains is reported, and fails the run.
    assert!(stdout.contains("restart-policy"), "{stdout}");
    assert!(stdout.contains("removed-api-version"), "{stdout}");
    assert!(!stdout.contains("invalid-label-value"), "{stdout}");
    assert!(!stdout.contains("unknown-field"), "{stdout}");
    assert_eq!(o.status.code(), Some(1), "{stderr}");

    // A second run has nothing left to fix.
    let again = kubevet(&["check", "--fix", "--format", "concise"], &repo.0);
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("fixed 0 findings in 0 files"),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    assert_eq!(again.stdout, o.stdout);
}

#[test]
fn fix_exits_0_when_everything_is_fixed_and_keeps_permissions() {
    use std::os::unix::fs::PermissionsExt;
    let text =
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  labels:\n    enabled: on\n";
    let repo = Repo::new("clean", &[("cm.yaml", text)]);
    let path = repo.0.join("cm.yaml");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
    let o = kubevet(&["check", "--fix", "-q"], &repo.0);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    assert_eq!(
        repo.read("cm.yaml"),
        text.replace("enabled: on", "enabled: \"on\"")
    );
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o640);
    // No temporary file left behind.
    let names: Vec<_> = std::fs::read_dir(&repo.0)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
}

#[test]
fn fix_never_writes_through_a_symbolic_link() {
    let outside = Repo::new(
        "outside",
        &[(
            "cm.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  labels:\n    enabled: on\n",
        )],
    );
    let repo = Repo::new("links", &[]);
    std::os::unix::fs::symlink(outside.0.join("cm.yaml"), repo.0.join("cm.yaml")).unwrap();
    let o = kubevet(&["check", "--fix", "--format", "concise"], &repo.0);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        stderr.contains("not fixed: it is a symbolic link"),
        "{stderr}"
    );
    assert!(stderr.contains("fixed 0 findings in 0 files"), "{stderr}");
    assert!(outside.read("cm.yaml").contains("enabled: on"));
    assert!(
        std::fs::symlink_metadata(repo.0.join("cm.yaml"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn fix_on_stdin_prints_the_fixed_stream() {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_kubevet"))
        .args(["check", "--fix", "--format", "concise", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(DAEMONSET.as_bytes())
        .unwrap();
    let o = child.wait_with_output().unwrap();
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        DAEMONSET
            .replace("enabled: yes", "enabled: \"yes\"")
            .replace("  replicas: 2\n", "")
            .replace("contianers", "containers")
    );
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(stderr.contains("fixed 3 findings in 1 file"), "{stderr}");
    assert!(!stderr.contains("unknown-field"), "{stderr}");
}
