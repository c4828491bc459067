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
use crate::k8s::object::{Object, list_items, objects_of};
use crate::k8s::pod_security::facts as pod_security;
use crate::load::Document;
use crate::load::tree::Node;
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
/// ([`unchanged`]) — or the item of a `List` document it is (`Some` third) —; `None` when a
/// step of the render changed it, or its file is not the run's.
pub(super) fn document<'r>(
    root: &RNode,
    rendered: &'r Rendered,
    layout: &Layout,
) -> Option<(&'r SourceFile, &'r Document, Option<&'r Node>)> {
    let k = root.origin.file;
    let file = rendered.files.get(k as usize)?;
    if layout.ids.get(k as usize).copied().flatten() != Some(file.id) {
        return None;
    }
    let loaded = rendered.loaded.get(k as usize)?.as_ref()?;
    let at = root.origin.span;
    let doc = loaded
        .documents
        .iter()
        .find(|d| d.root.span.start <= at.start && at.end <= d.root.span.end)?;
    if doc.root.span == at {
        return unchanged(root, &doc.root, k).then_some((file, doc, None));
    }
    // An item of a `List` (kustomize renders each on its own), as `objects_of` takes them.
    let item = list_items(&doc.root)?.iter().find(|item| item.span == at)?;
    unchanged(root, item, k).then_some((file, doc, Some(item)))
}

/// The summaries and findings of an unchanged object ([`document`]: a document, or one item of
/// a `List` document), in its own file.
#[allow(clippy::vec_box)]
pub(super) fn check(
    file: &SourceFile,
    doc: &Document,
    item: Option<&Node>,
    how: Checking<'_>,
) -> (Vec<Box<ObjectSummary>>, Vec<Diagnostic>) {
    let mut cx = Context::new(file, how.check_options);
    cx.project = how.project;
    let mut summaries = Vec::new();
    let objects = match item {
        Some(item) => Object::view(item, doc.index).into_iter().collect(),
        None => objects_of(&doc.root, doc.index),
    };
    for object in objects {
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
                "resources:\n- plain.yaml\n- patched.yaml\n- yaml11.yaml\n- listed.yaml\npatches:\n- target:\n    kind: ConfigMap\n    name: (patched|listed-b)\n  patch: |-\n    - op: add\n      path: /data/b\n      value: x\n".to_owned(),
            ),
            // A `List`'s items: each as written unless a step changed it.
            (
                "listed.yaml",
                format!(
                    "apiVersion: v1\nkind: List\nitems:\n- {}\n- {}\n",
                    config_map("listed-a", "    a: \"1\"\n").replace('\n', "\n  ").trim_end(),
                    config_map("listed-b", "    a: \"1\"\n").replace('\n', "\n  ").trim_end(),
                ),
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
            [
                ("listed-a", true),
                ("listed-b", false),
                ("patched", false),
                ("plain", true),
                ("yaml11", false)
            ]
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
