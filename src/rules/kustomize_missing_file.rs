//! `kustomize-missing-file`: a kustomization's `resources`, `bases`, `components`, `patches`,
//! `crds`, `replacements` or generator file entry that does not exist (or a directory without a
//! kustomization file) — `kustomize build` fails on it.

use crate::diagnostics::{Rule, Severity};

pub static RULE: Rule = Rule {
    id: "kustomize-missing-file",
    severity: Severity::Error,
    summary: "A kustomization names a file or directory that does not exist; `kustomize build` fails.",
    doc: include_str!("../../rules/kustomize-missing-file.md"),
};
