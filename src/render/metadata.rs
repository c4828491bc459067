//! The top kustomization's `buildMetadata`, as kustomize 5.5 adds it at the end of a build
//! (`api/krusty/kustomizer.go`): `originAnnotations` writes where each object came from
//! (`config.kubernetes.io/origin`: the file, relative to the top kustomization's directory, or
//! the kustomization and generator that made it), `managedByLabel` labels every object
//! `app.kubernetes.io/managed-by: kustomize-(devel)` (the version `kubectl kustomize` reports;
//! a standalone kustomize writes its own). Only the top kustomization's list counts: a base's
//! is dropped by the build that includes it. `transformerAnnotations` lists, on every object,
//! each built-in transformer instance that ran over it (`alpha.config.kubernetes.io/transformations`:
//! kustomize's `multiTransformer` records each one on every object of the accumulator, changed or
//! not, after it runs — [`transformers_of`]), innermost kustomization first.
//!
//! Before that, kustomize's `RemoveBuildAnnotations` runs on every build: the annotations its
//! own machinery uses (`internal.config.kubernetes.io/*`, `config.kubernetes.io/path`,
//! `config.kubernetes.io/index`, `config.k8s.io/id`, the origin and transformations ones) are
//! removed from every object even when written by hand, and an empty or null
//! `metadata.annotations` goes with them ([`strip`]).

use super::kust::Kust;
use super::node::{Origin, RNode, RValue};
use super::{Files, Resource};
use crate::index::kustomize::normalize;
use std::path::{Component, Path, PathBuf};

pub(crate) const ORIGIN: &str = "originAnnotations";
pub(crate) const MANAGED_BY: &str = "managedByLabel";
pub(crate) const TRANSFORMERS: &str = "transformerAnnotations";

/// The built-in transformer instances a kustomization runs, in kustomize 5.5's order
/// (`configureBuiltinTransformers`): one per patch, image and replica entry, one per `labels`
/// entry plus one for `commonLabels` when either is set, one each for the others when set.
pub(crate) fn transformers_of(k: &Kust) -> Vec<&'static str> {
    let count = |key: &str| match k.root.get(key).map(|n| &n.value) {
        Some(crate::load::tree::Value::Seq(items)) => items.len(),
        Some(crate::load::tree::Value::Map(entries)) => entries.len(),
        Some(crate::load::tree::Value::Str(s)) => usize::from(!s.is_empty()),
        _ => 0,
    };
    let (labels, common) = (count("labels"), count("commonLabels"));
    let mut out = Vec::new();
    let mut add = |n: usize, kind: &'static str| out.extend(std::iter::repeat_n(kind, n));
    add(
        count("patchesStrategicMerge").min(1),
        "PatchStrategicMergeTransformer",
    );
    add(count("patches"), "PatchTransformer");
    add(count("namespace"), "NamespaceTransformer");
    add(count("namePrefix"), "PrefixTransformer");
    add(count("nameSuffix"), "SuffixTransformer");
    if labels + common > 0 {
        add(labels + 1, "LabelTransformer");
    }
    add(count("commonAnnotations").min(1), "AnnotationsTransformer");
    add(count("patchesJson6902"), "PatchJson6902Transformer");
    add(count("replicas"), "ReplicaCountTransformer");
    add(count("images"), "ImageTagTransformer");
    add(count("replacements").min(1), "ReplacementTransformer");
    out
}

/// Records on every object the transformers `k` just ran over them.
pub(crate) fn record_transformers(k: &Kust, resources: &mut [Resource]) {
    let kinds = transformers_of(k);
    for r in resources.iter_mut() {
        r.transformations
            .extend(kinds.iter().map(|kind| (k.file, *kind)));
    }
}

/// kustomize's transformations annotation: one origin per transformer, as sigs.k8s.io/yaml
/// writes the list.
fn transformations_text(r: &Resource, files: &Files, top: &Path) -> String {
    let mut text = String::new();
    for (file, kind) in &r.transformations {
        let Some(file) = files.files.get(*file as usize) else {
            continue;
        };
        let rel = relative(Path::new(&file.name), top);
        text.push_str(&format!(
            "- configuredIn: {rel}\n  configuredBy:\n    apiVersion: builtin\n    kind: {kind}\n"
        ));
    }
    text
}

/// `path` relative to the directory `dir` (both as the render names them), with `..` where it
/// lies outside.
fn relative(path: &Path, dir: &Path) -> String {
    let (path, dir) = (normalize(path), normalize(dir));
    let p: Vec<Component> = path.components().collect();
    let d: Vec<Component> = dir.components().collect();
    let common = p.iter().zip(&d).take_while(|(a, b)| a == b).count();
    let mut out = PathBuf::new();
    for _ in common..d.len() {
        out.push("..");
    }
    for c in &p[common..] {
        out.push(c);
    }
    out.to_string_lossy().into_owned()
}

/// kustomize's origin annotation of an object: its file, or the generator that made it (a
/// generated object is rooted at its kustomization's generator entry).
fn origin_text(r: &Resource, files: &Files, top: &Path) -> Option<String> {
    let file = files.files.get(r.root.origin.file as usize)?;
    let path = Path::new(&file.name);
    let generated = path
        .file_name()
        .is_some_and(|n| crate::index::kustomize::FILE_NAMES.iter().any(|k| n == *k));
    let rel = relative(path, top);
    if !generated {
        return Some(format!("path: {rel}\n"));
    }
    let generator = match r.kind() {
        "Secret" => "SecretGenerator",
        _ => "ConfigMapGenerator",
    };
    Some(format!(
        "configuredIn: {rel}\nconfiguredBy:\n  apiVersion: builtin\n  kind: {generator}\n"
    ))
}

/// The annotations kustomize removes from every object at the end of a build.
pub(super) fn is_build_annotation(key: &str) -> bool {
    key.starts_with("internal.config.kubernetes.io/")
        || matches!(
            key,
            "config.kubernetes.io/path"
                | "config.kubernetes.io/index"
                | "config.k8s.io/id"
                | "config.kubernetes.io/origin"
                | "alpha.config.kubernetes.io/transformations"
        )
}

/// kustomize's `RemoveBuildAnnotations` (see the module's documentation).
pub(crate) fn strip(resources: &mut [Resource], files: &Files) {
    for r in resources.iter_mut() {
        let Some(meta) = r.root.get_mut("metadata") else {
            continue;
        };
        let Some(annotations) = meta.get_mut("annotations") else {
            continue;
        };
        if let RValue::Map(entries) = &mut annotations.value {
            entries.retain(|(k, _)| !is_build_annotation(k));
        }
        let empty = match &annotations.value {
            RValue::Map(entries) => entries.is_empty(),
            RValue::Null => true,
            _ => false,
        };
        if empty {
            meta.remove("annotations");
        } else {
            // (`RemoveBuildAnnotations` writes the ones left back as strings.)
            super::scalars::values_as_text(annotations, |v| super::scalars::text_of(files, v));
        }
    }
}

/// Adds what `options` (the top kustomization's `buildMetadata`, at `at`) asks for.
pub(crate) fn apply(
    resources: &mut [Resource],
    options: &[String],
    files: &Files,
    top: &Path,
    at: Origin,
) {
    let origin = options.iter().any(|o| o == ORIGIN);
    let managed = options.iter().any(|o| o == MANAGED_BY);
    let transformations = options.iter().any(|o| o == TRANSFORMERS);
    for r in resources.iter_mut() {
        if transformations && !r.transformations.is_empty() {
            let text = transformations_text(r, files, top);
            let node_at = r.root.origin;
            r.root
                .child_map("metadata", node_at)
                .child_map("annotations", at)
                .set(
                    "alpha.config.kubernetes.io/transformations",
                    RNode::new(RValue::Str(text), at),
                );
        }
        if origin && let Some(text) = origin_text(r, files, top) {
            let node_at = r.root.origin;
            r.root
                .child_map("metadata", node_at)
                .child_map("annotations", at)
                .set(
                    "config.kubernetes.io/origin",
                    RNode::new(RValue::Str(text), at),
                );
        }
        if managed {
            let node_at = r.root.origin;
            r.root
                .child_map("metadata", node_at)
                .child_map("labels", at)
                .set(
                    "app.kubernetes.io/managed-by",
                    RNode::str("kustomize-(devel)", at),
                );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_relative_to_the_top() {
        assert_eq!(
            relative(Path::new("a/base/x.yaml"), Path::new("a/overlays/prod")),
            "../../base/x.yaml"
        );
        assert_eq!(relative(Path::new("a/x.yaml"), Path::new("./a")), "x.yaml");
    }
}
