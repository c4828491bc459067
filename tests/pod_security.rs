//! `pod-security` beyond the fixtures (which run with the default options): the settings a
//! cluster's PodSecurity admission configuration has (`--pod-security`, `podSecurity:`
//! exemptions), the rendered finding (label, related location, help), and the config key.

use kubevet::diagnostics::Severity;
use kubevet::k8s::pod_security::{Level, Settings};
use kubevet::{Input, Options, check};
use std::path::Path;
use std::process::Command;

const NAMESPACE: &str = "apiVersion: v1
kind: Namespace
metadata:
  name: apps
  labels:
    pod-security.kubernetes.io/enforce: baseline
---
";

fn pod(namespace: &str, extra: &str) -> String {
    format!(
        "apiVersion: v1
kind: Pod
metadata:
  name: web
  namespace: {namespace}
spec:
{extra}  hostNetwork: true
  containers:
    - name: web
      image: registry.example.com/web:1.0
"
    )
}

/// The pod-security findings of a stream: (severity, line, message).
fn findings(yaml: &str, settings: Settings) -> Vec<(Severity, u32, String)> {
    let options = Options {
        pod_security: settings,
        ..Options::default()
    };
    let input = Input::Stream {
        name: "pods.yaml".into(),
        bytes: yaml.as_bytes().to_vec(),
    };
    check(input, &options)
        .unwrap()
        .diagnostics
        .into_iter()
        .filter(|d| d.rule.id == "pod-security")
        .map(|d| (d.severity, d.primary.location.start.line, d.message))
        .collect()
}

#[test]
fn the_namespace_label_enforces_and_exemptions_silence_it() {
    let yaml = format!("{NAMESPACE}{}", pod("apps", ""));
    let found = findings(&yaml, Settings::default());
    assert_eq!(
        found,
        vec![(
            Severity::Error,
            14,
            "Pod rejected in namespace `apps`: violates PodSecurity \"baseline:latest\": host namespaces (hostNetwork=true)".to_owned()
        )]
    );
    let exempt_namespace = Settings {
        exempt_namespaces: vec!["apps".into()],
        ..Settings::default()
    };
    assert_eq!(findings(&yaml, exempt_namespace), vec![]);
    let yaml = format!("{NAMESPACE}{}", pod("apps", "  runtimeClassName: kata\n"));
    let exempt_runtime = Settings {
        exempt_runtime_classes: vec!["kata".into()],
        ..Settings::default()
    };
    assert_eq!(findings(&yaml, exempt_runtime.clone()), vec![]);
    // Another runtime class is not exempt.
    let yaml = format!("{NAMESPACE}{}", pod("apps", "  runtimeClassName: runc\n"));
    assert_eq!(findings(&yaml, exempt_runtime).len(), 1);
}

#[test]
fn a_default_level_checks_pods_no_label_covers_as_warnings() {
    let yaml = pod("loose", "");
    assert_eq!(findings(&yaml, Settings::default()), vec![]);
    let baseline = Settings {
        level: Some(Level::Baseline),
        ..Settings::default()
    };
    assert_eq!(
        findings(&yaml, baseline.clone()),
        vec![(
            Severity::Warning,
            7,
            "would violate PodSecurity \"baseline:latest\": host namespaces (hostNetwork=true) (checked against the configured level: namespace `loose` enforces none)".to_owned()
        )]
    );
    // A namespace label wins over the default level.
    let yaml = format!(
        "{}---\n{}",
        NAMESPACE
            .replace("baseline", "privileged")
            .trim_end_matches("---\n"),
        pod("apps", "")
    );
    assert_eq!(findings(&yaml, baseline), vec![]);
}

#[test]
fn the_finding_names_the_label_and_the_fix() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("pod-security-render");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("pods.yaml"),
        format!("{NAMESPACE}{}", pod("apps", "")),
    )
    .unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_kubevet"))
        .args(["check", "--no-config", "--no-context", "--color=never"])
        .arg(dir.join("pods.yaml"))
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "{out}");
    for expected in [
        "error[pod-security]: Pod rejected in namespace `apps`: violates PodSecurity \"baseline:latest\": host namespaces (hostNetwork=true)",
        "baseline:latest enforced here (`pod-security.kubernetes.io/enforce: baseline`)",
        "forbidden by the baseline level",
        "help: remove `hostNetwork: true` from spec: pods may not share the node's namespaces",
    ] {
        assert!(out.contains(expected), "missing {expected:?} in\n{out}");
    }
}

#[test]
fn the_flag_and_the_configuration_set_the_level_and_exemptions() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("pod-security-config");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("pod.yaml"), pod("team", "")).unwrap();
    let run = |args: &[&str]| {
        let o = Command::new(env!("CARGO_BIN_EXE_kubevet"))
            .current_dir(&dir)
            .args(["check", "--format", "concise", "--no-context"])
            .args(args)
            .arg("pod.yaml")
            .output()
            .unwrap();
        (
            o.status.code(),
            String::from_utf8_lossy(&o.stdout).into_owned(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        )
    };
    let (_, out, _) = run(&["--no-config"]);
    assert!(!out.contains("pod-security"), "{out}");
    let (_, out, _) = run(&["--no-config", "--pod-security", "restricted"]);
    assert!(
        out.contains("warning[pod-security]: would violate PodSecurity \"restricted:latest\": host namespaces (hostNetwork=true)"),
        "{out}"
    );
    let (code, _, err) = run(&["--no-config", "--pod-security", "strict"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("unknown Pod Security level"), "{err}");

    std::fs::write(
        dir.join(".kubevet.yaml"),
        "podSecurity:\n  level: baseline\n  exemptions:\n    namespaces: [other]\n",
    )
    .unwrap();
    let (_, out, _) = run(&[]);
    assert!(
        out.contains("would violate PodSecurity \"baseline:latest\": host namespaces"),
        "{out}"
    );
    std::fs::write(
        dir.join(".kubevet.yaml"),
        "podSecurity:\n  level: baseline\n  exemptions:\n    namespaces: [team]\n",
    )
    .unwrap();
    let (_, out, _) = run(&[]);
    assert!(!out.contains("pod-security"), "{out}");
    std::fs::write(
        dir.join(".kubevet.yaml"),
        "podSecurity:\n  level: strict\n  exemptions:\n    users: [admin]\n",
    )
    .unwrap();
    let (code, out, _) = run(&[]);
    assert_eq!(code, Some(2), "{out}");
    assert!(out.contains("unknown Pod Security level `strict`"), "{out}");
    assert!(out.contains("unknown key `users`"), "{out}");
}
