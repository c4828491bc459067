//! `invalid-yaml`: A document is not valid YAML (or holds YAML that kubectl cannot convert to JSON).

use crate::diagnostics::{Rule, Severity};

pub static RULE: Rule = Rule {
    id: "invalid-yaml",
    severity: Severity::Error,
    summary: "A document is not valid YAML (or holds YAML that kubectl cannot convert to JSON).",
    doc: include_str!("../../rules/invalid-yaml.md"),
};
