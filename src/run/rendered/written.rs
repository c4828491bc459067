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
use crate::render::node::Origin;
use crate::render::{Rendered, Resource, skeleton};
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

/// The file of the run and the loaded document that the rendered object `r` is, unchanged
/// ([`unchanged`]; a skeleton's kept keys as loaded, [`skeleton::holds`]) — or the item of a
/// `List` document it is (`Some` third) —; `None` when a step of the render changed it, or its
/// file is not the run's.
pub(super) fn document<'r>(
    r: &Resource,
    rendered: &'r Rendered,
    layout: &Layout,
) -> Option<(&'r SourceFile, &'r Document, Option<&'r Node>)> {
    let root = &r.root;
    let k = root.origin.file;
    let file = rendered.files.get(k as usize)?;
    if layout.ids.get(k as usize).copied().flatten() != Some(file.id) {
        return None;
    }
    let (doc, item) = loaded(root.origin, rendered)?;
    let node = item.unwrap_or(&doc.root);
    let alike = if r.skeleton {
        skeleton::holds(root, node, k, |x, n| unchanged(x, n, k))
    } else {
        unchanged(root, node, k)
    };
    alike.then_some((file, doc, item))
}

/// The loaded document whose root is at `at` in the render's file — or the document and the
/// item of its `List` (kustomize renders each on its own), as `objects_of` takes them.
fn loaded(at: Origin, rendered: &Rendered) -> Option<(&Document, Option<&Node>)> {
    let loaded = rendered.loaded.get(at.file as usize)?.as_ref()?;
    let span = at.span;
    let doc = loaded
        .documents
        .iter()
        .find(|d| d.root.span.start <= span.start && span.end <= d.root.span.end)?;
    if doc.root.span == span {
        return Some((doc, None));
    }
    let item = list_items(&doc.root)?
        .iter()
        .find(|item| item.span == span)?;
    Some((doc, Some(item)))
}

/// A skeleton made whole ([`skeleton::whole`]), for what needs the rendered object itself.
pub(super) fn whole(r: &mut Resource, rendered: &Rendered) {
    if !r.skeleton {
        return;
    }
    let at = r.root.origin;
    let text = rendered
        .files
        .get(at.file as usize)
        .map(|f| f.text.as_str());
    match (loaded(at, rendered), text) {
        (Some((doc, item)), Some(text)) => {
            skeleton::whole(r, item.unwrap_or(&doc.root), at.file, text);
        }
        // (Cannot happen: a skeleton is made of a loaded object of the render.)
        _ => r.skeleton = false,
    }
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
        let layout = run_layout(&rendered);
        let as_written: Vec<(&str, bool)> = rendered
            .resources
            .iter()
            .map(|r| (r.name(), document(r, &rendered, &layout).is_some()))
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
                .all(|r| document(r, &rendered, &layout).is_none())
        );
    }

    /// The layout of a render every file of which is one of the run's, by the id the render
    /// gave it.
    fn run_layout(rendered: &Rendered) -> Layout {
        let by_path = rendered
            .files
            .iter()
            .map(|f| (normalized_key(Path::new(&f.name)), f.id))
            .collect();
        Layout::new(&rendered.files, &by_path)
    }

    /// The run's files under `dir`, loaded, as a run hands them to its renders.
    fn preloaded(dir: &Path) -> crate::render::Sources {
        let mut map = foldhash::HashMap::default();
        let mut todo = vec![dir.to_path_buf()];
        while let Some(d) = todo.pop() {
            for entry in std::fs::read_dir(&d).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    todo.push(path);
                    continue;
                }
                let text = std::fs::read_to_string(&path).unwrap();
                let id = crate::model::diagnostic::FileId(map.len() as u32);
                let file = SourceFile::new(id, path.to_string_lossy().into_owned(), text);
                let loaded = crate::load::load(&file, &Default::default());
                let source = crate::render::Source {
                    file: Arc::new(file),
                    loaded: Arc::new(loaded),
                    decoded: Default::default(),
                };
                map.insert(normalized_key(&path), source);
            }
        }
        crate::render::Sources {
            reader: None,
            preloaded: Some(Arc::new(map)),
            skeletons: true,
        }
    }

    #[test]
    fn a_plain_build_converts_only_what_its_steps_read() {
        let dir = std::env::temp_dir().join(format!("kubevet-skeleton-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("base")).unwrap();
        let files = [
            (
                "kustomization.yaml",
                "resources:\n- objects.yaml\n- list.yaml\n- base\n",
            ),
            (
                "base/kustomization.yaml",
                "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n- crd.yaml\n",
            ),
            (
                "base/crd.yaml",
                "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: widgets.example.com\nspec:\n  group: example.com\n  names: {kind: Widget, plural: widgets}\n  scope: Namespaced\n  versions:\n  - name: v1\n    served: true\n    storage: true\n    schema:\n      openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}\n",
            ),
            (
                "objects.yaml",
                concat!(
                    // Read only as far as ids: a skeleton.
                    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: plain\n  annotations: {note: \"x\"}\ndata:\n  a: \"1\"\n  b: [1, 2]\n---\n",
                    "apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: widget\nspec:\n  size: 3\n---\n",
                    // A plain `on`: kustomize writes the string "on" back.
                    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: yaml11\ndata:\n  a: on\n---\n",
                    // An annotation kustomize writes back as its text.
                    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: numbered\n  annotations:\n    n: 1\ndata: {}\n---\n",
                    // Its service account is a name reference kustomize's walk reads.
                    "apiVersion: v1\nkind: Pod\nmetadata:\n  name: referrer\nspec:\n  serviceAccountName: sa\n  containers: [{name: c, image: i}]\n",
                ),
            ),
            (
                "list.yaml",
                "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: listed}\n  data: {a: b}\n",
            ),
        ];
        for (name, text) in &files {
            std::fs::write(dir.join(name), text).unwrap();
        }
        let render = |sources| match crate::render::render_with(&dir, sources) {
            Ok(r) => r,
            Err(e) => panic!("the render fails: {}", e.describe()),
        };
        let sources = preloaded(&dir);
        let whole = render(crate::render::Sources {
            skeletons: false,
            ..sources.clone()
        });
        let mut parts = render(sources.clone());
        let skeletons: Vec<&str> = parts
            .resources
            .iter()
            .filter(|r| r.skeleton)
            .map(|r| r.name())
            .collect();
        // (In kustomize's legacy order: CRDs first, then by kind and name.)
        assert_eq!(
            skeletons,
            ["widgets.example.com", "listed", "plain", "widget"]
        );
        // Each checked as written; made whole, each is what the render makes of it.
        let layout = run_layout(&parts);
        let mut resources = std::mem::take(&mut parts.resources);
        for r in resources.iter_mut().filter(|r| r.skeleton) {
            assert!(document(r, &parts, &layout).is_some(), "{}", r.name());
            super::whole(r, &parts);
            assert!(!r.skeleton);
        }
        let roots = |rs: &[Resource]| rs.iter().map(|r| r.root.clone()).collect::<Vec<_>>();
        assert_eq!(roots(&resources), roots(&whole.resources));
        assert_eq!(parts.files.len(), whole.files.len());
        // A skeleton a step changed is not as written: its kept keys are compared.
        let mut changed = resources.into_iter().find(|r| r.name() == "plain").unwrap();
        assert!(document(&changed, &parts, &layout).is_some());
        if let Some(m) = changed.root.get_mut("metadata") {
            m.remove("annotations");
        }
        assert!(document(&changed, &parts, &layout).is_none());
        // Not plain: a namespace in the kustomization, or in one it includes.
        for (file, text) in [
            (
                "kustomization.yaml",
                "resources:\n- objects.yaml\n- base\nnamespace: x\n",
            ),
            (
                "base/kustomization.yaml",
                "resources:\n- crd.yaml\ncommonLabels: {a: b}\n",
            ),
        ] {
            let before = std::fs::read_to_string(dir.join(file)).unwrap();
            std::fs::write(dir.join(file), text).unwrap();
            let rendered = render(preloaded(&dir));
            assert!(rendered.resources.iter().all(|r| !r.skeleton), "{file}");
            std::fs::write(dir.join(file), before).unwrap();
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}
