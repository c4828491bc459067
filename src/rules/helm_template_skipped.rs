//! `helm-template-skipped`: Helm chart templates are not YAML until rendered; they are skipped.

use crate::diagnostics::{Rule, Severity};

pub static RULE: Rule = Rule {
    id: "helm-template-skipped",
    severity: Severity::Info,
    summary: "Helm chart templates are not YAML until rendered; they are skipped.",
    doc: include_str!("../../rules/helm-template-skipped.md"),
};
