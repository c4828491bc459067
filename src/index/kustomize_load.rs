//! `kustomize-load-restriction`: kustomize's default load restrictor, for the files a
//! kustomization names (see `rules/kustomize-load-restriction.md`).

use crate::check::Context;
use crate::load::tree::Node;
use crate::model::diagnostic::Diagnostic;
use std::path::Path;

/// Whether a file a kustomization in `dir` names is outside the directory, as kustomize's
/// default load restrictor (`RestrictionRootOnly`, sigs.k8s.io/kustomize
/// `api/internal/loader/loadrestrictions.go`) decides: the directory of the file, symbolic links
/// resolved (`CleanedAbs` in `kyaml/filesys/fsondisk.go`), must be the kustomization's directory
/// (resolved too) or below it. `Some(true)`: only a symbolic link takes it out. Only the file's
/// metadata is looked at: the file is never read.
pub(crate) fn outside_root(dir: &Path, path: &Path) -> Option<bool> {
    outside_real_root(dir, &real_root(dir)?, path)
}

/// The kustomization directory `dir` with its symbolic links resolved (`None`: it cannot be).
pub(crate) fn real_root(dir: &Path) -> Option<std::path::PathBuf> {
    crate::discover::canonical::canonical_dir(dir)
}

/// [`outside_root`] with the directory resolved already ([`real_root`]).
pub(crate) fn outside_real_root(dir: &Path, root: &Path, path: &Path) -> Option<bool> {
    let real = crate::discover::canonical::canonical_file(path)?;
    if real.parent().is_some_and(|d| d.starts_with(root)) {
        return None;
    }
    let lexically_inside = path.is_relative()
        && !path.starts_with("..")
        && (dir.as_os_str().is_empty() || path.starts_with(dir));
    Some(lexically_inside)
}

pub(crate) fn load_restriction(node: &Node, message: String, cx: &Context<'_>) -> Diagnostic {
    Diagnostic::new(
        &crate::model::rule::kustomize_load_restriction,
        cx.loc(node.span),
        message,
    )
    .with_label("`kustomize build` fails here")
    .with_help(
        "kustomize loads files only from the kustomization's directory and below (its default, LoadRestrictionsRootOnly); to share a file, put it in a directory with its own kustomization.yaml and list that directory under `resources`",
    )
}
