//! Workload rules on objects of the wrong shape: no panic, and nothing reported that is really a
//! type error (the schema's finding).

use kubevet::{Input, Options, check};

const ODD: &str = include_str!("odd_shapes.yaml");

#[test]
fn odd_shapes_do_not_panic_or_mislead() {
    let input = Input::Stream {
        name: "odd.yaml".into(),
        bytes: ODD.as_bytes().to_vec(),
    };
    let report = check(input, &Options::default()).unwrap();
    let ids: Vec<&str> = report.diagnostics.iter().map(|d| d.rule.id).collect();
    // `.inf` does not survive kubectl's JSON conversion: not a quantity to quote back as "null".
    assert!(!ids.contains(&"invalid-quantity"), "{ids:?}");
    // `1e400` is a string in YAML 1.1 and a valid (huge) quantity: more than the 47-digit limit.
    assert!(ids.contains(&"request-exceeds-limit"), "{ids:?}");
    // Wrong types (a map of containers, a string selector) are left to the schema.
    assert!(!ids.contains(&"missing-containers"), "{ids:?}");
    assert!(!ids.contains(&"invalid-selector"), "{ids:?}");
    // `TZ=UTC` without a schedule: robfig panics, Kubernetes reports it; so does kubevet.
    assert!(ids.contains(&"cron-schedule"), "{ids:?}");
}

/// The pod spec sweep's rules on fields of the wrong type: no panic, and no finding that is the
/// schema's (`wrong-type`) in disguise.
#[test]
fn pod_spec_fields_of_the_wrong_type_are_left_to_the_schema() {
    let yaml = r#"
apiVersion: v1
kind: Pod
metadata: {name: odd}
spec:
  tolerations: [1, "x", {operator: 5}, {key: 5, operator: Equal}, {key: k, tolerationSeconds: 5, effect: 7}]
  affinity: {nodeAffinity: {requiredDuringSchedulingIgnoredDuringExecution: {nodeSelectorTerms: [{matchExpressions: [{key: 5, operator: [], values: x}]}, 3]}, preferredDuringSchedulingIgnoredDuringExecution: [{weight: x}]}, podAffinity: {requiredDuringSchedulingIgnoredDuringExecution: [{topologyKey: 5, matchLabelKeys: x, labelSelector: 5}]}}
  topologySpreadConstraints: [{maxSkew: x, minDomains: 2, topologyKey: 5, whenUnsatisfiable: 7}, 7]
  hostAliases: [{ip: 5}, {ip: 10.0.0.1, hostnames: x}, 3]
  dnsPolicy: None
  dnsConfig: {nameservers: "x", searches: [5], options: [{name: 5}, 4]}
  os: {name: 5}
  securityContext: {seccompProfile: {type: 5}, sysctls: [{name: 5}, 3], runAsUser: x, supplementalGroups: x}
  hostname: 5
  schedulingGates: [{name: 5}, x]
  containers:
    - name: app
      image: "busybox:1.36"
      resizePolicy: x
      securityContext: {appArmorProfile: x, allowPrivilegeEscalation: "no", capabilities: {add: x}}
      ports: [{containerPort: 80, hostPort: 81}]
  hostNetwork: "yes"
---
apiVersion: v1
kind: Secret
metadata: {name: s}
data: {a: [1], b: {c: d}, c: 5, d: ""}
"#;
    let input = Input::Stream {
        name: "odd.yaml".into(),
        bytes: yaml.as_bytes().to_vec(),
    };
    let report = check(input, &Options::default()).unwrap();
    let sweep = [
        "invalid-toleration",
        "invalid-affinity",
        "invalid-topology-spread",
        "invalid-host-alias",
        "invalid-dns-config",
        "invalid-pod-os",
        "invalid-security-context",
        "invalid-pod-names",
        "invalid-resize-policy",
        "invalid-container-port",
        "invalid-base64",
    ];
    let found: Vec<(&str, &str)> = report
        .diagnostics
        .iter()
        .filter(|d| sweep.contains(&d.rule.id))
        .map(|d| (d.rule.id, d.message.as_str()))
        .collect();
    assert!(found.is_empty(), "{found:#?}");
    assert!(report.diagnostics.iter().any(|d| d.rule.id == "wrong-type"));
}
