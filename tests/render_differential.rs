//! `kubevet render` against `kubectl kustomize` (kustomize 5.5): for every case under
//! `fixtures/render/` and every kustomization under `../shared/corpora`, the objects kubevet
//! renders equal kustomize's, compared as JSON after decoding both outputs as `kubectl apply`
//! does (kubevet's loader), order included; where kustomize fails, kubevet fails too.
//!
//! Also many small kustomizations written by the test (`kustomizations_decode_as_kustomize_decodes_them`):
//! kubevet decodes them as strictly as kustomize does.
//!
//! Skips visibly without `kubectl`; the corpora part skips visibly without `../shared/corpora`.
//! A kustomization using something kubevet does not render yet (remote resources, helm charts,
//! plugins) is counted as unsupported, never as a match.

use kubevet::load::{Limits, load};
use kubevet::model::diagnostic::FileId;
use kubevet::source::SourceFile;
use std::path::{Path, PathBuf};
use std::process::Command;

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
    assert!(
        loaded.diagnostics.is_empty(),
        "output does not load: {:?}\n{text}",
        loaded.diagnostics.first().map(|d| &d.message)
    );
    loaded
        .documents
        .iter()
        .map(|d| d.root.to_json())
        .filter(|v| !v.is_null())
        .collect()
}

enum Outcome {
    Match,
    Differ(String),
    /// kustomize's stderr, kubevet's error (with its place), kubevet's message alone.
    BothFail(String, String, String),
    /// kustomize fails, kubevet renders.
    OnlyKustomizeFails(String),
    /// kustomize renders, kubevet fails (not for an unsupported feature).
    OnlyKubevetFails(String),
    Unsupported(String),
    /// kustomize fails and kubevet cannot render it either (a remote resource offline).
    NeitherUnsupported,
}

fn compare(dir: &Path) -> Outcome {
    let kustomize = Command::new("kubectl")
        .arg("kustomize")
        .arg(dir)
        .output()
        .expect("kubectl runs");
    let ours = kubevet::render::render(dir);
    let theirs_err = String::from_utf8_lossy(&kustomize.stderr).trim().to_owned();
    match (kustomize.status.success(), ours) {
        (ok, Ok(r)) if !r.infos.is_empty() => {
            let why = r.describe_info(&r.infos[0]);
            if ok {
                Outcome::Unsupported(why)
            } else {
                Outcome::NeitherUnsupported
            }
        }
        (_, Err(f)) if f.error.unsupported => {
            if kustomize.status.success() {
                Outcome::Unsupported(f.describe())
            } else {
                Outcome::NeitherUnsupported
            }
        }
        (true, Ok(rendered)) => {
            let expected = decode(&String::from_utf8_lossy(&kustomize.stdout));
            let text = rendered.to_yaml(false);
            let actual = decode(&text);
            if expected == actual {
                Outcome::Match
            } else {
                let first = expected
                    .iter()
                    .zip(&actual)
                    .position(|(a, b)| a != b)
                    .unwrap_or(expected.len().min(actual.len()));
                Outcome::Differ(format!(
                    "{} objects from kustomize, {} from kubevet; first difference at object {first}:\nkustomize: {}\nkubevet:   {}",
                    expected.len(),
                    actual.len(),
                    expected
                        .get(first)
                        .map(|v| v.to_string())
                        .unwrap_or_default(),
                    actual.get(first).map(|v| v.to_string()).unwrap_or_default()
                ))
            }
        }
        (true, Err(f)) => Outcome::OnlyKubevetFails(f.describe()),
        (false, Ok(_)) => Outcome::OnlyKustomizeFails(theirs_err),
        (false, Err(f)) => Outcome::BothFail(theirs_err, f.describe(), f.error.message),
    }
}

fn case_dirs(root: &Path) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root)
        .map(|rd| rd.filter_map(|e| Some(e.ok()?.path())).collect())
        .unwrap_or_default();
    dirs.retain(|d| kubevet::render::kustomization_file(d).is_some());
    dirs.sort();
    dirs
}

#[test]
fn fixtures_render_as_kustomize_does() {
    if !kubectl_available() {
        eprintln!("skipped: kubectl is not installed");
        return;
    }
    let cases = case_dirs(Path::new("fixtures/render"));
    assert!(cases.len() >= 15, "expected the render fixtures");
    let mut failures = Vec::new();
    for dir in &cases {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let expect_error = name.starts_with("error-");
        match compare(dir) {
            Outcome::Match if !expect_error => eprintln!("{name}: match"),
            Outcome::BothFail(theirs, ours, message) if expect_error => {
                eprintln!("{name}: both fail\n  kustomize: {theirs}\n  kubevet:   {ours}");
                // kubevet's message is kustomize's (klog quotes kustomize's error).
                // kustomize names files by their absolute path, kubevet as it was given.
                let cwd = format!("{}/", std::env::current_dir().unwrap().display());
                // klog indents each further line of a multi-line error with a tab.
                if !theirs
                    .replace("\n\t", "\n")
                    .replace("\\\"", "\"")
                    .replace(&cwd, "")
                    .contains(&message)
                {
                    failures.push(format!(
                        "{name}: kubevet's error is not kustomize's:\n  kustomize: {theirs}\n  kubevet:   {message}"
                    ));
                }
            }
            Outcome::Match => failures.push(format!("{name}: kustomize renders an error- case")),
            Outcome::BothFail(theirs, ..) => {
                failures.push(format!("{name}: kustomize fails: {theirs}"))
            }
            Outcome::Differ(d) => failures.push(format!("{name}: differs: {d}")),
            Outcome::OnlyKustomizeFails(e) => failures.push(format!(
                "{name}: kubevet renders what kustomize refuses: {e}"
            )),
            Outcome::OnlyKubevetFails(e) => failures.push(format!("{name}: kubevet fails: {e}")),
            Outcome::Unsupported(e) => failures.push(format!("{name}: unsupported: {e}")),
            Outcome::NeitherUnsupported => failures.push(format!("{name}: unsupported")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// Every kustomization directory below `root`.
fn kustomizations_below(root: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(root) else {
        return;
    };
    let mut entries: Vec<PathBuf> = entries.filter_map(|e| Some(e.ok()?.path())).collect();
    entries.sort();
    if kubevet::render::kustomization_file(root).is_some() {
        out.push(root.to_path_buf());
    }
    for e in entries {
        let hidden = e
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with('.'));
        if e.is_dir() && !hidden && !e.is_symlink() {
            kustomizations_below(&e, out);
        }
    }
}

#[test]
fn corpora_render_as_kustomize_does() {
    if !kubectl_available() {
        eprintln!("skipped: kubectl is not installed");
        return;
    }
    let root = Path::new("../shared/corpora");
    if !root.is_dir() {
        eprintln!("skipped: {} is absent", root.display());
        return;
    }
    let mut dirs = Vec::new();
    kustomizations_below(root, &mut dirs);
    let (mut matched, mut both_fail, mut unsupported, mut neither) = (0, 0, 0, 0);
    let mut failures = Vec::new();
    for dir in &dirs {
        let name = dir.display().to_string();
        match compare(dir) {
            Outcome::Match => matched += 1,
            Outcome::BothFail(..) => both_fail += 1,
            Outcome::Unsupported(why) => {
                unsupported += 1;
                eprintln!("{name}: kubevet-unsupported: {why}");
            }
            Outcome::NeitherUnsupported => neither += 1,
            Outcome::Differ(d) => failures.push(format!("{name}: differs: {d}")),
            Outcome::OnlyKustomizeFails(e) => failures.push(format!(
                "{name}: kubevet renders what kustomize refuses: {e}"
            )),
            Outcome::OnlyKubevetFails(e) => failures.push(format!("{name}: kubevet fails: {e}")),
        }
    }
    eprintln!(
        "corpora: {} kustomizations: {matched} match, {} differ or fail on one side only, {unsupported} kubevet-unsupported (kustomize renders), {both_fail} both fail, {neither} unsupported and kustomize fails (offline)",
        dirs.len(),
        failures.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

fn kubevet_render(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_kubevet"))
        .arg("render")
        .args(args)
        .output()
        .expect("kubevet runs")
}

#[test]
fn show_sources_names_the_line_that_set_each_value() {
    let out = kubevet_render(&["--show-sources", "fixtures/render/overlay-chain"]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let dir = "fixtures/render/overlay-chain";
    for line in [
        // The object, where its first line is.
        format!("# from {dir}/base/all.yaml:8"),
        // A value a JSON patch replaced and an inline strategic merge patch replaced again: the
        // patch's own line in the kustomization.
        format!("  REGION: eu  # {dir}/staging-eu/kustomization.yaml:13"),
        // Set by the middle overlay's `namespace:`, kept by the outer overlay's patch.
        format!("  namespace: staging  # {dir}/staging/kustomization.yaml:1"),
        // The `images:` entry's `newTag`.
        format!("        image: shop:2  # {dir}/staging/kustomization.yaml:13"),
        // As written in the base.
        format!("        role: web  # {dir}/base/all.yaml:17"),
        // A label the base's `labels:` adds to the selector.
        format!("      app.kubernetes.io/name: shop  # {dir}/base/kustomization.yaml:3"),
    ] {
        assert!(
            text.lines().any(|l| l == line),
            "missing {line:?} in\n{text}"
        );
    }
}

#[test]
fn render_errors_are_at_the_entry_in_kustomizes_words() {
    // (kustomization, exit code, what stderr says): 1 where kustomize fails, in its words (an
    // image that is not a string, patches kustomize cannot apply, an unknown field with
    // kubevet's near miss); 2 where kubevet does not render a feature yet.
    for (dir, code, words) in [
        (
            "fixtures/render/error-patch-not-found",
            1,
            "error-patch-not-found/staging-eu/kustomization.yaml:8:5: no resource matches strategic merge patch \"ConfigMap.v1.[noGrp]/env.staging\"",
        ),
        (
            "fixtures/render/error-replacement-target",
            1,
            "error-replacement-target/kustomization.yaml:4:3: unable to find field \"spec.template.spec.containers.[name=web].ports.0.containerPort\" in replacement target",
        ),
        (
            "fixtures/render/error-vars-duplicate",
            1,
            "error-vars-duplicate/kustomization.yaml:5:3: merging vars [{DATABASE Service.[noVer].[noGrp] {}}]: var 'DATABASE' already encountered",
        ),
        (
            "fixtures/render/error-vars-number-in-args",
            1,
            "error-vars-number-in-args/app.yaml:16:49: considering field 'spec/template/spec/containers/args' of object Deployment.v1.apps/client.[noNs]: visit traversal on path: [args]: invalid value type expect a string",
        ),
        (
            "fixtures/render/error-image-not-scalar",
            1,
            "error-image-not-scalar/kustomization.yaml:5:9: wrong node kind: expected ScalarNode but got MappingNode\nkubevet: render: help: `Pod` `toolbox` has an `image` that is a mapping: write the image as one string, `name:tag`\n",
        ),
        (
            "fixtures/render/error-image-field-not-scalar",
            1,
            "error-image-field-not-scalar/kustomization.yaml:7:9: considering field 'spec/agentImage' of object Tool.v1.shop.example.com/hammer.[noNs]: wrong node kind: expected ScalarNode but got MappingNode",
        ),
        (
            "fixtures/render/error-patch-kind-mismatch",
            1,
            "error-patch-kind-mismatch/kustomization.yaml:7:5: wrong node kind: expected SequenceNode but got MappingNode",
        ),
        (
            "fixtures/render/error-legacy-patch-without-name",
            1,
            "kubevet: render: help: the patch has no `metadata.name`: kustomize takes an inline patch it cannot read as an object for a file name; give the patch its `kind` and `metadata.name`\n",
        ),
        (
            "fixtures/render/error-patch-target-without-name",
            1,
            "error-patch-target-without-name/kustomization.yaml:9:5: unable to parse SM or JSON patch from [patch: \"apiVersion: apps/v1\\nkind: Deployment\\nmetadata:\\n  labels:\\n    tier: backend\"]",
        ),
        (
            "fixtures/rules/kustomize-build-error/fires-unknown-field",
            1,
            "fires-unknown-field/kustomization.yaml:7:5: invalid Kustomization: json: unknown field \"nmae\"\nkubevet: render: help: did you mean `name`?\n",
        ),
        (
            "fixtures/render-unsupported/plugins",
            2,
            "cannot render: fixtures/render-unsupported/plugins/kustomization.yaml:3:1: kubevet does not render `transformers` yet",
        ),
    ] {
        let out = kubevet_render(&[dir]);
        assert_eq!(out.status.code(), Some(code), "{dir}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(words), "{dir}: {stderr}");
        if code == 2 {
            assert!(out.stdout.is_empty(), "{dir}");
        }
    }
}

#[test]
fn remote_entries_and_helm_charts_are_left_out_with_one_info_each() {
    let dir = "fixtures/render-remote/remote-and-helm";
    let out = kubevet_render(&[dir]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "apiVersion: v1\ndata:\n  mode: fast\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: shop\n"
    );
    let remote = "is a remote resource: kubevet never fetches it; its objects are left out";
    let helm = "is not rendered: kubevet never runs helm; its objects are left out";
    let expected = [
        format!("{dir}/kustomization.yaml:3:3: `https://example.com/shop/base.yaml` {remote}"),
        format!("{dir}/local/kustomization.yaml:4:3: `https://example.com/shop/component` {remote}"),
        format!("{dir}/kustomization.yaml:5:3: `github.com/example/shop//deploy?ref=v1.2.0` {remote}"),
        format!("{dir}/kustomization.yaml:6:3: `git::https://example.com/shop.git//base?ref=main` {remote}"),
        format!("{dir}/kustomization.yaml:8:3: helm chart `redis` {helm}"),
        format!("{dir}/kustomization.yaml:11:3: helm chart `postgres` {helm}"),
    ]
    .map(|l| format!("kubevet: render: info: {l}\n"))
    .concat();
    assert_eq!(String::from_utf8_lossy(&out.stderr), expected);
}

// kubevet decodes a kustomization as strictly as kustomize 5.5: for many small kustomizations
// (unknown fields at every depth, wrong JSON types, case-variant keys, nulls, empty files,
// `kind`/`apiVersion`, deprecated fields, `labels[].fields`, `buildMetadata`), kubevet renders
// what kustomize renders and fails where kustomize fails, with kustomize's message.

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

/// A cluster-scoped object naming the ConfigMap `cm`, which may then be in any namespace.
const ROLE: &str = "apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: reader
rules: [{apiGroups: [''], resources: [configmaps], resourceNames: [cm], verbs: [get]}]
";

/// (name, kustomization.yaml); every case also has `cm.yaml`, `deploy.yaml` and `role.yaml`.
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
    (
        "tag-suffix-ignored",
        "resources: [deploy.yaml]\nimages: [{name: nginx, newTag: \"2\", tagSuffix: -x}]\n",
    ),
    // labels[].fields and buildMetadata.
    (
        "label-fields",
        "resources: [deploy.yaml, cm.yaml]\nlabels:\n- pairs: {team: a}\n  fields: [{kind: ConfigMap, path: data, create: true}, {path: spec/template/metadata/annotations}]\n",
    ),
    (
        "label-fields-conflict",
        "resources: [cm.yaml]\nlabels:\n- pairs: {team: a}\n  fields: [{path: metadata/labels}]\n",
    ),
    (
        "label-fields-selector-conflict",
        "resources: [deploy.yaml]\nlabels:\n- pairs: {team: a}\n  includeSelectors: true\n  fields: [{kind: Deployment, path: spec/selector/matchLabels}]\n",
    ),
    (
        "build-metadata",
        "resources: [base, cm.yaml]\nbuildMetadata: [managedByLabel, originAnnotations]\nconfigMapGenerator: [{name: g, literals: [a=b]}]\n",
    ),
    (
        "build-metadata-unknown-option",
        "resources: [cm.yaml]\nbuildMetadata: [somethingElse]\n",
    ),
    // Only the first document counts.
    // A reference that could be to several renamed objects: the same new name is no
    // ambiguity, different ones are kustomize's "found multiple possible referrals".
    (
        "refs-several-same-name",
        "resources: [role.yaml]\nconfigMapGenerator:\n- {name: cm, namespace: a, literals: [x=1]}\n- {name: cm, namespace: b, literals: [x=1]}\n",
    ),
    (
        "refs-several-names",
        "resources: [role.yaml]\nconfigMapGenerator:\n- {name: cm, namespace: a, literals: [x=1]}\n- {name: cm, namespace: b, literals: [x=2]}\n",
    ),
    (
        "refs-several-names-prefixed",
        "resources: [role.yaml]\nnamePrefix: p-\nconfigMapGenerator:\n- {name: cm, namespace: a, literals: [x=1]}\n- {name: cm, namespace: b, literals: [x=2]}\n",
    ),
    (
        "two-documents",
        "resources: [cm.yaml]\n---\nnamePrefix: x-\n",
    ),
];

fn write_case(root: &Path, name: &str, kustomization: &str) -> PathBuf {
    let dir = root.join(name);
    std::fs::create_dir_all(dir.join("base")).unwrap();
    std::fs::write(dir.join("kustomization.yaml"), kustomization).unwrap();
    std::fs::write(dir.join("cm.yaml"), CM).unwrap();
    std::fs::write(dir.join("deploy.yaml"), DEPLOY).unwrap();
    std::fs::write(dir.join("role.yaml"), ROLE).unwrap();
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

/// What differs between kubevet and kustomize on one decode case, if anything.
fn compare_case(dir: &Path) -> Option<String> {
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
        match compare_case(&dir) {
            None => eprintln!("{name}: agrees"),
            Some(why) => failures.push(format!("{name}: {why}")),
        }
    }
    let _ = std::fs::remove_dir_all(&root);
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    assert!(CASES.len() >= 60);
}
