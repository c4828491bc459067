//! `input-limit-exceeded`: A file is too large, too deeply nested or expands too many aliases to be checked.

use crate::diagnostics::{Rule, Severity};

pub static RULE: Rule = Rule {
    id: "input-limit-exceeded",
    severity: Severity::Error,
    summary: "A file is too large, too deeply nested or expands too many aliases to be checked.",
    doc: include_str!("../../rules/input-limit-exceeded.md"),
};
