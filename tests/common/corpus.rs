//! The generator of realistic manifests behind `examples/gen-corpus.rs` (which includes this
//! file), shared with the tests that need a large workspace (tests/lsp_soak.rs). Every file holds
//! a Deployment, a Service and a CronJob (three objects, about 4 KB); every 10th file adds a
//! ConfigMap, every 25th a DaemonSet and a Job, every 50th is split over several `---` documents
//! with comments, and about 2% carry a finding (a selector typo, `latest` tag, a bad schedule).
//! The same arguments always produce the same bytes.
#![allow(dead_code)]

use std::fmt::Write as _;
use std::path::Path;

/// A tiny deterministic generator (xorshift64*), so the corpus is identical on every machine.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    pub fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }
}

const TEAMS: &[&str] = &[
    "payments", "search", "checkout", "identity", "platform", "data",
];
const IMAGES: &[&str] = &[
    "nginx:1.27.2",
    "ghcr.io/acme/api:2.14.1",
    "redis:7.4.1",
    "postgres:16.4",
    "busybox:1.36.1",
];
const SCHEDULES: &[&str] = &[
    "30 23 * * *",
    "*/15 * * * *",
    "0 2 * * 1-5",
    "@daily",
    "0 */6 * * *",
    "5 4 1 * *",
];

pub fn app(out: &mut String, rng: &mut Rng, i: usize, with_finding: bool) {
    let team = rng.pick(TEAMS);
    let name = format!("{team}-svc-{i}");
    let image = if with_finding && i.is_multiple_of(3) {
        "nginx:latest"
    } else {
        rng.pick(IMAGES)
    };
    let replicas = 1 + rng.below(5);
    let port = 8000 + rng.below(1000);
    let selector = if with_finding && i % 3 == 1 {
        format!("{name}x")
    } else {
        name.clone()
    };
    let schedule = if with_finding && i % 3 == 2 {
        "0 0 31 2 *"
    } else {
        rng.pick(SCHEDULES)
    };
    let _ = write!(
        out,
        r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
  namespace: {team}
  labels:
    app.kubernetes.io/name: {name}
    app.kubernetes.io/part-of: {team}
spec:
  replicas: {replicas}
  revisionHistoryLimit: 5
  selector:
    matchLabels:
      app.kubernetes.io/name: {name}
  strategy:
    type: RollingUpdate
    rollingUpdate:
      maxSurge: 25%
      maxUnavailable: 0
  template:
    metadata:
      labels:
        app.kubernetes.io/name: {name}
        app.kubernetes.io/part-of: {team}
      annotations:
        prometheus.io/scrape: "true"
        prometheus.io/port: "{port}"
    spec:
      serviceAccountName: default
      securityContext:
        runAsNonRoot: true
        runAsUser: 10001
      containers:
        - name: app
          image: {image}
          imagePullPolicy: IfNotPresent
          args: ["--port={port}", "--log-level=info"]
          ports:
            - name: http
              containerPort: {port}
              protocol: TCP
          env:
            - name: TEAM
              value: {team}
            - name: POD_NAME
              valueFrom:
                fieldRef:
                  fieldPath: metadata.name
          resources:
            requests:
              cpu: 100m
              memory: 128Mi
            limits:
              memory: 256Mi
          readinessProbe:
            httpGet:
              path: /healthz
              port: http
            periodSeconds: 10
          livenessProbe:
            httpGet:
              path: /healthz
              port: http
            initialDelaySeconds: 15
---
apiVersion: v1
kind: Service
metadata:
  name: {name}
  namespace: {team}
spec:
  type: ClusterIP
  selector:
    app.kubernetes.io/name: {selector}
  ports:
    - name: http
      port: 80
      targetPort: http
---
apiVersion: batch/v1
kind: CronJob
metadata:
  name: {team}-report-{i}
  namespace: {team}
spec:
  schedule: "{schedule}"
  concurrencyPolicy: Forbid
  successfulJobsHistoryLimit: 3
  jobTemplate:
    spec:
      backoffLimit: 2
      ttlSecondsAfterFinished: 3600
      template:
        spec:
          restartPolicy: OnFailure
          containers:
            - name: report
              image: busybox:1.36.1
              command: ["sh", "-c", "date; echo report for {team}"]
              resources:
                requests:
                  cpu: 10m
                  memory: 16Mi
"#
    );
}

pub fn extras(out: &mut String, rng: &mut Rng, i: usize) {
    let team = rng.pick(TEAMS);
    if i.is_multiple_of(10) {
        let _ = write!(
            out,
            "---\n# settings for {team}\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {team}-settings-{i}\n  namespace: {team}\ndata:\n  LOG_LEVEL: info\n  FEATURE_FLAGS: \"a,b,c\"\n  config.json: |\n    {{\"retries\": 3, \"timeoutSeconds\": 30}}\n"
        );
    }
    if i.is_multiple_of(25) {
        let _ = write!(
            out,
            "---\napiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  name: node-agent-{i}\n  namespace: kube-system\nspec:\n  selector:\n    matchLabels:\n      app: node-agent-{i}\n  template:\n    metadata:\n      labels:\n        app: node-agent-{i}\n    spec:\n      containers:\n        - name: agent\n          image: fluent/fluent-bit:3.1.9\n          resources:\n            requests:\n              cpu: 50m\n              memory: 64Mi\n---\napiVersion: batch/v1\nkind: Job\nmetadata:\n  name: migrate-{i}\n  namespace: {team}\nspec:\n  backoffLimit: 1\n  ttlSecondsAfterFinished: 600\n  template:\n    spec:\n      restartPolicy: Never\n      containers:\n        - name: migrate\n          image: ghcr.io/acme/migrate:1.0.3\n"
        );
    }
}

/// The text of file `i` of the corpus, drawing from `rng`.
pub fn manifest(rng: &mut Rng, i: usize) -> String {
    let mut out = String::with_capacity(4096);
    if i.is_multiple_of(50) {
        out.push_str("# generated by kubevet's gen-corpus\n---\n");
    }
    app(&mut out, rng, i, i % 50 == 7);
    extras(&mut out, rng, i);
    out
}

/// The path of file `i`, relative to the corpus directory.
pub fn manifest_path(i: usize) -> String {
    format!("team-{:02}/app-{i:05}.yaml", i % 40)
}

/// The seed of the corpus.
pub const SEED: u64 = 0x5EED_CAFE_F00D_1234;

/// Writes `files` manifests and `namespaces.yaml` to `dir`; returns the bytes written.
pub fn write(dir: &Path, files: usize) -> usize {
    let mut rng = Rng(SEED);
    let mut bytes = 0usize;
    for i in 0..files {
        let path = dir.join(manifest_path(i));
        std::fs::create_dir_all(path.parent().expect("a directory"))
            .expect("create corpus directory");
        let out = manifest(&mut rng, i);
        bytes += out.len();
        std::fs::write(path, out).expect("write manifest");
    }
    let namespaces = namespaces();
    std::fs::write(dir.join("namespaces.yaml"), &namespaces).expect("write namespaces");
    bytes + namespaces.len()
}

/// A Namespace for every team.
pub fn namespaces() -> String {
    TEAMS
        .iter()
        .map(|t| format!("---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: {t}\n"))
        .collect()
}
