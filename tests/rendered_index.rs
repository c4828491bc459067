//! The whole-repo rules on the rendered objects of each kustomize build (the built binary): a
//! patch, a JSON 6902 patch or a generator's hashed name changes what the cross-object rules
//! see, and each finding points at the node that set the value. `--no-render` keeps the
//! approximation from the kustomizations' fields (patches not applied, generators' names
//! unhashed). What the expectations rely on of each render is checked against
//! `kubectl kustomize` (skipped visibly without it).

use std::path::Path;
use std::process::Command;

mod common;
use common::{kubevet, stderr, stdout};

const RELABELS: &str = "fixtures/rules/service-selects-nothing/fires-overlay-patch-relabels";
const PATCH_REFERENCE: &str = "fixtures/rules/missing-reference/fires-overlay-patch-reference";
const JSON_PATCH: &str = "fixtures/rules/missing-reference/ok-json-patch-to-generated";
const JSON_RELABELS: &str = "fixtures/rules/selector-matches-nothing/fires-json-patch-relabels";

/// The findings of `kubevet check` (concise, without the summary line).
fn findings(args: &[&str]) -> Vec<String> {
    let o = kubevet(args);
    assert!(
        matches!(o.status.code(), Some(0 | 1)),
        "{args:?}: {}{}",
        stdout(&o),
        stderr(&o)
    );
    stdout(&o)
        .lines()
        .filter(|l| !l.starts_with("checked "))
        .map(str::to_owned)
        .collect()
}

#[test]
fn a_patch_that_relabels_the_pods_leaves_the_base_service_selecting_nothing() {
    assert_eq!(
        findings(&["check", "--format", "concise", RELABELS]),
        [format!(
            "{RELABELS}/base/service.yaml:7:5: warning[service-selects-nothing]: Service `web` selects no pods: no workload in `default` has the labels app: web"
        )]
    );
}

#[test]
fn a_json_patch_that_relabels_the_pods_leaves_the_base_budget_selecting_nothing() {
    assert_eq!(
        findings(&["check", "--format", "concise", JSON_RELABELS]),
        [format!(
            "{JSON_RELABELS}/base/pdb.yaml:8:5: warning[selector-matches-nothing]: PodDisruptionBudget `api` selects no pods in namespace `default`"
        )]
    );
}

#[test]
fn a_reference_a_patch_adds_is_missing_and_a_generated_name_is_found_hashed() {
    assert_eq!(
        findings(&["check", "--format", "concise", PATCH_REFERENCE]),
        [format!(
            "{PATCH_REFERENCE}/add-flags.yaml:14:25: warning[missing-reference]: ConfigMap `feature-flags` does not exist in namespace `default`"
        )]
    );
    // A JSON 6902 patch points the base's reference at the overlay's generated ConfigMap.
    assert_eq!(
        findings(&["check", "--format", "concise", JSON_PATCH]),
        Vec::<String>::new()
    );
}

#[test]
fn without_rendering_the_builds_are_approximated_as_before() {
    // Patches are not applied: the pods keep `app: web`, the patch's reference is not seen.
    for case in [RELABELS, PATCH_REFERENCE, JSON_RELABELS] {
        assert_eq!(
            findings(&["check", "--format", "concise", "--no-render", case]),
            Vec::<String>::new(),
            "{case}"
        );
    }
    // Nor is the JSON 6902 patch: the base's reference is missing.
    assert_eq!(
        findings(&["check", "--format", "concise", "--no-render", JSON_PATCH]),
        [format!(
            "{JSON_PATCH}/base/deployment.yaml:19:23: warning[missing-reference]: ConfigMap `settings-from-overlay` does not exist in namespace `default`"
        )]
    );
}

/// `kubectl kustomize DIR`, or `None` without kubectl.
fn kustomize(dir: &str) -> Option<String> {
    let o = Command::new("kubectl")
        .arg("kustomize")
        .arg(Path::new(dir))
        .output()
        .ok()?;
    assert!(
        o.status.success(),
        "{dir}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    Some(String::from_utf8(o.stdout).unwrap())
}

/// `kubevet render DIR`.
fn render(dir: &str) -> String {
    let o = kubevet(&["render", dir]);
    assert_eq!(o.status.code(), Some(0), "{dir}: {}", stderr(&o));
    stdout(&o)
}

#[test]
fn the_fixtures_renders_are_those_of_kubectl_kustomize() {
    let builds = [
        format!("{RELABELS}/overlays/prod"),
        PATCH_REFERENCE.to_owned(),
        format!("{JSON_PATCH}/overlays/prod"),
        format!("{JSON_RELABELS}/overlays/prod"),
    ];
    for dir in &builds {
        let Some(expected) = kustomize(dir) else {
            eprintln!("SKIPPED: kubectl is not installed");
            return;
        };
        assert_eq!(render(dir), expected, "{dir}");
    }
    // What the expectations above rely on, as kustomize renders it.
    let relabeled = kustomize(&builds[0]).unwrap();
    assert!(
        relabeled.contains("  selector:\n    app: web\n"),
        "{relabeled}"
    );
    assert!(
        relabeled.contains("      labels:\n        app: web-v2\n"),
        "{relabeled}"
    );
    let referenced = kustomize(&builds[1]).unwrap();
    assert!(
        referenced.contains("              name: feature-flags\n"),
        "{referenced}"
    );
    assert!(
        referenced.contains("  name: settings-t82mkhg8fd\n"),
        "{referenced}"
    );
    assert!(
        referenced.contains("            name: settings-t82mkhg8fd\n"),
        "{referenced}"
    );
    let patched = kustomize(&builds[2]).unwrap();
    assert!(
        patched.contains("  name: prod-settings-t82mkhg8fd\n"),
        "{patched}"
    );
    assert!(
        patched.contains("            name: prod-settings-t82mkhg8fd\n"),
        "{patched}"
    );
}
