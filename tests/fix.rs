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
fn fix_corrects_a_misspelt_kustomization_field_to_its_near_miss() {
    let kustomization = "\
resources:
- app.yaml
patches:
- path: patch.yaml
  target:
    kind: ConfigMap
    nmae: app
";
    let app = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\ndata:\n  a: \"1\"\n";
    let patch = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\ndata:\n  a: \"2\"\n";
    let repo = Repo::new(
        "kustomize-field",
        &[
            ("kustomization.yaml", kustomization),
            ("app.yaml", app),
            ("patch.yaml", patch),
        ],
    );
    // Without --fix: kustomize's words at the key, the near miss as its label.
    let o = kubevet(&["check", "--format", "concise"], &repo.0);
    assert_eq!(o.status.code(), Some(1), "{o:?}");
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("kustomization.yaml:7:5: error[kustomize-build-error]: invalid Kustomization: json: unknown field \"nmae\""),
        "{out}"
    );
    assert_eq!(repo.read("kustomization.yaml"), kustomization);
    let o = kubevet(&["check", "--fix", "-q"], &repo.0);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    assert_eq!(
        repo.read("kustomization.yaml"),
        kustomization.replace("nmae:", "name:")
    );
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

const CRONJOB: &str = "\
apiVersion: batch/v1beta1
kind: CronJob
metadata:
  name: nightly
  labels:
    enabled: yes
spec:
  schedule: \"0 3 * * *\"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          containers:
          - name: a
            image: busybox:1.36
";

/// The byte offset of a SARIF (1-based line, 1-based column in code points) position.
fn offset(text: &str, line: u64, column: u64) -> usize {
    let start: usize = text
        .split_inclusive('\n')
        .take(line as usize - 1)
        .map(str::len)
        .sum();
    start
        + text[start..]
            .chars()
            .take(column as usize - 1)
            .map(char::len_utf8)
            .sum::<usize>()
}

/// The texts of the files with every SARIF fix of the log applied (their edits, last first).
fn apply_sarif(
    repo: &Repo,
    sarif: &serde_json::Value,
) -> std::collections::BTreeMap<String, String> {
    let mut edits: std::collections::BTreeMap<String, Vec<(usize, usize, String)>> =
        Default::default();
    for result in sarif["runs"][0]["results"].as_array().unwrap() {
        for fix in result["fixes"].as_array().into_iter().flatten() {
            for change in fix["artifactChanges"].as_array().unwrap() {
                let uri = change["artifactLocation"]["uri"]
                    .as_str()
                    .unwrap()
                    .to_owned();
                let text = repo.read(&uri);
                for r in change["replacements"].as_array().unwrap() {
                    let region = &r["deletedRegion"];
                    let at = |l: &str, c: &str| {
                        offset(
                            &text,
                            region[l].as_u64().unwrap(),
                            region[c].as_u64().unwrap(),
                        )
                    };
                    let inserted = r["insertedContent"]["text"].as_str().unwrap().to_owned();
                    edits.entry(uri.clone()).or_default().push((
                        at("startLine", "startColumn"),
                        at("endLine", "endColumn"),
                        inserted,
                    ));
                }
            }
        }
    }
    edits
        .into_iter()
        .map(|(uri, mut list)| {
            let mut text = repo.read(&uri);
            list.sort();
            for (start, end, inserted) in list.into_iter().rev() {
                text.replace_range(start..end, &inserted);
            }
            (uri, text)
        })
        .collect()
}

/// SARIF lists the fixes `--fix` applies, a removed apiVersion's successor included (it needs
/// the fixed object checked again): applied, they give the files `--fix` writes.
#[test]
fn sarif_fixes_are_those_fix_applies() {
    let files = [
        ("cron.yaml", CRONJOB),
        ("apis.yaml", OLD_APIS),
        (
            ".kubevet.yaml",
            "rules:\n  missing-probes: off\n  missing-resources: off\n  job-without-ttl: off\n",
        ),
    ];
    let repo = Repo::new("sarif", &files);
    // Run in the repository: URIs relative to it.
    let kubevet = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_kubevet"))
            .args(args)
            .arg(".")
            .current_dir(&repo.0)
            .output()
            .unwrap()
    };
    let o = kubevet(&["check", "--format", "sarif"]);
    let sarif: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let fix_of = |uri: &str, line: u64| {
        results
            .iter()
            .find(|r| {
                let at = &r["locations"][0]["physicalLocation"];
                r["ruleId"] == "removed-api-version"
                    && at["artifactLocation"]["uri"] == uri
                    && at["region"]["startLine"] == line
            })
            .unwrap_or_else(|| panic!("{uri}:{line}: {results:?}"))["fixes"]
            .clone()
    };
    // batch/v1beta1 CronJob → batch/v1: nothing else changes.
    assert_eq!(
        fix_of("cron.yaml", 1)[0]["artifactChanges"][0]["replacements"],
        serde_json::json!([{
            "deletedRegion": {"startLine": 1, "startColumn": 13, "endLine": 1, "endColumn": 26},
            "insertedContent": {"text": "batch/v1"},
        }])
    );
    assert_eq!(
        fix_of("cron.yaml", 1)[0]["description"]["text"],
        "Change `batch/v1beta1` to `batch/v1`"
    );
    assert_eq!(
        fix_of("apis.yaml", 1)[0]["artifactChanges"][0]["replacements"][0]["insertedContent"]["text"],
        "policy/v1"
    );
    // The Ingress's backend changed shape in networking.k8s.io/v1: no fix.
    assert!(
        fix_of("apis.yaml", 10).as_array().is_none_or(Vec::is_empty),
        "{}",
        fix_of("apis.yaml", 10)
    );
    let from_sarif = apply_sarif(&repo, &sarif);

    let o = kubevet(&["check", "--fix", "-q", "--format", "sarif"]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(stderr.is_empty(), "{stderr}");
    for (name, text) in files {
        let written = repo.read(name);
        assert_eq!(
            from_sarif.get(name).map_or(text, String::as_str),
            written,
            "{name}"
        );
    }
    assert_eq!(
        repo.read("cron.yaml"),
        CRONJOB
            .replace("batch/v1beta1", "batch/v1")
            .replace("enabled: yes", "enabled: \"yes\"")
    );
    // What remains (the Ingress) has no fix left in the SARIF of the fixed files.
    let after: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let remaining: Vec<&str> = after["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["ruleId"].as_str().unwrap())
        .collect();
    assert_eq!(
        remaining,
        ["selector-matches-nothing", "removed-api-version"],
        "{after}"
    );
    assert!(apply_sarif(&repo, &after).is_empty());
}
