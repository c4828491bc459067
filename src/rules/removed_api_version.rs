//! `removed-api-version`: the target release no longer serves this apiVersion/kind (reference
//! §9; derived from the embedded schema sets, plus a table for older removals). Reported by
//! [`crate::schema`].

use crate::diagnostics::{Rule, Severity};

pub static RULE: Rule = Rule {
    id: "removed-api-version",
    severity: Severity::Error,
    summary: "The apiVersion of this kind is no longer served by the target Kubernetes release.",
    doc: include_str!("../../rules/removed-api-version.md"),
};
