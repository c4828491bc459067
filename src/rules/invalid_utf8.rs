//! `invalid-utf8`: A file is not valid UTF-8, so kubectl cannot read it as YAML or JSON.

use crate::diagnostics::{Rule, Severity};

pub static RULE: Rule = Rule {
    id: "invalid-utf8",
    severity: Severity::Error,
    summary: "A file is not valid UTF-8, so kubectl cannot read it as YAML or JSON.",
    doc: include_str!("../../rules/invalid-utf8.md"),
};
