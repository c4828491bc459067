//! `unused-suppression`: a `# kubevet-ignore` comment or `kubevet.dev/ignore` annotation that
//! suppresses nothing, names a rule kubevet does not know, or cannot be read. Reported by the
//! step that applies suppressions ([`crate::suppress`]), not by a check of its own.

use crate::diagnostics::{Rule, Severity};

pub static RULE: Rule = Rule {
    id: "unused-suppression",
    severity: Severity::Warning,
    summary: "A suppression comment or annotation suppresses nothing, or names an unknown rule.",
    doc: include_str!("../../rules/unused-suppression.md"),
};
