//! Schema validation end to end: the "Done when" examples each give one clear finding
//! on the right line, and the flags (`--kubernetes-version`, `--crd`, `--strict`) work through
//! the real binary.

use kubevet::schema::catalog::catalog;
use kubevet::{Input, KubeVersion, Options, check};
use std::path::PathBuf;

mod common;

fn concise(input: Input, options: &Options) -> Vec<String> {
    common::concise(&check(input, options).unwrap())
        .lines()
        .map(str::to_owned)
        .collect()
}

fn findings(path: &str) -> Vec<String> {
    concise(Input::Paths(vec![PathBuf::from(path)]), &Options::default())
}

fn stream(text: &str, options: &Options) -> Vec<String> {
    concise(
        Input::Stream {
            name: "in.yaml".into(),
            bytes: text.as_bytes().to_vec(),
        },
        options,
    )
}

/// Exactly one error or warning (infos are best-practice hints), of `rule` at `line`, with
/// `message`.
fn assert_one(lines: &[String], rule: &str, line: u32, message: &str) {
    let lines: Vec<&String> = lines.iter().filter(|l| !l.contains(": info[")).collect();
    assert_eq!(lines.len(), 1, "expected one finding, got {lines:#?}");
    let l = &lines[0];
    assert!(l.contains(&format!("[{rule}]")), "{l}");
    assert!(
        l.contains(&format!(":{line}:")),
        "{l} is not on line {line}"
    );
    assert!(l.contains(message), "{l} lacks {message:?}");
}

#[test]
fn done_when_examples_give_one_clear_finding_each() {
    assert_one(
        &findings("fixtures/rules/unknown-field/fires-daemonset-replicas.yaml"),
        "unknown-field",
        7,
        "error[unknown-field]: unknown field `replicas` in DaemonSet spec",
    );
    assert_one(
        &findings("fixtures/rules/wrong-type/ok-label-is-invalid-label-value.yaml"),
        "invalid-label-value",
        7,
        "unquoted `yes` is the boolean true",
    );
    assert_one(
        &findings("fixtures/rules/wrong-type/fires-configmap-port.yaml"),
        "wrong-type",
        6,
        "error[wrong-type]: `8080` is a number, but ConfigMap data values must be strings",
    );
    assert_one(
        &findings("fixtures/rules/wrong-type/fires-widget"),
        "wrong-type",
        6,
        "error[wrong-type]: `size` must be an integer, but `big` is a string",
    );
    assert_one(
        &findings("fixtures/rules/removed-api-version/fires-extensions-daemonset.yaml"),
        "removed-api-version",
        1,
        "error[removed-api-version]: extensions/v1beta1 DaemonSet was removed in Kubernetes 1.16; use apps/v1",
    );
    assert_one(
        &findings("fixtures/rules/no-schema/fires-gadget.yaml"),
        "no-schema",
        1,
        "warning[no-schema]: no schema for example.org/v1alpha1 Gadget; pass its CRD with --crd",
    );
}

#[test]
fn the_embedded_versions_are_the_supported_range() {
    let versions = &catalog().versions;
    assert_eq!(versions.first(), Some(&KubeVersion::OLDEST));
    assert_eq!(versions.last(), Some(&KubeVersion::NEWEST));
    assert_eq!(
        versions.len() as u32,
        KubeVersion::NEWEST.minor - KubeVersion::OLDEST.minor + 1
    );
}

const HPA_V2BETA2: &str = "apiVersion: autoscaling/v2beta2
kind: HorizontalPodAutoscaler
metadata:
  name: web
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: web
  minReplicas: 1
  maxReplicas: 3
";

#[test]
fn the_target_version_decides_removed_and_deprecated() {
    let at = |minor| Options {
        kubernetes_version: KubeVersion::new(minor),
        ..Options::default()
    };
    assert_one(
        &stream(HPA_V2BETA2, &at(25)),
        "deprecated-api-version",
        1,
        "warning[deprecated-api-version]: autoscaling/v2beta2 HorizontalPodAutoscaler is deprecated: Kubernetes 1.26 no longer serves it; use autoscaling/v2",
    );
    assert_one(
        &stream(HPA_V2BETA2, &at(26)),
        "removed-api-version",
        1,
        "autoscaling/v2beta2 HorizontalPodAutoscaler was removed in Kubernetes 1.26; use autoscaling/v2",
    );
    // Too new for the target.
    let device_class =
        "apiVersion: resource.k8s.io/v1\nkind: DeviceClass\nmetadata:\n  name: gpu\nspec: {}\n";
    assert_one(
        &stream(device_class, &at(30)),
        "unknown-kind",
        1,
        "Kubernetes 1.30 does not serve resource.k8s.io/v1 DeviceClass yet: it was added in 1.34",
    );
    assert!(stream(device_class, &at(34)).is_empty());
}

#[test]
fn strict_false_makes_unknown_fields_warnings() {
    let text =
        std::fs::read_to_string("fixtures/rules/unknown-field/fires-daemonset-replicas.yaml")
            .unwrap();
    let options = Options {
        strict: false,
        ..Options::default()
    };
    assert_one(
        &stream(&text, &options),
        "unknown-field",
        7,
        "warning[unknown-field]",
    );
}

#[test]
fn crds_from_a_stream_and_from_crd_paths_give_schemas() {
    let crd = std::fs::read_to_string("fixtures/rules/wrong-type/fires-widget/crd.yaml").unwrap();
    let widget =
        std::fs::read_to_string("fixtures/rules/wrong-type/fires-widget/widget.yaml").unwrap();
    // CRD and resource in one stream (kustomize build | kubevet check -).
    let both = format!("{crd}---\n{widget}");
    let line = crd.lines().count() as u32 + 1 + 6;
    assert_one(
        &stream(&both, &Options::default()),
        "wrong-type",
        line,
        "`size`",
    );
    // The resource alone: no schema; with --crd: validated.
    assert_one(
        &stream(&widget, &Options::default()),
        "no-schema",
        1,
        "Widget",
    );
    let options = Options {
        crd_paths: vec!["fixtures/rules/wrong-type/fires-widget/crd.yaml".into()],
        ..Options::default()
    };
    assert_one(&stream(&widget, &options), "wrong-type", 6, "`size`");
}

fn kubevet(args: &[&str]) -> (i32, String, String) {
    let out = common::kubevet(args);
    (
        out.status.code().unwrap_or(-1),
        common::stdout(&out),
        common::stderr(&out),
    )
}

#[test]
fn cli_flags() {
    let widget = "fixtures/rules/wrong-type/fires-widget/widget.yaml";
    // On its own: in this repository, a file argument would otherwise get the repository as
    // context, and with it the CRD beside the widget.
    let (code, out, _) = kubevet(&["check", "--format", "concise", "-q", "--no-context", widget]);
    assert_eq!(code, 0, "a warning does not fail the run: {out}");
    assert!(out.contains("warning[no-schema]"), "{out}");
    let (code, out, _) = kubevet(&[
        "check",
        "--format",
        "concise",
        "-q",
        "--no-context",
        "--crd",
        "fixtures/rules/wrong-type/fires-widget",
        "--crd",
        "fixtures/rules/schema-violation/ok-custom-resource/crd.yaml",
        widget,
    ]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("error[wrong-type]"), "{out}");
    let (code, _, err) = kubevet(&["check", "--crd", "no/such/dir", widget]);
    assert_eq!(code, 2);
    assert!(
        err.contains("--crd no/such/dir: no such file or directory"),
        "{err}"
    );
    for bad in ["1.24", "1.38", "2.0", "latest"] {
        let (code, _, err) = kubevet(&["check", "--kubernetes-version", bad, widget]);
        assert_eq!(code, 2, "--kubernetes-version {bad}");
        assert!(err.contains("supported versions are 1.25-1.37"), "{err}");
    }
    let (code, out, _) = kubevet(&[
        "check",
        "--format",
        "concise",
        "-q",
        "--kubernetes-version",
        "1.25",
        "fixtures/rules/unknown-field/fires-daemonset-replicas.yaml",
    ]);
    assert_eq!(code, 1);
    assert!(out.contains("unknown field `replicas`"), "{out}");
    // With the repository as context (the default for a file in a git repository), the CRD
    // beside the widget is found as a run over the whole repository would find it.
    let (code, out, _) = kubevet(&["check", "--format", "concise", "-q", widget]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("error[wrong-type]"), "{out}");
}

#[test]
fn every_embedded_definition_compiles_in_every_version() {
    let catalog = catalog();
    for (i, version) in catalog.versions.iter().enumerate() {
        let set = catalog.version_set(i);
        let names: Vec<&str> = set.names().collect();
        assert!(
            names.len() > 500,
            "{version}: only {} definitions",
            names.len()
        );
        for name in names {
            assert!(
                set.schema(name).is_some(),
                "{version}: {name} does not compile"
            );
        }
    }
}

/// A repository that vendors the same CRD many times (each copy checked, and dropped, in the
/// parallel first pass): the first definition in path order gives the schema, whichever copy the
/// threads happen to load first, and every copy's own findings are still reported.
#[test]
fn the_first_crd_in_path_order_wins_however_many_copies() {
    let crd = std::fs::read_to_string("fixtures/rules/wrong-type/fires-widget/crd.yaml").unwrap();
    let widget =
        std::fs::read_to_string("fixtures/rules/wrong-type/fires-widget/widget.yaml").unwrap();
    let as_string = crd.replace(
        "type: integer\n                  minimum: 1",
        "type: string",
    );
    assert_ne!(as_string, crd);
    // Not structural (a property without a type): reported at that copy, whatever wins.
    let broken = as_string.replace(
        "                mode:\n                  type: string\n",
        "                mode:\n",
    );
    assert_ne!(broken, as_string);
    let root = std::env::temp_dir().join(format!("kubevet-crd-copies-{}", std::process::id()));
    for (first, size_is_checked) in [(&crd, true), (&as_string, false)] {
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(&root).unwrap();
        std::fs::write(root.join("crd-000.yaml"), first).unwrap();
        for i in 1..=40 {
            let copy = if i == 17 {
                &broken
            } else if first == &crd {
                &as_string
            } else {
                &crd
            };
            std::fs::write(root.join(format!("crd-{i:03}.yaml")), copy).unwrap();
        }
        // A file with a CRD copy and a custom resource needs the CRDs: checked after them.
        let mixed = format!("{}---\n{widget}", copy_of(first, &crd, &as_string));
        std::fs::write(root.join("crd-021.yaml"), &mixed).unwrap();
        std::fs::write(root.join("widget.yaml"), &widget).unwrap();
        let lines = concise(Input::Paths(vec![root.clone()]), &Options::default());
        let wrong: Vec<&String> = lines
            .iter()
            .filter(|l| l.contains("[wrong-type]"))
            .collect();
        if size_is_checked {
            assert_eq!(wrong.len(), 2, "{lines:#?}");
            assert!(
                wrong.iter().any(|l| l.contains("widget.yaml:6:")),
                "{lines:#?}"
            );
            let line = mixed.lines().position(|l| l == "  size: big").unwrap() + 1;
            assert!(
                wrong
                    .iter()
                    .any(|l| l.contains(&format!("crd-021.yaml:{line}:"))),
                "{lines:#?}"
            );
        } else {
            assert!(wrong.is_empty(), "{lines:#?}");
        }
        let invalid: Vec<&String> = lines
            .iter()
            .filter(|l| l.contains("[invalid-crd-schema]"))
            .collect();
        assert_eq!(invalid.len(), 1, "{lines:#?}");
        assert!(invalid[0].contains("crd-017.yaml:"), "{lines:#?}");
    }
    std::fs::remove_dir_all(&root).unwrap();
}

/// The copy of a CRD that is not `first`.
fn copy_of<'a>(first: &str, a: &'a str, b: &'a str) -> &'a str {
    if first == a { b } else { a }
}
