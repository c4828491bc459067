//! `duplicate-key`: A mapping has the same key twice; kubectl silently keeps the last one.

use crate::diagnostics::{Rule, Severity};

pub static RULE: Rule = Rule {
    id: "duplicate-key",
    severity: Severity::Error,
    summary: "A mapping has the same key twice; kubectl silently keeps the last one.",
    doc: include_str!("../../rules/duplicate-key.md"),
};
