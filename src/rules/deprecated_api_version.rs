//! `deprecated-api-version`: served by the target release, but removed in a later one (derived
//! from the embedded schema sets) or deprecated by the API server. Reported by [`crate::schema`].

use crate::diagnostics::{Rule, Severity};

pub static RULE: Rule = Rule {
    id: "deprecated-api-version",
    severity: Severity::Warning,
    summary: "The apiVersion of this kind is deprecated and will stop being served.",
    doc: include_str!("../../rules/deprecated-api-version.md"),
};
