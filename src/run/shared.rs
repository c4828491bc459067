//! The files the run's renders read, known before the per-file stage from the kustomizations
//! (read first): their texts and trees are kept for the renders, and their per-object checks
//! wait for the rendered stage ([`Deferred`]).

use crate::index::kustomize;
use crate::load;
use crate::model::source::SourceFile;
use crate::run::Options;
use crate::run::files::{Deferred, FileResult, check_deferred, check_shared, check_source};
use crate::schema::crd::Crds;
use foldhash::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The files the run's renders will read, as far as the kustomizations of the run say:
/// kustomization files, and the files they include or patch with. Their texts and trees are
/// kept for the renders ([`FileResult::source`]).
pub(crate) struct Shared {
    /// The run renders (else nothing is kept).
    render: bool,
    /// The per-object checks of the files a render is expected to cover are deferred.
    defer: bool,
    paths: HashSet<PathBuf>,
}

impl Shared {
    /// Before the kustomizations are read: only they are kept.
    pub(crate) fn none(options: &Options, defer: bool) -> Shared {
        Shared {
            render: options.render,
            defer,
            paths: HashSet::default(),
        }
    }

    /// Once the kustomizations are read.
    pub(crate) fn of<'a>(
        kustomizations: impl Iterator<Item = &'a kustomize::Kustomization>,
        options: &Options,
        defer: bool,
    ) -> Shared {
        let mut paths = HashSet::default();
        for k in kustomizations {
            let named = k.includes.iter().map(|i| &i.path).chain(&k.patches);
            paths.extend(named.map(|p| kustomize::normalize(p)));
        }
        Shared {
            render: options.render,
            defer,
            paths,
        }
    }

    /// Whether the per-object checks of a file wait ([`crate::run::files::Deferred`]): it is
    /// included or used as a patch by a kustomization (a kustomization itself has no objects).
    pub(crate) fn defers(&self, path: &Path) -> bool {
        self.render && self.defer && !kustomize::is_kustomization_file(path) && self.names(path)
    }

    /// Checks a file of the second pass (with the run's CRDs).
    pub(crate) fn check(
        &self,
        path: &Path,
        file: SourceFile,
        loaded: &Arc<load::Loaded>,
        options: &Options,
        crds: &Crds,
        facts: &kustomize::Facts,
    ) -> FileResult {
        if self.defers(path) {
            check_deferred(file, loaded, options, facts, Deferred::RunCrds)
        } else if self.shares(path) {
            check_shared(file, loaded, options, crds, facts)
        } else {
            check_source(file, loaded, options, crds, facts, false)
        }
    }

    pub(crate) fn shares(&self, path: &Path) -> bool {
        self.render && (kustomize::is_kustomization_file(path) || self.names(path))
    }

    /// Whether a kustomization of the run includes or patches with the file.
    fn names(&self, path: &Path) -> bool {
        !self.paths.is_empty() && self.paths.contains(&kustomize::normalize(path))
    }
}
