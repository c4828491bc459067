//! Workload rules whose verdict depends on `--kubernetes-version`.

use kubevet::diagnostics::Severity;
use kubevet::{Input, KubeVersion, Options, check};

/// (rule id, severity) of every finding for `yaml` checked against Kubernetes 1.`minor`.
fn findings(yaml: &str, minor: u32) -> Vec<(&'static str, Severity)> {
    let options = Options {
        kubernetes_version: KubeVersion::new(minor),
        ..Options::default()
    };
    let input = Input::Stream {
        name: "test.yaml".into(),
        bytes: yaml.as_bytes().to_vec(),
    };
    check(input, &options)
        .unwrap()
        .diagnostics
        .iter()
        .map(|d| (d.rule.id, d.severity))
        .filter(|(_, s)| *s != Severity::Info)
        .collect()
}

const CRONJOB_TZ: &str = r#"
apiVersion: batch/v1
kind: CronJob
metadata: {name: report}
spec:
  schedule: "CRON_TZ=Europe/Berlin 0 6 * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          containers: [{name: report, image: "busybox:1.36"}]
"#;

#[test]
fn time_zone_in_schedule_is_an_error_from_1_29_and_a_warning_before() {
    assert_eq!(
        findings(CRONJOB_TZ, 29),
        [("cron-schedule-time-zone", Severity::Error)]
    );
    assert_eq!(
        findings(CRONJOB_TZ, 28),
        [("cron-schedule-time-zone", Severity::Warning)]
    );
    // Before 1.29, combining it with spec.timeZone was already rejected.
    let both = CRONJOB_TZ.replace(
        "  jobTemplate:",
        "  timeZone: Europe/Berlin\n  jobTemplate:",
    );
    assert_eq!(
        findings(&both, 28),
        [("cron-schedule-time-zone", Severity::Error)]
    );
}

const STATEFULSET: &str = r#"
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  serviceName: DB
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      containers: [{name: db, image: "postgres:16.4"}]
"#;

#[test]
fn statefulset_service_name_is_validated_from_1_33() {
    assert_eq!(
        findings(STATEFULSET, 33),
        [("statefulset-service-name", Severity::Error)]
    );
    assert_eq!(
        findings(STATEFULSET, 32),
        [("statefulset-service-name", Severity::Warning)]
    );
}

const ENV: &str = r#"
apiVersion: v1
kind: Pod
metadata: {name: app}
spec:
  containers:
    - name: app
      image: "busybox:1.36"
      env: [{name: "1ST VALUE", value: x}]
"#;

#[test]
fn env_var_names_are_relaxed_from_1_32() {
    assert_eq!(findings(ENV, 32), []);
    assert_eq!(findings(ENV, 31), [("invalid-env-var", Severity::Error)]);
}
