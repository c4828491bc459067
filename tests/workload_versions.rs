//! Workload rules whose verdict depends on `--kubernetes-version`.

use kubevet::diagnostics::Severity;

mod common;
use common::{check_yaml_at, errors_and_warnings as findings};

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

/// Every finding's rule id and message, for tests that look at the wording.
fn messages(yaml: &str, minor: u32) -> Vec<(&'static str, String)> {
    check_yaml_at(yaml, minor)
        .diagnostics
        .iter()
        .filter(|d| d.severity != Severity::Info)
        .map(|d| (d.rule.id, d.message.clone()))
        .collect()
}

const RESIZE: &str = r#"
apiVersion: v1
kind: Pod
metadata: {name: app}
spec:
  containers:
    - name: app
      image: "busybox:1.36"
      resizePolicy: [{resourceName: ephemeral-storage, restartPolicy: NotRequired}]
"#;

#[test]
fn resize_policy_is_validated_from_1_33() {
    // Before, InPlacePodVerticalScaling is off by default and the API server drops the field.
    assert_eq!(findings(RESIZE, 32), []);
    assert_eq!(
        findings(RESIZE, 33),
        [("invalid-resize-policy", Severity::Error)]
    );
}

const HOST_ALIAS: &str = r#"
apiVersion: v1
kind: Pod
metadata: {name: app}
spec:
  hostAliases: [{hostnames: [db.internal]}]
  containers: [{name: app, image: "busybox:1.36"}]
"#;

#[test]
fn a_host_alias_without_ip_is_an_empty_ip_before_1_31_and_missing_from_1_31() {
    assert_eq!(
        findings(HOST_ALIAS, 30),
        [("invalid-host-alias", Severity::Error)]
    );
    assert_eq!(
        findings(HOST_ALIAS, 31),
        [("missing-required-field", Severity::Error)]
    );
}

const DNS_SEARCH: &str = r#"
apiVersion: v1
kind: Pod
metadata: {name: app}
spec:
  dnsConfig: {searches: [_ldap._tcp.example.com, .]}
  containers: [{name: app, image: "busybox:1.36"}]
"#;

#[test]
fn dns_searches_allow_underscores_and_a_dot_from_1_33() {
    assert_eq!(findings(DNS_SEARCH, 33), []);
    assert_eq!(
        findings(DNS_SEARCH, 32),
        [
            ("invalid-dns-config", Severity::Error),
            ("invalid-dns-config", Severity::Error)
        ]
    );
}

const MIN_DOMAINS: &str = r#"
apiVersion: v1
kind: Pod
metadata: {name: app}
spec:
  topologySpreadConstraints:
    - {maxSkew: 1, topologyKey: kubernetes.io/hostname, whenUnsatisfiable: ScheduleAnyway, minDomains: 2}
  containers: [{name: app, image: "busybox:1.36"}]
"#;

#[test]
fn min_domains_is_validated_from_1_27() {
    // MinDomainsInPodTopologySpread is off by default before 1.27: the field is dropped.
    assert_eq!(findings(MIN_DOMAINS, 26), []);
    assert_eq!(
        findings(MIN_DOMAINS, 27),
        [("invalid-topology-spread", Severity::Error)]
    );
}

const TOLERATION_GT: &str = r#"
apiVersion: v1
kind: Pod
metadata: {name: app}
spec:
  tolerations: [{key: example.com/cores, operator: Gt, value: "4", effect: NoSchedule}]
  containers: [{name: app, image: "busybox:1.36"}]
"#;

#[test]
fn gt_and_lt_tolerations_name_their_feature_gate() {
    let before = messages(TOLERATION_GT, 34);
    assert_eq!(before.len(), 1);
    assert_eq!(before[0].0, "invalid-toleration");
    assert!(
        before[0]
            .1
            .ends_with("(`Gt` needs the alpha feature gate TaintTolerationComparisonOperators, new in Kubernetes 1.35 and off by default)"),
        "{}",
        before[0].1
    );
    let after = messages(TOLERATION_GT, 35);
    assert!(
        after[0]
            .1
            .ends_with("(`Gt` needs the alpha feature gate TaintTolerationComparisonOperators, which is off by default)"),
        "{}",
        after[0].1
    );
}
