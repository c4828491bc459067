//! A rendered object no step of the render changed (a base's object that `resources:` lists
//! and nothing transforms: no namespace, prefix, label, patch or image reaches it) is checked
//! on its loaded tree, in its own file, as the per-file stage checks a document: what the checks
//! of the rendered copy would find there, without converting it into the unit's virtual text
//! and mapping every location back (for a repository of large CRDs, most of the rendered
//! stage's own cost).

use super::tree::{Layout, unchanged};
use crate::check::facts::ProjectFacts;
use crate::check::{CheckOptions, Context};
use crate::index::summary::ObjectSummary;
use crate::k8s::object::objects_of;
use crate::k8s::pod_security::facts as pod_security;
use crate::load::Document;
use crate::model::diagnostic::Diagnostic;
use crate::model::source::SourceFile;
use crate::render::Rendered;
use crate::render::node::RNode;
use crate::schema::crd::Crds;
use std::sync::Arc;

/// How a unit's objects are checked.
pub(super) struct Checking<'a> {
    pub check_options: &'a CheckOptions,
    pub crds: &'a Crds,
    /// The rules on for the object's file.
    pub enabled: &'a [bool],
    pub project: ProjectFacts,
    /// Summaries only (a unit rendered for the index).
    pub index_only: bool,
}

/// The file of the run and the loaded document that the rendered object `root` is, unchanged
/// ([`unchanged`]); `None` when a step of the render changed it, or its file is not the run's.
pub(super) fn document<'r>(
    root: &RNode,
    rendered: &'r Rendered,
    layout: &Layout,
) -> Option<(&'r SourceFile, &'r Document)> {
    let k = root.origin.file;
    let file = rendered.files.get(k as usize)?;
    if layout.ids.get(k as usize).copied().flatten() != Some(file.id) {
        return None;
    }
    let loaded = rendered.loaded.get(k as usize)?.as_ref()?;
    let doc = loaded
        .documents
        .iter()
        .find(|d| d.root.span == root.origin.span)?;
    unchanged(root, &doc.root, k).then_some((file, doc))
}

/// The summaries and findings of an unchanged object ([`document`]), in its own file.
#[allow(clippy::vec_box)]
pub(super) fn check(
    file: &SourceFile,
    doc: &Document,
    how: Checking<'_>,
) -> (Vec<Box<ObjectSummary>>, Vec<Diagnostic>) {
    let mut cx = Context::new(file, how.check_options);
    cx.project = how.project;
    let mut summaries = Vec::new();
    for object in objects_of(&doc.root, doc.index) {
        if object.is_tool_config() {
            continue;
        }
        cx.set_document(Some(doc.index));
        cx.set_object(Some(Arc::new(object.object_ref())));
        if !how.index_only {
            crate::rules::check_object(&object, &mut cx, Some(how.enabled));
            crate::schema::check(&object, &mut cx, how.crds);
        }
        if let Some(mut summary) = crate::index::summarize::summarize_in_build(&object, &cx) {
            summary.security = pod_security::extract(&object, file).map(Box::new);
            summaries.push(Box::new(summary));
        }
    }
    let diagnostics = crate::run::per_file::prefer_specific(cx.into_diagnostics());
    (summaries, diagnostics)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::kustomize::normalized_key;
    use std::path::Path;

    #[test]
    fn only_objects_no_step_of_the_render_changed_are_checked_as_written() {
        let dir = std::env::temp_dir().join(format!("kubevet-written-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let config_map = |name: &str, data: &str| {
            format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\ndata:\n{data}")
        };
        let files = [
            (
                "kustomization.yaml",
                "resources:\n- plain.yaml\n- patched.yaml\n- yaml11.yaml\npatches:\n- target:\n    kind: ConfigMap\n    name: patched\n  patch: |-\n    - op: add\n      path: /data/b\n      value: x\n".to_owned(),
            ),
            ("plain.yaml", config_map("plain", "  a: \"1\"\n")),
            ("patched.yaml", config_map("patched", "  a: \"1\"\n")),
            // kubectl reads a plain `on` as true, kustomize writes the string "on" back.
            ("yaml11.yaml", config_map("yaml11", "  a: on\n")),
        ];
        for (name, text) in &files {
            std::fs::write(dir.join(name), text).unwrap();
        }
        let Ok(rendered) = crate::render::render_with(&dir, Default::default()) else {
            panic!("the render fails");
        };
        let _ = std::fs::remove_dir_all(&dir);
        // Every file of the render is one of the run's, by the id the render gave it.
        let by_path = rendered
            .files
            .iter()
            .map(|f| (normalized_key(Path::new(&f.name)), f.id))
            .collect();
        let layout = Layout::new(&rendered.files, &by_path);
        let as_written: Vec<(&str, bool)> = rendered
            .resources
            .iter()
            .map(|r| (r.name(), document(&r.root, &rendered, &layout).is_some()))
            .collect();
        assert_eq!(
            as_written,
            // (In kustomize's legacy order: by name.)
            [("patched", false), ("plain", true), ("yaml11", false)]
        );
        // A file of the render that is not the run's is not checked as written.
        let layout = Layout::new(&rendered.files, &Default::default());
        assert!(
            rendered
                .resources
                .iter()
                .all(|r| document(&r.root, &rendered, &layout).is_none())
        );
    }
}
