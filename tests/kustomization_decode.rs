//! kubevet decodes a kustomization as strictly as kustomize 5.5 (`kubectl kustomize`): for many
//! small kustomizations (unknown fields at every depth, wrong JSON types, case-variant keys,
//! nulls, empty files, `kind`/`apiVersion`, deprecated fields), kubevet renders what kustomize
//! renders (the same objects) and fails where kustomize fails, with kustomize's message.
//!
//! Skips visibly without `kubectl`.

use kubevet::load::{Limits, load};
use kubevet::model::diagnostic::FileId;
use kubevet::source::SourceFile;
use std::path::{Path, PathBuf};
use std::process::Command;

const CM: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n  a: b\n";
const DEPLOY: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: a, image: nginx}, {name: b, image: busybox}]
";

/// (name, kustomization.yaml); every case also has `cm.yaml` and `deploy.yaml`.
const CASES: &[(&str, &str)] = &[
    // Unknown fields, at the top and nested.
    ("unknown-top", "resources: [cm.yaml]\nfoo: 1\n"),
    (
        "unknown-patch",
        "resources: [cm.yaml]\npatches:\n- path: p.yaml\n  bar: 1\n",
    ),
    (
        "unknown-patch-target",
        "resources: [cm.yaml]\npatches:\n- patch: '[]'\n  target: {kind: ConfigMap, skip: true}\n",
    ),
    (
        "unknown-image",
        "resources: [cm.yaml]\nimages:\n- name: x\n  tag: \"1\"\n",
    ),
    (
        "unknown-replica",
        "resources: [deploy.yaml]\nreplicas:\n- name: web\n  replicas: 2\n",
    ),
    (
        "unknown-generator",
        "configMapGenerator:\n- name: x\n  literals: [a=b]\n  immutable: true\n",
    ),
    (
        "unknown-generator-options",
        "configMapGenerator:\n- name: x\n  literals: [a=b]\n  options: {fileMerge: {mode: files}}\n",
    ),
    (
        "unknown-label",
        "resources: [cm.yaml]\nlabels:\n- pairs: {a: b}\n  includeVolumeClaimTemplates: true\n",
    ),
    (
        "unknown-label-fieldspec",
        "resources: [cm.yaml]\nlabels:\n- pairs: {a: b}\n  fields: [{name: x}]\n",
    ),
    (
        "unknown-metadata",
        "resources: [cm.yaml]\nmetadata: {generateName: x}\n",
    ),
    (
        "unknown-var-objref",
        "resources: [cm.yaml]\nvars: [{name: A, objref: {kind: ConfigMap, name: cm, foo: 1}}]\n",
    ),
    (
        "unknown-replacement-source",
        "resources: [cm.yaml]\nreplacements: [{source: {fullText: x}}]\n",
    ),
    (
        "unknown-replacement-target",
        "resources: [cm.yaml]\nreplacements: [{source: {kind: ConfigMap}, targets: [{foo: 1}]}]\n",
    ),
    (
        "unknown-sort-options",
        "resources: [cm.yaml]\nsortOptions: {foo: 1}\n",
    ),
    (
        "unknown-inventory",
        "resources: [cm.yaml]\ninventory: {type: x}\n",
    ),
    (
        "unknown-helm-chart",
        "resources: [cm.yaml]\nhelmCharts: [{name: a, devel: true}]\n",
    ),
    // Wrong scalar and container types.
    ("string-for-list", "resources: cm.yaml\n"),
    ("number-in-list", "resources: [1]\n"),
    ("map-for-list", "resources: {a: b}\n"),
    ("number-for-string", "resources: [cm.yaml]\nnamePrefix: 1\n"),
    ("bool-for-string", "resources: [cm.yaml]\nnamePrefix: yes\n"),
    ("list-for-string", "resources: [cm.yaml]\nnamePrefix: [a]\n"),
    (
        "number-label-value",
        "resources: [cm.yaml]\ncommonLabels: {a: 1}\n",
    ),
    ("list-for-map", "resources: [cm.yaml]\ncommonLabels: [a]\n"),
    (
        "string-patch-entry",
        "resources: [cm.yaml]\npatches: [p.yaml]\n",
    ),
    (
        "number-patch-target",
        "resources: [cm.yaml]\npatches:\n- target: {kind: 3}\n",
    ),
    (
        "number-patch-option",
        "resources: [cm.yaml]\npatches: [{options: {a: 1}}]\n",
    ),
    (
        "number-image-tag",
        "resources: [cm.yaml]\nimages:\n- name: x\n  newTag: 1\n",
    ),
    (
        "string-replica-count",
        "resources: [deploy.yaml]\nreplicas:\n- name: web\n  count: \"3\"\n",
    ),
    (
        "fraction-replica-count",
        "resources: [deploy.yaml]\nreplicas:\n- name: web\n  count: 3.5\n",
    ),
    (
        "huge-replica-count",
        "resources: [deploy.yaml]\nreplicas:\n- name: web\n  count: 99999999999999999999\n",
    ),
    (
        "string-generator-literals",
        "configMapGenerator:\n- name: x\n  literals: a=b\n",
    ),
    (
        "string-include-selectors",
        "resources: [cm.yaml]\nlabels:\n- pairs: {a: b}\n  includeSelectors: \"yes\"\n",
    ),
    (
        "fraction-replacement-index",
        "resources: [cm.yaml]\nreplacements: [{source: {options: {index: 1.5}}}]\n",
    ),
    (
        "number-replacement-select",
        "resources: [cm.yaml]\nreplacements: [{targets: [{select: 1}]}]\n",
    ),
    (
        "number-sort-order",
        "resources: [cm.yaml]\nsortOptions: {order: 1}\n",
    ),
    (
        "object-strategic-merge-entry",
        "resources: [cm.yaml]\npatchesStrategicMerge: [{a: 1}]\n",
    ),
    (
        "number-helm-values",
        "resources: [cm.yaml]\nhelmCharts: [{name: a, valuesInline: 1}]\n",
    ),
    ("number-metadata", "resources: [cm.yaml]\nmetadata: 1\n"),
    (
        "number-var-objref",
        "resources: [cm.yaml]\nvars: [{name: A, objref: 1}]\n",
    ),
    (
        "string-build-metadata",
        "resources: [cm.yaml]\nbuildMetadata: managedByLabel\n",
    ),
    ("number-kind", "kind: 1\n"),
    ("y-is-a-bool", "resources: [cm.yaml]\nnamespace: y\n"),
    // The first error in sorted-key order wins.
    (
        "first-error-sorted",
        "resources: [cm.yaml]\nnamePrefix: 1\nimages: [{newTag: 1, name: 1}]\n",
    ),
    ("unknown-before-type-error", "resources: cm.yaml\nfoo: 1\n"),
    // Field names match case-insensitively; the last variant in sorted order wins.
    (
        "case-variant-keys",
        "Resources: [cm.yaml]\nNamePrefix: x-\nCOMMONLABELS: {a: b}\n",
    ),
    (
        "case-variant-nested",
        "resources: [deploy.yaml]\nimages:\n- NAME: nginx\n  NewTag: \"2\"\n",
    ),
    (
        "case-variant-both",
        "resources: [cm.yaml]\nnamePrefix: a-\nNAMEPREFIX: b-\n",
    ),
    (
        "case-variant-type-error",
        "resources: [cm.yaml]\nNAMEPREFIX: b-\nnamePrefix: 1\n",
    ),
    // Nulls are accepted.
    (
        "null-values",
        "resources: [cm.yaml]\nnamePrefix:\nimages:\ncommonLabels: {a: ~}\n",
    ),
    (
        "null-patch-option",
        "resources: [cm.yaml]\npatches:\n- patch: '[{\"op\": \"add\", \"path\": \"/data/c\", \"value\": \"d\"}]'\n  target: {kind: ConfigMap}\n  options: {allowNameChange: ~}\n",
    ),
    // Empty kustomizations.
    ("empty-file", ""),
    ("comment-only", "# nothing\n"),
    ("empty-map", "{}\n"),
    ("null-document", "~\n"),
    ("only-kind", "kind: Kustomization\n"),
    ("only-empty-prefix", "namePrefix: \"\"\n"),
    ("empty-resources-list", "resources: []\n"),
    ("top-level-list", "- a\n"),
    ("top-level-string", "hello\n"),
    // kind and apiVersion.
    ("bad-api-version", "apiVersion: foo\nresources: [cm.yaml]\n"),
    ("bad-kind", "kind: Foo\nresources: [cm.yaml]\n"),
    (
        "bad-kind-and-version",
        "apiVersion: foo\nkind: Bar\nresources: [cm.yaml]\n",
    ),
    (
        "component-at-top",
        "kind: Component\napiVersion: kustomize.config.k8s.io/v1alpha1\nresources: [cm.yaml]\n",
    ),
    (
        "component-wrong-version",
        "kind: Component\napiVersion: kustomize.config.k8s.io/v1beta1\nresources: [cm.yaml]\n",
    ),
    (
        "good-version",
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [cm.yaml]\n",
    ),
    // Deprecated fields kustomize fixes up.
    (
        "image-tags",
        "resources: [deploy.yaml]\nimageTags: [{name: nginx, newTag: \"2\"}]\nimages: [{name: busybox, newTag: \"3\"}]\n",
    ),
    (
        "image-tags-type-error",
        "resources: [deploy.yaml]\nimageTags: [{name: nginx, newTag: 2}]\n",
    ),
    ("bases", "bases: [base]\nresources: [cm.yaml]\n"),
    (
        "common-labels",
        "resources: [deploy.yaml]\ncommonLabels: {team: a}\n",
    ),
    (
        "strategic-merge-legacy",
        "resources: [cm.yaml]\npatchesStrategicMerge:\n- |-\n  apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: cm}\n  data: {c: d}\n",
    ),
    (
        "vars-case-keys",
        "resources: [deploy.yaml]\nvars:\n- Name: APP\n  ObjRef: {Kind: Deployment, Name: web, APIVersion: apps/v1}\n",
    ),
    ("tag-suffix-ignored", "resources: [deploy.yaml]\nimages: [{name: nginx, newTag: \"2\", tagSuffix: -x}]\n"),
    // labels[].fields and buildMetadata.
    ("label-fields", "resources: [deploy.yaml, cm.yaml]\nlabels:\n- pairs: {team: a}\n  fields: [{kind: ConfigMap, path: data, create: true}, {path: spec/template/metadata/annotations}]\n"),
    ("label-fields-conflict", "resources: [cm.yaml]\nlabels:\n- pairs: {team: a}\n  fields: [{path: metadata/labels}]\n"),
    ("label-fields-selector-conflict", "resources: [deploy.yaml]\nlabels:\n- pairs: {team: a}\n  includeSelectors: true\n  fields: [{kind: Deployment, path: spec/selector/matchLabels}]\n"),
    ("build-metadata", "resources: [base, cm.yaml]\nbuildMetadata: [managedByLabel, originAnnotations]\nconfigMapGenerator: [{name: g, literals: [a=b]}]\n"),
    ("build-metadata-unknown-option", "resources: [cm.yaml]\nbuildMetadata: [somethingElse]\n"),
    // Only the first document counts.
    (
        "two-documents",
        "resources: [cm.yaml]\n---\nnamePrefix: x-\n",
    ),
];

fn kubectl_available() -> bool {
    Command::new("kubectl")
        .args(["version", "--client"])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// The objects of a YAML stream as `kubectl apply` would send them.
fn decode(text: &str) -> Vec<serde_json::Value> {
    let file = SourceFile::new(FileId(0), "out.yaml".into(), text.to_owned());
    let loaded = load(&file, &Limits::default());
    loaded
        .documents
        .iter()
        .map(|d| d.root.to_json())
        .filter(|v| !v.is_null())
        .collect()
}

fn write_case(root: &Path, name: &str, kustomization: &str) -> PathBuf {
    let dir = root.join(name);
    std::fs::create_dir_all(dir.join("base")).unwrap();
    std::fs::write(dir.join("kustomization.yaml"), kustomization).unwrap();
    std::fs::write(dir.join("cm.yaml"), CM).unwrap();
    std::fs::write(dir.join("deploy.yaml"), DEPLOY).unwrap();
    std::fs::write(dir.join("base/kustomization.yaml"), "resources: [d.yaml]\n").unwrap();
    std::fs::write(dir.join("base/d.yaml"), DEPLOY).unwrap();
    dir
}

/// kustomize's error as klog prints it, one line: quotes unescaped, the tabs of a multi-line
/// error (`err=<`) dropped.
fn normalise(stderr: &str) -> String {
    stderr
        .lines()
        .map(|l| l.strip_prefix('\t').unwrap_or(l))
        .collect::<Vec<_>>()
        .join("\n")
        .replace("\\\"", "\"")
}

/// What differs between kubevet and kustomize on one case, if anything.
fn compare(dir: &Path) -> Option<String> {
    let kustomize = Command::new("kubectl")
        .arg("kustomize")
        .arg(dir)
        .output()
        .expect("kubectl runs");
    let theirs = normalise(String::from_utf8_lossy(&kustomize.stderr).trim());
    match (kustomize.status.success(), kubevet::render::render(dir)) {
        (true, Ok(r)) => {
            if let Some(info) = r.infos.first() {
                return Some(format!(
                    "kubevet leaves something out: {}",
                    r.describe_info(info)
                ));
            }
            let expected = decode(&String::from_utf8_lossy(&kustomize.stdout));
            let actual = decode(&r.to_yaml(false));
            (expected != actual).then(|| {
                format!(
                    "objects differ:\n  kustomize: {}\n  kubevet:   {}",
                    serde_json::Value::from(expected),
                    serde_json::Value::from(actual)
                )
            })
        }
        (true, Err(f)) => Some(format!(
            "kubevet fails, kustomize renders: {}",
            f.describe()
        )),
        (false, Ok(_)) => Some(format!("kubevet renders, kustomize fails: {theirs}")),
        (false, Err(f)) => (!theirs.contains(&f.error.message)).then(|| {
            format!(
                "messages differ:\n  kustomize: {theirs}\n  kubevet:   {}",
                f.error.message
            )
        }),
    }
}

#[test]
fn kustomizations_decode_as_kustomize_decodes_them() {
    if !kubectl_available() {
        eprintln!("skipped: kubectl is not installed");
        return;
    }
    let root = std::env::temp_dir().join(format!("kubevet-kdecode-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let mut failures = Vec::new();
    for (name, kustomization) in CASES {
        let dir = write_case(&root, name, kustomization);
        match compare(&dir) {
            None => eprintln!("{name}: agrees"),
            Some(why) => failures.push(format!("{name}: {why}")),
        }
    }
    let _ = std::fs::remove_dir_all(&root);
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    assert!(CASES.len() >= 60);
}
