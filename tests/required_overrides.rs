//! The corrections to `required` (`scripts/required-overrides.json`, applied to the embedded
//! schemas by `scripts/update-schemas`): every entry names a definition and property of the
//! embedded data, which is optional in every version the entry lists, and the regenerated
//! `schemas/README.md` lists it. Then the verdicts they change, per Kubernetes version: objects
//! the API server accepts get no finding, and fields it does require still get one.

use kubevet::KubeVersion;
use kubevet::diagnostics::Severity;
use kubevet::schema::catalog::catalog;
use serde_json::Value;

mod common;
use common::errors_and_warnings as findings;

struct Override {
    definition: String,
    property: String,
    versions: String,
    first: u32,
    last: u32,
}

fn minor(version: &str) -> u32 {
    let (major, minor) = version.split_once('.').expect("a version is MAJOR.MINOR");
    assert_eq!(major, "1", "{version}");
    minor.parse().expect("a numeric minor version")
}

fn overrides() -> Vec<Override> {
    let text = std::fs::read_to_string("scripts/required-overrides.json").unwrap();
    let doc: Value = serde_json::from_str(&text).unwrap();
    doc["overrides"]
        .as_array()
        .expect("`overrides` is a list")
        .iter()
        .map(|entry| {
            let field = |key: &str| {
                let value = entry[key].as_str().unwrap_or_default().to_owned();
                assert!(!value.is_empty(), "{entry}: no {key}");
                value
            };
            let versions = field("versions");
            let (first, last) = versions.split_once('-').unwrap_or((&versions, &versions));
            let (first, last) = (minor(first), minor(last));
            // every entry says why and where that is in Kubernetes
            field("reason");
            field("source");
            Override {
                definition: field("definition"),
                property: field("property"),
                first,
                last,
                versions,
            }
        })
        .collect()
}

#[test]
fn every_override_is_applied_in_the_embedded_schemas() {
    let catalog = catalog();
    let overrides = overrides();
    assert!(!overrides.is_empty());
    let mut applied = 0;
    for o in &overrides {
        assert!(
            o.first <= o.last,
            "{}.{}: {}",
            o.definition,
            o.property,
            o.versions
        );
        for minor in o.first..=o.last {
            let index = catalog
                .index_of(KubeVersion::new(minor))
                .unwrap_or_else(|| panic!("{}: 1.{minor} is not embedded", o.versions));
            let set = catalog.version_set(index);
            let def = set
                .def(&o.definition)
                .unwrap_or_else(|| panic!("1.{minor}: no definition {}", o.definition));
            let property = &def["properties"][&o.property];
            assert!(
                property.is_object(),
                "1.{minor}: {} has no property {}",
                o.definition,
                o.property
            );
            let required = def["required"].as_array().cloned().unwrap_or_default();
            assert!(
                !required.contains(&Value::from(o.property.as_str())),
                "1.{minor}: {}.{} is still required (regenerate with scripts/update-schemas)",
                o.definition,
                o.property
            );
            // optional as the source spells it: nullable, unless it is a $ref
            if let Some(types) = property.get("type") {
                assert!(
                    types
                        .as_array()
                        .is_some_and(|t| t.contains(&Value::from("null"))),
                    "1.{minor}: {}.{} is not nullable: {property}",
                    o.definition,
                    o.property
                );
            }
            applied += 1;
        }
    }
    // The count scripts/update-schemas printed and wrote into schemas/README.md.
    let readme = std::fs::read_to_string("schemas/README.md").unwrap();
    assert!(
        readme.contains(&format!("{} entries,\n{applied} of the", overrides.len())),
        "schemas/README.md does not say {} entries, {applied} dropped: regenerate it",
        overrides.len()
    );
    for o in &overrides {
        let short = o
            .definition
            .trim_start_matches("io.k8s.api.")
            .trim_start_matches("io.k8s.");
        let row = format!(
            "| `{short}` | `{}` | {} |",
            o.property,
            o.versions.replace('-', "–")
        );
        assert!(readme.contains(&row), "schemas/README.md lacks {row}");
    }
}

fn every_version() -> std::ops::RangeInclusive<u32> {
    KubeVersion::OLDEST.minor..=KubeVersion::NEWEST.minor
}

const STATEFULSET: &str = r#"
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      containers: [{name: db, image: "postgres:16.4"}]
"#;

#[test]
fn a_statefulset_without_service_name_is_accepted_by_every_version() {
    for minor in every_version() {
        assert_eq!(findings(STATEFULSET, minor), [], "1.{minor}");
    }
    // A bad name: one finding, an error once the API server checks it, a warning before.
    let bad = STATEFULSET.replace("spec:\n  selector", "spec:\n  serviceName: DB\n  selector");
    assert_eq!(
        findings(&bad, 32),
        [("statefulset-service-name", Severity::Warning)]
    );
    assert_eq!(
        findings(&bad, 33),
        [("statefulset-service-name", Severity::Error)]
    );
}

const JOB: &str = r#"
apiVersion: batch/v1
kind: Job
metadata: {name: job}
spec:
  ttlSecondsAfterFinished: 600
  podFailurePolicy:
    rules:
      - action: FailJob
        onExitCodes: {operator: In, values: [42]}
      - action: Ignore
        onPodConditions: [{type: DisruptionTarget}]
  template:
    spec:
      restartPolicy: Never
      containers: [{name: app, image: "registry.example.com/app:1.0"}]
"#;

#[test]
fn a_pod_failure_rule_needs_one_of_exit_codes_and_conditions_in_every_version() {
    // Only onExitCodes (the schema of 1.25-1.28 required onPodConditions), and a pattern
    // without status (defaulted to True in a Job).
    for minor in every_version() {
        assert_eq!(findings(JOB, minor), [], "1.{minor}");
    }
    // Neither: the rule says so, once, in every version.
    let neither = JOB.replace("        onExitCodes: {operator: In, values: [42]}\n", "");
    for minor in [25, 28, 29, 37] {
        assert_eq!(
            findings(&neither, minor),
            [("job-pod-failure-policy", Severity::Error)],
            "1.{minor}"
        );
    }
    // An empty policy is accepted.
    let empty = JOB.replace(
        "  podFailurePolicy:\n    rules:\n      - action: FailJob\n        onExitCodes: {operator: In, values: [42]}\n      - action: Ignore\n        onPodConditions: [{type: DisruptionTarget}]\n",
        "  podFailurePolicy: {}\n",
    );
    assert!(empty.contains("podFailurePolicy: {}"));
    assert_eq!(findings(&empty, 37), []);
}

const CRONJOB: &str = r#"
apiVersion: batch/v1
kind: CronJob
metadata: {name: nightly}
spec:
  schedule: "0 3 * * *"
  jobTemplate:
    spec:
      ttlSecondsAfterFinished: 600
      podFailurePolicy:
        rules:
          - action: Ignore
            onPodConditions: [{type: DisruptionTarget}]
      template:
        spec:
          restartPolicy: Never
          containers: [{name: app, image: "registry.example.com/app:1.0"}]
"#;

#[test]
fn a_condition_status_is_defaulted_in_a_cronjob_only_from_1_34() {
    for minor in 25..=33 {
        assert_eq!(
            findings(CRONJOB, minor),
            [("job-pod-failure-policy", Severity::Error)],
            "1.{minor}"
        );
    }
    for minor in 34..=KubeVersion::NEWEST.minor {
        assert_eq!(findings(CRONJOB, minor), [], "1.{minor}");
    }
    let with_status = CRONJOB.replace(
        "{type: DisruptionTarget}",
        "{type: DisruptionTarget, status: \"True\"}",
    );
    assert_eq!(findings(&with_status, 30), []);
}

#[test]
fn defaulted_or_unvalidated_fields_are_not_missing() {
    let cases: &[(&str, &str)] = &[
        (
            "a NetworkPolicy without podSelector",
            "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: deny, namespace: web}\nspec:\n  policyTypes: [Ingress]\n",
        ),
        (
            "a RoleBinding without roleRef.apiGroup",
            "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: read, namespace: web}\nroleRef: {kind: Role, name: reader}\nsubjects: [{kind: ServiceAccount, name: web}]\n",
        ),
        (
            "a PriorityClass without value",
            "apiVersion: scheduling.k8s.io/v1\nkind: PriorityClass\nmetadata: {name: low}\ndescription: the default\n",
        ),
        (
            "an EndpointSlice without endpoints",
            "apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata: {name: web-1, namespace: web}\naddressType: IPv4\n",
        ),
        (
            "a LimitRange without limits",
            "apiVersion: v1\nkind: LimitRange\nmetadata: {name: none, namespace: web}\nspec: {}\n",
        ),
        (
            "a CSIDriver without spec",
            "apiVersion: storage.k8s.io/v1\nkind: CSIDriver\nmetadata: {name: csi.example.com}\n",
        ),
    ];
    for (what, yaml) in cases {
        for minor in every_version() {
            assert_eq!(findings(yaml, minor), [], "{what}, 1.{minor}");
        }
    }
}

const SLEEP_HOOK: &str = r#"
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  containers:
    - name: web
      image: "nginx:1.27"
      lifecycle:
        preStop:
          sleep: {}
"#;

#[test]
fn a_sleep_hook_may_leave_seconds_out_from_1_33() {
    // absent seconds is 0, which the API server accepts from 1.33 on
    assert_eq!(
        findings(SLEEP_HOOK, 32),
        [("missing-required-field", Severity::Error)]
    );
    assert_eq!(findings(SLEEP_HOOK, 33), []);
    assert_eq!(findings(SLEEP_HOOK, 37), []);
}

#[test]
fn truly_required_fields_still_fire_in_every_version() {
    let cases: &[(&str, &str)] = &[
        (
            "a ClusterRoleBinding without roleRef",
            "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: read}\nsubjects: [{kind: Group, name: readers, apiGroup: rbac.authorization.k8s.io}]\n",
        ),
        (
            "a RoleBinding without roleRef.name",
            "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: read, namespace: web}\nroleRef: {kind: Role, apiGroup: rbac.authorization.k8s.io}\nsubjects: [{kind: ServiceAccount, name: web}]\n",
        ),
        (
            "an HPA without maxReplicas",
            "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: web}\nspec:\n  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}\n",
        ),
        (
            "an exit-code rule without values",
            "apiVersion: batch/v1\nkind: Job\nmetadata: {name: job}\nspec:\n  ttlSecondsAfterFinished: 600\n  podFailurePolicy:\n    rules: [{action: FailJob, onExitCodes: {operator: In}}]\n  template:\n    spec:\n      restartPolicy: Never\n      containers: [{name: app, image: \"registry.example.com/app:1.0\"}]\n",
        ),
    ];
    for (what, yaml) in cases {
        for minor in every_version() {
            assert_eq!(
                findings(yaml, minor),
                [("missing-required-field", Severity::Error)],
                "{what}, 1.{minor}"
            );
        }
    }
}
