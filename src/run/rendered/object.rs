//! One rendered object of a unit checked: as written where no step of the render changed it
//! ([`super::written`]), else as rendered, its findings and summaries mapped into the files.

use super::labels::{Related, overlaid, remap};
use super::seen::Seen;
use super::tree::{Layout, to_node};
use super::{summaries, tree, written};
use crate::check::{CheckOptions, Context};
use crate::discover::workspace;
use crate::index::summary::ObjectSummary;
use crate::k8s::object::objects_of;
use crate::k8s::pod_security::facts as pod_security;
use crate::model::diagnostic::Diagnostic;
use crate::model::source::SourceFile;
use crate::run::Options;
use crate::schema::crd::Crds;
use std::path::Path;

/// The least number of a unit's objects a task checks: a unit of a few small objects (an
/// overlay's Deployment, Service and ConfigMap) is checked on the thread that rendered it.
pub(super) const OBJECTS_A_TASK: usize = 8;

/// What checking one rendered object gives. (Summaries boxed where they are made: the index
/// takes the boxes as they are.)
#[allow(clippy::vec_box)]
pub(super) enum Checked {
    /// Rendered alike, and checked, by another unit ([`Seen`]): its digest.
    Skipped(u128),
    Done {
        objects: Vec<Box<ObjectSummary>>,
        diagnostics: Vec<Diagnostic>,
    },
}

/// What every object of a unit is checked with.
pub(super) struct Each<'a> {
    pub(super) options: &'a Options,
    pub(super) crds: &'a Crds,
    pub(super) check_options: &'a CheckOptions,
    pub(super) cwd: &'a Path,
    pub(super) rendered: &'a crate::render::Rendered,
    pub(super) layout: &'a Layout,
    /// The unit's files as one text ([`Layout::virtual_file`]), made by the first object that
    /// needs it.
    pub(super) virtual_file: &'a std::sync::OnceLock<SourceFile>,
    pub(super) unit_name: &'a Path,
    pub(super) file_keys: Option<&'a [Option<u64>]>,
    pub(super) seen: Option<&'a Seen>,
    pub(super) keep_trees: bool,
    pub(super) index_only: bool,
}

impl Each<'_> {
    /// Checks the unit's `i`th rendered object: as written where no step of the render changed
    /// it ([`written`]), else as rendered, its findings and summaries mapped into the files.
    pub(super) fn check(
        &self,
        i: usize,
        resource: crate::render::Resource,
        related: &mut Related,
        documents: &mut summaries::Documents,
    ) -> Checked {
        let Each {
            options,
            crds,
            check_options,
            cwd,
            rendered,
            layout,
            virtual_file,
            unit_name,
            file_keys,
            seen,
            keep_trees,
            index_only,
        } = *self;
        let mut objects = Vec::new();
        let mut out = Vec::new();
        let mut resource = resource;
        let root_origin = resource.root.origin;
        // A skeleton is checked as written; made whole first where another unit may render
        // it alike (its digest reads every value), the trees are kept, or a step changed it.
        let shared = file_keys.is_some_and(|keys| {
            keys.get(root_origin.file as usize)
                .copied()
                .flatten()
                .is_some()
        });
        let skeleton_as_written = (resource.skeleton && !shared && !keep_trees)
            .then(|| written::document(&resource, rendered, layout))
            .flatten();
        if resource.skeleton && skeleton_as_written.is_none() {
            written::whole(&mut resource, rendered);
        }
        let Some(root_file) = rendered.files.get(root_origin.file as usize) else {
            return Checked::Done {
                objects,
                diagnostics: out,
            };
        };
        let digest = file_keys.and_then(|keys| tree::digest(&resource.root, keys));
        if let (Some(seen), Some(digest)) = (seen, digest)
            && !seen.first(digest)
        {
            return Checked::Skipped(digest);
        }
        let mut project = crate::run::project::facts(&root_file.name, options);
        project.is_patch = false;
        let path = options
            .policy
            .has_overrides()
            .then(|| workspace::absolute_from(cwd, Path::new(&root_file.name)));
        let enabled = options.policy.enabled_rules(path.as_deref());
        // Unchanged by the render: checked in its own file ([`written`]). (Not when the trees
        // are kept: the admission policies read the rendered ones.)
        let as_written = skeleton_as_written.or_else(|| {
            (!keep_trees)
                .then(|| written::document(&resource, rendered, layout))
                .flatten()
        });
        if let Some((file, doc, item)) = as_written {
            let how = written::Checking {
                check_options,
                crds,
                enabled: &enabled,
                project,
                index_only,
            };
            let (summaries, diagnostics) = written::check(file, doc, item, how);
            if let (Some(seen), Some(digest)) = (seen, digest) {
                seen.keep(digest, summaries.clone());
            }
            return Checked::Done {
                objects: summaries,
                diagnostics,
            };
        }
        let virtual_file = virtual_file
            .get_or_init(|| layout.virtual_file(&rendered.files, unit_name.display().to_string()));
        let node = to_node(resource.root, layout, &virtual_file.text);
        let mut cx = Context::new(virtual_file, check_options);
        // Every location found on the virtual text is mapped into the run's files, positions
        // computed there ([`remap`], [`summaries::relocate`]): none is computed here.
        cx.spans_only = true;
        cx.project = project;
        for object in objects_of(&node, i as u32) {
            if object.is_tool_config() {
                continue;
            }
            cx.set_document(Some(i as u32));
            cx.set_object(Some(std::sync::Arc::new(object.object_ref())));
            if !index_only {
                crate::rules::check_object(&object, &mut cx, Some(&enabled));
                crate::schema::check(&object, &mut cx, crds);
            }
            let summary = crate::index::summarize::summarize_in_build(&object, &cx);
            // The Pod Security checks read the rendered pod (a patch may set `privileged`).
            let summary = summary.map(|mut s| {
                s.security = pod_security::extract(&object, virtual_file).map(Box::new);
                s.tree = keep_trees.then(|| std::sync::Arc::new(object.root.clone()));
                s
            });
            if let Some(summary) = summary.and_then(|s| {
                summaries::relocate(s, root_origin, layout, &rendered.files, documents)
            }) {
                objects.push(Box::new(summary));
            }
        }
        if let (Some(seen), Some(digest)) = (seen, digest) {
            seen.keep(digest, objects.clone());
        }
        for d in crate::run::per_file::prefer_specific(cx.into_diagnostics()) {
            let d = overlaid(d, &node, layout, &rendered.files);
            if let Some(d) = remap(d, layout, &rendered.files) {
                out.push(related.add(d, &node, root_origin, layout, &rendered.files, options));
            }
        }
        Checked::Done {
            objects,
            diagnostics: out,
        }
    }
}
