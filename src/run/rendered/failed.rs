//! The finding for a unit whose render fails: kustomize's words at the entry, or what kubevet
//! does not render yet.

use super::Unit;
use super::labels::location_in;
use crate::index::kustomize;
use crate::load::tree::Node;
use crate::model::diagnostic::{Diagnostic, Severity};
use crate::model::source::SourceFile;
use std::path::Path;

pub(super) use crate::model::rule::kustomize_build_error as RULE;

/// The finding for a render that failed: kustomize's words at the entry (error), or what
/// kubevet does not render yet (info); the unit is checked as written.
pub(super) fn build_error(
    failed: &crate::render::Failed,
    unit: &Unit,
    by_path: &super::PathIds,
) -> Option<Diagnostic> {
    // Two objects with one id are `duplicate-object`'s finding; an entry left out (remote, a
    // Helm chart) may hold what the failing entry needs: kustomize itself may well build it.
    if failed
        .error
        .message
        .starts_with("may not add resource with an already registered id")
        || failed.files.iter().any(|f| leaves_out(f))
    {
        return None;
    }
    let at = failed.error.at?;
    let file = failed.files.get(at.file as usize)?;
    // A resource file kustomize cannot read (a YAML error) has its own finding already, as
    // has most of what fails in an object's file (unless `kubectl apply` takes it as written);
    // so has a kustomization that is not YAML (`invalid-yaml`, kustomize's words in its help).
    if (!kustomize::is_kustomization_file(Path::new(&file.name)) && !failed.error.only_kustomize)
        || failed
            .error
            .message
            .starts_with("invalid Kustomization: yaml: ")
    {
        return None;
    }
    let id = by_path
        .get(kustomize::normalized_key(Path::new(&file.name)).as_slice())
        .copied()
        .or(unit.files.first().copied())?;
    let mut d = Diagnostic::new(&RULE, location_in(id, file, at.span), &failed.error.message);
    Some(if failed.error.unsupported {
        d.severity = Severity::Info;
        d.with_label("not rendered by kubevet")
            .with_help("the objects of this kustomization are checked as written, its patches and transformers not applied")
    } else {
        let label: std::borrow::Cow<'static, str> = match &failed.error.suggestion {
            Some(suggestion) => suggestion.clone().into(),
            None => "`kustomize build` fails here".into(),
        };
        d.with_label(label).with_help(
            "`kustomize build` (and `kubectl apply -k`) stop here: nothing of this kustomization is applied; its objects are checked as written",
        )
    })
}

/// Whether a kustomization file names something a render leaves out: a remote resource or
/// component, or a Helm chart.
fn leaves_out(file: &SourceFile) -> bool {
    if !kustomize::is_kustomization_file(Path::new(&file.name)) {
        return false;
    }
    let loaded = crate::load::load(file, &crate::load::Limits::default());
    let Some(root) = loaded.documents.first().map(|d| &d.root) else {
        return false;
    };
    ["resources", "bases", "components"].iter().any(|field| {
        root.get(field)
            .and_then(Node::as_seq)
            .unwrap_or_default()
            .iter()
            .filter_map(Node::as_str)
            .any(crate::render::is_remote)
    }) || root.get("helmCharts").is_some()
        || root.get("helmChartInflationGenerator").is_some()
}
